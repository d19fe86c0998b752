//! EventBridge archives and replays (`AWSEvents.*`, JSON 1.1): CreateArchive,
//! DescribeArchive, ListArchives, UpdateArchive, DeleteArchive, StartReplay, DescribeReplay,
//! ListReplays and CancelReplay.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::wire::{ApiError, Input, epoch_ms, listed, page};
use crate::archive::{ArchiveConfig, ArchiveError, ArchiveInfo, Replay, ReplayRequest};
use crate::runtime::CloudInner;
use crate::runtime::bus::bus_name;

/// Serves one archive or replay operation; `None` for any other operation.
pub fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
) -> Option<Result<Value, ApiError>> {
    Some(match operation {
        "CreateArchive" => create_archive(cloud, input),
        "DescribeArchive" => describe_archive(cloud, input),
        "ListArchives" => list_archives(cloud, input),
        "UpdateArchive" => update_archive(cloud, input),
        "DeleteArchive" => delete_archive(cloud, input),
        "StartReplay" => start_replay(cloud, input),
        "DescribeReplay" => describe_replay(cloud, input),
        "ListReplays" => list_replays(cloud, input),
        "CancelReplay" => cancel_replay(cloud, input),
        _ => return None,
    })
}

fn refused(e: ArchiveError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

/// The name of the bus `arn` names, which must be a bus of this cloud.
fn bus_of(cloud: &CloudInner, arn: &str) -> Result<String, ApiError> {
    let bus = bus_name(Some(arn));
    let exists = bus == "default" || cloud.model.buses.values().any(|b| b.name == bus);
    if exists && crate::pseudo::event_bus_arn(&bus) == arn {
        Ok(bus)
    } else {
        Err(ApiError::new(
            "ResourceNotFoundException",
            format!("Event bus {bus} does not exist."),
        ))
    }
}

fn retention_days(input: &Input) -> Result<Option<u32>, ApiError> {
    Ok(input
        .int("RetentionDays", 0, i64::from(i32::MAX))?
        .and_then(|d| u32::try_from(d).ok()))
}

fn owned(input: &Input, key: &str) -> Result<Option<String>, ApiError> {
    Ok(input.str(key)?.map(str::to_owned))
}

fn create_archive(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let source_arn = input.required_str("EventSourceArn")?.to_owned();
    let bus = bus_of(cloud, &source_arn)?;
    let config = ArchiveConfig {
        name: input.required_str("ArchiveName")?.to_owned(),
        source_arn,
        description: owned(input, "Description")?,
        event_pattern: owned(input, "EventPattern")?.filter(|p| !p.is_empty()),
        retention_days: retention_days(input)?.unwrap_or(0),
    };
    let info = cloud.archives.create(config, &bus).map_err(refused)?;
    Ok(json!({
        "ArchiveArn": info.arn,
        "State": "ENABLED",
        "CreationTime": epoch_ms(info.created_ms),
    }))
}

/// An archive as ListArchives lists it; DescribeArchive adds its ARN, description and
/// pattern.
fn archive_json(info: &ArchiveInfo, described: bool) -> Value {
    let mut out = Map::new();
    if described {
        out.insert("ArchiveArn".into(), json!(info.arn));
    }
    out.insert("ArchiveName".into(), json!(info.config.name));
    out.insert("EventSourceArn".into(), json!(info.config.source_arn));
    if described {
        if let Some(d) = &info.config.description {
            out.insert("Description".into(), json!(d));
        }
        if let Some(p) = &info.config.event_pattern {
            out.insert("EventPattern".into(), json!(p));
        }
    }
    out.insert("State".into(), json!("ENABLED"));
    out.insert("RetentionDays".into(), json!(info.config.retention_days));
    out.insert("SizeBytes".into(), json!(info.size_bytes));
    out.insert("EventCount".into(), json!(info.event_count));
    out.insert("CreationTime".into(), epoch_ms(info.created_ms));
    Value::Object(out)
}

fn describe_archive(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("ArchiveName")?;
    let info = cloud.archives.describe(name).map_err(refused)?;
    Ok(archive_json(&info, true))
}

/// "Filter parameters are exclusive": at most one of them in a list request.
fn one_filter(input: &Input, operation: &str, filters: [&str; 3]) -> Result<(), ApiError> {
    if filters.iter().filter(|f| input.get(f).is_some()).count() > 1 {
        return Err(ApiError::validation(format!(
            "At most one filter is allowed for {operation}. Use either : {}, {}, or {}.",
            filters[0], filters[1], filters[2]
        )));
    }
    Ok(())
}

fn list_archives(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    one_filter(
        input,
        "ListArchives",
        ["State", "EventSourceArn", "NamePrefix"],
    )?;
    let prefix = input.str("NamePrefix")?.unwrap_or_default();
    let source = input.str("EventSourceArn")?;
    // Every archive here is ENABLED.
    let state_matches = input.str("State")?.is_none_or(|s| s == "ENABLED");
    let archives: Vec<Value> = cloud
        .archives
        .list()
        .iter()
        .filter(|a| state_matches && a.config.name.starts_with(prefix))
        .filter(|a| source.is_none_or(|s| s == a.config.source_arn))
        .map(|a| archive_json(a, false))
        .collect();
    let limit = input.int("Limit", 1, 100)?.unwrap_or(100) as usize;
    let (archives, next) = page(&archives, input.str("NextToken")?, limit)?;
    Ok(listed("Archives", archives, next))
}

fn update_archive(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("ArchiveName")?;
    let info = cloud
        .archives
        .update(
            name,
            owned(input, "Description")?,
            // An empty pattern is no pattern, as CreateArchive takes it.
            owned(input, "EventPattern")?.filter(|p| !p.is_empty()),
            retention_days(input)?,
        )
        .map_err(refused)?;
    Ok(json!({
        "ArchiveArn": info.arn,
        "State": "ENABLED",
        "CreationTime": epoch_ms(info.created_ms),
    }))
}

fn delete_archive(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("ArchiveName")?;
    cloud.archives.delete(name).map_err(refused)?;
    Ok(json!({}))
}

/// A timestamp member: epoch seconds, as the JSON protocol carries it, or RFC 3339 text.
fn timestamp_ms(input: &Input, key: &str) -> Result<i64, ApiError> {
    let not_a_timestamp =
        || ApiError::serialization(format!("Member '{key}' must be a timestamp."));
    match input.get(key) {
        Some(Value::Number(n)) => {
            let seconds = n
                .as_f64()
                .filter(|s| s.is_finite())
                .ok_or_else(not_a_timestamp)?;
            Ok((seconds * 1000.0).round() as i64)
        }
        Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
            .ok_or_else(not_a_timestamp),
        _ => Err(not_a_timestamp()),
    }
}

fn start_replay(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let destination = input.map("Destination")?.cloned().unwrap_or_default();
    let destination = Input::from_map(destination);
    let destination_arn = destination.str("Arn")?.ok_or_else(|| {
        ApiError::validation(
            "1 validation error detected: Value null at 'destination.arn' failed to satisfy \
             constraint: Member must not be null",
        )
    })?;
    let filter_arns = destination.strings("FilterArns")?;
    let request = ReplayRequest {
        name: input.required_str("ReplayName")?.to_owned(),
        description: owned(input, "Description")?,
        archive_arn: input.required_str("EventSourceArn")?.to_owned(),
        start_ms: timestamp_ms(input, "EventStartTime")?,
        end_ms: timestamp_ms(input, "EventEndTime")?,
        destination_arn: destination_arn.to_owned(),
        filter_arns,
    };
    let bus = bus_name(Some(destination_arn));
    let rule_exists = |arn: &str| {
        cloud
            .model
            .rules
            .values()
            .any(|r| r.event_bus_name == bus && r.arn == arn)
    };
    let (replay, must_step) = cloud
        .archives
        .start_replay(request, rule_exists)
        .map_err(refused)?;
    if must_step {
        cloud.step_replays();
    }
    Ok(json!({
        "ReplayArn": replay.arn,
        "State": replay.state.as_str(),
        "ReplayStartTime": epoch_ms(replay.replay_start_ms),
    }))
}

/// A replay as ListReplays lists it; DescribeReplay adds its ARN, description and
/// destination.
fn replay_json(replay: &Replay, described: bool) -> Value {
    let request = &replay.request;
    let mut out = Map::new();
    out.insert("ReplayName".into(), json!(request.name));
    if described {
        out.insert("ReplayArn".into(), json!(replay.arn));
        if let Some(d) = &request.description {
            out.insert("Description".into(), json!(d));
        }
    }
    out.insert("EventSourceArn".into(), json!(request.archive_arn));
    out.insert("State".into(), json!(replay.state.as_str()));
    if let Some(reason) = &replay.state_reason {
        out.insert("StateReason".into(), json!(reason));
    }
    if described {
        let mut destination = Map::new();
        destination.insert("Arn".into(), json!(request.destination_arn));
        if !request.filter_arns.is_empty() {
            destination.insert("FilterArns".into(), json!(request.filter_arns));
        }
        out.insert("Destination".into(), Value::Object(destination));
    }
    out.insert("EventStartTime".into(), epoch_ms(request.start_ms));
    out.insert("EventEndTime".into(), epoch_ms(request.end_ms));
    if let Some(last) = replay.last_replayed_ms {
        out.insert("EventLastReplayedTime".into(), epoch_ms(last));
    }
    out.insert("ReplayStartTime".into(), epoch_ms(replay.replay_start_ms));
    if let Some(end) = replay.replay_end_ms {
        out.insert("ReplayEndTime".into(), epoch_ms(end));
    }
    Value::Object(out)
}

fn describe_replay(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("ReplayName")?;
    let replay = cloud.archives.describe_replay(name).map_err(refused)?;
    Ok(replay_json(&replay, true))
}

fn list_replays(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    one_filter(
        input,
        "ListReplays",
        ["State", "EventSourceArn", "NamePrefix"],
    )?;
    let prefix = input.str("NamePrefix")?.unwrap_or_default();
    let source = input.str("EventSourceArn")?;
    let state = input.str("State")?;
    let replays: Vec<Value> = cloud
        .archives
        .list_replays()
        .iter()
        .filter(|r| r.request.name.starts_with(prefix))
        .filter(|r| source.is_none_or(|s| s == r.request.archive_arn))
        .filter(|r| state.is_none_or(|s| s == r.state.as_str()))
        .map(|r| replay_json(r, false))
        .collect();
    let limit = input.int("Limit", 1, 100)?.unwrap_or(100) as usize;
    let (replays, next) = page(&replays, input.str("NextToken")?, limit)?;
    Ok(listed("Replays", replays, next))
}

fn cancel_replay(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("ReplayName")?;
    let replay = cloud.archives.cancel_replay(name).map_err(refused)?;
    Ok(json!({"ReplayArn": replay.arn, "State": replay.state.as_str()}))
}
