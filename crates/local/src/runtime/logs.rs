//! What CloudWatch Logs would hold: JSON lines per log group (one per function, one per
//! state machine), each stamped with the runtime clock. In-process handlers log through
//! `tracing`; [`CloudLogLayer`] routes each event to the log group of the invocation span
//! it happens in, with every span field (request id, correlation id, order id) on the
//! line. EMF records arrive the same way and are written raw, as CloudWatch keeps them.

use crate::clock::SharedClock;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The target of EMF records written through tracing; their `emf` field is the line.
pub const EMF_TARGET: &str = "orderly::emf";
/// The span field naming the log group of an invocation.
pub const LOG_GROUP_FIELD: &str = "log_group";
/// The span field naming the cloud an invocation belongs to.
pub const CLOUD_FIELD: &str = "cloud";

/// One log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// The log group, e.g. `/aws/lambda/orderly-PlaceOrderFunction`.
    pub group: String,
    /// When the line was written, epoch milliseconds on the cloud's clock.
    pub timestamp_ms: i64,
    /// The line as JSON, as CloudWatch Logs would hold a JSON log line.
    pub line: Value,
}

/// One event of a log group, as the Logs API reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Its place among every line of the store, increasing in the order written; unlike a
    /// position, it stays when older lines are dropped.
    pub seq: u64,
    /// When it was written, epoch milliseconds on the cloud's clock.
    pub timestamp_ms: i64,
    /// Its text (JSON for the cloud's own lines).
    pub text: String,
}

/// Lines whose text is rendered when someone reads them: a state machine's log at level
/// ALL is one line per history event with every payload, and the history is kept anyway.
pub trait DeferredLines: Send + Sync {
    /// The JSON text of line `index`.
    fn render(&self, index: usize) -> String;
}

/// A line's text: written, or rendered on read.
#[derive(Clone)]
enum LineText {
    Ready(String),
    Deferred(Arc<dyn DeferredLines>, usize),
}

impl LineText {
    /// The text, rendering a deferred line.
    fn render(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Ready(text) => text.into(),
            Self::Deferred(lines, index) => lines.render(*index).into(),
        }
    }

    /// The text, owned: a ready line's without a copy.
    fn into_text(self) -> String {
        match self {
            Self::Ready(text) => text,
            Self::Deferred(lines, index) => lines.render(index),
        }
    }
}

/// A line as the store keeps it: its JSON text, written once. Keeping text rather than a
/// `Value` tree costs one allocation per line instead of one per field, which is what a
/// busy cloud writing thousands of lines a second pays for; readers parse on demand.
struct StoredLine {
    group: Arc<str>,
    /// The line's place among every line the store was given: readers page by it, and it
    /// does not move when older lines go.
    seq: u64,
    timestamp_ms: i64,
    /// When the line expires: its timestamp plus its group's retention (`i64::MAX` for
    /// a group that keeps its lines).
    expires_ms: i64,
    text: LineText,
}

impl StoredLine {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        self.text.render()
    }

    /// The line as readers get it, from its text (already rendered by the caller).
    fn parsed(&self, text: &str) -> LogLine {
        LogLine {
            group: self.group.to_string(),
            timestamp_ms: self.timestamp_ms,
            line: serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
        }
    }
}

/// How long lines are kept in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRetention {
    /// Per log group name, `RetentionInDays` in milliseconds (the template's
    /// `AWS::Logs::LogGroup`s); a group not named keeps its lines, as CloudWatch Logs does.
    pub groups: HashMap<String, i64>,
    /// The most lines kept in memory, all groups together, oldest dropped first.
    /// CloudWatch keeps a group's lines for its whole retention period, but a process
    /// under sustained load cannot hold 14 days of lines in memory, nor lines of groups
    /// with no retention at all: this bounds both. `--log-dir` files keep every line.
    pub max_lines: usize,
}

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl LogRetention {
    /// Each group's `RetentionInDays` from the template, and `max_lines`.
    pub fn from_groups<'a>(
        groups: impl IntoIterator<Item = &'a crate::template::LogGroup>,
        max_lines: usize,
    ) -> Self {
        Self {
            groups: groups
                .into_iter()
                .filter_map(|g| {
                    g.retention_days
                        .map(|days| (g.name.clone(), i64::from(days) * DAY_MS))
                })
                .collect(),
            max_lines,
        }
    }
}

impl Default for LogRetention {
    /// No group retention; 100,000 lines: an order of the workflow writes about 70 lines
    /// (half of them its execution's, rendered from its history when read), so a demo or
    /// a chaos wave of 500 orders keeps every line, and the cap holds about 1,400 orders'
    /// lines: some 35 MB beside the histories the executions keep.
    fn default() -> Self {
        Self {
            groups: HashMap::new(),
            max_lines: DEFAULT_MAX_LOG_LINES,
        }
    }
}

