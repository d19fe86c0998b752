//! Lambda's REST API for the template's functions, so `aws lambda invoke --endpoint-url …`
//! runs the real handler in process: Invoke (`RequestResponse`, `Event`, `DryRun`, with the
//! log tail when asked), GetFunction and ListFunctions. Paths, headers, status codes and
//! errors are the Lambda API reference's (`/2015-03-31/functions/…`); only `$LATEST`
//! exists, since the local cloud publishes no versions or aliases.

use super::http_api::routes::{percent_decode, query_pairs};
use crate::runtime::CloudInner;
use crate::runtime::lambda::InvokeError;
use crate::template::Function;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Where the API's paths begin.
const PREFIX: &str = "/2015-03-31/functions";

/// The largest payload of a synchronous invocation (6 MB), and of an asynchronous one
/// (1 MB), as the Invoke reference states them.
const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;

/// How much of an invocation's log `X-Amz-Log-Result` carries: its last 4 KB.
const LOG_TAIL_BYTES: usize = 4 * 1024;

/// ListFunctions' page size when `MaxItems` is not given, and its largest.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 10_000;

/// Whether `path` is one of this API's.
pub fn is_lambda_api(path: &str) -> bool {
    path == PREFIX || path.starts_with("/2015-03-31/functions/")
}

/// Answers one request of the Lambda API.
pub async fn serve(cloud: &Arc<CloudInner>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query: Vec<(String, String)> =
        query_pairs(request.uri().query().unwrap_or_default()).collect();
    let headers = request.headers().clone();
    let rest = path.strip_prefix(PREFIX).unwrap_or_default();
    let parts: Vec<String> = rest
        .split('/')
        .filter(|p| !p.is_empty())
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let result = match (&method, parts.as_slice()) {
        (&Method::GET, []) => list_functions(cloud, &query),
        (&Method::GET, [name]) => get_function(cloud, name, &query),
        (&Method::POST, [name, "invocations"]) => {
            match axum::body::to_bytes(request.into_body(), MAX_SYNC_PAYLOAD + 1).await {
                Ok(body) => invoke(cloud, name, &query, &headers, &body).await,
                Err(_) => Err(too_large(MAX_SYNC_PAYLOAD)),
            }
        }
        _ => Err(LambdaError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("No Lambda operation is served at {method} {path}"),
        )),
    };
    result.unwrap_or_else(LambdaError::into_response)
}

/// An error as the Lambda API answers it: the code in `x-amzn-ErrorType`, and a body
/// with `Type` and `message`.
#[derive(Debug)]
struct LambdaError {
    status: StatusCode,
    code: &'static str,
    message: String,
    extra: Map<String, Value>,
}

impl LambdaError {
    fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        Self {
            status,
            code,
            message,
            extra: Map::new(),
        }
    }

    fn validation(message: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    fn into_response(self) -> Response {
        let mut body = self.extra;
        body.insert("Type".into(), json!("User"));
        body.insert("message".into(), json!(self.message));
        Response::builder()
            .status(self.status)
            .header("x-amzn-ErrorType", self.code)
            .header("content-type", "application/json")
            .body(Body::from(Value::Object(body).to_string()))
            .unwrap_or_default()
    }
}

fn too_large(limit: usize) -> LambdaError {
    LambdaError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestTooLargeException",
        format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
    )
}

/// A function named as the API allows: `name`, `name:qualifier`,
/// `account:function:name[:qualifier]` or its full ARN; and a qualifier given apart.
#[derive(Debug, PartialEq)]
struct FunctionRef<'a> {
    name: &'a str,
    qualifier: Option<&'a str>,
}

fn function_ref<'a>(
    given: &'a str,
    qualifier: Option<&'a str>,
) -> Result<FunctionRef<'a>, LambdaError> {
    let parts: Vec<&str> = given.split(':').collect();
    let (name, derived) = match parts.as_slice() {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        [_, "function", name] => (*name, None),
        [_, "function", name, qualifier] => (*name, Some(*qualifier)),
        ["arn", _, "lambda", _, _, "function", name] => (*name, None),
        ["arn", _, "lambda", _, _, "function", name, qualifier] => (*name, Some(*qualifier)),
        _ => ("", None),
    };
    if name.is_empty() || name.len() > 140 || derived == Some("") {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{given}' at 'functionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?\
             (function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )));
    }
    let qualifier = match (derived, qualifier) {
        (Some(a), Some(b)) if a != b => {
            return Err(LambdaError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified \
                 qualifier."
                    .into(),
            ));
        }
        (a, b) => a.or(b),
    };
    Ok(FunctionRef { name, qualifier })
}

