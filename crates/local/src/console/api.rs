//! The console's JSON API, under `/_console/api/`: what the pages draw, apart from the AWS
//! wire protocols the same port speaks. Reads answer JSON; the two writes (answer a
//! waiting task, redrive a dead-letter queue) go through the same calls as
//! SendTaskSuccess / SendTaskFailure and StartMessageMoveTask.

use super::{execution, flow, live, logs, metrics, queues, workflows};
use crate::runtime::CloudInner;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type Cloud = State<Arc<CloudInner>>;

/// Why a console request failed; answered as `{"error": code, "message": text}`.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No such execution, state machine or queue.
    #[error("{0}")]
    NotFound(String),
    /// The request names nothing, or something that cannot be done now.
    #[error("{0}")]
    Invalid(String),
}

impl ConsoleError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "NotFound",
            Self::Invalid(_) => "InvalidRequest",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code(), "message": self.to_string()});
        (self.status(), Json(body)).into_response()
    }
}

/// The API's routes.
pub fn router(cloud: Arc<CloudInner>) -> Router {
    Router::new()
        .route("/workflows", get(workflow_list))
        .route("/workflow", get(workflow))
        .route("/executions", get(execution_list))
        .route("/execution", get(execution_detail))
        .route("/execution/callback", post(callback))
        .route("/flow", get(flow_of))
        .route("/queues", get(queue_list))
        .route("/queues/redrive", post(redrive))
        .route("/metrics", get(metric_summary))
        .route("/logs", get(log_search))
        .route(
            "/live",
            get(|State(cloud): Cloud| async move { live::changes(&cloud) }),
        )
        .with_state(cloud)
}

#[derive(Deserialize)]
struct ById {
    id: String,
}

#[derive(Deserialize)]
struct ByArn {
    arn: String,
}

#[derive(Deserialize)]
struct ToState {
    arn: String,
    state: String,
}

#[derive(Deserialize)]
struct ByName {
    name: String,
}

async fn workflow_list(State(cloud): Cloud) -> Json<Vec<workflows::Workflow>> {
    Json(workflows::list(&cloud))
}

async fn workflow(State(cloud): Cloud, Query(q): Query<ById>) -> Result<Json<Value>, ConsoleError> {
    let graph = workflows::graph_of(&cloud, &q.id).ok_or_else(|| {
        ConsoleError::NotFound(format!("no state machine {} in the template", q.id))
    })?;
    Ok(Json(match graph {
        Ok(graph) => json!({"logicalId": q.id, "graph": graph}),
        Err(why) => json!({"logicalId": q.id, "graph": null, "graphError": why}),
    }))
}

async fn execution_list(
    State(cloud): Cloud,
    Query(filter): Query<workflows::Filter>,
) -> Json<Vec<workflows::ExecutionSummary>> {
    Json(workflows::executions(&cloud, &filter))
}

async fn execution_detail(
    State(cloud): Cloud,
    Query(q): Query<ByArn>,
) -> Result<Json<workflows::ExecutionDetail>, ConsoleError> {
    workflows::detail(&cloud, &q.arn)
        .map(Json)
        .ok_or_else(|| ConsoleError::NotFound(format!("Execution Does Not Exist: '{}'", q.arn)))
}

/// The answer to a waiting task: SendTaskSuccess's output, or SendTaskFailure's error
/// and cause.
#[derive(Debug, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase", deny_unknown_fields)]
enum Answer {
    Success {
        output: Value,
    },
    Failure {
        #[serde(default)]
        error: String,
        #[serde(default)]
        cause: String,
    },
}

/// The most characters of an answer's error (SendTaskFailure's limit) and cause.
const MAX_ERROR: usize = 256;
const MAX_CAUSE: usize = 32_768;

async fn callback(
    State(cloud): Cloud,
    Query(q): Query<ToState>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ConsoleError> {
    let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
        ConsoleError::Invalid(format!(
            "the answer is {{\"outcome\": \"success\", \"output\": …}} or \
             {{\"outcome\": \"failure\", \"error\": …, \"cause\": …}}: {e}"
        ))
    })?;
    let entry =
        cloud.sfn.executions.get(&q.arn).ok_or_else(|| {
            ConsoleError::NotFound(format!("Execution Does Not Exist: '{}'", q.arn))
        })?;
    let history = entry.history();
    let machine = workflows::machine_of(&cloud, &entry.machine_arn);
    let graph = workflows::graph_of(&cloud, &machine).and_then(Result::ok);
    let path = execution::path(&entry, &history, graph.as_ref());
    // The state the page showed waiting, so that an answer never reaches another task.
    let state = path
        .states
        .iter()
        .find(|s| s.name == q.state && s.status == "waiting")
        .map(|s| s.name.clone())
        .ok_or_else(|| ConsoleError::Invalid(format!("{} does not wait for a token", q.state)))?;
    let waiting = execution::Waiting::of(&state);
    let token = execution::waiting_token(&history, &waiting.state).ok_or_else(|| {
        ConsoleError::Invalid(format!(
            "{} waits, but its token is not in its parameters",
            waiting.state
        ))
    })?;
    let sent = match answer {
        Answer::Success { output } => cloud.sfn.tokens.send_task_success(&token, output),
        Answer::Failure { error, cause } => {
            if error.chars().count() > MAX_ERROR || cause.chars().count() > MAX_CAUSE {
                return Err(ConsoleError::Invalid(format!(
                    "an error is at most {MAX_ERROR} characters and a cause {MAX_CAUSE}"
                )));
            }
            cloud.sfn.tokens.send_task_failure(&token, &error, &cause)
        }
    };
    // The token is the execution's secret: the error names the state, never the token.
    sent.map_err(|_| {
        ConsoleError::Invalid(format!("{} no longer waits for its token", waiting.state))
    })?;
    Ok(Json(json!({"answered": waiting.state})))
}

async fn flow_of(State(cloud): Cloud, Query(q): Query<ById>) -> Json<flow::Flow> {
    Json(flow::of(&cloud, q.id.trim()))
}

async fn queue_list(State(cloud): Cloud) -> Json<queues::Queues> {
    Json(queues::list(&cloud))
}

async fn redrive(
    State(cloud): Cloud,
    Query(q): Query<ByName>,
) -> Result<Json<Value>, ConsoleError> {
    let queue = cloud
        .sqs
        .queue(&q.name)
        .map_err(|_| ConsoleError::NotFound(format!("no queue {}", q.name)))?;
    let handle = crate::server::sqs::move_messages(&cloud, queue.arn(), None, None)
        .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    Ok(Json(json!({"taskHandle": handle, "source": q.name})))
}

async fn metric_summary(State(cloud): Cloud) -> Json<metrics::Metrics> {
    Json(metrics::summary(&cloud))
}

async fn log_search(State(cloud): Cloud, Query(q): Query<logs::Query>) -> Json<logs::Logs> {
    Json(logs::search(&cloud, &q))
}
