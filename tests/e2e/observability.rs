//! What the logs of a whole run show: every function line carries its correlation id,
//! no log group and no audit entry holds a payment token, a task token or the customer's
//! personal data, EMF records are valid, each scenario emits its business metrics, and
//! one order is one trace.

use orderly_core::telemetry::{MetricRecord, Unit};
use orderly_local::runtime::logs::LogLine;
use orderly_local::scenarios::{self, ScenarioEnv};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The personal data of the sample orders in `events/put-events`.
const PERSONAL: &[&str] = &[
    "@example.com",
    "Sam Example",
    "Example Street",
    "Springfield",
];

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn assert_no_personal_data(line: &LogLine) {
    let mut texts = Vec::new();
    strings(&line.line, &mut texts);
    for personal in PERSONAL {
        assert!(
            texts.iter().all(|t| !t.contains(personal)),
            "{} logs personal data ({personal}): {}",
            line.group,
            line.line
        );
    }
}

/// Whether a line is order-analytics': a Kinesis consumer, invoked per window and shard
/// rather than per order.
fn is_stream_consumer(line: &LogLine) -> bool {
    line.group.ends_with("/order-analytics")
}

/// Whether a line is place-order's: its request's trace ends at the order's write, since a
/// DynamoDB stream record carries no trace header; the outbox pipe's execution starts the
/// trace the order's events continue, and the correlation id links the two.
fn is_before_the_outbox(line: &LogLine) -> bool {
    line.group.ends_with("/place-order")
}

/// Lines of every order scenario (the poison message carries no order).
async fn order_scenario_lines() -> Vec<(String, Vec<LogLine>)> {
    let mut all = Vec::new();
    for scenario in scenarios::all()
        .into_iter()
        .filter(|s| !s.order_id.is_empty())
    {
        let run = scenarios::run(scenario, &ScenarioEnv::at(root()))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        assert!(run.outcome.passed, "{:?}", run.outcome.details);
        all.push((
            scenario.correlation_id.to_owned(),
            run.cloud.inner.logs.lines(),
        ));
    }
    all
}

