//! Executions per second for the shared workloads (`benches/workloads/`, the same files
//! the peer interpreters were timed on) and for workloads that need neither intrinsic
//! functions nor JSONata: a Pass/Choice chain of 10,001 states, a Map over 1,000
//! items, and a JSONata-heavy machine.
//!
//! A workload whose execution does not succeed (because a language feature it uses is
//! not available in this build) is reported and skipped rather than timed.

use bench_cpu_time::ThreadCpuTime;
use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orderly_states::{ExecutionOptions, ExecutionStatus, StateMachine, VirtualClock, execute};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn options(record_history: bool) -> ExecutionOptions {
    ExecutionOptions {
        name: Some("bench".into()),
        clock: Arc::new(VirtualClock::starting_now()),
        record_history,
        ..ExecutionOptions::default()
    }
}

fn workload(name: &str) -> String {
    let path = format!("{}/benches/workloads/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The shape of `sfn-loop` without intrinsics: 5,000 Pass + Choice pairs unrolled,
/// then Succeed: 10,001 states, 10,002 state transitions as the run counts them (the
/// names below keep their old labels, which criterion's saved baselines are filed under).
fn pass_choice_chain() -> Value {
    let mut states = serde_json::Map::new();
    let n = 5000;
    states.insert(
        "Init".into(),
        json!({"Type": "Pass", "Parameters": {"i": 0, "limit": n, "acc": []}, "Next": "Step0"}),
    );
    for k in 0..n {
        let next_step = if k + 1 < n {
            format!("Step{}", k + 1)
        } else {
            "Done".to_owned()
        };
        states.insert(
            format!("Step{k}"),
            json!({"Type": "Pass", "Parameters": {"i": k + 1, "limit.$": "$.limit", "acc.$": "$.acc", "label": "item"}, "Next": format!("Check{k}")}),
        );
        states.insert(
            format!("Check{k}"),
            json!({"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.limit", "Next": next_step}], "Default": "Done"}),
        );
    }
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    json!({"StartAt": "Init", "States": states})
}

/// `sfn-map` without its intrinsic: Map over the items, three states each.
fn map_definition() -> Value {
    json!({
        "StartAt": "Fan",
        "States": {"Fan": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
            "ItemProcessor": {"StartAt": "Price", "States": {
                "Price": {"Type": "Pass", "Parameters": {"sku.$": "$.sku", "qty.$": "$.qty", "line": "priced"}, "Next": "Big"},
                "Big": {"Type": "Choice", "Choices": [{"Variable": "$.qty", "NumericGreaterThan": 3, "Next": "Bulk"}], "Default": "Single"},
                "Bulk": {"Type": "Pass", "Result": "bulk", "ResultPath": "$.kind", "End": true},
                "Single": {"Type": "Pass", "Result": "single", "ResultPath": "$.kind", "End": true}
            }},
            "End": true
        }}
    })
}

fn map_input(n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"sku": format!("SKU-{i}"), "qty": i % 7}))
        .collect();
    json!({"items": items})
}

/// JSONata in every field: Arguments-free Pass/Choice loop with Assign and Output.
fn jsonata_definition() -> Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"i": 0, "total": 0}, "Output": {"items": "{% [1..200] %}"}, "Next": "Step"},
            "Step": {"Type": "Pass",
                     "Assign": {"i": "{% $i + 1 %}", "total": "{% $total + $sum($states.input.items[$ % 3 = 0]) %}"},
                     "Output": "{% $merge([$states.input, {'label': 'item-' & $string($i)}]) %}",
                     "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $i < 500 %}", "Next": "Step"}], "Default": "Done"},
            "Done": {"Type": "Succeed", "Output": {"i": "{% $i %}", "total": "{% $total %}"}}
        }
    })
}

/// The repository's order-intake Express machine (JSONata throughout) with its parameter
/// substituted, and the order of `events/http/order.json` as its input.
fn order_intake() -> (String, Value) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let read = |path: &str| {
        std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let definition =
        read("statemachines/order-intake.asl.json").replace("${ApprovalThreshold}", "100000");
    let mut order: Value =
        serde_json::from_str(&read("events/http/order.json")).unwrap_or_else(|e| panic!("{e}"));
    order["orderId"] = json!("o-bench-1");
    (definition, order)
}

fn bench_wall(c: &mut Criterion) {
    bench(c, "wall");
}

fn bench_cpu(c: &mut Criterion<ThreadCpuTime>) {
    bench(c, "cpu");
}

fn bench<M: Measurement>(c: &mut Criterion<M>, label: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let map_input_file: Value =
        serde_json::from_str(&workload("sfn-map.input.json")).unwrap_or_else(|e| panic!("{e}"));
    let mut cases: Vec<(&str, String, Value, bool)> = vec![
        (
            "sfn-loop (shared workload)",
            workload("sfn-loop.asl.json"),
            json!({}),
            true,
        ),
        (
            "sfn-map (shared workload)",
            workload("sfn-map.asl.json"),
            map_input_file,
            true,
        ),
        (
            "pass-choice chain, 10001 transitions",
            pass_choice_chain().to_string(),
            json!({}),
            true,
        ),
        (
            "pass-choice chain, 10001 transitions, no history",
            pass_choice_chain().to_string(),
            json!({}),
            false,
        ),
        (
            "map over 1000 items",
            map_definition().to_string(),
            map_input(1000),
            true,
        ),
        (
            "jsonata loop, 1001 transitions",
            jsonata_definition().to_string(),
            json!({}),
            true,
        ),
    ];
    let (intake, order) = order_intake();
    cases.push(("order-intake, one order of two lines", intake, order, true));
    let mut group = c.benchmark_group(format!("execution-{label}"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, definition, input, history) in cases {
        let machine = StateMachine::parse(&definition).unwrap_or_else(|e| panic!("{name}: {e}"));
        // A first run, with history, checks the workload runs and counts its state
        // transitions (one per state entered) for the throughput figure.
        let probe = runtime.block_on(execute(&machine, input.clone(), options(true)));
        if probe.status != ExecutionStatus::Succeeded {
            eprintln!(
                "skipping '{name}': the execution ended {} ({}: {})",
                probe.status.as_str(),
                probe.error.unwrap_or_default(),
                probe.cause.unwrap_or_default()
            );
            continue;
        }
        let transitions = probe
            .history
            .iter()
            .filter(|e| e.event_type.ends_with("StateEntered"))
            .count();
        eprintln!("'{name}' ({label}): {transitions} state transitions");
        group.throughput(Throughput::Elements(transitions as u64));
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| execute(&machine, input.clone(), options(history)));
        });
    }
    group.finish();
}

criterion_group!(wall, bench_wall);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench_cpu
}
criterion_main!(wall, cpu);
