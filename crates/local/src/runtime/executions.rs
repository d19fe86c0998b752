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
    /// 90 days and 1,000 closed executions: a demo keeps all of its own (a chaos wave
    /// raises the cap to what its orders leave, `Retention::keeping_orders`), and a closed
    /// execution of the order workflow
    /// with its history is about 33 KB, so the cap holds them to about 33 MB
    /// (`cargo run --release -p orderly-local --example footprint`).
    fn default() -> Self {
        Self {
            max_closed: 1_000,
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
    /// Closed executions dropped by retention so far.
    dropped: usize,
}

#[derive(Default)]
struct MachineIndex {
    all: BTreeSet<u64>,
    by_status: HashMap<&'static str, BTreeSet<u64>>,
}

impl Index {
    fn remove(&mut self, seq: u64) -> Option<ExecutionEntry> {
        let entry = self.entries.remove(&seq)?;
        self.by_arn.remove(&entry.arn);
        if let Some(machine) = self.by_machine.get_mut(&entry.machine_arn) {
            machine.all.remove(&seq);
            if let Some(set) = machine.by_status.get_mut(entry.status()) {
                set.remove(&seq);
            }
        }
        Some(entry)
    }

    /// Takes out closed executions past the count cap or older than the retention
    /// period. The caller drops them once the index is unlocked: freeing a history of
    /// many events is the slow part, and the front door's Express runs wait on this lock.
    #[must_use = "drop the evicted executions after unlocking"]
    fn evict(&mut self, retention: &ExecutionRetention, now_ms: i64) -> Vec<ExecutionEntry> {
        let mut evicted = Vec::new();
        while let Some(&(closed_ms, seq)) = self.closed.front() {
            let over = self.closed.len() > retention.max_closed;
            let old = now_ms.saturating_sub(closed_ms) >= retention.closed_ms;
            if !(over || old) {
                break;
            }
            self.closed.pop_front();
            evicted.extend(self.remove(seq));
            self.dropped += 1;
        }
        evicted
    }
}

/// The index, locked, and what retention took out of it when it was locked. Fields drop
/// in order: the lock is released before the evicted executions are freed.
struct Locked<'a> {
    index: MutexGuard<'a, Index>,
    _evicted: Vec<ExecutionEntry>,
}

