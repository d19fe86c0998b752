//! CloudWatch Logs for the local cloud's log groups (`Logs_20140328.*`, JSON 1.1), so
//! `aws logs tail`, `aws logs filter-log-events` and `aws logs get-log-events` read what the
//! functions and state machines wrote: DescribeLogGroups, DescribeLogStreams, GetLogEvents
//! and FilterLogEvents, with filter patterns ([`crate::runtime::log_filter`]), and Logs
//! Insights' StartQuery and GetQueryResults ([`super::logs_insights`]).
//!
//! Each group has one log stream, [`STREAM`], holding every line the group kept, in the
//! order written; times are epoch milliseconds on the cloud's clock. Page tokens name a
//! line's sequence number ([`LogEvent::seq`]), not a position, so a page does not shift
//! when older lines expire or are dropped while a client reads.

use super::wire::{ApiError, Input};
use crate::runtime::CloudInner;
use crate::runtime::log_filter::FilterPattern;
use crate::runtime::logs::LogEvent;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The one log stream of every group.
pub const STREAM: &str = "orderly-local";

/// The most events one GetLogEvents or FilterLogEvents answer holds (AWS's limit).
const MAX_EVENTS: i64 = 10_000;

/// Answers one CloudWatch Logs operation.
pub fn dispatch(
    cloud: &CloudInner,
    operation: &str,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    let answer = match operation {
        "DescribeLogGroups" => describe_log_groups(cloud, input, started_ms),
        "DescribeLogStreams" => describe_log_streams(cloud, input, started_ms),
        "GetLogEvents" => get_log_events(cloud, input),
        "FilterLogEvents" => filter_log_events(cloud, input),
        "StartQuery" => super::logs_insights::start_query(cloud, input),
        "GetQueryResults" => super::logs_insights::get_query_results(cloud, input),
        _ => {
            return Err(ApiError::unknown_operation(&format!(
                "Logs_20140328.{operation}"
            )));
        }
    };
    // CloudWatch Logs answers a value out of range or a bad token with
    // InvalidParameterException, in the words the shared readers use.
    answer.map_err(|e| match e.code.as_str() {
        "ValidationException" | "InvalidToken" => invalid(e.message),
        _ => e,
    })
}

/// The most bytes of messages one answer holds: "up to 1 MB of log events".
const MAX_PAGE_BYTES: usize = 1024 * 1024;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", message)
}

fn no_group() -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
}

/// Every group the cloud knows: the template's, each function's and state machine's, and
/// any other a line was written to.
pub(super) fn group_names(cloud: &CloudInner) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = cloud
        .model
        .log_groups
        .values()
        .map(|g| g.name.clone())
        .collect();
    names.extend(cloud.model.functions.values().map(|f| f.log_group.clone()));
    names.extend(
        cloud
            .model
            .state_machines
            .values()
            .filter_map(|m| m.log_group.clone()),
    );
    names.extend(cloud.logs.groups().into_keys());
    names
}

fn group_arn(cloud: &CloudInner, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}",
        cloud.model.region, cloud.model.account_id
    )
}

/// The group an operation names, by `logGroupName` or `logGroupIdentifier` (a name or
/// an ARN), which must exist.
fn named_group(cloud: &CloudInner, input: &Input) -> Result<String, ApiError> {
    let name = input.str("logGroupName")?;
    let identifier = input.str("logGroupIdentifier")?;
    let name = match (name, identifier) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
            ));
        }
        (Some(name), None) => name.to_owned(),
        (None, Some(id)) => id
            .split_once(":log-group:")
            .map_or(id, |(_, rest)| rest.trim_end_matches(":*"))
            .to_owned(),
        (None, None) => {
            return Err(invalid(
                "Either logGroupName or logGroupIdentifier must be given.",
            ));
        }
    };
    if group_names(cloud).contains(&name) {
        Ok(name)
    } else {
        Err(no_group())
    }
}