/// The function `given` names (its name, ARN or logical id, each with an optional
/// qualifier), at `qualifier` when one is given apart: only `$LATEST` exists.
fn function(
    cloud: &CloudInner,
    given: &str,
    qualifier: Option<&str>,
) -> Result<Arc<crate::runtime::lambda::FunctionHost>, LambdaError> {
    let FunctionRef { name, qualifier } = function_ref(given, qualifier)?;
    let arn = format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        cloud.model.region, cloud.model.account_id
    );
    let not_found = |qualified: String| {
        LambdaError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {qualified}"),
        )
    };
    let host = cloud.function(name).ok_or_else(|| not_found(arn.clone()))?;
    match qualifier {
        None | Some("$LATEST") => Ok(host),
        Some(other) => Err(not_found(format!("{arn}:{other}"))),
    }
}

/// `FunctionConfiguration`, as GetFunction and ListFunctions give it.
fn configuration(function: &Function) -> Value {
    let mut out = Map::new();
    out.insert("FunctionName".into(), json!(function.name));
    out.insert("FunctionArn".into(), json!(function.arn));
    if let Some(runtime) = &function.runtime {
        out.insert("Runtime".into(), json!(runtime));
    }
    if let Some(handler) = &function.handler {
        out.insert("Handler".into(), json!(handler));
    }
    out.insert("Timeout".into(), json!(function.timeout_secs));
    out.insert("MemorySize".into(), json!(function.memory_mb));
    out.insert("Version".into(), json!("$LATEST"));
    out.insert("PackageType".into(), json!("Zip"));
    out.insert("State".into(), json!("Active"));
    out.insert("LastUpdateStatus".into(), json!("Successful"));
    out.insert(
        "Environment".into(),
        json!({"Variables": function.environment}),
    );
    let mut logging = Map::new();
    logging.insert(
        "LogFormat".into(),
        json!(function.log_format.as_deref().unwrap_or("Text")),
    );
    if let Some(level) = &function.log_level {
        logging.insert("ApplicationLogLevel".into(), json!(level));
    }
    logging.insert("LogGroup".into(), json!(function.log_group));
    out.insert("LoggingConfig".into(), Value::Object(logging));
    Value::Object(out)
}

fn ok_json(value: &Value) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from(value.to_string()))
        .unwrap_or_default()
}

/// GetFunction: the configuration, and where the code is (the crate it is built from).
fn get_function(
    cloud: &CloudInner,
    name: &str,
    query: &[(String, String)],
) -> Result<Response, LambdaError> {
    let host = function(cloud, name, query_value(query, "Qualifier"))?;
    let function = &host.function;
    Ok(ok_json(&json!({
        "Configuration": configuration(function),
        "Code": {
            "RepositoryType": "Local",
            "Location": function.code_uri.display().to_string(),
        },
    })))
}

/// ListFunctions: every function of the template by name, `MaxItems` a page, `Marker` the
/// name the next page starts after.
fn list_functions(cloud: &CloudInner, query: &[(String, String)]) -> Result<Response, LambdaError> {
    let limit = match query_value(query, "MaxItems") {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{text}' at 'maxItems' failed to \
                     satisfy constraint: Member must have value less than or equal to \
                     {MAX_PAGE} and greater than or equal to 1"
                )));
            }
        },
    };
    let mut functions: Vec<&Function> = cloud.model.functions.values().collect();
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    let start = match query_value(query, "Marker") {
        None => 0,
        Some(marker) => functions
            .iter()
            .position(|f| f.name.as_str() > marker)
            .unwrap_or(functions.len()),
    };
    let page: Vec<Value> = functions
        .iter()
        .skip(start)
        .take(limit)
        .map(|f| configuration(f))
        .collect();
    let mut out = Map::new();
    let end = start + page.len();
    if end < functions.len()
        && let Some(last) = functions.get(end.saturating_sub(1))
    {
        out.insert("NextMarker".into(), json!(last.name));
    }
    out.insert("Functions".into(), Value::Array(page));
    Ok(ok_json(&Value::Object(out)))
}

