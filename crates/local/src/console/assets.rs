//! The console's page, stylesheet and script, compiled into the binary.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("../../console/index.html");
const SCRIPT: &str = include_str!("../../console/console.js");
const STYLE: &str = include_str!("../../console/console.css");

/// The page at the console's root (with its slash or without), and its two files.
pub fn router() -> Router {
    let at = |file: &str| format!("{}/{file}", super::PATH);
    Router::new()
        .route(super::PATH, get(|| async { html(INDEX) }))
        .route(&at(""), get(|| async { html(INDEX) }))
        .route(
            &at("console.js"),
            get(|| async { file("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            &at("console.css"),
            get(|| async { file("text/css; charset=utf-8", STYLE) }),
        )
}

fn html(body: &'static str) -> impl IntoResponse {
    file("text/html; charset=utf-8", body)
}

fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type)], body)
}
