//! One lane of one shard: the loop Lambda's poller runs for a Kinesis event source
//! mapping. It reads the lane's records in order, invokes the function with a batch,
//! moves its checkpoint past what succeeded, retries from the first failure, splits a
//! failing batch when asked, gives up on records past their retries or their age, and
//! carries a tumbling window's state from one invocation to the next.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::config::{StartingPosition, StreamSourceConfig};
use super::event::{Condition, Discarded, WindowPart, lambda_event};
use super::source::StreamSource;
use crate::clock::SharedClock;
use crate::kinesis::{Record, Shard, hash};

/// Records read from the shard at a time while looking for a lane's next batch.
const SCAN: usize = 1_000;
/// The most window state Lambda carries; past it the window ends early.
const MAX_STATE_BYTES: usize = 1024 * 1024;

/// A failed invocation: the function's `errorType` and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionFailure {
    /// `errorType`.
    pub error_type: String,
    /// `errorMessage`.
    pub message: String,
}

/// What a lane calls: the function, and the on-failure destination.
#[async_trait]
pub trait LaneInvoker: Send + Sync {
    /// Invokes the function synchronously with `event`.
    async fn invoke(&self, event: Value) -> Result<Value, FunctionFailure>;
    /// Hands a discarded batch's record to the on-failure destination (nothing without one).
    async fn discard(&self, record: Value);
}

/// Where a watched lane stands, for the cloud's idleness: the shard's tip when the lane
/// last found nothing to do, or none while it works, waits for a batch or retries.
#[derive(Debug)]
pub struct LaneWatch {
    idle_at: std::sync::atomic::AtomicU64,
}

impl Default for LaneWatch {
    fn default() -> Self {
        Self {
            idle_at: std::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }
}

impl LaneWatch {
    /// Whether the lane has taken every record up to `tip`.
    pub fn is_idle_at(&self, tip: u64) -> bool {
        self.idle_at.load(std::sync::atomic::Ordering::SeqCst) == tip
    }

    fn set(&self, value: u64) {
        self.idle_at
            .store(value, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One lane: the records of `shard` whose partition key's hash falls in lane `lane` of
/// `lanes` (all of them with a parallelization factor of 1).
pub struct Lane {
    /// The stream: a Kinesis stream or a table's DynamoDB stream.
    pub stream: Arc<dyn StreamSource>,
    /// The shard.
    pub shard: Arc<Shard>,
    /// This lane's number, below `config.parallelization_factor`.
    pub lane: u32,
    /// The mapping's settings.
    pub config: StreamSourceConfig,
    /// The cloud's clock.
    pub clock: SharedClock,
    /// The function's ARN, for the destination's records.
    pub function_arn: String,
    /// The region records name.
    pub region: String,
    /// Told where the lane stands, when the cloud counts its records as work in flight.
    pub watch: Option<Arc<LaneWatch>>,
}

/// Where a lane is: its checkpoint and what it is retrying.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// The offset from which the lane's next record is looked for.
    pub cursor: u64,
    /// Failed invocations of the batch now being retried (splits not counted).
    attempts: u32,
    /// Invocations of the batch now being retried.
    invocations: u32,
    /// After a split: the offset where the split batch ended, and how many records a
    /// batch takes until the checkpoint passes it.
    split: Option<(u64, usize)>,
    /// The open tumbling window.
    window: Option<OpenWindow>,
}

#[derive(Debug, Clone, PartialEq)]
struct OpenWindow {
    start_ms: i64,
    end_ms: i64,
    state: Map<String, Value>,
    /// The state outgrew what Lambda carries: the next invocation ends the window early.
    end_early: bool,
}

/// What one step of a lane did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do until a record arrives, or until this instant when given.
    Idle(Option<i64>),
    /// The function took a batch of this many records (the final invoke of a window may
    /// have none).
    Succeeded(usize),
    /// The function failed (or reported a failure); the batch is retried from the
    /// failed record after a pause.
    Failed,
    /// This many records went to the on-failure destination.
    Discarded(usize),
}

impl Lane {
    /// Where the lane starts reading, by its `StartingPosition`.
    pub fn start(&self) -> Progress {
        let cursor = match self.config.starting_position {
            StartingPosition::TrimHorizon => self.shard.first(),
            StartingPosition::Latest => self.shard.tip(),
            StartingPosition::AtTimestamp(at_ms) => self.shard.offset_at(at_ms),
        };
        Progress {
            cursor,
            ..Progress::default()
        }
    }