/// The lines a handler writes (not the host's START, END and REPORT) run inside the
/// invocation frame the Lambda binary also runs, so they carry its span fields: the
/// idempotency key and the order id, as on AWS.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn handler_lines_carry_the_invocation_frame_fields() {
    const HOST: &[&str] = &["START", "END", "REPORT", "function error"];
    for (correlation_id, lines) in order_scenario_lines().await {
        let handler_lines: Vec<&LogLine> = lines
            .iter()
            .filter(|l| l.group.starts_with("/aws/lambda/"))
            .filter(|l| l.line.get("_aws").is_none())
            .filter(|l| !is_stream_consumer(l))
            .filter(|l| {
                let message = l.line.get("message").and_then(Value::as_str);
                !message.is_some_and(|m| HOST.contains(&m))
            })
            .collect();
        assert!(
            !handler_lines.is_empty(),
            "{correlation_id}: no handler lines"
        );
        for line in handler_lines {
            for field in ["idempotency_key", "order_id"] {
                let value = line.line.get(field).and_then(Value::as_str);
                assert!(
                    value.is_some_and(|v| !v.is_empty()),
                    "{correlation_id}: {} has no {field}: {}",
                    line.group,
                    line.line
                );
            }
        }
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn function_logs_carry_the_correlation_id_and_no_personal_data() {
    for (correlation_id, lines) in order_scenario_lines().await {
        let functions: Vec<&LogLine> = lines
            .iter()
            .filter(|l| l.group.starts_with("/aws/lambda/"))
            .filter(|l| l.line.get("_aws").is_none())
            .collect();
        assert!(!functions.is_empty(), "{correlation_id}: no function logs");
        for line in functions {
            // A stream consumer's invocation is about a window of a shard, which may hold
            // several orders or, at its end, none: its lines are not one order's.
            if !is_stream_consumer(line) {
                assert_eq!(
                    line.line.get("correlation_id").and_then(Value::as_str),
                    Some(correlation_id.as_str()),
                    "{}: {}",
                    line.group,
                    line.line
                );
            }
            assert!(
                line.line
                    .get("request_id")
                    .and_then(Value::as_str)
                    .is_some(),
                "{}: {}",
                line.group,
                line.line
            );
            assert_no_personal_data(line);
        }
        let executions: Vec<&LogLine> = lines
            .iter()
            .filter(|l| l.group.starts_with("/aws/vendedlogs/states/"))
            .collect();
        // A refused order starts no workflow, and its intake, which succeeded, logs nothing
        // at Level ERROR.
        let refused = scenarios::all().iter().any(|s| {
            s.correlation_id == correlation_id && s.kind == scenarios::Kind::FrontDoorRefused
        });
        assert_eq!(
            executions.is_empty(),
            refused,
            "{correlation_id}: execution logs {}",
            executions.len()
        );
        for line in executions {
            assert_eq!(
                line.line.get("correlation_id").and_then(Value::as_str),
                Some(correlation_id.as_str()),
                "{}",
                line.line
            );
            // Every event of order-fulfillment is logged (Level ALL), all without data.
            assert_no_personal_data(line);
        }
    }
}

/// What the sample events of `events/put-events` hold that no log group and no audit
/// entry may: (what it is, the value) for each payment token, e-mail, name and address
/// line, read from the files so a new sample is covered too.
fn sample_secrets() -> Vec<(&'static str, String)> {
    let dir = root().join("events/put-events");
    let mut secrets = BTreeSet::new();
    let files = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for file in files.filter_map(Result::ok) {
        let text = std::fs::read_to_string(file.path()).expect("sample file");
        let entries: Vec<Value> = serde_json::from_str(&text).expect("put-events entries");
        for entry in entries {
            let detail: Value = entry["Detail"]
                .as_str()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            secrets.extend(orderly_core::domain::order::sensitive_values(
                &detail["data"],
            ));
        }
    }
    secrets.into_iter().collect()
}

/// Every task token the executions of a cloud were given: the strings under a
/// `taskToken` key in the parameters of their `.waitForTaskToken` tasks, and every token
/// a callback answered.
fn issued_task_tokens(cloud: &orderly_local::runtime::CloudInner) -> BTreeSet<String> {
    let mut tokens: BTreeSet<String> = cloud
        .world
        .callbacks
        .answers()
        .unwrap()
        .into_iter()
        .map(|(token, _)| token)
        .collect();
    for execution in cloud.executions() {
        for event in execution.history() {
            let event = serde_json::to_value(&event).unwrap_or_default();
            let Some(details) = event.get("taskScheduledEventDetails") else {
                continue;
            };
            if !details["resource"]
                .as_str()
                .is_some_and(|r| r.ends_with(".waitForTaskToken"))
            {
                continue;
            }
            let parameters: Value = details["parameters"]
                .as_str()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            collect_tokens(&parameters, &mut tokens);
        }
    }
    tokens
}

fn collect_tokens(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(token) if key.eq_ignore_ascii_case("taskToken") => {
                        out.insert(token.clone());
                    }
                    other => collect_tokens(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_tokens(v, out)),
        _ => {}
    }
}

