//! Step Functions on `orderly-states`: state machines from the template, executions run
//! on the runtime clock, Lambda tasks served by the in-process handlers, `events:putEvents`
//! on the local bus, task tokens answered through the callback API.

use super::CloudInner;
use super::background::Lane;
use super::bus::PutEventsEntry;
use super::executions::{Executions, Page};
use super::faults::Fault;
use super::log_level::LogLevel;
use super::logs::rfc3339_ms;
use super::paging::{self, TokenError};
use super::trace::{Hop, HopKind, correlation_of};
use crate::template;
use async_trait::async_trait;
use orderly_states::{
    AbortSignal, EventDetails, Execution, ExecutionOptions, HistoryEvent, StateMachine,
    TaskFailure, TaskHandler, TaskRequest, TaskTokens,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// A state machine of the template, parsed once.
pub struct Machine {
    /// The state machine as the template declares it.
    pub model: template::StateMachine,
    /// Its definition, parsed and checked.
    pub machine: StateMachine,
    /// Options every execution starts from (clock, tasks, tokens).
    pub options: ExecutionOptions,
}

/// An execution, running or ended.
#[derive(Clone)]
pub struct ExecutionEntry {
    /// The execution's ARN.
    pub arn: String,
    /// The ARN of its state machine.
    pub machine_arn: String,
    /// The execution's name: given at start, else a random UUID.
    pub name: String,
    /// The input it started with.
    pub input: Value,
    /// The correlation id the input carries (empty when none), read once at the start.
    pub correlation_id: String,
    /// When it started, epoch milliseconds on the cloud's clock.
    pub start_ms: i64,
    /// The history so far, readable while the execution runs.
    pub history: orderly_states::history::LiveHistory,
    /// The finished execution; `None` while it runs.
    pub result: Option<Arc<Execution>>,
    /// Stops the execution (StopExecution, or the stop of a parent waiting on it).
    pub abort: AbortSignal,
    /// How often it was redriven (`redriveCount`), this run included.
    pub redrive_count: u32,
    /// When it was last redriven, epoch milliseconds.
    pub redrive_date_ms: Option<i64>,
    /// Holds the result once the execution has ended and it is recorded, for those who
    /// wait on it (StartSyncExecution, a parent's `.sync` task). They take it from here,
    /// not from the store, where the retention cap may already have let it go.
    pub ended: tokio::sync::watch::Receiver<Option<Arc<Execution>>>,
}

impl ExecutionEntry {
    /// A running execution, not yet ended; answers the sender that marks its end.
    pub fn running(
        arn: String,
        machine_arn: String,
        name: String,
        input: Value,
        start_ms: i64,
    ) -> (Self, tokio::sync::watch::Sender<Option<Arc<Execution>>>) {
        let (ended_tx, ended) = tokio::sync::watch::channel(None);
        let entry = Self {
            arn,
            machine_arn,
            correlation_id: correlation_of(&input),
            name,
            input,
            start_ms,
            history: orderly_states::history::LiveHistory::new(),
            result: None,
            abort: AbortSignal::new(),
            redrive_count: 0,
            redrive_date_ms: None,
            ended,
        };
        (entry, ended_tx)
    }

    /// Waits until the execution has ended, and answers how it ended; `None` if it never
    /// will (its cloud stopped).
    pub async fn wait_ended(&self) -> Option<Arc<Execution>> {
        wait_for_end(self.ended.clone()).await
    }

    /// `RUNNING`, or the final status (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`).
    pub fn status(&self) -> &'static str {
        self.result
            .as_ref()
            .map_or("RUNNING", |e| e.status.as_str())
    }

    /// DescribeExecution's answer.
    pub fn describe(&self) -> Value {
        match &self.result {
            Some(execution) => execution.describe(),
            None => json!({
                "executionArn": self.arn,
                "stateMachineArn": self.machine_arn,
                "name": self.name,
                "status": "RUNNING",
                "startDate": self.start_ms as f64 / 1000.0,
                "input": self.input.to_string(),
                "inputDetails": {"included": true},
                "redriveCount": self.redrive_count,
            }),
        }
    }

    /// The execution's history events: final once it ended, a snapshot while it runs.
    pub fn history(&self) -> Vec<HistoryEvent> {
        match &self.result {
            Some(execution) => execution.history.clone(),
            None => self.history.snapshot(),
        }
    }
}

