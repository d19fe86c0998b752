//! Helpers shared by the integration tests.
#![allow(dead_code)]

use async_trait::async_trait;
use orderly_states::{
    Execution, ExecutionOptions, StateMachine, TaskFailure, TaskHandler, TaskRequest, VirtualClock,
    execute,
};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use time::macros::datetime;

type Script = dyn Fn(&TaskRequest, usize) -> Result<Value, TaskFailure> + Send + Sync;

/// A task handler that answers from a closure and keeps every request it saw.
pub struct Scripted {
    script: Box<Script>,
    pub requests: Mutex<Vec<TaskRequest>>,
}

impl Scripted {
    pub fn new(
        f: impl Fn(&TaskRequest, usize) -> Result<Value, TaskFailure> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            script: Box::new(f),
            requests: Mutex::new(Vec::new()),
        })
    }

    /// Echoes the parameters back as the result.
    pub fn echo() -> Arc<Self> {
        Self::new(|r, _| Ok(r.parameters.clone()))
    }

    pub fn calls(&self) -> usize {
        self.requests.lock().map(|r| r.len()).unwrap_or(0)
    }
}

#[async_trait]
impl TaskHandler for Scripted {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let n = {
            let mut seen = self
                .requests
                .lock()
                .map_err(|_| TaskFailure::new("Test", "poisoned"))?;
            seen.push(request.clone());
            seen.len() - 1
        };
        (self.script)(&request, n)
    }
}

/// What CreateStateMachine would answer a definition it refuses (empty if it accepts it).
pub fn refusal(definition: &Value) -> String {
    StateMachine::parse(&definition.to_string())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

pub fn machine(definition: &Value) -> StateMachine {
    StateMachine::parse(&definition.to_string()).unwrap_or_else(|e| panic!("{e}\n{definition}"))
}

pub fn options(tasks: Arc<dyn TaskHandler>) -> ExecutionOptions {
    ExecutionOptions {
        name: Some("test-execution".into()),
        clock: Arc::new(VirtualClock::new(datetime!(2024-01-01 0:00 UTC))),
        tasks,
        ..ExecutionOptions::default()
    }
}

pub async fn run_with(definition: &Value, input: Value, tasks: Arc<dyn TaskHandler>) -> Execution {
    execute(&machine(definition), input, options(tasks)).await
}

pub async fn run(definition: &Value, input: Value) -> Execution {
    run_with(definition, input, Scripted::echo()).await
}

/// A machine with one state named `S`, ending the execution.
pub fn single(state: Value) -> Value {
    serde_json::json!({"StartAt": "S", "States": {"S": state}})
}

pub fn event_types(execution: &Execution) -> Vec<String> {
    execution
        .history
        .iter()
        .map(|e| e.event_type.to_string())
        .collect()
}

/// The codes and locations of the problems CreateStateMachine would report (none for a
/// valid definition).
pub fn problems(definition: &Value) -> Vec<(String, String)> {
    match StateMachine::parse(&definition.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .problems
            .into_iter()
            .map(|p| (p.code.to_owned(), p.location))
            .collect(),
    }
}
