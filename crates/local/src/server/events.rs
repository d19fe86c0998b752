//! EventBridge (`AWSEvents.*`, JSON 1.1): PutEvents, TestEventPattern, the rule
//! operations of [`super::event_rules`], and the archive and replay operations of
//! [`super::archives`].

use super::http_api::iam::{access_key_id, signer_arn};
use super::limits;
use super::wire::{ApiError, Input};
use crate::iam::Caller;
use crate::runtime::CloudInner;
use crate::runtime::bus::{MAX_ENTRY_BYTES, PutEventsEntry};
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Serves one EventBridge operation; any other is an unknown operation.
pub async fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
    caller: &Caller,
) -> Result<Value, ApiError> {
    limits::events::check_request(operation, input)?;
    if let Some(answer) = super::archives::dispatch(cloud, operation, input) {
        return answer;
    }
    if let Some(answer) = super::event_rules::dispatch(cloud, operation, input, caller) {
        return answer;
    }
    match operation {
        "PutEvents" => put_events(cloud, input, caller),
        "TestEventPattern" => test_pattern(input).await,
        _ => Err(ApiError::unknown_operation(&format!(
            "AWSEvents.{operation}"
        ))),
    }
}

/// Who signed a request, as the local cloud reads the SigV4 access key id (keys are not
/// real here, so the key id names the caller): a function of the stack (its logical id or
/// name) or a role it runs or delivers as (the role's name) acts as that role, and a
/// 12-digit key as the root of that account. Any other key is the IAM user or role session
/// the HTTP API reports for it ([`signer_arn`]); an unsigned request, the account's root.
pub fn caller_of(cloud: &CloudInner, headers: &axum::http::HeaderMap) -> Caller {
    match headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(access_key_id)
    {
        Some(key) => caller_named(cloud, key),
        None => cloud.root_caller(),
    }
}

fn caller_named(cloud: &CloudInner, key: &str) -> Caller {
    let model = &cloud.model;
    if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
        return Caller::root(key);
    }
    let role_named = |arn: &str| {
        arn.rsplit_once(":role/")
            .is_some_and(|(_, name)| name == key)
    };
    let role = model
        .functions
        .values()
        .find(|f| f.logical_id == key || f.name == key || role_named(&f.role_arn))
        .map(|f| f.role_arn.as_str())
        .or_else(|| {
            model
                .rules
                .values()
                .flat_map(|r| &r.targets)
                .filter_map(|t| t.role_arn.as_deref())
                .find(|arn| role_named(arn))
        });
    match role {
        Some(_) => cloud.caller_as(role),
        None => Caller::role(&signer_arn(key, &model.account_id), &model.account_id),
    }
}

fn put_events(cloud: &Arc<CloudInner>, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    // The entries' count is checked with the operation's other constraints (limits).
    let entries = input.list("Entries")?.map(Vec::as_slice).unwrap_or(&[]);
    let entries = entries
        .iter()
        .map(entry_of)
        .collect::<Result<Vec<_>, _>>()?;
    let total: usize = entries.iter().map(PutEventsEntry::size).sum();
    // The limit holds for the request's entries together, as "Calculating PutEvents event
    // entry size" counts them; AWS refuses the whole request.
    if total > MAX_ENTRY_BYTES {
        return Err(ApiError::validation(
            "Total size of the entries in the request is over the limit.",
        ));
    }
    let results = cloud.put_events_as(&entries, caller);
    let failed = results.iter().filter(|r| r.error_code.is_some()).count();
    Ok(json!({"FailedEntryCount": failed, "Entries": results}))
}

/// One request entry; `Time` arrives as epoch seconds on the JSON protocol and the bus
/// carries it as RFC 3339 text.
fn entry_of(value: &Value) -> Result<PutEventsEntry, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::serialization("Each entry must be a structure."));
    };
    let entry = Input::from_map(map.clone());
    let text = |key: &str| entry.str(key).map(|s| s.map(str::to_owned));
    let time = match entry.get("Time") {
        None => None,
        // The JSON protocol carries timestamps as epoch seconds; RFC 3339 text is read too,
        // and anything else is not a timestamp. The reference gives no words for this; these
        // follow the protocol's other type errors.
        Some(Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => Some(t.format(&Rfc3339).map_err(|_| not_a_timestamp())?),
            Err(_) => return Err(not_a_timestamp()),
        },
        Some(Value::Number(n)) => Some(rfc3339_seconds(n.as_f64().unwrap_or(0.0))?),
        Some(_) => {
            return Err(ApiError::serialization(
                "Member 'Time' must be a timestamp.",
            ));
        }
    };
    Ok(PutEventsEntry {
        source: text("Source")?,
        detail_type: text("DetailType")?,
        detail: text("Detail")?,
        event_bus_name: text("EventBusName")?,
        resources: Some(entry.strings("Resources")?),
        time,
        trace_header: text("TraceHeader")?,
    })
}

fn not_a_timestamp() -> ApiError {
    ApiError::serialization("STRING_VALUE can not be converted to a Timestamp")
}

fn rfc3339_seconds(seconds: f64) -> Result<String, ApiError> {
    let invalid = || ApiError::validation(format!("Time {seconds} is not a valid timestamp."));
    if !seconds.is_finite() {
        return Err(invalid());
    }
    let t = OffsetDateTime::from_unix_timestamp(seconds.trunc() as i64).map_err(|_| invalid())?;
    t.format(&Rfc3339).map_err(|_| invalid())
}

async fn test_pattern(input: &Input) -> Result<Value, ApiError> {
    let pattern = input.required_str("EventPattern")?.to_owned();
    let event = input.required_str("Event")?.to_owned();
    // Compiling a pattern is bounded (event_pattern::COMPILE_WORK_BUDGET) but may still take
    // milliseconds, and matching reads the whole event: both run on the blocking pool, so
    // the async workers keep answering other requests meanwhile.
    let tested =
        tokio::task::spawn_blocking(move || crate::document::test_event_pattern(&pattern, &event))
            .await
            .map_err(|_| ApiError {
                status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                ..ApiError::new("InternalFailure", "The request processing has failed.")
            })?;
    match tested {
        Ok(result) => Ok(json!({"Result": result})),
        Err(e) => Err(ApiError::new(e.code(), e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_time_becomes_rfc3339() {
        assert_eq!(
            rfc3339_seconds(1_764_158_400.0).unwrap(),
            "2025-11-26T12:00:00Z"
        );
        assert!(rfc3339_seconds(f64::NAN).is_err());
        assert!(rfc3339_seconds(1e30).is_err());
    }

    #[test]
    fn entries_must_be_structures_with_string_members() {
        assert!(entry_of(&json!(3)).is_err());
        assert!(entry_of(&json!({"Detail": {"a": 1}})).is_err());
        let entry = entry_of(&json!({"Source": "s", "Time": 0, "Resources": ["r"]})).unwrap();
        assert_eq!(entry.time.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(entry.resources, Some(vec!["r".to_owned()]));
    }
}
