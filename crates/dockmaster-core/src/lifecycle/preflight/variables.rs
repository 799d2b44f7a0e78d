//! Variables: every variable the started services use must be set and valid (the keychain counts). Each
//! problem says how to fix it in both faces' words and, where it can be fixed without asking, its remedy: a
//! missing secret with a generator is generated, a missing non-secret the descriptor suggests a value for is
//! written to `.env` ("Fix and start", `dockmaster up --fix`).

use super::{issue, Input};
use crate::error::ErrorCode;
use crate::face::{capitalized, Face, Step};
use crate::lifecycle::types::{PreflightCode, PreflightIssue};
use crate::secrets::catalog::{KeychainStatus, VariableSource, VariableView};
use crate::secrets::fix::Remedy;
use crate::secrets::rules::{Finding, Level, RuleKind};

pub(super) fn check(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) {
    let Some(catalog) = input.catalog else { return };
    let mut unknown: Vec<String> = Vec::new();
    for v in catalog.groups.iter().flat_map(|g| &g.variables) {
        let needed = if input.explicit {
            v.used_by.iter().any(|s| input.involved.contains(s))
        } else {
            v.used_by_selection
        };
        if !needed {
            continue;
        }
        if v.source == VariableSource::Unknown {
            if v.required {
                unknown.push(v.name.clone());
            }
            continue;
        }
        for f in &v.findings {
            let remedy = remedy(input, v, f, catalog.keychain.available);
            let fix =
                |face| variable_fix(&v.name, v.secret, f.rule, v.generator.is_some(), remedy.as_ref(), face);
            let mut i = issue(PreflightCode::VariableInvalid, f.message.clone(), fix(Face::Cli));
            i.window_fix = fix(Face::Window);
            i.remedy = remedy.clone();
            i.variable = Some(v.name.clone());
            i.rule = Some(f.rule);
            i.service = v.used_by.iter().find(|s| input.involved.contains(s)).cloned();
            match f.level {
                Level::Error => problems.push(i),
                Level::Warning => warnings.push(i),
            }
        }
    }
    if !catalog.keychain.available {
        keychain_down(&catalog.keychain, unknown, problems, warnings);
    }
}

/// What "Fix and start" can do about a finding: only a required variable that is not set, and never anything
/// that would put a secret in `.env` or overwrite a value someone chose.
fn remedy(input: &Input<'_>, v: &VariableView, f: &Finding, keychain: bool) -> Option<Remedy> {
    if f.rule != RuleKind::Required || f.level != Level::Error || v.has_value {
        return None;
    }
    if v.secret {
        return v.generator.clone().filter(|_| keychain).map(|generator| Remedy::Generate { generator });
    }
    if input.project.secret_policy().may_be_secret(&v.name) {
        return None;
    }
    let rule = input.project.descriptor().and_then(|d| d.variables.get(&v.name));
    rule.and_then(|r| r.suggested.clone()).map(|value| Remedy::Suggest { value })
}

/// The keychain cannot be read: a problem when a required variable may live there (with the button or
/// command that creates or unlocks it), else a warning.
fn keychain_down(
    status: &KeychainStatus,
    unknown: Vec<String>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) {
    let (reason, remedy, step) = match status.code {
        Some(ErrorCode::KeychainNoCollection) => (
            "it has no default collection".to_string(),
            Some(Remedy::CreateKeychain),
            Some(Step::CreateKeychain),
        ),
        Some(ErrorCode::KeychainLocked) => {
            ("it is locked".to_string(), Some(Remedy::UnlockKeychain), Some(Step::UnlockKeychain))
        }
        _ => (status.message.clone().unwrap_or_else(|| "the keychain cannot be read".into()), None, None),
    };
    let fix = |face: Face, then: &str| match step {
        Some(step) => format!("{}, then {then}.", capitalized(&step.run(face))),
        None => format!("Start the keychain service (see the message), then {then}."),
    };
    let mut i = if unknown.is_empty() {
        let mut i = issue(
            PreflightCode::KeychainUnavailable,
            format!("The keychain cannot be read ({reason}); no required variable depends on it."),
            fix(Face::Cli, "use the secrets stored there"),
        );
        i.window_fix = fix(Face::Window, "use the secrets stored there");
        i
    } else {
        let mut i = issue(
            PreflightCode::KeychainUnavailable,
            format!(
                "Required variables {} may be in the keychain, which cannot be read: {reason}.",
                unknown.join(", ")
            ),
            fix(Face::Cli, "retry"),
        );
        i.window_fix = fix(Face::Window, "retry");
        i.variable = unknown.first().cloned();
        i
    };
    i.remedy = remedy;
    if i.variable.is_some() {
        problems.push(i);
    } else {
        warnings.push(i);
    }
}

