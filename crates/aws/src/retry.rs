//! Bounded exponential backoff for the entries a batch call reports as failed. The SDK
//! already retries whole calls; this covers the partial failures it reports as success.

use std::time::Duration;

/// How often, and how far apart, the failed entries of a batch call are sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included; at least 1.
    pub max_attempts: u32,
    /// Delay after the first failed attempt; it doubles after each further one.
    pub base_delay: Duration,
    /// Ceiling on any one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, 100 ms doubling to at most 2 s: under a second of waiting in all,
    /// small next to a Lambda timeout.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No waiting between attempts (tests).
    pub fn immediate(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// Attempts in total, never fewer than one.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// Delay before attempt `attempt + 1`, after `attempt` (1-based) failed.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        let delays: Vec<u64> = (1..=7)
            .map(|a| policy.delay_after(a).as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(policy.delay_after(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn zero_attempts_still_means_one() {
        assert_eq!(RetryPolicy::immediate(0).attempts(), 1);
    }
}
