//! Executions recorded on AWS Step Functions, run again here and compared with what AWS
//! recorded: the final outcome and the whole history. The recordings come from LocalStack's
//! AWS-validated snapshot tests (Apache-2.0, imported as data under `tests/aws-recorded/`
//! with its licence and a README that says how the cases were made).
//!
//! Each case runs as `orderly states execute --skip-waits` runs it: `StateMachine::parse`,
//! then `execute_blocking` with a `VirtualClock`, and for a definition with Task states the
//! handler of the case's mock configuration (`MockConfig`, state machine `Recorded`, test case
//! `FromAWS`), made from the task results AWS recorded.
//!
//! Compared: the status; the output (SUCCEEDED) or error and cause (otherwise); the sequence
//! of event types; and each event's `*EventDetails`, field by field (ids, previousEventId and
//! timestamps are not recorded; a field that holds JSON text is compared as JSON). A snapshot
//! placeholder (`<uuid:1>`, `<ArnPart_0idx>`, the account `111111111111`, a bare `timestamp`,
//! or a replacement string the test registered) matches anything in its place. Where the
//! test sorted the events of its Parallel states (LocalStack's
//! `SfnNoneRecursiveParallelTransformer`), those events are compared as a multiset, and the
//! transformer is replayed on ours (it also drops a ParallelStateSucceeded); where the
//! recording is newest first, ours is reversed. Two artifacts of the recordings are
//! tolerated only where they apply: `$$.Execution.RedriveCount`, which recordings made
//! before Step Functions had redrive (15 November 2023) lack, and the empty cause of a
//! timeout fed through the mock format (`Throw` without `Cause`) where AWS's timeout event
//! has none.
//!
//! The cases that do not agree are listed, each with why, in
//! `tests/aws_recorded_failing.txt`: the test fails when a case outside the list fails (a
//! regression, or a new case) and when a listed case passes (the list is then out of date),
//! so the figures in `docs/aws-recorded-conformance.md` stay the current ones.
//! `AWS_RECORDED_UPDATE=1` rewrites the list from the run instead.
//! `AWS_RECORDED_REPORT=1 cargo test -p orderly-states --test aws_recorded -- --nocapture`
//! prints the agreement per set of cases.

mod failing_list;

use failing_list::FailingList;
use orderly_states::{ExecutionOptions, MockConfig, StateMachine, VirtualClock, execute_blocking};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

/// When the cases' inputs were captured. Some inputs hold timestamps computed from that
/// moment (a Wait until 24,856 days later, which AWS refuses as too long), so every case
/// runs on a clock that starts then, not now: the results do not change with the date.
const CAPTURED_AT: OffsetDateTime = datetime!(2026-12-06 04:54:14 UTC);

/// Whole-string values the snapshots' default transformers put in place of a real value.
const BARE_PLACEHOLDERS: &[&str] = &[
    "timestamp",
    "datetime",
    "date",
    "snf_role_arn",
    "sfn_role_arn",
    "json-input",
    "role-arn",
    "RequestId",
    "x-amzn-RequestId",
    "X-Amzn-Trace-Id",
    "x-amz-crc32",
    "x-amzn-requestid",
];

/// The snapshots' account id: twelve digits in its place.
const ACCOUNT: &str = "111111111111";

/// What stands in a definition or input for a value the test's fixtures made on AWS (the
/// ARN of a function it created) and the snapshot masks: in our result, it matches anything.
const STUB_VALUE: &str = "arn:aws:stub:us-east-1:111111111111:stub:anything";

/// Step Functions added redrive, and `$$.Execution.RedriveCount`, on this day.
const REDRIVE_LAUNCH: &str = "2023-11-15";

/// The names under which a case's mock configuration holds its answers.
const MOCK_STATE_MACHINE: &str = "Recorded";
const MOCK_TEST_CASE: &str = "FromAWS";

const TERMINAL_PARALLEL: &[&str] = &[
    "ParallelStateSucceeded",
    "ParallelStateAborted",
    "ParallelStateExited",
    "ParallelStateFailed",
];

fn data_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aws-recorded/cases.jsonl")
}

/// One recorded execution.
struct Case {
    id: String,
    recorded: String,
    placeholders: Vec<String>,
    masked_results: bool,
    reverse_order: bool,
    parallel_transformer: bool,
    definition: Value,
    input: Value,
    mock: Option<Value>,
    result: Map<String, Value>,
    /// An event, or (an array) a block of events the test sorted.
    events: Vec<Value>,
}