    /// Runs the lane for ever.
    pub async fn run(self, invoker: &dyn LaneInvoker) {
        let mut progress = self.start();
        // What the lane has yet to take stays in the shard, however full it is.
        let reader = self.shard.register_reader();
        loop {
            reader.store(progress.cursor, std::sync::atomic::Ordering::SeqCst);
            // Armed before the step looks, so a record put meanwhile still wakes it.
            let arrived = self.shard.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            // Read before the step: a record put while it runs leaves the lane busy.
            let tip = self.shard.tip();
            let step = self.step(&mut progress, invoker).await;
            if let Some(watch) = &self.watch {
                watch.set(if step == Step::Idle(None) {
                    tip
                } else {
                    u64::MAX
                });
            }
            match step {
                Step::Idle(None) => arrived.await,
                Step::Idle(Some(at_ms)) => {
                    // Biased: a seeded chaos run must replay the same way every time, and
                    // select! otherwise polls its branches in a random order.
                    tokio::select! {
                        biased;
                        () = arrived => {}
                        () = self.clock.sleep_until(at_ms) => {}
                    }
                }
                Step::Failed => {
                    let pause = 1_000 * (1i64 << progress.attempts.min(6));
                    self.clock.sleep_ms(pause).await;
                }
                Step::Succeeded(_) | Step::Discarded(_) => tokio::task::yield_now().await,
            }
        }
    }

    fn in_lane(&self, record: &Record) -> bool {
        let lanes = u128::from(self.config.parallelization_factor.max(1));
        lanes == 1 || hash::hash_key(&record.partition_key) % lanes == u128::from(self.lane)
    }

    /// Up to `limit` of the lane's records from `offset` on, in order.
    fn records_from(&self, offset: u64, limit: usize) -> Vec<Record> {
        let mut out = Vec::new();
        let mut at = offset;
        // A lane of its whole shard takes every record it reads: it reads no more than it
        // takes. Other lanes scan past the records of their neighbours.
        let whole = self.config.parallelization_factor <= 1;
        while out.len() < limit {
            let wanted = if whole { limit - out.len() } else { SCAN };
            let read = self.shard.read(at, wanted, usize::MAX);
            if read.records.is_empty() {
                break;
            }
            at = read.next;
            out.extend(read.records.into_iter().filter(|r| self.in_lane(r)));
        }
        out.truncate(limit);
        out
    }

    fn window_of(&self, arrival_ms: i64) -> Option<(i64, i64)> {
        let length = self.config.tumbling_window_ms?;
        let start = arrival_ms.div_euclid(length) * length;
        Some((start, start + length))
    }

