//! Step Functions (`AWSStepFunctions.*`, JSON 1.0): executions, their history, the state
//! machines of the template, and the task-token callbacks.

use super::limits;
use super::wire::{ApiError, Input, epoch_ms, epoch_seconds, page};
use crate::runtime::CloudInner;
use crate::runtime::sfn::{ExecutionEntry, SfnError};
use crate::template::StateMachineType;
use orderly_states::CallbackError;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The `__type` namespace Step Functions answers errors with.
const NAMESPACE: &str = "com.amazonaws.swf.service.v2.model";

/// Serves one Step Functions operation (StartExecution, DescribeExecution, SendTaskSuccess
/// …); any other is an unknown operation.
pub async fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    limits::check(input, limits::sfn::members(operation))
        .map_err(|e| e.with_namespace(NAMESPACE))?;
    match operation {
        "StartExecution" => start_execution(cloud, input),
        "StartSyncExecution" => start_sync_execution(cloud, input).await,
        "DescribeExecution" => {
            let arn = input.required_str("executionArn")?;
            Ok(describe(&execution(cloud, arn)?, cloud.clock.now_ms()))
        }
        "StopExecution" => {
            let arn = input.required_str("executionArn")?;
            check_execution_arn(arn)?;
            let reason = orderly_states::StopReason {
                error: input.str("error")?.map(str::to_owned),
                cause: input.str("cause")?.map(str::to_owned),
            };
            let stop_ms = cloud.stop_execution(arn, reason).map_err(sfn_error)?;
            Ok(json!({"stopDate": epoch_ms(stop_ms)}))
        }
        "RedriveExecution" => {
            let arn = input.required_str("executionArn")?;
            check_execution_arn(arn)?;
            let token = input.str("clientToken")?;
            let at = cloud.redrive_execution(arn, token).map_err(sfn_error)?;
            Ok(json!({"redriveDate": epoch_ms(at)}))
        }
        "ListExecutions" => list_executions(cloud, input),
        "GetExecutionHistory" => history(cloud, input),
        "ListStateMachines" => list_state_machines(cloud, input, started_ms),
        "DescribeStateMachine" => describe_state_machine(cloud, input, started_ms),
        "SendTaskSuccess" => {
            let token = input.required_str("taskToken")?;
            // `output` is required (checked above): no default.
            let output = json_member(input, "output", "InvalidOutput")?;
            callback(cloud.sfn.tokens.send_task_success(token, output))
        }
        "SendTaskFailure" => {
            let token = input.required_str("taskToken")?;
            let error = input.str("error")?.unwrap_or_default();
            let cause = input.str("cause")?.unwrap_or_default();
            callback(cloud.sfn.tokens.send_task_failure(token, error, cause))
        }
        "SendTaskHeartbeat" => {
            let token = input.required_str("taskToken")?;
            callback(cloud.sfn.tokens.send_task_heartbeat(token))
        }
        _ => Err(ApiError::unknown_operation(&format!(
            "AWSStepFunctions.{operation}"
        ))),
    }
}

fn sfn_error(e: SfnError) -> ApiError {
    ApiError::new(e.code(), e.to_string()).with_namespace(NAMESPACE)
}

fn callback(result: Result<(), CallbackError>) -> Result<Value, ApiError> {
    result.map(|()| json!({})).map_err(|e| {
        let code = match e {
            CallbackError::InvalidToken => "InvalidToken",
            CallbackError::TaskDoesNotExist => "TaskDoesNotExist",
        };
        ApiError::new(code, e.to_string()).with_namespace(NAMESPACE)
    })
}

/// A member carrying JSON text (`input`, `output`); `{}` when absent.
fn json_member(input: &Input, key: &str, code: &str) -> Result<Value, ApiError> {
    let Some(text) = input.str(key)? else {
        return Ok(json!({}));
    };
    crate::document::parse(text, crate::document::MAX_EVENT_DEPTH).map_err(|e| {
        ApiError::new(code, format!("Invalid {key} JSON: {e}")).with_namespace(NAMESPACE)
    })
}

/// The execution name a start request gives, if any: its length is a model constraint
/// (checked with the others); its characters answer `InvalidName`, as Step Functions does.
fn execution_name(input: &Input) -> Result<Option<String>, ApiError> {
    let Some(name) = input.str("name")? else {
        return Ok(None);
    };
    if !limits::sfn::valid_execution_name(name) {
        return Err(
            ApiError::new("InvalidName", format!("Invalid Name: '{name}'"))
                .with_namespace(NAMESPACE),
        );
    }
    Ok(Some(name.to_owned()))
}

fn check_arn(arn: &str) -> Result<(), ApiError> {
    if arn.starts_with("arn:") {
        Ok(())
    } else {
        Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'")).with_namespace(NAMESPACE))
    }
}

