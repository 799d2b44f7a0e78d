//! Decides which variables are secrets and masks their values wherever a value is shown.

use std::collections::BTreeSet;

use super::node::Scalar;

/// What replaces a secret in anything shown to the user. Fixed length: it reveals nothing.
pub const MASK: &str = "••••••";

/// Which names are secrets: the stack descriptor's explicit lists, then name heuristics.
#[derive(Debug, Clone, Default)]
pub struct SecretPolicy {
    secret: BTreeSet<String>,
    not_secret: BTreeSet<String>,
}

/// Name segments that mark a secret (`JWT_SECRET`, `ADMIN_PASSWORD`, `STEAM_API_KEY`, `GH_TOKEN`…).
const SECRET_WORDS: &[&str] =
    &["SECRET", "PASSWORD", "PASSWD", "PASS", "PWD", "TOKEN", "KEY", "APIKEY", "CREDENTIALS", "PRIVATE"];

impl SecretPolicy {
    pub fn new(
        secret: impl IntoIterator<Item = String>,
        not_secret: impl IntoIterator<Item = String>,
    ) -> Self {
        Self { secret: secret.into_iter().collect(), not_secret: not_secret.into_iter().collect() }
    }

    pub fn is_secret(&self, name: &str) -> bool {
        if self.secret.contains(name) {
            return true;
        }
        if self.not_secret.contains(name) {
            return false;
        }
        name_looks_secret(name)
    }

    /// Whether `name` may hold a secret: the descriptor's secret list or the name heuristics, whatever the
    /// descriptor's `secret = false` says. Masking errs on the side of hiding: a checked-in descriptor cannot
    /// turn masking off for a secret-looking name.
    pub fn may_be_secret(&self, name: &str) -> bool {
        self.secret.contains(name) || name_looks_secret(name)
    }

    /// Masks an environment entry: all of it when the name is a secret, else the parts that came from a
    /// secret variable and any password in a URL. Returns the shown text and whether anything was hidden.
    pub fn mask_entry(&self, name: &str, value: &Scalar) -> (String, bool) {
        if self.is_secret(name) && !value.value.is_empty() {
            return (MASK.to_string(), true);
        }
        self.mask_scalar(value)
    }

    /// Masks the parts of a value produced by secret variables, and URL passwords.
    pub fn mask_scalar(&self, value: &Scalar) -> (String, bool) {
        let mut spans: Vec<_> = value
            .uses
            .iter()
            .filter(|u| !u.span.is_empty() && self.is_secret(&u.name))
            .map(|u| u.span.clone())
            .collect();
        spans.extend(url_password_span(&value.value));
        if spans.is_empty() {
            return (value.value.clone(), false);
        }
        spans.sort_by_key(|s| s.start);
        let mut out = String::with_capacity(value.value.len());
        let mut pos = 0;
        for span in spans {
            if span.start < pos {
                pos = pos.max(span.end);
                continue;
            }
            out.push_str(&value.value[pos..span.start]);
            out.push_str(MASK);
            pos = span.end;
        }
        out.push_str(&value.value[pos..]);
        (out, true)
    }
}

fn name_looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.split(['_', '-', '.']).any(|w| SECRET_WORDS.contains(&w))
}

/// The password inside `scheme://user:password@host…`, if `text` is such a URL.
pub fn url_password(text: &str) -> Option<&str> {
    url_password_span(text).map(|span| &text[span])
}

/// The byte range of the password in `scheme://user:password@host…`.
fn url_password_span(text: &str) -> Option<std::ops::Range<usize>> {
    let scheme_end = text.find("://")? + 3;
    let authority_end = text[scheme_end..].find(['/', '?', '#']).map_or(text.len(), |i| scheme_end + i);
    let at = text[scheme_end..authority_end].rfind('@')? + scheme_end;
    let colon = text[scheme_end..at].find(':')? + scheme_end;
    (colon + 1 < at).then_some(colon + 1..at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::interpolate::test_scalar as scalar;

    #[test]
    fn names() {
        let p = SecretPolicy::new(["DATABASE_URL".to_string()], ["MONKEY_KEYBOARD".to_string()]);
        for name in
            ["JWT_SECRET", "ADMIN_PASSWORD", "STEAM_API_KEY", "GH_TOKEN", "DATABASE_URL", "secret_key"]
        {
            assert!(p.is_secret(name), "{name}");
        }
        for name in ["ADMIN_USERNAME", "MONKEY", "KEYBOARD", "MONKEY_KEYBOARD", "DB_PORT", "PASSTHROUGH"] {
            assert!(!p.is_secret(name), "{name}");
        }
    }

    #[test]
    fn secret_names_hide_everything() {
        let p = SecretPolicy::default();
        assert_eq!(p.mask_entry("JWT_SECRET", &scalar("abc", &[])), (MASK.into(), true));
        assert_eq!(p.mask_entry("JWT_SECRET", &scalar("", &[])), (String::new(), false));
    }

    #[test]
    fn secret_variables_inside_other_values_are_hidden() {
        let p = SecretPolicy::default();
        let v = scalar("redis-cli -a ${REDIS_PASSWORD:-dev} ping", &[]);
        assert_eq!(p.mask_scalar(&v).0, format!("redis-cli -a {MASK} ping"));
        let v = scalar("redis://:${REDIS_PASSWORD}@cache:6379/0", &[("REDIS_PASSWORD", "hunter2")]);
        assert_eq!(p.mask_entry("REDIS_URL", &v).0, format!("redis://:{MASK}@cache:6379/0"));
    }

    #[test]
    fn url_passwords_are_hidden_even_when_literal() {
        let p = SecretPolicy::default();
        let v = scalar("postgresql://postgres:dev_only@database:5432/db", &[]);
        assert_eq!(p.mask_entry("DB_URI", &v).0, format!("postgresql://postgres:{MASK}@database:5432/db"));
        let v = scalar("http://localhost:8080/path", &[]);
        assert_eq!(p.mask_entry("API_BASE_URL", &v), ("http://localhost:8080/path".into(), false));
    }
}
