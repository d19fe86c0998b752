//! Kinesis event source mappings, lane by lane, on a manual clock: records reach the
//! function in order per partition key, a batch is checkpointed at its first reported
//! failure, a poison record is isolated by splitting and discarded to the destination
//! while its neighbours are processed, old records are discarded unread, and a tumbling
//! window's state is carried with exactly one final invoke per window, whatever fails.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use orderly_local::clock::{Clock, ManualClock};
use orderly_local::kinesis::{Kinesis, Stream, StreamConfig, StreamMode};
use orderly_local::runtime::streams::{
    FunctionFailure, Lane, LaneInvoker, StartingPosition, Step, StreamSourceConfig,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const T0: i64 = 1_796_551_200_000;

type Policy = Box<dyn Fn(&Value, usize) -> Result<Value, FunctionFailure> + Send + Sync>;

/// A function that answers by `policy` (given the event and how many invocations came
/// before) and remembers every event, and a destination that remembers what it got.
struct Fake {
    policy: Policy,
    events: Mutex<Vec<Value>>,
    discarded: Mutex<Vec<Value>>,
}

impl Fake {
    fn new(
        policy: impl Fn(&Value, usize) -> Result<Value, FunctionFailure> + Send + Sync + 'static,
    ) -> Self {
        Self {
            policy: Box::new(policy),
            events: Mutex::default(),
            discarded: Mutex::default(),
        }
    }
    fn events(&self) -> Vec<Value> {
        self.events.lock().expect("lock").clone()
    }
    fn discarded(&self) -> Vec<Value> {
        self.discarded.lock().expect("lock").clone()
    }
}

#[async_trait]
impl LaneInvoker for Fake {
    async fn invoke(&self, event: Value) -> Result<Value, FunctionFailure> {
        let n = {
            let mut events = self.events.lock().expect("lock");
            events.push(event.clone());
            events.len() - 1
        };
        (self.policy)(&event, n)
    }
    async fn discard(&self, record: Value) {
        self.discarded.lock().expect("lock").push(record);
    }
}

fn failure(message: &str) -> FunctionFailure {
    FunctionFailure {
        error_type: "Error".into(),
        message: message.into(),
    }
}

/// The data of an event's records, decoded.
fn data(event: &Value) -> Vec<String> {
    event["Records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .map(|r| {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(r["kinesis"]["data"].as_str().expect("data"))
                        .expect("base64");
                    String::from_utf8(bytes).expect("text")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sequence_of(event: &Value, index: usize) -> String {
    event["Records"][index]["kinesis"]["sequenceNumber"]
        .as_str()
        .expect("a sequence number")
        .to_owned()
}

fn setup(shards: u32) -> (Arc<Stream>, ManualClock) {
    let clock = ManualClock::new(T0);
    let kinesis = Kinesis::new(Arc::new(clock.clone()));
    let stream = kinesis
        .create_stream(StreamConfig {
            mode: StreamMode::Provisioned,
            shard_count: shards,
            ..StreamConfig::on_demand("orders")
        })
        .expect("a stream");
    (stream, clock)
}

fn lanes(stream: &Arc<Stream>, clock: &ManualClock, config: &StreamSourceConfig) -> Vec<Lane> {
    let mut out = Vec::new();
    for shard in stream.shards() {
        for lane in 0..config.parallelization_factor {
            out.push(Lane {
                stream: stream.clone(),
                shard: shard.clone(),
                lane,
                config: config.clone(),
                clock: Arc::new(clock.clone()),
                function_arn: "arn:aws:lambda:us-east-1:000000000000:function:analytics".into(),
                region: "us-east-1".into(),
                watch: None,
            });
        }
    }
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Steps every lane, round robin, until all are idle; a failed step lets a second pass.
fn drain(lanes: &[Lane], invoker: &Fake) -> Vec<Step> {
    let rt = runtime();
    let mut progress: Vec<_> = lanes.iter().map(Lane::start).collect();
    drain_from(lanes, &mut progress, invoker, &rt)
}

fn drain_from(
    lanes: &[Lane],
    progress: &mut [orderly_local::runtime::streams::Progress],
    invoker: &Fake,
    rt: &tokio::runtime::Runtime,
) -> Vec<Step> {
    let mut steps = Vec::new();
    for _ in 0..100_000 {
        let mut busy = false;
        for (lane, progress) in lanes.iter().zip(progress.iter_mut()) {
            let step = rt.block_on(lane.step(progress, invoker));
            busy |= !matches!(step, Step::Idle(_));
            steps.push(step);
        }
        if !busy {
            return steps;
        }
    }
    panic!("the lanes never went idle");
}

fn put(stream: &Stream, clock: &ManualClock, key: &str, data: &str) {
    stream
        .put(
            key,
            None,
            Arc::from(data.as_bytes().to_vec()),
            clock.now_ms(),
        )
        .expect("put");
}

fn ok() -> Result<Value, FunctionFailure> {
    Ok(json!({}))
}

#[test]
fn each_key_keeps_its_order_across_parallel_lanes_and_every_record_arrives_once() {
    let (stream, clock) = setup(2);
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in 0..300 {
        let key = format!("order-{}", n % 17);
        let data = format!("{key}:{n}");
        put(&stream, &clock, &key, &data);
        expected.entry(key).or_default().push(data);
    }
    let config = StreamSourceConfig {
        batch_size: 7,
        parallelization_factor: 3,
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|_, _| ok());
    drain(&lanes(&stream, &clock, &config), &fake);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in fake.events() {
        assert!(event["Records"].as_array().map_or(0, Vec::len) <= 7);
        for d in data(&event) {
            let key = d.split(':').next().expect("a key").to_owned();
            seen.entry(key).or_default().push(d);
        }
    }
    assert_eq!(seen, expected, "in order per key, each once");
}

#[test]
fn a_reported_failure_checkpoints_there_and_only_the_rest_comes_back() {
    let (stream, clock) = setup(1);
    for n in 0..10 {
        put(&stream, &clock, "k", &format!("r{n}"));
    }
    let config = StreamSourceConfig {
        report_batch_item_failures: true,
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|event, n| {
        if n == 0 {
            Ok(json!({"batchItemFailures": [
                {"itemIdentifier": sequence_of(event, 6)},
                {"itemIdentifier": sequence_of(event, 4)},
            ]}))
        } else {
            ok()
        }
    });
    drain(&lanes(&stream, &clock, &config), &fake);
    let events = fake.events();
    assert_eq!(data(&events[0]).len(), 10);
    assert_eq!(
        data(&events[1]),
        ["r4", "r5", "r6", "r7", "r8", "r9"],
        "from the lowest failed number"
    );
    assert_eq!(events.len(), 2);
}

#[test]
fn a_response_naming_a_record_outside_the_batch_fails_the_whole_batch() {
    let (stream, clock) = setup(1);
    for n in 0..3 {
        put(&stream, &clock, "k", &format!("r{n}"));
    }
    let config = StreamSourceConfig {
        report_batch_item_failures: true,
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|_, n| {
        if n == 0 {
            Ok(json!({"batchItemFailures": [{"itemIdentifier": "12345"}]}))
        } else {
            ok()
        }
    });
    drain(&lanes(&stream, &clock, &config), &fake);
    let events = fake.events();
    assert_eq!(data(&events[1]), ["r0", "r1", "r2"]);
}

#[test]
fn splitting_isolates_a_poison_record_which_goes_to_the_destination_alone() {
    let (stream, clock) = setup(1);
    for n in 0..8 {
        put(&stream, &clock, "k", &format!("r{n}"));
    }
    let config = StreamSourceConfig {
        bisect_on_error: true,
        maximum_retry_attempts: Some(2),
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|event, _| {
        if data(event).iter().any(|d| d == "r5") {
            Err(failure("r5 is poison"))
        } else {
            ok()
        }
    });
    drain(&lanes(&stream, &clock, &config), &fake);
    let mut succeeded: Vec<String> = fake
        .events()
        .iter()
        .filter(|e| !data(e).contains(&"r5".to_owned()))
        .flat_map(data)
        .collect();
    succeeded.sort();
    assert_eq!(
        succeeded,
        ["r0", "r1", "r2", "r3", "r4", "r6", "r7"],
        "each neighbour once"
    );
    let discarded = fake.discarded();
    assert_eq!(discarded.len(), 1);
    let info = &discarded[0]["KinesisBatchInfo"];
    assert_eq!(info["batchSize"], 1);
    assert_eq!(
        discarded[0]["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(discarded[0]["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(
        discarded[0]["responseContext"]["functionError"],
        "Unhandled"
    );
    let poison_alone = fake
        .events()
        .into_iter()
        .filter(|e| data(e) == ["r5"])
        .count();
    assert_eq!(poison_alone, 3, "the first try and two retries");
    assert_eq!(info["startSequenceNumber"], info["endSequenceNumber"]);
}

#[test]
fn records_older_than_the_maximum_age_are_discarded_unread() {
    let (stream, clock) = setup(1);
    put(&stream, &clock, "k", "old-1");
    put(&stream, &clock, "k", "old-2");
    clock.advance(61_000);
    put(&stream, &clock, "k", "new");
    let config = StreamSourceConfig {
        maximum_record_age_ms: Some(60_000),
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|_, _| ok());
    drain(&lanes(&stream, &clock, &config), &fake);
    let events = fake.events();
    assert_eq!(events.len(), 1);
    assert_eq!(data(&events[0]), ["new"]);
    let discarded = fake.discarded();
    assert_eq!(
        discarded[0]["requestContext"]["condition"],
        "RecordAgeExceeded"
    );
    assert_eq!(discarded[0]["KinesisBatchInfo"]["batchSize"], 2);
}

#[test]
fn latest_starts_after_what_the_shard_already_holds() {
    let (stream, clock) = setup(1);
    put(&stream, &clock, "k", "before");
    let config = StreamSourceConfig {
        starting_position: StartingPosition::Latest,
        ..StreamSourceConfig::default()
    };
    let lanes = lanes(&stream, &clock, &config);
    let rt = runtime();
    let mut progress: Vec<_> = lanes.iter().map(Lane::start).collect();
    put(&stream, &clock, "k", "after");
    let fake = Fake::new(|_, _| ok());
    drain_from(&lanes, &mut progress, &fake, &rt);
    assert_eq!(
        fake.events().iter().flat_map(data).collect::<Vec<_>>(),
        ["after"]
    );
}

/// A windowed function that counts its records into `state.count`, failing as `fail`
/// says (by invocation number): an error, or a partial failure at a record.
fn counting(fail: impl Fn(usize) -> Option<Option<usize>> + Send + Sync + 'static) -> Fake {
    Fake::new(move |event, n| {
        let before = event["state"]["count"].as_u64().unwrap_or(0);
        let records = data(event).len();
        match fail(n) {
            Some(None) => Err(failure("the function failed")),
            Some(Some(at)) if at < records => Ok(json!({
                "state": {"count": before + at as u64},
                "batchItemFailures": [{"itemIdentifier": sequence_of(event, at)}],
            })),
            _ => Ok(json!({"state": {"count": before + records as u64}, "batchItemFailures": []})),
        }
    })
}

/// The final invokes the function answered without failing: window start → count.
fn finals(fake: &Fake, failed: impl Fn(usize) -> bool) -> Vec<(String, u64)> {
    fake.events()
        .iter()
        .enumerate()
        .filter(|(n, e)| e["isFinalInvokeForWindow"] == true && !failed(*n))
        .map(|(_, e)| {
            let count = e["state"]["count"].as_u64().unwrap_or(0) + data(e).len() as u64;
            (
                e["window"]["start"].as_str().unwrap_or_default().to_owned(),
                count,
            )
        })
        .collect()
}

#[test]
fn a_window_carries_its_state_and_ends_with_one_final_invoke() {
    let (stream, clock) = setup(1);
    for n in 0..5 {
        put(&stream, &clock, "k", &format!("w1-{n}"));
        clock.advance(5_000);
    }
    clock.advance(60_000);
    for n in 0..3 {
        put(&stream, &clock, "k", &format!("w2-{n}"));
    }
    let config = StreamSourceConfig {
        batch_size: 2,
        tumbling_window_ms: Some(60_000),
        report_batch_item_failures: true,
        ..StreamSourceConfig::default()
    };
    let fake = counting(|_| None);
    let lanes = lanes(&stream, &clock, &config);
    let rt = runtime();
    let mut progress: Vec<_> = lanes.iter().map(Lane::start).collect();
    drain_from(&lanes, &mut progress, &fake, &rt);
    // The second window is still open until its end passes.
    assert_eq!(
        finals(&fake, |_| false),
        [("2026-12-06T10:00:00Z".to_owned(), 5)]
    );
    clock.advance(120_000);
    drain_from(&lanes, &mut progress, &fake, &rt);
    assert_eq!(
        finals(&fake, |_| false),
        [
            ("2026-12-06T10:00:00Z".to_owned(), 5),
            ("2026-12-06T10:01:00Z".to_owned(), 3)
        ]
    );
    let first = &fake.events()[0];
    assert_eq!(first["shardId"], "shardId-000000000000");
    assert_eq!(first["window"]["end"], "2026-12-06T10:01:00Z");
    assert_eq!(first["isWindowTerminatedEarly"], false);
}

#[test]
fn a_windowed_answer_without_state_is_a_failed_invocation() {
    let (stream, clock) = setup(1);
    put(&stream, &clock, "k", "r0");
    let config = StreamSourceConfig {
        tumbling_window_ms: Some(60_000),
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|_, n| {
        if n == 0 {
            Ok(json!({}))
        } else {
            Ok(json!({"state": {}}))
        }
    });
    drain(&lanes(&stream, &clock, &config), &fake);
    let events = fake.events();
    assert_eq!(data(&events[1]), ["r0"], "the batch came back");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Whatever invocations fail, and wherever partial failures fall, each window ends with
    /// exactly one final invoke that answered, and its count is the window's records,
    /// each counted once.
    #[test]
    fn every_window_ends_once_with_each_record_counted_once(
        gaps in proptest::collection::vec(0i64..30_000, 1..60),
        batch_size in 1usize..6,
        failures in proptest::collection::btree_map(0usize..200, proptest::option::of(0usize..5), 0..40),
    ) {
        let (stream, clock) = setup(1);
        let mut per_window: BTreeMap<i64, u64> = BTreeMap::new();
        for (n, gap) in gaps.iter().enumerate() {
            clock.advance(*gap);
            put(&stream, &clock, "k", &format!("r{n}"));
            *per_window.entry(clock.now_ms().div_euclid(60_000) * 60_000).or_default() += 1;
        }
        clock.advance(120_000);
        let config = StreamSourceConfig {
            batch_size,
            tumbling_window_ms: Some(60_000),
            report_batch_item_failures: true,
            ..StreamSourceConfig::default()
        };
        let failures: HashMap<usize, Option<usize>> = failures.into_iter().collect();
        let failing = failures.clone();
        let fake = counting(move |n| failing.get(&n).copied());
        drain(&lanes(&stream, &clock, &config), &fake);
        let failed = |n: usize| failures.get(&n).is_some_and(|f| f.is_none_or(|at| at < data(&fake.events()[n]).len()));
        let got = finals(&fake, failed);
        let want: Vec<(String, u64)> = per_window
            .iter()
            .map(|(start, count)| (orderly_local::clock::rfc3339_seconds(*start), *count))
            .collect();
        prop_assert_eq!(got, want);
    }
}

/// With splitting on, a record the function keeps reporting ends alone: the rest of its
/// batch is split until it is, its neighbours are processed once, and it goes to the
/// destination after its retries.
#[test]
fn a_reported_poison_record_is_split_out_when_splitting_is_on() {
    let (stream, clock) = setup(1);
    for n in 0..9 {
        put(&stream, &clock, "k", &format!("r{n}"));
    }
    let config = StreamSourceConfig {
        report_batch_item_failures: true,
        bisect_on_error: true,
        maximum_retry_attempts: Some(1),
        ..StreamSourceConfig::default()
    };
    let fake = Fake::new(|event, _| {
        let records = data(event);
        match records.iter().position(|d| d == "r2") {
            Some(at) => {
                Ok(json!({"batchItemFailures": [{"itemIdentifier": sequence_of(event, at)}]}))
            }
            None => ok(),
        }
    });
    drain(&lanes(&stream, &clock, &config), &fake);
    let mut processed: Vec<String> = Vec::new();
    for event in fake.events() {
        let records = data(&event);
        let upto = records
            .iter()
            .position(|d| d == "r2")
            .unwrap_or(records.len());
        processed.extend(records[..upto].iter().cloned());
    }
    processed.sort();
    assert_eq!(processed, ["r0", "r1", "r3", "r4", "r5", "r6", "r7", "r8"]);
    let discarded = fake.discarded();
    assert_eq!(discarded.len(), 1);
    assert_eq!(discarded[0]["KinesisBatchInfo"]["batchSize"], 1);
}
