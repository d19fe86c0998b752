//! Running a state machine: options, the execution result, and the entry points.

mod choice;
mod data;
mod engine;
mod map;
mod map_common;
mod map_distributed;
mod parallel;
mod payload;
mod redrive;
mod retry_catch;
mod run;
mod shape;
mod task;
mod vars;

use crate::callbacks::TaskTokens;
use crate::clock::{Clock, TokioClock, format_timestamp};
use crate::definition::StateMachine;
use crate::errors::{StatesError, names};
use crate::history::{EventDetails, HistoryEvent, LiveHistory, Recorder};
use crate::task::{NoTasks, TaskHandler};
use engine::Engine;
pub use redrive::{RedriveError, RedrivePoint, redrive};
use run::Interrupt;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use time::OffsetDateTime;
use tokio::sync::Notify;

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// The machine reached a Succeed state or the end of its last state.
    Succeeded,
    /// A state failed and nothing caught the error.
    Failed,
    /// The machine's `TimeoutSeconds` passed.
    TimedOut,
    /// The execution was stopped through its [`AbortSignal`].
    Aborted,
}

impl ExecutionStatus {
    /// The status as the API spells it (`SUCCEEDED`, `TIMED_OUT`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }
}

/// Stops a running execution (StopExecution): it ends ABORTED.
#[derive(Debug, Clone, Default)]
pub struct AbortSignal {
    inner: Arc<(AtomicBool, Notify, std::sync::Mutex<StopReason>)>,
}

/// The `error` and `cause` a StopExecution gave, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReason {
    /// StopExecution's `error`.
    pub error: Option<String>,
    /// StopExecution's `cause`.
    pub cause: Option<String>,
}

impl AbortSignal {
    /// A signal not yet raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the executions holding this signal (and their clones).
    pub fn abort(&self) {
        self.abort_with(StopReason::default());
    }

    /// Stops them with StopExecution's `error` and `cause`, which the execution records.
    /// The first reason given stands: a second stop of a stopping execution changes
    /// nothing.
    pub fn abort_with(&self, reason: StopReason) {
        if !self.inner.0.swap(true, Ordering::SeqCst) {
            *self.inner.2.lock().unwrap_or_else(|p| p.into_inner()) = reason;
        }
        self.inner.1.notify_waiters();
    }

    /// The reason the execution was stopped with.
    pub fn reason(&self) -> StopReason {
        self.inner
            .2
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether [`AbortSignal::abort`] was called.
    pub fn is_aborted(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    async fn aborted(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_aborted() {
                return;
            }
            notified.await;
        }
    }
}

/// Everything an execution needs besides the machine and its input.
#[derive(Clone)]
pub struct ExecutionOptions {
    /// The execution's name (`$$.Execution.Name`); a UUID when not given.
    pub name: Option<String>,
    /// The machine's ARN (`$$.StateMachine.Id`), also the base of the execution ARN.
    pub state_machine_arn: String,
    /// The execution's ARN (`$$.Execution.Id`) when it is not the one
    /// [`execution_arn`] derives from the machine ARN and name: an Express execution's
    /// ARN is of another form (`…:express:MACHINE:NAME:ID`).
    pub execution_arn: Option<String>,
    /// The execution role (`$$.Execution.RoleArn`).
    pub role_arn: String,
    /// The region the execution runs in, as task integrations see it.
    pub region: String,
    /// Where the execution's time comes from (timestamps, Wait, timeouts).
    pub clock: Arc<dyn Clock>,
    /// Runs Task states.
    pub tasks: Arc<dyn TaskHandler>,
    /// Where `.waitForTaskToken` tasks wait for their callbacks.
    pub task_tokens: TaskTokens,
    /// Whether to keep the history (turn off for throughput when nobody reads it).
    pub record_history: bool,
    /// Stops the execution when raised (StopExecution).
    pub abort: Option<AbortSignal>,
    /// Receives the history as it is recorded, for readers of a running execution.
    pub live_history: Option<LiveHistory>,
    /// Draws the FULL-jitter fraction of a Retry's wait, in `[0, 1)`; the process's random
    /// source when `None`. A seeded source makes a whole run replay exactly.
    pub jitter: Option<Jitter>,
}

/// A source of FULL-jitter fractions in `[0, 1)`.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

impl Default for ExecutionOptions {
    fn default() -> Self {
        Self {
            name: None,
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine"
                .to_owned(),
            execution_arn: None,
            role_arn: "arn:aws:iam::123456789012:role/StatesExecutionRole".to_owned(),
            region: "us-east-1".to_owned(),
            clock: Arc::new(TokioClock::new()),
            tasks: Arc::new(NoTasks),
            task_tokens: TaskTokens::new(),
            record_history: true,
            abort: None,
            live_history: None,
            jitter: None,
        }
    }
}

impl std::fmt::Debug for ExecutionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutionOptions")
            .field("name", &self.name)
            .field("state_machine_arn", &self.state_machine_arn)
            .field("record_history", &self.record_history)
            .finish_non_exhaustive()
    }
}

