//! EventBridge archives and replays, on the engine's clock.
//!
//! An archive receives the events of one bus that its pattern matches (every event without
//! one), as the managed rule AWS creates for it does, and never a replayed event (that rule
//! also requires `replay-name` to be absent). Events are kept for `RetentionDays` of the
//! clock (forever at 0) and within a byte bound of the local cloud, oldest first out.
//!
//! A replay takes the archived events whose `time` falls in its window when it starts, and
//! replays them one minute of event time at a time, oldest minute first, each step when the
//! local cloud calls [`Archives::advance_replays`]. Each step answers the events to put back
//! on the archive's bus, each carrying `replay-name`, for the rules of
//! `Destination.FilterArns` (every rule of the bus without them).

mod error;
mod replay;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use event_pattern::Pattern;
use serde_json::Value;

use crate::clock::SharedClock;
pub use error::ArchiveError;
pub use replay::{Replay, ReplayRequest, ReplayState, ReplayStep};

/// The bytes of archived events a local cloud keeps by default, all archives together.
pub const DEFAULT_MAX_ARCHIVED_BYTES: usize = 16 * 1024 * 1024;
/// Replays active at once, as AWS allows per account and Region.
pub const MAX_ACTIVE_REPLAYS: usize = 10;
const DAY_MS: i64 = 86_400_000;

/// What an archive is made from: CreateArchive's members or the template's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveConfig {
    /// `ArchiveName`.
    pub name: String,
    /// `EventSourceArn`: the bus's ARN.
    pub source_arn: String,
    /// `Description`.
    pub description: Option<String>,
    /// `EventPattern`, as JSON text; every event of the bus without one.
    pub event_pattern: Option<String>,
    /// `RetentionDays`; 0 keeps events indefinitely.
    pub retention_days: u32,
}

/// One archive as DescribeArchive answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveInfo {
    /// The archive's configuration.
    pub config: ArchiveConfig,
    /// Its ARN.
    pub arn: String,
    /// When it was created, in ms of the clock.
    pub created_ms: i64,
    /// Events it holds.
    pub event_count: usize,
    /// Their bytes.
    pub size_bytes: usize,
}

/// One archived event: its text and the time in it.
#[derive(Debug, Clone)]
struct Archived {
    /// The event's `time`, in ms: what a replay's window selects on.
    event_ms: i64,
    /// When it arrived, in ms of the clock: what retention counts from.
    arrived_ms: i64,
    text: Arc<str>,
}

#[derive(Default)]
struct Held {
    events: VecDeque<Archived>,
    bytes: usize,
}

/// An archive: its configuration and pattern, which UpdateArchive replaces, and its events,
/// which it keeps across updates.
struct Archive {
    config: ArchiveConfig,
    arn: String,
    bus: String,
    pattern: Option<Pattern>,
    created_ms: i64,
    held: Arc<Mutex<Held>>,
}

/// Every archive and replay of a local cloud.
pub struct Archives {
    clock: SharedClock,
    arn_prefix: String,
    max_bytes: usize,
    /// Read on every put event; written only by the archive operations.
    archives: RwLock<BTreeMap<String, Arc<Archive>>>,
    replays: Mutex<replay::Replays>,
}