/// How the execution `ended` signals ended, once it has; `None` if it never will (its
/// cloud stopped).
async fn wait_for_end(
    mut ended: tokio::sync::watch::Receiver<Option<Arc<Execution>>>,
) -> Option<Arc<Execution>> {
    let result = ended.wait_for(Option::is_some).await.ok()?;
    result.clone()
}

/// What the Step Functions API would refuse, named after its error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SfnError {
    /// No state machine has this ARN.
    #[error("State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    /// An execution of this name exists already, with other input.
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    /// No execution has this ARN.
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    /// The input is over the 262,144-character limit.
    #[error("{0}")]
    InvalidExecutionInput(String),
    /// A page token that is malformed, expired or of other arguments.
    #[error(transparent)]
    InvalidToken(#[from] TokenError),
    /// RedriveExecution of an execution AWS would not redrive; the reason in AWS's words.
    #[error("{0}")]
    ExecutionNotRedrivable(String),
}

impl SfnError {
    /// The error code the Step Functions API returns.
    pub fn code(&self) -> &'static str {
        match self {
            Self::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            Self::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            Self::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            Self::InvalidExecutionInput(_) => "InvalidExecutionInput",
            Self::InvalidToken(_) => "InvalidToken",
            Self::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
        }
    }
}

/// State machines and executions of one cloud.
pub struct StepFunctions {
    /// By state machine ARN.
    pub machines: HashMap<String, Machine>,
    /// By execution ARN, by state machine and status, in start order.
    pub executions: Executions,
    /// The task tokens of every waiting task (`.waitForTaskToken`), for the callback API.
    pub tokens: TaskTokens,
    /// Per running execution, how many history events the trace has seen: states are
    /// traced as the execution reaches each task, so the timeline keeps their order.
    pub traced: Mutex<HashMap<String, usize>>,
    /// The client tokens of the latest redrives: (execution ARN, token, redrive date ms).
    pub redrive_tokens: Mutex<std::collections::VecDeque<(String, String, i64)>>,
}

/// How long RedriveExecution answers a client token again, and how many it keeps ("the
/// last 10 client tokens used to successfully redrive the execution", "valid for up to 15
/// minutes"), here for all executions together.
const REDRIVE_TOKEN_MS: i64 = 15 * 60 * 1000;
const REDRIVE_TOKENS_KEPT: usize = 100;

/// Serves Task states from the cloud: Lambda invoke and EventBridge PutEvents.
pub struct LocalTasks {
    /// The cloud whose functions and bus the tasks reach; weak, so the cloud can be dropped.
    pub cloud: Weak<CloudInner>,
}

#[async_trait]
impl TaskHandler for LocalTasks {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let Some(cloud) = self.cloud.upgrade() else {
            return Err(TaskFailure::new(
                "States.Runtime",
                "the local cloud has stopped",
            ));
        };
        cloud.trace_running_states(&request.execution_arn);
        let resource = request.resource.as_str();
        if let Some(pattern) = super::nested::Pattern::of(resource) {
            return super::nested::start_execution_task(&cloud, pattern, &request).await;
        }
        let base = resource
            .trim_end_matches(".waitForTaskToken")
            .trim_end_matches(".sync");
        match base {
            "arn:aws:states:::lambda:invoke" => {
                let function = request.parameters["FunctionName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let payload = request
                    .parameters
                    .get("Payload")
                    .cloned()
                    .unwrap_or(json!({}));
                let output = invoke_for_task(&cloud, &function, payload).await?;
                Ok(json!({
                    "ExecutedVersion": "$LATEST",
                    "Payload": output,
                    "SdkHttpMetadata": {"HttpStatusCode": 200},
                    "StatusCode": 200,
                }))
            }
            "arn:aws:states:::events:putEvents" => {
                let entries: Vec<PutEventsEntry> = request.parameters["Entries"]
                    .as_array()
                    .map(|entries| entries.iter().map(entry_from_parameters).collect())
                    .unwrap_or_default();
                let results = cloud.put_events(&entries);
                let failed = results.iter().filter(|r| r.error_code.is_some()).count();
                if failed > 0 {
                    return Err(TaskFailure::new(
                        "EventBridge.FailedEntry",
                        json!({"Entries": results, "FailedEntryCount": failed}).to_string(),
                    ));
                }
                Ok(json!({"Entries": results, "FailedEntryCount": 0}))
            }
            _ if orderly_states::task::lambda_function_of(resource).is_some() => {
                invoke_for_task(&cloud, resource, request.parameters.clone()).await
            }
            _ => Err(TaskFailure::unknown_task(&request)),
        }
    }
}

