//! `TestEventPattern`: one pattern against one event, with the API's checks on both.

use crate::error::TestPatternError;
use crate::pattern::Pattern;

/// Fields `TestEventPattern` requires in the event. (The API reference also lists
/// `resources`, but EventBridge accepts events without it.)
pub const REQUIRED_EVENT_FIELDS: &[&str] =
    &["id", "account", "source", "time", "region", "detail-type"];

/// Tests an event against a pattern as `aws events test-event-pattern` does.
pub fn test_event_pattern(pattern: &str, event: &str) -> Result<bool, TestPatternError> {
    let value: serde_json::Value =
        serde_json::from_str(event).map_err(|e| TestPatternError::InvalidEvent {
            reason: format!("the event is not valid JSON ({e})"),
        })?;
    test_event_pattern_parsed(pattern, &value)
}

/// [`test_event_pattern`] on an event the caller has parsed already, for callers that read
/// JSON deeper than `serde_json`'s default limit of 128 levels (EventBridge processes
/// events nested up to 1,100 levels).
pub fn test_event_pattern_parsed(
    pattern: &str,
    value: &serde_json::Value,
) -> Result<bool, TestPatternError> {
    let pattern = Pattern::parse(pattern)?;
    let Some(object) = value.as_object() else {
        return Err(TestPatternError::InvalidEvent {
            reason: "the event is not a JSON object".to_owned(),
        });
    };
    let missing: Vec<&str> = REQUIRED_EVENT_FIELDS
        .iter()
        .copied()
        .filter(|f| !object.contains_key(*f))
        .collect();
    if !missing.is_empty() {
        return Err(TestPatternError::InvalidEvent {
            reason: format!(
                "the event lacks the required field(s) {}",
                missing.join(", ")
            ),
        });
    }
    Ok(pattern.matches(value))
}
