//! The idempotency keys and correlation ids of the sample events in `events/` are the ones
//! the system itself would hand that function for that order.
//!
//! Nothing here retypes how a key is made. The put-events scenarios (the orders' origins)
//! are put on the local cloud, which runs the template's rules and input transformers, the
//! order-fulfillment definition through the states interpreter and the functions' own code,
//! and every payload a function is handed is recorded. A sample event is then compared,
//! key field by key field, with what its function was handed for the same order (and the
//! same event kind, and SKU). So the keys come from where production makes them:
//!
//! - a task's `metadata`: the execution input's, passed on by the definition's
//!   `"metadata.$": "$.metadata"` (OrderCreatedRule's transformer copies the event's);
//! - OrderConfirmed and OrderFailed: the definition's `States.Format('{}:OrderConfirmed', …)`
//!   and `States.Format('{}:OrderFailed', …)`, delivered whole by ShippingRule and
//!   AuditRule, and as `idempotencyKey`/`correlationId` by CustomerNotificationsRule's
//!   input transformer;
//! - ShipmentCreated: ship-order's `Metadata::caused_by` with `<key>:ShipmentCreated`.
//!
//! The compensation tasks (release-stock, void-payment) never run for an order that is
//! confirmed, so a second cloud runs the same scenarios with every payment declined: the
//! recorder answers authorize-payment with `PaymentDeclined`, as the provider's refusal
//! comes back, and the definition compensates.
//!
//! A sample whose keys nothing in the system derives is an origin, and says why: a request
//! to place-order or `POST /orders` (the client chooses its key and correlation id), an
//! OrderCreated put on the bus (where an order's keys start), an ApprovalDecided (the
//! approvers' key; its correlation id must still be the one ApprovalRequested carried).
//! Every JSON file under `events/` is read; one that carries an idempotency key or a
//! correlation id that no rule covers fails the test by name.

