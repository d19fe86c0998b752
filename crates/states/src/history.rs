//! Execution history, with AWS's event names and detail shapes, so it can be served as
//! GetExecutionHistory's `events`.
//!
//! State and execution payloads are kept as their JSON text (the form
//! GetExecutionHistory returns them in), not as the values themselves: the text is a
//! fraction of a value's size in memory, and the values can be freed as soon as the next
//! state has consumed them.

use crate::clock::format_timestamp;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// The event's number in its execution, counting from 1.
    pub id: u64,
    /// The id of the event before it (0 for the first). The history is one sequence, even
    /// across Parallel branches and Map iterations, so this is always `id - 1`.
    pub previous_event_id: u64,
    /// When the event happened, by the execution's clock.
    pub timestamp: OffsetDateTime,
    /// AWS's event type, e.g. `PassStateEntered`, `TaskScheduled`, `MapIterationStarted`.
    pub event_type: Cow<'static, str>,
    /// The event's details; which variant goes with which `event_type` follows AWS.
    pub details: EventDetails,
    /// The state whose run recorded the event (the innermost one), `None` for the
    /// execution's own events. Not part of AWS's shape: AWS links an event to its state
    /// through `previousEventId` chains per branch, which this history does not keep, and a
    /// viewer needs the link to tell which of two concurrent branches' tasks failed.
    pub state: Option<Arc<str>>,
}

/// The details object of an event; serialized under the key AWS uses for the type.
#[derive(Debug, Clone, PartialEq)]
pub enum EventDetails {
    /// No details (`LambdaFunctionStarted`, `ParallelStateStarted`, `MapStateSucceeded`,
    /// ...).
    None,
    /// `ExecutionStarted`: the execution's input and role.
    ExecutionStarted {
        /// JSON text.
        input: Arc<str>,
        /// The execution role ARN, as given in the execution options.
        role_arn: String,
    },
    /// `ExecutionSucceeded`: the execution's output.
    ExecutionSucceeded {
        /// JSON text.
        output: Arc<str>,
    },
    /// An error and cause, for every event type whose details are just those:
    /// `ExecutionFailed`, `ExecutionTimedOut`, `ExecutionAborted`, `LambdaFunctionFailed`,
    /// `ParallelStateFailed`, `MapStateFailed`, ...
    Failed {
        /// The error name.
        error: String,
        /// The error's cause text (empty when there is none).
        cause: String,
    },
    /// `EvaluationFailed`: a state's query (a JSONata field, Map items) failed to
    /// evaluate; recorded before the failure it causes.
    EvaluationFailed {
        /// The error name (`States.QueryEvaluationError`).
        error: String,
        /// The cause text.
        cause: String,
        /// The field, down to the key (`Output/result`), where AWS names one.
        location: Option<String>,
        /// The state's name.
        state: Arc<str>,
    },
    /// `ActivityStarted`: a worker took the activity task (`workerName`, which the
    /// interpreter's task handlers do not give; AWS records `{}` then).
    ActivityStarted {
        /// The worker's name, when it gave one.
        worker_name: Option<String>,
    },
    /// `<Type>StateEntered`: the state's raw input.
    StateEntered {
        /// The state's name.
        name: Arc<str>,
        /// JSON text.
        input: Arc<str>,
    },
    /// `<Type>StateExited`: the state's output.
    StateExited {
        /// The state's name.
        name: Arc<str>,
        /// JSON text.
        output: Arc<str>,
        /// The variables the state assigned, each value as JSON text, when it has an
        /// Assign (`assignedVariables`).
        assigned: Option<Vec<(String, String)>>,
    },
    /// `TaskScheduled`: a task about to be invoked. Service integrations (the
    /// `arn:aws:states:::lambda:invoke` one among them) and activities get the `Task*`
    /// events; a plain Lambda function ARN gets the `LambdaFunction*` ones.
    TaskScheduled(Box<TaskScheduled>),
    /// `TaskStarted`: the task was invoked.
    TaskStarted {
        /// The service of the resource (`sqs` for `arn:aws:states:::sqs:sendMessage`).
        resource_type: String,
        /// The service action (`sendMessage`), or the whole ARN for a resource that is not
        /// a service integration.
        resource: String,
    },
    /// `TaskSubmitted`: a `.waitForTaskToken` task's invocation returned; the state now
    /// waits for the token.
    TaskSubmitted(Box<TaskOutput>),
    /// `TaskSucceeded`: the task's result.
    TaskSucceeded(Box<TaskOutput>),
    /// `TaskFailed` / `TaskTimedOut`: the task failed, or ran past its timeout or
    /// heartbeat.
    TaskFailed(Box<TaskFailed>),
    /// `LambdaFunctionScheduled`: a task whose `Resource` is a plain Lambda function ARN,
    /// about to be invoked.
    LambdaScheduled(Box<LambdaScheduled>),
    /// `LambdaFunctionSucceeded`: the function's result.
    LambdaSucceeded {
        /// JSON text.
        output: Arc<str>,
    },
    /// `ExecutionRedriven`: the execution runs again from where it stopped.
    ExecutionRedriven {
        /// How often it has been redriven, this time included.
        redrive_count: u32,
    },
    /// `MapStateStarted`: how many items the Map state will run.
    MapStateStarted {
        /// The number of items.
        length: usize,
    },
    /// `MapRunStarted`: a Distributed Map started its Map Run.
    MapRunStarted {
        /// The Map Run's ARN (`arn:aws:states:…:mapRun:MACHINE/LABEL:ID`).
        map_run_arn: String,
    },
    /// `MapIterationStarted` / `Succeeded` / `Failed` / `Aborted`: one item's run.
    MapIteration {
        /// The Map state's name.
        name: Arc<str>,
        /// The item's index in the items array, from 0.
        index: usize,
    },
}

