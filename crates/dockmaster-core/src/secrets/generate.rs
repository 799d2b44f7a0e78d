//! Strong values per rule, from the OS CSPRNG: `random:N` (alphanumeric) and `fernet-key`.

use base64::Engine;
use zeroize::Zeroize;

use super::error::{Result, SecretsError};
use super::sensitive::Sensitive;
use crate::descriptor::VariableRule;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Length used when a secret has no `generate` rule.
pub const DEFAULT_LENGTH: usize = 48;

/// No generated value is shorter, whatever a descriptor asks (`random:2` would be guessed at once).
pub const MIN_GENERATED_LENGTH: usize = 16;

fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| SecretsError::Unavailable {
        detail: format!("the OS random number generator failed: {e}"),
    })
}

/// `n` characters from `[A-Za-z0-9]`, uniformly (rejection sampling, no modulo bias).
pub fn random_alphanumeric(n: usize) -> Result<Sensitive<String>> {
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    // 248 = 4 × 62: bytes at or above it would bias the first characters.
    while out.len() < n {
        random_bytes(&mut buf)?;
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == n {
                break;
            }
            out.push(ALPHANUMERIC[(*b as usize) % ALPHANUMERIC.len()] as char);
        }
    }
    buf.zeroize();
    Ok(Sensitive::new(out))
}

/// A Fernet key: url-safe base64 (padded) of 32 random bytes.
pub fn fernet_key() -> Result<Sensitive<String>> {
    let mut key = [0u8; 32];
    random_bytes(&mut key)?;
    let encoded = base64::engine::general_purpose::URL_SAFE.encode(key);
    key.zeroize();
    Ok(Sensitive::new(encoded))
}

/// Generates from a `generate` spec: `random:N` (at least [`MIN_GENERATED_LENGTH`] characters) or
/// `fernet-key`.
pub fn from_spec(name: &str, spec: &str) -> Result<Sensitive<String>> {
    if spec == "fernet-key" {
        return fernet_key();
    }
    match spec.strip_prefix("random:").and_then(|n| n.parse::<usize>().ok()) {
        Some(n @ 1..=4096) => random_alphanumeric(n.max(MIN_GENERATED_LENGTH)),
        _ => {
            Err(SecretsError::NoGenerator { name: name.to_string(), format: format!("generate = `{spec}`") })
        }
    }
}

/// A value for `name` under its rule: the rule's `generate` spec, else a Fernet key for `fernet-key`
/// variables, else random alphanumerics (at least [`DEFAULT_LENGTH`] and the rule's `min_length`).
pub fn for_rule(name: &str, rule: Option<&VariableRule>) -> Result<Sensitive<String>> {
    if let Some(spec) = rule.and_then(|r| r.generate.as_deref()) {
        return from_spec(name, spec);
    }
    match rule.and_then(|r| r.format.as_deref()) {
        Some("fernet-key") => fernet_key(),
        Some(other) => Err(SecretsError::NoGenerator { name: name.to_string(), format: other.to_string() }),
        None => {
            let min = rule.and_then(|r| r.min_length).unwrap_or(0) as usize;
            random_alphanumeric(DEFAULT_LENGTH.max(min))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::rules::check_format;

    #[test]
    fn random_values_have_the_length_and_alphabet() {
        let a = random_alphanumeric(48).expect("random");
        let b = random_alphanumeric(48).expect("random");
        assert_eq!(a.expose().len(), 48);
        assert!(a.expose().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        assert_eq!(from_spec("X", "random:24").expect("ok").expose().len(), 24);
        // Issue 14, finding 9: a descriptor could ask for a 2-character generated secret.
        assert_eq!(from_spec("X", "random:2").expect("ok").expose().len(), MIN_GENERATED_LENGTH);
        assert!(from_spec("X", "random:0").is_err() && from_spec("X", "dice").is_err());
    }

    #[test]
    fn fernet_keys_validate() {
        for _ in 0..20 {
            let k = fernet_key().expect("key");
            assert_eq!(k.expose().len(), 44);
            check_format("fernet-key", k.expose()).expect("valid fernet key");
        }
    }

    #[test]
    fn per_rule() {
        let d = crate::descriptor::Descriptor::parse(include_str!("../../stacks/sectorwars2102.toml"), "sw")
            .expect("ok");
        assert_eq!(for_rule("JWT_SECRET", d.variables.get("JWT_SECRET")).expect("ok").expose().len(), 48);
        assert_eq!(
            for_rule("ADMIN_PASSWORD", d.variables.get("ADMIN_PASSWORD")).expect("ok").expose().len(),
            24
        );
        check_format(
            "fernet-key",
            for_rule("ARIA_ENCRYPTION_KEY", d.variables.get("ARIA_ENCRYPTION_KEY")).expect("ok").expose(),
        )
        .expect("fernet");
        assert!(matches!(
            for_rule("DATABASE_URL", d.variables.get("DATABASE_URL")),
            Err(SecretsError::NoGenerator { .. })
        ));
        assert_eq!(for_rule("OTHER_TOKEN", None).expect("ok").expose().len(), DEFAULT_LENGTH);
    }
}