impl std::ops::Deref for Locked<'_> {
    type Target = Index;
    fn deref(&self) -> &Index {
        &self.index
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Index {
        &mut self.index
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

    /// The index, locked, after retention dropped what it no longer keeps at `now_ms`.
    fn lock_evicting(&self, now_ms: i64) -> Locked<'_> {
        let mut index = self.lock();
        let evicted = index.evict(&self.retention, now_ms);
        Locked {
            index,
            _evicted: evicted,
        }
    }

    /// Adds a running execution, unless one of its ARN is kept: then answers a copy of it.
    pub fn insert(&self, entry: ExecutionEntry, now_ms: i64) -> Result<(), Box<ExecutionEntry>> {
        let mut index = self.lock_evicting(now_ms);
        if let Some(seq) = index.by_arn.get(&entry.arn) {
            return Err(Box::new(index.entries[seq].clone()));
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
        // The ended execution's history is its result's; the live copy can go (freed
        // after the unlock, as the evicted executions are).
        let live = std::mem::take(&mut entry.history);
        let status = entry.status();
        if let Some(machine) = index.by_machine.get_mut(&machine_arn) {
            if let Some(running) = machine.by_status.get_mut("RUNNING") {
                running.remove(&seq);
            }
            machine.by_status.entry(status).or_default().insert(seq);
        }
        index.running = index.running.saturating_sub(1);
        index.closed.push_back((now_ms, seq));
        let evicted = index.evict(&self.retention, now_ms);
        drop(index);
        drop((evicted, live));
    }

    /// Opens the closed execution `arn` again, for a redrive: it runs under the same ARN
    /// with a new history view, stop signal and end signal. Answers how it had ended and
    /// those three; `None` when it is not kept or not closed.
    /// `redrivable` decides, under the store's lock, whether it may be (its reason when
    /// not), so that two redrives never both reopen it.
    #[allow(clippy::type_complexity)]
    pub fn reopen(
        &self,
        arn: &str,
        now_ms: i64,
        redrivable: impl FnOnce(&ExecutionEntry) -> Result<(), String>,
    ) -> Option<
        Result<
            (
                Arc<Execution>,
                orderly_states::LiveHistory,
                orderly_states::AbortSignal,
                tokio::sync::watch::Sender<Option<Arc<Execution>>>,
            ),
            String,
        >,
    > {
        let mut index = self.lock();
        let seq = *index.by_arn.get(arn)?;
        let entry = index.entries.get_mut(&seq)?;
        if let Err(why) = redrivable(entry) {
            return Some(Err(why));
        }
        let previous = entry.result.take()?;
        entry.redrive_count = previous.redrive_count + 1;
        entry.redrive_date_ms = Some(now_ms);
        let (ended_tx, ended) = tokio::sync::watch::channel(None);
        entry.ended = ended;
        entry.abort = orderly_states::AbortSignal::new();
        entry.history = orderly_states::LiveHistory::new();
        let (history, abort) = (entry.history.clone(), entry.abort.clone());
        let machine_arn = entry.machine_arn.clone();
        if let Some(machine) = index.by_machine.get_mut(&machine_arn) {
            if let Some(ended) = machine.by_status.get_mut(previous.status.as_str()) {
                ended.remove(&seq);
            }
            machine.by_status.entry("RUNNING").or_default().insert(seq);
        }
        index.running += 1;
        index.closed.retain(|(_, closed)| *closed != seq);
        Some(Ok((previous, history, abort, ended_tx)))
    }

    /// Drops what retention no longer keeps at `now_ms` (closing and starting executions
    /// do it too; this is for a cloud that only reads).
    pub fn sweep(&self, now_ms: i64) {
        drop(self.lock_evicting(now_ms));
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

    /// How many closed executions retention has dropped so far.
    pub fn dropped(&self) -> usize {
        self.lock().dropped
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
        redriven: Option<bool>,
        limit: usize,
        token: Option<&str>,
        now_ms: i64,
    ) -> Result<Page<ExecutionEntry>, TokenError> {
        let scope = format!(
            "ListExecutions|{machine}|{}|{redriven:?}",
            status.unwrap_or("")
        );
        // Positions count down from the newest: a token holds the seq the page starts at.
        let below = match token {
            Some(token) => paging::decode(token, now_ms, &scope)?,
            None => u64::MAX,
        };
        let index = self.lock_evicting(now_ms);
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
        // `redriveFilter`: only the executions redriven (or never redriven).
        let mut seqs = set.range(..=below).rev().copied().filter(|seq| {
            redriven.is_none_or(|r| {
                index
                    .entries
                    .get(seq)
                    .is_some_and(|e| (e.redrive_count > 0) == r)
            })
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use orderly_states::ExecutionStatus;
    use serde_json::json;
    use std::collections::BTreeMap;
    use time::OffsetDateTime;

    const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

    fn entry(machine: &str, name: &str) -> ExecutionEntry {
        ExecutionEntry::running(
            format!("{machine}:{name}"),
            machine.to_owned(),
            name.to_owned(),
            json!({}),
            0,
        )
        .0
    }

    fn ended(status: ExecutionStatus) -> Arc<Execution> {
        Arc::new(Execution {
            execution_arn: String::new(),
            state_machine_arn: MACHINE.to_owned(),
            name: String::new(),
            status,
            start_date: OffsetDateTime::UNIX_EPOCH,
            stop_date: OffsetDateTime::UNIX_EPOCH,
            input: json!({}),
            output: None,
            error: None,
            cause: None,
            history: Vec::new(),
            redrive_count: 0,
            redrive_date: None,
            redrive_point: None,
        })
    }

    fn keep_all() -> ExecutionRetention {
        ExecutionRetention {
            max_closed: usize::MAX,
            closed_ms: i64::MAX,
        }
    }

    /// Walks every page of a listing; between pages, `between` runs (adding executions).
    fn walk(
        executions: &Executions,
        status: Option<&str>,
        limit: usize,
        mut between: impl FnMut(usize),
    ) -> Vec<String> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        for page_number in 0.. {
            let page = executions
                .page(MACHINE, status, None, limit, token.as_deref(), 0)
                .expect("a good token");
            assert!(page.items.len() <= limit);
            names.extend(page.items.into_iter().map(|e| e.name));
            match page.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
            between(page_number);
        }
        names
    }

    #[test]
    fn pages_hand_out_each_execution_once_while_executions_start() {
        let executions = Executions::new(keep_all());
        let mut expected_running = Vec::new();
        let mut expected_all = Vec::new();
        for i in 0..30 {
            let name = format!("e{i:02}");
            executions
                .insert(entry(MACHINE, &name), 0)
                .map_err(|e| e.arn)
                .expect("new");
            // Another machine's executions interleave and never show.
            executions
                .insert(entry("arn:other", &name), 0)
                .map_err(|e| e.arn)
                .expect("new");
            if i % 3 == 0 {
                executions.close(
                    &format!("{MACHINE}:{name}"),
                    ended(ExecutionStatus::Succeeded),
                    0,
                );
            } else {
                expected_running.push(name.clone());
            }
            expected_all.push(name);
        }
        expected_running.reverse();
        expected_all.reverse();
        let mut started = 0;
        let mut start_more = |_| {
            for _ in 0..3 {
                executions_insert(&executions, &mut started);
            }
        };
        assert_eq!(
            walk(&executions, Some("RUNNING"), 4, &mut start_more),
            expected_running
        );
        // Unfiltered: every execution there when the walk began, newest first.
        let mut at_start: Vec<String> = executions
            .all()
            .into_iter()
            .filter(|e| e.machine_arn == MACHINE)
            .map(|e| e.name)
            .collect();
        at_start.reverse();
        assert!(at_start.ends_with(&expected_all));
        assert_eq!(walk(&executions, None, 7, &mut start_more), at_start);
        let succeeded = walk(&executions, Some("SUCCEEDED"), 2, |_| {});
        assert_eq!(succeeded.len(), 10);
    }

    fn executions_insert(executions: &Executions, started: &mut usize) {
        *started += 1;
        executions
            .insert(entry(MACHINE, &format!("new{started}")), 0)
            .map_err(|e| e.arn)
            .expect("new");
    }

    #[test]
    fn a_token_of_other_arguments_or_expired_or_made_up_is_refused() {
        let executions = Executions::new(keep_all());
        for i in 0..5 {
            executions
                .insert(entry(MACHINE, &format!("e{i}")), 0)
                .map_err(|e| e.arn)
                .expect("new");
        }
        let page = executions
            .page(MACHINE, None, None, 2, None, 0)
            .expect("first page");
        let token = page.next_token.expect("more pages");
        assert!(
            executions
                .page(MACHINE, None, None, 2, Some(&token), 0)
                .is_ok()
        );
        let refused = [
            executions.page(MACHINE, Some("RUNNING"), None, 2, Some(&token), 0),
            executions.page("arn:other", None, None, 2, Some(&token), 0),
            executions.page(MACHINE, None, None, 2, Some("3"), 0),
            executions.page(MACHINE, None, None, 2, Some("not a token"), 0),
            executions.page(
                MACHINE,
                None,
                None,
                2,
                Some(&token),
                paging::TOKEN_LIFETIME_MS + 1,
            ),
        ];
        for answer in refused {
            assert!(answer.is_err(), "{:?}", answer.map(|p| p.next_token));
        }
    }

    #[test]
    fn the_oldest_closed_go_first_past_the_cap_and_running_ones_stay() {
        let executions = Executions::new(ExecutionRetention {
            max_closed: 3,
            closed_ms: 1_000,
        });
        for i in 0..10 {
            executions
                .insert(entry(MACHINE, &format!("e{i}")), 0)
                .map_err(|e| e.arn)
                .expect("new");
        }
        // Closed in another order than started: e9 first … e2 last; e0 and e1 run on.
        for i in (2..10).rev() {
            executions.close(
                &format!("{MACHINE}:e{i}"),
                ended(ExecutionStatus::Failed),
                10,
            );
        }
        let kept: BTreeMap<String, &str> = executions
            .all()
            .into_iter()
            .map(|e| (e.name.clone(), e.status()))
            .collect();
        let want: BTreeMap<String, &str> = [
            ("e0", "RUNNING"),
            ("e1", "RUNNING"),
            ("e2", "FAILED"),
            ("e3", "FAILED"),
            ("e4", "FAILED"),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s))
        .collect();
        assert_eq!(kept, want);
        assert_eq!(executions.counts(), (5, 2));
        // A name used by an execution that has gone can be used again.
        assert!(executions.insert(entry(MACHINE, "e9"), 10).is_ok());
        // Past the period, every closed one goes; running ones stay.
        executions.sweep(1_010);
        assert_eq!(executions.counts(), (3, 3));
        let page = executions
            .page(MACHINE, Some("FAILED"), None, 10, None, 1_010)
            .expect("page");
        assert!(page.items.is_empty());
    }
}
