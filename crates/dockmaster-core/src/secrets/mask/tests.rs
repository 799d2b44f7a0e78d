//! The masker's table: plain values, overlaps, every encoding a log might carry, multi-line values, the
//! minimum length and the incomplete (locked keychain) rule.
#![allow(clippy::unwrap_used)]

use base64::Engine;

use super::*;

fn masker(pairs: &[(&str, &str)]) -> Masker {
    let values: Vec<(String, Sensitive<String>)> =
        pairs.iter().map(|(n, v)| (n.to_string(), Sensitive::new(v.to_string()))).collect();
    Masker::new(values.iter().map(|(n, v)| (n.as_str(), v)))
}

#[test]
fn masks_every_value_and_leaves_the_rest() {
    let m = masker(&[("JWT_SECRET", "s3cr3t-value"), ("DB_PASSWORD", "hunter22"), ("SHORT", "abcde")]);
    assert_eq!(m.len(), 2, "values under {MIN_SECRET_LEN} bytes are not masked");
    assert_eq!(
        m.mask_str("jwt=s3cr3t-value db=hunter22 again s3cr3t-value abcde"),
        "jwt=[JWT_SECRET hidden] db=[DB_PASSWORD hidden] again [JWT_SECRET hidden] abcde"
    );
    assert!(matches!(m.mask_str("nothing to hide"), std::borrow::Cow::Borrowed(_)));
    assert_eq!(Masker::none().mask_str("hunter22"), "hunter22");
}

#[test]
fn overlapping_and_nested_values_leave_no_byte() {
    let m = masker(&[("A", "secret123"), ("B", "t123xyz"), ("C", "123xyz")]);
    // "secret123" and "t123xyz" overlap; "123xyz" sits inside the second: one merged hole.
    let out = m.mask_str("<secret123xyz>");
    assert_eq!(out, "<[A, B, C hidden]>");
    for value in ["secret123", "t123xyz", "123xyz"] {
        assert!(!out.contains(value));
    }
    // Same value under two names: both named.
    let m = masker(&[("X_TOKEN", "same-value"), ("Y_TOKEN", "same-value")]);
    assert_eq!(m.mask_str("[same-value]"), "[[X_TOKEN, Y_TOKEN hidden]]");
    // A value that is a prefix of another.
    let m = masker(&[("P", "abcdef"), ("Q", "abcdefgh")]);
    assert_eq!(m.mask_str("abcdefgh abcdef"), "[P, Q hidden] [P hidden]");
}

/// Issue 14, finding 3: base64, URL-encoded and JSON-escaped forms passed.
#[test]
fn encoded_forms_are_masked() {
    let secret = "Zx9/pa55+word=\"é\"";
    let m = masker(&[("API_KEY", secret)]);
    let std = base64::engine::general_purpose::STANDARD;
    let cases = [
        format!("Authorization: Basic {}", std.encode(format!("admin:{secret}"))),
        format!("token={}", std.encode(secret)),
        format!("GET /login?key={}&x=1", "Zx9%2Fpa55%2Bword%3D%22%C3%A9%22"),
        format!("GET /login?key={}&x=1", "Zx9%2fpa55%2bword%3d%22%c3%a9%22"),
        r#"{"key":"Zx9/pa55+word=\"é\""}"#.to_string(),
        r#"{"key":"Zx9/pa55+word=\"\u00e9\""}"#.to_string(),
        r#"{"key":"Zx9\/pa55+word=\"é\""}"#.to_string(),
    ];
    for line in &cases {
        let out = m.mask_str(line);
        assert!(out.contains("[API_KEY hidden]"), "{line} → {out}");
        assert!(!out.contains("pa55"), "{line} → {out}");
    }
}

/// Issue 14, finding 3: a multi-line secret (a PEM key) was never masked by the line-by-line maskers.
#[test]
fn each_line_of_a_multi_line_value_is_masked() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----";
    let m = masker(&[("TLS_KEY", pem)]);
    for line in pem.lines() {
        let out = m.mask_str(line);
        assert_eq!(out, "[TLS_KEY hidden]", "{line}");
    }
    let as_json = serde_json::to_string(pem).unwrap();
    assert!(!m.mask_str(&as_json).contains("MIIEvQ"));
    assert!(!m.mask_str(pem).contains("MIIEvQ"));
}

/// Issue 14, finding 3: the lifecycle masker replaced values one after another, so overlapping secrets
/// left part of one visible.
#[test]
fn overlapping_secrets_leave_nothing_of_either() {
    let m = masker(&[("A_SECRET", "alpha-beta"), ("B_SECRET", "beta-gamma")]);
    let out = m.mask_str("x alpha-beta-gamma y");
    assert_eq!(out, "x [A_SECRET, B_SECRET hidden] y");
}

/// Issue 14, finding 1 (and the locked keychain rule): container text is withheld when secrets are unknown.
#[test]
fn an_incomplete_masker_withholds_container_text() {
    let set = crate::secrets::gather::SecretSet {
        values: vec![("JWT_SECRET".into(), Sensitive::new("known-secret".into()))],
        unreadable: Some("the keychain cannot be read (KEYCHAIN_LOCKED)".into()),
        ..Default::default()
    };
    let m = Masker::from_set(&set);
    assert!(!m.is_complete());
    assert_eq!(m.mask_str("a known-secret b"), "a [JWT_SECRET hidden] b");
    let out = m.mask_container("probe: some-keychain-value");
    assert!(out.starts_with("[output hidden: the keychain cannot be read"), "{out}");
    assert_eq!(m.mask_container(""), "");
    let complete = masker(&[("JWT_SECRET", "known-secret")]);
    assert_eq!(complete.mask_container("x known-secret"), "x [JWT_SECRET hidden]");
}

/// A cheap property check beside the fuzz target: random secrets in random text never survive, in any form.
#[test]
fn random_secrets_never_survive_in_random_text() {
    let alphabet: Vec<char> = "abcXYZ019+/=%\"\\ \né-_.:@".chars().collect();
    let mut rng = fastrand::Rng::with_seed(14);
    let std = base64::engine::general_purpose::STANDARD;
    for _ in 0..300 {
        let secret: String =
            (0..rng.usize(MIN_SECRET_LEN..24)).map(|_| alphabet[rng.usize(..alphabet.len())]).collect();
        if secret.contains('\n') {
            continue; // multi-line values are covered above
        }
        let other: String = (0..rng.usize(0..40)).map(|_| alphabet[rng.usize(..alphabet.len())]).collect();
        let m = masker(&[("S_SECRET", &secret)]);
        let (head, tail) =
            other.split_at(other.char_indices().nth(other.chars().count() / 2).map_or(0, |(i, _)| i));
        for text in [
            format!("{head}{secret}{tail}"),
            format!("{head}{}{tail}", serde_json::to_string(&secret).unwrap()),
            format!("{head}{}{tail}", std.encode(format!("{head}{secret}"))),
        ] {
            let out = m.mask_str(&text);
            assert!(!out.contains(&secret), "{secret:?} survived in {out:?}");
        }
    }
}