/// A finished execution, as DescribeExecution and GetExecutionHistory describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// The execution's ARN.
    pub execution_arn: String,
    /// The ARN of the machine that ran.
    pub state_machine_arn: String,
    /// The execution's name.
    pub name: String,
    /// How it ended.
    pub status: ExecutionStatus,
    /// When it started.
    pub start_date: OffsetDateTime,
    /// When it ended.
    pub stop_date: OffsetDateTime,
    /// The execution's input.
    pub input: Value,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// The error name, when it failed.
    pub error: Option<String>,
    /// The error cause, when it failed.
    pub cause: Option<String>,
    /// The events recorded (empty when history was turned off).
    pub history: Vec<HistoryEvent>,
    /// How often it was redriven (`redriveCount`).
    pub redrive_count: u32,
    /// When it was last redriven (`redriveDate`).
    pub redrive_date: Option<OffsetDateTime>,
    /// Where a redrive resumes, when it did not succeed.
    pub redrive_point: Option<Arc<RedrivePoint>>,
}

impl Execution {
    /// The object `aws stepfunctions describe-execution` prints (input and output as JSON
    /// text, dates as RFC 3339).
    pub fn describe(&self) -> Value {
        let mut out = json!({
            "executionArn": self.execution_arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status.as_str(),
            "startDate": format_timestamp(self.start_date),
            "stopDate": format_timestamp(self.stop_date),
            "input": serde_json::to_string(&self.input).unwrap_or_default(),
            "inputDetails": {"included": true},
        });
        if let Some(map) = out.as_object_mut() {
            if let Some(output) = &self.output {
                map.insert(
                    "output".into(),
                    Value::String(serde_json::to_string(output).unwrap_or_default()),
                );
                map.insert("outputDetails".into(), json!({"included": true}));
            }
            if let Some(error) = &self.error {
                map.insert("error".into(), Value::String(error.clone()));
            }
            if let Some(cause) = &self.cause {
                map.insert("cause".into(), Value::String(cause.clone()));
            }
            map.insert("redriveCount".into(), json!(self.redrive_count));
            if let Some(at) = self.redrive_date {
                map.insert("redriveDate".into(), json!(format_timestamp(at)));
            }
        }
        out
    }

    /// GetExecutionHistory's `events`.
    pub fn history_json(&self) -> Value {
        serde_json::to_value(&self.history).unwrap_or(Value::Null)
    }
}

/// The largest payload Step Functions accepts: 256 KiB of JSON text.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// Runs `machine` on `input` to completion.
pub async fn execute(machine: &StateMachine, input: Value, options: ExecutionOptions) -> Execution {
    Executor::new(machine.clone(), options).run(input).await
}

/// Runs an execution to completion on a private single-threaded runtime, for callers
/// that are not async (command-line tools). Fails only if the runtime cannot start.
pub fn execute_blocking(
    machine: &StateMachine,
    input: Value,
    options: ExecutionOptions,
) -> std::io::Result<Execution> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    Ok(runtime.block_on(execute(machine, input, options)))
}

/// A machine bound to its options: cheap to clone and `Send`, so many executions of one
/// parsed machine can run concurrently on one runtime.
#[derive(Clone, Debug)]
pub struct Executor {
    machine: StateMachine,
    options: ExecutionOptions,
}

