//! Re-renders template values for one region from the variable spans the Compose loader kept: the region's
//! variables replace what `REGION_NAME` & co. produced; secrets are masked in what is shown and only get
//! their values when the region is applied (the template is rendered again then), so a plan holds none.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compose::interpolate::VarForm;
use crate::compose::mask::{SecretPolicy, MASK};
use crate::compose::node::Scalar;

/// A value of the plan as shown: secrets masked. The real value is only computed when the region is applied
/// (the template is rendered again then, with the secrets), so a plan never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rendered {
    /// Every secret part replaced by the fixed-length mask.
    pub shown: String,
    /// Something was masked.
    pub masked: bool,
}

impl Rendered {
    /// A value with nothing secret in it.
    pub fn plain(value: impl Into<String>) -> Self {
        Rendered { shown: value.into(), masked: false }
    }
}

/// How one variable is rendered for a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    /// Substituted as text (the region's name, owner, database user…).
    Text(String),
    /// A secret (the region's password): masked when shown, its value from `secret` when applied.
    Secret,
}

/// Where secret values come from. When planning nothing is read (`value` gives `None`); when applying,
/// the keychain's and the environment's values.
pub struct Secrets<'a> {
    /// A secret variable that will have a value when applied (it is then taken from `value`, not the file).
    pub known: &'a (dyn Fn(&str) -> bool + Sync),
    pub value: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// Renders a loaded value for a region: the spans `vars` name are re-evaluated with their new values (the
/// `${VAR:-default}` forms keep their meaning), every other secret variable with a value at apply time
/// takes that value, the rest stays as loaded. Returns what is shown (masked as everywhere else: secret
/// spans, entries such as `POSTGRES_PASSWORD`, URL passwords) and the real value.
pub fn render(
    name: Option<&str>,
    value: &Scalar,
    vars: &BTreeMap<String, VarValue>,
    secrets: &Secrets<'_>,
    policy: &SecretPolicy,
) -> (Rendered, String) {
    // Outermost uses first (the loader's order); a use inside one already replaced is part of it.
    let mut chosen: Vec<(std::ops::Range<usize>, Piece)> = Vec::new();
    for u in &value.uses {
        if chosen
            .iter()
            .any(|(span, _)| span.start <= u.span.start && u.span.end <= span.end && !span.is_empty())
        {
            continue;
        }
        let piece = match vars.get(&u.name) {
            Some(VarValue::Text(text)) => Piece::Text(reevaluate(&u.form, text)),
            Some(VarValue::Secret) => Piece::Secret(u.name.clone()),
            None if policy.is_secret(&u.name) && (secrets.known)(&u.name) => Piece::Secret(u.name.clone()),
            None if policy.is_secret(&u.name) && !u.span.is_empty() => Piece::MaskedText,
            None => continue,
        };
        chosen.push((u.span.clone(), piece));
    }
    chosen.sort_by_key(|(span, _)| span.start);
    let mut shown = String::new();
    let mut real = String::new();
    let mut masked = false;
    let mut pos = 0;
    for (span, piece) in chosen {
        if span.start < pos {
            continue;
        }
        let literal = &value.value[pos..span.start];
        shown.push_str(literal);
        real.push_str(literal);
        match piece {
            Piece::Text(text) => {
                shown.push_str(&text);
                real.push_str(&text);
            }
            Piece::Secret(var) => {
                shown.push_str(MASK);
                masked = true;
                real.push_str(&(secrets.value)(&var).unwrap_or_default());
            }
            Piece::MaskedText => {
                shown.push_str(MASK);
                masked = true;
                real.push_str(&value.value[span.clone()]);
            }
        }
        pos = span.end;
    }
    shown.push_str(&value.value[pos..]);
    real.push_str(&value.value[pos..]);
    // Name-based and URL-password masking of what is shown, as for every other value.
    let (shown, more) = match name {
        Some(n) => policy.mask_entry(n, &Scalar::plain(shown)),
        None => policy.mask_scalar(&Scalar::plain(shown)),
    };
    (Rendered { shown, masked: masked || more }, real)
}

enum Piece {
    Text(String),
    Secret(String),
    MaskedText,
}

/// What a reference produces when its variable now has `value` (default and alternative forms).
fn reevaluate(form: &VarForm, value: &str) -> String {
    match form {
        VarForm::DefaultIfUnsetOrEmpty(default) if value.is_empty() => default.clone(),
        VarForm::AlternativeIfNonEmpty(alt) => {
            if value.is_empty() {
                String::new()
            } else {
                alt.clone()
            }
        }
        VarForm::AlternativeIfSet(alt) => alt.clone(),
        _ => value.to_string(),
    }
}

