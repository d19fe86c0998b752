//! The chaos harness itself: a seed replays byte for byte, and a harness that has never
//! failed proves nothing, so each defect it guards against is put back into a copy of the
//! template and the harness must report it.

use orderly_local::chaos::plan::Rates;
use orderly_local::chaos::report::Report;
use orderly_local::chaos::{self, ChaosOptions};
use orderly_local::runtime::faults::Fault;
use orderly_local::runtime::world::TableStorage;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn options(template: PathBuf, orders: usize, seed: u64, rates: Rates) -> ChaosOptions {
    ChaosOptions {
        template,
        orders,
        seed,
        rates,
        wave_size: orders,
        only: BTreeMap::new(),
        tables: TableStorage::Memory,
    }
}

async fn run(options: &ChaosOptions) -> Report {
    chaos::run(options).await.expect("the cloud starts")
}

fn invariants(report: &Report) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| format!("{} [{}]: {}", v.order_id, v.invariant, v.detail))
        .collect()
}

/// A copy of the project's template, its units, state machine and seed in a temporary directory,
/// with `edit` applied to the state machine's definition.
fn template_with(edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(from, to).expect("copy");
    };
    copy(
        &root().join("template.yaml"),
        &dir.path().join("template.yaml"),
    );
    let seed = "events/seed/inventory.json";
    copy(&root().join(seed), &dir.path().join(seed));
    // The nested applications' templates.
    for entry in std::fs::read_dir(root().join("units")).expect("units/") {
        let from = entry.expect("an entry").path();
        let name = from.file_name().expect("a file name");
        copy(&from, &dir.path().join("units").join(name));
    }
    // Every other state machine as it is (order-intake, shipment-quote).
    for entry in std::fs::read_dir(root().join("statemachines")).expect("statemachines/") {
        let from = entry.expect("an entry").path();
        let name = from.file_name().expect("a file name");
        copy(&from, &dir.path().join("statemachines").join(name));
    }
    let asl = "statemachines/order-fulfillment.asl.json";
    let mut definition: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(asl)).expect("the definition"))
            .expect("JSON");
    edit(&mut definition);
    let target = dir.path().join(asl);
    std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&target, definition.to_string()).expect("write");
    let template = dir.path().join("template.yaml");
    (dir, template)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_seed_replays_byte_for_byte() {
    let template = root().join("template.yaml");
    let text = |r: &Report| serde_json::to_string(r).expect("JSON");
    let first = run(&options(template.clone(), 120, 3, Rates::default())).await;
    let again = run(&options(template.clone(), 120, 3, Rates::default())).await;
    let other = run(&options(template, 120, 4, Rates::default())).await;
    assert_eq!(text(&first), text(&again));
    assert_ne!(text(&first), text(&other), "another seed, another run");
    assert!(first.faults_injected.values().sum::<u64>() > 0);
    assert!(first.passed(), "{:#?}", invariants(&first));
}

/// The tables `orderly serve` keeps on disk behave as the memory ones under every fault:
/// the same seed gives the same report, byte for byte, and keeps every invariant.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn disk_tables_run_a_seed_exactly_as_memory_tables_do() {
    let template = root().join("template.yaml");
    let text = |r: &Report| serde_json::to_string(r).expect("JSON");
    let memory = run(&options(template.clone(), 120, 11, Rates::default())).await;
    let disk = run(&ChaosOptions {
        tables: TableStorage::Disk { parent: None },
        ..options(template, 120, 11, Rates::default())
    })
    .await;
    assert!(disk.passed(), "{:#?}", invariants(&disk));
    assert!(disk.faults_injected.values().sum::<u64>() > 0);
    assert_eq!(text(&memory), text(&disk));
}

/// Defect 4: OrderConfirmed that cannot be put must not leave the order's stock reserved
/// and its payment authorized with nothing published. PutEvents of OrderConfirmed fails
/// every time; without the Catch after the last step, the harness must see it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_missing_catch_after_the_last_step_is_found() {
    let rates = Rates {
        put_events_failure: 1.0,
        ..Rates::none()
    };
    let aimed = |template| ChaosOptions {
        only: BTreeMap::from([(Fault::PutEventsFailure, "OrderConfirmed".to_owned())]),
        ..options(template, 30, 5, rates)
    };
    // A fault that never lets up cannot be absorbed: those orders fail, unexpectedly, but
    // hold nothing and say so.
    let held: Vec<String> = invariants(&run(&aimed(root().join("template.yaml"))).await)
        .into_iter()
        .filter(|v| !v.contains("[faults-absorbed]"))
        .collect();
    assert!(held.is_empty(), "{held:#?}");
    let (_dir, broken) = template_with(|d| {
        // Catching a timeout only keeps the fallback reachable, so the definition stays
        // valid, and lets a refused PutEvents fail the execution.
        d["States"]["PublishOrderConfirmed"]["Catch"][0]["ErrorEquals"] = json!(["States.Timeout"]);
    });
    let found = invariants(&run(&aimed(broken)).await);
    assert!(
        found
            .iter()
            .any(|v| v.contains("[failed]: a payment hold still stands")),
        "{found:#?}"
    );
}

