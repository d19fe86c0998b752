//! Raw-HTTP requests to `orderly serve` and a table runner for the limits tests: each case
//! posts one body and names the answer AWS gives (status, error code, exact message).
#![allow(dead_code)]

use crate::serve_support::http;
use serde_json::Value;
use std::time::Duration;

/// One answer: status, the `x-amzn-query-error` header if any, and the body as JSON.
pub struct Answer {
    pub status: u16,
    pub query_error: Option<String>,
    pub json: Value,
}

/// Posts `body` to `target` (`AWSEvents.PutEvents`) on the server at `port`.
pub fn post(port: u16, target: &str, body: &Value) -> Answer {
    let answer = http::post(
        port,
        &http::aws_json(target),
        body.to_string().as_bytes(),
        Duration::from_secs(60),
    );
    Answer {
        status: answer.status,
        query_error: answer.header("x-amzn-query-error").map(str::to_owned),
        json: serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
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