/// The integration takes `Detail` as a JSON object (or a string) and EventBridge's field
/// names.
fn entry_from_parameters(entry: &Value) -> PutEventsEntry {
    let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_owned);
    PutEventsEntry {
        source: text("Source"),
        detail_type: text("DetailType"),
        detail: entry.get("Detail").map(|d| match d {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        event_bus_name: text("EventBusName"),
        resources: entry
            .get("Resources")
            .and_then(|r| serde_json::from_value(r.clone()).ok()),
        time: text("Time"),
        trace_header: text("TraceHeader"),
    }
}

/// Invokes the function of a Lambda task. The invocation runs as its own background work,
/// as on AWS: a state that times out, or a Parallel branch that is cancelled, stops waiting
/// for it, never the function itself. Under the late-completion fault the invocation starts
/// late, so it can finish after its state has moved on.
async fn invoke_for_task(
    cloud: &Arc<CloudInner>,
    function: &str,
    payload: Value,
) -> Result<Value, TaskFailure> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let late_ms = if cloud.faults.strike(Fault::LateCompletion, function) {
        let timeout_ms = cloud
            .function(function)
            .map_or(3_000, |f| i64::from(f.function.timeout_secs.max(1)) * 1000);
        1 + cloud.faults.delay_ms(timeout_ms)
    } else {
        0
    };
    let invoker = cloud.clone();
    let name = function.to_owned();
    let trace = super::xray::current_or_new(cloud.clock.now_ms());
    // The execution waits for the answer: the invocation runs where the execution does.
    cloud.spawn_in(
        move || {
            super::xray::scope(trace, async move {
                if late_ms > 0 {
                    invoker.clock.sleep_ms(late_ms).await;
                }
                let _ = answer.send(invoker.invoke(&name, payload).await);
            })
        },
        Lane::Caller,
    );
    let outcome = answered.await.unwrap_or_else(|_| {
        Err(super::lambda::InvokeError::Function(
            lambda_runtime::Diagnostic {
                error_type: "Lambda.ServiceException".to_owned(),
                error_message: "the invocation was dropped".to_owned(),
            },
        ))
    });
    outcome.map_err(|e| match e {
        super::lambda::InvokeError::Throttled => TaskFailure::new(
            "Lambda.TooManyRequestsException",
            "Rate Exceeded. (Service: Lambda, Status Code: 429)",
        ),
        super::lambda::InvokeError::NotFound(_) => TaskFailure::unknown_resource(&format!(
            "arn:aws:lambda:{}:{}:function:{function}",
            cloud.model.region, cloud.model.account_id
        )),
        super::lambda::InvokeError::Function(d) => TaskFailure::new(
            task_error_name(&d.error_type),
            json!({"errorMessage": d.error_message, "errorType": d.error_type, "trace": []})
                .to_string(),
        ),
    })
}

/// The error name a Lambda task fails with. A function's own error keeps its type; an error
/// the function did not answer with itself — its process died, or it timed out — is
/// `Lambda.Unknown`, as Step Functions reports unhandled Lambda errors (out of memory,
/// timeouts, a runtime that exited).
fn task_error_name(error_type: &str) -> String {
    match error_type {
        "Runtime.ExitError" | "Sandbox.Timedout" => "Lambda.Unknown".to_owned(),
        other => other.to_owned(),
    }
}

impl CloudInner {
    /// StartExecution: starts a run in the background and answers its ARN. A name used
    /// before is refused unless the input is the same (then the same ARN comes back).
    ///
    /// An asynchronous Express execution is at-least-once on AWS ("Choosing workflow
    /// type"): when the cloud's faults say so ([`Fault::Duplicate`] at the machine's
    /// logical id), a second run of the same input starts beside the first, under the same
    /// name with an ARN of its own, as a repeated run would.
    pub fn start_execution(
        self: &Arc<Self>,
        machine_arn: &str,
        input: Value,
        name: Option<String>,
    ) -> Result<String, SfnError> {
        self.start(machine_arn, input, name, true)
    }

