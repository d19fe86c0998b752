//! `orderly serve` against slow and greedy clients, over loopback: connections that send
//! too slowly or sit idle are closed at their timeout while other clients are served, and
//! no more than `--max-connections` connections are served at once.
//!
//! The timeouts are set to 1 s; each wait for the server to act is bounded by `PATIENCE`,
//! far longer, so a slow machine makes these tests slower, not wrong.

use crate::serve_support;

use serve_support::Server;
use serve_support::http::{self, Answer};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a test waits for the server before calling it stuck.
const PATIENCE: Duration = Duration::from_secs(30);

/// The options of a server whose timeouts are short.
const SHORT_TIMEOUTS: &[&str] = &[
    "--header-timeout",
    "1",
    "--body-timeout",
    "1",
    "--idle-timeout",
    "1",
];

/// Asserts the AWS JSON error shape: status, `__type`, error type header, request id.
fn assert_aws_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.json()["__type"], code, "{answer:?}");
    assert_eq!(answer.header("x-amzn-errortype"), Some(code), "{answer:?}");
    assert!(
        answer
            .header("x-amzn-requestid")
            .is_some_and(|id| !id.is_empty()),
        "no request id: {answer:?}"
    );
}

/// A raw HTTP/1.1 connection to the server.
struct Conn(TcpStream);

impl Conn {
    fn open(server: &Server) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        Self(stream)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).expect("send");
    }

    /// Reads one whole answer (headers, then `content-length` bytes of body).
    fn answer(&mut self) -> Answer {
        let mut raw = Vec::new();
        let head_end = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut byte = [0u8; 1];
            match self.0.read(&mut byte) {
                Ok(1) => raw.push(byte[0]),
                other => panic!(
                    "no answer ({other:?}) after {:?}",
                    String::from_utf8_lossy(&raw)
                ),
            }
        };
        let (status, headers) = http::parse_head(&String::from_utf8_lossy(&raw[..head_end]));
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        self.0.read_exact(&mut body).expect("read body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// What the server sends until it closes the connection; panics if it keeps the
    /// connection open for `PATIENCE`.
    fn until_closed(&mut self, what: &str) -> Vec<u8> {
        let mut rest = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.0.read(&mut chunk) {
                Ok(0) => return rest,
                Ok(n) => rest.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return rest,
                Err(e) => panic!("{what}: still open after {PATIENCE:?} ({e})"),
            }
        }
    }

    /// What the server has sent within `wait`: `None` for nothing yet, `Some(0)` for a
    /// closed connection, `Some(n)` for bytes of an answer.
    fn peek_within(&mut self, wait: Duration) -> Option<usize> {
        self.0.set_read_timeout(Some(wait)).expect("read timeout");
        let mut byte = [0u8; 1];
        let seen = match self.0.peek(&mut byte) {
            Ok(n) => Some(n),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Some(0),
            Err(e) => panic!("peek: {e}"),
        };
        self.0
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        seen
    }
}

/// A complete ListQueues request; `close` asks the server to close after answering.
fn list_queues(close: bool) -> Vec<u8> {
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\
         Connection: {connection}\r\n\r\n{{}}"
    )
    .into_bytes()
}

/// One request on its own connection, answered in full.
fn served(server: &Server) -> Answer {
    let mut conn = Conn::open(server);
    conn.send(&list_queues(true));
    conn.answer()
}

#[test]
fn slow_and_idle_connections_are_closed_at_their_timeout_while_others_are_served() {
    let server = Server::start_args(SHORT_TIMEOUTS);

    // Given four connections that hold the server without finishing a request:
    let mut silent = Conn::open(&server);
    let mut partial_head = Conn::open(&server);
    partial_head.send(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Amaz");
    let mut partial_body = Conn::open(&server);
    partial_body.send(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n\
          Content-Type: application/x-amz-json-1.0\r\nContent-Length: 100\r\n\r\n{\"Queue",
    );
    let mut idle = Conn::open(&server);
    idle.send(&list_queues(false));
    assert_eq!(
        idle.answer().status,
        200,
        "a kept-alive request is answered"
    );

    // When another client comes meanwhile, it is served:
    let answer = served(&server);
    assert_eq!(answer.status, 200, "{answer:?}");

    // Then each slow connection is closed; a request whose body stalled is answered 408
    // in the AWS shape first.
    assert_eq!(silent.until_closed("a silent connection"), b"");
    assert_eq!(partial_head.until_closed("partial headers"), b"");
    assert_eq!(idle.until_closed("an idle kept-alive connection"), b"");
    let answer = partial_body.answer();
    assert_aws_error(&answer, 408, "RequestTimeoutException");
    assert_eq!(partial_body.until_closed("a stalled body"), b"");

    // And the server still serves.
    assert_eq!(served(&server).status, 200);
}

#[test]
fn headers_trickled_a_byte_at_a_time_are_cut_at_the_header_timeout() {
    let server = Server::start_args(SHORT_TIMEOUTS);
    let mut conn = Conn::open(&server);
    // Given a client that keeps sending, one header byte every 100 ms, far past the
    // 1 s header timeout: each byte comes well within any idle timeout.
    let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".to_owned() + &"a".repeat(400);
    let mut cut = false;
    for byte in head.bytes() {
        if conn.0.write_all(&[byte]).is_err() {
            cut = true;
            break;
        }
        if conn.peek_within(Duration::from_millis(100)).is_some() {
            cut = true;
            break;
        }
    }
    // Then the server closed the connection before the client was done (40 s of bytes).
    assert!(cut, "a trickled header held the connection for 40 s");
    assert_eq!(conn.until_closed("a trickled header"), b"");
}

#[test]
fn no_more_connections_than_the_cap_are_served_at_once() {
    let server = Server::start_args(&["--max-connections", "2"]);
    // Given two kept-alive connections, each served once, holding both slots:
    let mut first = Conn::open(&server);
    let mut second = Conn::open(&server);
    for conn in [&mut first, &mut second] {
        conn.send(&list_queues(false));
        assert_eq!(conn.answer().status, 200);
    }
    // When a third client sends a whole request,
    let mut third = Conn::open(&server);
    third.send(&list_queues(true));
    // then the two held connections are still served,
    for _ in 0..3 {
        first.send(&list_queues(false));
        assert_eq!(first.answer().status, 200);
    }
    // and the third waits: it is not served while both slots are held.
    assert_eq!(
        third.peek_within(Duration::from_millis(500)),
        None,
        "a third connection was served beside two held ones with --max-connections 2"
    );
    // Once one held connection closes, the third is served.
    drop(first);
    assert_eq!(third.answer().status, 200);
    second.send(&list_queues(false));
    assert_eq!(second.answer().status, 200);
}

#[test]
fn a_body_over_the_cap_is_refused_413_in_the_aws_shape() {
    let server = Server::start();
    let mut conn = Conn::open(&server);
    // 5 MiB announced, nothing sent: refused from the headers, the body never read.
    conn.send(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSEvents.PutEvents\r\n\
          Content-Type: application/x-amz-json-1.1\r\nContent-Length: 5242880\r\n\r\n{",
    );
    let answer = conn.answer();
    assert_aws_error(&answer, 413, "RequestEntityTooLargeException");
    assert_eq!(
        answer.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
}
