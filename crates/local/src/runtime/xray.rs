//! X-Ray trace headers, carried the way AWS carries them: on PutEvents entries, as the
//! `AWSTraceHeader` system attribute of SQS messages, into executions and into the Lambda
//! invocations they make. The header of the work being run is a task-local, so a handler
//! that publishes passes it on without knowing about it, as a Lambda function passes on
//! `_X_AMZN_TRACE_ID`.

use std::future::Future;

tokio::task_local! {
    static CURRENT: String;
}

/// The SQS system attribute that carries the header.
pub const SQS_ATTRIBUTE: &str = "AWSTraceHeader";

/// The header of the work running now, if it belongs to a trace.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `work` as part of the trace `header`.
pub async fn scope<F: Future>(header: String, work: F) -> F::Output {
    CURRENT.scope(header, work).await
}

/// The current header, or a new trace started at `now_ms` (epoch milliseconds).
pub fn current_or_new(now_ms: i64) -> String {
    current().unwrap_or_else(|| new_header(now_ms))
}

/// A new sampled trace: `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
pub fn new_header(now_ms: i64) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{:08x}-{};Sampled=1",
        (now_ms / 1000).max(0),
        &random[..24]
    )
}

/// The trace id of a header (its `Root`), which every segment of the trace shares.
pub fn root(header: &str) -> &str {
    orderly_core::telemetry::xray::root_of(header).unwrap_or(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_header_has_the_x_ray_shape_and_its_root_is_found() {
        let header = new_header(1_700_000_000_000);
        let root = root(&header);
        let parts: Vec<&str> = root.split('-').collect();
        assert_eq!(parts.len(), 3, "{root}");
        assert_eq!(parts[0], "1");
        assert_eq!(parts[1], format!("{:08x}", 1_700_000_000u64));
        assert_eq!(parts[2].len(), 24);
        assert!(parts[2].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            super::root(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
            ),
            "1-5759e988-bd862e3fe1be46a994272793"
        );
    }

    #[tokio::test]
    async fn the_header_is_seen_inside_its_scope_only() {
        assert_eq!(current(), None);
        let inside = scope("Root=1-a-b".into(), async { current() }).await;
        assert_eq!(inside.as_deref(), Some("Root=1-a-b"));
        assert_eq!(current(), None);
    }
}
