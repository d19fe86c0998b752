//! Clouds started from small templates written by the test, and the Step Functions API
//! called in process (paused tokio time, so the cloud's clock runs as fast as it can).
// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use orderly_local::server::sfn::dispatch;
use orderly_local::server::wire::{ApiError, Input};
use serde_json::{Value, json};
use std::path::Path;

/// The ARN of the cloud's state machine named `name`.
pub fn machine_arn(cloud: &LocalCloud, name: &str) -> String {
    cloud
        .inner
        .sfn
        .machines
        .values()
        .find(|m| m.model.name == name)
        .map(|m| m.model.arn.clone())
        .unwrap_or_else(|| panic!("no state machine {name}"))
}

/// One `AWS::StepFunctions::StateMachine` of the template.
pub struct MachineSpec<'a> {
    pub logical_id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub definition: Value,
}

/// Writes a template holding `machines` in `dir`.
pub fn write_template(dir: &Path, machines: &[MachineSpec]) -> std::path::PathBuf {
    let mut resources = serde_json::Map::new();
    for m in machines {
        resources.insert(
            m.logical_id.to_owned(),
            json!({
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": m.name,
                    "StateMachineType": m.kind,
                    "DefinitionString": m.definition.to_string(),
                }
            }),
        );
    }
    let template = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources});
    let path = dir.join("template.yaml");
    // JSON is YAML: the loader reads either.
    std::fs::write(&path, template.to_string()).expect("write the template");
    path
}

/// Starts a cloud on the template `machines` make.
pub fn start(
    dir: &Path,
    machines: &[MachineSpec],
) -> Result<LocalCloud, orderly_local::runtime::StartError> {
    let template = write_template(dir, machines);
    let mut env = ScenarioEnv::at(dir);
    env.template = template;
    start_cloud(&env)
}

/// Calls a Step Functions operation in process.
pub async fn call(cloud: &LocalCloud, operation: &str, body: Value) -> Result<Value, ApiError> {
    let Value::Object(map) = body else {
        panic!("a request body is an object");
    };
    dispatch(&cloud.inner, operation, &Input::from_map(map), 0).await
}

/// Calls an operation that must succeed.
pub async fn ok(cloud: &LocalCloud, operation: &str, body: Value) -> Value {
    call(cloud, operation, body)
        .await
        .unwrap_or_else(|e| panic!("{operation}: {e}"))
}

/// A Pass/Wait/Fail definition of one state.
pub fn single(state: Value) -> Value {
    json!({"StartAt": "Only", "States": {"Only": state}})
}
