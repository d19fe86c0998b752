//! The consumer's crate: manifest, the handler and its declaration, the one-line Lambda
//! binary, and tests that hold it to its promises (a redelivery changes nothing; a bad
//! record fails alone).

use super::{ConsumerSpec, Names};

/// The crate's files, relative to its directory, and their text.
pub(super) fn files(names: &Names, spec: &ConsumerSpec) -> Vec<(&'static str, String)> {
    vec![
        ("Cargo.toml", manifest(names, spec)),
        ("src/main.rs", main_rs(names)),
        ("src/lib.rs", lib_rs(names, spec)),
        ("tests/consumer.rs", tests_rs(names, spec)),
    ]
}

fn manifest(names: &Names, spec: &ConsumerSpec) -> String {
    let Names { name, .. } = names;
    let event = &spec.event;
    format!(
        r#"[package]
name = "{name}"
description = "SQS consumer of {event}"
version = "0.1.0"
edition.workspace = true
license.workspace = true
publish.workspace = true

[features]
default = ["aws"]
# The AWS adapters, for the Lambda binary.
aws = ["dep:orderly-aws"]

[[bin]]
name = "{name}"
path = "src/main.rs"
required-features = ["aws"]

[dependencies]
orderly-aws = {{ workspace = true, optional = true }}
orderly-core.workspace = true
lambda_runtime.workspace = true
serde.workspace = true
serde_json.workspace = true
tokio.workspace = true
tracing.workspace = true
aws_lambda_events.workspace = true

[lints]
workspace = true
"#
    )
}

fn main_rs(names: &Names) -> String {
    let Names {
        name,
        ident,
        pascal,
        ..
    } = names;
    format!(
        r#"//! The {name} Lambda binary: the shared shell builds the function from its declaration.

fn main() -> Result<(), lambda_runtime::Error> {{
    orderly_aws::run::<{ident}::{pascal}>()
}}
"#
    )
}

fn lib_rs(names: &Names, spec: &ConsumerSpec) -> String {
    let Names {
        name,
        pascal,
        table_variable,
        ..
    } = names;
    let event = &spec.event;
    let (table_doc, table_uses, table_items, table_field, table_build, ports, action) = if spec
        .table
    {
        (
            ", keeping one record per order in a table of its own",
            "use orderly_core::items::{KeyNames, TypedItems};\nuse orderly_core::shell::ItemsTable;\nuse serde::Serialize;\n",
            format!(
                r#"
/// The function's own table, keyed by order: one record per order.
pub const TABLE: ItemsTable = ItemsTable {{
    variable: "{table_variable}",
    key: KeyNames::partition("orderId"),
}};

/// What the table keeps of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {{
    /// The order, the table's key.
    pub order_id: String,
    /// The bus event recorded.
    pub event_id: String,
    /// The order's correlation id, to follow it across the system.
    pub correlation_id: String,
    /// When the event happened (the envelope's `time`).
    pub time: String,
}}
"#
            ),
            "    /// The table: one record per order.\n    pub records: TypedItems<Record>,\n",
            "            records: TypedItems::new(ports.items(TABLE.variable)?),\n",
            "Port::Items(TABLE), Port::Idempotency",
            r#"            let record = Record {
                order_id: event.detail.data.order_id.clone(),
                event_id: event.id.clone(),
                correlation_id: event.detail.metadata.correlation_id.clone(),
                time: event.time.clone(),
            };
            let stored = deps.records.put_new(&record).await?.is_none();
            tracing::info!(order_id = %record.order_id, stored, "{} recorded", DETAIL_TYPE);"#,
        )
    } else {
        (
            "",
            "",
            String::new(),
            "",
            "",
            "Port::Idempotency",
            r#"            tracing::info!(
                order_id = %event.detail.data.order_id,
                event_id = %event.id,
                correlation_id = %event.detail.metadata.correlation_id,
                time = %event.time,
                "{} handled",
                DETAIL_TYPE
            );"#,
        )
    };
    format!(
        r#"//! {name}: an SQS consumer of {event} events from the orders bus{table_doc}.
//! Each event is handled once, however often SQS delivers it: the idempotency engine keys
//! it on the event's idempotency key. A record that is not such an event fails alone and,
//! after its redeliveries, rests in the queue's dead-letter queue.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::LambdaEvent;
use orderly_core::batch::{{BatchProcessor, consume_sqs_batch}};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::TaskError;
use orderly_core::shell::{{self, Port, Ports, ShellError}};
{table_uses}use serde::Deserialize;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "{name}";
/// The bus event it consumes.
pub const DETAIL_TYPE: &str = "{event}";
/// How many records of a batch are handled at once.
pub const CONCURRENCY: usize = 4;
{table_items}
/// The envelope fields this consumer reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BusEvent {{
    id: String,
    detail_type: String,
    time: String,
    detail: Detail,
}}