    /// StartSyncExecution's start: once, since the caller waits for that one run's answer.
    pub fn start_sync_execution(
        self: &Arc<Self>,
        machine_arn: &str,
        input: Value,
        name: Option<String>,
    ) -> Result<String, SfnError> {
        self.start(machine_arn, input, name, false)
    }

    /// StartSyncExecution's run: starts `machine_arn` on the caller's runtime and answers
    /// how the execution ended, `None` if it never will (the cloud stopped). Waits on the
    /// entry's end signal, not on a copy of the entry.
    pub async fn run_sync_execution(
        self: &Arc<Self>,
        machine_arn: &str,
        input: Value,
        name: Option<String>,
    ) -> Result<Option<Arc<Execution>>, SfnError> {
        let arn = self.start_sync_execution(machine_arn, input, name)?;
        let ended = self
            .sfn
            .executions
            .with(&arn, |e| e.ended.clone())
            .ok_or(SfnError::ExecutionDoesNotExist(arn))?;
        Ok(wait_for_end(ended).await)
    }

    fn start(
        self: &Arc<Self>,
        machine_arn: &str,
        input: Value,
        name: Option<String>,
        asynchronous: bool,
    ) -> Result<String, SfnError> {
        let machine = self.startable(machine_arn, &input)?;
        let name = name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let repeated = asynchronous
            && machine.model.kind == template::StateMachineType::Express
            && self
                .faults
                .strike(Fault::Duplicate, &machine.model.logical_id);
        // A synchronous start's caller waits for the run: it runs on the caller's runtime,
        // never behind the front door it may be part of.
        let lane = if asynchronous {
            Lane::Background
        } else {
            Lane::Caller
        };
        if !repeated {
            return self.launch(machine, machine_arn, input, name, lane);
        }
        let arn = self.launch(machine, machine_arn, input.clone(), name.clone(), lane)?;
        self.launch(machine, machine_arn, input, name, lane)?;
        Ok(arn)
    }

    /// The machine of `machine_arn`, if `input` may start it.
    fn startable(&self, machine_arn: &str, input: &Value) -> Result<&Machine, SfnError> {
        let machine = self
            .sfn
            .machines
            .get(machine_arn)
            .ok_or_else(|| SfnError::StateMachineDoesNotExist(machine_arn.to_owned()))?;
        if orderly_states::json_len(input) > orderly_states::MAX_PAYLOAD_BYTES {
            return Err(SfnError::InvalidExecutionInput(
                "Input exceeds the 262144-character limit".into(),
            ));
        }
        Ok(machine)
    }

    /// Records one run of `machine` and starts it in the background; its ARN.
    fn launch(
        self: &Arc<Self>,
        machine: &Machine,
        machine_arn: &str,
        input: Value,
        name: String,
        lane: Lane,
    ) -> Result<String, SfnError> {
        let arn = match machine.model.kind {
            template::StateMachineType::Standard => format!(
                "arn:aws:states:{}:{}:execution:{}:{}",
                self.model.region, self.model.account_id, machine.model.name, name
            ),
            template::StateMachineType::Express => super::express::execution_arn(
                &self.model.region,
                &self.model.account_id,
                &machine.model.name,
                &name,
                &uuid::Uuid::new_v4().to_string(),
            ),
        };
        let (entry, ended) = ExecutionEntry::running(
            arn.clone(),
            machine_arn.to_owned(),
            name.clone(),
            input.clone(),
            self.clock.now_ms(),
        );
        let history = entry.history.clone();
        let abort = entry.abort.clone();
        let correlation_id = entry.correlation_id.clone();
        if let Err(existing) = self.sfn.executions.insert(entry, self.clock.now_ms()) {
            return if existing.input == input && existing.result.is_none() {
                Ok(arn)
            } else {
                Err(SfnError::ExecutionAlreadyExists(arn))
            };
        }
        let mut options = machine.options.clone();
        options.name = Some(name);
        options.execution_arn = Some(arn.clone());
        options.live_history = Some(history);
        options.abort = Some(abort);
        let definition = machine.machine.clone();
        let cloud = self.clone();
        let ending = Ending::of(machine, arn.clone(), correlation_id, 0);
        // The execution continues the trace of what started it (a rule target, a function).
        let trace = super::xray::current_or_new(self.clock.now_ms());
        self.spawn_in(
            move || {
                super::xray::scope(trace, async move {
                    let execution =
                        Arc::new(orderly_states::execute(&definition, input, options).await);
                    cloud.conclude(&ending, execution, &ended);
                })
            },
            lane,
        );
        Ok(arn)
    }

