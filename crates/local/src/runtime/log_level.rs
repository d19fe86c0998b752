//! Which events of an execution's history reach its log group: the state machine's
//! `Logging.Level`, as the Step Functions guide ("Log levels") defines them. `ALL` logs
//! every event; `ERROR` the events of errors, aborts and timeouts; `FATAL` only how a
//! failed execution ended; `OFF` nothing. A machine without `Logging` logs every event to
//! `/aws/vendedlogs/states/<name>`: AWS would log nothing, but the local cloud keeps the
//! history readable (`orderly logs`) where no other record of an Express run exists.

/// A state machine's `Logging.Level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Every event.
    All,
    /// Errors, aborts and timeouts of states, tasks and the execution.
    Error,
    /// The end of an execution that failed, was aborted or timed out.
    Fatal,
    /// Nothing.
    Off,
}

/// The events `ERROR` logs besides those of `FATAL`.
const ERROR_EVENTS: &[&str] = &[
    "ActivityFailed",
    "ActivityScheduleFailed",
    "ActivityTimedOut",
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapRunAborted",
    "MapRunFailed",
    "MapStateAborted",
    "MapStateFailed",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "TaskFailed",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskSubmitFailed",
    "TaskTimedOut",
    "WaitStateAborted",
];

/// The events `FATAL` logs.
const FATAL_EVENTS: &[&str] = &["ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"];

impl LogLevel {
    /// The level of a template's `Logging.Level`; no `Logging` logs everything (above).
    pub fn of(level: Option<&str>) -> Self {
        match level {
            Some("ERROR") => Self::Error,
            Some("FATAL") => Self::Fatal,
            Some("OFF") => Self::Off,
            _ => Self::All,
        }
    }

    /// Whether an event of `event_type` is logged at this level.
    pub fn logs(self, event_type: &str) -> bool {
        match self {
            Self::All => true,
            Self::Error => FATAL_EVENTS.contains(&event_type) || ERROR_EVENTS.contains(&event_type),
            Self::Fatal => FATAL_EVENTS.contains(&event_type),
            Self::Off => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_logs_what_the_guide_says() {
        let events = [
            "ExecutionStarted",
            "TaskFailed",
            "ExecutionFailed",
            "PassStateEntered",
        ];
        let logged = |level: LogLevel| -> Vec<&str> {
            events.iter().copied().filter(|e| level.logs(e)).collect()
        };
        assert_eq!(logged(LogLevel::All), events);
        assert_eq!(logged(LogLevel::Error), ["TaskFailed", "ExecutionFailed"]);
        assert_eq!(logged(LogLevel::Fatal), ["ExecutionFailed"]);
        assert!(logged(LogLevel::Off).is_empty());
        assert_eq!(LogLevel::of(None), LogLevel::All);
        assert_eq!(LogLevel::of(Some("ERROR")), LogLevel::Error);
    }
}
