//! Raw-HTTP requests to `orderly serve` and a table runner for the limits tests: each case
//! posts one body and names the answer AWS gives (status, error code, exact message).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One answer: status, the `x-amzn-query-error` header if any, and the body as JSON.
pub struct Answer {
    pub status: u16,
    pub query_error: Option<String>,
    pub json: Value,
}

/// Posts `body` to `target` (`AWSEvents.PutEvents`) on the server at `port`.
pub fn post(port: u16, target: &str, body: &Value) -> Answer {
    let body = body.to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: {target}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let query_error = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("x-amzn-query-error"))
        .map(|(_, v)| v.trim().to_owned());
    Answer {
        status,
        query_error,
        json: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// What a case expects.
pub enum Expect {
    /// HTTP 200.
    Accepted,
    /// HTTP 400 with this error code (the `__type` after any namespace) and exact message.
    Refused(&'static str, String),
}

/// One edge: a name, the operation, the body and the expected answer.
pub struct Case {
    pub name: &'static str,
    pub target: &'static str,
    pub body: Value,
    pub expect: Expect,
}

/// Runs every case, collecting every mismatch before failing.
pub fn run(port: u16, cases: Vec<Case>, query_errors: bool) {
    let mut failures = Vec::new();
    for case in cases {
        let answer = post(port, case.target, &case.body);
        let code = answer.json["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
        match &case.expect {
            Expect::Accepted if answer.status == 200 => {}
            Expect::Accepted => failures.push(format!(
                "{}: expected 200, got {} {}",
                case.name, answer.status, answer.json
            )),
            Expect::Refused(want_code, want_message) => {
                let message = answer.json["message"].as_str().unwrap_or_default();
                let query_ok = !query_errors
                    || answer.query_error.as_deref() == Some(&format!("{want_code};Sender"));
                if answer.status != 400
                    || code.as_deref() != Some(want_code)
                    || message != want_message
                    || !query_ok
                {
                    failures.push(format!(
                        "{}: expected 400 {want_code} {want_message:?}, got {} {:?} {:?} \
                         (query error {:?})",
                        case.name,
                        answer.status,
                        code,
                        truncate(message),
                        answer.query_error
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn truncate(s: &str) -> &str {
    &s[..s.char_indices().nth(300).map_or(s.len(), |(i, _)| i)]
}

/// `Coral`'s one-error ValidationException message.
pub fn one_error(value: &str, at: &str, rule: &str) -> String {
    format!(
        "1 validation error detected: Value {value}at '{at}' failed to satisfy constraint: {rule}"
    )
}