impl Executor {
    /// Binds a machine to the options its executions run with.
    pub fn new(machine: StateMachine, options: ExecutionOptions) -> Self {
        Self { machine, options }
    }

    /// The options every execution starts from.
    pub fn options(&self) -> &ExecutionOptions {
        &self.options
    }

    /// Runs one execution. `name` overrides the options' name.
    pub async fn run_named(&self, input: Value, name: Option<String>) -> Execution {
        let mut options = self.options.clone();
        if name.is_some() {
            options.name = name;
        }
        run(&self.machine, input, options).await
    }

    /// Runs one execution with the options' name.
    pub async fn run(&self, input: Value) -> Execution {
        self.run_named(input, None).await
    }
}

/// The ARN of execution `name` of a state machine, as StartExecution returns it.
pub fn execution_arn(state_machine_arn: &str, name: &str) -> String {
    match state_machine_arn.split_once(":stateMachine:") {
        Some((prefix, machine)) => format!("{prefix}:execution:{machine}:{name}"),
        None => format!("{state_machine_arn}:execution:{name}"),
    }
}

async fn run(machine: &StateMachine, input: Value, options: ExecutionOptions) -> Execution {
    let name = options
        .name
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let arn = options
        .execution_arn
        .clone()
        .unwrap_or_else(|| execution_arn(&options.state_machine_arn, &name));
    let clock = options.clock.clone();
    let start = clock.now();
    let recorder = Recorder::new(options.record_history, options.live_history.clone());
    // The input is shared by the history, the context object and the first state.
    let input = Arc::new(input);
    let mut first_input = payload::Payload::new(Arc::clone(&input));
    recorder.record(
        start,
        "ExecutionStarted",
        if recorder.enabled() {
            EventDetails::ExecutionStarted {
                input: first_input.text(),
                role_arn: options.role_arn.clone(),
            }
        } else {
            EventDetails::None
        },
    );
    let attempt = Attempt {
        arn,
        name,
        start,
        redrive_count: 0,
        redrive_date: None,
    };
    let engine = attempt.engine(machine, &options, recorder, Arc::clone(&input), start);
    // Most inputs are far below the limit: a cheap bound settles them.
    let size = if data::size_bound(&input, MAX_PAYLOAD_BYTES) <= MAX_PAYLOAD_BYTES {
        0
    } else {
        data::json_size(&input)
    };
    let outcome: Result<payload::Payload, Interrupt> = if size > MAX_PAYLOAD_BYTES {
        Err(Interrupt::Failed(StatesError::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The execution input of {size} bytes exceeds the maximum of {MAX_PAYLOAD_BYTES} bytes."
            ),
        )))
    } else {
        race(engine.run_machine(machine, first_input), machine, &options).await
    };
    attempt.conclude(engine, outcome, input, &options)
}

/// What one run of an execution (the first, or a redrive) keeps of it.
struct Attempt {
    arn: String,
    name: String,
    /// When the execution first started.
    start: OffsetDateTime,
    redrive_count: u32,
    redrive_date: Option<OffsetDateTime>,
}

impl Attempt {
    /// The engine of this run, its `TimeoutSeconds` counted from `since`.
    fn engine(
        &self,
        machine: &StateMachine,
        options: &ExecutionOptions,
        recorder: Recorder,
        input: Arc<Value>,
        since: OffsetDateTime,
    ) -> Engine {
        let machine_name = options
            .state_machine_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut context_execution = json!({
            "Id": self.arn,
            "Name": self.name,
            "RoleArn": options.role_arn,
            "StartTime": format_timestamp(self.start),
            "RedriveCount": self.redrive_count,
        });
        if let (Some(at), Some(map)) = (self.redrive_date, context_execution.as_object_mut()) {
            map.insert("RedriveTime".into(), json!(format_timestamp(at)));
        }
        Engine {
            clock: options.clock.clone(),
            tasks: options.tasks.clone(),
            tokens: options.task_tokens.clone(),
            recorder,
            context_execution,
            execution_input: input,
            context_machine: json!({"Id": options.state_machine_arn, "Name": machine_name}),
            region: options.region.clone(),
            deadline: machine
                .timeout_seconds
                .map(|t| since + std::time::Duration::from_secs(t)),
            jitter: options.jitter.clone(),
            position: std::sync::Mutex::new(None),
            prior_children: std::sync::Mutex::new(None),
        }
    }