impl Case {
    fn from_line(line: &str) -> Case {
        let value: Value = serde_json::from_str(line).expect("a case is JSON");
        let Value::Object(mut f) = value else {
            panic!("a case is an object");
        };
        let flag =
            |f: &Map<String, Value>, k: &str| f.get(k).and_then(Value::as_bool) == Some(true);
        let text = |f: &Map<String, Value>, k: &str| {
            f.get(k)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("a case has `{k}`"))
                .to_owned()
        };
        Case {
            id: text(&f, "id"),
            recorded: text(&f, "recorded"),
            placeholders: f
                .get("placeholders")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            masked_results: flag(&f, "maskedResults"),
            reverse_order: flag(&f, "reverseOrder"),
            parallel_transformer: flag(&f, "parallelTransformer"),
            definition: f.remove("definition").expect("definition"),
            input: f.remove("input").expect("input"),
            mock: f.remove("mock"),
            result: match f.remove("result") {
                Some(Value::Object(r)) => r,
                _ => panic!("a case has a result"),
            },
            events: match f.remove("events") {
                Some(Value::Array(e)) => e,
                _ => panic!("a case has events"),
            },
        }
    }

    /// The row of the report the case counts in.
    fn set(&self) -> &'static str {
        if self.mock.is_some() {
            return if self.masked_results {
                "mocked tasks, masked results"
            } else {
                "mocked tasks, results recorded"
            };
        }
        let top = self
            .definition
            .get("QueryLanguage")
            .and_then(Value::as_str)
            .unwrap_or("JSONPath");
        let mut seen = BTreeSet::new();
        query_languages(self.definition.get("States"), top, &mut seen);
        match (seen.contains("JSONPath"), seen.contains("JSONata")) {
            (false, true) => "JSONata",
            (true, true) => "mixed JSONPath / JSONata",
            _ => "JSONPath",
        }
    }
}

/// The query language of every state, nested ones included (a state without its own
/// takes the definition's).
fn query_languages<'a>(states: Option<&'a Value>, top: &'a str, out: &mut BTreeSet<&'a str>) {
    let Some(Value::Object(states)) = states else {
        return;
    };
    for state in states.values() {
        out.insert(
            state
                .get("QueryLanguage")
                .and_then(Value::as_str)
                .unwrap_or(top),
        );
        for branch in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            query_languages(branch.get("States"), top, out);
        }
        for key in ["Iterator", "ItemProcessor"] {
            if let Some(sub) = state.get(key) {
                query_languages(sub.get("States"), top, out);
            }
        }
    }
}

fn load_cases() -> Vec<Case> {
    let text = fs::read_to_string(data_path()).expect("tests/aws-recorded/cases.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(Case::from_line)
        .collect()
}

// ------------------------------------------------------------------------------ matching

/// A piece of a recorded string that holds placeholders.
enum Piece<'a> {
    Text(&'a [u8]),
    /// The account id's place: twelve digits.
    Digits,
    /// A placeholder's place: anything.
    Any,
}

/// Compares a recorded value with ours: JSON equality, where a snapshot placeholder
/// matches anything in its place.
struct Matcher<'a> {
    /// Placeholders that stand for a whole string.
    whole: BTreeSet<&'a str>,
    /// Registered replacement strings also found inside strings, longest first.
    inner: Vec<&'a str>,
    /// Our run was fed recorded values with placeholders (mocked task results), so a
    /// placeholder on our side, as a whole value, matches anything too.
    got_masked: bool,
    /// The recording predates `$$.Execution.RedriveCount`.
    before_redrive: bool,
}

/// `<…>`: a snapshot placeholder's whole text.
fn is_angle(s: &str) -> bool {
    angle_at(s.as_bytes(), 0) == Some(s.len())
}

/// The end of a `<[A-Za-z0-9_:\-.]+>` that starts at `at`.
fn angle_at(s: &[u8], at: usize) -> Option<usize> {
    if s.get(at) != Some(&b'<') {
        return None;
    }
    let mut end = at + 1;
    while end < s.len() && (s[end].is_ascii_alphanumeric() || b"_:-.".contains(&s[end])) {
        end += 1;
    }
    (end > at + 1 && s.get(end) == Some(&b'>')).then_some(end + 1)
}

