//! The runner: one scenario on a fresh local cloud — put its events, let virtual time
//! pass until the cloud settles, then hand the cloud to the checks.

use super::checks::{Checks, DeadLetter, dead_letters, expect};
use super::table::{Kind, POISON_BODY, Scenario, all};
use crate::runtime::bus::PutEventsEntry;
use crate::runtime::handlers::OrderlyHandlers;
use crate::runtime::trace::HopKind;
use crate::runtime::{CloudInner, CloudOptions, LocalCloud, StartError};
use crate::sqs::SendMessage;
use orderly_core::clock::Stopwatch;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long (wall time) one scenario may take before it counts as stuck.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest step of virtual time between two looks at the cloud: the approval timeout
/// passes 12 hours in a few hundred steps.
const MAX_STEP: Duration = Duration::from_secs(600);

/// Why a scenario could not run at all (as opposed to running with a wrong outcome).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// An events file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The read's error.
        source: std::io::Error,
    },
    /// An events file is not a JSON list of PutEvents entries.
    #[error("{path} is not a PutEvents entry list: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The cloud did not start from the template.
    #[error("the local cloud did not start: {0}")]
    Start(#[from] StartError),
}

/// Where scenarios read the template and events from, and write logs to.
#[derive(Debug, Clone)]
pub struct ScenarioEnv {
    /// The project root: `template.yaml` and `events/` live there.
    pub root: PathBuf,
    /// The template to run; `<root>/template.yaml` by default.
    pub template: PathBuf,
    /// Where log groups are written as files; in memory only when `None`.
    pub log_dir: Option<PathBuf>,
    /// Where the tables keep their items.
    pub tables: crate::runtime::world::TableStorage,
}

impl ScenarioEnv {
    /// Scenarios of the project at `root`, its own template, logs in memory.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            template: root.join("template.yaml"),
            root,
            log_dir: None,
            tables: Default::default(),
        }
    }
}

/// How one scenario ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario's name.
    pub scenario: &'static str,
    /// Whether every check held.
    pub passed: bool,
    /// Every check, failed ones first, as `ok: …` / `FAILED: …`.
    pub details: Vec<String>,
    /// The order's final state as the workflow left it (`OrderConfirmed`, `OrderFailed
    /// (PaymentDeclined)`, …), or what happened to the message.
    pub final_state: String,
    /// The messages that ended in a dead-letter queue during the run.
    pub dead_letters: Vec<DeadLetter>,
}

/// A finished scenario with the cloud it ran on, for timelines and figures.
pub struct ScenarioRun {
    /// The scenario that ran.
    pub scenario: Scenario,
    /// How it ended.
    pub outcome: Outcome,
    /// The cloud it ran on, stopped by dropping it.
    pub cloud: LocalCloud,
    /// Wall time the run took.
    pub wall: Duration,
}

/// Reads a PutEvents entry list from `events/put-events/<name>.json`.
pub fn entries(root: &Path, name: &str) -> Result<Vec<PutEventsEntry>, ScenarioError> {
    let path = root.join("events/put-events").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ScenarioError::Parse { path, source })
}

/// Starts a cloud on the tokio clock (paused in the demo and tests, so hours pass at once).
pub fn start_cloud(env: &ScenarioEnv) -> Result<LocalCloud, StartError> {
    start_cloud_with(env, std::sync::Arc::new(crate::runtime::faults::NoFaults))
}

/// [`start_cloud`], injecting `faults`.
pub fn start_cloud_with(
    env: &ScenarioEnv,
    faults: std::sync::Arc<dyn crate::runtime::faults::Faults>,
) -> Result<LocalCloud, StartError> {
    start_cloud_retaining(env, faults, crate::runtime::retention::Retention::default())
}

/// [`start_cloud_with`], keeping closed executions, log lines and hops as `retention` says.
pub fn start_cloud_retaining(
    env: &ScenarioEnv,
    faults: std::sync::Arc<dyn crate::runtime::faults::Faults>,
    retention: crate::runtime::retention::Retention,
) -> Result<LocalCloud, StartError> {
    LocalCloud::start(
        CloudOptions {
            log_dir: env.log_dir.clone(),
            faults,
            retention,
            tables: env.tables.clone(),
            ..CloudOptions::new(env.template.clone())
        },
        std::sync::Arc::new(OrderlyHandlers),
    )
}

