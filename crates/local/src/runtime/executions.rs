//! The executions of one cloud, indexed for the API: by ARN, by state machine and status
//! in start order (so a ListExecutions page costs the page plus a log-time seek, with or
//! without a status filter), and closed executions in close order, so retention drops
//! the oldest closed first in constant time per execution.

use super::paging::{self, TokenError};
use super::sfn::ExecutionEntry;
use orderly_states::Execution;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// How long closed executions are kept. Step Functions keeps a closed Standard execution
/// for 90 days; a process on a laptop cannot keep every execution of a sustained load for
/// that long, so a count cap bounds them too (oldest closed first). Running executions
/// are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutionRetention {
    /// The most closed executions kept.
    pub max_closed: usize,
    /// How long a closed execution is kept after it closed, milliseconds.
    pub closed_ms: i64,
}

/// Step Functions' 90 days.
pub const CLOSED_EXECUTION_DAYS: i64 = 90;

impl Default for ExecutionRetention {
    /// 90 days and 2,000 closed executions: a demo or a chaos wave (500 orders, at most a
    /// few executions each) keeps all of its own, and a closed execution of the order
    /// workflow with its history is about 33 KB, so the cap holds them to about 66 MB
    /// (`cargo run --release -p orderly-local --example footprint`).
    fn default() -> Self {
        Self {
            max_closed: 2_000,
            closed_ms: CLOSED_EXECUTION_DAYS * 24 * 60 * 60 * 1000,
        }
    }
}

#[derive(Default)]
struct Index {
    /// Start order; the key of every other index.
    next_seq: u64,
    entries: BTreeMap<u64, ExecutionEntry>,
    by_arn: HashMap<String, u64>,
    /// By state machine ARN: every execution, and by status.
    by_machine: HashMap<String, MachineIndex>,
    /// Closed executions, oldest closed first: (close time, seq).
    closed: VecDeque<(i64, u64)>,
    running: usize,
}

#[derive(Default)]
struct MachineIndex {
    all: BTreeSet<u64>,
    by_status: HashMap<&'static str, BTreeSet<u64>>,
}

impl Index {
    fn remove(&mut self, seq: u64) {
        let Some(entry) = self.entries.remove(&seq) else {
            return;
        };
        self.by_arn.remove(&entry.arn);
        if let Some(machine) = self.by_machine.get_mut(&entry.machine_arn) {
            machine.all.remove(&seq);
            if let Some(set) = machine.by_status.get_mut(entry.status()) {
                set.remove(&seq);
            }
        }
    }