impl<'a> Matcher<'a> {
    fn new(case: &'a Case) -> Self {
        let mut whole: BTreeSet<&str> = BARE_PLACEHOLDERS.iter().copied().collect();
        whole.extend(case.placeholders.iter().map(String::as_str));
        let mut inner: Vec<&str> = case
            .placeholders
            .iter()
            .map(String::as_str)
            .filter(|t| t.len() >= 5 && !is_angle(t))
            .collect();
        inner.sort_by_key(|t| std::cmp::Reverse(t.len()));
        inner.dedup();
        Matcher {
            whole,
            inner,
            got_masked: case.masked_results,
            before_redrive: case.recorded.as_str() < REDRIVE_LAUNCH,
        }
    }

    /// The recorded string cut at its placeholders, or `None` when it has none.
    fn pieces<'s>(&self, s: &'s str) -> Option<Vec<Piece<'s>>> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let (mut start, mut at, mut found) = (0, 0, false);
        while at < b.len() {
            let hit = if let Some(end) = angle_at(b, at) {
                Some((end, Piece::Any))
            } else if b[at..].starts_with(ACCOUNT.as_bytes()) {
                Some((at + ACCOUNT.len(), Piece::Digits))
            } else {
                self.inner
                    .iter()
                    .find(|t| b[at..].starts_with(t.as_bytes()))
                    .map(|t| (at + t.len(), Piece::Any))
            };
            match hit {
                Some((end, piece)) => {
                    if start < at {
                        out.push(Piece::Text(&b[start..at]));
                    }
                    out.push(piece);
                    found = true;
                    start = end;
                    at = end;
                }
                None => at += 1,
            }
        }
        if start < b.len() {
            out.push(Piece::Text(&b[start..]));
        }
        found.then_some(out)
    }

    fn has_placeholder(&self, s: &str) -> bool {
        self.whole.contains(s) || self.pieces(s).is_some()
    }

    /// A value of ours that matches anything.
    fn got_whole(&self, got: &Value) -> bool {
        match got {
            Value::String(g) if g == STUB_VALUE => true,
            Value::String(g) => self.got_masked && (self.whole.contains(g.as_str()) || is_angle(g)),
            _ => false,
        }
    }

    /// The recorded string (or value) against ours, as strings.
    fn str_match(&self, expected: &Value, got: &Value) -> bool {
        if same(expected, got) || self.got_whole(got) {
            return true;
        }
        let Value::String(e) = expected else {
            return false;
        };
        if self.whole.contains(e.as_str()) || is_angle(e) {
            return true;
        }
        let Value::String(g) = got else {
            return false;
        };
        self.pieces(e)
            .is_some_and(|p| full_match(&p, g.as_bytes(), 0, 0, &mut BTreeSet::new()))
    }

    /// JSON equality where a placeholder in the recorded value matches any value.
    fn json_match(&self, expected: &Value, got: &Value) -> bool {
        if self.got_whole(got) {
            return true;
        }
        match (expected, got) {
            (Value::String(e), _) => {
                self.whole.contains(e.as_str())
                    || is_angle(e)
                    || (got.is_string() && self.str_match(expected, got))
            }
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(_), Value::Number(_)) => same(expected, got),
            (Value::Null, Value::Null) => true,
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| self.json_match(x, y))
            }
            (Value::Object(e), Value::Object(g)) => {
                if self.before_redrive
                    && g.contains_key("RedriveCount")
                    && !e.contains_key("RedriveCount")
                    && e.contains_key("Id")
                    && e.contains_key("StartTime")
                {
                    // `$$.Execution` as AWS gave it before redrive existed.
                    let mut g = g.clone();
                    g.shift_remove("RedriveCount");
                    return self.object_match(e, &g);
                }
                self.object_match(e, g)
            }
            _ => false,
        }
    }

    fn object_match(&self, e: &Map<String, Value>, g: &Map<String, Value>) -> bool {
        if e.len() != g.len() {
            return false;
        }
        if e.keys().all(|k| g.contains_key(k)) {
            return e.iter().all(|(k, v)| self.json_match(v, &g[k]));
        }
        // Keys themselves may hold placeholders.
        if !e
            .iter()
            .filter(|(k, _)| g.contains_key(*k))
            .all(|(k, v)| self.json_match(v, &g[k]))
        {
            return false;
        }
        let mut used = BTreeSet::new();
        for (ke, ve) in e.iter().filter(|(k, _)| !g.contains_key(*k)) {
            if !self.has_placeholder(ke) {
                return false;
            }
            let hit = g.iter().find(|(kg, vg)| {
                !e.contains_key(*kg)
                    && !used.contains(*kg)
                    && self.str_match(&Value::String(ke.clone()), &Value::String((*kg).clone()))
                    && self.json_match(ve, vg)
            });
            match hit {
                Some((kg, _)) => {
                    used.insert(kg.clone());
                }
                None => return false,
            }
        }
        true
    }

    /// A field of an event's details: the recorded value (JSON text that began with `{`
    /// is stored parsed) against ours (JSON text for payload fields).
    fn value_match(&self, rec: &Value, ours: &Value) -> bool {
        match (rec, ours) {
            (Value::String(_), Value::String(o)) => {
                self.str_match(rec, ours)
                    || match (parse(rec), serde_json::from_str::<Value>(o).ok()) {
                        (Some(a), Some(b)) => self.json_match(&a, &b),
                        _ => false,
                    }
            }
            (Value::String(_), _) => self.json_match(rec, ours),
            (Value::Object(r), Value::Object(o)) => {
                if r.len() == o.len() && r.keys().all(|k| o.contains_key(k)) {
                    r.iter().all(|(k, v)| self.value_match(v, &o[k]))
                } else {
                    let parsed: Map<String, Value> = o
                        .iter()
                        .map(|(k, v)| (k.clone(), parse(v).unwrap_or_else(|| v.clone())))
                        .collect();
                    self.json_match(rec, &Value::Object(parsed))
                }
            }
            (_, Value::String(o)) => serde_json::from_str::<Value>(o)
                .ok()
                .is_some_and(|b| self.json_match(rec, &b)),
            _ => self.json_match(rec, ours),
        }
    }
}

