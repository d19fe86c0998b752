//! The request constraints of the API references, declared once per service as tables of
//! member → constraint, and the checks and AWS-worded errors derived from them.
//!
//! EventBridge and Step Functions answer a broken model constraint with `ValidationException`
//! and Coral's words (`1 validation error detected: Value 'x' at 'name' failed to satisfy
//! constraint: Member must have length less than or equal to 80`); SQS answers with its
//! query-protocol codes and sentences, so its table carries its own reasons (see `sqs`).

pub mod events;
pub mod kinesis;
pub mod sfn;
pub mod sqs;

use super::wire::{ApiError, Input};
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// A constraint of the API reference on one member.
pub enum Check {
    /// A string's length in characters, inclusive.
    Length(usize, usize),
    /// A string's length in UTF-8 bytes, inclusive: the members whose reference says
    /// "Length constraints apply to the payload size, and are expressed as bytes in UTF-8".
    Bytes(usize, usize),
    /// A list's number of items, inclusive.
    Items(usize, usize),
    /// An integer's value, inclusive.
    Range(i64, i64),
    /// One of these values.
    Enum(&'static [&'static str]),
    /// Matches the whole of this regular expression, as the reference prints it (and as
    /// AWS quotes it in its message).
    Pattern(&'static str),
}

/// Whether `value` matches the whole of the reference's regular expression `source`.
/// Each expression is compiled once, on first use; the tables name a handful of them.
fn matches(source: &'static str, value: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Option<Regex>>>> =
        LazyLock::new(Default::default);
    // The lock is held for the lookup only: a `Regex` clone shares its compiled program, so
    // concurrent requests match in parallel rather than one after another.
    let regex = CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(source)
        .or_insert_with(|| Regex::new(&format!("^(?:{source})$")).ok())
        .clone();
    // A table entry that does not compile is a bug of the table, caught by its tests; it
    // must not refuse requests.
    regex.is_none_or(|r| r.is_match(value))
}

/// One member of an operation's input: its wire name, the name AWS's messages give it, and
/// its constraints.
pub struct Member {
    /// The key in the JSON body (`stateMachineArn`, `Entries`).
    pub key: &'static str,
    /// The name in validation messages: Coral lower-cases the first letter (`entries`).
    pub path: &'static str,
    /// Whether the operation cannot do without it.
    pub required: bool,
    /// Sensitive members (execution input and output, task errors) are not echoed back.
    pub sensitive: bool,
    /// The reference's constraints.
    pub checks: &'static [Check],
}

impl Member {
    /// An optional, non-sensitive member.
    pub const fn new(key: &'static str, path: &'static str, checks: &'static [Check]) -> Self {
        Self {
            key,
            path,
            required: false,
            sensitive: false,
            checks,
        }
    }

    /// Marks the member required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks the member sensitive: its value stays out of messages.
    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

/// One broken constraint, as Coral words it.
fn violation(member: &Member, value: &Value, check: &Check, prefix: &str) -> Option<String> {
    let rule = match (check, value) {
        (Check::Length(min, max), Value::String(s)) => {
            length_rule(s.chars().count(), *min, *max, "length")
        }
        (Check::Bytes(min, max), Value::String(s)) => length_rule(s.len(), *min, *max, "length"),
        (Check::Items(min, max), Value::Array(items)) => {
            length_rule(items.len(), *min, *max, "length")
        }
        (Check::Range(min, max), Value::Number(n)) => {
            let n = n.as_i64()?;
            if n < *min {
                Some(format!(
                    "Member must have value greater than or equal to {min}"
                ))
            } else if n > *max {
                Some(format!(
                    "Member must have value less than or equal to {max}"
                ))
            } else {
                None
            }
        }
        (Check::Enum(values), Value::String(s)) => (!values.contains(&s.as_str())).then(|| {
            format!(
                "Member must satisfy enum value set: [{}]",
                values.join(", ")
            )
        }),
        (Check::Pattern(p), Value::String(s)) => {
            (!matches(p, s)).then(|| format!("Member must satisfy regular expression pattern: {p}"))
        }
        _ => None,
    }?;
    Some(format!(
        "Value {}at '{prefix}{}' failed to satisfy constraint: {rule}",
        shown(member, value),
        member.path
    ))
}

fn length_rule(len: usize, min: usize, max: usize, what: &str) -> Option<String> {
    if len < min {
        Some(format!(
            "Member must have {what} greater than or equal to {min}"
        ))
    } else if len > max {
        Some(format!(
            "Member must have {what} less than or equal to {max}"
        ))
    } else {
        None
    }
}

/// How a value appears in a message: quoted, or left out for sensitive members and lists.
fn shown(member: &Member, value: &Value) -> String {
    match value {
        _ if member.sensitive => String::new(),
        Value::String(s) => format!("'{s}' "),
        Value::Number(n) => format!("'{n}' "),
        Value::Bool(b) => format!("'{b}' "),
        _ => String::new(),
    }
}

/// The `ValidationException` of a list of broken constraints, as Coral joins them.
pub fn validation_error(violations: &[String]) -> ApiError {
    let count = violations.len();
    let noun = if count == 1 { "error" } else { "errors" };
    let text = violations.join("; ");
    ApiError::validation(format!("{count} validation {noun} detected: {text}"))
}

/// Every broken constraint of `members` in `input`, in table order.
pub fn violations(input: &Input, members: &[Member]) -> Vec<String> {
    violations_at(input, members, "")
}

/// As `violations`, for a nested structure whose members messages name `prefix` + path
/// (`entries.1.member.` for the first item of a list, as Coral names it).
pub fn violations_at(input: &Input, members: &[Member], prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for member in members {
        match input.get(member.key) {
            None if member.required => out.push(format!(
                "Value null at '{prefix}{}' failed to satisfy constraint: Member must not be null",
                member.path
            )),
            None => {}
            Some(value) => out.extend(
                member
                    .checks
                    .iter()
                    .filter_map(|check| violation(member, value, check, prefix)),
            ),
        }
    }
    out
}

/// Checks `input` against `members`: `Ok` when every constraint holds, else the
/// `ValidationException` naming each broken one.
pub fn check(input: &Input, members: &[Member]) -> Result<(), ApiError> {
    let found = violations(input, members);
    if found.is_empty() {
        Ok(())
    } else {
        Err(validation_error(&found))
    }
}