/// Runs one scenario on a fresh cloud and checks its outcome.
pub async fn run(scenario: Scenario, env: &ScenarioEnv) -> Result<ScenarioRun, ScenarioError> {
    let started = Stopwatch::start();
    let outage = std::sync::Arc::new(super::recovery::Outage::of(scenario.kind));
    let cloud = start_cloud_with(env, outage.clone())?;
    let inner = cloud.inner.clone();
    let mut checks = Checks::default();
    match scenario.kind {
        Kind::Recovery => {
            let entries = renamed(entries(&env.root, "happy-path")?, "happy-1", "recovery-1");
            put(&inner, &entries, &mut checks);
            super::recovery::recover(&inner, &outage, scenario.order_id, &mut checks).await;
        }
        Kind::Redrive => {
            let entries = renamed(
                entries(&env.root, "payment-declined")?,
                "declined-1",
                "redrive-1",
            );
            put(&inner, &entries, &mut checks);
            super::recovery::redrive_execution(&inner, &outage, scenario.order_id, &mut checks)
                .await;
        }
        Kind::ApprovalNeeded => {
            put(&inner, &entries(&env.root, "approval-needed")?, &mut checks);
            let asked =
                wait_until(&inner, |c| approval_requested(c, scenario.correlation_id)).await;
            checks.check(asked, "the approval task waits for a decision");
            put(
                &inner,
                &entries(&env.root, "approval-decision")?,
                &mut checks,
            );
        }
        Kind::ApprovalTimeout => {
            let entries = renamed(
                entries(&env.root, "approval-needed")?,
                "approval-1",
                "approval-timeout-1",
            );
            put(&inner, &entries, &mut checks);
        }
        Kind::FrontDoor | Kind::FrontDoorRefused => {
            let (file, status) = if scenario.kind == Kind::FrontDoor {
                ("order", 201)
            } else {
                ("order-wrong-total", 422)
            };
            let answer = super::front_door::post_order(
                &inner,
                &env.root,
                file,
                scenario.order_id,
                scenario.correlation_id,
            )
            .await;
            match answer {
                Ok(answer) => {
                    checks.equal(answer.status, status, "POST /orders status");
                    super::checks::front_door_answer(scenario, &answer.body, &mut checks);
                }
                Err(e) => checks.check(false, format!("POST /orders: {e}")),
            }
        }
        Kind::Outbox => {
            super::outbox::place_with_a_crash(
                &inner,
                &env.root,
                scenario.order_id,
                scenario.correlation_id,
                &mut checks,
            )
            .await;
        }
        Kind::OrderStream => {
            super::streaming::put_orders_and_poison(&inner, &env.root, &mut checks)?;
            let counted = wait_until(&inner, super::streaming::counted).await;
            checks.check(counted, "every window of the four orders is counted");
        }
        Kind::PoisonMessage => {
            let sent = inner
                .sqs
                .queue(&queue_name(&inner, "AuditQueue"))
                .and_then(|q| q.send(SendMessage::new(POISON_BODY)));
            checks.check(sent.is_ok(), "the malformed message is on AuditQueue");
        }
        kind => {
            let name = match kind {
                Kind::HappyPath => "happy-path",
                Kind::PaymentDeclined => "payment-declined",
                Kind::OutOfStock => "out-of-stock",
                Kind::PaymentFlaky => "payment-flaky",
                _ => "duplicate-delivery",
            };
            put(&inner, &entries(&env.root, name)?, &mut checks);
        }
    }
    let settled = wait_until(&inner, settled).await;
    checks.check(
        settled,
        "the cloud settled: every execution ended, queues drained",
    );
    let final_state = expect(scenario, &inner, &mut checks);
    let dead_letters = dead_letters(&inner);
    let outcome = Outcome {
        scenario: scenario.name,
        passed: checks.failed == 0,
        details: checks.into_details(),
        final_state,
        dead_letters,
    };
    Ok(ScenarioRun {
        scenario,
        outcome,
        cloud,
        wall: started.elapsed(),
    })
}

/// Runs every scenario in turn; the (scenario, passed, details) list the demo prints.
pub async fn run_all(env: &ScenarioEnv) -> Vec<Result<ScenarioRun, ScenarioError>> {
    let mut runs = Vec::new();
    for scenario in all() {
        runs.push(run(scenario, env).await);
    }
    runs
}

pub(super) fn put(
    cloud: &std::sync::Arc<CloudInner>,
    entries: &[PutEventsEntry],
    checks: &mut Checks,
) {
    let results = cloud.put_events(entries);
    let refused: Vec<String> = results
        .iter()
        .filter_map(|r| r.error_message.clone())
        .collect();
    checks.check(
        refused.is_empty(),
        format!(
            "PutEvents accepted {} of {} entries{}",
            results.len() - refused.len(),
            results.len(),
            if refused.is_empty() {
                String::new()
            } else {
                format!(": {}", refused.join("; "))
            }
        ),
    );
}

/// The same entries for another order: ids, keys and correlation ids renamed.
pub(super) fn renamed(entries: Vec<PutEventsEntry>, from: &str, to: &str) -> Vec<PutEventsEntry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.detail = e.detail.map(|d| d.replace(from, to));
            e
        })
        .collect()
}

/// The physical name of a template queue.
fn queue_name(cloud: &CloudInner, logical_id: &str) -> String {
    cloud
        .model
        .queues
        .get(logical_id)
        .map_or_else(|| logical_id.to_owned(), |q| q.name.clone())
}

/// Advances virtual time in growing steps until `done` holds or the wall-clock budget
/// ends. Steps only pass when every task waits on a timer, so nothing is skipped.
pub async fn wait_until(cloud: &CloudInner, done: impl Fn(&CloudInner) -> bool) -> bool {
    let started = Stopwatch::start();
    let mut step = Duration::from_millis(10);
    let mut hops = usize::MAX;
    while started.elapsed() < SCENARIO_TIMEOUT {
        if done(cloud) {
            return true;
        }
        let now = cloud.trace.recorded();
        if now == hops {
            step = (step * 2).min(MAX_STEP);
        } else {
            step = Duration::from_millis(10);
            hops = now;
        }
        tokio::time::sleep(step).await;
    }
    false
}

/// Every execution ended and nothing in flight.
pub fn settled(cloud: &CloudInner) -> bool {
    cloud.is_idle() && cloud.executions().iter().all(|e| e.result.is_some())
}

fn approval_requested(cloud: &CloudInner, correlation_id: &str) -> bool {
    cloud.trace.of(correlation_id).iter().any(|h| {
        matches!(&h.kind, HopKind::Invoked { function, outcome, .. }
            if function == "RequestApprovalFunction" && outcome == "ok")
    })
}
