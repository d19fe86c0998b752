//! EventBridge Scheduler's REST API (restJson1, signing name `scheduler`): schedules under
//! `/schedules/{Name}` and groups under `/schedule-groups/{Name}`. Errors carry their code
//! in `x-amzn-ErrorType` and a body `{"Message": …}`, as the service answers.

use super::http_api::routes::{percent_decode, query_pairs};
use crate::runtime::CloudInner;
use crate::scheduler::schedule::{self, SchedulerError, check_name};
use crate::scheduler::{DEFAULT_GROUP, Entry};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The largest body a schedule request takes (Input is at most 256 KB).
const MAX_BODY: usize = 512 * 1024;

/// Whether a request is one for Scheduler: its path, and SigV4's scope naming the service
/// (the template's HTTP API may have routes of the same shape).
pub fn is_scheduler_api(request: &Request) -> bool {
    let path = request.uri().path();
    let scheduler_path = path == "/schedules"
        || path.starts_with("/schedules/")
        || path == "/schedule-groups"
        || path.starts_with("/schedule-groups/");
    scheduler_path
        && request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|auth| auth.contains("/scheduler/aws4_request"))
}

fn error(e: &SchedulerError) -> Response {
    let mut response = (
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        json!({"Message": e.to_string()}).to_string(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-amzn-errortype", HeaderValue::from_static(e.code()));
    response
}

fn ok(body: Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn now(cloud: &CloudInner) -> Timestamp {
    crate::scheduler::timestamp(cloud.clock.now_ms())
}

/// Answers one request of the Scheduler API.
pub async fn serve(cloud: &Arc<CloudInner>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query: Vec<(String, String)> =
        query_pairs(request.uri().query().unwrap_or_default()).collect();
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let parts: Vec<String> = path
        .split('/')
        .filter(|p| !p.is_empty())
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            return error(&SchedulerError::Validation(format!(
                "The request body is larger than {MAX_BODY} bytes"
            )));
        }
    };
    let body = || -> Result<Map<String, Value>, SchedulerError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(SchedulerError::Validation(
                "The request body is not a JSON object".into(),
            )),
        }
    };
    let group = param("groupName").unwrap_or(DEFAULT_GROUP);
    let result = match (&method, parts.as_slice()) {
        (&Method::POST, ["schedules", name]) => body().and_then(|b| {
            let spec = schedule::read(name, &b)?;
            let arn = cloud.scheduler.create(spec, now(cloud))?;
            Ok(json!({"ScheduleArn": arn}))
        }),
        (&Method::PUT, ["schedules", name]) => body().and_then(|b| {
            let spec = schedule::read(name, &b)?;
            let arn = cloud.scheduler.update(spec, now(cloud))?;
            Ok(json!({"ScheduleArn": arn}))
        }),
        (&Method::GET, ["schedules", name]) => check_name(name, "name")
            .and_then(|()| cloud.scheduler.get(group, name))
            .map(|e| describe(&e)),
        (&Method::DELETE, ["schedules", name]) => check_name(name, "name")
            .and_then(|()| cloud.scheduler.delete(group, name))
            .map(|()| json!({})),
        (&Method::GET, ["schedules"]) => list_schedules(cloud, &param),
        (&Method::POST, ["schedule-groups", name]) => check_name(name, "name")
            .and_then(|()| cloud.scheduler.create_group(name, now(cloud).as_second()))
            .map(|arn| json!({"ScheduleGroupArn": arn})),
        (&Method::GET, ["schedule-groups", name]) => cloud
            .scheduler
            .groups()
            .into_iter()
            .find(|(g, _)| g == name)
            .map(|(g, created)| group_json(cloud, &g, created))
            .ok_or_else(|| {
                SchedulerError::NotFound(format!("Schedule group {name} does not exist."))
            }),
        (&Method::DELETE, ["schedule-groups", name]) => {
            cloud.scheduler.delete_group(name).map(|()| json!({}))
        }
        (&Method::GET, ["schedule-groups"]) => {
            let prefix = param("NamePrefix").unwrap_or_default();
            let groups: Vec<Value> = cloud
                .scheduler
                .groups()
                .into_iter()
                .filter(|(g, _)| g.starts_with(prefix))
                .map(|(g, created)| group_json(cloud, &g, created))
                .collect();
            Ok(json!({"ScheduleGroups": groups}))
        }
        _ => Err(SchedulerError::NotFound(format!(
            "No Scheduler operation is served at {method} {path}"
        ))),
    };
    match result {
        Ok(body) => ok(body),
        Err(e) => error(&e),
    }
}

fn group_json(cloud: &CloudInner, name: &str, created_s: i64) -> Value {
    json!({
        "Arn": cloud.scheduler.group_arn(name),
        "Name": name,
        "State": "ACTIVE",
        "CreationDate": created_s,
        "LastModificationDate": created_s,
    })
}

fn describe(entry: &Entry) -> Value {
    schedule::describe(&entry.spec, &entry.arn, entry.created_s, entry.modified_s)
}

/// ListSchedules: by group, name prefix and state, a page at a time; the token is the
/// last schedule of the page, as `group/name`.
fn list_schedules<'a>(
    cloud: &CloudInner,
    param: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<Value, SchedulerError> {
    let limit = match param("MaxResults") {
        None => 100,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(SchedulerError::Validation(format!(
                    "1 validation error detected: Value '{text}' at 'maxResults' failed to \
                     satisfy constraint: Member must have value between 1 and 100"
                )));
            }
        },
    };
    let state = match param("State") {
        None => None,
        Some(s @ ("ENABLED" | "DISABLED")) => Some(s == "ENABLED"),
        Some(other) => {
            return Err(SchedulerError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'state' failed to satisfy \
                 constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
            )));
        }
    };
    let group = param("ScheduleGroup");
    let prefix = param("NamePrefix").unwrap_or_default();
    // The token is the page's last schedule as `group/name`; a group has no `/`, so the
    // first one splits it, and pages follow the schedules' (group, name) order.
    let after: Option<(String, String)> = match param("NextToken") {
        None => None,
        Some(token) => Some(
            token
                .split_once('/')
                .map(|(g, n)| (g.to_owned(), n.to_owned()))
                .ok_or_else(|| SchedulerError::Validation(format!("Invalid NextToken: {token}")))?,
        ),
    };
    let matching: Vec<Entry> = cloud
        .scheduler
        .list()
        .into_iter()
        .filter(|e| group.is_none_or(|g| e.spec.group == g))
        .filter(|e| e.spec.name.starts_with(prefix))
        .filter(|e| state.is_none_or(|s| e.spec.enabled == s))
        .filter(|e| {
            after
                .as_ref()
                .is_none_or(|a| (e.spec.group.clone(), e.spec.name.clone()) > *a)
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .take(limit)
        .map(|e| {
            json!({
                "Arn": e.arn,
                "Name": e.spec.name,
                "GroupName": e.spec.group,
                "State": if e.spec.enabled { "ENABLED" } else { "DISABLED" },
                "CreationDate": e.created_s,
                "LastModificationDate": e.modified_s,
                "Target": {"Arn": e.spec.target.arn},
            })
        })
        .collect();
    let mut answer = json!({"Schedules": page});
    if matching.len() > limit
        && let Some(last) = matching.get(limit - 1)
    {
        answer["NextToken"] = format!("{}/{}", last.spec.group, last.spec.name).into();
    }
    Ok(answer)
}
