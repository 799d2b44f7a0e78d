//! Reconnection delays: exponential backoff with jitter, capped low so a returning engine is seen quickly.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// Fraction of the delay added or removed at random (0.2 = ±20 %).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_millis(100), max: Duration::from_millis(1000), jitter: 0.2 }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (1-based); `unit` is a number in [0, 1) (random in use).
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let exp = self.initial.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let base = exp.min(self.max).as_secs_f64();
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Duration::from_secs_f64((base * factor).max(0.0))
    }

    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_then_caps_with_bounded_jitter() {
        let b = Backoff::default();
        assert_eq!(b.delay_with(1, 0.5), Duration::from_millis(100));
        assert_eq!(b.delay_with(2, 0.5), Duration::from_millis(200));
        assert_eq!(b.delay_with(4, 0.5), Duration::from_millis(800));
        assert_eq!(b.delay_with(5, 0.5), Duration::from_millis(1000));
        assert_eq!(b.delay_with(500, 0.5), Duration::from_millis(1000));
        assert_eq!(b.delay_with(5, 0.0), Duration::from_millis(800));
        assert!(b.delay_with(5, 0.999_999) <= Duration::from_millis(1200));
        for attempt in 1..30 {
            let d = b.delay(attempt);
            assert!(d >= Duration::from_millis(80) && d <= Duration::from_millis(1200), "{d:?}");
        }
    }
}
