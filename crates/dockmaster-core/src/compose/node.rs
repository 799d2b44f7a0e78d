//! Loads one Compose YAML file into an interpolated [`Node`] tree that remembers variable uses.

use std::path::Path;

use indexmap::IndexMap;
use serde_yaml_ng::Value;

use super::guard;
use super::interpolate::{interpolate_within, Budget, MissingRequired, VarUse};
use crate::error::{CoreError, Result};

/// A YAML value after interpolation. Strings keep the variables that produced them, so the model can tell
/// which variable sets a host port and can mask the parts of a value that came from a secret.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Number(String),
    Str(Scalar),
    Seq(Vec<Node>),
    Map(IndexMap<String, Node>),
    /// `!reset`: removes the value from what earlier files set.
    Reset,
    /// `!override`: replaces instead of merging.
    Override(Box<Node>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scalar {
    pub value: String,
    pub uses: Vec<VarUse>,
}

impl Scalar {
    pub fn plain(value: impl Into<String>) -> Self {
        Scalar { value: value.into(), uses: Vec::new() }
    }
}

/// A `${VAR:?message}` whose variable is missing, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiredProblem {
    pub missing: MissingRequired,
    /// Dotted path in the file, e.g. `services.gameserver.environment[2]`.
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub root: Node,
    pub required_problems: Vec<RequiredProblem>,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(&s.value),
            Node::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The scalar's text whatever its YAML type (`true`, `8080`, `"x"`).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.value.clone()),
            Node::Number(n) => Some(n.clone()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<Scalar> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Number(_) | Node::Bool(_) => self.scalar_text().map(Scalar::plain),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            Node::Str(s) => match s.value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&IndexMap<String, Node>> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match self {
            Node::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }
}

/// Parses and interpolates one Compose file. `lookup` resolves variables (process env, then `.env`).
pub fn load(path: &Path, text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<LoadedFile> {
    // Before the YAML parser: it takes quadratic time on deep nesting, and aliases can multiply memory.
    guard::check_nesting(text).map_err(|deep| CoreError::ComposeInvalid {
        path: path.to_path_buf(),
        line: Some(deep.line),
        column: Some(deep.column),
        message: deep.to_string(),
    })?;
    guard::check_expansion(text).map_err(|message| CoreError::ComposeInvalid {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message,
    })?;
    let mut value: Value = serde_yaml_ng::from_str(text).map_err(|e| CoreError::ComposeInvalid {
        path: path.to_path_buf(),
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        message: e.to_string(),
    })?;
    value.apply_merge().map_err(|e| CoreError::ComposeInvalid {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message: format!("YAML merge key `<<`: {e}"),
    })?;
    if value.is_null() {
        return Err(CoreError::ComposeInvalid {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: "the file is empty; a Compose file needs at least a `services:` section".into(),
        });
    }
    if !value.is_mapping() {
        return Err(CoreError::schema(path, "top level", "expected a mapping with a `services:` key"));
    }
    let mut loader =
        Loader { path, text, lookup, problems: Vec::new(), budget: Budget::new(MAX_INTERPOLATED_BYTES) };
    let root = loader.convert(value, &mut String::new(), true)?;
    Ok(LoadedFile { root, required_problems: loader.problems })
}

/// Bytes the interpolated strings of one file may add up to (values, defaults kept for reports).
pub const MAX_INTERPOLATED_BYTES: usize = 64 * 1024 * 1024;

/// The longest part of a template an error quotes.
const TEMPLATE_SHOWN: usize = 120;

struct Loader<'a> {
    path: &'a Path,
    text: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<RequiredProblem>,
    budget: Budget,
}

impl Loader<'_> {
    fn convert(&mut self, value: Value, at: &mut String, interpolating: bool) -> Result<Node> {
        Ok(match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n.to_string()),
            Value::String(s) if interpolating => Node::Str(self.interpolate(&s, at)?),
            Value::String(s) => Node::Str(Scalar::plain(s)),
            Value::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("[{i}]"));
                    out.push(self.convert(item, at, interpolating)?);
                    at.truncate(len);
                }
                Node::Seq(out)
            }
            Value::Mapping(map) => {
                let mut out = IndexMap::with_capacity(map.len());
                let top_level = at.is_empty();
                for (k, v) in map {
                    let key = match k {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => {
                            return Err(CoreError::schema(
                                self.path,
                                display_path(at),
                                format!("unsupported mapping key {other:?}"),
                            ))
                        }
                    };
                    // Extension fields (`x-…`) are free-form; anchors from them are already merged in.
                    let interpolate_child = interpolating && !(top_level && key.starts_with("x-"));
                    let len = at.len();
                    if !at.is_empty() {
                        at.push('.');
                    }
                    at.push_str(&key);
                    let node = self.convert(v, at, interpolate_child)?;
                    at.truncate(len);
                    out.insert(key, node);
                }
                Node::Map(out)
            }
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                let inner = self.convert(tagged.value, at, interpolating)?;
                match tag.trim_start_matches('!') {
                    "reset" => Node::Reset,
                    "override" => Node::Override(Box::new(inner)),
                    _ => inner,
                }
            }
        })
    }

    fn interpolate(&mut self, template: &str, at: &str) -> Result<Scalar> {
        let result = interpolate_within(template, self.lookup, &mut self.budget).map_err(|e| {
            CoreError::InvalidTemplate {
                path: self.path.to_path_buf(),
                line: line_of(self.text, template),
                at: display_path(at).to_string(),
                template: shown(template),
                reason: e.reason,
            }
        })?;
        for missing in result.missing_required {
            self.problems.push(RequiredProblem { missing, at: display_path(at).to_string() });
        }
        Ok(Scalar { value: result.value, uses: result.uses })
    }
}

