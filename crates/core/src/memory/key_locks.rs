//! Locks by key: a store's read, check and write of one key run under the lock of the
//! key's stripe, as a DynamoDB conditional write is atomic for one item. Operations on
//! keys of different stripes do not wait for each other, where one lock over a table made
//! every writer of the table queue: the front door's place-order behind the workflows'
//! functions.

use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard};

/// How many stripes the keys are locked in: enough that two writers rarely meet.
pub const STRIPES: usize = 64;

/// One lock per stripe of keys.
pub struct KeyLocks {
    stripes: Box<[Mutex<()>]>,
}

impl Default for KeyLocks {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }
}

/// Which of `n` parts (`n` > 0) `key` falls in: the same key, the same part, within a
/// process. Stripes of locks and shards of a table spread keys by it.
pub fn part_of(key: &str, n: usize) -> usize {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    usize::try_from(hasher.finish() % n.max(1) as u64).unwrap_or(0)
}

impl KeyLocks {
    /// Holds `key`'s stripe until the guard is dropped.
    pub fn lock(&self, key: &str) -> MutexGuard<'_, ()> {
        let stripe = part_of(key, self.stripes.len());
        // No code panics while holding a stripe, so a poisoned one is still consistent.
        self.stripes[stripe]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_waits_for_itself_and_keys_spread_over_the_stripes() {
        let locks = KeyLocks::default();
        let held = locks.lock("k");
        assert!(
            locks
                .stripes
                .iter()
                .filter(|s| s.try_lock().is_err())
                .count()
                == 1
        );
        drop(held);
        let used: std::collections::HashSet<usize> = (0..1000)
            .map(|i| {
                let _g = locks.lock(&format!("key-{i}"));
                locks
                    .stripes
                    .iter()
                    .position(|s| s.try_lock().is_err())
                    .unwrap_or(usize::MAX)
            })
            .collect();
        assert!(used.len() > STRIPES / 2, "{} stripes used", used.len());
    }
}
