//! The scenarios of `events/put-events`, each run on a fresh local cloud: what it puts on
//! the bus, how long to wait, and the outcome it expects, checked by code. The demo prints
//! them; the end-to-end tests assert them.

use crate::clock::TokioClock;
use crate::runtime::bus::PutEventsEntry;
use crate::runtime::handlers::OrderlyHandlers;
use crate::runtime::sfn::ExecutionEntry;
use crate::runtime::trace::HopKind;
use crate::runtime::world::World;
use crate::runtime::{CloudInner, CloudOptions, LocalCloud, StartError};
use crate::sqs::SendMessage;
use crate::template::LoadOptions;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long (wall time) one scenario may take before it counts as stuck.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest step of virtual time between two looks at the cloud: the approval timeout
/// passes 12 hours in a few hundred steps.
const MAX_STEP: Duration = Duration::from_secs(600);

/// Why a scenario could not run at all (as opposed to running with a wrong outcome).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a PutEvents entry list: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the local cloud did not start: {0}")]
    Start(#[from] StartError),
}

/// What a scenario does and expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Confirmed and shipped.
    HappyPath,
    /// Waits for approval; a person's decision (`approval-decision.json`) is put on the bus.
    ApprovalNeeded,
    /// Waits for approval that never comes: the heartbeat passes, the order fails.
    ApprovalTimeout,
    /// The card is declined: reserved stock is released.
    PaymentDeclined,
    /// One line cannot be reserved: the rest is released, any hold voided.
    OutOfStock,
    /// The provider fails twice, the workflow retries, payment goes through.
    PaymentFlaky,
    /// The same OrderCreated twice: one effect of each kind.
    DuplicateDelivery,
    /// A malformed message on the audit queue ends in its DLQ with its reason.
    PoisonMessage,
}

/// One scenario of the demo.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
    pub kind: Kind,
    /// The order it places (empty for the poison message).
    pub order_id: &'static str,
    pub correlation_id: &'static str,
}

/// Every scenario, in the order the demo runs them.
pub fn all() -> Vec<Scenario> {
    let s = |name, summary, kind, order_id, correlation_id| Scenario {
        name,
        summary,
        kind,
        order_id,
        correlation_id,
    };
    vec![
        s(
            "happy-path",
            "order confirmed, paid and shipped",
            Kind::HappyPath,
            "o-happy-1",
            "corr-happy-1",
        ),
        s(
            "approval-needed",
            "high value: waits for a person, who approves",
            Kind::ApprovalNeeded,
            "o-approval-1",
            "corr-approval-1",
        ),
        s(
            "approval-timeout",
            "high value: nobody answers within the heartbeat, the order fails",
            Kind::ApprovalTimeout,
            "o-approval-timeout-1",
            "corr-approval-timeout-1",
        ),
        s(
            "payment-declined",
            "card declined: stock released, order failed",
            Kind::PaymentDeclined,
            "o-declined-1",
            "corr-declined-1",
        ),
        s(
            "out-of-stock",
            "one line out of stock: the rest released, order failed",
            Kind::OutOfStock,
            "o-oos-1",
            "corr-oos-1",
        ),
        s(
            "payment-flaky",
            "provider unavailable twice, retried, then paid",
            Kind::PaymentFlaky,
            "o-flaky-1",
            "corr-flaky-1",
        ),
        s(
            "duplicate-delivery",
            "OrderCreated delivered twice: one effect of each kind",
            Kind::DuplicateDelivery,
            "o-dup-1",
            "corr-dup-1",
        ),
        s(
            "poison-message",
            "a malformed audit message ends in AuditDlq with its reason",
            Kind::PoisonMessage,
            "",
            "",
        ),
    ]
}

/// Finds a scenario by name.
pub fn by_name(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}