/// Given every scenario of `events/put-events`, then no line of any log group (the state
/// machine's, every function's) and no audit entry holds a payment token of the samples,
/// a task token the run issued, or an e-mail, name or address line of the samples.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn no_log_group_or_audit_entry_holds_a_secret_or_personal_data() {
    let samples = sample_secrets();
    for kind in ["a payment token", "an e-mail", "a name", "an address"] {
        assert!(
            samples.iter().any(|(k, _)| *k == kind),
            "the samples hold no such thing as {kind}: the test would prove nothing"
        );
    }
    let mut leaks = BTreeSet::new();
    let mut task_tokens = 0;
    let mut groups = BTreeSet::new();
    for run in scenarios::run_all(&ScenarioEnv::at(root())).await {
        let run = run.unwrap_or_else(|e| panic!("{e}"));
        assert!(run.outcome.passed, "{:?}", run.outcome.details);
        let cloud = &run.cloud.inner;
        let tokens = issued_task_tokens(cloud);
        task_tokens += tokens.len();
        let secrets: Vec<(&str, &str)> = samples
            .iter()
            .map(|(kind, value)| (*kind, value.as_str()))
            .chain(tokens.iter().map(|t| ("a task token", t.as_str())))
            .collect();
        for line in cloud.logs.lines() {
            groups.insert(line.group.clone());
            let text = line.line.to_string();
            for (kind, secret) in &secrets {
                if text.contains(secret) {
                    leaks.insert(format!(
                        "{}: {} holds {kind}",
                        run.scenario.name, line.group
                    ));
                }
            }
        }
        for entry in cloud.world.audit.entries().unwrap() {
            let text = format!("{entry:?}");
            for (kind, secret) in &secrets {
                if text.contains(secret) {
                    leaks.insert(format!(
                        "{}: the audit entry of {} holds {kind}",
                        run.scenario.name, entry.detail_type
                    ));
                }
            }
        }
    }
    assert!(task_tokens > 0, "no scenario issued a task token");
    assert!(
        groups
            .iter()
            .any(|g| g.starts_with("/aws/vendedlogs/states/"))
            && groups.iter().any(|g| g.starts_with("/aws/lambda/")),
        "the run logged no state machine or no function: {groups:?}"
    );
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// An EMF record as CloudWatch accepts it: the `_aws` block with a millisecond
/// timestamp, and every declared dimension and metric present with a value of its kind.
fn check_emf(record: &Value) -> Result<(), String> {
    let aws = record.get("_aws").ok_or("no _aws block")?;
    aws.get("Timestamp")
        .and_then(Value::as_u64)
        .ok_or("_aws.Timestamp is not epoch milliseconds")?;
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or("_aws.CloudWatchMetrics is not a non-empty array")?;
    for directive in directives {
        directive
            .get("Namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or("a directive has no Namespace")?;
        for set in directive["Dimensions"].as_array().ok_or("Dimensions")? {
            for name in set.as_array().ok_or("a dimension set is not an array")? {
                let name = name.as_str().ok_or("a dimension name is not text")?;
                record
                    .get(name)
                    .and_then(Value::as_str)
                    .ok_or(format!("dimension {name} has no text value"))?;
            }
        }
        let metrics = directive["Metrics"].as_array().ok_or("Metrics")?;
        if metrics.is_empty() {
            return Err("a directive declares no metric".into());
        }
        for metric in metrics {
            let name = metric["Name"].as_str().ok_or("a metric has no Name")?;
            let value = record
                .get(name)
                .ok_or(format!("metric {name} has no value"))?;
            let numeric = value.is_number()
                || value
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_number));
            if !numeric {
                return Err(format!("metric {name} is not a number: {value}"));
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn emf_records_are_valid() {
    let mut records: Vec<Value> = order_scenario_lines()
        .await
        .into_iter()
        .flat_map(|(_, lines)| lines)
        .map(|l| l.line)
        .filter(|l| l.get("_aws").is_some())
        .collect();
    // A record emitted inside an invocation of a running cloud lands raw in its group.
    let cloud = scenarios::start_cloud(&ScenarioEnv::at(root())).expect("cloud starts");
    {
        let span = tracing::info_span!(
            "invocation",
            cloud = cloud.inner.id,
            log_group = "/aws/lambda/emf-check"
        );
        let _entered = span.enter();
        MetricRecord::new("emf-check")
            .dimension("Service", "orders")
            .count("OrdersPlaced", 2)
            .metric("Latency", 12.5, Unit::Milliseconds)
            .emit();
    }
    let emitted: Vec<Value> = cloud
        .inner
        .logs
        .group_lines("/aws/lambda/emf-check")
        .into_iter()
        .map(|l| l.line)
        .collect();
    assert_eq!(emitted.len(), 1, "{emitted:?}");
    assert_eq!(emitted[0]["OrdersPlaced"], 2);
    records.extend(emitted);
    for record in &records {
        if let Err(e) = check_emf(record) {
            panic!("invalid EMF record ({e}): {record}");
        }
    }
}

#[test]
fn the_emf_check_refuses_broken_records() {
    let good = serde_json::json!({
        "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [["S"]], "Metrics": [{"Name": "M"}]}]},
        "S": "x", "M": 1
    });
    assert_eq!(check_emf(&good), Ok(()));
    let cases = [
        ("/M", Value::String("1".into())),
        ("/S", Value::from(3)),
        ("/_aws/Timestamp", Value::String("now".into())),
        ("/_aws/CloudWatchMetrics", Value::Array(vec![])),
    ];
    for (pointer, broken) in cases {
        let mut record = good.clone();
        *record.pointer_mut(pointer).expect("field exists") = broken;
        assert!(check_emf(&record).is_err(), "{pointer} accepted: {record}");
    }
}

/// The metrics of one run, summed by name (and by `reason` where a record has one, as
/// `Name/reason`).
fn metric_totals(lines: &[LogLine]) -> BTreeMap<String, f64> {
    let mut totals = BTreeMap::new();
    for record in lines.iter().map(|l| &l.line) {
        let Some(metrics) = record
            .pointer("/_aws/CloudWatchMetrics/0/Metrics")
            .and_then(Value::as_array)
        else {
            continue;
        };
        for name in metrics.iter().filter_map(|m| m["Name"].as_str()) {
            let value = record[name].as_f64().unwrap_or(f64::NAN);
            let key = match record.get("reason").and_then(Value::as_str) {
                Some(reason) => format!("{name}/{reason}"),
                None => name.to_owned(),
            };
            *totals.entry(key).or_insert(0.0) += value;
        }
    }
    totals
}

/// A scenario, the metrics it must emit with their totals, the metrics it must not emit.
type Expected = (
    &'static str,
    &'static [(&'static str, f64)],
    &'static [&'static str],
);

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_scenario_emits_its_business_metrics() {
    let expected: &[Expected] = &[
        (
            "happy-path",
            &[("OrdersConfirmed", 1.0)],
            &["OrdersFailed", "ApprovalsRequested", "PaymentRetries"],
        ),
        (
            "approval-needed",
            &[("ApprovalsRequested", 1.0), ("OrdersConfirmed", 1.0)],
            &["OrdersFailed"],
        ),
        (
            "approval-timeout",
            &[
                ("ApprovalsRequested", 1.0),
                ("OrdersFailed/ApprovalTimedOut", 1.0),
            ],
            &["OrdersConfirmed"],
        ),
        (
            "payment-declined",
            &[("OrdersFailed/PaymentDeclined", 1.0)],
            &["OrdersConfirmed", "PaymentRetries"],
        ),
        (
            "out-of-stock",
            &[("OrdersFailed/OutOfStock", 1.0)],
            &["OrdersConfirmed"],
        ),
        (
            "payment-flaky",
            &[("PaymentRetries", 2.0), ("OrdersConfirmed", 1.0)],
            &["OrdersFailed"],
        ),
        ("duplicate-delivery", &[("OrdersConfirmed", 1.0)], &[]),
        ("poison-message", &[], &["OrdersConfirmed"]),
    ];
    for (name, present, absent) in expected {
        let scenario = scenarios::by_name(name).expect("scenario exists");
        let run = scenarios::run(scenario, &ScenarioEnv::at(root()))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(run.outcome.passed, "{name}: {:?}", run.outcome.details);
        let lines = run.cloud.inner.logs.lines();
        let totals = metric_totals(&lines);
        for (metric, total) in *present {
            assert_eq!(totals.get(*metric), Some(total), "{name}: {totals:?}");
        }
        for metric in *absent {
            assert!(
                !totals.keys().any(|k| k.split('/').next() == Some(*metric)),
                "{name} emits {metric}: {totals:?}"
            );
        }
        // Every SQS batch reports its size and the age of its oldest record.
        assert!(
            totals.get("BatchSize").is_some_and(|n| *n >= 1.0),
            "{name}: {totals:?}"
        );
        assert!(
            totals.get("RecordAge").is_some_and(|a| *a >= 0.0),
            "{name}: {totals:?}"
        );
        match *name {
            "duplicate-delivery" => assert!(
                totals
                    .get("DuplicatesSuppressed")
                    .is_some_and(|n| *n >= 1.0),
                "{name}: {totals:?}"
            ),
            "poison-message" => assert!(
                totals.get("PoisonMessages").is_some_and(|n| *n >= 1.0),
                "{name}: {totals:?}"
            ),
            _ => assert_eq!(
                totals.get("PoisonMessages").copied().unwrap_or(0.0),
                0.0,
                "{name}: {totals:?}"
            ),
        }
    }
}

