//! What makes an Express workflow: the integrations its definition may use, its five-minute
//! limit, the form of its execution ARNs, and how StartSyncExecution bills a run.

use serde_json::{Map, Value};

/// An Express execution runs for five minutes at most ("Choosing workflow type"); one
/// still running then ends TIMED_OUT.
pub const MAX_DURATION_SECONDS: u64 = 300;

/// Express duration is billed in 100 ms increments, rounded up.
const BILLED_DURATION_STEP_MS: u64 = 100;

/// Express memory is billed in 64 MB chunks.
const BILLED_MEMORY_STEP_MB: u64 = 64;

/// The first Task of an Express definition that uses an integration pattern or resource
/// Express workflows do not support (`.sync`, `.sync:2`, `.waitForTaskToken`, an
/// Activity), as CreateStateMachine words its `InvalidDefinition` message: the state is
/// named by its path in the definition (`/States/Publish/Resource`, or inside a Parallel
/// branch `/States/Fan/Branches/0/States/Publish/Resource`).
pub fn unsupported_integration(definition: &Value) -> Option<String> {
    let problem = first_problem(definition, "")?;
    Some(format!(
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {problem}'"
    ))
}

fn first_problem(branch: &Value, prefix: &str) -> Option<String> {
    let states = branch.get("States").and_then(Value::as_object)?;
    states.iter().find_map(|(name, state)| {
        let at = format!("{prefix}/States/{name}");
        state_problem(state, &at)
    })
}

fn state_problem(state: &Value, at: &str) -> Option<String> {
    match state.get("Type").and_then(Value::as_str) {
        Some("Task") => {
            let resource = state.get("Resource").and_then(Value::as_str)?;
            resource_problem(resource).map(|what| format!("{what} at {at}/Resource"))
        }
        Some("Parallel") => state
            .get("Branches")
            .and_then(Value::as_array)?
            .iter()
            .enumerate()
            .find_map(|(i, branch)| first_problem(branch, &format!("{at}/Branches/{i}"))),
        Some("Map") => ["ItemProcessor", "Iterator"].iter().find_map(|key| {
            state
                .get(*key)
                .and_then(|branch| first_problem(branch, &format!("{at}/{key}")))
        }),
        _ => None,
    }
}

/// What Express refuses of a resource, in CreateStateMachine's words (the two spaces after
/// `.waitForTaskToken`'s message are AWS's own).
fn resource_problem(resource: &str) -> Option<String> {
    let mut parts = resource.split(':');
    if parts.nth(2) == Some("states") && parts.nth(2) == Some("activity") {
        return Some("Express state machine does not support Activity ARN".to_owned());
    }
    if resource.ends_with(".waitForTaskToken") {
        return Some(
            "Express state machine does not support '.waitForTaskToken' service integration "
                .to_owned(),
        );
    }
    let suffix = [".sync:2", ".sync"]
        .into_iter()
        .find(|s| resource.ends_with(s))?;
    Some(format!(
        "Express state machine does not support '{suffix}' service integration"
    ))
}

/// The ARN of an Express execution: `arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:ID`.
/// The id makes each run's ARN its own: Express names need not be unique.
pub fn execution_arn(region: &str, account: &str, machine: &str, name: &str, id: &str) -> String {
    format!("arn:aws:states:{region}:{account}:express:{machine}:{name}:{id}")
}

/// Whether an ARN names an Express execution (its resource type is `express`), which
/// DescribeExecution, GetExecutionHistory and StopExecution refuse.
pub fn is_execution_arn(arn: &str) -> bool {
    arn.split(':').nth(5) == Some("express")
}

/// StartSyncExecution's `billingDetails`: the duration rounded up to the next 100 ms, and
/// the memory the run held rounded up to the next 64 MB chunk. The memory is what the
/// pricing page says it depends on — the definition and the execution's data — so any
/// run of this project's size bills one chunk.
pub fn billing_details(
    duration_ms: i64,
    definition: &str,
    input: &Value,
    output: Option<&Value>,
) -> Value {
    let duration = u64::try_from(duration_ms).unwrap_or(0);
    let billed_ms = duration
        .div_ceil(BILLED_DURATION_STEP_MS)
        .max(1)
        .saturating_mul(BILLED_DURATION_STEP_MS);
    let bytes = definition.len()
        + orderly_states::json_len(input)
        + output.map_or(0, orderly_states::json_len);
    let megabytes = (bytes as u64).div_ceil(1024 * 1024);
    let billed_mb = megabytes
        .div_ceil(BILLED_MEMORY_STEP_MB)
        .max(1)
        .saturating_mul(BILLED_MEMORY_STEP_MB);
    let mut out = Map::new();
    out.insert("billedMemoryUsedInMB".into(), Value::from(billed_mb));
    out.insert(
        "billedDurationInMilliseconds".into(),
        Value::from(billed_ms),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn express_refuses_sync_callbacks_and_activities_naming_the_state() {
        let cases = [
            (
                "arn:aws:states:::states:startExecution.sync",
                "Express state machine does not support '.sync' service integration at /States/T/Resource",
            ),
            (
                "arn:aws:states:::states:startExecution.sync:2",
                "Express state machine does not support '.sync:2' service integration at /States/T/Resource",
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Express state machine does not support '.waitForTaskToken' service integration  at /States/T/Resource",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:activity:approve",
                "Express state machine does not support Activity ARN at /States/T/Resource",
            ),
        ];
        for (resource, problem) in cases {
            let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": true}}});
            assert_eq!(
                unsupported_integration(&definition).as_deref(),
                Some(
                    format!(
                        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {problem}'"
                    )
                    .as_str()
                ),
                "{resource}"
            );
        }
        let fine = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
        assert_eq!(unsupported_integration(&fine), None);
    }

    #[test]
    fn nested_states_are_named_by_their_path() {
        let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
            {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "W", "States": {
                "W": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": true}}}}}}
        ]}}});
        let message = unsupported_integration(&definition).expect("refused");
        assert!(
            message.ends_with("at /States/P/Branches/1/States/M/ItemProcessor/States/W/Resource'"),
            "{message}"
        );
    }

    #[test]
    fn billing_rounds_up_to_100_ms_and_64_mb() {
        let bill = |ms| billing_details(ms, "{}", &json!({}), None);
        assert_eq!(
            bill(0),
            json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100})
        );
        assert_eq!(bill(100)["billedDurationInMilliseconds"], 100);
        assert_eq!(bill(101)["billedDurationInMilliseconds"], 200);
        assert_eq!(bill(300_000)["billedDurationInMilliseconds"], 300_000);
        let big = "x".repeat(65 * 1024 * 1024);
        assert_eq!(
            billing_details(1, &big, &json!({}), None)["billedMemoryUsedInMB"],
            128
        );
    }

    #[test]
    fn express_arns_are_told_apart() {
        let arn = execution_arn("us-east-1", "123456789012", "m", "n", "id");
        assert!(is_execution_arn(&arn));
        assert!(!is_execution_arn(
            "arn:aws:states:us-east-1:123456789012:execution:m:n"
        ));
    }
}
