//! Facts read from the `Debug` text of the SDK's values: a response's status and request
//! id, an error's code and message.

use super::document::Failure;
use std::fmt::{self, Write as _};

/// Bounds on what is read from the SDK's debug output: the status and headers come first in
/// a response, so a few kilobytes hold them; an error's code and message can follow a large
/// returned item (ALL_OLD), hence the larger bound for errors.
pub(super) const RESPONSE_SCAN_LIMIT: usize = 8 * 1024;
pub(super) const ERROR_SCAN_LIMIT: usize = 64 * 1024;
/// X-Ray exception messages are kept short; a subsegment must fit in one datagram.
pub(super) const CAUSE_MESSAGE_LIMIT: usize = 1024;

/// The `Debug` text of `value`, cut at `limit` bytes: formatting stops there, so a large
/// body or item costs no more than the limit.
pub(super) fn bounded_debug(value: &dyn fmt::Debug, limit: usize) -> String {
    struct Bounded {
        text: String,
        limit: usize,
    }
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = self.limit.saturating_sub(self.text.len());
            if s.len() <= room {
                self.text.push_str(s);
                return Ok(());
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&s[..cut]);
            // An error ends the formatting early; the text so far is what is wanted.
            Err(fmt::Error)
        }
    }
    let mut out = Bounded {
        text: String::new(),
        limit,
    };
    let _ = write!(out, "{value:?}");
    out.text
}

/// `StatusCode(200)` in the SDK's debug text of a response.
pub(super) fn parse_status(text: &str) -> Option<u16> {
    let start = text.find("status: StatusCode(")? + "status: StatusCode(".len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The request id header of a response, as the SDK's debug text of its headers shows it.
pub(super) fn parse_request_id(text: &str) -> Option<String> {
    ["\"x-amzn-requestid\": \"", "\"x-amz-request-id\": \""]
        .iter()
        .find_map(|prefix| quoted_after(text, prefix))
}

/// The error's code and message from the SDK's debug text of an error. Only those two: the
/// rest can hold returned items, and personal data must not leave in a trace.
pub(super) fn parse_failure(text: &str) -> Failure {
    let kind = quoted_after(text, "code: Some(\"").unwrap_or_else(|| {
        [
            "Timeout",
            "Connector",
            "Response",
            "Interceptor",
            "Operation",
            "Other",
        ]
        .iter()
        .find(|kind| text.contains(&format!("kind: {kind}")))
        .map_or_else(|| "SdkError".to_owned(), |kind| format!("{kind}Error"))
    });
    let message = quoted_after(text, "message: Some(\"").map(|message| {
        let mut cut = message.len().min(CAUSE_MESSAGE_LIMIT);
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message[..cut].to_owned()
    });
    Failure { kind, message }
}

/// The Rust string literal that starts right after the first `prefix`, unescaped.
pub(super) fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let mut value = String::new();
    let mut chars = text[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    // Cut off before the closing quote: not a value to trust.
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::xray::document::Outcome;
    use crate::telemetry::xray::test_fixtures::{ERROR_WITH_ITEM, RESPONSE_OK, Shown, subsegment};

    #[test]
    fn response_and_error_texts_give_status_request_id_and_cause() {
        assert_eq!(parse_status(RESPONSE_OK), Some(200));
        assert_eq!(
            parse_request_id(RESPONSE_OK).as_deref(),
            Some("7ea2e6f2-8e1b-4bd6-a8e0-3c1d64a9b2a1")
        );
        let failure = parse_failure(ERROR_WITH_ITEM);
        assert_eq!(failure.kind, "ConditionalCheckFailedException");
        assert_eq!(
            failure.message.as_deref(),
            Some("The conditional request failed")
        );
        let connector = parse_failure(
            r#"OrchestratorError { kind: Connector { source: ConnectorError { kind: Io, source: hyper::Error(Connect) } } }"#,
        );
        assert_eq!(
            connector,
            Failure {
                kind: "ConnectorError".to_owned(),
                message: None
            }
        );
        assert_eq!(
            quoted_after(r#"message: Some("say \"hi\"\n")"#, "message: Some(\""),
            Some("say \"hi\"\n".to_owned())
        );
        assert_eq!(
            quoted_after(r#"message: Some("cut"#, "message: Some(\""),
            None
        );
    }

    #[test]
    fn personal_data_in_an_error_never_reaches_the_document() {
        let doc = subsegment(Outcome {
            status: Some(400),
            failure: Some(parse_failure(ERROR_WITH_ITEM)),
        })
        .document();
        assert!(!doc.to_string().contains("ada@example.com"), "{doc}");
    }

    #[test]
    fn debug_text_is_cut_at_the_limit() {
        assert_eq!(bounded_debug(&Shown("abcdef"), 4), "abcd");
        assert_eq!(bounded_debug(&Shown("ab"), 4), "ab");
        assert_eq!(bounded_debug(&Shown("aé"), 2), "a");
    }
}
