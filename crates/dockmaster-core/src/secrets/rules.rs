//! Validation of variable values against the stack descriptor's `[variables.X]` rules. Messages never
//! contain the value.

use base64::Engine;
use serde::Serialize;

use crate::descriptor::VariableRule;

/// How bad a finding is: an error blocks a start (preflight), a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Level {
    Error,
    Warning,
}

/// Which rule a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RuleKind {
    Required,
    MinLength,
    Format,
    PairedWith,
    InsecureDefault,
    DebugInProduction,
}

/// One rule a variable's value breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Finding {
    pub variable: String,
    pub rule: RuleKind,
    pub level: Level,
    /// What is wrong and how to fix it (never the value).
    pub message: String,
}

/// What a check needs beyond the variable itself.
pub struct Context<'a> {
    /// The selection includes the `production` profile.
    pub production: bool,
    /// The effective value of another variable (for `paired_with`).
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
}

fn set(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// Checks one variable's effective value (`None` = unset) against its rule.
pub fn check(name: &str, rule: Option<&VariableRule>, value: Option<&str>, cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |rule: RuleKind, level: Level, message: String| {
        out.push(Finding { variable: name.to_string(), rule, level, message })
    };
    if name == "DEBUG" && cx.production && value.is_some_and(truthy) {
        push(
            RuleKind::DebugInProduction,
            Level::Warning,
            "DEBUG is true under the production profile: it exposes /docs, /redoc and /openapi.json. Set DEBUG=false."
                .into(),
        );
    }
    let Some(rule) = rule else { return out };
    if !set(value) {
        if rule.required {
            push(
                RuleKind::Required,
                Level::Error,
                format!("{name} is required but not set: set it{}.", how(rule)),
            );
        }
        if let Some(partner) = &rule.paired_with {
            if set((cx.lookup)(partner).as_deref()) {
                push(
                    RuleKind::PairedWith,
                    Level::Error,
                    format!("{partner} is set but {name} is not: set both or neither."),
                );
            }
        }
        return out;
    }
    let value = value.unwrap_or_default();
    if let Some(min) = rule.min_length {
        let len = value.chars().count();
        if len < min as usize {
            push(
                RuleKind::MinLength,
                Level::Error,
                format!("{name} must be at least {min} characters (it has {len}){}.", how(rule)),
            );
        }
    }
    if let Some(format) = &rule.format {
        if let Err(why) = check_format(format, value) {
            push(RuleKind::Format, Level::Error, format!("{name} {why}."));
        }
    }
    if let Some(insecure) = &rule.insecure_default {
        if cx.production && value == insecure {
            push(
                RuleKind::InsecureDefault,
                Level::Warning,
                format!("{name} still has the development default `{insecure}` under the production profile: set a real value."),
            );
        }
    }
    out
}

fn how(rule: &VariableRule) -> &'static str {
    if rule.generate.is_some() {
        " (or generate one)"
    } else {
        ""
    }
}

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

/// Checks a value against a named format. `Err` says what the value must be (never what it is).
pub fn check_format(format: &str, value: &str) -> Result<(), String> {
    match format {
        "port" => match value.parse::<u32>() {
            Ok(1..=65535) if !value.starts_with('+') => Ok(()),
            _ => Err("must be a port number from 1 to 65535".into()),
        },
        "bool" => match value.to_ascii_lowercase().as_str() {
            "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off" => Ok(()),
            _ => Err("must be true or false".into()),
        },
        "url" => {
            url_host(value).map(|_| ()).ok_or_else(|| "must be a URL like https://host[:port]/path".into())
        }
        "postgres-url" => {
            let scheme = value.split("://").next().unwrap_or_default();
            let ok_scheme = scheme == "postgresql" || scheme.starts_with("postgresql+");
            if ok_scheme && url_host(value).is_some() {
                Ok(())
            } else {
                Err("must be a postgresql:// URL like postgresql://user:password@host:5432/database".into())
            }
        }
        "fernet-key" => match base64::engine::general_purpose::URL_SAFE.decode(value.as_bytes()) {
            Ok(bytes) if bytes.len() == 32 => Ok(()),
            _ => {
                Err("must be a Fernet key: url-safe base64 of exactly 32 bytes (44 characters ending in `=`)"
                    .into())
            }
        },
        other => Err(format!("has an unknown format `{other}` in the stack descriptor")),
    }
}