/// A string's JSON value, when it is JSON text.
fn parse(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => serde_json::from_str(s).ok(),
        _ => None,
    }
}

/// Whether `got[at..]` is what `pieces[i..]` describe; `failed` remembers the
/// (piece, position) pairs that do not match.
fn full_match(
    pieces: &[Piece],
    got: &[u8],
    i: usize,
    at: usize,
    failed: &mut BTreeSet<(usize, usize)>,
) -> bool {
    if failed.contains(&(i, at)) {
        return false;
    }
    let ok = match pieces.get(i) {
        None => at == got.len(),
        Some(Piece::Text(t)) => {
            got[at..].starts_with(t) && full_match(pieces, got, i + 1, at + t.len(), failed)
        }
        Some(Piece::Digits) => {
            got.len() >= at + 12
                && got[at..at + 12].iter().all(u8::is_ascii_digit)
                && full_match(pieces, got, i + 1, at + 12, failed)
        }
        Some(Piece::Any) => match pieces.get(i + 1) {
            None => true,
            // Only where the text that follows occurs.
            Some(Piece::Text(t)) => (at..=got.len().saturating_sub(t.len()))
                .filter(|p| got[*p..].starts_with(t))
                .any(|p| full_match(pieces, got, i + 1, p, failed)),
            Some(_) => (at..=got.len()).any(|p| full_match(pieces, got, i + 1, p, failed)),
        },
    };
    if !ok {
        failed.insert((i, at));
    }
    ok
}

/// JSON equality with numbers compared by value (`1` and `1.0` are one number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn short(text: &str, n: usize) -> String {
    let one_line = text.replace('\n', " ");
    match one_line.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "nothing".to_owned(),
        Some(Value::String(s)) => short(s, 80),
        Some(v) => short(&v.to_string(), 80),
    }
}

// ------------------------------------------------------------------------------ outcome

