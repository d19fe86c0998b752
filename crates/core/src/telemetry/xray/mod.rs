//! X-Ray subsegments for the AWS SDK calls, without an X-Ray SDK.
//!
//! The AWS SDK for Rust opens one `tracing` span per operation (`DynamoDB.ListTables`, with
//! the fields `rpc.service` and `rpc.method`, at DEBUG) and reports what happened inside it
//! as DEBUG and TRACE events of `aws_smithy_runtime::client::orchestrator`: one
//! `try_attempt` span per attempt, the HTTP response (status and headers), the deserialized
//! error, the endpoint parameters (region). [`XrayLayer`] turns each such span into an
//! independent subsegment document and sends it over UDP to the X-Ray daemon, the way the
//! X-Ray SDKs of other languages do. Its own per-layer filter, [`SdkCalls`], lets it see
//! those spans whatever level the log output is filtered at.
//!
//! The trace comes from the invocation's trace header (`Root=...;Parent=...;Sampled=1`):
//! the `xrayTraceId` field of the span `lambda_runtime` opens per invocation, else the
//! `_X_AMZN_TRACE_ID` variable the runtime sets per invocation. Nothing is sent unless the
//! header says `Sampled=1`.

mod document;
mod header;
mod layer;
mod sdk_text;
#[cfg(test)]
mod test_fixtures;

pub use document::{Failure, Outcome, Subsegment};
pub use header::{TraceHeader, daemon_address_from_env, daemon_udp_address, root_of};
pub use layer::{SdkCalls, XrayLayer, layer};

use std::net::SocketAddr;
/// Where the X-Ray daemon listens; Lambda sets it, e.g. `169.254.79.129:2000`.
pub const DAEMON_ADDRESS_VAR: &str = "AWS_XRAY_DAEMON_ADDRESS";
/// The invocation's trace header; the Lambda runtime sets it per invocation.
pub const TRACE_HEADER_VAR: &str = "_X_AMZN_TRACE_ID";
/// The field of `lambda_runtime`'s invocation span that holds the trace header.
pub const INVOCATION_TRACE_FIELD: &str = "xrayTraceId";

/// Why X-Ray subsegments cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum XrayError {
    /// The variable's value is not `host:port` nor `tcp:… udp:…`.
    #[error(
        "{DAEMON_ADDRESS_VAR}={0:?} names no UDP address (expected `host:port` or `tcp:host:port udp:host:port`)"
    )]
    BadDaemonAddress(String),
    /// The host in the variable could not be resolved.
    #[error("{DAEMON_ADDRESS_VAR}={address:?} does not resolve: {source}")]
    Unresolved {
        /// The variable's value.
        address: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// The socket could not be bound, connected or made non-blocking.
    #[error("cannot open a UDP socket towards the X-Ray daemon at {daemon}: {source}")]
    Socket {
        /// The daemon's resolved address.
        daemon: SocketAddr,
        /// The socket's error.
        source: std::io::Error,
    },
}
