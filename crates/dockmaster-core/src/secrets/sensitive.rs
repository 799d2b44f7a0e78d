//! [`Sensitive`]: a secret value that never prints, never serializes, and is zeroized when dropped.

use std::fmt;

use zeroize::Zeroize;

/// What [`Sensitive`]'s `Debug` and `Display` print instead of the value.
pub const REDACTED: &str = "<redacted>";

/// A secret value. `Debug`/`Display` print [`REDACTED`]; there is no `Serialize` (a type holding one
/// cannot derive it by accident); the memory is zeroized on drop. Read it with [`Sensitive::expose`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The value itself: every call site is a place a secret leaves its wrapper, so keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Sensitive<String> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Sensitive::new("hunter2-hunter2".to_string());
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(&s)), format!("Some({REDACTED})"));
        assert_eq!(s.expose(), "hunter2-hunter2");
    }

    /// `Sensitive` must not implement `Serialize`: this only compiles while that stays true.
    #[test]
    fn does_not_implement_serialize() {
        trait NotSerialize {
            const SERIALIZE: bool = false;
        }
        impl<T> NotSerialize for T {}
        struct Probe<T>(std::marker::PhantomData<T>);
        #[allow(dead_code)]
        impl<T: serde::Serialize> Probe<T> {
            const SERIALIZE: bool = true;
        }
        const { assert!(!<Probe<Sensitive<String>>>::SERIALIZE) };
        const { assert!(<Probe<String>>::SERIALIZE) };
    }
}