    /// RedriveExecution: a Standard execution that failed, timed out or was stopped within
    /// the last 14 days runs again from the top-level state it stopped in, under the same
    /// ARN (see [`orderly_states::redrive`]). Answers when, epoch ms.
    /// A `client_token` used for a redrive of this execution in the last 15 minutes
    /// answers that redrive again, and redrives nothing.
    pub fn redrive_execution(
        self: &Arc<Self>,
        arn: &str,
        client_token: Option<&str>,
    ) -> Result<i64, SfnError> {
        let refused = |why: &str| SfnError::ExecutionNotRedrivable(why.to_owned());
        let entry = self.execution(arn)?;
        if let Some(token) = client_token {
            let now_ms = self.clock.now_ms();
            let tokens = self
                .sfn
                .redrive_tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let seen = tokens
                .iter()
                .find(|(a, t, at)| a == arn && t == token && now_ms - at <= REDRIVE_TOKEN_MS);
            if let Some((_, _, at)) = seen {
                return Ok(*at);
            }
        }
        let machine = self
            .sfn
            .machines
            .get(&entry.machine_arn)
            .ok_or_else(|| SfnError::StateMachineDoesNotExist(entry.machine_arn.clone()))?;
        let now_ms = self.clock.now_ms();
        let (previous, history, abort, ended) = self
            .sfn
            .executions
            .reopen(arn, now_ms, |entry| redrivable(entry, now_ms))
            .ok_or_else(|| SfnError::ExecutionDoesNotExist(arn.to_owned()))?
            .map_err(|why| refused(&why))?;
        // The states of the runs before were traced; the trace goes on after them.
        self.sfn
            .traced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(arn.to_owned(), previous.history.len());
        let mut options = machine.options.clone();
        options.name = Some(previous.name.clone());
        options.execution_arn = Some(arn.to_owned());
        options.live_history = Some(history);
        options.abort = Some(abort);
        let definition = machine.machine.clone();
        let ending = Ending::of(
            machine,
            arn.to_owned(),
            entry.correlation_id.clone(),
            previous.history.len(),
        );
        let cloud = self.clone();
        let trace = super::xray::current_or_new(now_ms);
        self.spawn(move || {
            super::xray::scope(trace, async move {
                // Checked redrivable above: a refusal here leaves the execution as it was.
                let execution = orderly_states::redrive(&definition, &previous, options)
                    .await
                    .map_or(previous, Arc::new);
                cloud.conclude(&ending, execution, &ended);
            })
        });
        if let Some(token) = client_token {
            let mut tokens = self
                .sfn
                .redrive_tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if tokens.len() == REDRIVE_TOKENS_KEPT {
                tokens.pop_front();
            }
            tokens.push_back((arn.to_owned(), token.to_owned(), now_ms));
        }
        Ok(now_ms)
    }

    /// Records an execution's end: its log lines and states, the trace, the store, and
    /// the signal its waiters wait on.
    fn conclude(
        &self,
        ending: &Ending,
        execution: Arc<Execution>,
        ended: &tokio::sync::watch::Sender<Option<Arc<Execution>>>,
    ) {
        let arn = &ending.execution_arn;
        self.log_execution(ending, &execution);
        let new_events = execution.history.get(ending.from..).unwrap_or_default();
        self.record_states(arn, ending.from, new_events, &ending.correlation_id);
        self.sfn
            .traced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(arn);
        self.trace.record(Hop {
            wall_us: 0,
            at_ms: self.clock.now_ms(),
            correlation_id: ending.correlation_id.clone(),
            kind: HopKind::ExecutionEnded {
                machine: self.machine_id_of(arn),
                execution: execution.name.clone(),
                status: execution.status.as_str().to_owned(),
            },
        });
        self.sfn
            .executions
            .close(arn, execution.clone(), self.clock.now_ms());
        // After the close: whoever wakes finds the result recorded.
        let _ = ended.send(Some(execution));
    }

