//! Events per second through a compiled rule set, JSON parsing included, measured in
//! on-CPU time of the benchmark thread (the `bench-cpu-time` crate).
//!
//! - `family/<operator>/<n>`: n rules (1, 10, 100, 1000) of one operator family against
//!   order events of about 1 KB;
//! - `workload/mixed-100`: the shared workload (`benches/workload/make_workload.py`: 100
//!   mixed rules, 20,000 order events), generated into `target/bench-workload` with python3;
//! - `compile/<case>`: compiling one pattern: a usual one, and the hand-made worst cases of
//!   `tests/hostile` (each as long as the API accepts).

use bench_cpu_time::ThreadCpuTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use event_pattern::{Pattern, RuleSet, Scratch};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

#[path = "../tests/hostile/mod.rs"]
mod hostile;

/// A small deterministic generator, so every run measures the same events and rules.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SOURCES: &[&str] = &[
    "com.orders",
    "com.payments",
    "com.shipping",
    "com.inventory",
    "com.approvals",
];
const TYPES: &[&str] = &[
    "OrderCreated",
    "OrderConfirmed",
    "OrderFailed",
    "ShipmentCreated",
    "PaymentAuthorized",
];
const TIERS: &[&str] = &["gold", "Silver", "BRONZE", "none"];
const COUNTRIES: &[&str] = &["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES"];

fn sku(r: &mut Lcg) -> String {
    let family = ["BOOK", "TOY", "FOOD", "TECH", "HOME"][r.below(5) as usize];
    format!("{family}-{:04}", r.below(200))
}

/// Order events of about 1 KB, shaped like the project's OrderCreated.
fn events(count: usize) -> Vec<String> {
    let mut r = Lcg(42);
    (0..count)
        .map(|n| {
            let items: Vec<String> = (0..1 + r.below(4))
                .map(|_| {
                    format!(
                        r#"{{"sku": "{}", "quantity": {}, "unitPrice": {}}}"#,
                        sku(&mut r),
                        1 + r.below(5),
                        100 + r.below(9900)
                    )
                })
                .collect();
            format!(
                r#"{{"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-{n:012}", "detail-type": "{}", "source": "{}", "account": "123456789012", "time": "2026-11-26T12:00:00Z", "region": "us-east-1", "resources": [], "detail": {{"metadata": {{"idempotency-key": "k-{n:08}", "correlation-id": "corr-{n:08}", "event-version": "1", "occurred-at": "2026-11-26T12:00:00Z"}}, "data": {{"orderId": "o-{n:06}", "customerId": "c-{}", "clientIp": "10.{}.{}.{}", "customer": {{"tier": "{}", "email": "user{n}@example.com"}}, "items": [{}], "total": {{"amount": {}, "currency": "EUR"}}, "shippingAddress": {{"country": "{}", "city": "Springfield", "line1": "{n} Main Street", "postcode": "{}"}}}}}}}}"#,
                TYPES[r.below(5) as usize],
                SOURCES[r.below(5) as usize],
                r.below(5000),
                r.below(4),
                r.below(256),
                r.below(256),
                TIERS[r.below(4) as usize],
                items.join(", "),
                100 + r.below(99900),
                COUNTRIES[r.below(10) as usize],
                10000 + r.below(90000),
            )
        })
        .collect()
}

/// The i-th rule of an operator family.
fn rule(family: &str, i: usize, r: &mut Lcg) -> String {
    match family {
        "exact" => format!(
            r#"{{"detail": {{"data": {{"customerId": ["c-{}"]}}}}}}"#,
            r.below(5000)
        ),
        "prefix" => {
            let s = sku(r);
            format!(
                r#"{{"detail": {{"data": {{"items": {{"sku": [{{"prefix": "{}"}}]}}}}}}}}"#,
                &s[..6 + i % 3]
            )
        }
        "suffix" => format!(
            r#"{{"detail": {{"data": {{"items": {{"sku": [{{"suffix": "-{:03}"}}]}}}}}}}}"#,
            r.below(1000)
        ),
        "equals-ignore-case" => format!(
            r#"{{"detail": {{"data": {{"customer": {{"email": [{{"equals-ignore-case": "USER{}@EXAMPLE.COM"}}]}}}}}}}}"#,
            r.below(20000)
        ),
        "wildcard" => format!(
            r#"{{"detail": {{"data": {{"items": {{"sku": [{{"wildcard": "*-{}*"}}]}}}}}}}}"#,
            r.below(200)
        ),
        "anything-but" => format!(
            r#"{{"detail": {{"data": {{"shippingAddress": {{"country": [{{"anything-but": ["{}", "{}"]}}]}}}}}}}}"#,
            COUNTRIES[r.below(10) as usize],
            COUNTRIES[r.below(10) as usize]
        ),
        "numeric" => {
            let lo = r.below(100000);
            format!(
                r#"{{"detail": {{"data": {{"total": {{"amount": [{{"numeric": [">=", {lo}, "<", {}]}}]}}}}}}}}"#,
                lo + 1 + r.below(2000)
            )
        }
        "exists" => format!(
            r#"{{"detail": {{"data": {{"field{}": [{{"exists": {}}}]}}}}}}"#,
            r.below(50),
            i.is_multiple_of(2)
        ),
        "cidr" => format!(
            r#"{{"detail": {{"data": {{"clientIp": [{{"cidr": "10.{}.{}.0/24"}}]}}}}}}"#,
            r.below(4),
            r.below(256)
        ),
        "or" => format!(
            r#"{{"source": ["{}"], "$or": [{{"detail": {{"data": {{"total": {{"amount": [{{"numeric": [">", {}]}}]}}}}}}}}, {{"detail": {{"data": {{"customer": {{"tier": ["{}"]}}}}}}}}]}}"#,
            SOURCES[r.below(5) as usize],
            r.below(100000),
            TIERS[r.below(4) as usize]
        ),
        _ => {
            // Mixed: cycle through every family.
            let all = FAMILIES;
            rule(all[i % all.len()], i / all.len(), r)
        }
    }
}