// The details of task events are boxed: they are rare next to state events, and an
// event's size is that of its largest details.

/// `TaskScheduled`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskScheduled {
    /// The service of the resource (`sqs`, `dynamodb`, `states`).
    pub resource_type: String,
    /// The service action (`sendMessage.waitForTaskToken`), or the whole ARN for a resource
    /// that is not a service integration.
    pub resource: String,
    /// The region of the execution.
    pub region: String,
    /// JSON text.
    pub parameters: Arc<str>,
    /// The task's resolved `TimeoutSeconds`, if it has one.
    pub timeout_in_seconds: Option<u64>,
    /// The task's resolved `HeartbeatSeconds`, if it has one.
    pub heartbeat_in_seconds: Option<u64>,
    /// The role of the task's resolved `Credentials`, if it has them (`taskCredentials`).
    pub role_arn: Option<String>,
}

/// `TaskSubmitted` / `TaskSucceeded`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutput {
    /// The service of the resource, as in [`TaskScheduled`].
    pub resource_type: String,
    /// The service action, as in [`TaskScheduled`].
    pub resource: String,
    /// JSON text.
    pub output: Arc<str>,
}

/// `TaskFailed` / `TaskTimedOut`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFailed {
    /// The service of the resource, as in [`TaskScheduled`].
    pub resource_type: String,
    /// The service action, as in [`TaskScheduled`].
    pub resource: String,
    /// The error name (`States.Timeout` or `States.HeartbeatTimeout` for `TaskTimedOut`).
    pub error: String,
    /// The error's cause text.
    pub cause: String,
}

/// `LambdaFunctionScheduled`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaScheduled {
    /// The function's ARN, the `Resource` as written.
    pub resource: String,
    /// JSON text.
    pub input: Arc<str>,
    /// The task's resolved `TimeoutSeconds`, if it has one.
    pub timeout_in_seconds: Option<u64>,
    /// An activity's resolved `HeartbeatSeconds`, if it has one.
    pub heartbeat_in_seconds: Option<u64>,
    /// The role of the task's resolved `Credentials`, if it has them (`taskCredentials`).
    pub role_arn: Option<String>,
}

/// `taskCredentials`: the role a task assumes.
struct TaskCredentials<'a>(&'a str);

impl Serialize for TaskCredentials<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("roleArn", self.0)?;
        m.end()
    }
}