    /// Takes one step: one invocation, one discard, or nothing to do.
    pub async fn step(&self, progress: &mut Progress, invoker: &dyn LaneInvoker) -> Step {
        let now = self.clock.now_ms();
        let limit = match progress.split {
            Some((end, limit)) if progress.cursor < end => limit,
            _ => {
                progress.split = None;
                self.config.batch_size.max(1)
            }
        };
        let mut records = self.records_from(progress.cursor, limit);
        // Records of the open window only; the window closes once its end has passed and
        // the lane holds no more of its records.
        let mut window = None;
        if self.config.tumbling_window_ms.is_some() {
            if progress.window.is_none()
                && let Some((start, end)) =
                    records.first().and_then(|r| self.window_of(r.arrival_ms))
            {
                progress.window = Some(OpenWindow {
                    start_ms: start,
                    end_ms: end,
                    state: Map::new(),
                    end_early: false,
                });
            }
            let Some(open) = &progress.window else {
                return Step::Idle(None);
            };
            records.retain(|r| r.arrival_ms < open.end_ms);
            let after = records.last().map_or(progress.cursor, |r| r.offset + 1);
            let more_of_window = self
                .records_from(after, 1)
                .first()
                .is_some_and(|r| r.arrival_ms < open.end_ms);
            let is_final = open.end_early || (now >= open.end_ms && !more_of_window);
            if records.is_empty() && !is_final {
                return Step::Idle(Some(open.end_ms));
            }
            window = Some(WindowPart {
                start_ms: open.start_ms,
                end_ms: open.end_ms,
                state: open.state.clone(),
                is_final,
                terminated_early: open.end_early,
            });
        } else if records.is_empty() {
            return Step::Idle(None);
        }
        if let Some(max_age) = self.config.maximum_record_age_ms {
            let old = records
                .iter()
                .take_while(|r| now - r.arrival_ms > max_age)
                .count();
            if old > 0 {
                self.discard(
                    progress,
                    &records[..old],
                    Condition::RecordAgeExceeded,
                    None,
                    invoker,
                )
                .await;
                return Step::Discarded(old);
            }
        }
        let window_open_final = window.as_ref().is_some_and(|w| w.is_final);
        if self.config.batching_window_ms > 0
            && records.len() < limit
            && !window_open_final
            && let Some(first) = records.first()
            && now < first.arrival_ms + self.config.batching_window_ms
        {
            return Step::Idle(Some(first.arrival_ms + self.config.batching_window_ms));
        }
        self.invoke(progress, records, window, invoker).await
    }

    async fn invoke(
        &self,
        progress: &mut Progress,
        records: Vec<Record>,
        window: Option<WindowPart>,
        invoker: &dyn LaneInvoker,
    ) -> Step {
        let numbers: Vec<String> = records
            .iter()
            .map(|r| self.stream.sequence_number(&self.shard, r.offset))
            .collect();
        let lambda_records = records
            .iter()
            .zip(&numbers)
            .map(|(r, n)| self.stream.lambda_record(&self.shard, n, r, &self.region))
            .collect();
        let event = lambda_event(
            lambda_records,
            window.as_ref(),
            &self.shard.id,
            self.stream.arn(),
        );
        progress.invocations += 1;
        let outcome = invoker.invoke(event).await;
        // The index of the first failed record, or the error of a failed invocation.
        let failed: Result<Option<usize>, Option<String>> = match &outcome {
            Err(failure) => Err(Some(failure.error_type.clone())),
            Ok(response)
                if window.is_some() && !response.get("state").is_some_and(Value::is_object) =>
            {
                // Lambda counts a windowed answer without its state as a failed invocation.
                Err(None)
            }
            Ok(response) if self.config.report_batch_item_failures => {
                first_failure(response, &numbers).ok_or(None)
            }
            Ok(_) => Ok(None),
        };
        match failed {
            Ok(None) => {
                self.carry_state(progress, outcome.ok().as_ref(), window.as_ref());
                progress.cursor = records.last().map_or(progress.cursor, |r| r.offset + 1);
                progress.attempts = 0;
                progress.invocations = 0;
                Step::Succeeded(records.len())
            }
            Ok(Some(index)) => {
                // What came before the failed record is done; the rest is retried, split
                // in two first when splitting is on, so a record that keeps failing ends
                // alone and its neighbours go on.
                self.carry_state(progress, outcome.ok().as_ref(), None);
                progress.cursor = records[index].offset;
                let rest = &records[index..];
                if self.config.bisect_on_error && rest.len() > 1 {
                    let end = rest.last().map_or(progress.cursor, |r| r.offset + 1);
                    progress.split = Some((end, rest.len().div_ceil(2)));
                    return Step::Failed;
                }
                self.retry_or_give_up(progress, rest, None, invoker).await
            }
            Err(error_type) => {
                if self.config.bisect_on_error && records.len() > 1 {
                    // Splitting does not count against the retries.
                    let end = records.last().map_or(progress.cursor, |r| r.offset + 1);
                    progress.split = Some((end, records.len().div_ceil(2)));
                    return Step::Failed;
                }
                self.retry_or_give_up(progress, &records, error_type.as_deref(), invoker)
                    .await
            }
        }
    }

