//! Replays: StartReplay, DescribeReplay, ListReplays and CancelReplay, stepped one minute
//! of event time at a time.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::{ArchiveError, Archived, Archives, MAX_ACTIVE_REPLAYS};

/// Ended replays kept for DescribeReplay and ListReplays; the oldest go first past this.
const ENDED_KEPT: usize = 100;
const MINUTE_MS: i64 = 60_000;

/// `ReplayState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayState {
    /// Started, no event replayed yet.
    Starting,
    /// Replaying.
    Running,
    /// Asked to stop; it stops at its next step.
    Cancelling,
    /// Every event of the window replayed.
    Completed,
    /// Stopped by CancelReplay.
    Cancelled,
    /// Could not go on; the local cloud's replays, whose events are taken when they
    /// start, do not fail.
    Failed,
}

impl ReplayState {
    /// The state as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Cancelling => "CANCELLING",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
            Self::Failed => "FAILED",
        }
    }

    /// The state of a ListReplays `State` filter.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Starting,
            Self::Running,
            Self::Cancelling,
            Self::Completed,
            Self::Cancelled,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    fn is_active(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Cancelling)
    }
}

/// StartReplay's members, the times in ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayRequest {
    /// `ReplayName`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `EventSourceArn`: the archive's ARN.
    pub archive_arn: String,
    /// `EventStartTime`.
    pub start_ms: i64,
    /// `EventEndTime`.
    pub end_ms: i64,
    /// `Destination.Arn`: a bus's ARN.
    pub destination_arn: String,
    /// `Destination.FilterArns`: rule ARNs; every rule of the bus when empty.
    pub filter_arns: Vec<String>,
}

/// One replay as DescribeReplay answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// What it was started with.
    pub request: ReplayRequest,
    /// Its ARN.
    pub arn: String,
    /// Its state.
    pub state: ReplayState,
    /// Why it is in that state, when it failed.
    pub state_reason: Option<String>,
    /// When it started, in ms of the clock.
    pub replay_start_ms: i64,
    /// When it ended, in ms of the clock.
    pub replay_end_ms: Option<i64>,
    /// The event time of the last event replayed.
    pub last_replayed_ms: Option<i64>,
}

/// The events of one step of one replay, to put back on its bus.
#[derive(Debug, Clone)]
pub struct ReplayStep {
    /// The replay's name, which each event carries as `replay-name`.
    pub replay_name: String,
    /// The bus's ARN.
    pub destination_arn: String,
    /// The rules the events may reach; every rule of the bus when empty.
    pub filter_arns: Vec<String>,
    /// The archived events' JSON text, oldest first.
    pub events: Vec<Arc<str>>,
}

struct Running {
    replay: Replay,
    pending: VecDeque<Archived>,
}

#[derive(Default)]
pub(super) struct Replays {
    by_name: BTreeMap<String, Running>,
    /// Whether a caller is stepping the replays: one is enough.
    stepping: bool,
}

impl Archives {
    /// StartReplay: the events of the window are taken now. Answers the replay and whether
    /// the caller must start stepping ([`Archives::advance_replays`]), which it must when no
    /// one is.
    ///
    /// # Errors
    ///
    /// The window is empty, the name is taken, the archive does not exist, the destination
    /// is another bus, a filter names no rule of it, or ten replays are active.
    /// `rule_exists` says whether a `FilterArns` entry is a rule of the destination bus.
    pub fn start_replay(
        &self,
        request: ReplayRequest,
        rule_exists: impl Fn(&str) -> bool,
    ) -> Result<(Replay, bool), ArchiveError> {
        if request.start_ms >= request.end_ms {
            return Err(ArchiveError::EmptyWindow);
        }
        let mut replays = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        if replays.by_name.contains_key(&request.name) {
            return Err(ArchiveError::ReplayExists(request.name));
        }
        let (_, source_arn, events) =
            self.window(&request.archive_arn, request.start_ms, request.end_ms)?;
        if request.destination_arn != source_arn {
            return Err(ArchiveError::CrossBusReplay);
        }
        if let Some(unknown) = request.filter_arns.iter().find(|arn| !rule_exists(arn)) {
            return Err(ArchiveError::NoSuchRule {
                rule: super::name_in_arn(unknown).to_owned(),
                bus: super::name_in_arn(&request.destination_arn).to_owned(),
            });
        }
        let active = replays
            .by_name
            .values()
            .filter(|r| r.replay.state.is_active())
            .count();
        if active >= MAX_ACTIVE_REPLAYS {
            return Err(ArchiveError::TooManyReplays);
        }
        let replay = Replay {
            arn: format!("{}replay/{}", self.arn_prefix, request.name),
            request,
            state: ReplayState::Starting,
            state_reason: None,
            replay_start_ms: self.clock.now_ms(),
            replay_end_ms: None,
            last_replayed_ms: None,
        };
        replays.by_name.insert(
            replay.request.name.clone(),
            Running {
                replay: replay.clone(),
                pending: events.into(),
            },
        );
        let must_step = !replays.stepping;
        replays.stepping = true;
        forget_ended(&mut replays.by_name);
        Ok((replay, must_step))
    }

