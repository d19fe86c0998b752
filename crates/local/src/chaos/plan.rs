//! The fault plan: which faults strike, drawn from one seeded generator in the order the
//! cloud asks, and counted per kind. The cloud runs on one thread on virtual time, so it
//! asks in the same order every time and a seed replays the same run.

use crate::runtime::faults::{Fault, Faults};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How often each fault strikes, as a probability per chance (0.0 to 1.0).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rates {
    /// A second delivery on every at-least-once hop.
    pub duplicate: f64,
    /// A function dies after its side effects, before it answers.
    pub crash: f64,
    /// Lambda refuses an invocation.
    pub throttle: f64,
    /// An idempotency-table call fails transiently.
    pub store_error: f64,
    /// PutEvents refuses one entry.
    pub put_events_failure: f64,
    /// A Lambda task's invocation finishes after its state moved on.
    pub late_completion: f64,
    /// A message to a standard queue is overtaken by later ones.
    pub reorder: f64,
    /// A message is received again while its first receive is being processed.
    pub early_redelivery: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            duplicate: 0.20,
            crash: 0.05,
            throttle: 0.02,
            store_error: 0.02,
            put_events_failure: 0.02,
            late_completion: 0.01,
            reorder: 0.05,
            early_redelivery: 0.01,
        }
    }
}

impl Rates {
    /// No fault at all.
    pub fn none() -> Self {
        Self {
            duplicate: 0.0,
            crash: 0.0,
            throttle: 0.0,
            store_error: 0.0,
            put_events_failure: 0.0,
            late_completion: 0.0,
            reorder: 0.0,
            early_redelivery: 0.0,
        }
    }

    /// The rate of one fault.
    pub fn of(&self, fault: Fault) -> f64 {
        match fault {
            Fault::Duplicate => self.duplicate,
            Fault::Crash => self.crash,
            Fault::Throttle => self.throttle,
            Fault::StoreError => self.store_error,
            Fault::PutEventsFailure => self.put_events_failure,
            Fault::LateCompletion => self.late_completion,
            Fault::Reorder => self.reorder,
            Fault::EarlyRedelivery => self.early_redelivery,
        }
    }
}

/// SplitMix64: a tiny generator whose sequence is fixed by its seed on every platform and
/// every version of every crate, which is what a replayable run needs (a general-purpose
/// RNG crate is free to change its streams between releases).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator of `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform fraction in `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        // The top 53 bits: exactly the precision of an f64 mantissa.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `[0, n)`; 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// A seeded plan of faults, with the count of each that struck.
pub struct FaultPlan {
    rates: Rates,
    /// Faults that strike at one site only (a function, queue, rule target or
    /// detail-type), to aim a fault at one step.
    only: BTreeMap<Fault, String>,
    state: Mutex<PlanState>,
}

struct PlanState {
    random: SplitMix64,
    struck: BTreeMap<Fault, u64>,
}

impl FaultPlan {
    /// A plan drawing from `seed` at `rates`.
    pub fn new(seed: u64, rates: Rates) -> Self {
        Self::aimed(seed, rates, BTreeMap::new())
    }

    /// A plan whose faults in `only` strike at their one site only.
    pub fn aimed(seed: u64, rates: Rates, only: BTreeMap<Fault, String>) -> Self {
        Self {
            rates,
            only,
            state: Mutex::new(PlanState {
                random: SplitMix64::new(seed),
                struck: BTreeMap::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PlanState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many times each fault struck.
    pub fn struck(&self) -> BTreeMap<Fault, u64> {
        self.state().struck.clone()
    }
}

impl Faults for FaultPlan {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        let rate = self.rates.of(fault);
        if rate <= 0.0 || self.only.get(&fault).is_some_and(|only| only != site) {
            return false;
        }
        let mut state = self.state();
        let hit = state.random.fraction() < rate;
        if hit {
            *state.struck.entry(fault).or_insert(0) += 1;
        }
        hit
    }

    fn delay_ms(&self, max_ms: i64) -> i64 {
        let max = u64::try_from(max_ms.max(1)).unwrap_or(1);
        i64::try_from(self.state().random.below(max)).unwrap_or(0)
    }

    fn draws_jitter(&self) -> bool {
        true
    }

    fn jitter(&self) -> f64 {
        self.state().random.fraction()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_fixes_the_sequence() {
        let draw = |seed| {
            let mut r = SplitMix64::new(seed);
            (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        // The reference value of SplitMix64 for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn a_rate_is_met_at_volume_and_zero_never_strikes() {
        let plan = FaultPlan::new(
            1,
            Rates {
                duplicate: 0.2,
                ..Rates::none()
            },
        );
        let hits = (0..100_000)
            .filter(|_| plan.strike(Fault::Duplicate, "q"))
            .count();
        assert!((19_000..21_000).contains(&hits), "{hits}");
        assert!(!(0..10_000).any(|_| plan.strike(Fault::Crash, "f")));
        assert_eq!(plan.struck().get(&Fault::Duplicate), Some(&(hits as u64)));
    }
}