    /// Counts a failed attempt at `records`; past `MaximumRetryAttempts` they go to the
    /// destination and the lane moves past them.
    async fn retry_or_give_up(
        &self,
        progress: &mut Progress,
        records: &[Record],
        error_type: Option<&str>,
        invoker: &dyn LaneInvoker,
    ) -> Step {
        progress.attempts += 1;
        let spent = self
            .config
            .maximum_retry_attempts
            .is_some_and(|max| progress.attempts > max);
        if !spent {
            return Step::Failed;
        }
        self.discard(
            progress,
            records,
            Condition::RetryAttemptsExhausted,
            error_type,
            invoker,
        )
        .await;
        Step::Discarded(records.len())
    }

    async fn discard(
        &self,
        progress: &mut Progress,
        records: &[Record],
        condition: Condition,
        function_error: Option<&str>,
        invoker: &dyn LaneInvoker,
    ) {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return;
        };
        let first_number = self.stream.sequence_number(&self.shard, first.offset);
        let last_number = self.stream.sequence_number(&self.shard, last.offset);
        let request_id = uuid::Uuid::new_v4().to_string();
        let record = Discarded {
            function_arn: &self.function_arn,
            condition,
            invocations: progress.invocations,
            function_error: function_error.map(|_| "Unhandled"),
            shard_id: &self.shard.id,
            stream_arn: self.stream.arn(),
            batch_info_member: self.stream.batch_info_member(),
            first: (&first_number, first.arrival_ms),
            last: (&last_number, last.arrival_ms),
            size: records.len(),
            now_ms: self.clock.now_ms(),
            request_id: &request_id,
        };
        tracing::warn!(
            shard = %self.shard.id,
            condition = ?condition,
            records = records.len(),
            first = %first_number,
            "stream records discarded to the on-failure destination"
        );
        invoker.discard(record.to_json()).await;
        progress.cursor = last.offset + 1;
        progress.attempts = 0;
        progress.invocations = 0;
        if progress
            .split
            .is_some_and(|(end, _)| progress.cursor >= end)
        {
            progress.split = None;
        }
    }

    /// Keeps the state a windowed invocation returned; the final invoke closes the window.
    fn carry_state(
        &self,
        progress: &mut Progress,
        response: Option<&Value>,
        window: Option<&WindowPart>,
    ) {
        let Some(open) = progress.window.as_mut() else {
            return;
        };
        let state = response
            .and_then(|r| r.get("state"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match window {
            Some(w) if w.is_final && w.terminated_early => {
                // The window goes on with fresh state.
                open.state = Map::new();
                open.end_early = false;
            }
            Some(w) if w.is_final => progress.window = None,
            _ => {
                open.end_early = Value::Object(state.clone()).to_string().len() > MAX_STATE_BYTES;
                open.state = state;
            }
        }
    }
}

/// The index of the batch's first failed record a partial batch response names: `Some(None)`
/// when it names none, `None` when it names a record not in the batch (or an empty or
/// missing identifier), which fails the whole batch.
fn first_failure(response: &Value, numbers: &[String]) -> Option<Option<usize>> {
    let Some(failures) = response.get("batchItemFailures") else {
        return Some(None);
    };
    let Some(failures) = failures.as_array() else {
        return if failures.is_null() { Some(None) } else { None };
    };
    let mut first: Option<usize> = None;
    for failure in failures {
        let id = failure.get("itemIdentifier").and_then(Value::as_str)?;
        let index = numbers.iter().position(|n| n == id)?;
        first = Some(first.map_or(index, |f| f.min(index)));
    }
    Some(first)
}
