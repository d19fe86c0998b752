//! The transport layers of `orderly serve` in-process, around routers made to misbehave:
//! whatever a layer answers on its own (a panic, a timeout, a body over the cap) is an AWS
//! JSON error of the request's protocol, with a request id.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use orderly_local::server::layers::layered;
use orderly_local::server::transport::Limits;
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt;

/// A request to `target` with `body`.
fn request(target: &str, body: Body) -> Request<Body> {
    Request::post("/")
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .body(body)
        .expect("a valid request")
}

/// An error answer, as a client reads it.
struct AwsError {
    status: StatusCode,
    code: String,
    content_type: String,
    request_id: String,
}

/// Reads an answer that must be in the AWS JSON error shape.
async fn error_of(response: Response<Body>) -> AwsError {
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, request_id) = (header("content-type"), header("x-amzn-requestid"));
    let error_type = header("x-amzn-errortype");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
    let code = body["__type"].as_str().unwrap_or_default().to_owned();
    assert_eq!(error_type, code, "x-amzn-errortype names the error");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    AwsError {
        status,
        code,
        content_type,
        request_id,
    }
}

async fn panics() {
    panic!("a bug in an operation");
}

#[tokio::test]
async fn a_panicking_request_is_answered_500_internal_failure() {
    let app = layered(Router::new().fallback(panics), &Limits::DEFAULT);
    let response = app
        .clone()
        .oneshot(request("AmazonSQS.SendMessage", Body::from("{}")))
        .await
        .expect("infallible");
    let error = error_of(response).await;
    assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error.code, "InternalFailure");
    assert_eq!(error.content_type, "application/x-amz-json-1.0");
    assert!(!error.request_id.is_empty());
    // The server goes on: the next request is served by the same app.
    let response = app
        .oneshot(request("AWSEvents.PutEvents", Body::from("{}")))
        .await
        .expect("infallible");
    let error = error_of(response).await;
    assert_eq!(error.code, "InternalFailure");
    assert_eq!(error.content_type, "application/x-amz-json-1.1");
}

#[tokio::test(start_paused = true)]
async fn a_request_over_the_request_timeout_is_answered_503_service_unavailable() {
    let app = layered(
        Router::new().fallback(|| async {
            tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
        }),
        &Limits::DEFAULT,
    );
    let response = app
        .oneshot(request(
            "AWSStepFunctions.StartSyncExecution",
            Body::empty(),
        ))
        .await
        .expect("infallible");
    let error = error_of(response).await;
    assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code, "ServiceUnavailable");
    assert!(!error.request_id.is_empty());
}

#[tokio::test]
async fn a_streamed_body_over_the_cap_is_answered_413() {
    let app = layered(
        Router::new().fallback(|body: axum::body::Bytes| async move { body.len().to_string() }),
        &Limits::DEFAULT,
    );
    // No content-length: the cap is found while reading, 1 MiB chunk after chunk.
    let chunks =
        futures::stream::iter((0..5).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024 * 1024])));
    let response = app
        .oneshot(request("AmazonSQS.SendMessage", Body::from_stream(chunks)))
        .await
        .expect("infallible");
    let error = error_of(response).await;
    assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error.code, "RequestEntityTooLargeException");
    assert!(!error.request_id.is_empty());
}
