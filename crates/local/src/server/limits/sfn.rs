//! Step Functions' request constraints (API reference, `states-2016-11-23`), per operation,
//! and the execution-name rule that answers `InvalidName` rather than a validation error.

use super::{Check, Member};

/// `Arn`.
const ARN: &[Check] = &[Check::Length(1, 256)];
/// `LongArn`: state machine ARNs that may name a version or an alias.
const LONG_ARN: &[Check] = &[Check::Length(1, 2048)];
/// `PageToken`.
const PAGE_TOKEN: &[Check] = &[Check::Length(1, 3096)];
/// `PageSize`.
const PAGE_SIZE: &[Check] = &[Check::Range(0, 1000)];
/// `SensitiveData`: "Length constraints apply to the payload size, and are expressed as
/// bytes in UTF-8 encoding."
const SENSITIVE_DATA: &[Check] = &[Check::Bytes(0, 262_144)];
/// `TaskToken`.
const TASK_TOKEN: &[Check] = &[Check::Length(1, 2048)];
/// `IncludedData`.
const INCLUDED_DATA: &[Check] = &[Check::Enum(&["ALL_DATA", "METADATA_ONLY"])];
/// `TraceHeader`.
const TRACE_HEADER: &[Check] = &[Check::Length(0, 256), Check::Pattern(r"\p{ASCII}*")];

/// `ExecutionStatus`, in the reference's order.
pub const EXECUTION_STATUS: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
    "PENDING_REDRIVE",
];

const START_EXECUTION: &[Member] = &[
    Member::new("stateMachineArn", "stateMachineArn", ARN).required(),
    Member::new("name", "name", &[Check::Length(1, 80)]),
    Member::new("input", "input", SENSITIVE_DATA).sensitive(),
    Member::new("traceHeader", "traceHeader", TRACE_HEADER),
];

const START_SYNC_EXECUTION: &[Member] = &[
    Member::new("stateMachineArn", "stateMachineArn", ARN).required(),
    Member::new("name", "name", &[Check::Length(1, 80)]),
    Member::new("input", "input", SENSITIVE_DATA).sensitive(),
    Member::new("traceHeader", "traceHeader", TRACE_HEADER),
    Member::new("includedData", "includedData", INCLUDED_DATA),
];

const DESCRIBE_EXECUTION: &[Member] = &[
    Member::new("executionArn", "executionArn", ARN).required(),
    Member::new("includedData", "includedData", INCLUDED_DATA),
];

const LIST_EXECUTIONS: &[Member] = &[
    Member::new("stateMachineArn", "stateMachineArn", ARN),
    Member::new(
        "statusFilter",
        "statusFilter",
        &[Check::Enum(EXECUTION_STATUS)],
    ),
    Member::new("maxResults", "maxResults", PAGE_SIZE),
    Member::new("nextToken", "nextToken", PAGE_TOKEN),
    Member::new("mapRunArn", "mapRunArn", &[Check::Length(1, 2000)]),
    Member::new(
        "redriveFilter",
        "redriveFilter",
        &[Check::Enum(&["REDRIVEN", "NOT_REDRIVEN"])],
    ),
];

const STOP_EXECUTION: &[Member] = &[
    Member::new("executionArn", "executionArn", ARN).required(),
    Member::new("error", "error", &[Check::Length(0, 256)]).sensitive(),
    Member::new("cause", "cause", &[Check::Length(0, 32_768)]).sensitive(),
];

const REDRIVE_EXECUTION: &[Member] = &[
    Member::new("executionArn", "executionArn", ARN).required(),
    Member::new(
        "clientToken",
        "clientToken",
        &[Check::Length(1, 64), Check::Pattern(r"[!-~]+")],
    ),
];

const GET_EXECUTION_HISTORY: &[Member] = &[
    Member::new("executionArn", "executionArn", ARN).required(),
    Member::new("maxResults", "maxResults", PAGE_SIZE),
    Member::new("nextToken", "nextToken", PAGE_TOKEN),
];

const LIST_STATE_MACHINES: &[Member] = &[
    Member::new("maxResults", "maxResults", PAGE_SIZE),
    Member::new("nextToken", "nextToken", PAGE_TOKEN),
];

const DESCRIBE_STATE_MACHINE: &[Member] = &[
    Member::new("stateMachineArn", "stateMachineArn", LONG_ARN).required(),
    Member::new("includedData", "includedData", INCLUDED_DATA),
];

const SEND_TASK_SUCCESS: &[Member] = &[
    Member::new("taskToken", "taskToken", TASK_TOKEN).required(),
    Member::new("output", "output", SENSITIVE_DATA)
        .required()
        .sensitive(),
];

const SEND_TASK_FAILURE: &[Member] = &[
    Member::new("taskToken", "taskToken", TASK_TOKEN).required(),
    Member::new("error", "error", &[Check::Length(0, 256)]).sensitive(),
    Member::new("cause", "cause", &[Check::Length(0, 32_768)]).sensitive(),
];

const SEND_TASK_HEARTBEAT: &[Member] =
    &[Member::new("taskToken", "taskToken", TASK_TOKEN).required()];

/// The members of `operation`, or none for an operation this table does not know.
pub fn members(operation: &str) -> &'static [Member] {
    match operation {
        "StartExecution" => START_EXECUTION,
        "StartSyncExecution" => START_SYNC_EXECUTION,
        "DescribeExecution" => DESCRIBE_EXECUTION,
        "ListExecutions" => LIST_EXECUTIONS,
        "StopExecution" => STOP_EXECUTION,
        "RedriveExecution" => REDRIVE_EXECUTION,
        "GetExecutionHistory" => GET_EXECUTION_HISTORY,
        "ListStateMachines" => LIST_STATE_MACHINES,
        "DescribeStateMachine" => DESCRIBE_STATE_MACHINE,
        "SendTaskSuccess" => SEND_TASK_SUCCESS,
        "SendTaskFailure" => SEND_TASK_FAILURE,
        "SendTaskHeartbeat" => SEND_TASK_HEARTBEAT,
        _ => &[],
    }
}

/// Whether an execution name (already 1 to 80 characters) avoids what StartExecution's
/// reference says a name must not contain: white space; brackets `< > { } [ ]`; wildcard
/// characters `? *`; special characters `" # % \ ^ | ~ ` $ & , ; : /`; control characters
/// (U+0000-001F, U+007F-009F).
pub fn valid_execution_name(name: &str) -> bool {
    !name.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>'
                    | '{'
                    | '}'
                    | '['
                    | ']'
                    | '?'
                    | '*'
                    | '"'
                    | '#'
                    | '%'
                    | '\\'
                    | '^'
                    | '|'
                    | '~'
                    | '`'
                    | '$'
                    | '&'
                    | ','
                    | ';'
                    | ':'
                    | '/'
            )
    })
}
