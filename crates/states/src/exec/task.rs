//! States that produce a result (Task, Parallel, Map), Wait durations, and the task
//! invocation with its timeouts and callbacks.

use super::engine::Engine;
use super::run::{Interrupt, StateRun};
use super::shape::{self, Prepared, scope};
use super::vars::Vars;
use crate::callbacks::Callback;
use crate::causes::Cause;
use crate::definition::model::{Dynamic, Kind, QueryLanguage, QueryTemplate, WaitFor};
use crate::errors::{StatesError, names};
use crate::history::{
    EventDetails, LambdaScheduled, TaskFailed, TaskOutput, TaskScheduled, payload_text,
};
use crate::paths::JsonPath;
use crate::task::{IntegrationPattern, TaskRequest, integration_pattern, lambda_function_of};
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

impl Engine {
    /// A number field's value: literal, by path (against the effective input) or JSONata.
    pub(crate) fn resolve_dynamic(
        &self,
        run: &StateRun<'_>,
        field: &str,
        dynamic: &Dynamic,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, StatesError> {
        match (dynamic, prepared) {
            (Dynamic::Fixed(v), _) => Ok(v.clone()),
            (Dynamic::Path(p), Prepared::JsonPath { effective }) => p
                .evaluate(scope(effective, context, vars))
                .map(Cow::into_owned)
                .ok_or_else(|| shape::no_results(run, p, scope(effective, context, vars))),
            (Dynamic::Jsonata(t), Prepared::Jsonata { bindings }) => {
                shape::jsonata(run, field, t, bindings)
            }
            _ => Err(run.runtime(format_args!(
                "The field '{field}' does not match the state's query language"
            ))),
        }
    }

    /// A Task's `Credentials`, computed like its payload.
    fn resolve_credentials(
        &self,
        run: &StateRun<'_>,
        credentials: &QueryTemplate,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, StatesError> {
        match (credentials, prepared) {
            (QueryTemplate::JsonPath(t), Prepared::JsonPath { effective }) => {
                shape::template(run, t, effective, context, vars)
            }
            (QueryTemplate::Jsonata(t), Prepared::Jsonata { bindings }) => {
                shape::jsonata(run, "Credentials", t, bindings)
            }
            _ => {
                Err(run
                    .runtime("The field 'Credentials' does not match the state's query language"))
            }
        }
    }

    /// A whole number of seconds (TimeoutSeconds, MaxConcurrency, …).
    pub(crate) fn whole_number(
        &self,
        run: &StateRun<'_>,
        field: &str,
        value: &Value,
    ) -> Result<u64, StatesError> {
        match value.as_u64() {
            Some(n) => Ok(n),
            None => match value.as_f64() {
                Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => Ok(f as u64),
                _ => Err(run.runtime(format_args!(
                    "The value for the field '{field}' must be a non-negative integer, got {value}"
                ))),
            },
        }
    }

    pub(crate) fn wait_duration(
        &self,
        run: &StateRun<'_>,
        until: &WaitFor,
        raw: &Value,
        context: &Value,
        vars: &Vars,
    ) -> Result<Duration, StatesError> {
        let prepared = self.prepare_plain(run, raw, context, vars)?;
        let timestamp = match until {
            WaitFor::Seconds(Dynamic::Path(p)) => {
                let Prepared::JsonPath { effective } = &prepared else {
                    return Err(run.runtime("SecondsPath in a JSONata state"));
                };
                let n = seconds_at(run, p, p.evaluate(scope(effective, context, vars)))?;
                return wait_at_most(run, Duration::from_secs(n));
            }
            WaitFor::Seconds(d) => {
                let v = self.resolve_dynamic(run, "Seconds", d, &prepared, context, vars)?;
                let n = self.whole_number(run, "Seconds", &v)?;
                return wait_at_most(run, Duration::from_secs(n));
            }
            WaitFor::Timestamp(t) => *t,
            WaitFor::TimestampPath(p) => {
                let Prepared::JsonPath { effective } = &prepared else {
                    return Err(run.runtime("TimestampPath in a JSONata state"));
                };
                let v = p
                    .evaluate(scope(effective, context, vars))
                    .ok_or_else(|| shape::no_results(run, p, scope(effective, context, vars)))?;
                v.as_str()
                    .and_then(crate::choice::parse_timestamp)
                    .ok_or_else(|| {
                        run.fail(Cause::TimestampPathInvalid {
                            path: p.text(),
                            value: &v,
                        })
                    })?
            }
            WaitFor::TimestampJsonata(t) => {
                let Prepared::Jsonata { bindings } = &prepared else {
                    return Err(run.runtime("JSONata Timestamp in a JSONPath state"));
                };
                let v = shape::jsonata(run, "Timestamp", t, bindings)?;
                v.as_str()
                    .and_then(crate::choice::parse_timestamp)
                    .ok_or_else(|| {
                        run.evaluation_failed(
                            Some("Timestamp".to_owned()),
                            run.fail(Cause::TimestampInvalid { value: &v }),
                        )
                    })?
            }
        };
        let left = timestamp - self.clock.now();
        if !left.is_positive() {
            return Ok(Duration::ZERO);
        }
        wait_at_most(run, left.unsigned_abs())
    }

    /// InputPath (JSONPath) or the JSONata bindings, for states without Parameters.
    fn prepare_plain<'v>(
        &self,
        run: &StateRun<'_>,
        raw: &'v Value,
        context: &'v Value,
        vars: &'v Vars,
    ) -> Result<Prepared<'v>, StatesError> {
        Ok(match run.state.query_language {
            QueryLanguage::JsonPath => Prepared::JsonPath {
                effective: shape::select_ref(run, &run.state.io.input_path, raw, context, vars)?,
            },
            QueryLanguage::Jsonata => Prepared::Jsonata {
                bindings: shape::bindings(raw, context, None, None, vars),
            },
        })
    }