impl HistoryEvent {
    /// The state (or Map iteration) the event is about: the `name` of its details.
    pub fn state_name(&self) -> Option<&str> {
        match &self.details {
            EventDetails::StateEntered { name, .. }
            | EventDetails::StateExited { name, .. }
            | EventDetails::MapIteration { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The key AWS puts the details under for this event type.
    fn details_key(&self) -> Option<&'static str> {
        let t = self.event_type.as_ref();
        Some(match &self.details {
            EventDetails::None => return None,
            EventDetails::ExecutionStarted { .. } => "executionStartedEventDetails",
            EventDetails::ExecutionSucceeded { .. } => "executionSucceededEventDetails",
            EventDetails::ExecutionRedriven { .. } => "executionRedrivenEventDetails",
            EventDetails::Failed { .. } => match t {
                "ExecutionFailed" => "executionFailedEventDetails",
                "ExecutionTimedOut" => "executionTimedOutEventDetails",
                "ExecutionAborted" => "executionAbortedEventDetails",
                "LambdaFunctionFailed" => "lambdaFunctionFailedEventDetails",
                "LambdaFunctionTimedOut" => "lambdaFunctionTimedOutEventDetails",
                "LambdaFunctionScheduleFailed" => "lambdaFunctionScheduleFailedEventDetails",
                "MapIterationFailed" => "mapIterationFailedEventDetails",
                "ActivityFailed" => "activityFailedEventDetails",
                "ActivityTimedOut" => "activityTimedOutEventDetails",
                "MapRunFailed" => "mapRunFailedEventDetails",
                _ => "evaluationFailedEventDetails",
            },
            EventDetails::EvaluationFailed { .. } => "evaluationFailedEventDetails",
            EventDetails::ActivityStarted { .. } => "activityStartedEventDetails",
            EventDetails::StateEntered { .. } => "stateEnteredEventDetails",
            EventDetails::StateExited { .. } => "stateExitedEventDetails",
            EventDetails::TaskScheduled(_) => "taskScheduledEventDetails",
            EventDetails::TaskStarted { .. } => "taskStartedEventDetails",
            EventDetails::TaskSubmitted(_) => "taskSubmittedEventDetails",
            EventDetails::TaskSucceeded(_) => "taskSucceededEventDetails",
            EventDetails::TaskFailed(_) => match t {
                "TaskTimedOut" => "taskTimedOutEventDetails",
                _ => "taskFailedEventDetails",
            },
            EventDetails::LambdaScheduled(_) => match t {
                "ActivityScheduled" => "activityScheduledEventDetails",
                _ => "lambdaFunctionScheduledEventDetails",
            },
            EventDetails::LambdaSucceeded { .. } => match t {
                "ActivitySucceeded" => "activitySucceededEventDetails",
                _ => "lambdaFunctionSucceededEventDetails",
            },
            EventDetails::MapStateStarted { .. } => "mapStateStartedEventDetails",
            EventDetails::MapRunStarted { .. } => "mapRunStartedEventDetails",
            EventDetails::MapIteration { .. } => match t {
                "MapIterationStarted" => "mapIterationStartedEventDetails",
                "MapIterationSucceeded" => "mapIterationSucceededEventDetails",
                "MapIterationFailed" => "mapIterationFailedEventDetails",
                _ => "mapIterationAbortedEventDetails",
            },
        })
    }
}

/// A payload's JSON text, as the history keeps it. Written into a buffer kept per
/// thread, so each text costs one allocation of its exact size.
pub(crate) fn payload_text(v: &Value) -> Arc<str> {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            crate::json_text::write_value(&mut buffer, v);
            Arc::from(buffer.as_str())
        }
        // Only reachable if writing re-entered itself; a fresh buffer does.
        Err(_) => {
            let mut text = String::new();
            crate::json_text::write_value(&mut text, v);
            Arc::from(text)
        }
    })
}

/// Serializes `{"truncated": false}` for the `inputDetails` / `outputDetails` fields.
struct NotTruncated;
impl Serialize for NotTruncated {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("truncated", &false)?;
        m.end()
    }
}

/// An event's details; without `data`, the payloads (`input`, `output`, `parameters`)
/// are left out and everything else stays.
struct Details<'a> {
    details: &'a EventDetails,
    data: bool,
}

/// Writes a payload entry only when the details carry execution data.
/// `assignedVariables`: each name with its value's JSON text.
struct AssignedVariables<'a>(&'a [(String, String)]);

impl Serialize for AssignedVariables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, text) in self.0 {
            m.serialize_entry(name, text)?;
        }
        m.end()
    }
}