/// Invoke: runs the handler now (`RequestResponse`), later with Lambda's retries and
/// destinations (`Event`, 202), or only checks the call (`DryRun`, 204).
async fn invoke(
    cloud: &Arc<CloudInner>,
    name: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, LambdaError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let invocation_type = header("x-amz-invocation-type").unwrap_or("RequestResponse");
    if !matches!(invocation_type, "RequestResponse" | "Event" | "DryRun") {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{invocation_type}' at 'invocationType' failed \
             to satisfy constraint: Member must satisfy enum value set: [Event, \
             RequestResponse, DryRun]"
        )));
    }
    let log_type = header("x-amz-log-type").unwrap_or("None");
    if !matches!(log_type, "None" | "Tail") {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{log_type}' at 'logType' failed to satisfy \
             constraint: Member must satisfy enum value set: [None, Tail]"
        )));
    }
    let host = function(cloud, name, query_value(query, "Qualifier"))?;
    let limit = if invocation_type == "Event" {
        MAX_EVENT_PAYLOAD
    } else {
        MAX_SYNC_PAYLOAD
    };
    if body.len() > limit {
        return Err(too_large(limit));
    }
    let payload: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            LambdaError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                format!("Could not parse request body into json: {e}"),
            )
        })?
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let answer = |status: StatusCode| {
        Response::builder()
            .status(status)
            .header("x-amzn-RequestId", &request_id)
    };
    match invocation_type {
        "DryRun" => Ok(answer(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default()),
        "Event" => {
            // It sets work going behind the front door, like PutEvents.
            cloud.admit().await;
            cloud.invoke_async_as(&host.function.logical_id, payload, request_id.clone());
            Ok(answer(StatusCode::ACCEPTED)
                .body(Body::empty())
                .unwrap_or_default())
        }
        _ => {
            // What the handler sets going waits behind the front door, so a stream of
            // invocations waits for room as the HTTP API's requests do.
            cloud.admit().await;
            let outcome = cloud
                .invoke_as(&host.function.logical_id, payload, request_id.clone())
                .await;
            let mut response = answer(StatusCode::OK)
                .header("content-type", "application/json")
                .header("X-Amz-Executed-Version", "$LATEST");
            if log_type == "Tail" {
                response = response.header(
                    "X-Amz-Log-Result",
                    log_tail(cloud, &host.function.log_group, &request_id),
                );
            }
            let body = match outcome {
                Ok(value) => value,
                Err(InvokeError::Throttled) => {
                    let mut error = LambdaError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "TooManyRequestsException",
                        InvokeError::Throttled.message(),
                    );
                    error.extra.insert(
                        "Reason".into(),
                        json!("ReservedFunctionConcurrentInvocationLimitExceeded"),
                    );
                    return Err(error);
                }
                Err(InvokeError::NotFound(name)) => {
                    return Err(LambdaError::new(
                        StatusCode::NOT_FOUND,
                        "ResourceNotFoundException",
                        format!("Function not found: {name}"),
                    ));
                }
                Err(error @ InvokeError::Function(_)) => {
                    response = response.header("X-Amz-Function-Error", "Unhandled");
                    json!({"errorType": error.error_type(), "errorMessage": error.message()})
                }
            };
            Ok(response
                .body(Body::from(body.to_string()))
                .unwrap_or_default())
        }
    }
}

/// The last 4 KB of the invocation's log lines, base64: the lines of request
/// `request_id` in the function's log group `group`, each as the group holds it, one a line.
fn log_tail(cloud: &CloudInner, group: &str, request_id: &str) -> String {
    let mut text = String::new();
    for event in cloud.logs.events(group) {
        if event.text.contains(request_id) {
            text.push_str(&event.text);
            text.push('\n');
        }
    }
    let mut from = text.len().saturating_sub(LOG_TAIL_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[from..])
}

fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_named_by_name_partial_or_full_arn_with_or_without_qualifier() {
        let named = |given: &str, qualifier: Option<&str>| {
            function_ref(given, qualifier)
                .map(|r| (r.name.to_owned(), r.qualifier.map(str::to_owned)))
                .map_err(|e| e.code)
        };
        let plain = Ok(("fn".to_owned(), None));
        let latest = Ok(("fn".to_owned(), Some("$LATEST".to_owned())));
        assert_eq!(named("fn", None), plain);
        assert_eq!(named("fn:$LATEST", None), latest);
        assert_eq!(named("123456789012:function:fn", None), plain);
        assert_eq!(named("123456789012:function:fn:$LATEST", None), latest);
        assert_eq!(
            named("arn:aws:lambda:us-east-1:123456789012:function:fn", None),
            plain
        );
        assert_eq!(
            named(
                "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST",
                None
            ),
            latest
        );
        assert_eq!(named("fn", Some("$LATEST")), latest);
        assert_eq!(named("fn:$LATEST", Some("$LATEST")), latest);
        assert_eq!(
            named("fn:1", Some("2")),
            Err("InvalidParameterValueException")
        );
        for bad in ["", "a:b:c", "fn:", "arn:aws:s3:::bucket"] {
            assert_eq!(named(bad, None), Err("ValidationException"), "{bad}");
        }
    }
}