/// An execution ARN the execution operations accept. An Express execution's ARN (resource
/// type `express`) is refused as AWS refuses it: DescribeExecution, GetExecutionHistory and
/// StopExecution do not serve Express executions, whose history is in their log group.
fn check_execution_arn(arn: &str) -> Result<(), ApiError> {
    check_arn(arn)?;
    if crate::runtime::express::is_execution_arn(arn) {
        return Err(ApiError::new(
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
        )
        .with_namespace(NAMESPACE));
    }
    Ok(())
}

/// The error AWS answers an operation an Express (or, for StartSyncExecution, a Standard)
/// machine does not serve.
fn type_not_supported() -> ApiError {
    ApiError::new(
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    )
    .with_namespace(NAMESPACE)
}

fn execution(cloud: &CloudInner, arn: &str) -> Result<ExecutionEntry, ApiError> {
    check_execution_arn(arn)?;
    cloud.execution(arn).map_err(sfn_error)
}

fn start_execution(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let machine = input.required_str("stateMachineArn")?;
    check_arn(machine)?;
    let payload = json_member(input, "input", "InvalidExecutionInput")?;
    let name = execution_name(input)?;
    let arn = cloud
        .start_execution(machine, payload, name)
        .map_err(sfn_error)?;
    // Read in place: an Express execution's ARN is not one DescribeExecution serves.
    let entry = cloud.execution(&arn).map_err(sfn_error)?;
    Ok(json!({"executionArn": arn, "startDate": epoch_ms(entry.start_ms)}))
}

/// StartSyncExecution: Express machines only, as on AWS; answers once the run has ended.
async fn start_sync_execution(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let machine = input.required_str("stateMachineArn")?;
    check_arn(machine)?;
    let model = cloud
        .sfn
        .machines
        .get(machine)
        .ok_or_else(|| sfn_error(SfnError::StateMachineDoesNotExist(machine.to_owned())))?;
    if model.model.kind != StateMachineType::Express {
        return Err(type_not_supported());
    }
    let payload = json_member(input, "input", "InvalidExecutionInput")?;
    let name = execution_name(input)?;
    let ended = cloud
        .run_sync_execution(machine, payload, name)
        .await
        .map_err(sfn_error)?;
    let Some(execution) = &ended else {
        return Err(
            ApiError::new("InternalError", "the execution did not end").with_namespace(NAMESPACE)
        );
    };
    Ok(sync_answer(
        execution,
        &model.model.definition,
        input.str("traceHeader")?,
    ))
}

/// StartSyncExecution's answer: the members its reference lists, and no others.
fn sync_answer(
    execution: &orderly_states::Execution,
    definition: &str,
    trace_header: Option<&str>,
) -> Value {
    let mut out = Map::new();
    out.insert("executionArn".into(), json!(execution.execution_arn));
    out.insert("stateMachineArn".into(), json!(execution.state_machine_arn));
    out.insert("name".into(), json!(execution.name));
    out.insert("startDate".into(), epoch_seconds(execution.start_date));
    out.insert("stopDate".into(), epoch_seconds(execution.stop_date));
    out.insert("status".into(), json!(execution.status.as_str()));
    out.insert("input".into(), json!(execution.input.to_string()));
    out.insert("inputDetails".into(), json!({"included": true}));
    if let Some(output) = &execution.output {
        out.insert("output".into(), json!(output.to_string()));
        out.insert("outputDetails".into(), json!({"included": true}));
    }
    if let Some(error) = &execution.error {
        out.insert("error".into(), json!(error));
    }
    if let Some(cause) = &execution.cause {
        out.insert("cause".into(), json!(cause));
    }
    let duration_ms = (execution.stop_date - execution.start_date).whole_milliseconds();
    out.insert(
        "billingDetails".into(),
        crate::runtime::express::billing_details(
            i64::try_from(duration_ms).unwrap_or(i64::MAX),
            definition,
            &execution.input,
            execution.output.as_ref(),
        ),
    );
    if let Some(header) = trace_header {
        out.insert("traceHeader".into(), json!(header));
    }
    Value::Object(out)
}

/// DescribeExecution's answer, dates as epoch seconds.
fn describe(entry: &ExecutionEntry, now_ms: i64) -> Value {
    let mut out = entry.describe();
    if let Some(map) = out.as_object_mut() {
        match &entry.result {
            Some(execution) => {
                map.insert("startDate".into(), epoch_seconds(execution.start_date));
                map.insert("stopDate".into(), epoch_seconds(execution.stop_date));
                if let Some(at) = execution.redrive_date {
                    map.insert("redriveDate".into(), epoch_seconds(at));
                }
            }
            None => {
                map.insert("startDate".into(), epoch_ms(entry.start_ms));
                if let Some(at) = entry.redrive_date_ms {
                    map.insert("redriveDate".into(), epoch_ms(at));
                }
            }
        }
        match crate::runtime::sfn::redrivable(entry, now_ms) {
            Ok(()) => {
                map.insert("redriveStatus".into(), json!("REDRIVABLE"));
            }
            Err(reason) => {
                map.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
                map.insert("redriveStatusReason".into(), json!(reason));
            }
        }
    }
    out
}