fn payload<M: SerializeMap>(m: &mut M, data: bool, key: &str, text: &str) -> Result<(), M::Error> {
    if data {
        m.serialize_entry(key, text)?;
    }
    Ok(())
}

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let data = self.data;
        let mut m = s.serialize_map(None)?;
        match self.details {
            EventDetails::None => {}
            EventDetails::ExecutionStarted { input, role_arn } => {
                payload(&mut m, data, "input", input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                m.serialize_entry("roleArn", role_arn)?;
            }
            EventDetails::ExecutionSucceeded { output } => {
                payload(&mut m, data, "output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::ExecutionRedriven { redrive_count } => {
                m.serialize_entry("redriveCount", redrive_count)?;
            }
            EventDetails::LambdaSucceeded { output } => {
                payload(&mut m, data, "output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            // An empty error or cause is left out (recorded on AWS: a Fail state
            // without Error and Cause gives `executionFailedEventDetails: {}`).
            EventDetails::Failed { error, cause } => {
                if !error.is_empty() {
                    m.serialize_entry("error", error)?;
                }
                if !cause.is_empty() {
                    m.serialize_entry("cause", cause)?;
                }
            }
            EventDetails::EvaluationFailed {
                error,
                cause,
                location,
                state,
            } => {
                m.serialize_entry("error", error)?;
                m.serialize_entry("cause", cause)?;
                if let Some(location) = location {
                    m.serialize_entry("location", location)?;
                }
                m.serialize_entry("state", &**state)?;
            }
            EventDetails::ActivityStarted { worker_name } => {
                if let Some(name) = worker_name {
                    m.serialize_entry("workerName", name)?;
                }
            }
            EventDetails::StateEntered { name, input } => {
                m.serialize_entry("name", &**name)?;
                payload(&mut m, data, "input", input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
            }
            EventDetails::StateExited {
                name,
                output,
                assigned,
            } => {
                if let (Some(assigned), true) = (assigned, data) {
                    m.serialize_entry("assignedVariables", &AssignedVariables(assigned))?;
                    m.serialize_entry("assignedVariablesDetails", &NotTruncated)?;
                }
                m.serialize_entry("name", &**name)?;
                payload(&mut m, data, "output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::TaskScheduled(d) => {
                m.serialize_entry("resourceType", &d.resource_type)?;
                m.serialize_entry("resource", &d.resource)?;
                m.serialize_entry("region", &d.region)?;
                payload(&mut m, data, "parameters", &d.parameters)?;
                if let Some(t) = d.timeout_in_seconds {
                    m.serialize_entry("timeoutInSeconds", &t)?;
                }
                if let Some(h) = d.heartbeat_in_seconds {
                    m.serialize_entry("heartbeatInSeconds", &h)?;
                }
                if let Some(role) = &d.role_arn {
                    m.serialize_entry("taskCredentials", &TaskCredentials(role))?;
                }
            }
            EventDetails::TaskStarted {
                resource_type,
                resource,
            } => {
                m.serialize_entry("resourceType", resource_type)?;
                m.serialize_entry("resource", resource)?;
            }
            EventDetails::TaskSubmitted(d) | EventDetails::TaskSucceeded(d) => {
                m.serialize_entry("resourceType", &d.resource_type)?;
                m.serialize_entry("resource", &d.resource)?;
                payload(&mut m, data, "output", &d.output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::TaskFailed(d) => {
                m.serialize_entry("resourceType", &d.resource_type)?;
                m.serialize_entry("resource", &d.resource)?;
                m.serialize_entry("error", &d.error)?;
                m.serialize_entry("cause", &d.cause)?;
            }
            EventDetails::LambdaScheduled(d) => {
                m.serialize_entry("resource", &d.resource)?;
                payload(&mut m, data, "input", &d.input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                if let Some(t) = d.timeout_in_seconds {
                    m.serialize_entry("timeoutInSeconds", &t)?;
                }
                if let Some(h) = d.heartbeat_in_seconds {
                    m.serialize_entry("heartbeatInSeconds", &h)?;
                }
                if let Some(role) = &d.role_arn {
                    m.serialize_entry("taskCredentials", &TaskCredentials(role))?;
                }
            }
            EventDetails::MapStateStarted { length } => {
                m.serialize_entry("length", length)?;
            }
            EventDetails::MapRunStarted { map_run_arn } => {
                m.serialize_entry("mapRunArn", map_run_arn)?;
            }
            EventDetails::MapIteration { name, index } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("index", index)?;
            }
        }
        m.end()
    }
}

impl HistoryEvent {
    /// The event as a state machine whose logging excludes execution data
    /// (`IncludeExecutionData: false`) writes it: the same shape without the payloads
    /// (`input`, `output`, `parameters`), which are the data an execution carries.
    pub fn without_data(&self) -> impl Serialize + '_ {
        EventView {
            event: self,
            data: false,
        }
    }

    fn serialize_with<S: Serializer>(&self, s: S, data: bool) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("timestamp", &format_timestamp(self.timestamp))?;
        m.serialize_entry("type", &self.event_type)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("previousEventId", &self.previous_event_id)?;
        if let Some(key) = self.details_key() {
            m.serialize_entry(
                key,
                &Details {
                    details: &self.details,
                    data,
                },
            )?;
        }
        m.end()
    }
}

/// An event serialized with or without its execution data.
struct EventView<'a> {
    event: &'a HistoryEvent,
    data: bool,
}

impl Serialize for EventView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.event.serialize_with(s, self.data)
    }
}

impl Serialize for HistoryEvent {
    /// The shape of GetExecutionHistory's events (timestamps as RFC 3339 text; the wire
    /// layer may turn them into epoch seconds).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_with(s, true)
    }
}