    /// Drops closed executions past the count cap or older than the retention period.
    fn evict(&mut self, retention: &ExecutionRetention, now_ms: i64) {
        while let Some(&(closed_ms, seq)) = self.closed.front() {
            let over = self.closed.len() > retention.max_closed;
            let old = now_ms.saturating_sub(closed_ms) >= retention.closed_ms;
            if !(over || old) {
                break;
            }
            self.closed.pop_front();
            self.remove(seq);
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// The token of the next page, when there is one.
    pub next_token: Option<String>,
}

/// The executions of a cloud.
#[derive(Default)]
pub struct Executions {
    index: Mutex<Index>,
    retention: ExecutionRetention,
}

impl Executions {
    /// No execution yet; closed ones kept as `retention` says.
    pub fn new(retention: ExecutionRetention) -> Self {
        Self {
            index: Mutex::default(),
            retention,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        // Every write below leaves the index consistent before anything can panic.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a running execution, unless one of its ARN is kept: then answers a copy of it.
    pub fn insert(&self, entry: ExecutionEntry, now_ms: i64) -> Result<(), ExecutionEntry> {
        let mut index = self.lock();
        index.evict(&self.retention, now_ms);
        if let Some(seq) = index.by_arn.get(&entry.arn) {
            return Err(index.entries[seq].clone());
        }
        let seq = index.next_seq;
        index.next_seq += 1;
        index.by_arn.insert(entry.arn.clone(), seq);
        let machine = index
            .by_machine
            .entry(entry.machine_arn.clone())
            .or_default();
        machine.all.insert(seq);
        machine
            .by_status
            .entry(entry.status())
            .or_default()
            .insert(seq);
        if entry.result.is_none() {
            index.running += 1;
        }
        index.entries.insert(seq, entry);
        Ok(())
    }

    /// Records the end of the execution `arn` (its history is the result's from now on),
    /// then drops what retention no longer keeps.
    pub fn close(&self, arn: &str, execution: Arc<Execution>, now_ms: i64) {
        let mut index = self.lock();
        let Some(&seq) = index.by_arn.get(arn) else {
            return;
        };
        let Some(entry) = index.entries.get_mut(&seq) else {
            return;
        };
        if entry.result.is_some() {
            return;
        }
        let machine_arn = entry.machine_arn.clone();
        entry.result = Some(execution);
        // The ended execution's history is its result's; the live copy can go.
        entry.history = orderly_states::history::LiveHistory::new();
        let status = entry.status();
        if let Some(machine) = index.by_machine.get_mut(&machine_arn) {
            if let Some(running) = machine.by_status.get_mut("RUNNING") {
                running.remove(&seq);
            }
            machine.by_status.entry(status).or_default().insert(seq);
        }
        index.running = index.running.saturating_sub(1);
        index.closed.push_back((now_ms, seq));
        index.evict(&self.retention, now_ms);
    }

    /// Drops what retention no longer keeps at `now_ms` (closing and starting executions
    /// do it too; this is for a cloud that only reads).
    pub fn sweep(&self, now_ms: i64) {
        self.lock().evict(&self.retention, now_ms);
    }

    /// A copy of the execution `arn`.
    pub fn get(&self, arn: &str) -> Option<ExecutionEntry> {
        let index = self.lock();
        index
            .by_arn
            .get(arn)
            .and_then(|seq| index.entries.get(seq))
            .cloned()
    }

    /// Reads the execution `arn` in place.
    pub fn with<R>(&self, arn: &str, read: impl FnOnce(&ExecutionEntry) -> R) -> Option<R> {
        let index = self.lock();
        index
            .by_arn
            .get(arn)
            .and_then(|seq| index.entries.get(seq))
            .map(read)
    }

    /// Every execution kept, in start order.
    pub fn all(&self) -> Vec<ExecutionEntry> {
        self.lock().entries.values().cloned().collect()
    }

    /// Visits every execution kept, in start order, without copying.
    pub fn for_each(&self, mut visit: impl FnMut(&ExecutionEntry)) {
        self.lock().entries.values().for_each(&mut visit);
    }

    /// (executions kept, of which running).
    pub fn counts(&self) -> (usize, usize) {
        let index = self.lock();
        (index.entries.len(), index.running)
    }

    /// Whether every execution kept has ended.
    pub fn all_ended(&self) -> bool {
        self.lock().running == 0
    }

    /// ListExecutions: executions of `machine` (with `status`, when given), newest first,
    /// `limit` a page, from where `token` points. New executions start after every page
    /// already handed out, so a walk through the pages sees each execution that keeps its
    /// status once, however many start meanwhile.
    pub fn page(
        &self,
        machine: &str,
        status: Option<&str>,
        limit: usize,
        token: Option<&str>,
        now_ms: i64,
    ) -> Result<Page<ExecutionEntry>, TokenError> {
        let scope = format!("ListExecutions|{machine}|{}", status.unwrap_or(""));
        // Positions count down from the newest: a token holds the seq the page starts at.
        let below = match token {
            Some(token) => paging::decode(token, now_ms, &scope)?,
            None => u64::MAX,
        };
        let mut index = self.lock();
        index.evict(&self.retention, now_ms);
        let set = index.by_machine.get(machine).and_then(|m| match status {
            Some(status) => m.by_status.get(status),
            None => Some(&m.all),
        });
        let Some(set) = set else {
            return Ok(Page {
                items: Vec::new(),
                next_token: None,
            });
        };
        let limit = limit.max(1);
        let mut seqs = set.range(..=below).rev().copied();
        let page: Vec<u64> = seqs.by_ref().take(limit).collect();
        let next_token = seqs.next().map(|next| paging::encode(next, now_ms, &scope));
        let items = page
            .iter()
            .filter_map(|seq| index.entries.get(seq))
            .cloned()
            .collect();
        Ok(Page { items, next_token })
    }
}
