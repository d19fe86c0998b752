//! The JSONata reference implementation's own test suite (jsonata-js v2.0.6, the version
//! Step Functions implements; MIT, imported as data under `tests/jsonata-suite/` with its
//! licence), run against this crate's evaluator.
//!
//! Every case runs. The ones that do not pass are listed, each with why, in
//! `tests/jsonata_suite_failing.txt`: the test fails when a case outside the list fails
//! (a regression, or a new case) and when a listed case passes (the list is then out of
//! date), so the figure in `docs/jsonata-conformance.md` is always the current one.
//! `JSONATA_SUITE_UPDATE=1` rewrites the list from the run instead.
//! `JSONATA_SUITE_REPORT=1 cargo test -p orderly-states --test jsonata_suite -- --nocapture`
//! prints the pass rate per group.
//!
//! Two groups do not apply to Step Functions and are counted apart, not as failures:
//! `function-eval` (Step Functions removes `$eval`: "use `$parse` instead", transforming-data
//! page of the Step Functions developer guide) and `matchers` (their bindings are
//! JavaScript functions, which JSON cannot carry).

mod failing_list;

use failing_list::FailingList;
use orderly_states::jsonata::{Expression, JsonataError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Groups that test what Step Functions does not offer, with why.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("function-eval", "Step Functions does not offer $eval"),
    ("matchers", "the bindings are JavaScript functions"),
];

/// The instant `$now()` and `$millis()` answer: the suite's own cases only check their
/// shape.
const NOW_MS: i64 = 1_700_000_000_000;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata-suite")
}

/// One case of the suite: its id (`group/case007`, or `group/file#3` for a file that
/// holds a list), expression, input, bindings and what it must give.
struct Case {
    id: String,
    group: String,
    expr: String,
    input: Option<Value>,
    bindings: Map<String, Value>,
    expected: Expected,
    unordered: bool,
}

enum Expected {
    Result(Value),
    Undefined,
    /// The error code, as JSONata names it (`T2001`).
    Code(String),
}

/// The cases, and the ids of the files that are not JSON serde_json reads.
fn load_cases() -> (Vec<Case>, Vec<String>) {
    let root = suite_dir();
    let mut datasets = BTreeMap::new();
    for entry in fs::read_dir(root.join("datasets")).expect("datasets") {
        let path = entry.expect("dataset entry").path();
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let text = fs::read_to_string(&path).expect("dataset text");
        let value: Value = serde_json::from_str(&text).expect("dataset JSON");
        datasets.insert(name, value);
    }
    let mut groups: Vec<PathBuf> = fs::read_dir(root.join("groups"))
        .expect("groups")
        .map(|e| e.expect("group entry").path())
        .collect();
    groups.sort();
    let mut cases = Vec::new();
    let mut unreadable = Vec::new();
    for group_dir in groups {
        let group = group_dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut files: Vec<PathBuf> = fs::read_dir(&group_dir)
            .expect("group")
            .map(|e| e.expect("case entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            let text = fs::read_to_string(&file).expect("case text");
            // A case written with a lone surrogate (`"\\ud800"`) is not JSON a Step
            // Functions definition can carry, nor a Rust string: not applicable.
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                unreadable.push(format!("{group}/{stem}"));
                continue;
            };
            match value {
                Value::Array(items) => {
                    for (i, item) in items.into_iter().enumerate() {
                        let id = format!("{group}/{stem}#{i}");
                        cases.push(case(id, &group, &group_dir, item, &datasets));
                    }
                }
                item => {
                    let id = format!("{group}/{stem}");
                    cases.push(case(id, &group, &group_dir, item, &datasets));
                }
            }
        }
    }
    (cases, unreadable)
}