/// One order is one trace: every function line of a scenario carries the same X-Ray trace
/// id, carried through the bus, the queues and the execution. The approval decision is
/// put by a person, outside the order's trace: only the correlation id links it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn one_order_is_one_connected_trace() {
    for (correlation_id, lines) in order_scenario_lines().await {
        if matches!(
            correlation_id.as_str(),
            "corr-dup-1" | "corr-recovery-1" | "corr-redrive-1"
        ) {
            // Two puts of the same event: two traces, by design of the scenario. A replayed
            // event starts a trace of its own (an archive keeps events, not their trace
            // headers), and so does the run of a redriven execution.
            continue;
        }
        // The invocations that handled the reminder Scheduler put: outside the trace.
        let reminded: Vec<&str> = lines
            .iter()
            .filter(|l| {
                l.line.get("detail_type").and_then(Value::as_str) == Some("ApprovalReminder")
                    || l.line
                        .get("idempotency_key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k.ends_with(":ApprovalReminder"))
            })
            .filter_map(|l| l.line.get("request_id").and_then(Value::as_str))
            .collect();
        let mut traces = BTreeMap::new();
        for line in lines
            .iter()
            .filter(|l| {
                !l.line
                    .get("request_id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| reminded.contains(&id))
            })
            .filter(|l| l.group.starts_with("/aws/lambda/"))
            .filter(|l| l.line.get("_aws").is_none())
            .filter(|l| {
                !l.group
                    .replace('-', "")
                    .to_lowercase()
                    .contains("recordapproval")
            })
            // Kinesis records carry no trace header: a stream consumer's invocation starts
            // a trace of its own, as on AWS, and its batch may hold several orders; the
            // correlation id links it.
            .filter(|l| !is_stream_consumer(l))
            .filter(|l| !is_before_the_outbox(l))
            // A person's decision, and the reminder Scheduler puts, come from outside the
            // order's trace; their correlation id links them.
            .filter(|l| {
                !matches!(
                    l.line.get("detail_type").and_then(Value::as_str),
                    Some("ApprovalDecided" | "ApprovalReminder")
                )
            })
        {
            let trace = line
                .line
                .get("trace_id")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{correlation_id}: no trace_id in {}", line.line));
            assert!(trace.starts_with("1-"), "{correlation_id}: {trace}");
            *traces.entry(trace.to_owned()).or_insert(0) += 1;
        }
        // An order refused at the front door never reaches the outbox: its request's trace
        // is all it has.
        let expected = usize::from(correlation_id != "corr-front-refused-1");
        assert_eq!(traces.len(), expected, "{correlation_id}: {traces:?}");
    }
}