    /// StopExecution: a running execution ends ABORTED, its `ExecutionAborted` event and
    /// its description carrying the `error` and `cause` given, and with it the executions
    /// its `.sync` tasks wait on. Answers when it stopped (or had stopped), epoch ms.
    pub fn stop_execution(
        &self,
        arn: &str,
        reason: orderly_states::StopReason,
    ) -> Result<i64, SfnError> {
        let entry = self.execution(arn)?;
        match &entry.result {
            Some(execution) => Ok((execution.stop_date.unix_timestamp_nanos() / 1_000_000) as i64),
            None => {
                entry.abort.abort_with(reason);
                Ok(self.clock.now_ms())
            }
        }
    }

    /// Traces the states a running execution has entered since the last look.
    fn trace_running_states(&self, arn: &str) {
        let found = self
            .sfn
            .executions
            .with(arn, |e| (e.history.clone(), e.correlation_id.clone()));
        if let Some((history, correlation_id)) = found {
            let from = self.traced_count(arn);
            history.read_since(from, |events| {
                self.record_states(arn, from, events, &correlation_id);
            });
        }
    }

    /// How many events of an execution's history the trace has seen.
    fn traced_count(&self, arn: &str) -> usize {
        let traced = self.sfn.traced.lock().unwrap_or_else(|p| p.into_inner());
        traced.get(arn).copied().unwrap_or(0)
    }

    /// Records a hop for each StateEntered event not traced before; `events` are the
    /// history's events from index `from` on.
    fn record_states(&self, arn: &str, from: usize, events: &[HistoryEvent], correlation_id: &str) {
        let skip = {
            let mut traced = self.sfn.traced.lock().unwrap_or_else(|p| p.into_inner());
            let seen = traced.entry(arn.to_owned()).or_insert(0);
            let skip = seen.saturating_sub(from).min(events.len());
            *seen = (*seen).max(from + events.len());
            skip
        };
        let machine = self.machine_id_of(arn);
        let execution = execution_name(arn);
        for event in &events[skip..] {
            if event.event_type.ends_with("StateEntered") {
                self.trace.record(Hop {
                    wall_us: 0,
                    at_ms: (event.timestamp.unix_timestamp_nanos() / 1_000_000) as i64,
                    correlation_id: correlation_id.to_owned(),
                    kind: HopKind::StateEntered {
                        machine: machine.clone(),
                        execution: execution.to_owned(),
                        state: event.state_name().unwrap_or_default().to_owned(),
                    },
                });
            }
        }
    }

    /// The logical id of the state machine an execution ARN belongs to (its name when the
    /// template has no such machine).
    fn machine_id_of(&self, execution_arn: &str) -> String {
        let name = execution_arn.split(':').nth(6).unwrap_or_default();
        self.model
            .state_machines
            .values()
            .find(|m| m.name == name)
            .map_or_else(|| name.to_owned(), |m| m.logical_id.clone())
    }

    /// The execution of an ARN, as it is now.
    pub fn execution(&self, arn: &str) -> Result<ExecutionEntry, SfnError> {
        self.sfn
            .executions
            .get(arn)
            .ok_or_else(|| SfnError::ExecutionDoesNotExist(arn.to_owned()))
    }

    /// Every task token the executions were given, as far as their histories show: the
    /// strings under a `taskToken` key of the parameters of their `.waitForTaskToken`
    /// tasks (where `$$.Task.Token` goes). What a privacy check looks for.
    pub fn issued_task_tokens(&self) -> Vec<String> {
        let mut tokens = Vec::new();
        let mut collect = |events: &[HistoryEvent]| {
            for event in events {
                if let EventDetails::TaskScheduled(task) = &event.details
                    && task.resource.ends_with(".waitForTaskToken")
                    && let Ok(parameters) = serde_json::from_str::<Value>(&task.parameters)
                {
                    task_tokens(&parameters, &mut tokens);
                }
            }
        };
        self.sfn.executions.for_each(|entry| match &entry.result {
            Some(execution) => collect(&execution.history),
            None => entry.history.read_since(0, &mut collect),
        });
        tokens
    }