use async_trait::async_trait;
use base64::Engine;
use lambda_runtime::{Context, Diagnostic};
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::lambda::LocalHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::scenarios::{settled, wait_until};
use orderly_local::template::{self, LoadOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The field names that hold an idempotency key or a correlation id, in any casing: the
/// envelope's metadata, a transformer's message, a request's body and headers.
const KEY_FIELDS: [&str; 5] = [
    "idempotency-key",
    "idempotencyKey",
    "correlation-id",
    "correlationId",
    "x-correlation-id",
];

fn is_key_field(name: &str) -> bool {
    KEY_FIELDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

fn is_correlation_field(name: &str) -> bool {
    name.to_ascii_lowercase().contains("correlation")
}

// ------------------------------------------------------------------ where keys are

/// Where a value is: one JSON Pointer per level, each level after the first inside the
/// JSON text of a string field (an SQS body, a PutEvents `Detail`).
type Location = Vec<String>;

/// `file`, and where in it, for messages.
fn place(file: &str, location: &[String]) -> String {
    if location.is_empty() {
        file.to_owned()
    } else {
        format!("{file} {}", shown(location))
    }
}

fn shown(location: &[String]) -> String {
    location
        .iter()
        .map(|p| if p.is_empty() { "/" } else { p.as_str() })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// One idempotency key or correlation id of a document.
#[derive(Debug, Clone)]
struct KeyField {
    location: Location,
    name: String,
    value: String,
}

/// Every key field of `value`, looking into strings that hold JSON objects or arrays.
fn key_fields(value: &Value) -> Vec<KeyField> {
    let mut out = Vec::new();
    walk(value, &mut vec![String::new()], &mut out);
    out
}

fn walk(value: &Value, location: &mut Location, out: &mut Vec<KeyField>) {
    let mut enter = |segment: String, child: &Value, name: Option<&str>, out: &mut Vec<_>| {
        let Some(last) = location.last_mut() else {
            return;
        };
        let before = last.len();
        last.push('/');
        last.push_str(&segment.replace('~', "~0").replace('/', "~1"));
        match (name, child) {
            (Some(name), Value::String(text)) if is_key_field(name) => out.push(KeyField {
                location: location.clone(),
                name: name.to_owned(),
                value: text.clone(),
            }),
            _ => walk(child, location, out),
        }
        if let Some(last) = location.last_mut() {
            last.truncate(before);
        }
    };
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                enter(name.clone(), child, Some(name), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                enter(i.to_string(), child, None, out);
            }
        }
        Value::String(text) => {
            if let Some(inner) = embedded(text) {
                location.push(String::new());
                walk(&inner, location, out);
                location.pop();
            }
        }
        _ => {}
    }
}

/// The JSON object or array a string holds, if it holds one.
fn embedded(text: &str) -> Option<Value> {
    let start = text.trim_start();
    if !(start.starts_with('{') || start.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

/// The value at `location`.
fn at(value: &Value, location: &[String]) -> Option<Value> {
    let (first, rest) = location.split_first()?;
    let found = value.pointer(first)?;
    if rest.is_empty() {
        return Some(found.clone());
    }
    at(&serde_json::from_str(found.as_str()?).ok()?, rest)
}

// ------------------------------------------------------------------ units of a payload

/// One event of a payload: the payload itself, each record's body of an SQS batch, or each
/// record's data of a Kinesis batch.
struct Unit {
    /// Where the unit is in its payload (empty: the payload itself).
    prefix: Location,
    value: Value,
}

fn units(payload: &Value) -> Vec<Unit> {
    let Some(records) = payload.get("Records").and_then(Value::as_array) else {
        return vec![Unit {
            prefix: Vec::new(),
            value: payload.clone(),
        }];
    };
    records
        .iter()
        .enumerate()
        .filter_map(|(i, record)| {
            if let Some(body) = record.get("body").and_then(Value::as_str) {
                return Some(Unit {
                    prefix: vec![format!("/Records/{i}/body")],
                    value: serde_json::from_str(body).ok()?,
                });
            }
            // A Kinesis record: its data, in base64, is the event the stream carries.
            let data = record.pointer("/kinesis/data")?.as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .ok()?;
            Some(Unit {
                prefix: vec![format!("/Records/{i}/kinesis/data")],
                value: serde_json::from_slice(&bytes).ok()?,
            })
        })
        .collect()
}

/// What a unit is about: its order, the kind of event, the SKU of a per-line task.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    order_id: String,
    kind: Option<String>,
    sku: Option<String>,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order {}", self.order_id)?;
        if let Some(kind) = &self.kind {
            write!(f, ", {kind}")?;
        }
        if let Some(sku) = &self.sku {
            write!(f, ", SKU {sku}")?;
        }
        Ok(())
    }
}

fn identity(unit: &Value) -> Option<Identity> {
    let text = |p: &str| unit.pointer(p).and_then(Value::as_str).map(str::to_owned);
    Some(Identity {
        order_id: text("/detail/data/orderId")
            .or_else(|| text("/orderId"))
            .or_else(|| text("/order/orderId"))?,
        kind: text("/detail-type").or_else(|| text("/kind")),
        sku: text("/sku"),
    })
}

// ------------------------------------------------------------------ what functions are handed

/// One invocation, as the function was handed it.
#[derive(Debug, Clone)]
struct Invocation {
    /// The function's binary (`ship-order`).
    function: String,
    payload: Value,
    ok: bool,
}

type Log = Arc<Mutex<Vec<Invocation>>>;

fn recorded(log: &Log) -> Vec<Invocation> {
    log.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Builds every function as the local cloud does, each behind a [`Recording`].
struct Recorder {
    log: Log,
    decline_payments: bool,
}

impl HandlerFactory for Recorder {
    fn build(
        &self,
        function: &template::Function,
        world: &World,
    ) -> Result<Arc<dyn LocalHandler>, String> {
        Ok(Arc::new(Recording {
            function: function.binary.clone(),
            inner: OrderlyHandlers.build(function, world)?,
            log: self.log.clone(),
            decline: self.decline_payments && function.binary == authorize_payment::FUNCTION,
        }))
    }
}

/// A function's handler that records every payload it is handed.
struct Recording {
    function: String,
    inner: Arc<dyn LocalHandler>,
    log: Log,
    /// Answer `PaymentDeclined` instead of running the function.
    decline: bool,
}

#[async_trait]
impl LocalHandler for Recording {
    async fn invoke(&self, payload: Value, context: Context) -> Result<Value, Diagnostic> {
        let result = if self.decline {
            Err(Diagnostic {
                error_type: "PaymentDeclined".to_owned(),
                error_message: "declined (sample_event_keys: every payment is declined)".to_owned(),
            })
        } else {
            self.inner.invoke(payload.clone(), context).await
        };
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Invocation {
                function: self.function.clone(),
                payload,
                ok: result.is_ok(),
            });
        result
    }
}

/// The put-events scenarios, by file: the orders' origins.
fn scenarios() -> BTreeMap<String, Vec<PutEventsEntry>> {
    let dir = root().join("events/put-events");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("the scenario reads");
            let entries: Vec<PutEventsEntry> = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not PutEvents entries: {e}", path.display()));
            files.insert(relative(&path), entries);
        }
    }
    files
}

