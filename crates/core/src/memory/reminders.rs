//! Reminders kept in memory: what was scheduled and not cancelled, for tests and tools that
//! run a function without a scheduler.

use crate::contracts::OutboundEvent;
use crate::ports::{PortError, Reminders};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The reminders scheduled, by key, with their time (epoch seconds) and event.
#[derive(Default)]
pub struct MemoryReminders {
    pending: Mutex<BTreeMap<String, (i64, OutboundEvent)>>,
}

impl MemoryReminders {
    /// The reminders scheduled and not cancelled, by key.
    pub fn pending(&self) -> BTreeMap<String, (i64, OutboundEvent)> {
        super::stores::lock(&self.pending).clone()
    }
}

#[async_trait]
impl Reminders for MemoryReminders {
    async fn remind(
        &self,
        key: &str,
        at_epoch_s: i64,
        event: &OutboundEvent,
    ) -> Result<(), PortError> {
        super::stores::lock(&self.pending)
            .entry(key.to_owned())
            .or_insert_with(|| (at_epoch_s, event.clone()));
        Ok(())
    }

    async fn cancel(&self, key: &str) -> Result<(), PortError> {
        super::stores::lock(&self.pending).remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::ports::{reminder_expression, reminder_name};

    #[test]
    fn a_reminder_is_at_a_utc_second_under_a_name_scheduler_takes() {
        assert_eq!(
            reminder_expression(1_796_498_919),
            "at(2026-12-05T19:28:39)"
        );
        let name = reminder_name("any order id: with spaces/and slashes");
        assert!(name.len() <= 64, "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
            "{name}"
        );
    }
}
