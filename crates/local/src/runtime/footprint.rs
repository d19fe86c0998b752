//! What a cloud holds, store by store: the counts a volume test bounds and a memory
//! measurement reads beside the process's size.

use super::CloudInner;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// The number of items each store of a cloud holds, by store name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint(pub BTreeMap<&'static str, usize>);

impl Footprint {
    /// The count of one store (0 for a name not counted).
    pub fn get(&self, store: &str) -> usize {
        self.0.get(store).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Footprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (store, count) in &self.0 {
            writeln!(f, "{store:<24} {count:>9}")?;
        }
        Ok(())
    }
}

impl CloudInner {
    /// How many items retention has dropped so far: closed executions, log lines and trace
    /// hops. A run that reads everything back afterwards (a chaos wave, the demo) wants 0.
    pub fn dropped_by_retention(&self) -> usize {
        self.sfn.executions.dropped()
            + self.logs.dropped()
            + self.trace.recorded().saturating_sub(self.trace.len())
    }

    /// Counts every store that can grow with the orders put: the cloud's own (executions,
    /// logs, trace, queues, background tasks) and the tables the functions write.
    pub fn footprint(&self) -> Footprint {
        let mut counts = BTreeMap::new();
        let (executions, running) = self.sfn.executions.counts();
        counts.insert("executions", executions);
        counts.insert("executions.running", running);
        counts.insert(
            "executions.traced",
            self.sfn
                .traced
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .len(),
        );
        counts.insert("task_tokens", self.sfn.tokens.waiting_tokens().len());
        counts.insert("log_lines", self.logs.len());
        counts.insert("trace_hops", self.trace.len());
        let (mut messages, mut dead) = (0, 0);
        let dlqs: Vec<&str> = self
            .model
            .queues
            .values()
            .filter_map(|q| q.redrive.as_ref().map(|r| r.dead_letter_queue.as_str()))
            .collect();
        for queue in self.model.queues.values() {
            if let Ok(q) = self.sqs.queue(&queue.name) {
                if dlqs.contains(&queue.logical_id.as_str()) {
                    dead += q.held();
                } else {
                    messages += q.held();
                }
            }
        }
        counts.insert("sqs.messages", messages);
        counts.insert("sqs.dlq_messages", dead);
        counts.insert(
            "background_tasks",
            self.tasks.lock().unwrap_or_else(|p| p.into_inner()).len(),
        );
        counts.insert("background_busy", self.busy.load(Ordering::SeqCst));
        let world = &self.world;
        counts.insert("table.idempotency", world.idempotency.len());
        counts.insert("table.orders", world.orders.len());
        counts.insert("table.reservations", world.stock.reservation_count());
        counts.insert("table.approvals", world.approvals.len());
        counts.insert("table.audit", world.audit.len());
        counts.insert("table.shipments", world.shipments.len());
        counts.insert("table.payments", world.payments.len());
        counts.insert("notifications", world.notifier.len());
        counts.insert("callback_answers", world.callbacks.answers_len());
        Footprint(counts)
    }
}