    /// Task, Parallel and Map: input processing, the work, then result processing.
    pub(crate) async fn run_with_result(
        &self,
        run: &mut StateRun<'_>,
        raw: &Value,
        vars: &mut Vars,
    ) -> Result<Value, Interrupt> {
        let state = run.state;
        // A `.waitForTaskToken` task hands its token on and waits for it; a `.sync` one
        // has a token in its context object too (`$$.Task.Token`, recorded on AWS), which
        // it may pass on, but it ends when its job does.
        let pattern = match &state.kind {
            Kind::Task { resource, .. } => integration_pattern(resource),
            _ => IntegrationPattern::RequestResponse,
        };
        let callback = pattern == IntegrationPattern::WaitForTaskToken;
        if pattern != IntegrationPattern::RequestResponse {
            run.task_token = Some(uuid::Uuid::new_v4().to_string());
        }
        let context = self.context(run);
        let prepared = self.prepare_plain(run, raw, &context, vars)?;
        // The state's input to its work: Parameters / Arguments, or the effective input.
        let work_input = match &prepared {
            Prepared::JsonPath { effective } => match (&state.kind, &state.io.parameters) {
                // Map reads its items from the effective input itself.
                (Kind::Map(_), _) => Value::Null,
                (_, None) => effective.as_ref().clone(),
                (_, Some(p)) => shape::template(run, p, effective, &context, vars)?,
            },
            Prepared::Jsonata { bindings } => match &state.io.arguments {
                Some(t) => shape::jsonata(run, "Arguments", t, bindings)?,
                None => raw.clone(),
            },
        };
        let result = match &state.kind {
            Kind::Task {
                resource,
                timeout,
                heartbeat,
                credentials,
            } => {
                let seconds =
                    |field: &str, d: &Option<Dynamic>| -> Result<Option<u64>, StatesError> {
                        match d {
                            None => Ok(None),
                            Some(d) => {
                                let v =
                                    self.resolve_dynamic(run, field, d, &prepared, &context, vars)?;
                                let n = self.whole_number(run, field, &v)?;
                                if n == 0 {
                                    return Err(run.runtime(format_args!(
                                        "The value for the field '{field}' must be positive"
                                    )));
                                }
                                Ok(Some(n))
                            }
                        }
                    };
                let timeout = seconds("TimeoutSeconds", timeout)?;
                let heartbeat = seconds("HeartbeatSeconds", heartbeat)?;
                if let Some(why) = unusable_parameters(resource, &work_input) {
                    return Err(Interrupt::Failed(run.runtime(format_args!(
                        "The Parameters '{work_input}' could not be used to start the Task: [{why}]"
                    ))));
                }
                let request = TaskRequest {
                    resource: resource.clone(),
                    parameters: work_input,
                    task_token: run.task_token.clone().filter(|_| callback),
                    state_name: state.name.to_string(),
                    execution_arn: self.context_execution["Id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    timeout_seconds: timeout,
                    heartbeat_seconds: heartbeat,
                    credentials: match credentials {
                        None => None,
                        Some(c) => {
                            Some(self.resolve_credentials(run, c, &prepared, &context, vars)?)
                        }
                    },
                    retry_count: run.retry_count,
                };
                let result = self.invoke_task(request).await?;
                // A callback's output has not been measured yet (a called task's result
                // has, in invoke_task).
                self.check_size(run, &result)?;
                result
            }
            Kind::Parallel { branches } => {
                self.run_parallel(run, branches, work_input, vars).await?
            }
            Kind::Map(spec) => {
                self.run_map(run, spec, raw, &prepared, &context, vars)
                    .await?
            }
            _ => return Err(Interrupt::Failed(run.runtime("state has no result"))),
        };
        let (output, assigned) = match &prepared {
            Prepared::JsonPath { .. } => {
                let selected = match &state.io.result_selector {
                    Some(t) => shape::template(run, t, &result, &context, vars)?,
                    None => result,
                };
                let assigned =
                    shape::assign(run, state.assign.as_ref(), &selected, &context, None, vars)?;
                let combined = shape::apply_result_path(run, &state.io.result_path, raw, selected)?;
                let output = shape::select(run, &state.io.output_path, combined, &context, vars)?;
                (output, assigned)
            }
            Prepared::Jsonata { .. } => {
                shape::jsonata_output(run, raw, &context, Some(&result), vars)?
            }
        };
        vars.assign(run, assigned)?;
        Ok(output)
    }

    /// Invokes a task through the handler, honouring TimeoutSeconds, HeartbeatSeconds and
    /// the `.waitForTaskToken` callback, and records the task's events.
    async fn invoke_task(&self, request: TaskRequest) -> Result<Value, Interrupt> {
        let resource = request.resource.clone();
        // A Lambda function ARN gets the `LambdaFunction*` events and an activity ARN the
        // `Activity*` ones, with the same details; a service integration the `Task*` ones.
        let lambda = lambda_function_of(&resource).is_some();
        let activity = is_activity(&resource);
        let own_events = lambda || activity;
        let named = |lambda_event: &'static str, activity_event: &'static str| {
            if activity {
                activity_event
            } else {
                lambda_event
            }
        };
        let (resource_type, resource_name) = split_resource(&resource);
        let role_arn = request
            .credentials
            .as_ref()
            .and_then(|c| c.get("RoleArn"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let timeout = request.timeout_seconds;
        let heartbeat = request.heartbeat_seconds;
        if own_events {
            self.event(
                named("LambdaFunctionScheduled", "ActivityScheduled"),
                || {
                    EventDetails::LambdaScheduled(Box::new(LambdaScheduled {
                        resource: resource.clone(),
                        input: payload_text(&request.parameters),
                        timeout_in_seconds: timeout,
                        heartbeat_in_seconds: heartbeat.filter(|_| activity),
                        role_arn: role_arn.clone(),
                    }))
                },
            );
            if activity {
                self.event("ActivityStarted", || EventDetails::ActivityStarted {
                    worker_name: None,
                });
            } else {
                self.event("LambdaFunctionStarted", || EventDetails::None);
            }
        } else {
            self.event("TaskScheduled", || {
                EventDetails::TaskScheduled(Box::new(TaskScheduled {
                    resource_type: resource_type.clone(),
                    resource: resource_name.clone(),
                    region: self.region.clone(),
                    parameters: payload_text(&request.parameters),
                    timeout_in_seconds: timeout,
                    heartbeat_in_seconds: heartbeat,
                    role_arn: role_arn.clone(),
                }))
            });
            self.event("TaskStarted", || EventDetails::TaskStarted {
                resource_type: resource_type.clone(),
                resource: resource_name.clone(),
            });
        }
        let waits_for_callback =
            request.task_token.is_some() && !self.tasks.completes_callback_tasks();
        let outcome = if waits_for_callback {
            self.invoke_with_callback(request, &resource_type, &resource_name)
                .await
        } else {
            let invoke = self.tasks.invoke(request);
            let limit = self.timer(timeout);
            tokio::select! {
                biased;
                r = invoke => r
                    .map_err(|f| StatesError::new(f.error, f.cause))
                    .and_then(|output| self.task_result_fits(&resource, &resource_type, lambda, output)),
                _ = limit => Err(StatesError::new(names::TIMEOUT, String::new())),
            }
        };
        match outcome {
            Ok(output) => {
                if own_events {
                    self.event(
                        named("LambdaFunctionSucceeded", "ActivitySucceeded"),
                        || EventDetails::LambdaSucceeded {
                            output: payload_text(&output),
                        },
                    );
                } else {
                    self.event("TaskSucceeded", || {
                        EventDetails::TaskSucceeded(Box::new(TaskOutput {
                            resource_type: resource_type.clone(),
                            resource: resource_name.clone(),
                            output: payload_text(&output),
                        }))
                    });
                }
                Ok(output)
            }
            Err(err) => {
                let timed_out =
                    err.error == names::TIMEOUT || err.error == names::HEARTBEAT_TIMEOUT;
                let event_type = match (own_events, timed_out) {
                    (true, true) => named("LambdaFunctionTimedOut", "ActivityTimedOut"),
                    (true, false) => named("LambdaFunctionFailed", "ActivityFailed"),
                    (false, true) => "TaskTimedOut",
                    (false, false) => "TaskFailed",
                };
                let err = err.reported_by_task();
                self.event(event_type, || {
                    if own_events {
                        EventDetails::Failed {
                            error: err.error.clone(),
                            cause: err.cause.clone(),
                        }
                    } else {
                        EventDetails::TaskFailed(Box::new(TaskFailed {
                            resource_type: resource_type.clone(),
                            resource: resource_name.clone(),
                            error: err.error.clone(),
                            cause: err.cause.clone(),
                        }))
                    }
                });
                Err(Interrupt::Failed(err))
            }
        }
    }

    /// A task's result over the payload size limit fails the task (recorded on AWS: a
    /// TaskFailed naming the integration, `lambda`, or the function's ARN).
    fn task_result_fits(
        &self,
        resource: &str,
        resource_type: &str,
        lambda: bool,
        output: Value,
    ) -> Result<Value, StatesError> {
        if super::data::fits(&output) {
            return Ok(output);
        }
        let name = if lambda { resource } else { resource_type };
        Err(StatesError::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        ))
    }

    /// A timer on the execution's clock, or a future that never ends.
    fn timer(&self, seconds: Option<u64>) -> futures::future::BoxFuture<'static, ()> {
        match seconds {
            Some(s) => self.clock.sleep(Duration::from_secs(s)),
            None => Box::pin(std::future::pending()),
        }
    }

    async fn invoke_with_callback(
        &self,
        request: TaskRequest,
        resource_type: &str,
        resource_name: &str,
    ) -> Result<Value, StatesError> {
        let token = request.task_token.clone().unwrap_or_default();
        let mut callbacks = self.tokens.register(&token);
        // Removes the token however the wait ends, so late callbacks get TaskDoesNotExist.
        struct Unregister<'a>(&'a crate::callbacks::TaskTokens, &'a str);
        impl Drop for Unregister<'_> {
            fn drop(&mut self) {
                self.0.unregister(self.1);
            }
        }
        let _guard = Unregister(&self.tokens, &token);
        let timeout = request.timeout_seconds;
        let heartbeat = request.heartbeat_seconds;
        let mut overall = self.timer(timeout);
        let submitted = {
            let invoke = self.tasks.invoke(request);
            tokio::select! {
                biased;
                r = invoke => r.map_err(|f| StatesError::new(f.error, f.cause))?,
                _ = &mut overall => return Err(StatesError::new(names::TIMEOUT, String::new())),
            }
        };
        self.event("TaskSubmitted", || {
            EventDetails::TaskSubmitted(Box::new(TaskOutput {
                resource_type: resource_type.to_owned(),
                resource: resource_name.to_owned(),
                output: payload_text(&submitted),
            }))
        });
        loop {
            let beat = self.timer(heartbeat);
            tokio::select! {
                biased;
                message = callbacks.recv() => match message {
                    Some(Callback::Success(output)) => return Ok(output),
                    Some(Callback::Failure { error, cause }) => return Err(StatesError::new(error, cause)),
                    Some(Callback::Heartbeat) => continue,
                    None => return Err(StatesError::runtime("the task token registry was dropped")),
                },
                _ = &mut overall => return Err(StatesError::new(names::TIMEOUT, String::new())),
                _ = beat => return Err(StatesError::new(names::HEARTBEAT_TIMEOUT, String::new())),
            }
        }
    }
}