/// Where scenarios read the template and events from, and write logs to.
#[derive(Debug, Clone)]
pub struct ScenarioEnv {
    /// The project root: `template.yaml` and `events/` live there.
    pub root: PathBuf,
    pub template: PathBuf,
    pub log_dir: Option<PathBuf>,
}

impl ScenarioEnv {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            template: root.join("template.yaml"),
            root,
            log_dir: None,
        }
    }
}

/// A message found in a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub queue: String,
    pub body: String,
    pub reason: String,
    pub receive_count: u32,
}

/// How one scenario ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub scenario: &'static str,
    pub passed: bool,
    /// Every check, failed ones first, as `ok: …` / `FAILED: …`.
    pub details: Vec<String>,
    /// The order's final state as the workflow left it (`OrderConfirmed`, `OrderFailed
    /// (PaymentDeclined)`, …), or what happened to the message.
    pub final_state: String,
    pub dead_letters: Vec<DeadLetter>,
}

/// A finished scenario with the cloud it ran on, for timelines and figures.
pub struct ScenarioRun {
    pub scenario: Scenario,
    pub outcome: Outcome,
    pub cloud: LocalCloud,
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
    LocalCloud::start(
        CloudOptions {
            template: env.template.clone(),
            load: LoadOptions::default(),
            clock: TokioClock::shared(),
            log_dir: env.log_dir.clone(),
            echo_logs: false,
        },
        &OrderlyHandlers,
    )
}

