//! The archive engine on a manual clock: what an archive keeps (its pattern, its bus, its
//! retention, the byte bound), how a replay steps through its window a minute of event time
//! at a time, and the requests AWS refuses.

use std::sync::Arc;

use orderly_local::archive::{
    ArchiveConfig, ArchiveError, Archives, MAX_ACTIVE_REPLAYS, ReplayRequest, ReplayState,
};
use orderly_local::clock::ManualClock;
use serde_json::{Value, json};

const T0: i64 = 1_764_000_000_000;
const PREFIX: &str = "arn:aws:events:us-east-1:000000000000:";
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn bus_arn(bus: &str) -> String {
    format!("{PREFIX}event-bus/{bus}")
}

fn archive_arn(name: &str) -> String {
    format!("{PREFIX}archive/{name}")
}

fn config(name: &str, pattern: Option<&str>, retention_days: u32) -> ArchiveConfig {
    ArchiveConfig {
        name: name.to_owned(),
        source_arn: bus_arn("orders"),
        description: None,
        event_pattern: pattern.map(str::to_owned),
        retention_days,
    }
}

fn setup(max_bytes: usize) -> (ManualClock, Archives) {
    let clock = ManualClock::new(T0);
    let archives = Archives::new(Arc::new(clock.clone()), PREFIX, max_bytes);
    (clock, archives)
}

/// An event of `kind` whose `time` is `at_ms`.
fn event(id: usize, kind: &str, at_ms: i64) -> (Value, String) {
    let time = orderly_local::clock::rfc3339_ms(at_ms);
    let event = json!({
        "version": "0", "id": format!("e-{id}"), "detail-type": kind, "source": "com.test",
        "account": "000000000000", "time": time, "region": "us-east-1", "resources": [],
        "detail": {"n": id},
    });
    let text = event.to_string();
    (event, text)
}

fn put(archives: &Archives, bus: &str, id: usize, kind: &str, at_ms: i64) {
    let (event, text) = event(id, kind, at_ms);
    archives.capture(bus, &event, &text);
}

fn request(name: &str, archive: &str, start_ms: i64, end_ms: i64) -> ReplayRequest {
    ReplayRequest {
        name: name.to_owned(),
        description: None,
        archive_arn: archive_arn(archive),
        start_ms,
        end_ms,
        destination_arn: bus_arn("orders"),
        filter_arns: Vec::new(),
    }
}