    /// Records how the run ended and builds the execution's description.
    fn conclude(
        self,
        engine: Engine,
        outcome: Result<payload::Payload, Interrupt>,
        input: Arc<Value>,
        options: &ExecutionOptions,
    ) -> Execution {
        let stop = options.clock.now().max(self.start);
        let redrive_point = if outcome.is_err() {
            engine.redrive_point().map(Arc::new)
        } else {
            None
        };
        let (status, output, error, cause) = match outcome {
            Ok(mut output) => {
                engine.recorder.record(
                    stop,
                    "ExecutionSucceeded",
                    if engine.recorder.enabled() {
                        EventDetails::ExecutionSucceeded {
                            output: output.text(),
                        }
                    } else {
                        EventDetails::None
                    },
                );
                (ExecutionStatus::Succeeded, Some(output), None, None)
            }
            Err(Interrupt::Failed(err)) => {
                engine.recorder.record(
                    stop,
                    "ExecutionFailed",
                    EventDetails::Failed {
                        error: err.error.clone(),
                        cause: err.cause.clone(),
                    },
                );
                // A Fail state without Error or Cause leaves them out, as AWS does.
                let error = Some(err.error).filter(|e| !e.is_empty());
                let cause = Some(err.cause).filter(|c| !c.is_empty());
                (ExecutionStatus::Failed, None, error, cause)
            }
            Err(Interrupt::TimedOut) => {
                let cause = "The execution timed out.".to_owned();
                engine.recorder.record(
                    stop,
                    "ExecutionTimedOut",
                    EventDetails::Failed {
                        error: names::TIMEOUT.to_owned(),
                        cause: cause.clone(),
                    },
                );
                (
                    ExecutionStatus::TimedOut,
                    None,
                    Some(names::TIMEOUT.to_owned()),
                    Some(cause),
                )
            }
            Err(Interrupt::Aborted) => {
                let given = options
                    .abort
                    .as_ref()
                    .map(AbortSignal::reason)
                    .unwrap_or_default();
                engine.recorder.record(
                    stop,
                    "ExecutionAborted",
                    EventDetails::Failed {
                        error: given
                            .error
                            .clone()
                            .unwrap_or_else(|| "States.Aborted".to_owned()),
                        cause: given
                            .cause
                            .clone()
                            .unwrap_or_else(|| "The execution was stopped.".to_owned()),
                    },
                );
                (ExecutionStatus::Aborted, None, given.error, given.cause)
            }
        };
        Execution {
            execution_arn: self.arn,
            state_machine_arn: options.state_machine_arn.clone(),
            name: self.name,
            status,
            start_date: self.start,
            stop_date: stop,
            history: engine.recorder.take(),
            input: {
                drop(engine);
                Arc::try_unwrap(input).unwrap_or_else(|shared| (*shared).clone())
            },
            output: output.map(payload::Payload::into_value),
            error,
            cause,
            redrive_count: self.redrive_count,
            redrive_date: self.redrive_date,
            redrive_point,
        }
    }
}

/// Runs `body` until it ends, the machine's `TimeoutSeconds` passes (on clocks that race
/// timeouts), or the execution is stopped.
async fn race(
    body: impl std::future::Future<Output = Result<payload::Payload, Interrupt>>,
    machine: &StateMachine,
    options: &ExecutionOptions,
) -> Result<payload::Payload, Interrupt> {
    let clock = &options.clock;
    let timeout = async {
        match (machine.timeout_seconds, clock.races_timeouts()) {
            (Some(t), true) => clock.sleep(std::time::Duration::from_secs(t)).await,
            _ => std::future::pending().await,
        }
    };
    let abort = async {
        match &options.abort {
            Some(signal) => signal.aborted().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        _ = abort => Err(Interrupt::Aborted),
        r = body => r,
        _ = timeout => Err(Interrupt::TimedOut),
    }
}
