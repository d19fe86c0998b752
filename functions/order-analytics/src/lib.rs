//! order-analytics: a Kinesis consumer of the order stream that counts the order funnel
//! over tumbling windows: orders placed, confirmed, failed by reason, revenue by currency,
//! and the time from placed to confirmed (p50 and p99, to 5 %). Lambda carries the funnel
//! from one invocation of a window to the next; at the window's end the function writes
//! the window's result to the analytics table, once per shard and window however often
//! the final invoke is retried, and emits it as metrics.
//!
//! Every order's events share its partition key, so they reach one shard in order: the
//! funnel of a shard needs nothing of another's.

mod funnel;
mod histogram;

pub use funnel::{Funnel, Latency, MAX_PENDING, RECENT, StreamedEvent, WindowResult};
pub use histogram::Histogram;

use aws_lambda_events::time_window::TimeWindowProperties;
use lambda_runtime::LambdaEvent;
use orderly_core::items::{KeyNames, TypedItems};
use orderly_core::lambda::TaskError;
use orderly_core::shell::{self, ItemsTable, Port, Ports, ShellError};
use orderly_core::stream::StreamContext;
use orderly_core::stream::kinesis_event;
use orderly_core::stream::window::{Window, WindowResponse, fold_window};
use orderly_core::telemetry::emf::{MetricRecord, Unit};
use orderly_core::telemetry::metrics;
use serde_json::Value;
use std::future::Future;

/// The function's name in metrics and logs.
pub const FUNCTION: &str = "order-analytics";

/// The analytics table: one result per shard and window.
pub const WINDOWS: ItemsTable = ItemsTable {
    variable: "ANALYTICS_TABLE",
    key: KeyNames::partition("windowId"),
};

/// The function: what its handler needs.
pub struct OrderAnalytics {
    /// The window results, written once each.
    pub windows: TypedItems<WindowResult>,
}

/// Handles one windowed batch: folds its records into the window's funnel and, at the
/// window's final invoke, writes the result. A record that is not an order event stops the
/// batch there, and Lambda retries from it (then, past the mapping's retries, sends it to
/// the on-failure destination).
pub async fn handler(
    deps: &OrderAnalytics,
    event: LambdaEvent<Value>,
) -> Result<WindowResponse, TaskError> {
    let (payload, _) = event.into_parts();
    let properties: TimeWindowProperties = serde_json::from_value(payload.clone())
        .map_err(|e| TaskError::InvalidInput(format!("not a tumbling-window event: {e}")))?;
    let batch = kinesis_event(payload).map_err(TaskError::InvalidInput)?;
    let outcome = fold_window(
        &batch.records,
        &properties,
        |funnel: &mut Funnel, event: StreamedEvent, ctx: &StreamContext| {
            funnel.add(&event, ctx.arrival_ms)
        },
        |window: Window<Funnel>| async move { finish(deps, window).await },
    )
    .await
    .map_err(|e| TaskError::transient(e.to_string()))?;
    tracing::info!(
        records = outcome.report.total,
        folded = outcome.report.processed,
        finished = outcome.finished,
        "window batch counted"
    );
    Ok(outcome.response)
}

/// Writes a finished window's result, once; emits its metrics when it is written.
async fn finish(deps: &OrderAnalytics, window: Window<Funnel>) -> Result<(), TaskError> {
    let result = window
        .state
        .result(&window.shard_id, window.start_ms, window.end_ms);
    let existing = deps.windows.put_new(&result).await?;
    let written = existing.is_none();
    tracing::info!(
        window = %result.window_id,
        placed = result.placed,
        confirmed = result.confirmed,
        failed = result.failed.values().sum::<u64>(),
        p50_ms = result.placed_to_confirmed.p50_ms,
        p99_ms = result.placed_to_confirmed.p99_ms,
        written,
        "window funnel"
    );
    if written {
        emit(&result);
    }
    Ok(())
}

/// The window's funnel as metrics (EMF lines).
fn emit(result: &WindowResult) {
    let mut record = MetricRecord::new(FUNCTION)
        .count(metrics::FUNNEL_PLACED, result.placed)
        .count(metrics::FUNNEL_CONFIRMED, result.confirmed);
    if let Some(p50) = result.placed_to_confirmed.p50_ms {
        record = record.metric(
            metrics::PLACED_TO_CONFIRMED_P50,
            p50 as f64,
            Unit::Milliseconds,
        );
    }
    if let Some(p99) = result.placed_to_confirmed.p99_ms {
        record = record.metric(
            metrics::PLACED_TO_CONFIRMED_P99,
            p99 as f64,
            Unit::Milliseconds,
        );
    }
    record.emit();
    for (reason, count) in &result.failed {
        metrics::count_by_reason(FUNCTION, metrics::FUNNEL_FAILED, reason, *count);
    }
    for (currency, amount) in &result.revenue {
        MetricRecord::new(FUNCTION)
            .dimension(metrics::CURRENCY, currency)
            .count(metrics::FUNNEL_REVENUE, (*amount).max(0) as u64)
            .emit();
    }
}

/// The declaration hosts (the Lambda binary, the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<OrderAnalytics> = shell::Declaration::new();

impl shell::Function for OrderAnalytics {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Items(WINDOWS)];
    type Output = WindowResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Self {
            windows: TypedItems::new(ports.items(WINDOWS.variable)?),
        })
    }

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send {
        handler(self, event)
    }
}