/// The default of [`LogRetention::max_lines`].
pub const DEFAULT_MAX_LOG_LINES: usize = 100_000;

/// A group's shared name and when its lines expire.
#[derive(Clone)]
struct Group {
    name: Arc<str>,
    retention_ms: Option<i64>,
}

/// Log groups of one local cloud.
pub struct LogStore {
    clock: SharedClock,
    /// Lines in the order written, so the oldest go first. Lines of a group with a
    /// shorter retention than the one before them are hidden from readers once expired
    /// and freed when they reach the front.
    lines: Mutex<VecDeque<StoredLine>>,
    /// Groups, by name.
    groups: Mutex<HashMap<String, Group>>,
    retention: LogRetention,
    /// Lines dropped from memory by retention so far.
    dropped: std::sync::atomic::AtomicUsize,
    /// The sequence number of the next line; taken with `lines` locked, so the lines stay
    /// in its order.
    next_seq: std::sync::atomic::AtomicU64,
    dir: Option<PathBuf>,
    files: Mutex<HashMap<String, Option<File>>>,
    echo: bool,
}

impl LogStore {
    /// Keeps lines in memory; with `dir`, also appends them to `<dir>/<group>.log` (the
    /// group name with `/` turned into `_`); with `echo`, also prints them on stdout.
    /// Lines are kept as `retention` says.
    pub fn new(
        clock: SharedClock,
        dir: Option<&Path>,
        echo: bool,
        retention: LogRetention,
    ) -> std::io::Result<Arc<Self>> {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
        Ok(Arc::new(Self {
            clock,
            lines: Mutex::new(VecDeque::new()),
            groups: Mutex::new(HashMap::new()),
            retention,
            dropped: std::sync::atomic::AtomicUsize::new(0),
            next_seq: std::sync::atomic::AtomicU64::new(0),
            dir: dir.map(Path::to_path_buf),
            files: Mutex::new(HashMap::new()),
            echo,
        }))
    }

    /// The time on the cloud's clock, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Appends a line to a group.
    pub fn write(&self, group: &str, line: Value) {
        self.write_text(group, line.to_string());
    }

    /// Appends `count` lines rendered by `lines` when they are read; rendered now when
    /// they go to a file or stdout.
    pub fn write_deferred(&self, group: &str, lines: Arc<dyn DeferredLines>, count: usize) {
        if self.echo || self.dir.is_some() {
            for index in 0..count {
                self.write_text(group, lines.render(index));
            }
            return;
        }
        let timestamp_ms = self.clock.now_ms();
        let group = self.shared_group(group);
        let expires_ms = expiry(timestamp_ms, group.retention_ms);
        let mut stored = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        stored.extend((0..count).map(|index| {
            StoredLine {
                group: group.name.clone(),
                seq: self
                    .next_seq
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                timestamp_ms,
                expires_ms,
                text: LineText::Deferred(lines.clone(), index),
            }
        }));
        self.evict(&mut stored, timestamp_ms);
    }

    /// The shared name and retention of a group.
    fn shared_group(&self, group: &str) -> Group {
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        match groups.get(group) {
            Some(shared) => shared.clone(),
            None => {
                let shared = Group {
                    name: Arc::from(group),
                    retention_ms: self.retention.groups.get(group).copied(),
                };
                groups.insert(group.to_owned(), shared.clone());
                shared
            }
        }
    }

    /// Drops the oldest lines past the cap, and expired lines at the front: each line is
    /// dropped once, so the cost is constant per line written.
    fn evict(&self, lines: &mut VecDeque<StoredLine>, now_ms: i64) {
        let before = lines.len();
        let over = lines.len().saturating_sub(self.retention.max_lines);
        lines.drain(..over);
        while lines.front().is_some_and(|l| l.expires_ms <= now_ms) {
            lines.pop_front();
        }
        self.dropped
            .fetch_add(before - lines.len(), std::sync::atomic::Ordering::Relaxed);
    }

