//! The local console: `orderly serve`'s web pages at [`PATH`], to watch the system run.
//! Workflow graphs with the path each execution took, the event flow of one order, queues
//! and their dead letters, the order funnel, and the logs.
//!
//! The pages are a small embedded front end ([`assets`]): one HTML page, a stylesheet and
//! a script without dependencies, compiled into the binary, so the console needs no
//! internet and no build step beside cargo's. They draw what a JSON API under
//! `PATH/api/` answers ([`api`]), and refresh when the server-sent events of
//! `PATH/api/live` say something changed. A template crate rendering HTML on the server
//! was the other choice; it would redraw whole pages on each change, and the JSON API is
//! wanted anyway, for tests and scripts.
//!
//! The console is for the person at the machine: requests must name a loopback host (a
//! page of another site cannot reach it through DNS rebinding), and a request that changes
//! anything (answering a task, redriving a queue) must carry [`WRITE_HEADER`], which a
//! page of another origin cannot send without a CORS preflight this server never grants.

mod api;
mod assets;
mod execution;
mod flow;
pub mod graph;
mod live;
mod logs;
mod metrics;
mod queues;
mod redact;
mod workflows;

use crate::runtime::CloudInner;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Where the console is served.
pub const PATH: &str = "/_console";

/// The header a console request that changes something carries.
pub const WRITE_HEADER: &str = "x-orderly-console";

/// The console's routes, at [`PATH`] and under it.
pub fn router(cloud: Arc<CloudInner>) -> Router {
    Router::new()
        .merge(assets::router())
        .nest(&format!("{PATH}/api"), api::router(cloud))
        .layer(middleware::from_fn(guard))
}

/// Whether `path` is the console's.
pub fn is_console_path(path: &str) -> bool {
    path.strip_prefix(PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The console's address on `endpoint` (`http://127.0.0.1:4566`).
pub fn address(endpoint: &str) -> String {
    format!("{}{PATH}/", endpoint.trim_end_matches('/'))
}

/// Refuses requests from anywhere but this machine's own pages, and sets the headers that
/// keep the pages to their own scripts.
async fn guard(request: Request, next: Next) -> Response {
    if let Err(why) = allowed(&request) {
        let body = serde_json::json!({"error": "Forbidden", "message": why});
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Why a request may not reach the console, if it may not.
fn allowed(request: &Request) -> Result<(), &'static str> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !is_loopback_host(host) {
        return Err(
            "the console answers requests for a loopback host only (127.0.0.1, localhost, [::1])",
        );
    }
    // A browser names where a request comes from: a page of another site may not even
    // read (each read costs the server a scan), nor be framed.
    let site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| s != "same-origin" && s != "none") {
        return Err("a console request from another site is refused");
    }
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return Ok(());
    }
    if !request.headers().contains_key(WRITE_HEADER) {
        return Err(
            "a console request that changes something carries the X-Orderly-Console header",
        );
    }
    // A browser names the page's origin; it must be this server's.
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| o == host);
        if !same {
            return Err("a console request from another origin is refused");
        }
    }
    Ok(())
}

/// Whether `host` (a Host header: name and optional port) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_hosts_pass() {
        for host in [
            "127.0.0.1:4566",
            "localhost:4566",
            "[::1]:4566",
            "127.0.0.1",
            "localhost",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example:4566",
            "10.0.0.1:4566",
            "localhost.evil.example",
            "[::2]:1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
