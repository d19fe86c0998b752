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
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp: OffsetDateTime,
    /// AWS's event type, e.g. `PassStateEntered`, `TaskScheduled`, `MapIterationStarted`.
    pub event_type: Cow<'static, str>,
    pub details: EventDetails,
}

/// The details object of an event; serialized under the key AWS uses for the type.
#[derive(Debug, Clone, PartialEq)]
pub enum EventDetails {
    None,
    ExecutionStarted {
        /// JSON text.
        input: Arc<str>,
        role_arn: String,
    },
    ExecutionSucceeded {
        /// JSON text.
        output: Arc<str>,
    },
    Failed {
        error: String,
        cause: String,
    },
    StateEntered {
        name: Arc<str>,
        /// JSON text.
        input: Arc<str>,
    },
    StateExited {
        name: Arc<str>,
        /// JSON text.
        output: Arc<str>,
    },
    TaskScheduled(Box<TaskScheduled>),
    TaskStarted {
        resource_type: String,
        resource: String,
    },
    TaskSubmitted(Box<TaskOutput>),
    TaskSucceeded(Box<TaskOutput>),
    TaskFailed(Box<TaskFailed>),
    LambdaScheduled(Box<LambdaScheduled>),
    LambdaSucceeded {
        /// JSON text.
        output: Arc<str>,
    },
    MapStateStarted {
        length: usize,
    },
    MapIteration {
        name: Arc<str>,
        index: usize,
    },
}

// The details of task events are boxed: they are rare next to state events, and an
// event's size is that of its largest details.

/// `TaskScheduled`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskScheduled {
    pub resource_type: String,
    pub resource: String,
    pub region: String,
    /// JSON text.
    pub parameters: Arc<str>,
    pub timeout_in_seconds: Option<u64>,
    pub heartbeat_in_seconds: Option<u64>,
}

/// `TaskSubmitted` / `TaskSucceeded`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutput {
    pub resource_type: String,
    pub resource: String,
    /// JSON text.
    pub output: Arc<str>,
}

/// `TaskFailed` / `TaskTimedOut`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFailed {
    pub resource_type: String,
    pub resource: String,
    pub error: String,
    pub cause: String,
}

/// `LambdaFunctionScheduled`'s details.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaScheduled {
    pub resource: String,
    /// JSON text.
    pub input: Arc<str>,
    pub timeout_in_seconds: Option<u64>,
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
            EventDetails::Failed { .. } => match t {
                "ExecutionFailed" => "executionFailedEventDetails",
                "ExecutionTimedOut" => "executionTimedOutEventDetails",
                "ExecutionAborted" => "executionAbortedEventDetails",
                "LambdaFunctionFailed" => "lambdaFunctionFailedEventDetails",
                "LambdaFunctionTimedOut" => "lambdaFunctionTimedOutEventDetails",
                "LambdaFunctionScheduleFailed" => "lambdaFunctionScheduleFailedEventDetails",
                "MapIterationFailed" => "mapIterationFailedEventDetails",
                _ => "evaluationFailedEventDetails",
            },
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
            EventDetails::LambdaScheduled(_) => "lambdaFunctionScheduledEventDetails",
            EventDetails::LambdaSucceeded { .. } => "lambdaFunctionSucceededEventDetails",
            EventDetails::MapStateStarted { .. } => "mapStateStartedEventDetails",
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

struct Details<'a>(&'a EventDetails);

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.0 {
            EventDetails::None => {}
            EventDetails::ExecutionStarted { input, role_arn } => {
                m.serialize_entry("input", &**input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                m.serialize_entry("roleArn", role_arn)?;
            }
            EventDetails::ExecutionSucceeded { output } => {
                m.serialize_entry("output", &**output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::LambdaSucceeded { output } => {
                m.serialize_entry("output", &**output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::Failed { error, cause } => {
                m.serialize_entry("error", error)?;
                m.serialize_entry("cause", cause)?;
            }
            EventDetails::StateEntered { name, input } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("input", &**input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
            }
            EventDetails::StateExited { name, output } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("output", &**output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            EventDetails::TaskScheduled(d) => {
                m.serialize_entry("resourceType", &d.resource_type)?;
                m.serialize_entry("resource", &d.resource)?;
                m.serialize_entry("region", &d.region)?;
                m.serialize_entry("parameters", &*d.parameters)?;
                if let Some(t) = d.timeout_in_seconds {
                    m.serialize_entry("timeoutInSeconds", &t)?;
                }
                if let Some(h) = d.heartbeat_in_seconds {
                    m.serialize_entry("heartbeatInSeconds", &h)?;
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
                m.serialize_entry("output", &*d.output)?;
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
                m.serialize_entry("input", &*d.input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                if let Some(t) = d.timeout_in_seconds {
                    m.serialize_entry("timeoutInSeconds", &t)?;
                }
            }
            EventDetails::MapStateStarted { length } => {
                m.serialize_entry("length", length)?;
            }
            EventDetails::MapIteration { name, index } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("index", index)?;
            }
        }
        m.end()
    }
}

impl Serialize for HistoryEvent {
    /// The shape of GetExecutionHistory's events (timestamps as RFC 3339 text; the wire
    /// layer may turn them into epoch seconds).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("timestamp", &format_timestamp(self.timestamp))?;
        m.serialize_entry("type", &self.event_type)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("previousEventId", &self.previous_event_id)?;
        if let Some(key) = self.details_key() {
            m.serialize_entry(key, &Details(&self.details))?;
        }
        m.end()
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

    pub fn len(&self) -> usize {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .len()
    }

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