/// Why the final outcome differs from AWS's, or `None`.
fn outcome_diff(case: &Case, m: &Matcher, describe: &Value) -> Option<String> {
    let want = case
        .result
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let got = describe
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("?");
    if want != got {
        let why = [describe.get("error"), describe.get("cause")]
            .into_iter()
            .flatten()
            .map(|v| shown(Some(v)))
            .collect::<Vec<_>>()
            .join(": ");
        return Some(format!("status {got} (AWS {want}) {why}"));
    }
    if want == "SUCCEEDED" {
        let want_out = case
            .result
            .get("output")
            .map(|v| parse(v).unwrap_or_else(|| v.clone()))
            .unwrap_or(Value::Null);
        let got_out = describe
            .get("output")
            .map(|v| parse(v).unwrap_or_else(|| v.clone()))
            .unwrap_or(Value::Null);
        return (!m.json_match(&want_out, &got_out))
            .then(|| format!("output {}", shown(Some(&got_out))));
    }
    let null = Value::Null;
    let (want_error, got_error) = (
        case.result.get("error").unwrap_or(&null),
        describe.get("error").unwrap_or(&null),
    );
    // Two absent errors agree (`str_match` takes null for null).
    if !m.str_match(want_error, got_error) {
        return Some(format!("error {}", shown(Some(got_error))));
    }
    let (want_cause, got_cause) = (
        case.result.get("cause").unwrap_or(&null),
        describe.get("cause").unwrap_or(&null),
    );
    let ok = match want_cause {
        Value::Object(_) | Value::Array(_) => {
            parse(got_cause).is_some_and(|g| m.json_match(want_cause, &g))
        }
        _ => m.str_match(want_cause, got_cause),
    };
    (!ok).then(|| format!("cause {}", shown(Some(got_cause))))
}

// ------------------------------------------------------------------------------ history