/// The host of `scheme://[userinfo@]host[:port][/…]`, if the value has that shape.
fn url_host(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once("://")?;
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    if !valid_scheme || value.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(']') || host_port.starts_with('[') => {
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return None;
            }
            h
        }
        _ => host_port,
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> VariableRule {
        toml::from_str(toml_text).expect("rule")
    }

    /// (case, variable, rule TOML, value, partner values, production, expected findings as (rule, level)).
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        bool,
        &'static [(RuleKind, Level)],
    );

    const FERNET_OK: &str = "Pw8WbbfX6L4ypnr2DWyRw3IJ7-aOxW4NbB8rbmq6Rbs=";

    const CASES: &[Case] = &[
        ("required set", "ADMIN_USERNAME", "required = true", Some("admin"), &[], false, &[]),
        (
            "required unset",
            "ADMIN_USERNAME",
            "required = true",
            None,
            &[],
            false,
            &[(RuleKind::Required, Level::Error)],
        ),
        (
            "required empty",
            "SECRET_KEY",
            "required = true",
            Some(""),
            &[],
            false,
            &[(RuleKind::Required, Level::Error)],
        ),
        (
            "min length ok",
            "JWT_SECRET",
            "required = true\nmin_length = 32",
            Some("abcdefghijklmnopqrstuvwxyz012345"),
            &[],
            false,
            &[],
        ),
        (
            "min length short",
            "JWT_SECRET",
            "required = true\nmin_length = 32",
            Some("abcdefghijklmnopqrstuvwxyz01234"),
            &[],
            false,
            &[(RuleKind::MinLength, Level::Error)],
        ),
        (
            "min length counts characters",
            "ADMIN_PASSWORD",
            "min_length = 12",
            Some("ééééééééééé"),
            &[],
            false,
            &[(RuleKind::MinLength, Level::Error)],
        ),
        (
            "admin password ok",
            "ADMIN_PASSWORD",
            "required = true\nmin_length = 12",
            Some("twelve-chars"),
            &[],
            false,
            &[],
        ),
        (
            "postgres url ok",
            "DATABASE_URL",
            "format = 'postgres-url'",
            Some("postgresql://u:p@database:5432/db"),
            &[],
            false,
            &[],
        ),
        (
            "postgres url with driver",
            "DATABASE_URL",
            "format = 'postgres-url'",
            Some("postgresql+asyncpg://u:p@db/x"),
            &[],
            false,
            &[],
        ),
        (
            "postgres url old scheme",
            "DATABASE_URL",
            "format = 'postgres-url'",
            Some("postgres://u:p@db/x"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "postgres url not a url",
            "DATABASE_URL",
            "format = 'postgres-url'",
            Some("database:5432"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "postgres url no host",
            "DATABASE_URL",
            "format = 'postgres-url'",
            Some("postgresql:///db"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        ("fernet ok", "ARIA_ENCRYPTION_KEY", "format = 'fernet-key'", Some(FERNET_OK), &[], false, &[]),
        (
            "fernet unpadded",
            "ARIA_ENCRYPTION_KEY",
            "format = 'fernet-key'",
            Some("Pw8WbbfX6L4ypnr2DWyRw3IJ7-aOxW4NbB8rbmq6Rbs"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "fernet standard alphabet",
            "ARIA_ENCRYPTION_KEY",
            "format = 'fernet-key'",
            Some("Pw8WbbfX6L4ypnr2DWyRw3IJ7+aOxW4NbB8rbmq6Rbs="),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "fernet 31 bytes",
            "ARIA_ENCRYPTION_KEY",
            "format = 'fernet-key'",
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "fernet 33 bytes",
            "ARIA_ENCRYPTION_KEY",
            "format = 'fernet-key'",
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        ("port ok low", "DB_PORT", "format = 'port'", Some("1"), &[], false, &[]),
        ("port ok high", "DB_PORT", "format = 'port'", Some("65535"), &[], false, &[]),
        (
            "port zero",
            "DB_PORT",
            "format = 'port'",
            Some("0"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "port too high",
            "DB_PORT",
            "format = 'port'",
            Some("65536"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "port not a number",
            "DB_PORT",
            "format = 'port'",
            Some("80a"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        ("port unset is fine", "DB_PORT", "format = 'port'", None, &[], false, &[]),
        ("bool ok", "DEBUG", "format = 'bool'", Some("False"), &[], false, &[]),
        (
            "bool invalid",
            "DEBUG",
            "format = 'bool'",
            Some("maybe"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        ("url ok", "API_BASE_URL", "format = 'url'", Some("http://localhost:8080/api"), &[], false, &[]),
        (
            "url invalid",
            "API_BASE_URL",
            "format = 'url'",
            Some("localhost:8080"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "url bad port",
            "API_BASE_URL",
            "format = 'url'",
            Some("http://localhost:80x/"),
            &[],
            false,
            &[(RuleKind::Format, Level::Error)],
        ),
        (
            "pair both set",
            "CLIENT_ID_GITHUB",
            "paired_with = 'CLIENT_SECRET_GITHUB'",
            Some("id"),
            &[("CLIENT_SECRET_GITHUB", "s")],
            false,
            &[],
        ),
        (
            "pair neither set",
            "CLIENT_ID_GITHUB",
            "paired_with = 'CLIENT_SECRET_GITHUB'",
            None,
            &[],
            false,
            &[],
        ),
        (
            "pair only partner set",
            "CLIENT_SECRET_GITHUB",
            "paired_with = 'CLIENT_ID_GITHUB'",
            Some(""),
            &[("CLIENT_ID_GITHUB", "id")],
            false,
            &[(RuleKind::PairedWith, Level::Error)],
        ),
        (
            "pair only self set",
            "CLIENT_ID_GITHUB",
            "paired_with = 'CLIENT_SECRET_GITHUB'",
            Some("id"),
            &[],
            false,
            &[],
        ),
        (
            "insecure default in production",
            "REDIS_PASSWORD",
            "insecure_default = 'dev_only_not_for_production'",
            Some("dev_only_not_for_production"),
            &[],
            true,
            &[(RuleKind::InsecureDefault, Level::Warning)],
        ),
        (
            "insecure default in development",
            "REDIS_PASSWORD",
            "insecure_default = 'dev_only_not_for_production'",
            Some("dev_only_not_for_production"),
            &[],
            false,
            &[],
        ),
        (
            "real value in production",
            "REDIS_PASSWORD",
            "insecure_default = 'dev_only_not_for_production'",
            Some("x9-real"),
            &[],
            true,
            &[],
        ),
        (
            "debug true in production",
            "DEBUG",
            "format = 'bool'",
            Some("true"),
            &[],
            true,
            &[(RuleKind::DebugInProduction, Level::Warning)],
        ),
        ("debug true in development", "DEBUG", "format = 'bool'", Some("true"), &[], false, &[]),
        ("debug false in production", "DEBUG", "format = 'bool'", Some("false"), &[], true, &[]),
    ];

    #[test]
    fn validation_table() {
        for (case, name, rule_text, value, partners, production, expected) in CASES {
            let lookup = |n: &str| partners.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string());
            let cx = Context { production: *production, lookup: &lookup };
            let findings = check(name, Some(&rule(rule_text)), *value, &cx);
            let got: Vec<(RuleKind, Level)> = findings.iter().map(|f| (f.rule, f.level)).collect();
            assert_eq!(got, *expected, "case `{case}`: {findings:?}");
            for f in &findings {
                if let Some(v) = value.filter(|v| v.len() > 3) {
                    assert!(
                        !f.message.contains(v)
                            || matches!(f.rule, RuleKind::InsecureDefault | RuleKind::DebugInProduction),
                        "case `{case}` leaks the value"
                    );
                }
            }
        }
    }

    #[test]
    fn every_format_and_rule_is_covered() {
        let rules: Vec<&str> = CASES.iter().map(|c| c.2).collect();
        for needle in [
            "required",
            "min_length",
            "postgres-url",
            "fernet-key",
            "'port'",
            "'bool'",
            "'url'",
            "paired_with",
            "insecure_default",
        ] {
            assert!(rules.iter().any(|r| r.contains(needle)), "{needle} has no case");
        }
    }

    #[test]
    fn the_sectorwars_descriptor_rules_hold() {
        let d = crate::descriptor::Descriptor::parse(include_str!("../../stacks/sectorwars2102.toml"), "sw")
            .expect("ok");
        let none = |_: &str| None;
        let cx = Context { production: false, lookup: &none };
        let v = |n: &str| d.variables.get(n);
        assert_eq!(check("JWT_SECRET", v("JWT_SECRET"), Some("short"), &cx)[0].rule, RuleKind::MinLength);
        assert_eq!(
            check("ARIA_ENCRYPTION_KEY", v("ARIA_ENCRYPTION_KEY"), Some("nope"), &cx)[0].rule,
            RuleKind::Format
        );
        assert_eq!(check("ADMIN_USERNAME", v("ADMIN_USERNAME"), None, &cx)[0].rule, RuleKind::Required);
        assert!(check("ARIA_ENCRYPTION_KEY", v("ARIA_ENCRYPTION_KEY"), Some(FERNET_OK), &cx).is_empty());
    }
}