/// Splits a command string the way Compose does (POSIX shell words: quotes and backslashes, no expansion).
pub fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated single quote in `{text}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unterminated double quote in `{text}`")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated double quote in `{text}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// A Compose duration (`1m30s`, `500ms`, `2s`, `1h`, `10`) in milliseconds.
pub fn duration_ms(text: &str) -> Option<u32> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u32>() {
        return seconds.checked_mul(1000);
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    let ms = total.round();
    (ms >= 0.0 && ms <= f64::from(u32::MAX)).then_some(ms as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::interpolate::test_scalar as scalar;

    fn vars() -> BTreeMap<String, VarValue> {
        BTreeMap::from([
            ("REGION_NAME".to_string(), VarValue::Text("alpha".into())),
            ("REGION_DB_USER".to_string(), VarValue::Text("region_alpha_user".into())),
            ("REGION_DB_PASSWORD".to_string(), VarValue::Secret),
        ])
    }

    fn planning() -> Secrets<'static> {
        Secrets { known: &|_| false, value: &|_| None }
    }

    #[test]
    fn region_variables_replace_their_spans_and_secrets_are_masked() {
        let s = scalar(
            "postgresql://${REGION_DB_USER:-region_admin}:${REGION_DB_PASSWORD:-dev_only}@${REGION_NAME:-default-region}-db:5432/${REGION_NAME:-default_region}",
            &[],
        );
        let (r, _) = render(Some("DATABASE_URL"), &s, &vars(), &planning(), &SecretPolicy::default());
        assert_eq!(r.shown, format!("postgresql://region_alpha_user:{MASK}@alpha-db:5432/alpha"));
        assert!(r.masked);
        let applying =
            Secrets { known: &|_| false, value: &|n| (n == "REGION_DB_PASSWORD").then(|| "p$w".into()) };
        let (shown, real) = render(Some("DATABASE_URL"), &s, &vars(), &applying, &SecretPolicy::default());
        assert_eq!(shown, r, "what is shown does not depend on the secrets");
        assert_eq!(real, "postgresql://region_alpha_user:p$w@alpha-db:5432/alpha");
    }

    #[test]
    fn secrets_by_name_other_secret_variables_and_literal_dollars() {
        let policy = SecretPolicy::default();
        let s = scalar("${REGION_DB_PASSWORD:-x}", &[]);
        let (r, real) = render(Some("POSTGRES_PASSWORD"), &s, &vars(), &planning(), &policy);
        assert_eq!((r.shown.as_str(), real.as_str()), (MASK, ""));
        // JWT_SECRET has a value at apply time (keychain): that value; unknown: the loaded text, masked.
        let s = scalar("${JWT_SECRET}", &[("JWT_SECRET", "from-env")]);
        let applying = Secrets { known: &|n| n == "JWT_SECRET", value: &|_| Some("from-keychain".into()) };
        let (r, real) = render(Some("JWT_SECRET"), &s, &vars(), &applying, &policy);
        assert_eq!((r.shown.as_str(), real.as_str()), (MASK, "from-keychain"));
        let s = scalar("redis://:${REDIS_PASSWORD:-dev}@redis:6379/1", &[]);
        let (r, real) = render(Some("REDIS_URL"), &s, &vars(), &planning(), &policy);
        assert_eq!(r.shown, format!("redis://:{MASK}@redis:6379/1"));
        assert_eq!(real, "redis://:dev@redis:6379/1");
        let s = scalar("echo $$HOME ${REGION_NAME}", &[]);
        let (r, real) = render(None, &s, &vars(), &planning(), &policy);
        assert_eq!(
            (r.shown.as_str(), real.as_str(), r.masked),
            ("echo $HOME alpha", "echo $HOME alpha", false)
        );
    }

    #[test]
    fn forms_keep_their_meaning() {
        let policy = SecretPolicy::default();
        let shown = |s: &Scalar| render(None, s, &vars(), &planning(), &policy).0.shown;
        assert_eq!(shown(&scalar("[${REGION_NAME:+named}]", &[])), "[named]");
        assert_eq!(shown(&scalar("${OTHER:-${REGION_NAME}}", &[])), "alpha");
        assert_eq!(shown(&scalar("${OTHER:-${REGION_NAME}}", &[("OTHER", "set")])), "set");
    }

    #[test]
    fn shell_words_and_durations() {
        assert_eq!(
            shell_words(r#"sh -c 'echo "a b" && x' "q\"d" a\ b"#).expect("ok"),
            ["sh", "-c", "echo \"a b\" && x", "q\"d", "a b"]
        );
        assert!(shell_words("'open").is_err());
        assert_eq!(shell_words("  ").expect("ok"), Vec::<String>::new());
        assert_eq!(duration_ms("2s"), Some(2000));
        assert_eq!(duration_ms("1m30s"), Some(90_000));
        assert_eq!(duration_ms("500ms"), Some(500));
        assert_eq!(duration_ms("1.5s"), Some(1500));
        assert_eq!(duration_ms("10"), Some(10_000));
        assert_eq!(duration_ms("x"), None);
        assert_eq!(duration_ms("5 parsecs"), None);
    }
}
