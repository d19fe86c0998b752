//! order-outbox: the enrichment of the outbox pipe. The pipe reads the orders table's
//! stream, keeps the inserts that carry an outbox entry, and hands them here as a batch
//! (a JSON array of DynamoDB stream records). Each becomes the order and its OrderCreated
//! metadata, read and checked against the contract's types ([`orderly_core::outbox`]);
//! the pipe's input template makes them OrderCreated's `{metadata, data}` and puts it on
//! the bus. The function writes nothing and calls nothing: it only reads.
//!
//! A record that does not read as an order fails the batch, since an enrichment cannot
//! report one failed item: the pipe splits the batch until that record is alone, retries
//! it, and then describes it to the pipe's dead-letter queue. Its neighbours go on.

use lambda_runtime::LambdaEvent;
use orderly_core::lambda::TaskError;
use orderly_core::outbox::{Announcement, announcement};
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde_json::Value;
use std::future::Future;

/// The function's name in logs.
pub const FUNCTION: &str = "order-outbox";

/// The function: it needs no port.
pub struct OrderOutbox;

/// Reads each stream record of the batch into its announcement, in the batch's order.
///
/// # Errors
///
/// [`TaskError::InvalidInput`] when the batch is not an array, or a record does not read:
/// the message names the record (its place and `eventID`) and what it lacks, never a value
/// of the order.
pub fn announce(batch: &Value) -> Result<Vec<Announcement>, TaskError> {
    let records = batch.as_array().ok_or_else(|| {
        TaskError::InvalidInput("a pipe enrichment is given a JSON array of records".into())
    })?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            announcement(record).map_err(|e| {
                let id = record.get("eventID").and_then(Value::as_str).unwrap_or("-");
                tracing::error!(record = i, event_id = %id, reason = %e, "record does not announce an order");
                TaskError::InvalidInput(format!("record {i} (eventID {id}): {e}"))
            })
        })
        .collect()
}

/// Lambda entry: the batch in, the announcements out.
pub async fn handler(event: LambdaEvent<Value>) -> Result<Vec<Announcement>, TaskError> {
    let announcements = announce(&event.payload)?;
    tracing::info!(records = announcements.len(), "orders announced");
    Ok(announcements)
}

/// The declaration hosts (the Lambda binary, the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<OrderOutbox> = shell::Declaration::new();

impl shell::Function for OrderOutbox {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[];
    type Output = Vec<Announcement>;

    fn build(_: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Self)
    }

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send {
        handler(event)
    }
}
