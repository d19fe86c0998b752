//! Archives and replays in the running cloud: the template's archives made at start, and
//! each replay's events put back on its bus, one step a second of the cloud's clock.

use std::sync::Arc;

use serde_json::Value;

use super::CloudInner;
use crate::archive::{Archives, ReplayStep};
use crate::clock::SharedClock;
use crate::template::Model;

/// The cloud's clock time between two steps of the replays (one minute of event time each).
pub const REPLAY_STEP_MS: i64 = 1000;

/// The archives of the template, receiving from now on.
///
/// # Errors
///
/// The archive and property whose pattern does not compile.
pub fn archives_of(
    model: &Model,
    clock: SharedClock,
    max_bytes: usize,
) -> Result<Archives, String> {
    let archives = Archives::new(
        clock,
        format!("arn:aws:events:{}:{}:", model.region, model.account_id),
        max_bytes,
    );
    for archive in model.archives.values() {
        archives
            .create(archive.config.clone(), &archive.event_bus_name)
            .map_err(|e| format!("{}.Properties.EventPattern: {e}", archive.logical_id))?;
    }
    Ok(archives)
}

impl CloudInner {
    /// Steps the replays on the cloud's clock until none is active. Called when a replay
    /// starts and no one steps them yet.
    pub fn step_replays(self: &Arc<Self>) {
        let cloud = self.clone();
        self.spawn(move || async move {
            loop {
                let (steps, active) = cloud.archives.advance_replays();
                for step in steps {
                    cloud.replay(&step);
                }
                if !active {
                    break;
                }
                cloud.clock.sleep_ms(REPLAY_STEP_MS).await;
            }
        });
    }

    /// Puts one step's events back on their bus, each with `replay-name`, for the rules of
    /// the replay's `FilterArns` only. They are not archived again.
    fn replay(self: &Arc<Self>, step: &ReplayStep) {
        let bus = super::bus::bus_name(Some(&step.destination_arn));
        let only = (!step.filter_arns.is_empty()).then_some(step.filter_arns.as_slice());
        for text in &step.events {
            // Archived events are the bus's own JSON: an unreadable one would be a defect of
            // the archive, and is skipped rather than replayed half.
            let Ok(Value::Object(mut event)) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            event.insert(
                "replay-name".to_owned(),
                Value::String(step.replay_name.clone()),
            );
            let event = Value::Object(event);
            let event_text = event.to_string();
            let trace = super::xray::current_or_new(self.clock.now_ms());
            self.route(
                &event,
                &event_text,
                &bus,
                &trace,
                only,
                super::bus::Arrival::Put,
            );
        }
    }
}
