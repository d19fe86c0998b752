//! How long `orderly serve` waits for each part of a request, and how many connections it
//! holds at once: what keeps slow or idle clients from holding the server.

use std::time::Duration;

/// The transport limits of the server. `orderly serve` takes each as an option; the
/// defaults are [`Limits::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a connection's accept, or the first byte of a request, until its headers are
    /// complete. A connection over it is closed without an answer: there is no request yet
    /// to answer.
    pub header_timeout: Duration,
    /// From a request's headers until the last byte of its body; over it the request is
    /// answered 408 `RequestTimeoutException` and the connection closed.
    pub body_timeout: Duration,
    /// From a request's headers until its answer; over it the request is answered 503
    /// `ServiceUnavailable`.
    pub request_timeout: Duration,
    /// How long a kept-alive connection may wait, between requests, for the next one.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Limits {
    /// The defaults: generous for any client on loopback, short enough that a slow or
    /// silent client gives its connection back within a minute.
    pub const DEFAULT: Self = Self {
        header_timeout: Duration::from_secs(20),
        body_timeout: Duration::from_secs(30),
        // Longer than the longest call AWS itself holds open: StartSyncExecution answers
        // when its Express execution ends, and those run for up to 5 minutes.
        request_timeout: Duration::from_secs(330),
        // AWS's own load balancers close a connection idle for 60 s by default.
        idle_timeout: Duration::from_secs(60),
        // Far more than the AWS CLI (10) or a test harness opens, and, times the body
        // cap, a bounded amount of memory (256 × 4 MiB; 256 × 10 MB of HTTP API bodies).
        max_connections: 256,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The largest request body the server reads, in bytes; a larger one is answered 413
/// `RequestEntityTooLargeException` before its body is read.
///
/// The largest payload a served action accepts is 1 MiB: an SQS message with its
/// attributes (SendMessage) and a whole Step Functions request. AWS documents no cap of
/// the JSON wire body itself, and the AWS CLI escapes every non-ASCII character as
/// `\uXXXX` (12 bytes for a 4-byte character), so a 1 MiB message can take 3 MiB on the
/// wire: 4 MiB leaves room for the rest of the request. The actions' own limits are
/// checked on the decoded members.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The largest body of an HTTP API request: API Gateway's payload quota for HTTP APIs
/// (10 MB), larger than [`MAX_BODY_BYTES`] since that is the limit AWS applies to these
/// requests.
pub const HTTP_API_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