impl Archives {
    /// No archives yet; `arn_prefix` is `arn:aws:events:<region>:<account>:`, and
    /// `max_bytes` bounds the events all archives keep together.
    pub fn new(clock: SharedClock, arn_prefix: impl Into<String>, max_bytes: usize) -> Self {
        Self {
            clock,
            arn_prefix: arn_prefix.into(),
            max_bytes,
            archives: RwLock::new(BTreeMap::new()),
            replays: Mutex::new(replay::Replays::default()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Archive>>> {
        self.archives.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Archive>>> {
        self.archives.write().unwrap_or_else(|p| p.into_inner())
    }

    /// CreateArchive. `bus` is the name of the bus `config.source_arn` names, which the
    /// caller has checked exists.
    ///
    /// # Errors
    ///
    /// The name is taken, or the pattern does not compile.
    pub fn create(&self, config: ArchiveConfig, bus: &str) -> Result<ArchiveInfo, ArchiveError> {
        let pattern = compile(config.event_pattern.as_deref())?;
        let mut archives = self.write();
        if archives.contains_key(&config.name) {
            return Err(ArchiveError::ArchiveExists(config.name));
        }
        let archive = Archive {
            arn: format!("{}archive/{}", self.arn_prefix, config.name),
            bus: bus.to_owned(),
            pattern,
            created_ms: self.clock.now_ms(),
            held: Arc::default(),
            config,
        };
        let info = archive.info();
        archives.insert(archive.config.name.clone(), Arc::new(archive));
        Ok(info)
    }

    /// DescribeArchive.
    ///
    /// # Errors
    ///
    /// No archive has the name.
    pub fn describe(&self, name: &str) -> Result<ArchiveInfo, ArchiveError> {
        self.expire();
        self.read()
            .get(name)
            .map(|a| a.info())
            .ok_or_else(|| ArchiveError::NoSuchArchive(name.to_owned()))
    }

    /// The events every archive holds, oldest first in each, as the bus received them
    /// (JSON text): what was on the bus, for a test or a look at it.
    pub fn events(&self) -> Vec<Arc<str>> {
        self.expire();
        self.read()
            .values()
            .flat_map(|a| {
                let held = a.held.lock().unwrap_or_else(|p| p.into_inner());
                held.events
                    .iter()
                    .map(|e| e.text.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Every archive, by name.
    pub fn list(&self) -> Vec<ArchiveInfo> {
        self.expire();
        self.read().values().map(|a| a.info()).collect()
    }

    /// UpdateArchive: what is given replaces what was; the events stay.
    ///
    /// # Errors
    ///
    /// No archive has the name, or the new pattern does not compile.
    pub fn update(
        &self,
        name: &str,
        description: Option<String>,
        event_pattern: Option<String>,
        retention_days: Option<u32>,
    ) -> Result<ArchiveInfo, ArchiveError> {
        let mut archives = self.write();
        let old = archives
            .get(name)
            .ok_or_else(|| ArchiveError::NoSuchArchive(name.to_owned()))?;
        let mut config = old.config.clone();
        if description.is_some() {
            config.description = description;
        }
        if event_pattern.is_some() {
            config.event_pattern = event_pattern;
        }
        if let Some(days) = retention_days {
            config.retention_days = days;
        }
        let updated = Archive {
            pattern: compile(config.event_pattern.as_deref())?,
            arn: old.arn.clone(),
            bus: old.bus.clone(),
            created_ms: old.created_ms,
            held: old.held.clone(),
            config,
        };
        let info = updated.info();
        archives.insert(name.to_owned(), Arc::new(updated));
        Ok(info)
    }

    /// DeleteArchive: its events go with it.
    ///
    /// # Errors
    ///
    /// No archive has the name.
    pub fn delete(&self, name: &str) -> Result<(), ArchiveError> {
        self.write()
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| ArchiveError::NoSuchArchive(name.to_owned()))
    }

    /// Keeps `event`, put on `bus` (`text` its JSON), in every archive of the bus whose
    /// pattern it matches. A replayed event (one with `replay-name`) is never kept.
    pub fn capture(&self, bus: &str, event: &Value, text: &str) {
        if event.get("replay-name").is_some() {
            return;
        }
        let archives = self.read();
        let mut kept: Option<Arc<str>> = None;
        for archive in archives.values().filter(|a| a.bus == bus) {
            if archive.pattern.as_ref().is_some_and(|p| !p.matches(event)) {
                continue;
            }
            let text = kept.get_or_insert_with(|| Arc::from(text)).clone();
            let now = self.clock.now_ms();
            let event_ms = event_time_ms(event).unwrap_or(now);
            let mut held = archive.held.lock().unwrap_or_else(|p| p.into_inner());
            held.bytes += text.len();
            held.events.push_back(Archived {
                event_ms,
                arrived_ms: now,
                text,
            });
        }
        drop(archives);
        if kept.is_some() {
            self.bound();
        }
    }

    /// Drops the oldest events while all archives together hold more than the bound.
    fn bound(&self) {
        let archives = self.read();
        let mut total: usize = archives.values().map(|a| a.held_bytes()).sum();
        while total > self.max_bytes {
            // The archive whose oldest event arrived first gives it up.
            let oldest = archives
                .values()
                .filter_map(|a| {
                    let held = a.held.lock().unwrap_or_else(|p| p.into_inner());
                    held.events.front().map(|e| (e.arrived_ms, a.clone()))
                })
                .min_by_key(|(at, _)| *at);
            let Some((_, archive)) = oldest else { break };
            let mut held = archive.held.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(gone) = held.events.pop_front() {
                held.bytes -= gone.text.len();
                total -= gone.text.len();
            }
        }
    }

    /// Drops the events older than each archive's retention.
    fn expire(&self) {
        let now = self.clock.now_ms();
        for archive in self.read().values() {
            if archive.config.retention_days == 0 {
                continue;
            }
            let cutoff = now - i64::from(archive.config.retention_days) * DAY_MS;
            let mut held = archive.held.lock().unwrap_or_else(|p| p.into_inner());
            while held.events.front().is_some_and(|e| e.arrived_ms < cutoff) {
                if let Some(gone) = held.events.pop_front() {
                    held.bytes -= gone.text.len();
                }
            }
        }
    }

    /// The bus and the events in `[start_ms, end_ms)` of event time of archive `arn`,
    /// oldest first.
    fn window(
        &self,
        arn: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<(String, String, Vec<Archived>), ArchiveError> {
        self.expire();
        let archives = self.read();
        let archive = archives
            .values()
            .find(|a| a.arn == arn)
            .ok_or_else(|| ArchiveError::NoSuchArchive(name_in_arn(arn).to_owned()))?;
        let held = archive.held.lock().unwrap_or_else(|p| p.into_inner());
        let mut events: Vec<Archived> = held
            .events
            .iter()
            .filter(|e| (start_ms..end_ms).contains(&e.event_ms))
            .cloned()
            .collect();
        events.sort_by_key(|e| e.event_ms);
        Ok((
            archive.config.name.clone(),
            archive.config.source_arn.clone(),
            events,
        ))
    }
}

impl Archive {
    fn held_bytes(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }

    fn info(&self) -> ArchiveInfo {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        ArchiveInfo {
            config: self.config.clone(),
            arn: self.arn.clone(),
            created_ms: self.created_ms,
            event_count: held.events.len(),
            size_bytes: held.bytes,
        }
    }
}

fn compile(pattern: Option<&str>) -> Result<Option<Pattern>, ArchiveError> {
    pattern
        .map(|text| {
            Pattern::parse(text).map_err(|e| ArchiveError::InvalidPattern(e.message().to_owned()))
        })
        .transpose()
}

/// The ms of an event's `time` (RFC 3339), if it has a readable one.
fn event_time_ms(event: &Value) -> Option<i64> {
    let text = event.get("time")?.as_str()?;
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The last part of an ARN's resource (`archive/<name>` → `<name>`).
pub fn name_in_arn(arn: &str) -> &str {
    arn.rsplit_once('/').map_or(arn, |(_, name)| name)
}