fn detail_of(entry: &PutEventsEntry) -> Value {
    entry
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null)
}

fn is_decision(entry: &PutEventsEntry) -> bool {
    entry.detail_type.as_deref() == Some("ApprovalDecided")
}

/// One local cloud running every scenario: every entry put, each ApprovalDecided once
/// request-approval has been handed its order (as a person answers ApprovalRequested),
/// then virtual time until the cloud settles. Returns every invocation.
async fn run(decline_payments: bool) -> Vec<Invocation> {
    let log = Log::default();
    let cloud = LocalCloud::start(
        CloudOptions::new(root().join("template.yaml")),
        Arc::new(Recorder {
            log: log.clone(),
            decline_payments,
        }),
    )
    .expect("the project's template starts");
    let inner = &cloud.inner;
    let put = |entries: &[PutEventsEntry]| {
        for result in inner.put_events(entries) {
            assert!(result.error_code.is_none(), "PutEvents refused: {result:?}");
        }
    };
    let (decisions, orders): (Vec<_>, Vec<_>) =
        scenarios().into_values().flatten().partition(is_decision);
    put(&orders);
    for decision in decisions {
        let order_id = detail_of(&decision)["data"]["orderId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let asked = wait_until(inner, |_| {
            recorded(&log).iter().any(|i| {
                i.ok && i.function == request_approval::FUNCTION
                    && i.payload["orderId"] == order_id.as_str()
            })
        })
        .await;
        assert!(asked, "request-approval was never handed {order_id}");
        put(&[decision]);
    }
    assert!(
        wait_until(inner, settled).await,
        "the cloud did not settle (every execution ended, queues drained)"
    );
    recorded(&log)
}

/// One event a function was handed, with what it is about.
struct Handed {
    run: &'static str,
    function: String,
    identity: Identity,
    value: Value,
}

