//! Tumbling windows: Lambda hands each invocation of a window the state the previous one
//! returned, and marks the window's last invocation `isFinalInvokeForWindow`.
//!
//! [`fold_window`] folds a batch's records into the window's typed state, in order, and at
//! the final invoke hands the finished state to the function's one side effect (writing
//! the window's result). The state travels as JSON text under one key ([`STATE_KEY`]) of
//! the state map: `aws_lambda_events` types the map as strings to strings, as AWS
//! recommends for Java, so a typed state of any shape reads back with the same types.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::streams::KinesisBatchItemFailure;
use aws_lambda_events::time_window::TimeWindowProperties;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::context::StreamContext;
use super::processor::{handler_outcome, panicked, prepare, stopped_at, typed_body};
use super::record::StreamRecord;
use super::report::{StreamFailure, StreamReport};
use crate::batch::{BatchError, FailureKind, RecordError};

/// The key of the state map under which the typed state travels, as JSON text.
pub const STATE_KEY: &str = "state";

/// The most state Lambda carries for a window and shard: past it, Lambda ends the window
/// early and the next invocation starts it again with fresh state.
pub const MAX_STATE_BYTES: usize = 1024 * 1024;

/// One invocation's view of its window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window<S> {
    /// Where the window starts, epoch milliseconds (inclusive).
    pub start_ms: i64,
    /// Where it ends, epoch milliseconds (exclusive).
    pub end_ms: i64,
    /// The shard whose records the window holds.
    pub shard_id: String,
    /// The stream's ARN.
    pub event_source_arn: String,
    /// Whether this is the window's last invocation: its state is complete.
    pub is_final: bool,
    /// Whether Lambda ended the window early (its state grew past [`MAX_STATE_BYTES`]).
    pub terminated_early: bool,
    /// The state so far: the default for the window's first invocation.
    pub state: S,
}

impl<S: DeserializeOwned + Default> Window<S> {
    /// The window the invocation's properties describe, with the state the previous
    /// invocation returned.
    ///
    /// # Errors
    /// [`WindowError::State`] when the state is not this function's (not JSON text of an
    /// `S` under [`STATE_KEY`]).
    pub fn of(properties: &TimeWindowProperties) -> Result<Self, WindowError> {
        let state = match properties.state.get(STATE_KEY) {
            None => S::default(),
            Some(text) => {
                serde_json::from_str(text).map_err(|e| WindowError::State(e.to_string()))?
            }
        };
        Ok(Window {
            start_ms: properties.window.start.timestamp_millis(),
            end_ms: properties.window.end.timestamp_millis(),
            shard_id: properties.shard_id.clone().unwrap_or_default(),
            event_source_arn: properties.event_source_arn.clone().unwrap_or_default(),
            is_final: properties.is_final_invoke_for_window,
            terminated_early: properties.is_window_terminated_early,
            state,
        })
    }
}

/// What a windowed invocation returns: the state for the next invocation of the window
/// and, when a record failed, its sequence number to retry from. Lambda counts a response
/// without `state` as a failed invocation, so it is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowResponse {
    /// The state, as JSON text under [`STATE_KEY`]; empty after the final invoke.
    pub state: HashMap<String, String>,
    /// The record to retry from, if one failed.
    pub batch_item_failures: Vec<KinesisBatchItemFailure>,
}

/// Why a windowed invocation failed as a whole, so Lambda retries it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// The window's state could not be read.
    #[error("the window's state is not this function's: {0}")]
    State(String),
    /// The state could not be written as JSON (a map with keys that are not text).
    #[error("the window's state cannot be written as JSON: {0}")]
    Unwritable(String),
    /// A record failed and cannot be named.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The final invoke's side effect failed: Lambda retries the final invoke, and the
    /// shard waits until it succeeds.
    #[error("the window's result could not be written: {0}")]
    Final(String),
}

/// What [`fold_window`] did: the batch's report and the response to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowOutcome {
    /// Which records were folded, and where the batch stopped.
    pub report: StreamReport,
    /// Whether the window's result was handed to `finish`.
    pub finished: bool,
    /// The response for Lambda.
    pub response: WindowResponse,
}

