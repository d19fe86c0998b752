//! JSON documents carried as text (`Detail`, execution `input`, task `output`), read to
//! the nesting depth AWS processes and no deeper, so nothing downstream (pattern matching,
//! input transformers, JSONPath, the state machine interpreter, serialising, dropping)
//! recurses further than a bounded number of levels.

use serde::Deserialize;
use serde_json::Value;

/// "PutEvents will only process nested JSON up to 1100 levels deep" (the PutEvents API
/// reference): the deepest `Detail`.
pub const MAX_DEPTH: usize = 1100;

/// The deepest document that carries an event (a target's input, an execution's input and
/// output): the event's own object around the deepest `Detail`. The Step Functions
/// references give no nesting limit for `input` and `output`; this one lets every event
/// PutEvents accepts start an execution, well above serde_json's default of 128.
pub const MAX_EVENT_DEPTH: usize = MAX_DEPTH + 1;

/// Why a document member could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Nested deeper than the limit.
    #[error("nested {depth} levels deep, above the {limit} levels processed")]
    TooDeep {
        /// The deepest nesting found (counted up to `limit + 1`).
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON.
    #[error("{0}")]
    Syntax(String),
}

/// The deepest container nesting of JSON text (`{}` is 1), counting no further than
/// `limit + 1`: one pass over the bytes, no recursion. Brackets inside strings do not count.
pub fn depth(text: &str, limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in text.as_bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses a document nested at most `limit` containers deep.
pub fn parse(text: &str, limit: usize) -> Result<Value, DocumentError> {
    let depth = depth(text, limit);
    if depth > limit {
        return Err(DocumentError::TooDeep { depth, limit });
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // The depth is bounded above, so serde_json's own (lower) recursion limit can go; the
    // stacker grows the stack on the heap where the nesting would outgrow a worker's.
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(serde_stacker::Deserializer::new(&mut deserializer))
        .and_then(|v| deserializer.end().map(|()| v))
        .map_err(|e| DocumentError::Syntax(e.to_string()))?;
    Ok(value)
}

/// `TestEventPattern` as the local cloud answers it, in `orderly serve` and on the command
/// line: the event is read as the bus reads events, as deep as EventBridge processes them
/// (`event_pattern::test_event_pattern` stops at `serde_json`'s 128 levels).
pub fn test_event_pattern(
    pattern: &str,
    event: &str,
) -> Result<bool, event_pattern::TestPatternError> {
    let event = parse(event, MAX_EVENT_DEPTH).map_err(|e| {
        event_pattern::TestPatternError::InvalidEvent {
            reason: format!("the event is not valid JSON ({e})"),
        }
    })?;
    event_pattern::test_event_pattern_parsed(pattern, &event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!(
            "{}{}",
            "{\"a\":".repeat(levels - 1) + "{\"b\":[\"]\"]",
            "}".repeat(levels)
        )
    }

    #[test]
    fn depth_counts_containers_not_brackets_in_strings() {
        assert_eq!(depth(r#"{"a":"[[[{{{"}"#, 99), 1);
        assert_eq!(depth(r#"{"a":"\"[["}"#, 99), 1);
        assert_eq!(depth("[[],[[]]]", 99), 3);
        assert_eq!(depth("1", 99), 0);
        assert_eq!(depth(&"[".repeat(50), 10), 11);
    }

    #[test]
    fn documents_parse_up_to_the_limit_and_no_deeper() {
        // One level of the text is the array holding "]".
        let at_limit = nested(MAX_DEPTH - 1);
        assert_eq!(depth(&at_limit, MAX_DEPTH + 5), MAX_DEPTH);
        assert!(parse(&at_limit, MAX_DEPTH).is_ok());
        let over = nested(MAX_DEPTH);
        assert_eq!(
            parse(&over, MAX_DEPTH),
            Err(DocumentError::TooDeep {
                depth: MAX_DEPTH + 1,
                limit: MAX_DEPTH
            })
        );
        assert!(parse(&over, MAX_EVENT_DEPTH).is_ok());
        assert!(matches!(parse("{", 5), Err(DocumentError::Syntax(_))));
        assert!(matches!(parse("{} x", 5), Err(DocumentError::Syntax(_))));
    }
}
