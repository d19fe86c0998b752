//! Raw HTTP/1.1 to `orderly serve`, for the tests that speak the wire protocol byte by
//! byte: a request head, an answer parsed from what the connection sent.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One answer: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics, showing the body, if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// The headers of an AWS JSON request for `target` (`AWSEvents.PutEvents`): the target and
/// its service's content type.
pub fn aws_json(target: &str) -> Vec<(&str, &str)> {
    let content_type = if target.starts_with("AWSEvents.") {
        "application/x-amz-json-1.1"
    } else {
        "application/x-amz-json-1.0"
    };
    vec![("X-Amz-Target", target), ("Content-Type", content_type)]
}

/// The head of a POST of `body_len` bytes with `headers`, asking the server to close the
/// connection after answering.
pub fn post_head(port: u16, headers: &[(&str, &str)], body_len: usize) -> String {
    let mut head = format!("POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {body_len}\r\nConnection: close\r\n\r\n"
    ));
    head
}

/// The status and headers of an answer's head (the text before its blank line).
pub fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

/// Opens a connection and sends a POST of `body` with `headers`; the answer is read from
/// the returned stream with [`read_answer`], within `wait`.
pub fn send(port: u16, headers: &[(&str, &str)], body: &[u8], wait: Duration) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(wait)).expect("timeout");
    stream
        .write_all(post_head(port, headers, body.len()).as_bytes())
        .expect("write head");
    stream.write_all(body).expect("write body");
    stream
}

/// The answer on `stream`, read until the server closes the connection.
pub fn read_answer(stream: &mut TcpStream) -> std::io::Result<Answer> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let (head, body) = match split {
        Some(i) => (&raw[..i], raw[i + 4..].to_vec()),
        None => (&raw[..], Vec::new()),
    };
    let (status, headers) = parse_head(&String::from_utf8_lossy(head));
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// POSTs `body` with `headers` and reads the whole answer, within `wait`.
pub fn post(port: u16, headers: &[(&str, &str)], body: &[u8], wait: Duration) -> Answer {
    let mut stream = send(port, headers, body, wait);
    read_answer(&mut stream).expect("read answer")
}
