//! ReceiveMessage: choosing which messages a receive delivers (queue order, FIFO groups,
//! redrive) and long polling.

use std::collections::HashSet;

use indexmap::IndexMap;
use uuid::Uuid;

use super::error::SqsError;
use super::message::ReceivedMessage;
use super::queue::Queue;
use super::state::{MAX_VISIBILITY_SECS, QueueState, Stored};

impl Queue {
    /// ReceiveMessage without waiting, with the queue's visibility timeout.
    pub fn receive(&self, max: usize) -> Result<Vec<ReceivedMessage>, SqsError> {
        self.receive_with_visibility(max, self.config.visibility_timeout_secs)
    }

    /// ReceiveMessage without waiting, with a visibility timeout for this call.
    pub fn receive_with_visibility(
        &self,
        max: usize,
        visibility_timeout_secs: u32,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        if max == 0 {
            return Err(SqsError::invalid(
                self.name(),
                "MaxNumberOfMessages",
                "must be at least 1",
            ));
        }
        if visibility_timeout_secs > MAX_VISIBILITY_SECS {
            return Err(SqsError::invalid(
                self.name(),
                "VisibilityTimeout",
                format!("{visibility_timeout_secs} is above {MAX_VISIBILITY_SECS}"),
            ));
        }
        let now = self.clock.now_ms();
        let visible_again = now.saturating_add(i64::from(visibility_timeout_secs) * 1000);
        let mut out = Vec::new();
        let mut guard = self.lock();
        guard.expire(now, self.retention_ms());
        let state = &mut *guard;
        // FIFO: a group with a message in flight is not served, and a group whose head is not
        // yet visible blocks the messages behind it (order within the group).
        let mut blocked_groups: HashSet<String> = HashSet::new();
        if self.config.fifo {
            for key in &state.received {
                if let Some(m) = state.messages.get(key).filter(|m| m.in_flight(now)) {
                    blocked_groups.extend(m.group_id.clone());
                }
            }
        }
        let (selected, to_redrive) = self.select(state, max, now, blocked_groups);
        for key in selected {
            let Some(message) = state.messages.get_mut(&key) else {
                continue;
            };
            message.receive_count += 1;
            message.first_receive_ms.get_or_insert(now);
            message.visible_at_ms = visible_again;
            let handle = format!("{key}.{}", Uuid::new_v4().simple());
            message.receipt_handle = Some(handle.clone());
            let received = self.received(message, handle);
            state.received.insert(key);
            out.push(received);
        }
        let redriven: Vec<Stored> = to_redrive
            .into_iter()
            .filter_map(|key| state.remove(key))
            .collect();
        // Release this queue before locking the dead-letter queue, so two queues that
        // redrive into each other cannot deadlock.
        drop(guard);
        if let Some((dlq, _)) = &self.dead_letter {
            for message in redriven {
                dlq.accept_moved(message, self.arn(), None);
            }
        }
        Ok(out)
    }

    /// Which messages this receive delivers, and which it moves to the dead-letter queue
    /// instead (their receive would exceed maxReceiveCount).
    ///
    /// Standard queues deliver in queue order. FIFO queues deliver, per group, the visible
    /// messages from the group's head on (a delayed or in-flight message blocks the rest of its
    /// group), and, as SQS does, as many messages of one group as possible before the next
    /// group's.
    fn select(
        &self,
        state: &QueueState,
        max: usize,
        now: i64,
        mut blocked_groups: HashSet<String>,
    ) -> (Vec<u64>, Vec<u64>) {
        let mut to_redrive = Vec::new();
        let mut runs: IndexMap<&str, Vec<u64>> = IndexMap::new();
        let mut standard = Vec::new();
        for (key, message) in &state.messages {
            if !self.config.fifo && standard.len() >= max {
                break;
            }
            let group = message.group_id.as_deref().filter(|_| self.config.fifo);
            if group.is_some_and(|g| blocked_groups.contains(g)) {
                continue;
            }
            if message.visible_at_ms > now {
                if let Some(g) = group {
                    blocked_groups.insert(g.to_owned());
                }
                continue;
            }
            if let Some((_, max_receive_count)) = &self.dead_letter
                && message.receive_count >= *max_receive_count
            {
                to_redrive.push(*key);
                continue;
            }
            match group {
                Some(g) => runs.entry(g).or_default().push(*key),
                None => standard.push(*key),
            }
        }
        if !self.config.fifo {
            return (standard, to_redrive);
        }
        let selected = runs.into_values().flatten().take(max).collect();
        (selected, to_redrive)
    }

    /// ReceiveMessage with long polling: waits up to `wait_ms` of clock time for at least one
    /// message, waking as soon as a send (or a visibility change) makes one receivable.
    pub async fn receive_wait(
        &self,
        max: usize,
        wait_ms: i64,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        self.receive_wait_with_visibility(max, wait_ms, self.config.visibility_timeout_secs)
            .await
    }

    /// `receive_wait` with a visibility timeout for this call.
    pub async fn receive_wait_with_visibility(
        &self,
        max: usize,
        wait_ms: i64,
        visibility_timeout_secs: u32,
    ) -> Result<Vec<ReceivedMessage>, SqsError> {
        let deadline = self.clock.now_ms().saturating_add(wait_ms.max(0));
        loop {
            // Register for wake-ups before looking, so a send between the look and the wait
            // is not missed.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let batch = self.receive_with_visibility(max, visibility_timeout_secs)?;
            let now = self.clock.now_ms();
            if !batch.is_empty() || now >= deadline {
                return Ok(batch);
            }
            let wake_at = self
                .next_visibility_change(now)
                .map_or(deadline, |at| at.min(deadline));
            tokio::select! {
                () = &mut changed => {}
                () = self.clock.sleep_until(wake_at) => {}
            }
        }
    }

    fn next_visibility_change(&self, now: i64) -> Option<i64> {
        self.lock()
            .messages
            .values()
            .map(|m| m.visible_at_ms)
            .filter(|at| *at > now)
            .min()
    }
}
