//! [`Masker`]: replaces every secret value Dockmaster knows of with the fixed mask, in any text that comes
//! from Compose or a container (output lines, error text, probe output, log lines) before it is shown.

use crate::compose::mask::MASK;
use crate::secrets::Sensitive;

/// Values shorter than this are not searched for (masking `1` or `on` everywhere would garble the text
/// and tell nothing anyway).
pub const MIN_MASKED_LEN: usize = 4;

/// The secret values of one operation (zeroised when dropped).
#[derive(Default)]
pub struct Masker {
    values: Vec<Sensitive<String>>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} values)", self.values.len())
    }
}

impl Masker {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values: Vec<Sensitive<String>> = values
            .into_iter()
            .filter(|v| v.chars().count() >= MIN_MASKED_LEN)
            .map(|v| Sensitive::new(v.to_string()))
            .collect();
        // Longest first: a secret that contains another is masked whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.expose().len()));
        values.dedup();
        Masker { values }
    }

    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.values {
            if out.contains(v.expose().as_str()) {
                out = out.replace(v.expose().as_str(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first_and_skips_tiny_values() {
        let m = Masker::new(["hunter2-secret", "hunter2-secret-longer", "on"]);
        assert_eq!(
            m.mask("a hunter2-secret-longer b hunter2-secret c on"),
            format!("a {MASK} b {MASK} c on")
        );
        assert_eq!(format!("{m:?}"), "Masker(2 values)");
    }
}