/// `arn:aws:states:::lambda:invoke.waitForTaskToken` → ("lambda", "invoke.waitForTaskToken").
fn split_resource(resource: &str) -> (String, String) {
    // `arn:<partition>:states:::<service>:<action>`; an AWS SDK integration's type is
    // `aws-sdk:<service>` and its resource the action alone (recorded on AWS).
    let integration = resource
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":states:::"))
        .map(|(_, rest)| rest);
    if let Some(rest) = integration {
        // `.sync:2` has a colon of its own: the action keeps it.
        let (base, version) = match rest.strip_suffix(":2") {
            Some(base) if base.ends_with(".sync") => (base, ":2"),
            _ => (rest, ""),
        };
        if let Some((service, action)) = base.rsplit_once(':') {
            return (service.to_owned(), format!("{action}{version}"));
        }
    }
    let mut parts = resource.split(':');
    let service = parts.nth(2).unwrap_or_default().to_owned();
    (service, resource.to_owned())
}

/// Whether `resource` is an activity: `arn:<partition>:states:<region>:<account>:activity:<name>`.
fn is_activity(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "states", region, _, "activity", name]
        if !region.is_empty() && !name.is_empty())
}

/// Why an integration refuses its parameters before it is called, in AWS's words; the
/// checks the service makes of a request's shape, not of its meaning. `apigateway:invoke`:
/// each header's value is a list of strings (call API Gateway with Step Functions,
/// developer guide; recorded on AWS).
fn unusable_parameters(resource: &str, parameters: &Value) -> Option<&'static str> {
    let (service, action) = split_resource(resource);
    if service != "apigateway" || !action.starts_with("invoke") {
        return None;
    }
    let headers = parameters.get("Headers")?;
    let valid = headers.as_object().is_some_and(|h| {
        h.values().all(|v| {
            v.as_array()
                .is_some_and(|items| items.iter().all(Value::is_string))
        })
    });
    (!valid).then_some("The value of the field 'Headers' has an invalid format")
}