/// How to fix a variable's finding, in one face's words.
fn variable_fix(
    name: &str,
    secret: bool,
    rule: RuleKind,
    can_generate: bool,
    remedy: Option<&Remedy>,
    face: Face,
) -> String {
    match rule {
        RuleKind::Required | RuleKind::MinLength | RuleKind::Format => {
            let set = if secret {
                format!("store it in the keychain: {}", Step::SetSecret(name).run(face))
            } else {
                Step::SetVariable(name).run(face)
            };
            let generate = if can_generate && secret {
                format!(", or generate one: {}", Step::GenerateSecret(name).run(face))
            } else {
                String::new()
            };
            let automatic = match remedy {
                Some(Remedy::Generate { .. }) => {
                    format!(" {} generates it for you.", capitalized(&Step::FixAndStart.named(face)))
                }
                Some(Remedy::Suggest { value }) => format!(
                    " {} writes {name}={value} to .env for you.",
                    capitalized(&Step::FixAndStart.named(face))
                ),
                _ => String::new(),
            };
            format!("{}{generate}.{automatic}", capitalized(&set))
        }
        RuleKind::PairedWith => format!("Set both variables of the pair, or neither ({name})."),
        RuleKind::InsecureDefault => {
            format!("Set a real value for {name} (the development default is public).")
        }
        RuleKind::DebugInProduction => "Set DEBUG=false for production.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_name_the_command_in_the_cli_and_the_button_in_the_window() {
        let generate = Remedy::Generate { generator: "random:48".into() };
        let f = variable_fix("JWT_SECRET", true, RuleKind::Required, true, Some(&generate), Face::Cli);
        assert!(f.starts_with("Store it in the keychain: run `dockmaster secret set JWT_SECRET`"), "{f}");
        assert!(f.contains("`dockmaster secret generate JWT_SECRET`"), "{f}");
        assert!(f.ends_with("`dockmaster up --fix` generates it for you."), "{f}");
        let w = variable_fix("JWT_SECRET", true, RuleKind::Required, true, Some(&generate), Face::Window);
        assert_eq!(
            w,
            "Store it in the keychain: press Set JWT_SECRET, or generate one: press Generate on JWT_SECRET's row \
             in Environment. Fix and start generates it for you."
        );
        assert_eq!(
            variable_fix("ADMIN_USERNAME", false, RuleKind::Required, false, None, Face::Cli),
            "Set ADMIN_USERNAME in .env or the environment."
        );
        let suggest = Remedy::Suggest { value: "admin".into() };
        assert_eq!(
            variable_fix("ADMIN_USERNAME", false, RuleKind::Required, false, Some(&suggest), Face::Window),
            "Press Set ADMIN_USERNAME. Fix and start writes ADMIN_USERNAME=admin to .env for you."
        );
        for face in [Face::Cli, Face::Window] {
            let text = variable_fix("DATABASE_URL", true, RuleKind::Format, false, None, face);
            assert_eq!(text.contains("dockmaster"), face == Face::Cli, "{text}");
        }
    }
}
