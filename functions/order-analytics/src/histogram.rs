//! A latency histogram of bounded size: buckets 5 % wide, so the window's state stays a
//! few hundred numbers however many orders it times, and a percentile read from it is
//! within 5 % of the exact one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How much wider each bucket is than the one before.
const GROWTH: f64 = 1.05;

/// Counts of durations (milliseconds) by bucket: bucket 0 holds 0 ms, bucket `b` holds
/// `[GROWTH^(b-1), GROWTH^b)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram(BTreeMap<u16, u64>);

impl Histogram {
    /// Counts one duration.
    pub fn record(&mut self, ms: i64) {
        *self.0.entry(bucket(ms)).or_default() += 1;
    }

    /// Durations counted.
    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The nearest-rank percentile `p` (1 to 100): the lower bound of the bucket that
    /// holds it; `None` when nothing was counted.
    pub fn percentile(&self, p: u64) -> Option<i64> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let rank = (p.clamp(1, 100) * count).div_ceil(100).max(1);
        let mut seen = 0;
        for (bucket, n) in &self.0 {
            seen += n;
            if seen >= rank {
                return Some(lower_bound(*bucket));
            }
        }
        self.0.keys().next_back().map(|b| lower_bound(*b))
    }
}

fn bucket(ms: i64) -> u16 {
    if ms < 1 {
        return 0;
    }
    let b = ((ms as f64).ln() / GROWTH.ln()).floor() as i64 + 1;
    b.clamp(1, i64::from(u16::MAX)) as u16
}

fn lower_bound(bucket: u16) -> i64 {
    if bucket == 0 {
        return 0;
    }
    GROWTH.powi(i32::from(bucket) - 1).ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_within_five_per_cent_of_the_exact_ones() {
        let mut h = Histogram::default();
        let samples: Vec<i64> = (1..=10_000).map(|i| i * 7 % 100_000 + 1).collect();
        for s in &samples {
            h.record(*s);
        }
        let mut sorted = samples.clone();
        sorted.sort_unstable();
        for p in [50, 90, 99] {
            let exact = sorted[(p as usize * sorted.len()).div_ceil(100) - 1];
            let read = h.percentile(p).expect("samples");
            assert!(
                (read as f64) <= exact as f64 * 1.0001 && read as f64 >= exact as f64 / 1.06,
                "p{p}: {read} against {exact}"
            );
        }
        assert!(h.0.len() < 300, "{} buckets", h.0.len());
        assert_eq!(Histogram::default().percentile(50), None);
        let mut zero = Histogram::default();
        zero.record(0);
        assert_eq!(zero.percentile(99), Some(0));
    }
}
