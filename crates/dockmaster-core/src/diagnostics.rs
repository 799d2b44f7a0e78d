//! The diagnostics bundle: one zip a contributor can send to a teammate, every entry masked before it is kept.
//!
//! A [`Bundle`] is built entry by entry (the session gathers versions, the doctor's checks, the selection's
//! configuration, the project's recent engine events, each service's last log lines and Dockmaster's own log).
//! Every text goes through the project's [`Masker`] as it is added — container text through
//! [`Masker::mask_container`], which withholds it whole when the keychain could not be read — and the
//! configuration loses the value of every variable whose name may be a secret ([`redact_report`]), whatever its
//! source. Nothing unmasked is ever held by the bundle, so nothing unmasked can reach the file.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::compose::mask::SecretPolicy;
use crate::error::{ErrorCode, ErrorReport};
use crate::report::{EnvVarView, SelectionReport};
use crate::secrets::Masker;

/// What replaces the value of a secret-named variable in the bundle.
pub const REMOVED: &str = "[removed]";

/// One file of the bundle, as the window lists it before saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BundleEntry {
    pub name: String,
    pub bytes: u32,
    /// What it holds, in a few words.
    pub about: String,
}

/// The bundle's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BundleContents {
    pub entries: Vec<BundleEntry>,
    /// How many distinct secret values every entry was masked with.
    pub masked_values: u32,
    /// What could not be gathered or was withheld, and why.
    pub notes: Vec<String>,
}

/// Where a saved bundle went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SavedBundle {
    pub path: String,
    pub contents: BundleContents,
}

/// The masked entries, in the order they were added.
pub struct Bundle {
    masker: Masker,
    files: Vec<(BundleEntry, Vec<u8>)>,
    notes: Vec<String>,
}

impl Bundle {
    pub fn new(masker: Masker) -> Bundle {
        Bundle { masker, files: Vec::new(), notes: Vec::new() }
    }

    /// Adds a text Dockmaster produced (versions, reports, its own log), masked.
    pub fn add_text(&mut self, name: &str, about: &str, text: &str) {
        let masked = self.masker.mask_str(text).into_owned();
        self.push(name, about, masked.into_bytes());
    }

    /// Adds a value as pretty JSON, masked: each string is masked as it is (where a secret's forms are
    /// searched for), then the written text again (where escaping may have made a new form).
    pub fn add_json(&mut self, name: &str, about: &str, value: &impl Serialize) {
        let text = serde_json::to_value(value).and_then(|mut value| {
            self.mask_strings(&mut value);
            serde_json::to_string_pretty(&value)
        });
        match text {
            Ok(text) => self.add_text(name, about, &text),
            Err(e) => self.note(format!("{name}: left out, it could not be written as JSON ({e})")),
        }
    }

    fn mask_strings(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                if let std::borrow::Cow::Owned(masked) = self.masker.mask_str(s) {
                    *s = masked;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.mask_strings(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.mask_strings(v)),
            _ => {}
        }
    }

    /// Adds text that came from a container (its logs): masked, or withheld whole when the masker does not
    /// know every secret.
    pub fn add_container_text(&mut self, name: &str, about: &str, text: &str) {
        let masked = self.masker.mask_container(text).into_owned();
        self.push(name, about, masked.into_bytes());
    }

    /// Something that could not be gathered, said in the bundle's `README.txt` and to the user.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        self.notes.push(self.masker.mask_str(&note).into_owned());
    }

    fn push(&mut self, name: &str, about: &str, bytes: Vec<u8>) {
        let entry = BundleEntry {
            name: name.to_string(),
            bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            about: about.to_string(),
        };
        self.files.push((entry, bytes));
    }

    pub fn contents(&self) -> BundleContents {
        BundleContents {
            entries: self.files.iter().map(|(e, _)| e.clone()).collect(),
            masked_values: u32::try_from(self.masker.len()).unwrap_or(u32::MAX),
            notes: self.notes.clone(),
        }
    }

    /// The bundle as zip bytes: a `README.txt` (what each file is, what was left out), then the entries.
    pub fn to_zip(&self) -> Result<Vec<u8>, ErrorReport> {
        let failed = |e: &dyn std::fmt::Display| {
            ErrorReport::new(
                ErrorCode::DiagnosticsFailed,
                format!("the diagnostics bundle could not be built: {e}"),
            )
        };
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut readme = String::from(
            "Dockmaster diagnostics. Secret values are masked ([NAME hidden]) and secret-named variables' values \
             removed.\n\n",
        );
        for (entry, _) in &self.files {
            readme.push_str(&format!("{}: {}\n", entry.name, entry.about));
        }
        if !self.notes.is_empty() {
            readme.push_str("\nLeft out:\n");
            for note in &self.notes {
                readme.push_str(&format!("- {note}\n"));
            }
        }
        let all = std::iter::once(("README.txt", readme.as_bytes()))
            .chain(self.files.iter().map(|(e, bytes)| (e.name.as_str(), bytes.as_slice())));
        for (name, bytes) in all {
            zip.start_file(name, options).map_err(|e| failed(&e))?;
            zip.write_all(bytes).map_err(|e| failed(&e))?;
        }
        Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
    }

    /// Writes the zip to `path` atomically (a reader never sees half a file).
    pub fn save(&self, path: &Path) -> Result<SavedBundle, ErrorReport> {
        let bytes = self.to_zip()?;
        crate::env::write_atomic(path, &bytes).map_err(|e| {
            ErrorReport::new(
                ErrorCode::DiagnosticsFailed,
                format!(
                    "{}: the diagnostics bundle could not be written ({e}); choose another file",
                    path.display()
                ),
            )
        })?;
        Ok(SavedBundle { path: path.display().to_string(), contents: self.contents() })
    }
}