/// The longest delay a Wait state accepts: recorded on AWS, a timestamp 24,855 days
/// ahead waits and one 24,856 days ahead fails, which brackets 2^31 seconds.
const LONGEST_WAIT: Duration = Duration::from_secs(i32::MAX as u64);

fn wait_at_most(run: &StateRun<'_>, delay: Duration) -> Result<Duration, StatesError> {
    if delay > LONGEST_WAIT {
        return Err(run.fail(Cause::WaitTooLong));
    }
    Ok(delay)
}

/// A JSON number that is a whole number (`2` or `2.0`) in i64's range.
pub(super) fn whole_i64(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
            .map(|f| f as i64)
    })
}

/// The seconds a Wait state's `SecondsPath` selects: a whole number, not negative
/// (`causes.rs` has the service's causes for the rest).
fn seconds_at(
    run: &StateRun<'_>,
    path: &JsonPath,
    selected: Option<Cow<'_, Value>>,
) -> Result<u64, StatesError> {
    let Some(value) = selected else {
        return Err(run.fail(Cause::SecondsPathMissing { path: path.text() }));
    };
    match whole_i64(&value) {
        Some(n) if n >= 0 => Ok(n.unsigned_abs()),
        Some(_) => Err(run.fail(Cause::SecondsPathNegative {
            path: path.text(),
            value: &value,
        })),
        None => Err(run.fail(Cause::SecondsPathNotWhole {
            path: path.text(),
            value: &value,
        })),
    }
}