#[derive(Debug, Default)]
struct Log {
    next_id: u64,
    events: Vec<HistoryEvent>,
}

/// A view of an execution's history while it runs: pass one in
/// [`ExecutionOptions::live_history`](crate::ExecutionOptions) and read it from another
/// task (GetExecutionHistory on a running execution).
#[derive(Debug, Clone, Default)]
pub struct LiveHistory {
    log: Arc<Mutex<Log>>,
}

impl LiveHistory {
    /// An empty history; hand a clone to the execution and keep one to read.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events recorded so far, in order.
    pub fn snapshot(&self) -> Vec<HistoryEvent> {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .clone()
    }

    /// Reads the events recorded after the first `from`, in order, without copying them:
    /// a reader that follows a running execution looks only at what is new. The history
    /// waits for `read` to finish.
    pub fn read_since<R>(&self, from: usize, read: impl FnOnce(&[HistoryEvent]) -> R) -> R {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        read(log.events.get(from..).unwrap_or_default())
    }

    /// How many events have been recorded so far.
    pub fn len(&self) -> usize {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .len()
    }

    /// Whether no event has been recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The event log of one execution, shared by its concurrent branches. Ids are given
/// under the same lock as the append, so the log is always in id order.
#[derive(Debug)]
pub(crate) struct Recorder {
    enabled: bool,
    live: bool,
    log: Arc<Mutex<Log>>,
}

impl Recorder {
    pub(crate) fn new(enabled: bool, live: Option<LiveHistory>) -> Self {
        Self {
            enabled,
            live: live.is_some(),
            log: live.map(|l| l.log).unwrap_or_default(),
        }
    }

    /// A recorder that continues `prior`, the history of an earlier run (a redrive's).
    pub(crate) fn continuing(
        enabled: bool,
        live: Option<LiveHistory>,
        prior: Vec<HistoryEvent>,
    ) -> Self {
        let recorder = Self::new(enabled, live);
        {
            let mut log = recorder.log.lock().unwrap_or_else(|p| p.into_inner());
            log.next_id = prior.last().map_or(0, |e| e.id);
            log.events = prior;
        }
        recorder
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Appends an event and returns its id. Ids count up even when recording is off, so
    /// error texts that cite an event id stay the same.
    pub(crate) fn record(
        &self,
        timestamp: OffsetDateTime,
        event_type: impl Into<Cow<'static, str>>,
        details: EventDetails,
    ) -> u64 {
        self.record_in(None, timestamp, event_type, details)
    }

    /// [`Recorder::record`] for an event of `state`'s run.
    pub(crate) fn record_in(
        &self,
        state: Option<Arc<str>>,
        timestamp: OffsetDateTime,
        event_type: impl Into<Cow<'static, str>>,
        details: EventDetails,
    ) -> u64 {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.next_id += 1;
        let id = log.next_id;
        if self.enabled {
            log.events.push(HistoryEvent {
                id,
                previous_event_id: id - 1,
                timestamp,
                event_type: event_type.into(),
                details,
                state,
            });
        }
        id
    }

    /// The whole history; a live view keeps its copy.
    pub(crate) fn take(&self) -> Vec<HistoryEvent> {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if self.live {
            log.events.clone()
        } else {
            std::mem::take(&mut log.events)
        }
    }
}