fn summary(entry: &ExecutionEntry) -> Value {
    let mut out = Map::new();
    out.insert("executionArn".into(), json!(entry.arn));
    out.insert("stateMachineArn".into(), json!(entry.machine_arn));
    out.insert("name".into(), json!(entry.name));
    out.insert("status".into(), json!(entry.status()));
    out.insert("startDate".into(), epoch_ms(entry.start_ms));
    if let Some(execution) = &entry.result {
        out.insert("stopDate".into(), epoch_seconds(execution.stop_date));
    }
    if entry.redrive_count > 0 {
        out.insert("redriveCount".into(), json!(entry.redrive_count));
        if let Some(at) = entry.redrive_date_ms {
            out.insert("redriveDate".into(), epoch_ms(at));
        }
    }
    Value::Object(out)
}

fn list_executions(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let machine = input.required_str("stateMachineArn")?;
    check_arn(machine)?;
    if cloud
        .sfn
        .machines
        .get(machine)
        .is_some_and(|m| m.model.kind == StateMachineType::Express)
    {
        return Err(type_not_supported());
    }
    let status = input.str("statusFilter")?;
    // Its values are checked with the operation's other constraints (limits).
    let redriven = input.str("redriveFilter")?.map(|f| f == "REDRIVEN");
    let limit = input.int("maxResults", 0, 1000)?.filter(|&n| n > 0);
    // Newest first, as AWS lists them; only the page is read.
    let page = cloud
        .list_executions(
            machine,
            status,
            redriven,
            limit.unwrap_or(100) as usize,
            input.str("nextToken")?,
        )
        .map_err(sfn_error)?;
    let mut out = json!({"executions": page.items.iter().map(summary).collect::<Vec<_>>()});
    if let (Some(next), Some(map)) = (page.next_token, out.as_object_mut()) {
        map.insert("nextToken".into(), json!(next));
    }
    Ok(out)
}

fn history(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let arn = input.required_str("executionArn")?;
    check_execution_arn(arn)?;
    let limit = input.int("maxResults", 0, 1000)?.filter(|&n| n > 0);
    let include_data = input.bool("includeExecutionData")?.unwrap_or(true);
    let page = cloud
        .history_page(
            arn,
            input.bool("reverseOrder")?.unwrap_or(false),
            limit.unwrap_or(100) as usize,
            input.str("nextToken")?,
        )
        .map_err(sfn_error)?;
    let events: Vec<Value> = page
        .items
        .iter()
        .map(|event| {
            let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
            if let Some(map) = value.as_object_mut() {
                map.insert("timestamp".into(), epoch_seconds(event.timestamp));
                if !include_data {
                    strip_data(map);
                }
            }
            value
        })
        .collect();
    let mut out = json!({"events": events});
    if let (Some(next), Some(map)) = (page.next_token, out.as_object_mut()) {
        map.insert("nextToken".into(), json!(next));
    }
    Ok(out)
}

/// `includeExecutionData: false`: the events keep their shape without inputs and outputs.
fn strip_data(event: &mut Map<String, Value>) {
    for details in event.values_mut().filter_map(Value::as_object_mut) {
        for key in ["input", "output", "parameters"] {
            details.remove(key);
        }
    }
}

fn machine_type(kind: StateMachineType) -> &'static str {
    match kind {
        StateMachineType::Standard => "STANDARD",
        StateMachineType::Express => "EXPRESS",
    }
}

fn list_state_machines(
    cloud: &CloudInner,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    let limit = input.int("maxResults", 0, 1000)?.filter(|&n| n > 0);
    let mut machines: Vec<Value> = cloud
        .sfn
        .machines
        .values()
        .map(|m| {
            json!({
                "stateMachineArn": m.model.arn,
                "name": m.model.name,
                "type": machine_type(m.model.kind),
                "creationDate": epoch_ms(started_ms),
            })
        })
        .collect();
    machines.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let (machines, next) = page(
        &machines,
        input.str("nextToken")?,
        limit.unwrap_or(100) as usize,
    )?;
    let mut out = json!({"stateMachines": machines});
    if let (Some(next), Some(map)) = (next, out.as_object_mut()) {
        map.insert("nextToken".into(), json!(next));
    }
    Ok(out)
}

fn describe_state_machine(
    cloud: &CloudInner,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    let arn = input.required_str("stateMachineArn")?;
    check_arn(arn)?;
    let machine = cloud
        .sfn
        .machines
        .get(arn)
        .ok_or_else(|| sfn_error(SfnError::StateMachineDoesNotExist(arn.to_owned())))?;
    Ok(json!({
        "stateMachineArn": machine.model.arn,
        "name": machine.model.name,
        "status": "ACTIVE",
        "definition": machine.model.definition,
        "roleArn": machine.options.role_arn,
        "type": machine_type(machine.model.kind),
        "creationDate": epoch_ms(started_ms),
    }))
}
