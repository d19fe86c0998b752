//! What the logs of a whole run show: every function line carries its correlation id,
//! no line of a function or of the state machine carries the customer's personal data,
//! EMF records are valid, each scenario emits its business metrics, and one order is one
//! trace.

use orderly_core::telemetry::{MetricRecord, Unit};
use orderly_local::runtime::logs::LogLine;
use orderly_local::scenarios::{self, ScenarioEnv};
use serde_json::Value;
use std::collections::BTreeMap;
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
            assert_eq!(
                line.line.get("correlation_id").and_then(Value::as_str),
                Some(correlation_id.as_str()),
                "{}: {}",
                line.group,
                line.line
            );
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
        assert!(
            !executions.is_empty(),
            "{correlation_id}: no execution logs"
        );
        for line in executions {
            assert_eq!(
                line.line.get("correlation_id").and_then(Value::as_str),
                Some(correlation_id.as_str()),
                "{}",
                line.line
            );
            // Execution data is logged in full (Level ALL): the workflow never holds
            // personal data.
            assert_no_personal_data(line);
        }
    }
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
        if correlation_id == "corr-dup-1" {
            // Two puts of the same event: two traces, by design of the scenario.
            continue;
        }
        let mut traces = BTreeMap::new();
        for line in lines
            .iter()
            .filter(|l| l.group.starts_with("/aws/lambda/"))
            .filter(|l| l.line.get("_aws").is_none())
            .filter(|l| {
                !l.group
                    .replace('-', "")
                    .to_lowercase()
                    .contains("recordapproval")
            })
            .filter(|l| {
                l.line.get("detail_type").and_then(Value::as_str) != Some("ApprovalDecided")
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
        assert_eq!(traces.len(), 1, "{correlation_id}: {traces:?}");
    }
}