    /// How many lines retention has dropped from memory so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Drops what retention no longer keeps at this instant (writing does it too; this
    /// is for a cloud that stopped writing).
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        self.evict(
            &mut self.lines.lock().unwrap_or_else(|p| p.into_inner()),
            now,
        );
    }

    /// How many lines are held in memory (expired ones not yet freed included).
    pub fn len(&self) -> usize {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no line is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a line already rendered as one JSON object's text.
    pub fn write_text(&self, group: &str, text: String) {
        let timestamp_ms = self.clock.now_ms();
        if self.echo {
            crate::stdout::line(format_args!("{group} {text}"));
        }
        if let Some(dir) = &self.dir {
            let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
            // A group whose file cannot be opened keeps its lines in memory only.
            let file = files.entry(group.to_owned()).or_insert_with(|| {
                let path = dir.join(format!("{}.log", file_name(group)));
                OpenOptions::new().create(true).append(true).open(path).ok()
            });
            if let Some(file) = file {
                let _ = writeln!(file, "{text}");
            }
        }
        let group = self.shared_group(group);
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.push_back(StoredLine {
            group: group.name,
            seq: self
                .next_seq
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            timestamp_ms,
            expires_ms: expiry(timestamp_ms, group.retention_ms),
            text: LineText::Ready(text),
        });
        self.evict(&mut lines, timestamp_ms);
    }

    /// Every line, in the order written.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines_where(|_| true, |_| true)
    }

    /// The lines of the groups `group` passes whose text `text` passes, parsed, in the
    /// order written. A deferred line's text is rendered at most once, and only for a
    /// line of a group that passed.
    fn lines_where(
        &self,
        group: impl Fn(&str) -> bool,
        text: impl Fn(&str) -> bool,
    ) -> Vec<LogLine> {
        let now = self.clock.now_ms();
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|l| l.expires_ms > now && group(&l.group))
            .filter_map(|l| {
                let rendered = l.text();
                text(&rendered).then(|| l.parsed(&rendered))
            })
            .collect()
    }

    /// Visits every line's group and JSON text, in the order written, without parsing:
    /// a scan of a busy cloud's logs (the chaos privacy check) reads text, not trees.
    pub fn scan(&self, mut visit: impl FnMut(&str, &str)) {
        let now = self.clock.now_ms();
        for line in self.lines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if line.expires_ms > now {
                visit(&line.group, &line.text());
            }
        }
    }

    /// Lines of groups whose name contains `group` (all when empty).
    pub fn group_lines(&self, group: &str) -> Vec<LogLine> {
        self.lines_where(|name| name.contains(group), |_| true)
    }

    /// Lines whose text contains `needle` as (part of) a JSON string: a cheap first cut
    /// before looking at fields. The needle is escaped as the line's text escapes it.
    pub fn lines_mentioning(&self, needle: &str) -> Vec<LogLine> {
        let quoted = Value::String(needle.to_owned()).to_string();
        let escaped = &quoted[1..quoted.len() - 1];
        self.lines_where(|_| true, |text| text.contains(escaped))
    }

    /// Lines mentioning a correlation id anywhere in their fields, in time order.
    pub fn correlated(&self, correlation_id: &str) -> Vec<LogLine> {
        let mut lines: Vec<LogLine> = self
            .lines_mentioning(correlation_id)
            .into_iter()
            .filter(|l| mentions(&l.line, correlation_id))
            .collect();
        lines.sort_by_key(|l| l.timestamp_ms);
        lines
    }

    /// The events of group `group` (that name exactly) as CloudWatch Logs holds them, in
    /// the order written.
    pub fn events(&self, group: &str) -> Vec<LogEvent> {
        let now = self.clock.now_ms();
        // Under the lock only what is cheap to copy: a deferred line (a state machine's,
        // whose text is rendered from its history) is rendered after the writers are let go.
        let kept: Vec<(u64, i64, LineText)> = self
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|l| l.expires_ms > now && &*l.group == group)
            .map(|l| (l.seq, l.timestamp_ms, l.text.clone()))
            .collect();
        kept.into_iter()
            .map(|(seq, timestamp_ms, text)| LogEvent {
                seq,
                timestamp_ms,
                text: text.into_text(),
            })
            .collect()
    }

    /// Count of lines per group.
    pub fn groups(&self) -> BTreeMap<String, usize> {
        let mut groups = BTreeMap::new();
        let now = self.clock.now_ms();
        for line in self
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|l| l.expires_ms > now)
        {
            *groups.entry(line.group.to_string()).or_insert(0) += 1;
        }
        groups
    }
}

/// When a line written at `timestamp_ms` expires.
fn expiry(timestamp_ms: i64, retention_ms: Option<i64>) -> i64 {
    retention_ms.map_or(i64::MAX, |r| timestamp_ms.saturating_add(r))
}

fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|v| mentions(v, needle)),
        Value::Object(o) => o.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// A log group name as a file name.
pub fn file_name(group: &str) -> String {
    group.trim_start_matches('/').replace('/', "_")
}

