//! The front door, as a client calls it: `POST /orders` through the template's HTTP API,
//! signed in SigV4 and answered in process by the same code `orderly serve` answers with.

use crate::runtime::CloudInner;
use crate::server::http_api::{self, Routes, sign};
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use std::path::Path;

/// The host a request names; the signature covers it.
const HOST: &str = "127.0.0.1";

/// What the front door answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, parsed (`Null` when it is not JSON).
    pub body: Value,
}

/// Why a request could not be made (as opposed to an answer that is not 201).
#[derive(Debug, thiserror::Error)]
pub enum FrontDoorError {
    /// The order file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The read's error.
        source: std::io::Error,
    },
    /// The request could not be built (a header value the HTTP types refuse).
    #[error("cannot build the request: {0}")]
    Request(String),
}

/// Posts `events/http/<file>.json`, with `orderId` set to `order_id`, as a signed client
/// does, with `X-Correlation-Id: correlation_id`; the body's own `idempotencyKey` is the
/// key.
pub async fn post_order(
    cloud: &CloudInner,
    root: &Path,
    file: &str,
    order_id: &str,
    correlation_id: &str,
) -> Result<Answer, FrontDoorError> {
    let path = root.join("events/http").join(format!("{file}.json"));
    let text = std::fs::read_to_string(&path).map_err(|source| FrontDoorError::Read {
        path: path.clone(),
        source,
    })?;
    let mut order: Value = serde_json::from_str(&text).map_err(|e| FrontDoorError::Read {
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    order["orderId"] = Value::from(order_id);
    let body = order.to_string();
    let amz_date = sign::amz_date(cloud.clock.now_ms())
        .ok_or_else(|| FrontDoorError::Request("the clock is outside the calendar".into()))?;
    let authorization = sign::authorization(&sign::Signing {
        access_key_id: sign::EXAMPLE_ACCESS_KEY_ID,
        secret: sign::EXAMPLE_SECRET,
        region: &cloud.model.region,
        method: "POST",
        path: "/orders",
        host: HOST,
        amz_date: &amz_date,
        body: body.as_bytes(),
    });
    let request = Request::builder()
        .method("POST")
        .uri("/orders")
        .header("host", HOST)
        .header("content-type", "application/json")
        .header("x-amz-date", amz_date)
        .header("authorization", authorization)
        .header("x-correlation-id", correlation_id)
        .body(Body::from(body))
        .map_err(|e| FrontDoorError::Request(e.to_string()))?;
    let routes = Routes::of(&cloud.model);
    let response = http_api::serve(cloud, &routes, request).await;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    Ok(Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    })
}