    /// Every execution kept, in start order.
    pub fn executions(&self) -> Vec<ExecutionEntry> {
        self.sfn.executions.all()
    }

    /// ListExecutions: a page of the executions of `machine_arn` (of `status`, when
    /// given), newest first.
    pub fn list_executions(
        &self,
        machine_arn: &str,
        status: Option<&str>,
        redriven: Option<bool>,
        limit: usize,
        token: Option<&str>,
    ) -> Result<Page<ExecutionEntry>, SfnError> {
        if !self.sfn.machines.contains_key(machine_arn) {
            return Err(SfnError::StateMachineDoesNotExist(machine_arn.to_owned()));
        }
        self.sfn
            .executions
            .page(
                machine_arn,
                status,
                redriven,
                limit,
                token,
                self.clock.now_ms(),
            )
            .map_err(SfnError::from)
    }

    /// GetExecutionHistory: a page of the execution's events, oldest first or (with
    /// `reverse`) newest first. Only the page's events are copied. A token holds the index
    /// of the event its page starts at, which stays right while a running execution's
    /// history grows.
    pub fn history_page(
        &self,
        arn: &str,
        reverse: bool,
        limit: usize,
        token: Option<&str>,
    ) -> Result<Page<HistoryEvent>, SfnError> {
        let scope = format!("GetExecutionHistory|{arn}|{reverse}");
        let now = self.clock.now_ms();
        let start = token
            .map(|t| paging::decode(t, now, &scope))
            .transpose()?
            .map(|p| usize::try_from(p).unwrap_or(usize::MAX));
        let limit = limit.max(1);
        let page = |events: &[HistoryEvent]| -> Result<Page<HistoryEvent>, SfnError> {
            let len = events.len();
            let bad = || SfnError::from(TokenError::Invalid(token.unwrap_or_default().into()));
            let (items, next): (Vec<HistoryEvent>, Option<usize>) = if reverse {
                // Newest first: the page runs down from `first`.
                let first = match start {
                    Some(i) if i < len => i,
                    Some(_) => return Err(bad()),
                    None if len == 0 => {
                        return Ok(Page {
                            items: Vec::new(),
                            next_token: None,
                        });
                    }
                    None => len - 1,
                };
                let end = (first + 1).saturating_sub(limit);
                let items = events[end..=first].iter().rev().cloned().collect();
                (items, end.checked_sub(1))
            } else {
                let first = match start {
                    Some(i) if i <= len => i,
                    Some(_) => return Err(bad()),
                    None => 0,
                };
                let end = first.saturating_add(limit).min(len);
                (events[first..end].to_vec(), (end < len).then_some(end))
            };
            Ok(Page {
                items,
                next_token: next.map(|n| paging::encode(n as u64, now, &scope)),
            })
        };
        self.sfn
            .executions
            .with(arn, |entry| match &entry.result {
                Some(execution) => page(&execution.history),
                None => entry.history.read_since(0, page),
            })
            .ok_or_else(|| SfnError::ExecutionDoesNotExist(arn.to_owned()))?
    }

    /// The state machine's log group: one line per history event its `Logging.Level`
    /// logs ([`LogLevel`]), with the events' inputs, outputs and parameters only when the
    /// machine's `Logging` says `IncludeExecutionData: true` (as AWS writes them).
    fn log_execution(&self, ending: &Ending, execution: &Arc<Execution>) {
        let (level, from) = (ending.level, ending.from);
        let events = match level {
            LogLevel::All if from == 0 => LoggedEvents::All,
            level => LoggedEvents::Some(
                (from..execution.history.len())
                    .filter(|&i| level.logs(&execution.history[i].event_type))
                    .collect(),
            ),
        };
        let count = match &events {
            LoggedEvents::All => execution.history.len(),
            LoggedEvents::Some(indices) => indices.len(),
        };
        if count == 0 {
            return;
        }
        let lines = ExecutionLogLines {
            execution: execution.clone(),
            events,
            include_data: ending.include_data,
            arn: Value::String(execution.execution_arn.clone()).to_string(),
            correlation_id: Value::String(ending.correlation_id.clone()).to_string(),
        };
        self.logs
            .write_deferred(&ending.log_group, Arc::new(lines), count);
    }
}

