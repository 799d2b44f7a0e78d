//! Variables: required ones that are unset, plain references that will be blank, and secrets interpolated
//! into a command line.

use std::collections::HashSet;

use super::{warning, Input};
use crate::compose::interpolate::VarForm;
use crate::report::{Severity, Warning, WarningCode};

pub(super) fn variables(input: &Input, out: &mut Vec<Warning>) {
    let mut seen: HashSet<&str> = HashSet::new();
    let held_names: HashSet<&str> = input.held.iter().map(String::as_str).collect();
    let held = |name: &str| held_names.contains(name);
    for p in input.required_problems {
        if seen.contains(p.missing.name.as_str()) || held(&p.missing.name) {
            continue;
        }
        seen.insert(&p.missing.name);
        out.push(
            warning(
                WarningCode::RequiredVariableUnset,
                Severity::Error,
                format!("{} is required ({}): {}.", p.missing.name, p.at, p.missing.message),
            )
            .variables([p.missing.name.clone()])
            .hint(format!("Set {} in .env or in the environment.", p.missing.name)),
        );
    }
    // Plain `${VAR}` references that are unset become empty strings; Compose only prints a notice.
    let mut unset: Vec<String> = Vec::new();
    let mut users: Vec<String> = Vec::new();
    let (mut unset_names, mut user_names): (HashSet<&str>, HashSet<&str>) = Default::default();
    for s in input.active {
        let scalars = s
            .environment
            .iter()
            .chain(s.build.iter().flat_map(|b| b.args.iter()))
            .filter_map(|v| v.value.as_ref())
            .chain(s.healthcheck.iter().flat_map(|h| h.test.iter()));
        for scalar in scalars {
            for u in &scalar.uses {
                if !u.is_set && u.form == VarForm::Plain && !seen.contains(u.name.as_str()) && !held(&u.name)
                {
                    if unset_names.insert(&u.name) {
                        unset.push(u.name.clone());
                    }
                    if user_names.insert(&s.name) {
                        users.push(s.name.clone());
                    }
                }
            }
        }
    }
    if !unset.is_empty() {
        let required: Vec<&String> = unset
            .iter()
            .filter(|v| input.descriptor.and_then(|d| d.variables.get(*v)).is_some_and(|r| r.required))
            .collect();
        let severity = if required.is_empty() { Severity::Info } else { Severity::Warning };
        let message = if required.is_empty() {
            format!("{} not set and will be blank: {}.", count(unset.len()), unset.join(", "))
        } else {
            let names: Vec<&str> = required.iter().map(|s| s.as_str()).collect();
            format!(
                "{} not set and will be blank, including ones the stack requires ({}).",
                count(unset.len()),
                names.join(", ")
            )
        };
        out.push(
            warning(WarningCode::UnsetVariable, severity, message)
                .services(users)
                .variables(unset)
                .hint("Set them in .env (or as secrets) before starting."),
        );
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 variable is".into()
    } else {
        format!("{n} variables are")
    }
}

/// A secret interpolated into argv is visible to anyone who can run `ps` on the host or `docker inspect`.
pub(super) fn secrets_in_commands(input: &Input, out: &mut Vec<Warning>) {
    let is_secret = |name: &str| input.policy.may_be_secret(name) || input.held.iter().any(|h| h == name);
    for s in input.active {
        let fields = [
            ("command", s.command.as_slice()),
            ("entrypoint", s.entrypoint.as_slice()),
            ("healthcheck.test", s.healthcheck.as_ref().map(|h| h.test.as_slice()).unwrap_or_default()),
        ];
        for (field, words) in fields {
            let mut names: Vec<String> = words
                .iter()
                .flat_map(|w| &w.uses)
                .filter(|u| is_secret(&u.name))
                .map(|u| u.name.clone())
                .collect();
            names.sort();
            names.dedup();
            if names.is_empty() {
                continue;
            }
            out.push(
                warning(
                    WarningCode::SecretInCommand,
                    Severity::Warning,
                    format!(
                        "{}'s `{field}` contains the value of {}: it ends up in the container's command line, \
                         visible to anyone who can run `ps` on the host or `docker inspect`.",
                        s.name,
                        names.join(", ")
                    ),
                )
                .services([s.name.clone()])
                .variables(names)
                .hint(
                    "Pass the secret through `environment:` and read it inside the container instead: the \
                     client's own variable (REDISCLI_AUTH, PGPASSWORD…), or `$$NAME` in a `sh -c` script.",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// Issue 14, finding 14: a secret interpolated into a service's `command:` or healthcheck `test:` is
    /// visible in `ps` and `docker inspect`.
    #[test]
    fn secrets_in_argv_are_warned_about_by_name_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let compose = "services:\n  cache:\n    image: x\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"${REDIS_PASSWORD}\", \"ping\"]\n  web:\n    image: x\n    entrypoint: [\"run\", \"--token=${STRIPE_SK}\"]\n    command: [\"serve\", \"--port=${WEB_PORT:-80}\"]\n  ok:\n    image: x\n    command: sh -c 'exec app --password \"$$DB_PASSWORD\"'\n";
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose");
        std::fs::write(dir.path().join(".env"), "REDIS_PASSWORD=redis-marker-value\n").expect(".env");
        let p = crate::Project::open(crate::OpenOptions {
            process_env: Some(Default::default()),
            ..crate::OpenOptions::new(dir.path())
        })
        .expect("open");
        let report = p.report_with_keychain(&[], &["STRIPE_SK".to_string()]).expect("report");
        let found: Vec<(String, Vec<String>)> = report
            .warnings
            .iter()
            .filter(|w| w.code == crate::report::WarningCode::SecretInCommand)
            .map(|w| (w.services.join(","), w.variables.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("cache".to_string(), vec!["REDIS_PASSWORD".to_string()]),
                ("cache".to_string(), vec!["REDIS_PASSWORD".to_string()]),
                ("web".to_string(), vec!["STRIPE_SK".to_string()]),
            ]
        );
        let json = serde_json::to_string(&report.warnings).expect("json");
        assert!(!json.contains("redis-marker-value"), "{json}");
    }
}