fn case(
    id: String,
    group: &str,
    dir: &Path,
    value: Value,
    datasets: &BTreeMap<String, Value>,
) -> Case {
    let Value::Object(fields) = value else {
        panic!("{id}: a case is an object");
    };
    let expr = match (fields.get("expr"), fields.get("expr-file")) {
        (Some(Value::String(expr)), _) => expr.clone(),
        (_, Some(Value::String(file))) => fs::read_to_string(dir.join(file)).expect("expr file"),
        _ => panic!("{id}: no expression"),
    };
    // `data` when the case has it (null included); otherwise the named dataset, where a
    // null dataset is no input at all (undefined).
    let input = match (fields.get("data"), fields.get("dataset")) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(Value::String(name))) => Some(
            datasets
                .get(name)
                .unwrap_or_else(|| panic!("{id}: no dataset {name}"))
                .clone(),
        ),
        _ => None,
    };
    let bindings = match fields.get("bindings") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    let code = fields
        .get("code")
        .or_else(|| fields.get("error").and_then(|e| e.get("code")));
    let expected = if let Some(code) = code {
        Expected::Code(code.as_str().expect("code is a string").to_owned())
    } else if let Some(result) = fields.get("result") {
        Expected::Result(result.clone())
    } else if fields.get("undefinedResult").is_some() {
        Expected::Undefined
    } else {
        // A case with neither a result nor an error expects undefined (the suite's
        // runner compares with `undefined` then).
        Expected::Undefined
    };
    Case {
        id,
        group: group.to_owned(),
        expr,
        input,
        bindings,
        expected,
        unordered: fields
            .get("unordered")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// Why a case did not pass, in a few words, or `None` when it passed.
fn run(case: &Case) -> Option<String> {
    let outcome: Result<Option<Value>, JsonataError> = Expression::parse(&case.expr)
        .and_then(|e| e.evaluate_on(case.input.as_ref(), &case.bindings, NOW_MS));
    match (&case.expected, outcome) {
        (Expected::Code(code), Err(e)) if e.code == Some(code.as_str()) => None,
        (Expected::Code(code), Err(e)) => Some(format!(
            "expected {code}, got error: {}",
            short(&e.to_string())
        )),
        (Expected::Code(code), Ok(v)) => {
            Some(format!("expected {code}, got {}", shown(v.as_ref())))
        }
        (_, Err(e)) => Some(format!("error: {}", short(&e.to_string()))),
        (Expected::Undefined, Ok(None)) => None,
        (Expected::Undefined, Ok(Some(v))) => {
            Some(format!("expected undefined, got {}", shown(Some(&v))))
        }
        (Expected::Result(_), Ok(None)) => Some("expected a result, got undefined".to_owned()),
        (Expected::Result(want), Ok(Some(got))) => {
            let same = if case.unordered {
                same_unordered(want, &got)
            } else {
                same(want, &got)
            };
            (!same).then(|| format!("got {}", shown(Some(&got))))
        }
    }
}

fn short(text: &str) -> String {
    let one_line = text.replace('\n', " ");
    match one_line.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

fn shown(value: Option<&Value>) -> String {
    value.map_or_else(|| "undefined".to_owned(), |v| short(&v.to_string()))
}

/// JSON equality as the reference suite's deep-equal has it: numbers by value (`1` and
/// `1.0` are one number), objects whatever their key order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// [`same`], with the items of a top-level array in any order.
fn same_unordered(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let mut left: Vec<&Value> = y.iter().collect();
            x.iter()
                .all(|item| match left.iter().position(|c| same(item, c)) {
                    Some(at) => {
                        left.swap_remove(at);
                        true
                    }
                    None => false,
                })
        }
        _ => same(a, b),
    }
}

/// The first lines of the list of failing cases.
const FAILING_HEADER: &str = "\
# Cases of the JSONata reference suite (tests/jsonata-suite/) that this evaluator does not pass,
# each with what it gave; tests/jsonata_suite.rs keeps this list exact, and rewrites it with
# JSONATA_SUITE_UPDATE=1. docs/jsonata-conformance.md gives the figures.
";

/// The list of this test's failing cases.
const LIST: FailingList = FailingList {
    file: "jsonata_suite_failing.txt",
    header: FAILING_HEADER,
    update_var: "JSONATA_SUITE_UPDATE",
    noun: "case",
};

#[test]
fn the_reference_suite_passes_except_the_listed_cases() {
    let (cases, unreadable) = load_cases();
    assert!(cases.len() > 1_200, "the suite has {} cases", cases.len());
    assert!(
        unreadable.len() <= 2,
        "cases the test cannot read: {unreadable:?}"
    );
    let mut failing: BTreeMap<String, String> = BTreeMap::new();
    // Per group: (run, passed, not applicable).
    let mut per_group: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for case in &cases {
        let tally = per_group.entry(case.group.clone()).or_default();
        if NOT_APPLICABLE.iter().any(|(group, _)| *group == case.group) {
            tally.2 += 1;
            continue;
        }
        tally.0 += 1;
        if std::env::var_os("JSONATA_SUITE_TRACE").is_some() {
            eprintln!("{}", case.id);
        }
        match std::panic::catch_unwind(|| run(case)) {
            Ok(None) => tally.1 += 1,
            Ok(Some(why)) => {
                failing.insert(case.id.clone(), why);
            }
            Err(_) => panic!("{}: the evaluator panicked on {:?}", case.id, case.expr),
        }
    }
    let run_total: usize = per_group.values().map(|t| t.0).sum();
    let passed: usize = per_group.values().map(|t| t.1).sum();
    let not_applicable: usize = per_group.values().map(|t| t.2).sum();
    if std::env::var_os("JSONATA_SUITE_REPORT").is_some() {
        let mut report = String::new();
        let _ = writeln!(report, "| group | cases | passed |\n|---|---:|---:|");
        for (group, (total, ok, na)) in &per_group {
            if *na > 0 {
                let _ = writeln!(report, "| {group} | {na} | not applicable |");
            } else if ok < total {
                let _ = writeln!(report, "| {group} | {total} | {ok} |");
            }
        }
        println!("{report}");
        println!(
            "passed {passed} of {run_total} ({:.1} %); {not_applicable} not applicable; \
             not JSON (a lone surrogate): {unreadable:?}",
            100.0 * passed as f64 / run_total as f64
        );
        for (id, why) in &failing {
            println!("{id}  # {why}");
        }
    }
    LIST.check(&failing);
}