/// What recording an execution's end needs of its machine and start.
struct Ending {
    execution_arn: String,
    correlation_id: String,
    log_group: String,
    include_data: bool,
    level: LogLevel,
    /// The history events recorded before this run (a redrive's earlier runs), already
    /// logged and traced.
    from: usize,
}

impl Ending {
    fn of(machine: &Machine, execution_arn: String, correlation_id: String, from: usize) -> Self {
        Self {
            execution_arn,
            correlation_id,
            log_group: machine
                .model
                .log_group
                .clone()
                .unwrap_or_else(|| format!("/aws/vendedlogs/states/{}", machine.model.name)),
            include_data: machine.model.include_execution_data,
            level: LogLevel::of(machine.model.logging_level.as_deref()),
            from,
        }
    }
}

/// How long after it closed an execution may be redriven.
const REDRIVABLE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// Whether `entry` may be redriven at `now_ms`, else why not in AWS's words (the
/// `redriveStatusReason` DescribeExecution gives).
pub fn redrivable(entry: &ExecutionEntry, now_ms: i64) -> Result<(), String> {
    let Some(execution) = &entry.result else {
        return Err("Execution is RUNNING and cannot be redriven.".to_owned());
    };
    if execution.status == orderly_states::ExecutionStatus::Succeeded {
        return Err("Execution is SUCCEEDED and cannot be redriven.".to_owned());
    }
    let stop_ms = (execution.stop_date.unix_timestamp_nanos() / 1_000_000) as i64;
    if now_ms - stop_ms > REDRIVABLE_MS {
        return Err("Execution redrivable period exceeded.".to_owned());
    }
    if execution.redrive_point.is_none() {
        return Err(orderly_states::RedriveError::NothingToResume.to_string());
    }
    Ok(())
}

/// The strings under a `taskToken` key (any case) anywhere in `value`.
pub(crate) fn task_tokens(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(token) if key.eq_ignore_ascii_case("taskToken") => {
                        out.push(token.clone());
                    }
                    other => task_tokens(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| task_tokens(v, out)),
        _ => {}
    }
}

/// The log lines of an ended execution, rendered from its history when read.
struct ExecutionLogLines {
    execution: Arc<Execution>,
    /// The events of its history that are logged.
    events: LoggedEvents,
    /// `Logging.IncludeExecutionData`: whether lines carry the events' payloads.
    include_data: bool,
    /// The execution ARN and correlation id as JSON strings.
    arn: String,
    correlation_id: String,
}

impl super::logs::DeferredLines for ExecutionLogLines {
    /// The event's JSON with the execution ARN, correlation id and event time added,
    /// written as text straight from the event (no `Value` tree).
    fn render(&self, index: usize) -> String {
        let index = match &self.events {
            LoggedEvents::All => index,
            LoggedEvents::Some(indices) => indices.get(index).copied().unwrap_or(usize::MAX),
        };
        let Some(event) = self.execution.history.get(index) else {
            return "{}".to_owned();
        };
        let text = if self.include_data {
            serde_json::to_string(event)
        } else {
            serde_json::to_string(&event.without_data())
        };
        let Ok(mut text) = text else {
            return "{}".to_owned();
        };
        // The event serializes as one JSON object: reopen it to append the fields.
        if text.ends_with('}') {
            text.pop();
            let at = rfc3339_ms((event.timestamp.unix_timestamp_nanos() / 1_000_000) as i64);
            text.push_str(r#","execution_arn":"#);
            text.push_str(&self.arn);
            text.push_str(r#","correlation_id":"#);
            text.push_str(&self.correlation_id);
            text.push_str(r#","event_timestamp":""#);
            text.push_str(&at);
            text.push_str("\"}");
        }
        text
    }
}

/// Which history events an execution's log lines are.
enum LoggedEvents {
    /// Every one (`ALL`), without a list.
    All,
    /// Those at these indices.
    Some(Vec<usize>),
}

/// The name part of an execution ARN: `…:execution:MACHINE:NAME`, or for an Express
/// execution `…:express:MACHINE:NAME:ID`.
fn execution_name(arn: &str) -> &str {
    arn.split(':').nth(7).unwrap_or(arn)
}