fn describe_log_groups(
    cloud: &CloudInner,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    let prefix = input.str("logGroupNamePrefix")?;
    let pattern = input.str("logGroupNamePattern")?;
    if prefix.is_some() && pattern.is_some() {
        return Err(invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let limit = input.int("limit", 1, 50)?.unwrap_or(50);
    let retention = |name: &str| {
        cloud
            .model
            .log_groups
            .values()
            .find(|g| g.name == name)
            .and_then(|g| g.retention_days)
    };
    // A case-sensitive substring, as the reference says.
    let groups: Vec<Value> = group_names(cloud)
        .into_iter()
        .filter(|name| prefix.is_none_or(|p| name.starts_with(p)))
        .filter(|name| pattern.is_none_or(|p| name.contains(p)))
        .map(|name| {
            let mut group = Map::new();
            group.insert("logGroupName".into(), json!(name));
            group.insert("creationTime".into(), json!(started_ms));
            if let Some(days) = retention(&name) {
                group.insert("retentionInDays".into(), json!(days));
            }
            group.insert("metricFilterCount".into(), json!(0));
            group.insert("storedBytes".into(), json!(0));
            group.insert("logGroupClass".into(), json!("STANDARD"));
            group.insert(
                "arn".into(),
                json!(format!("{}:*", group_arn(cloud, &name))),
            );
            group.insert("logGroupArn".into(), json!(group_arn(cloud, &name)));
            Value::Object(group)
        })
        .collect();
    let (page, next) = super::wire::page(
        &groups,
        input.str("nextToken")?,
        usize::try_from(limit).unwrap_or(50),
    )?;
    let mut out = Map::new();
    out.insert("logGroups".into(), Value::Array(page));
    if let Some(next) = next {
        out.insert("nextToken".into(), json!(next));
    }
    Ok(Value::Object(out))
}

fn describe_log_streams(
    cloud: &CloudInner,
    input: &Input,
    started_ms: i64,
) -> Result<Value, ApiError> {
    let group = named_group(cloud, input)?;
    input.int("limit", 1, 50)?;
    let prefix = input.str("logStreamNamePrefix")?;
    if prefix.is_some() && input.str("orderBy")? == Some("LastEventTime") {
        return Err(invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let events = cloud.logs.events(&group);
    let mut streams = Vec::new();
    if prefix.is_none_or(|p| STREAM.starts_with(p)) {
        let mut stream = Map::new();
        stream.insert("logStreamName".into(), json!(STREAM));
        stream.insert("creationTime".into(), json!(started_ms));
        if let (Some(first), Some(last)) = (events.first(), events.last()) {
            stream.insert("firstEventTimestamp".into(), json!(first.timestamp_ms));
            stream.insert("lastEventTimestamp".into(), json!(last.timestamp_ms));
            stream.insert("lastIngestionTime".into(), json!(last.timestamp_ms));
        }
        stream.insert(
            "arn".into(),
            json!(format!("{}:log-stream:{STREAM}", group_arn(cloud, &group))),
        );
        stream.insert("storedBytes".into(), json!(0));
        streams.push(Value::Object(stream));
    }
    Ok(json!({"logStreams": streams}))
}

/// The events of `group` from `startTime` to `endTime`: an event
/// at `endTime` counts when `end_inclusive` (FilterLogEvents returns those "later than"
/// it; GetLogEvents leaves out those "equal to or later").
fn events_in(
    cloud: &CloudInner,
    group: &str,
    input: &Input,
    end_inclusive: bool,
) -> Result<Vec<LogEvent>, ApiError> {
    let start = input.int("startTime", 0, i64::MAX)?.unwrap_or(0);
    let end = input.int("endTime", 0, i64::MAX)?.unwrap_or(i64::MAX);
    Ok(cloud
        .logs
        .events(group)
        .into_iter()
        .filter(|e| {
            let t = e.timestamp_ms;
            t >= start && (t < end || (end_inclusive && t == end))
        })
        .collect())
}

fn event(e: &LogEvent) -> Value {
    json!({"timestamp": e.timestamp_ms, "message": e.text, "ingestionTime": e.timestamp_ms})
}

/// The position in `events` of the first with sequence number `seq` or later.
fn position(events: &[LogEvent], seq: u64) -> usize {
    events.partition_point(|e| e.seq < seq)
}

/// The sequence number a token names at position `at` of `events`: the event's own, or one
/// past the last for the end.
fn seq_at(events: &[LogEvent], at: usize) -> u64 {
    events
        .get(at)
        .map_or_else(|| events.last().map_or(0, |e| e.seq + 1), |e| e.seq)
}

/// GetLogEvents: from the start (`startFromHead`) or, by default, the last `limit` events;
/// `nextForwardToken` and `nextBackwardToken` are `f/N` and `b/N`, N an event's position.
fn get_log_events(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let group = named_group(cloud, input)?;
    let stream = input.required_str("logStreamName")?;
    if stream != STREAM {
        return Err(ApiError::new(
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        ));
    }
    let limit = usize::try_from(input.int("limit", 1, MAX_EVENTS)?.unwrap_or(MAX_EVENTS))
        .unwrap_or(usize::MAX);
    let events = events_in(cloud, &group, input, false)?;
    let from_head = input.bool("startFromHead")?.unwrap_or(false);
    let bad_token = |t: &str| {
        ApiError::new(
            "InvalidParameterException",
            format!("The specified nextToken is invalid: {t}"),
        )
    };
    // The half-open range [from, to) of positions to answer.
    // The half-open range [from, to) of positions to answer, and whether it is read
    // forward (from its start) or backward (up to its end).
    let (from, to, forward) = match input.str("nextToken")? {
        Some(token) => {
            let (direction, seq) = token.split_once('/').ok_or_else(|| bad_token(token))?;
            let seq: u64 = seq.parse().map_err(|_| bad_token(token))?;
            let at = position(&events, seq);
            match direction {
                "f" => (at, at.saturating_add(limit).min(events.len()), true),
                "b" => (at.saturating_sub(limit), at, false),
                _ => return Err(bad_token(token)),
            }
        }
        None if from_head => (0, limit.min(events.len()), true),
        None => (events.len().saturating_sub(limit), events.len(), false),
    };
    // At most 1 MB of messages: a forward page ends early, a backward one starts late.
    let (from, to) = within_bytes(&events, from, to, forward);
    let page: Vec<Value> = events[from..to].iter().map(event).collect();
    Ok(json!({
        "events": page,
        "nextForwardToken": format!("f/{}", seq_at(&events, to)),
        "nextBackwardToken": format!("b/{}", seq_at(&events, from)),
    }))
}

/// FilterLogEvents: the group's events in time order that pass `filterPattern`, `limit` a
/// page; `nextToken` is the position of the next event to look at.
fn filter_log_events(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let group = named_group(cloud, input)?;
    let names = input.strings("logStreamNames")?;
    let prefix = input.str("logStreamNamePrefix")?;
    if !names.is_empty() && prefix.is_some() {
        return Err(invalid(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        ));
    }
    let pattern = FilterPattern::parse(input.str("filterPattern")?.unwrap_or_default())
        .map_err(|e| invalid(e.to_string()))?;
    let limit = usize::try_from(input.int("limit", 1, MAX_EVENTS)?.unwrap_or(MAX_EVENTS))
        .unwrap_or(usize::MAX);
    let stream_wanted = (names.is_empty() || names.iter().any(|n| n == STREAM))
        && prefix.is_none_or(|p| STREAM.starts_with(p));
    let events = if stream_wanted {
        events_in(cloud, &group, input, true)?
    } else {
        Vec::new()
    };
    let start = match input.str("nextToken")? {
        None => 0,
        Some(token) => token
            .parse::<u64>()
            .map(|seq| position(&events, seq))
            .map_err(|_| invalid(format!("The specified nextToken is invalid: {token}")))?,
    };
    let mut found = Vec::new();
    let mut next = None;
    let mut bytes = 0;
    for e in &events[start..] {
        if found.len() == limit || (bytes + e.text.len() > MAX_PAGE_BYTES && !found.is_empty()) {
            next = Some(e.seq);
            break;
        }
        if pattern.matches(&e.text) {
            bytes += e.text.len();
            let mut found_event = event(e);
            if let Some(map) = found_event.as_object_mut() {
                map.insert("logStreamName".into(), json!(STREAM));
                map.insert(
                    "eventId".into(),
                    json!(format!("{:020}{:016}", e.timestamp_ms, e.seq)),
                );
            }
            found.push(found_event);
        }
    }
    let mut out = Map::new();
    out.insert("events".into(), Value::Array(found));
    out.insert(
        "searchedLogStreams".into(),
        json!([{"logStreamName": STREAM, "searchedCompletely": next.is_none()}]),
    );
    if let Some(next) = next {
        out.insert("nextToken".into(), json!(next.to_string()));
    }
    Ok(Value::Object(out))
}

/// The part of `events[from..to]` within [`MAX_PAGE_BYTES`] of messages (one event at
/// least): from `from` on when `forward`, else ending at `to`.
fn within_bytes(events: &[LogEvent], from: usize, to: usize, forward: bool) -> (usize, usize) {
    let mut bytes = 0;
    if forward {
        let mut end = from;
        while end < to && (end == from || bytes + events[end].text.len() <= MAX_PAGE_BYTES) {
            bytes += events[end].text.len();
            end += 1;
        }
        (from, end)
    } else {
        let mut start = to;
        while start > from
            && (start == to || bytes + events[start - 1].text.len() <= MAX_PAGE_BYTES)
        {
            bytes += events[start - 1].text.len();
            start -= 1;
        }
        (start, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_still_points_at_the_same_line_after_older_lines_go() {
        let events = |seqs: &[u64]| -> Vec<LogEvent> {
            seqs.iter()
                .map(|&seq| LogEvent {
                    seq,
                    timestamp_ms: 0,
                    text: format!("line {seq}"),
                })
                .collect()
        };
        let before = events(&[5, 6, 7, 8]);
        // A first page of two ends with a token for the third line, seq 7.
        let token = seq_at(&before, 2);
        assert_eq!(token, 7);
        // Lines 5 and 6 expire, and line 9 is written, before the next page is asked.
        let after = events(&[7, 8, 9]);
        assert_eq!(after[position(&after, token)].text, "line 7");
        // The end's token waits for lines written later.
        let end = seq_at(&before, before.len());
        assert_eq!(after[position(&after, end)].text, "line 9");
        assert_eq!(position(&after, seq_at(&after, after.len())), after.len());
        assert_eq!(seq_at(&[], 0), 0);
    }

    #[test]
    fn a_page_holds_at_most_a_megabyte_of_messages_and_one_event_always() {
        let event = |seq: u64, text: String| LogEvent {
            seq,
            timestamp_ms: 0,
            text,
        };
        let big = "x".repeat(400 * 1024);
        let events: Vec<LogEvent> = (0..5).map(|seq| event(seq, big.clone())).collect();
        assert_eq!(within_bytes(&events, 0, 5, true), (0, 2));
        assert_eq!(within_bytes(&events, 0, 5, false), (3, 5));
        assert_eq!(within_bytes(&events, 4, 5, true), (4, 5));
        let huge = vec![event(0, "y".repeat(2 * MAX_PAGE_BYTES))];
        assert_eq!(within_bytes(&huge, 0, 1, true), (0, 1));
        assert_eq!(within_bytes(&huge, 0, 1, false), (0, 1));
        assert_eq!(within_bytes(&events, 2, 2, true), (2, 2));
    }
}