/// Folds a windowed batch's records, in order, into the window's state, then:
/// - when a record fails (it is not a `T`, `fold` returns an error, or `fold` panics), the
///   response carries the state of the records before it and its sequence number, and
///   Lambda retries from it. `fold` must leave the state as it was when it returns an
///   error. A panic may leave it half changed, so the state goes back to the batch's
///   start and the batch is retried from its first record;
/// - at the final invoke, with every record folded, `finish` gets the window with its
///   complete state (its error fails the invocation, so Lambda retries the final invoke);
/// - otherwise the response carries the state for the next invocation.
///
/// # Errors
/// [`WindowError`] when the state cannot be read, a failed record has no sequence number,
/// or `finish` fails.
pub async fn fold_window<R, T, S, E, F, Fin, FinFut, FinErr>(
    records: &[R],
    properties: &TimeWindowProperties,
    fold: F,
    finish: Fin,
) -> Result<WindowOutcome, WindowError>
where
    R: StreamRecord,
    T: DeserializeOwned,
    S: Serialize + DeserializeOwned + Default + Clone,
    E: RecordError,
    F: Fn(&mut S, T, &StreamContext) -> Result<(), E>,
    Fin: FnOnce(Window<S>) -> FinFut,
    FinFut: Future<Output = Result<(), FinErr>>,
    FinErr: fmt::Display,
{
    let mut window = Window::<S>::of(properties)?;
    let report = fold_records(records, &mut window.state, &fold);
    let failures = match report.checkpoint()? {
        Some(sequence) => {
            let mut failure = KinesisBatchItemFailure::default();
            failure.item_identifier = Some(sequence.to_owned());
            vec![failure]
        }
        None => Vec::new(),
    };
    if failures.is_empty() && window.is_final {
        finish(window)
            .await
            .map_err(|e| WindowError::Final(e.to_string()))?;
        return Ok(WindowOutcome {
            report,
            finished: true,
            response: WindowResponse::default(),
        });
    }
    let state = state_text(&window.state)?;
    Ok(WindowOutcome {
        report,
        finished: false,
        response: WindowResponse {
            state: HashMap::from([(STATE_KEY.to_owned(), state)]),
            batch_item_failures: failures,
        },
    })
}

/// The records folded into `state` in order, up to the first failure.
fn fold_records<R, T, S, E, F>(records: &[R], state: &mut S, fold: &F) -> StreamReport
where
    R: StreamRecord,
    T: DeserializeOwned,
    S: Clone,
    E: RecordError,
    F: Fn(&mut S, T, &StreamContext) -> Result<(), E>,
{
    let at_start = state.clone();
    let mut report = StreamReport {
        total: records.len(),
        ..StreamReport::default()
    };
    for (index, record) in records.iter().enumerate() {
        let (ctx, body, span) = prepare(index, record);
        let _entered = span.enter();
        let outcome = match body.and_then(|value| typed_body::<T>(&value)) {
            Err(reason) => {
                tracing::warn!(%reason, "record could not be read; the batch stops at it");
                Err((FailureKind::Parse, reason))
            }
            Ok(body) => std::panic::catch_unwind(AssertUnwindSafe(|| fold(state, body, &ctx)))
                .map_err(|panic| panicked(panic.as_ref()))
                .and_then(handler_outcome),
        };
        let Err((kind, reason)) = outcome else {
            report.processed += 1;
            continue;
        };
        let failed_at = if kind == FailureKind::Panic {
            // The panic may have left the state half changed: start the batch again.
            *state = at_start;
            0
        } else {
            index
        };
        stopped_at(records.len() - failed_at - 1);
        report.processed = failed_at;
        report.failure = Some(StreamFailure {
            index: failed_at,
            sequence_number: records[failed_at].sequence_number().map(str::to_owned),
            kind,
            reason,
        });
        return report;
    }
    report
}

/// The state as the JSON text the next invocation reads back. State past
/// [`MAX_STATE_BYTES`] is returned all the same: Lambda then ends the window early, and
/// the warning says why the next invocation starts afresh.
fn state_text<S: Serialize>(state: &S) -> Result<String, WindowError> {
    let text = serde_json::to_string(state).map_err(|e| WindowError::Unwritable(e.to_string()))?;
    if text.len() > MAX_STATE_BYTES {
        tracing::warn!(
            bytes = text.len(),
            limit = MAX_STATE_BYTES,
            "window state is over what Lambda carries; the window will end early"
        );
    }
    Ok(text)
}