enum Segment<'a> {
    One(&'a Value),
    /// Events the test sorted: compared as a multiset.
    Block(Vec<&'a Value>),
}

fn event_type(e: &Value) -> &str {
    e.get("type").and_then(Value::as_str).unwrap_or("?")
}

fn token(seg: &Segment) -> String {
    match seg {
        Segment::One(e) => event_type(e).to_owned(),
        Segment::Block(events) => {
            let mut types: Vec<&str> = events.iter().map(|e| event_type(e)).collect();
            types.sort_unstable();
            format!("{{{}}}", types.join(","))
        }
    }
}

/// LocalStack's `SfnNoneRecursiveParallelTransformer` on our events: which events it sorts
/// (they come back marked), and the ParallelStateSucceeded its slice assignment drops.
fn replay_parallel_transformer(events: Vec<Value>) -> Vec<(Value, bool)> {
    let mut events: Vec<(Value, bool)> = events.into_iter().map(|e| (e, false)).collect();
    let mut start: Option<usize> = None;
    let mut sublist: Vec<(Value, bool)> = Vec::new();
    let mut in_sublist = false;
    let mut i = 0;
    while i < events.len() {
        let t = event_type(&events[i].0).to_owned();
        if TERMINAL_PARALLEL.contains(&t.as_str()) {
            if let Some(s) = start {
                // Python's `events[s:i] = sublist` (an empty slice at `s` when s > i).
                let from = s.min(events.len());
                let to = i.clamp(from, events.len());
                events.splice(from..to, sublist.clone());
            }
            in_sublist = false;
        } else if t == "ParallelStateStarted" {
            in_sublist = true;
            sublist.clear();
            start = Some(i + 1);
        } else if in_sublist {
            events[i].1 = true;
            sublist.push(events[i].clone());
        }
        i += 1;
    }
    events
}

fn details_of(e: &Value) -> (Option<&str>, Option<&Value>) {
    e.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
        .map_or((None, None), |(k, v)| (Some(k.as_str()), Some(v)))
}

/// How an event's details differ from AWS's: one entry per field.
fn details_diff(case: &Case, m: &Matcher, rec: &Value, ours: &Value) -> Vec<String> {
    let etype = event_type(rec);
    let (rk, rd) = details_of(rec);
    let (ok, od) = details_of(ours);
    if rk != ok {
        return vec![format!(
            "{etype}: AWS {}, ours {}",
            rk.unwrap_or("no details"),
            ok.unwrap_or("no details")
        )];
    }
    let Some(rk) = rk else {
        return Vec::new();
    };
    let empty = Map::new();
    let rd = rd.and_then(Value::as_object).unwrap_or(&empty);
    let od = od.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Vec::new();
    for (f, rv) in rd {
        match od.get(f) {
            None => out.push(format!("{rk}.{f}: missing in ours")),
            Some(ov) if !m.value_match(rv, ov) => {
                out.push(format!("{rk}.{f}: differs (ours {})", shown(Some(ov))));
            }
            Some(_) => {}
        }
    }
    for (f, ov) in od.iter().filter(|(f, _)| !rd.contains_key(*f)) {
        // The mock format has no timeout without a cause; AWS's timeout events have none.
        let mock_timeout_cause = case.mock.is_some()
            && etype.ends_with("TimedOut")
            && f == "cause"
            && ov.as_str() == Some("");
        if !mock_timeout_cause {
            out.push(format!("{rk}.{f}: ours has it, AWS does not"));
        }
    }
    out
}

/// A block's events paired as a multiset: equal ones first, then the rest by type.
fn match_block<'v>(
    case: &Case,
    m: &Matcher,
    rec: &[&'v Value],
    ours: &[&'v Value],
) -> Vec<(&'v Value, &'v Value)> {
    let mut left: Vec<&Value> = ours.to_vec();
    let mut pairs = Vec::new();
    let mut rest = Vec::new();
    for r in rec {
        let hit = left
            .iter()
            .position(|o| event_type(o) == event_type(r) && details_diff(case, m, r, o).is_empty());
        match hit {
            Some(at) => pairs.push((*r, left.remove(at))),
            None => rest.push(*r),
        }
    }
    for r in rest {
        if let Some(at) = left.iter().position(|o| event_type(o) == event_type(r)) {
            pairs.push((r, left.remove(at)));
        }
    }
    pairs
}

/// How the history differs from AWS's: `(types agree, first difference)`.
fn history_diff(case: &Case, m: &Matcher, ours: Vec<Value>) -> (bool, Option<String>) {
    let mut ours = ours;
    if case.reverse_order {
        ours.reverse();
    }
    let marked: Vec<(Value, bool)> = if case.parallel_transformer {
        replay_parallel_transformer(ours)
    } else {
        ours.into_iter().map(|e| (e, false)).collect()
    };
    let rec: Vec<Segment> = case
        .events
        .iter()
        .map(|e| match e {
            Value::Array(block) => Segment::Block(block.iter().collect()),
            e => Segment::One(e),
        })
        .collect();
    let mut our_segs: Vec<Segment> = Vec::new();
    for (e, in_block) in &marked {
        match (our_segs.last_mut(), in_block) {
            (Some(Segment::Block(b)), true) => b.push(e),
            (_, true) => our_segs.push(Segment::Block(vec![e])),
            (_, false) => our_segs.push(Segment::One(e)),
        }
    }
    let rt: Vec<String> = rec.iter().map(token).collect();
    let ot: Vec<String> = our_segs.iter().map(token).collect();
    if rt != ot {
        let at = rt.iter().zip(&ot).take_while(|(a, b)| a == b).count();
        let from = at.saturating_sub(1);
        let window = |t: &[String]| {
            let end = (at + 2).min(t.len());
            if from >= end {
                "end".to_owned()
            } else {
                t[from..end].join(" ")
            }
        };
        return (
            false,
            Some(format!(
                "event types from #{}: AWS {}, ours {} ({} vs {} events)",
                from + 1,
                window(&rt),
                window(&ot),
                rt.len(),
                ot.len()
            )),
        );
    }
    let mut diffs = Vec::new();
    for (r, o) in rec.iter().zip(&our_segs) {
        match (r, o) {
            (Segment::One(r), Segment::One(o)) => diffs.extend(details_diff(case, m, r, o)),
            (Segment::Block(r), Segment::Block(o)) => {
                for (r, o) in match_block(case, m, r, o) {
                    diffs.extend(details_diff(case, m, r, o));
                }
            }
            _ => unreachable!("equal tokens"),
        }
    }
    (true, diffs.into_iter().next())
}

// ------------------------------------------------------------------------------ running

/// What one case gave.
struct Verdict {
    outcome_agrees: bool,
    types_agree: bool,
    details_agree: bool,
    /// Why the case fails, or `None`.
    why: Option<String>,
}

fn run(case: &Case) -> Verdict {
    let fail = |why: String| Verdict {
        outcome_agrees: false,
        types_agree: false,
        details_agree: false,
        why: Some(why),
    };
    let machine = match StateMachine::parse(&case.definition.to_string()) {
        Ok(m) => m,
        Err(e) => {
            return fail(format!(
                "definition rejected: {}",
                short(&e.to_string(), 100)
            ));
        }
    };
    let mut options = ExecutionOptions {
        clock: Arc::new(VirtualClock::new(CAPTURED_AT)),
        ..ExecutionOptions::default()
    };
    if let Some(mock) = &case.mock {
        let handler = MockConfig::parse(&mock.to_string())
            .and_then(|c| c.handler(Some(MOCK_STATE_MACHINE), MOCK_TEST_CASE));
        match handler {
            Ok(h) => options.tasks = Arc::new(h),
            Err(e) => return fail(format!("mock configuration rejected: {e}")),
        }
    }
    let execution =
        execute_blocking(&machine, case.input.clone(), options).expect("a runtime for the case");
    let m = Matcher::new(case);
    let outcome = outcome_diff(case, &m, &execution.describe());
    let events = match execution.history_json() {
        Value::Array(events) => events,
        other => panic!("{}: history is not an array: {other}", case.id),
    };
    let (types_agree, history) = history_diff(case, &m, events);
    let details_agree = types_agree && history.is_none();
    let why = match (&outcome, &history) {
        (None, None) => None,
        (Some(o), None) => Some(format!("outcome: {o}")),
        (None, Some(h)) => Some(format!("history: {h}")),
        (Some(o), Some(h)) => Some(format!("outcome: {o}; history: {h}")),
    };
    Verdict {
        outcome_agrees: outcome.is_none(),
        types_agree,
        details_agree,
        why: why.map(|w| short(&w, 200)),
    }
}

// ------------------------------------------------------------------------------ the list

const FAILING_HEADER: &str = "\
# Executions recorded on AWS (tests/aws-recorded/) whose outcome or history this interpreter
# does not reproduce, each with the first difference; tests/aws_recorded.rs keeps this list
# exact, and rewrites it with AWS_RECORDED_UPDATE=1. docs/aws-recorded-conformance.md gives
# the figures.
";

/// The list of this test's failing cases.
const LIST: FailingList = FailingList {
    file: "aws_recorded_failing.txt",
    header: FAILING_HEADER,
    update_var: "AWS_RECORDED_UPDATE",
    noun: "execution",
};

const SETS: &[&str] = &[
    "JSONPath",
    "JSONata",
    "mixed JSONPath / JSONata",
    "mocked tasks, results recorded",
    "mocked tasks, masked results",
];

#[test]
fn executions_recorded_on_aws_agree_except_the_listed_ones() {
    let cases = load_cases();
    assert!(cases.len() > 500, "the data has {} cases", cases.len());
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "case ids are unique");
    let mut failing: BTreeMap<String, String> = BTreeMap::new();
    // Per set: cases, outcome agrees, types agree, whole history agrees, passes.
    let mut tally: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for case in &cases {
        if std::env::var_os("AWS_RECORDED_TRACE").is_some() {
            eprintln!("{}", case.id);
        }
        let verdict = match std::panic::catch_unwind(|| run(case)) {
            Ok(v) => v,
            Err(_) => panic!("{}: the interpreter panicked", case.id),
        };
        let row = tally.entry(case.set()).or_default();
        row[0] += 1;
        row[1] += usize::from(verdict.outcome_agrees);
        row[2] += usize::from(verdict.types_agree);
        row[3] += usize::from(verdict.details_agree);
        match verdict.why {
            None => row[4] += 1,
            Some(why) => {
                failing.insert(case.id.clone(), why);
            }
        }
    }
    if std::env::var_os("AWS_RECORDED_REPORT").is_some() {
        let mut report = String::from(
            "| cases | executions | outcome agrees | event types agree | whole history agrees |\n\
             |---|---:|---:|---:|---:|\n",
        );
        let mut total = [0usize; 5];
        for set in SETS {
            let row = tally.get(set).copied().unwrap_or_default();
            for (t, n) in total.iter_mut().zip(row) {
                *t += n;
            }
            let _ = writeln!(
                report,
                "| {set} | {} | {} | {} | {} |",
                row[0], row[1], row[2], row[3]
            );
        }
        let _ = writeln!(
            report,
            "| **all** | **{}** | **{}** | **{}** | **{}** |",
            total[0], total[1], total[2], total[3]
        );
        println!("{report}");
        println!(
            "agree in full: {} of {} ({:.1} %); failing: {}",
            total[4],
            total[0],
            100.0 * total[4] as f64 / total[0] as f64,
            failing.len()
        );
        for (id, why) in &failing {
            println!("{id}  # {why}");
        }
    }
    LIST.check(&failing);
}