/// The report with the value of every variable (environment and build arguments) whose name may be a secret
/// removed, whatever the descriptor says and wherever the value came from.
pub fn redact_report(mut report: SelectionReport, policy: &SecretPolicy) -> SelectionReport {
    let redact = |v: &mut EnvVarView| {
        if policy.may_be_secret(&v.name) && v.value.is_some() {
            v.value = Some(REMOVED.to_string());
            v.masked = true;
        }
    };
    for service in &mut report.services {
        service.environment.iter_mut().for_each(redact);
        if let Some(build) = &mut service.build {
            build.args.iter_mut().for_each(redact);
        }
    }
    report
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::secrets::Sensitive;
    use std::io::Read;

    fn masker(value: &str) -> Masker {
        let v = Sensitive::new(value.to_string());
        Masker::new([("JWT_SECRET", &v)])
    }

    fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                (file.name().unwrap().to_string(), text)
            })
            .collect()
    }

    #[test]
    fn every_entry_and_note_is_masked_and_the_readme_lists_them() {
        let mut bundle = Bundle::new(masker("Marker-Jwt-0123"));
        bundle.add_text("versions.txt", "versions", "dockmaster 1\nenv JWT_SECRET=Marker-Jwt-0123\n");
        bundle.add_json(
            "doctor.json",
            "checks",
            &serde_json::json!({ "m": ["a%20Marker-Jwt-0123 b", "q\"Marker-Jwt-0123"] }),
        );
        bundle.add_container_text("logs/web.log", "last lines", "line 1\nsecret Marker-Jwt-0123\nline 3\n");
        bundle.note("events: the engine said Marker-Jwt-0123");
        let files = unzip(&bundle.to_zip().unwrap());
        let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["README.txt", "versions.txt", "doctor.json", "logs/web.log"]);
        for (name, text) in &files {
            assert!(!text.contains("Marker-Jwt-0123"), "{name}: {text}");
        }
        assert!(files[3].1.contains("line 1\nsecret [JWT_SECRET hidden]\nline 3"), "{}", files[3].1);
        assert!(files[0].1.contains("logs/web.log: last lines"), "{}", files[0].1);
        assert!(
            files[0].1.contains("Left out:\n- events: the engine said [JWT_SECRET hidden]"),
            "{}",
            files[0].1
        );
        let contents = bundle.contents();
        assert_eq!(contents.masked_values, 1);
        assert_eq!(contents.entries.len(), 3, "the README is written with the zip");
    }

    #[test]
    fn container_text_is_withheld_when_the_keychain_could_not_be_read() {
        let mut bundle = Bundle::new(Masker::withholding("the keychain is locked"));
        bundle.add_container_text("logs/web.log", "last lines", "anything at all");
        bundle.add_text("versions.txt", "versions", "dockmaster 1");
        let files = unzip(&bundle.to_zip().unwrap());
        assert_eq!(files[1].1, "[output hidden: the keychain is locked]");
        assert_eq!(files[2].1, "dockmaster 1");
    }

    #[test]
    fn secret_named_variables_lose_their_value_whatever_the_descriptor_says() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  web:\n    image: x\n    environment:\n      API_TOKEN: plain-literal\n      \
             MODE: dev\n      DB_PASSWORD:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: abc\n",
        )
        .unwrap();
        let project = crate::project::Project::open(crate::project::OpenOptions {
            process_env: Some(Default::default()),
            ..crate::project::OpenOptions::new(dir.path())
        })
        .unwrap();
        let report = redact_report(project.report(&[]).unwrap(), project.secret_policy());
        let env = &report.services[0].environment;
        let value = |name: &str| env.iter().find(|v| v.name == name).unwrap().value.clone();
        assert_eq!(value("API_TOKEN").as_deref(), Some(REMOVED));
        assert_eq!(value("MODE").as_deref(), Some("dev"));
        assert_eq!(value("DB_PASSWORD"), None, "nothing set: nothing to remove");
        let args = &report.services[0].build.as_ref().unwrap().args;
        assert_eq!(args[0].value.as_deref(), Some(REMOVED));
    }
}