    /// DescribeReplay.
    ///
    /// # Errors
    ///
    /// No replay has the name.
    pub fn describe_replay(&self, name: &str) -> Result<Replay, ArchiveError> {
        let replays = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        replays
            .by_name
            .get(name)
            .map(|r| r.replay.clone())
            .ok_or_else(|| ArchiveError::NoSuchReplay(name.to_owned()))
    }

    /// Every replay kept, by name.
    pub fn list_replays(&self) -> Vec<Replay> {
        let replays = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        replays.by_name.values().map(|r| r.replay.clone()).collect()
    }

    /// CancelReplay: a starting or running replay stops at its next step.
    ///
    /// # Errors
    ///
    /// No replay has the name, or it has ended or is cancelling already.
    pub fn cancel_replay(&self, name: &str) -> Result<Replay, ArchiveError> {
        let mut replays = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        let running = replays
            .by_name
            .get_mut(name)
            .ok_or_else(|| ArchiveError::NoSuchReplay(name.to_owned()))?;
        match running.replay.state {
            ReplayState::Starting | ReplayState::Running => {
                running.replay.state = ReplayState::Cancelling;
                Ok(running.replay.clone())
            }
            state => Err(ArchiveError::NotCancellable {
                name: name.to_owned(),
                state: state.as_str(),
            }),
        }
    }

    /// One step of every active replay: a cancelling one ends cancelled; a starting or
    /// running one replays the next minute of event time that holds events, and completes
    /// when none is left. Answers the events to replay, and whether any replay is still
    /// active (when none is, the caller stops stepping).
    pub fn advance_replays(&self) -> (Vec<ReplayStep>, bool) {
        let now = self.clock.now_ms();
        let mut replays = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        let mut steps = Vec::new();
        for running in replays.by_name.values_mut() {
            let replay = &mut running.replay;
            match replay.state {
                ReplayState::Cancelling => {
                    replay.state = ReplayState::Cancelled;
                    replay.replay_end_ms = Some(now);
                    running.pending.clear();
                    continue;
                }
                ReplayState::Starting | ReplayState::Running => {}
                _ => continue,
            }
            replay.state = ReplayState::Running;
            if let Some(first) = running.pending.front() {
                let minute = first.event_ms.div_euclid(MINUTE_MS);
                let mut events = Vec::new();
                while running
                    .pending
                    .front()
                    .is_some_and(|e| e.event_ms.div_euclid(MINUTE_MS) == minute)
                {
                    if let Some(next) = running.pending.pop_front() {
                        replay.last_replayed_ms = Some(next.event_ms);
                        events.push(next.text);
                    }
                }
                steps.push(ReplayStep {
                    replay_name: replay.request.name.clone(),
                    destination_arn: replay.request.destination_arn.clone(),
                    filter_arns: replay.request.filter_arns.clone(),
                    events,
                });
            }
            if running.pending.is_empty() {
                replay.state = ReplayState::Completed;
                replay.replay_end_ms = Some(now);
            }
        }
        let active = replays.by_name.values().any(|r| r.replay.state.is_active());
        replays.stepping = active;
        (steps, active)
    }
}

/// Drops the replays that ended first while more than [`ENDED_KEPT`] have ended.
fn forget_ended(by_name: &mut BTreeMap<String, Running>) {
    let mut ended: Vec<(i64, String)> = by_name
        .iter()
        .filter(|(_, r)| !r.replay.state.is_active())
        .map(|(name, r)| (r.replay.replay_end_ms.unwrap_or_default(), name.clone()))
        .collect();
    if ended.len() <= ENDED_KEPT {
        return;
    }
    ended.sort();
    let excess = ended.len() - ENDED_KEPT;
    for (_, name) in ended.into_iter().take(excess) {
        by_name.remove(&name);
    }
}
