//! The stack's HTTP APIs (`AWS::Serverless::HttpApi` and the functions' `HttpApi`
//! events), served as API Gateway serves them: a request that is not an AWS JSON-protocol
//! call (no `X-Amz-Target`) and matches a route invokes the route's function with the
//! payload format 2.0 event, and the function's answer is the HTTP answer.
//!
//! API Gateway's own answers: 404 `Not Found` for a request no route matches, 500
//! `Internal Server Error` when the function fails or answers in a shape API Gateway cannot
//! send, 503 `Service Unavailable` when it does not answer within the route's integration
//! timeout (`TimeoutInMillis`, 30 s by default); 403 for a route with the `AWS_IAM`
//! authorizer and a request that is unsigned (`Forbidden`) or not signed in SigV4's form
//! ([`iam`]: the form only, as keys are not real here).

pub mod event;
pub mod iam;
pub mod response;
pub mod routes;
pub mod sign;

use crate::runtime::CloudInner;
use crate::runtime::trace::{Hop, HopKind};
use crate::template::RouteAuth;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, Version};
use axum::response::Response;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tower_http::request_id::RequestId;

pub use routes::Routes;

/// The header API Gateway names each HTTP API request with.
const APIGW_REQUEST_ID: &str = "apigw-requestid";

/// Answers `request` as the stack's HTTP APIs do.
pub async fn serve(cloud: &CloudInner, routes: &Routes, request: Request) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    // What the trace needs of the request, before the request is consumed.
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let correlation_id = request
        .headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut response = answer(cloud, routes, request, &request_id).await;
    cloud.trace.record(Hop {
        wall_us: 0,
        at_ms: cloud.clock.now_ms(),
        correlation_id,
        kind: HopKind::HttpRequest {
            method,
            path,
            status: response.status().as_u16(),
        },
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(APIGW_REQUEST_ID, value);
    }
    response
}

async fn answer(
    cloud: &CloudInner,
    routes: &Routes,
    request: Request,
    request_id: &str,
) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let Some(matched) = routes.find(method.as_str(), uri.path()) else {
        return response::gateway(StatusCode::NOT_FOUND, "Not Found");
    };
    let route = matched.route;
    let source_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |info| info.0.ip());
    let protocol = protocol(request.version());
    let headers = request.headers().clone();
    let now_ms = cloud.clock.now_ms();
    let authorizer = match route.auth {
        RouteAuth::None => None,
        RouteAuth::AwsIam => {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let signed = iam::Signed {
                authorization: header("authorization"),
                amz_date: header("x-amz-date"),
            };
            match iam::authorize(signed, now_ms, &cloud.model.region, &cloud.model.account_id) {
                Ok(authorizer) => Some(authorizer),
                Err(refusal) => {
                    return response::gateway(StatusCode::FORBIDDEN, &refusal.to_string());
                }
            }
        }
    };
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        // The body cap or deadline: the transport layers' answer, in API Gateway's shape.
        Err(rejection) => return response::for_status(rejection.status()),
    };
    let event = event::event(
        &matched,
        event::Request {
            method: &method,
            path: uri.path(),
            query: uri.query().unwrap_or_default(),
            protocol,
            headers: &headers,
            body: &body,
            source_ip,
            request_id,
            now_ms,
            account_id: &cloud.model.account_id,
            authorizer,
        },
    );
    let invocation = cloud.invoke(&route.function, event);
    let outcome = tokio::select! {
        outcome = invocation => outcome,
        () = cloud.clock.sleep_ms(i64::from(route.timeout_ms)) => {
            tracing::warn!(target: "orderly_local::server", route = %route.key, timeout_ms = route.timeout_ms, "integration timed out");
            return response::gateway(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
        }
    };
    match outcome {
        Ok(answer) => response::from_function(answer).unwrap_or_else(|e| {
            tracing::warn!(target: "orderly_local::server", route = %route.key, error = %e, "malformed function answer");
            internal_error()
        }),
        Err(e) => {
            tracing::warn!(target: "orderly_local::server", route = %route.key, error = %e, "function error");
            internal_error()
        }
    }
}

fn internal_error() -> Response {
    response::gateway(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}