fn handed(run: &'static str, invocations: Vec<Invocation>) -> Vec<Handed> {
    invocations
        .into_iter()
        .flat_map(|invocation| {
            units(&invocation.payload)
                .into_iter()
                .filter_map(|unit| {
                    Some(Handed {
                        run,
                        function: invocation.function.clone(),
                        identity: identity(&unit.value)?,
                        value: unit.value,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

// ------------------------------------------------------------------ rules

/// Where the keys of a sample file come from.
enum Rule {
    /// Nothing in the system derives them: whoever sends the sample chooses them.
    Origin(&'static str),
    /// The sample is what the system hands `function` (binary name).
    Delivery(String),
    /// A list of PutEvents entries, each with a rule of its own ([`entry_rule`]).
    Entries,
}

/// Where the keys of one PutEvents entry come from.
enum EntryRule {
    /// Nothing derives them.
    Origin(&'static str),
    /// An answer to the event `to` the system emitted for the order: the answer's
    /// idempotency key is the answerer's, its correlation id the order's.
    Answer { to: &'static str },
}

fn entry_rule(entry: &PutEventsEntry) -> Option<EntryRule> {
    match (entry.source.as_deref()?, entry.detail_type.as_deref()?) {
        ("com.orders", "OrderCreated") => Some(EntryRule::Origin(
            "an order put on the bus, as place-order puts it: where the order's keys start",
        )),
        ("com.approvals", "ApprovalDecided") => Some(EntryRule::Answer {
            to: "ApprovalRequested",
        }),
        _ => None,
    }
}

/// The function binaries of the template.
fn binaries() -> Vec<String> {
    let model = template::load(&root().join("template.yaml"), &LoadOptions::default())
        .expect("the template loads");
    let mut binaries: Vec<String> = model.functions.values().map(|f| f.binary.clone()).collect();
    // Longest first: `place-order-http` is place-order's, not a `place` function's.
    binaries.sort_by_key(|b| std::cmp::Reverse(b.len()));
    binaries
}

fn rule_for(file: &str, binaries: &[String]) -> Option<Rule> {
    if file.starts_with("events/http/") {
        return Some(Rule::Origin(
            "a POST /orders body: the client chooses its idempotency key",
        ));
    }
    if file.starts_with("events/put-events/") {
        return Some(Rule::Entries);
    }
    let stem = file.strip_prefix("events/lambda/")?.strip_suffix(".json")?;
    let binary = binaries.iter().find(|b| {
        stem == b.as_str()
            || stem
                .strip_prefix(b.as_str())
                .is_some_and(|rest| rest.starts_with('-'))
    })?;
    if binary == place_order::FUNCTION {
        return Some(Rule::Origin(
            "a request to place-order: the client chooses its key and correlation id",
        ));
    }
    Some(Rule::Delivery(binary.clone()))
}

// ------------------------------------------------------------------ the test

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn sample_files() -> Vec<PathBuf> {
    fn visit(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                visit(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    visit(&root().join("events"), &mut files);
    files.sort();
    files
}

/// Compares the key fields of a sample unit with those of what the system handed over,
/// where `there` says where a field of the unit is in what was handed.
fn compare(
    file: &str,
    prefix: &[String],
    fields: &[KeyField],
    handed: &Handed,
    there: impl Fn(&Location) -> Location,
    origin: &str,
    failures: &mut Vec<String>,
) {
    for field in fields {
        let location: Location = prefix.iter().chain(&field.location).cloned().collect();
        let expected = at(&handed.value, &there(&field.location));
        let expected = match expected.as_ref().and_then(Value::as_str) {
            Some(expected) if expected == field.value => continue,
            Some(expected) => format!("{expected:?}"),
            None => "no such field".to_owned(),
        };
        failures.push(format!(
            "{}: found {:?}, expected {expected} — what {} was handed for {} \
             (origin {origin}; run: {})",
            place(file, &location),
            field.value,
            handed.function,
            handed.identity,
            handed.run,
        ));
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn sample_event_keys_are_the_ones_the_system_hands_over() {
    let mut handed_over = handed("as put", run(false).await);
    handed_over.extend(handed("every payment declined", run(true).await));
    let find = |function: Option<&str>, identity: &Identity| {
        handed_over
            .iter()
            .find(|h| function.is_none_or(|f| h.function == f) && &h.identity == identity)
    };
    // Which put-events file each order comes from, for the messages.
    let mut origins: BTreeMap<String, String> = BTreeMap::new();
    for (file, entries) in scenarios() {
        for entry in entries.iter().filter(|e| !is_decision(e)) {
            if let Some(order) = detail_of(entry)["data"]["orderId"].as_str() {
                origins.entry(order.to_owned()).or_insert(file.clone());
            }
        }
    }
    let origin_of = |order: &str| {
        origins
            .get(order)
            .cloned()
            .unwrap_or_else(|| "unknown".to_owned())
    };

    let binaries = binaries();
    let mut failures = Vec::new();
    // Where each sample's keys come from, printed (`--nocapture`) for whoever reads the run.
    let mut derivations = Vec::new();
    for path in sample_files() {
        let file = relative(&path);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(sample) = serde_json::from_str::<Value>(&text) else {
            failures.push(format!("{file}: not JSON, so its keys cannot be checked"));
            continue;
        };
        // Keys in the sample's text, or inside its records (a Kinesis record's data is base64).
        let mut fields = key_fields(&sample);
        for unit in units(&sample).iter().filter(|u| !u.prefix.is_empty()) {
            fields.extend(key_fields(&unit.value));
        }
        if fields.is_empty() {
            continue;
        }
        match rule_for(&file, &binaries) {
            None => failures.push(format!(
                "{file}: carries idempotency keys or correlation ids ({}) but no rule of \
                 crates/local/tests/sample_event_keys.rs says where they come from",
                fields
                    .iter()
                    .map(|f| shown(&f.location))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(Rule::Origin(why)) => derivations.push(format!("{file}: origin, {why}")),
            Some(Rule::Delivery(function)) => {
                for unit in units(&sample) {
                    let fields = key_fields(&unit.value);
                    if fields.is_empty() {
                        continue;
                    }
                    let Some(id) = identity(&unit.value) else {
                        failures.push(format!(
                            "{}: names no order (orderId), so what {function} is handed for \
                             it cannot be found",
                            place(&file, &unit.prefix)
                        ));
                        continue;
                    };
                    let Some(handed) = find(Some(&function), &id) else {
                        failures.push(format!(
                            "{}: {function} was never handed anything for {id} (origin {}) \
                             in the local cloud",
                            place(&file, &unit.prefix),
                            origin_of(&id.order_id)
                        ));
                        continue;
                    };
                    compare(
                        &file,
                        &unit.prefix,
                        &fields,
                        handed,
                        Location::clone,
                        &origin_of(&id.order_id),
                        &mut failures,
                    );
                    derivations.push(format!(
                        "{}: as the system hands {function} for {id} (run: {})",
                        place(&file, &unit.prefix),
                        handed.run
                    ));
                }
            }
            Some(Rule::Entries) => {
                let entries: Vec<PutEventsEntry> =
                    serde_json::from_value(sample.clone()).unwrap_or_default();
                for (i, entry) in entries.iter().enumerate() {
                    let prefix = vec![format!("/{i}/Detail")];
                    let detail = detail_of(entry);
                    let fields = key_fields(&detail);
                    match entry_rule(entry) {
                        None if fields.is_empty() => {}
                        None => failures.push(format!(
                            "{file} /{i}: a {} {} entry with keys, but no rule of \
                             crates/local/tests/sample_event_keys.rs says where they come from",
                            entry.source.as_deref().unwrap_or("?"),
                            entry.detail_type.as_deref().unwrap_or("?"),
                        )),
                        Some(EntryRule::Origin(why)) => {
                            derivations.push(format!("{file} /{i}: origin, {why}"));
                        }
                        Some(EntryRule::Answer { to }) => {
                            let order_id = detail["data"]["orderId"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned();
                            let asked = Identity {
                                order_id: order_id.clone(),
                                kind: Some(to.to_owned()),
                                sku: None,
                            };
                            let Some(handed) = find(None, &asked) else {
                                failures.push(format!(
                                    "{file} /{i}: no function was handed the {to} of order \
                                     {order_id} that this entry answers"
                                ));
                                continue;
                            };
                            // The answer's own key is the answerer's; its correlation id
                            // is the order's, as the event it answers carried it. The
                            // entry's Detail is that event's `detail`.
                            let correlation: Vec<KeyField> = fields
                                .into_iter()
                                .filter(|f| is_correlation_field(&f.name))
                                .collect();
                            compare(
                                &file,
                                &prefix,
                                &correlation,
                                handed,
                                |location| {
                                    let mut there = location.clone();
                                    if let Some(first) = there.first_mut() {
                                        first.insert_str(0, "/detail");
                                    }
                                    there
                                },
                                &origin_of(&order_id),
                                &mut failures,
                            );
                            derivations.push(format!(
                                "{file} /{i}: the approvers' key; the correlation id of the \
                                 {to} that {} was handed for order {order_id}",
                                handed.function
                            ));
                        }
                    }
                }
            }
        }
    }
    println!("{}", derivations.join("\n"));
    assert!(
        failures.is_empty(),
        "{} sample key(s) are not what the system hands over:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        derivations
            .iter()
            .any(|d| d.contains("as the system hands")),
        "no sample event was compared with what the system hands over"
    );
}