/// Defect 8: a declined card is the business working; its execution must succeed.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_business_failure_that_fails_its_execution_is_found() {
    let (_dir, broken) = template_with(|d| {
        d["States"]["OrderFailed"] = json!({
            "Type": "Fail", "ErrorPath": "$.failure.reason", "CausePath": "$.failure.cause"
        });
    });
    let found = invariants(&run(&options(broken, 40, 6, Rates::none())).await);
    assert!(
        found
            .iter()
            .any(|v| v.contains("[execution-status]") && v.contains("is FAILED")),
        "{found:#?}"
    );
}

/// Defect 9: nothing sends heartbeats, so a HeartbeatSeconds under the 24-hour timeout
/// fails every unanswered approval early.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_approval_that_times_out_early_is_found() {
    let (_dir, broken) = template_with(|d| {
        d["States"]["RequestApproval"]["HeartbeatSeconds"] = json!(43_200);
    });
    let report = run(&options(broken, 150, 7, Rates::none())).await;
    let found = invariants(&report);
    // Early either way: caught as a timeout after 12 hours, or as an unexpected error.
    assert!(
        found.iter().any(|v| {
            v.contains("[approvals]: the approval timed out after 12 h")
                || v.contains("[faults-absorbed]: a ApprovalTimedOut order ended as")
        }),
        "{found:#?} {:#?}",
        report.outcomes_by_family
    );
}

/// Defect 11: a crashed attempt holds its idempotency record for a lease; a task that does
/// not retry IdempotencyAlreadyInProgress past it fails orders a crash should only delay.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn retries_that_give_up_inside_a_lease_are_found() {
    let rates = Rates {
        crash: 0.2,
        ..Rates::none()
    };
    let held = run(&options(root().join("template.yaml"), 60, 8, rates)).await;
    assert!(held.passed(), "{:#?}", invariants(&held));
    let (_dir, broken) = template_with(|d| {
        strip_retrier(d, "IdempotencyAlreadyInProgress");
    });
    let found = invariants(&run(&options(broken, 60, 8, rates)).await);
    assert!(
        found.iter().any(|v| v.contains("[faults-absorbed]")),
        "{found:#?}"
    );
}

/// Removes the retrier of `error` from every state, branches and Map processors included.
fn strip_retrier(states_of: &mut Value, error: &str) {
    let Some(states) = states_of.get_mut("States").and_then(Value::as_object_mut) else {
        return;
    };
    for state in states.values_mut() {
        if let Some(retry) = state.get_mut("Retry").and_then(Value::as_array_mut) {
            retry.retain(|r| r["ErrorEquals"] != json!([error]));
        }
        if let Some(branches) = state.get_mut("Branches").and_then(Value::as_array_mut) {
            branches.iter_mut().for_each(|b| strip_retrier(b, error));
        }
        if let Some(processor) = state.get_mut("ItemProcessor") {
            strip_retrier(processor, error);
        }
    }
}

/// Asynchronous Express executions are at-least-once: every nested shipment quote runs
/// twice, and no order ends otherwise than it does with each run once.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_express_child_run_twice_changes_no_outcome() {
    let template = root().join("template.yaml");
    let once = run(&options(template.clone(), 60, 5, Rates::none())).await;
    let mut twice_options = options(
        template,
        60,
        5,
        Rates {
            duplicate: 1.0,
            ..Rates::none()
        },
    );
    twice_options.only =
        BTreeMap::from([(Fault::Duplicate, "ShipmentQuoteStateMachine".to_owned())]);
    let twice = run(&twice_options).await;
    assert!(invariants(&twice).is_empty(), "{:#?}", invariants(&twice));
    assert_eq!(twice.outcomes, once.outcomes);
    // One duplicate per quote: one per order that got as far as QuoteShipment.
    let quoted: u64 = twice
        .outcomes
        .iter()
        .filter(|(outcome, _)| outcome.starts_with("OrderConfirmed"))
        .map(|(_, n)| n)
        .sum();
    assert!(quoted > 0, "{:?}", twice.outcomes);
    assert_eq!(twice.faults_injected.get("duplicate"), Some(&quoted));
}

/// A wave of the default size at the default rates keeps everything its checks read: each
/// order leaves its workflow's execution and its nested quote's, either of them sometimes
/// twice. Sized for one execution an order, the caps dropped some and the harness said so.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_full_wave_at_the_default_rates_keeps_all_it_checks() {
    let orders = chaos::DEFAULT_WAVE_SIZE;
    let report = run(&options(
        root().join("template.yaml"),
        orders,
        1,
        Rates::default(),
    ))
    .await;
    assert!(invariants(&report).is_empty(), "{:#?}", invariants(&report));
}