/// The log stores of every local cloud in the process, by cloud id, so one global
/// tracing subscriber serves several clouds (tests run many at once).
fn stores() -> &'static RwLock<HashMap<u64, Arc<LogStore>>> {
    static STORES: OnceLock<RwLock<HashMap<u64, Arc<LogStore>>>> = OnceLock::new();
    STORES.get_or_init(|| RwLock::new(HashMap::new()))
}

/// Routes the log lines of cloud `cloud` to `store`, until [`unregister`].
pub fn register(cloud: u64, store: Arc<LogStore>) {
    stores()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(cloud, store);
}

/// Stops routing the log lines of cloud `cloud`; called when the cloud is dropped.
pub fn unregister(cloud: u64) {
    stores()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&cloud);
}

fn store_of(cloud: u64) -> Option<Arc<LogStore>> {
    stores()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&cloud)
        .cloned()
}

/// Installs the routing layer as the process's tracing subscriber (once), and sends EMF
/// records through tracing so they land in the invocation's log group.
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        use tracing_subscriber::prelude::*;
        let _ = tracing_subscriber::registry()
            .with(CloudLogLayer)
            .try_init();
        // Written unstamped: the log store the line lands in stamps it with its cloud's
        // clock.
        orderly_core::telemetry::emf::set_sink(|record| {
            tracing::info!(target: EMF_TARGET, emf = record.to_line(0));
        });
    });
}

/// Span fields kept for the lines of events inside the span.
struct SpanFields(Map<String, Value>);

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0
            .insert(field.name().to_owned(), serde_json::json!(value));
    }
}

/// Routes tracing events to the log group of their invocation span.
pub struct CloudLogLayer;

impl<S> Layer<S> for CloudLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut JsonVisitor(&mut fields.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The spans' fields are read in place (one read guard per span), not copied: a
        // busy cloud writes thousands of lines a second.
        let spans: Vec<_> = ctx
            .event_scope(event)
            .map(|scope| scope.from_root().collect())
            .unwrap_or_default();
        let extensions: Vec<_> = spans.iter().map(|span| span.extensions()).collect();
        let mut context: Vec<(&str, &Value)> = Vec::new();
        for fields in extensions.iter().filter_map(|e| e.get::<SpanFields>()) {
            for (name, value) in &fields.0 {
                match context.iter_mut().find(|(n, _)| n == name) {
                    // An inner span that does not know a field (an SQS record whose body
                    // names no correlation id) leaves the invocation's value.
                    Some(slot) if value.as_str() == Some("") && slot.1.as_str() != Some("") => {}
                    Some(slot) => slot.1 = value,
                    None => context.push((name, value)),
                }
            }
        }
        let field = |name: &str| context.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let Some(cloud) = field(CLOUD_FIELD).and_then(Value::as_u64) else {
            return;
        };
        let Some(store) = store_of(cloud) else { return };
        let group = field(LOG_GROUP_FIELD)
            .and_then(Value::as_str)
            .unwrap_or("/orderly/local");
        let mut fields = Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        if event.metadata().target() == EMF_TARGET {
            // The record is kept as written, when it is JSON.
            if let Some(Value::String(line)) = fields.get("emf")
                && serde_json::from_str::<serde::de::IgnoredAny>(line).is_ok()
            {
                let now = u64::try_from(store.now_ms()).unwrap_or(0);
                store.write_text(group, orderly_core::telemetry::emf::stamp(line, now));
            }
            return;
        }
        let timestamp = Value::String(rfc3339_ms(store.now_ms()));
        let level = Value::String(event.metadata().level().to_string());
        // Key order: timestamp, level, message, the spans' fields, the event's fields; a
        // key written twice keeps its first place and its last value.
        let mut line: Vec<(&str, &Value)> = vec![("timestamp", &timestamp), ("level", &level)];
        let mut entries: Vec<(&str, &Value)> = Vec::new();
        if let Some(message) = fields.get("message") {
            entries.push(("message", message));
        }
        entries.extend(
            context
                .iter()
                .filter(|(n, _)| *n != CLOUD_FIELD && *n != LOG_GROUP_FIELD)
                .copied(),
        );
        entries.extend(fields.iter().map(|(n, v)| (n.as_str(), v)));
        for (name, value) in entries {
            match line.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = value,
                None => line.push((name, value)),
            }
        }
        store.write_text(group, object_text(&line));
    }
}

/// A JSON object's text from its members, in order.
fn object_text(members: &[(&str, &Value)]) -> String {
    let mut out = Vec::with_capacity(64 * members.len());
    out.push(b'{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing into a Vec cannot fail, and a Value always serializes.
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
    }
    out.push(b'}');
    // serde_json writes UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Epoch milliseconds as RFC 3339 UTC with milliseconds (the functions' log lines use
/// the same).
pub use orderly_core::telemetry::json_lines::rfc3339_ms;