#[derive(Debug, Deserialize)]
struct Detail {{
    metadata: Metadata,
    data: Data,
}}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {{
    correlation_id: String,
}}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {{
    order_id: String,
}}

/// The function: what its handler needs.
pub struct {pascal} {{
{table_field}    /// Keyed on the event's idempotency key, so a redelivered event is handled once.
    pub idempotency: IdempotencyEngine,
}}

/// Handles one SQS batch and reports the records that failed, so SQS redelivers only those.
pub async fn handler(
    deps: &{pascal},
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, TaskError> {{
    consume_sqs_batch(
        FUNCTION,
        event,
        BatchProcessor::standard(CONCURRENCY),
        || deps.idempotency.now_ms(),
        |body: Value, remaining| async move {{ handle(deps, body, remaining).await }},
    )
    .await
}}

async fn handle(deps: &{pascal}, body: Value, remaining: Duration) -> Result<(), TaskError> {{
    let event: BusEvent = serde_json::from_value(body.clone())
        .map_err(|e| TaskError::InvalidInput(format!("not a {{DETAIL_TYPE}} bus event: {{e}}")))?;
    if event.detail_type != DETAIL_TYPE {{
        return Err(TaskError::InvalidInput(format!(
            "a {{}} event, not {{DETAIL_TYPE}}",
            event.detail_type
        )));
    }}
    deps.idempotency
        .run_json(&body, remaining, || async {{
{action}
            Ok::<_, TaskError>(())
        }})
        .await
        .map_err(TaskError::from)
}}

/// The declaration hosts (the Lambda binary, the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<{pascal}> = shell::Declaration::new();

impl shell::Function for {pascal} {{
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[{ports}];
    type Output = SqsBatchResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {{
        Ok(Self {{
{table_build}            idempotency: ports.idempotency(Self::idempotency())?,
        }})
    }}

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send {{
        handler(self, event)
    }}
}}
"#,
    )
}

fn tests_rs(names: &Names, spec: &ConsumerSpec) -> String {
    let Names {
        name,
        ident,
        pascal,
        table_variable,
        ..
    } = names;
    let (table_env, table_check) = if spec.table {
        (
            format!("        \"{table_variable}\" => Some(\"{name}\".into()),\n"),
            r#"
    let order_id = body["detail"]["data"]["orderId"].as_str().expect("an order id");
    let record = function
        .records
        .get(&serde_json::json!({"orderId": order_id}))
        .await
        .expect("read")
        .expect("the order's record");
    assert_eq!(record.event_id, body["id"].as_str().expect("an event id"));"#
                .to_owned(),
        )
    } else {
        (String::new(), String::new())
    };
    format!(
        r#"//! {name} as Lambda runs it, on the in-memory adapters: the sample batch delivered
//! three times is handled once, and a record that is not a bus event fails alone.

use lambda_runtime::{{Context, LambdaEvent}};
use orderly_core::batch::failed_message_ids;
use orderly_core::memory::MemoryAdapters;
use orderly_core::shell::{{Environment, Function, Ports}};
use serde_json::Value;
use {ident}::{{FUNCTION, {pascal}, handler}};

/// The sample batch (events/lambda/{name}.json).
fn sample() -> Value {{
    serde_json::from_str(include_str!("../../../events/lambda/{name}.json")).expect("sample")
}}

fn build(adapters: &MemoryAdapters) -> {pascal} {{
    let environment = Environment::from_fn(|variable| match variable {{
{table_env}        "IDEMPOTENCY_TABLE" => Some("idempotency".into()),
        _ => None,
    }});
    let ports = Ports::new(FUNCTION, {pascal}::PORTS, &[], adapters, &environment);
    {pascal}::build(&ports).expect("every port declared and set")
}}

#[tokio::test]
async fn a_redelivered_event_is_handled_once() {{
    let adapters = MemoryAdapters::default();
    let function = build(&adapters);
    let batch = sample();
    for delivery in 1..=3 {{
        let response = handler(&function, LambdaEvent::new(batch.clone(), Context::default()))
            .await
            .expect("batch handled");
        assert!(failed_message_ids(&response).is_empty(), "delivery {{delivery}}");
    }}
    let body: Value =
        serde_json::from_str(batch["Records"][0]["body"].as_str().expect("a body")).expect("JSON");{table_check}
    assert!(body["detail"]["metadata"]["idempotency-key"].is_string());
}}

#[tokio::test]
async fn a_record_that_is_not_a_bus_event_fails_alone() {{
    let adapters = MemoryAdapters::default();
    let function = build(&adapters);
    let mut batch = sample();
    let mut poison = batch["Records"][0].clone();
    poison["messageId"] = "not-an-event".into();
    poison["body"] = "{{}}".into();
    batch["Records"].as_array_mut().expect("Records").push(poison);
    let response = handler(&function, LambdaEvent::new(batch, Context::default()))
        .await
        .expect("partial batch");
    assert_eq!(failed_message_ids(&response), ["not-an-event"]);
}}
"#
    )
}