const FAMILIES: &[&str] = &[
    "exact",
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "or",
];

fn rule_set(family: &str, n: usize) -> RuleSet {
    let mut r = Lcg(7 + n as u64);
    let mut rules = RuleSet::new();
    for i in 0..n {
        let text = rule(family, i, &mut r);
        let pattern = Pattern::parse(&text).unwrap_or_else(|e| panic!("bench rule {text}: {e}"));
        rules.add(&format!("{family}{i}"), &pattern);
    }
    rules
}

fn run_all(rules: &RuleSet, events: &[String], scratch: &mut Scratch) -> usize {
    let mut matched = 0;
    for e in events {
        matched += rules
            .matching_ids(e, scratch)
            .map(<[u32]>::len)
            .unwrap_or(0);
    }
    matched
}

fn families(c: &mut Criterion<ThreadCpuTime>) {
    // EVENT_PATTERN_BENCH_EVENTS=n reads n distinct events instead of 2,000 (fewer fit in
    // the core's caches; more stream from memory).
    let count = std::env::var("EVENT_PATTERN_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let events = events(count);
    let bytes: usize = events.iter().map(String::len).sum();
    eprintln!(
        "family events: {} of {} bytes on average",
        events.len(),
        bytes / events.len()
    );
    for &family in FAMILIES.iter().chain(["mixed"].iter()) {
        let mut group = c.benchmark_group(format!("family/{family}"));
        group.throughput(Throughput::Elements(events.len() as u64));
        group.sample_size(10);
        group.warm_up_time(std::time::Duration::from_secs(1));
        group.measurement_time(std::time::Duration::from_secs(3));
        for n in [1usize, 10, 100, 1000] {
            let rules = rule_set(family, n);
            let mut scratch = Scratch::default();
            group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter(|| black_box(run_all(&rules, &events, &mut scratch)))
            });
        }
        group.finish();
    }
}

/// The shared workload, generated with its script into `target/bench-workload`.
fn workload() -> Option<(RuleSet, Vec<String>)> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = manifest.join("benches/workload/make_workload.py");
    let dir = manifest.join("../../target/bench-workload");
    std::fs::create_dir_all(&dir).ok()?;
    if !dir.join("events.jsonl").exists() || !dir.join("rules.json").exists() {
        let status = Command::new("python3")
            .arg(&script)
            .current_dir(&dir)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("workload: python3 {} failed; skipping", script.display());
            return None;
        }
    }
    let rules_text = std::fs::read_to_string(dir.join("rules.json")).ok()?;
    let events_text = std::fs::read_to_string(dir.join("events.jsonl")).ok()?;
    let rules_json: serde_json::Value = serde_json::from_str(&rules_text).ok()?;
    let mut rules = RuleSet::new();
    for (name, pattern) in rules_json.as_object()? {
        let pattern =
            Pattern::parse(&pattern.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        rules.add(name, &pattern);
    }
    let events: Vec<String> = events_text.lines().map(str::to_owned).collect();
    Some((rules, events))
}

fn shared_workload(c: &mut Criterion<ThreadCpuTime>) {
    let Some((rules, events)) = workload() else {
        return;
    };
    let mut scratch = Scratch::default();
    let matches = run_all(&rules, &events, &mut scratch);
    eprintln!(
        "workload: {} rules, {} events, {} matches in total",
        rules.len(),
        events.len(),
        matches
    );
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("mixed-100", |b| {
        b.iter(|| black_box(run_all(&rules, &events, &mut scratch)))
    });
    group.bench_function("mixed-100-parsed-with-names", |b| {
        b.iter(|| {
            let mut n = 0;
            for e in &events {
                n += rules.matching_text(e).map(|v| v.len()).unwrap_or(0);
            }
            black_box(n)
        })
    });
    group.finish();
}

/// A pattern of the usual size and shape, the yardstick for the worst cases.
const USUAL_PATTERN: &str = r#"{"source": ["com.orders"], "detail-type": ["OrderCreated"], "detail": {"data": {"total": {"amount": [{"numeric": [">", 1000]}]}, "customer": {"tier": [{"anything-but": ["none"]}]}}}}"#;

fn compile(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    let mut cases = vec![("usual", USUAL_PATTERN.to_owned())];
    cases.extend(hostile::cases());
    for (name, pattern) in &cases {
        let (result, work) = Pattern::parse_measured(pattern);
        eprintln!(
            "compile/{name}: {} characters, {} bytes, {work} units, {}",
            pattern.chars().count(),
            pattern.len(),
            if result.is_ok() {
                "accepted"
            } else {
                "refused"
            }
        );
        group.bench_function(*name, |b| {
            b.iter(|| black_box(Pattern::parse(pattern).is_ok()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = shared_workload, families, compile
}
criterion_main!(benches);