/// The ids (`detail.n`) of the events of one step.
fn ids(events: &[Arc<str>]) -> Vec<u64> {
    events
        .iter()
        .map(|t| {
            serde_json::from_str::<Value>(t).unwrap()["detail"]["n"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[test]
fn an_archive_keeps_what_its_pattern_matches_on_its_bus_only() {
    let (_clock, archives) = setup(1 << 20);
    archives
        .create(
            config("placed", Some(r#"{"detail-type":["Placed"]}"#), 0),
            "orders",
        )
        .unwrap();
    archives.create(config("all", None, 0), "orders").unwrap();
    put(&archives, "orders", 1, "Placed", T0);
    put(&archives, "orders", 2, "Shipped", T0);
    put(&archives, "other", 3, "Placed", T0);
    let (replayed, _) = event(4, "Placed", T0);
    let mut replayed = replayed;
    replayed["replay-name"] = json!("r");
    archives.capture("orders", &replayed, &replayed.to_string());

    let placed = archives.describe("placed").unwrap();
    let all = archives.describe("all").unwrap();
    assert_eq!((placed.event_count, all.event_count), (1, 2));
    assert_eq!(
        all.size_bytes,
        event(1, "Placed", T0).1.len() + event(2, "Shipped", T0).1.len()
    );
    assert_eq!(placed.arn, archive_arn("placed"));
}

#[test]
fn retention_days_and_the_byte_bound_drop_the_oldest_events() {
    let one = event(0, "Placed", T0).1.len();
    let (clock, archives) = setup(one * 3);
    archives.create(config("week", None, 7), "orders").unwrap();
    for id in 0..5 {
        put(&archives, "orders", id, "Placed", T0);
    }
    assert_eq!(
        archives.describe("week").unwrap().event_count,
        3,
        "the byte bound keeps the newest three"
    );
    clock.advance(7 * DAY);
    put(&archives, "orders", 9, "Placed", T0 + 7 * DAY);
    assert_eq!(archives.describe("week").unwrap().event_count, 3);
    clock.advance(1);
    assert_eq!(
        archives.describe("week").unwrap().event_count,
        1,
        "past seven days only the newest event stays"
    );
}

#[test]
fn a_replay_steps_a_minute_of_event_time_at_a_time_oldest_first() {
    let (clock, archives) = setup(1 << 20);
    archives.create(config("all", None, 0), "orders").unwrap();
    // Put out of order: the replay orders by the time in the event.
    put(&archives, "orders", 3, "Placed", T0 + 2 * MINUTE + 5);
    put(&archives, "orders", 1, "Placed", T0 + 10);
    put(&archives, "orders", 2, "Placed", T0 + 20);
    put(&archives, "orders", 5, "Placed", T0 + 30 * MINUTE);
    put(&archives, "orders", 4, "Placed", T0 + 2 * MINUTE + 1);
    clock.advance(40 * MINUTE);
    let (replay, must_step) = archives
        .start_replay(request("r", "all", T0, T0 + 30 * MINUTE), |_| true)
        .unwrap();
    assert!(must_step);
    assert_eq!(replay.state, ReplayState::Starting);
    assert_eq!(replay.arn, format!("{PREFIX}replay/r"));

    let (steps, active) = archives.advance_replays();
    assert!(active);
    assert_eq!(ids(&steps[0].events), [1, 2]);
    assert_eq!(steps[0].replay_name, "r");
    let running = archives.describe_replay("r").unwrap();
    assert_eq!(running.state, ReplayState::Running);
    assert_eq!(running.last_replayed_ms, Some(T0 + 20));

    let (steps, active) = archives.advance_replays();
    assert_eq!(ids(&steps[0].events), [4, 3], "the empty minute is skipped");
    assert!(!active, "event 5 is at the window's end, which is excluded");
    let done = archives.describe_replay("r").unwrap();
    assert_eq!(done.state, ReplayState::Completed);
    assert_eq!(done.replay_end_ms, Some(T0 + 40 * MINUTE));
    assert!(archives.advance_replays().0.is_empty());
}

#[test]
fn a_cancelled_replay_stops_at_its_next_step() {
    let (_clock, archives) = setup(1 << 20);
    archives.create(config("all", None, 0), "orders").unwrap();
    put(&archives, "orders", 1, "Placed", T0);
    put(&archives, "orders", 2, "Placed", T0 + MINUTE);
    archives
        .start_replay(request("r", "all", T0, T0 + DAY), |_| true)
        .unwrap();
    assert_eq!(archives.advance_replays().0.len(), 1);
    let cancelling = archives.cancel_replay("r").unwrap();
    assert_eq!(cancelling.state, ReplayState::Cancelling);
    assert_eq!(
        archives.cancel_replay("r").unwrap_err().code(),
        "IllegalStatusException"
    );
    let (steps, active) = archives.advance_replays();
    assert!(steps.is_empty() && !active);
    assert_eq!(
        archives.describe_replay("r").unwrap().state,
        ReplayState::Cancelled
    );
    let refused = archives.cancel_replay("r").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Replay r is not in a valid state for this operation. Current state: CANCELLED."
    );
}

#[test]
fn requests_aws_refuses_are_refused_with_its_codes() {
    let (_clock, archives) = setup(1 << 20);
    archives.create(config("all", None, 0), "orders").unwrap();
    let code = |e: ArchiveError| e.code();
    assert_eq!(
        code(
            archives
                .create(config("all", None, 0), "orders")
                .unwrap_err()
        ),
        "ResourceAlreadyExistsException"
    );
    assert_eq!(
        code(
            archives
                .create(config("bad", Some(r#"{"source":"x"}"#), 0), "orders")
                .unwrap_err()
        ),
        "InvalidEventPatternException"
    );
    assert_eq!(
        code(archives.describe("nope").unwrap_err()),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            archives
                .start_replay(request("r", "nope", T0, T0 + 1), |_| true)
                .unwrap_err()
        ),
        "ResourceNotFoundException"
    );
    let mut other_bus = request("r", "all", T0, T0 + 1);
    other_bus.destination_arn = bus_arn("default");
    assert_eq!(
        archives.start_replay(other_bus, |_| true).unwrap_err(),
        ArchiveError::CrossBusReplay
    );
    assert_eq!(
        archives
            .start_replay(request("r", "all", T0, T0), |_| true)
            .unwrap_err(),
        ArchiveError::EmptyWindow
    );
    let mut filtered = request("r", "all", T0, T0 + 1);
    filtered.filter_arns = vec![format!("{PREFIX}rule/orders/gone")];
    assert_eq!(
        archives.start_replay(filtered, |_| false).unwrap_err(),
        ArchiveError::NoSuchRule {
            rule: "gone".into(),
            bus: "orders".into()
        }
    );
    for i in 0..MAX_ACTIVE_REPLAYS {
        archives
            .start_replay(request(&format!("r{i}"), "all", T0, T0 + 1), |_| true)
            .unwrap();
    }
    assert_eq!(
        archives
            .start_replay(request("one-more", "all", T0, T0 + 1), |_| true)
            .unwrap_err(),
        ArchiveError::TooManyReplays
    );
    assert_eq!(
        code(
            archives
                .start_replay(request("r0", "all", T0, T0 + 1), |_| true)
                .unwrap_err()
        ),
        "ResourceAlreadyExistsException"
    );
}

#[test]
fn an_update_keeps_the_events_and_applies_the_new_pattern() {
    let (_clock, archives) = setup(1 << 20);
    archives.create(config("a", None, 0), "orders").unwrap();
    put(&archives, "orders", 1, "Placed", T0);
    let updated = archives
        .update(
            "a",
            Some("only shipped".into()),
            Some(r#"{"detail-type":["Shipped"]}"#.into()),
            Some(3),
        )
        .unwrap();
    assert_eq!(updated.event_count, 1);
    assert_eq!(updated.config.retention_days, 3);
    put(&archives, "orders", 2, "Placed", T0);
    put(&archives, "orders", 3, "Shipped", T0);
    assert_eq!(archives.describe("a").unwrap().event_count, 2);
    archives.delete("a").unwrap();
    assert_eq!(
        archives.delete("a").unwrap_err(),
        ArchiveError::NoSuchArchive("a".into())
    );
}