fn display_path(at: &str) -> &str {
    if at.is_empty() {
        "top level"
    } else {
        at
    }
}

/// `template`, cut to [`TEMPLATE_SHOWN`] characters for an error message.
fn shown(template: &str) -> String {
    match template.char_indices().nth(TEMPLATE_SHOWN) {
        Some((cut, _)) => format!("{}…", &template[..cut]),
        None => template.to_string(),
    }
}

/// The 1-based line where `template` first appears in the file's text (scalars carry no positions).
fn line_of(text: &str, template: &str) -> Option<usize> {
    let needle = template.lines().next().filter(|l| !l.trim().is_empty())?;
    let offset = text.find(needle)?;
    Some(text[..offset].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("9000".into()),
            _ => None,
        }
    }

    #[test]
    fn interpolates_values_but_not_keys_or_extension_fields() {
        let text = "x-note: ${NOT_A_TEMPLATE\nservices:\n  web:\n    ports: [\"${PORT:-80}:80\"]\n";
        let file = load(Path::new("c.yml"), text, &env).expect("loads");
        let web = file.root.get("services").and_then(|s| s.get("web")).expect("web");
        let port = &web.get("ports").and_then(Node::as_seq).expect("ports")[0];
        assert_eq!(port.as_str(), Some("9000:80"));
        assert_eq!(file.root.get("x-note").and_then(Node::as_str), Some("${NOT_A_TEMPLATE"));
    }

    #[test]
    fn invalid_template_names_file_line_and_template() {
        let text = "services:\n  web:\n    image: \"nginx:${TAG\"\n";
        let err = load(Path::new("/p/compose.yml"), text, &env).expect_err("invalid");
        let msg = err.to_string();
        assert!(msg.starts_with("/p/compose.yml:3: invalid interpolation `nginx:${TAG`"), "{msg}");
        assert!(msg.contains("services.web.image"), "{msg}");
    }

    #[test]
    fn yaml_errors_carry_a_position() {
        let err = load(Path::new("c.yml"), "services:\n  web: [\n", &env).expect_err("yaml");
        assert!(matches!(err, CoreError::ComposeInvalid { line: Some(_), .. }), "{err}");
    }

    #[test]
    fn merge_keys_and_tags() {
        let text = "x-base: &base\n  image: busybox\nservices:\n  a:\n    <<: *base\n    ports: !reset []\n";
        let file = load(Path::new("c.yml"), text, &env).expect("loads");
        let a = file.root.get("services").and_then(|s| s.get("a")).expect("a");
        assert_eq!(a.get("image").and_then(Node::as_str), Some("busybox"));
        assert_eq!(a.get("ports"), Some(&Node::Reset));
    }

    #[test]
    fn required_variables_are_collected_not_fatal() {
        let text = "services:\n  a:\n    image: \"x:${TAG:?set TAG}\"\n";
        let file = load(Path::new("c.yml"), text, &env).expect("loads");
        assert_eq!(file.required_problems.len(), 1);
        assert_eq!(file.required_problems[0].missing.name, "TAG");
        assert_eq!(file.required_problems[0].at, "services.a.image");
    }
}
