//! StartSyncExecution of an Express state machine, called in process: the Step Functions
//! API's dispatch (what `orderly serve` calls once a request is read), the run on the
//! interpreter, and the answer built. Not the HTTP layer: `scripts/express-latency`
//! measures the same call over loopback against a started `orderly serve`.
//!
//! The machines are written by the bench into a template in a temporary directory:
//! - `pass`: one Pass state (JSONPath);
//! - `jsonata`: one Pass state whose `Output` is a JSONata expression;
//! - `intake`: a JSONata Choice on the input, then a Pass that builds the answer.
//!
//! Set `ORDERLY_BENCH_EXPRESS=<name>` to bench an Express machine of the repository's own
//! `template.yaml` as well, with the input in `ORDERLY_BENCH_EXPRESS_INPUT` (a file of
//! JSON; `{}` without it).
//!
//! Two figures for each machine: p50/p90/p99 of single calls (20,000 calls timed one by
//! one after 2,000 of warm-up, printed first), then criterion's estimate of the mean.
//!
//! `cargo bench -p orderly-local --bench express`

use criterion::Criterion;
use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use orderly_local::server::sfn::dispatch;
use orderly_local::server::wire::Input;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The allocator the `orderly` binary uses (see crates/local/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WARM_UP_CALLS: usize = 2_000;
const TIMED_CALLS: usize = 20_000;

/// The bench's own machines: (name, definition, input).
fn machines() -> Vec<(&'static str, Value, Value)> {
    vec![
        (
            "pass",
            json!({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}}),
            json!({"n": 21}),
        ),
        (
            "jsonata",
            json!({"QueryLanguage": "JSONata", "StartAt": "Double", "States": {
                "Double": {"Type": "Pass", "Output": "{% {'n': $states.input.n * 2} %}", "End": true}
            }}),
            json!({"n": 21}),
        ),
        (
            "intake",
            json!({"QueryLanguage": "JSONata", "StartAt": "Check", "States": {
                "Check": {"Type": "Choice", "Default": "Refuse", "Choices": [
                    {"Condition": "{% $count($states.input.lines) > 0 and $sum($states.input.lines.(quantity * unitPrice)) = $states.input.total.amount %}",
                     "Next": "Accept"}
                ]},
                "Accept": {"Type": "Pass", "End": true,
                           "Output": "{% {'status': 'ACCEPTED', 'total': $states.input.total} %}"},
                "Refuse": {"Type": "Fail", "Error": "InvalidOrder", "Cause": "the lines do not add up to the total"}
            }}),
            json!({
                "lines": [
                    {"sku": "BOOK-0001", "quantity": 2, "unitPrice": 1500},
                    {"sku": "TOY-0001", "quantity": 1, "unitPrice": 2500}
                ],
                "total": {"amount": 5500, "currency": "EUR"}
            }),
        ),
    ]
}

/// Writes a template holding the bench's machines, all Express, into `dir`.
fn write_template(dir: &Path) -> Result<PathBuf, std::io::Error> {
    let mut resources = Map::new();
    for (name, definition, _) in machines() {
        resources.insert(
            format!("Bench{name}"),
            json!({
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": name,
                    "StateMachineType": "EXPRESS",
                    "DefinitionString": definition.to_string(),
                }
            }),
        );
    }
    let template = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources});
    let path = dir.join("template.yaml");
    // JSON is YAML: the loader reads either.
    std::fs::write(&path, template.to_string())?;
    Ok(path)
}

fn machine_arn(cloud: &LocalCloud, name: &str) -> Option<String> {
    cloud
        .inner
        .sfn
        .machines
        .values()
        .find(|m| m.model.name == name)
        .map(|m| m.model.arn.clone())
}

/// One StartSyncExecution; the run must succeed.
async fn start_sync(cloud: &LocalCloud, request: &Map<String, Value>) {
    let answer = dispatch(
        &cloud.inner,
        "StartSyncExecution",
        &Input::from_map(request.clone()),
        0,
    )
    .await;
    match answer {
        Ok(answer) if answer["status"] == "SUCCEEDED" => {}
        other => panic!("StartSyncExecution did not succeed: {other:?}"),
    }
}

fn request(arn: &str, input: &Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("stateMachineArn".into(), json!(arn));
    map.insert("input".into(), json!(input.to_string()));
    map
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Times calls one by one and prints their percentiles.
fn latencies(
    rt: &tokio::runtime::Runtime,
    cloud: &LocalCloud,
    label: &str,
    req: &Map<String, Value>,
) {
    let mut samples = rt.block_on(async {
        for _ in 0..WARM_UP_CALLS {
            start_sync(cloud, req).await;
        }
        let mut samples = Vec::with_capacity(TIMED_CALLS);
        for _ in 0..TIMED_CALLS {
            // A bench: elapsed real time is the measurement.
            let started = Instant::now();
            start_sync(cloud, req).await;
            samples.push(started.elapsed());
        }
        samples
    });
    samples.sort_unstable();
    let total: Duration = samples.iter().sum();
    println!(
        "express/{label}: {TIMED_CALLS} calls, p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs, mean {:.1} µs ({:.0} calls/s on one task)",
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.90).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples[samples.len() - 1].as_secs_f64() * 1e6,
        total.as_secs_f64() * 1e6 / samples.len() as f64,
        samples.len() as f64 / total.as_secs_f64(),
    );
}

/// The repository's own Express machine, if asked for: (cloud, name, request).
fn repository_machine(
    rt: &tokio::runtime::Runtime,
) -> Option<(LocalCloud, String, Map<String, Value>)> {
    let name = std::env::var("ORDERLY_BENCH_EXPRESS").ok()?;
    let input = match std::env::var("ORDERLY_BENCH_EXPRESS_INPUT") {
        Ok(path) => {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("ORDERLY_BENCH_EXPRESS_INPUT {path}: {e}"));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("ORDERLY_BENCH_EXPRESS_INPUT {path}: {e}"))
        }
        Err(_) => json!({}),
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cloud = rt
        .block_on(async { start_cloud(&ScenarioEnv::at(&root)) })
        .unwrap_or_else(|e| panic!("the repository's cloud did not start: {e}"));
    let arn = machine_arn(&cloud, &name)
        .unwrap_or_else(|| panic!("template.yaml has no state machine named {name}"));
    let req = request(&arn, &input);
    Some((cloud, name, req))
}

fn main() {
    // The worker threads `orderly serve` runs on (crates/local/src/cli/serve.rs): one
    // per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let template = write_template(dir.path()).expect("the bench's template is written");
    let mut env = ScenarioEnv::at(dir.path());
    env.template = template;
    let cloud = rt
        .block_on(async { start_cloud(&env) })
        .expect("the bench's cloud starts");
    let mut cases: Vec<(&LocalCloud, String, Map<String, Value>)> = machines()
        .into_iter()
        .map(|(name, _, input)| {
            let arn = machine_arn(&cloud, name).expect("the bench's machine");
            (&cloud, name.to_owned(), request(&arn, &input))
        })
        .collect();
    let repository = repository_machine(&rt);
    if let Some((cloud, name, req)) = &repository {
        cases.push((cloud, format!("repository/{name}"), req.clone()));
    }

    for (cloud, label, req) in &cases {
        latencies(&rt, cloud, label, req);
    }

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("express");
    for (cloud, label, req) in &cases {
        group.bench_function(format!("start_sync_execution/{label}"), |b| {
            b.to_async(&rt).iter(|| start_sync(cloud, req));
        });
    }
    group.finish();
    criterion.final_summary();
}