/// Runs one scenario on a fresh cloud and checks its outcome.
pub async fn run(scenario: Scenario, env: &ScenarioEnv) -> Result<ScenarioRun, ScenarioError> {
    let started = Instant::now();
    let cloud = start_cloud(env)?;
    let inner = cloud.inner.clone();
    let mut checks = Checks::default();
    match scenario.kind {
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

/// A body no consumer can parse.
pub const POISON_BODY: &str = "{\"detail-type\": \"OrderCreated\", \"detail\": ";

/// The checks of one scenario, kept as readable lines.
#[derive(Default)]
struct Checks {
    lines: Vec<String>,
    failed: usize,
}

impl Checks {
    fn check(&mut self, ok: bool, what: impl Into<String>) {
        if ok {
            self.lines.push(format!("ok: {}", what.into()));
        } else {
            self.failed += 1;
            self.lines.push(format!("FAILED: {}", what.into()));
        }
    }
    fn equal<T: PartialEq + std::fmt::Debug>(&mut self, actual: T, expected: T, what: &str) {
        let ok = actual == expected;
        let line = if ok {
            format!("{what} = {actual:?}")
        } else {
            format!("{what} = {actual:?}, expected {expected:?}")
        };
        self.check(ok, line);
    }
    fn into_details(mut self) -> Vec<String> {
        self.lines.sort_by_key(|l| !l.starts_with("FAILED"));
        self.lines
    }
}

fn put(cloud: &std::sync::Arc<CloudInner>, entries: &[PutEventsEntry], checks: &mut Checks) {
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
fn renamed(entries: Vec<PutEventsEntry>, from: &str, to: &str) -> Vec<PutEventsEntry> {
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
    let started = Instant::now();
    let mut step = Duration::from_millis(10);
    let mut hops = usize::MAX;
    while started.elapsed() < SCENARIO_TIMEOUT {
        if done(cloud) {
            return true;
        }
        let now = cloud.trace.len();
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

/// Executions whose input is for the order.
pub fn executions_of(cloud: &CloudInner, order_id: &str) -> Vec<ExecutionEntry> {
    cloud
        .executions()
        .into_iter()
        .filter(|e| e.input.pointer("/data/orderId").and_then(Value::as_str) == Some(order_id))
        .collect()
}

/// `OrderConfirmed`, `OrderFailed (reason)`, `Duplicate`, or `RUNNING` of one execution.
pub fn final_state(execution: &ExecutionEntry) -> String {
    let last = execution
        .history()
        .iter()
        .rev()
        .find(|e| e.event_type.ends_with("StateEntered"))
        .and_then(|e| e.state_name())
        .unwrap_or_default()
        .to_owned();
    match &execution.result {
        None => "RUNNING".to_owned(),
        Some(result) => match &result.error {
            Some(error) => format!("{last} ({error})"),
            None => last,
        },
    }
}

/// Whether any of the executions entered `state`.
fn entered(executions: &[ExecutionEntry], state: &str) -> bool {
    executions.iter().any(|e| {
        e.history()
            .iter()
            .any(|h| h.event_type.ends_with("StateEntered") && h.state_name() == Some(state))
    })
}

fn seeded(world: &World, sku: &str) -> i64 {
    world
        .seed
        .iter()
        .find(|(s, _)| s == sku)
        .map_or(0, |(_, n)| *n)
}

/// Messages of every dead-letter queue.
pub fn dead_letters(cloud: &CloudInner) -> Vec<DeadLetter> {
    let mut found = Vec::new();
    for queue in cloud.model.queues.values() {
        let is_dlq = queue.name.ends_with("-dlq")
            || queue.logical_id.ends_with("Dlq")
            || cloud.model.queues.values().any(|q| {
                q.redrive
                    .as_ref()
                    .is_some_and(|r| r.dead_letter_queue == queue.logical_id)
            });
        if !is_dlq {
            continue;
        }
        let Ok(q) = cloud.sqs.queue(&queue.name) else {
            continue;
        };
        for message in q.peek_all() {
            let reason = message
                .dead_letter_reason()
                .map(str::to_owned)
                .or_else(|| attribute(&message, "ERROR_MESSAGE"))
                .or_else(|| attribute(&message, "ErrorMessage"))
                .unwrap_or_default();
            found.push(DeadLetter {
                queue: queue.logical_id.clone(),
                body: message.body.clone(),
                reason,
                receive_count: message.receive_count(),
            });
        }
    }
    found
}

fn attribute(message: &crate::sqs::ReceivedMessage, name: &str) -> Option<String> {
    message
        .message_attributes
        .get(name)
        .and_then(|a| a.string_value.clone())
}

/// Checks the scenario's expected outcome; answers the order's final state.
fn expect(scenario: Scenario, cloud: &CloudInner, checks: &mut Checks) -> String {
    let world = &cloud.world;
    let order = scenario.order_id;
    if scenario.kind == Kind::PoisonMessage {
        let dlq = dead_letters(cloud);
        let poison: Vec<&DeadLetter> = dlq.iter().filter(|d| d.body == POISON_BODY).collect();
        checks.equal(poison.len(), 1, "malformed messages in a DLQ");
        if let Some(d) = poison.first() {
            checks.equal(d.queue.as_str(), "AuditDlq", "its DLQ");
            checks.check(
                !d.reason.is_empty(),
                format!("its reason is recorded: {}", d.reason),
            );
            checks.equal(d.receive_count, 5, "receives before the redrive");
        }
        checks.equal(world.audit.entries().len(), 0, "audit entries stored");
        return poison.first().map_or("not dead-lettered".to_owned(), |d| {
            format!("in {}", d.queue)
        });
    }
    let executions = executions_of(cloud, order);
    let states: Vec<String> = executions.iter().map(final_state).collect();
    let authorizations = world.payments.authorizations(order);
    checks.check(
        authorizations <= 1,
        format!("at most one payment authorization ({authorizations})"),
    );
    for (sku, seeded) in &world.seed {
        if let Some(left) = world.stock.available(sku) {
            checks.check(
                left >= 0,
                format!("{sku} never below zero ({left} of {seeded})"),
            );
        }
    }
    let stock = |sku: &str| world.stock.available(sku).unwrap_or(i64::MIN);
    let seed = |sku: &str| seeded(world, sku);
    let shipped = world.shipments.shipment_for(order).is_some();
    let notes = |body_has: &str| {
        world
            .notifier
            .sent()
            .iter()
            .filter(|n| n.body.contains(body_has))
            .count()
    };
    let confirmed = || states.iter().any(|s| s == "OrderConfirmed");
    match scenario.kind {
        Kind::HappyPath => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            checks.check(shipped, "a shipment is created");
            checks.equal(authorizations, 1, "authorizations");
            checks.equal(world.payments.voids(order), 0, "voids");
            checks.equal(stock("BOOK-0001"), seed("BOOK-0001") - 2, "BOOK-0001 stock");
            checks.equal(stock("TOY-0001"), seed("TOY-0001") - 1, "TOY-0001 stock");
            checks.equal(world.notifier.sent().len(), 1, "notifications sent");
        }
        Kind::ApprovalNeeded => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            checks.check(
                entered(&executions, "RequestApproval"),
                "approval was requested",
            );
            checks.check(shipped, "a shipment is created");
            checks.equal(authorizations, 1, "authorizations");
            checks.equal(stock("TECH-0001"), seed("TECH-0001") - 1, "TECH-0001 stock");
        }
        Kind::ApprovalTimeout => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (ApprovalTimedOut)".to_owned()],
                "final states",
            );
            checks.check(
                entered(&executions, "ApprovalTimedOut"),
                "the approval timed out",
            );
            checks.check(!shipped, "nothing is shipped");
            checks.equal(authorizations, 0, "authorizations");
            checks.equal(stock("TECH-0001"), seed("TECH-0001"), "TECH-0001 stock");
            checks.equal(world.notifier.sent().len(), 1, "notifications sent");
        }
        Kind::PaymentDeclined => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (PaymentDeclined)".to_owned()],
                "final states",
            );
            checks.check(entered(&executions, "Compensate"), "compensation ran");
            checks.check(!shipped, "nothing is shipped");
            checks.check(!world.payments.holds(order), "no payment hold stands");
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001"),
                "BOOK-0001 stock restored",
            );
        }
        Kind::OutOfStock => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (OutOfStock)".to_owned()],
                "final states",
            );
            checks.check(entered(&executions, "Compensate"), "compensation ran");
            checks.check(!shipped, "nothing is shipped");
            checks.check(!world.payments.holds(order), "no payment hold stands");
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001"),
                "BOOK-0001 stock restored",
            );
            checks.equal(stock("OUT-OF-STOCK-1"), 0, "OUT-OF-STOCK-1 stock");
        }
        Kind::PaymentFlaky => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            let attempts = world.payments.attempts(order);
            checks.check(
                attempts >= 3,
                format!("the provider was called {attempts} times (2 failures, then success)"),
            );
            checks.equal(authorizations, 1, "authorizations");
            checks.check(shipped, "a shipment is created");
            checks.equal(stock("TOY-0001"), seed("TOY-0001") - 3, "TOY-0001 stock");
        }
        Kind::DuplicateDelivery => {
            checks.equal(executions.len(), 2, "executions started");
            checks.check(
                confirmed(),
                format!("one execution confirms the order ({states:?})"),
            );
            checks.equal(world.shipments.len(), 1, "shipments");
            checks.equal(authorizations, 1, "authorizations");
            checks.equal(stock("BOOK-0001"), seed("BOOK-0001") - 1, "BOOK-0001 stock");
            checks.equal(stock("TOY-0001"), seed("TOY-0001") - 2, "TOY-0001 stock");
            checks.equal(
                notes(&format!("{order} is confirmed")),
                1,
                "confirmations sent",
            );
        }
        Kind::PoisonMessage => {}
    }
    let stray = dead_letters(cloud);
    checks.check(
        stray.is_empty(),
        format!("no dead letters ({} found)", stray.len()),
    );
    match states.as_slice() {
        [] => "no execution".to_owned(),
        [one] => one.clone(),
        many if many.iter().any(|s| s == "OrderConfirmed") => "OrderConfirmed".to_owned(),
        many => many.join(", "),
    }
}
