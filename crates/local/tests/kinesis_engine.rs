//! The embedded Kinesis engine at volume: every record lands on the shard whose hash range
//! holds its partition key's MD5, sequence numbers rise within a shard in put order, a
//! reader paging from the trim horizon sees exactly its shard's records in order, retention
//! drops exactly the records older than it, and a provisioned shard takes 1,000 records a
//! second, no more.

use std::collections::HashMap;
use std::sync::Arc;

use orderly_local::clock::{Clock, ManualClock};
use orderly_local::kinesis::{
    Kinesis, KinesisError, Position, Start, StreamConfig, StreamMode, hash, sequence,
};
use proptest::prelude::*;

const T0: i64 = 1_796_551_200_000;

fn engine() -> (Kinesis, ManualClock) {
    let clock = ManualClock::new(T0);
    (Kinesis::new(Arc::new(clock.clone())), clock)
}

fn provisioned(name: &str, shards: u32) -> StreamConfig {
    StreamConfig {
        mode: StreamMode::Provisioned,
        shard_count: shards,
        ..StreamConfig::on_demand(name)
    }
}

/// Reads a whole shard from `start`, `page` records at a time.
fn read_all(
    kinesis: &Kinesis,
    stream: &str,
    shard: u32,
    start: &Start,
    page: usize,
) -> Vec<(String, String, Vec<u8>)> {
    let stream = kinesis.stream(stream).expect("the stream");
    let now = kinesis.clock().now_ms();
    let mut iterator = stream.iterator(shard, start, now).expect("an iterator");
    let mut out = Vec::new();
    loop {
        let position = Position::decode(&iterator).expect("our iterator");
        let read = stream.get_records(&position, page, now).expect("records");
        let done = read.records.is_empty();
        out.extend(
            read.records
                .into_iter()
                .map(|(number, r)| (number, r.partition_key.to_string(), r.data.to_vec())),
        );
        iterator = read.next_iterator;
        if done {
            return out;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn records_land_by_hash_and_read_back_in_order(
        shards in 1u32..9,
        keys in proptest::collection::vec(0u8..40, 1..400),
        page in 1usize..50,
    ) {
        let (kinesis, clock) = engine();
        let stream = kinesis.create_stream(StreamConfig { shard_count: shards, ..provisioned("orders", shards) }).expect("created");
        let mut expected: HashMap<u32, Vec<(String, String, Vec<u8>)>> = HashMap::new();
        for (n, key) in keys.iter().enumerate() {
            let partition_key = format!("order-{key}");
            let data: Arc<[u8]> = Arc::from(format!("{n}").into_bytes());
            let put = stream.put(&partition_key, None, data.clone(), clock.now_ms()).expect("not throttled");
            let shard = stream.shard_for(hash::hash_key(&partition_key));
            prop_assert_eq!(&put.shard_id, &shard.id);
            prop_assert!(shard.range.contains(hash::hash_key(&partition_key)));
            expected.entry(shard.index).or_default().push((put.sequence_number, partition_key, data.to_vec()));
            if n % 7 == 0 {
                clock.advance(3);
            }
        }
        for (index, records) in &expected {
            let numbers: Vec<&String> = records.iter().map(|r| &r.0).collect();
            prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]), "sequence numbers rise");
            let read = read_all(&kinesis, "orders", *index, &Start::TrimHorizon, page);
            prop_assert_eq!(&read, records);
        }
        // Each partition key's records keep their put order.
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for records in expected.values() {
            for (_, key, data) in records {
                let n: usize = String::from_utf8_lossy(data).parse().expect("a number");
                by_key.entry(key.clone()).or_default().push(n);
            }
        }
        for ns in by_key.values() {
            prop_assert!(ns.windows(2).all(|w| w[0] < w[1]));
        }
    }
}

#[test]
fn iterators_start_where_asked() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("s", 1)).expect("created");
    let mut numbers = Vec::new();
    for n in 0..5 {
        numbers.push(
            stream
                .put("k", None, Arc::from(vec![n]), clock.now_ms())
                .expect("put")
                .sequence_number,
        );
        clock.advance(1_000);
    }
    let data = |start: Start| -> Vec<u8> {
        read_all(&kinesis, "s", 0, &start, 10)
            .into_iter()
            .map(|r| r.2[0])
            .collect()
    };
    assert_eq!(data(Start::TrimHorizon), [0, 1, 2, 3, 4]);
    assert_eq!(data(Start::AtSequence(numbers[2].clone())), [2, 3, 4]);
    assert_eq!(data(Start::AfterSequence(numbers[2].clone())), [3, 4]);
    assert_eq!(data(Start::AtTimestamp(T0 + 1_500)), [2, 3, 4]);
    assert_eq!(data(Start::Latest), Vec::<u8>::new());

    let now = clock.now_ms();
    let latest = stream
        .iterator(0, &Start::Latest, now)
        .expect("an iterator");
    stream.put("k", None, Arc::from(vec![9]), now).expect("put");
    let read = stream
        .get_records(&Position::decode(&latest).expect("ours"), 10, now)
        .expect("records");
    assert_eq!(read.records.len(), 1, "LATEST sees what is put after it");
}

#[test]
fn another_shards_or_streams_sequence_number_is_refused_with_aws_words() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("s", 2)).expect("created");
    let key = (0..)
        .map(|n| format!("k{n}"))
        .find(|k| stream.shard_for(hash::hash_key(k)).index == 1)
        .expect("a key of shard 1");
    let number = stream
        .put(&key, None, Arc::from(vec![1]), clock.now_ms())
        .expect("put")
        .sequence_number;
    let Err(KinesisError::InvalidArgument(message)) =
        stream.iterator(0, &Start::AtSequence(number.clone()), clock.now_ms())
    else {
        panic!("expected InvalidArgumentException");
    };
    assert_eq!(
        message,
        "Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000"
    );
    clock.advance(2_000);
    let other = kinesis.create_stream(provisioned("t", 2)).expect("created");
    let Err(KinesisError::InvalidArgument(message)) =
        other.iterator(1, &Start::AtSequence(number), clock.now_ms())
    else {
        panic!("expected InvalidArgumentException");
    };
    assert!(
        message.ends_with("is invalid because it did not come from this stream."),
        "{message}"
    );
    assert!(sequence::parse("5").is_none());
}

#[test]
fn an_iterator_expires_after_five_minutes() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("s", 1)).expect("created");
    let iterator = stream
        .iterator(0, &Start::TrimHorizon, clock.now_ms())
        .expect("an iterator");
    let position = Position::decode(&iterator).expect("ours");
    clock.advance(300_000);
    assert!(
        stream.get_records(&position, 10, clock.now_ms()).is_ok(),
        "at five minutes"
    );
    clock.advance(1);
    let Err(KinesisError::ExpiredIterator(message)) =
        stream.get_records(&position, 10, clock.now_ms())
    else {
        panic!("expected ExpiredIteratorException");
    };
    assert!(
        message.starts_with("Iterator expired. The iterator was created at time Sun Dec 06 10:00:00 UTC 2026 while right now it is Sun Dec 06 10:05:00 UTC 2026"),
        "{message}"
    );
}

#[test]
fn retention_drops_exactly_the_records_older_than_it() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("s", 1)).expect("created");
    for n in 0..48u8 {
        stream
            .put("k", None, Arc::from(vec![n]), clock.now_ms())
            .expect("put");
        clock.advance(3_600_000 / 2);
    }
    // Now T0 + 24 h: the records of the first 0 h 00 m are exactly at the edge.
    let kept: Vec<u8> = read_all(&kinesis, "s", 0, &Start::TrimHorizon, 100)
        .into_iter()
        .map(|r| r.2[0])
        .collect();
    assert_eq!(kept, (0..48).collect::<Vec<_>>());
    clock.advance(1);
    let kept: Vec<u8> = read_all(&kinesis, "s", 0, &Start::TrimHorizon, 100)
        .into_iter()
        .map(|r| r.2[0])
        .collect();
    assert_eq!(kept, (1..48).collect::<Vec<_>>());
}

#[test]
fn a_provisioned_shard_takes_a_thousand_records_a_second_and_on_demand_takes_all() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("p", 1)).expect("created");
    let taken = (0..1_500)
        .filter(|_| {
            stream
                .put("k", None, Arc::from(vec![0]), clock.now_ms())
                .is_ok()
        })
        .count();
    assert_eq!(taken, 1_000);
    let refused = stream
        .put("k", None, Arc::from(vec![0]), clock.now_ms())
        .expect_err("throttled");
    assert_eq!(
        refused.0,
        "Rate exceeded for shard shardId-000000000000 in stream p under account 000000000000."
    );
    clock.advance(1_000);
    assert!(
        stream
            .put("k", None, Arc::from(vec![0]), clock.now_ms())
            .is_ok(),
        "the next second"
    );

    let big: Arc<[u8]> = Arc::from(vec![0; 600 * 1024]);
    clock.advance(1_000);
    assert!(stream.put("k", None, big.clone(), clock.now_ms()).is_ok());
    assert!(
        stream.put("k", None, big.clone(), clock.now_ms()).is_err(),
        "past 1 MiB in the second"
    );

    let on_demand = kinesis
        .create_stream(StreamConfig::on_demand("o"))
        .expect("created");
    assert_eq!(on_demand.shards().len(), 4);
    assert!((0..5_000).all(|_| {
        on_demand
            .put("k", None, Arc::from(vec![0]), clock.now_ms())
            .is_ok()
    }));
}

#[test]
fn an_explicit_hash_key_picks_the_shard() {
    let (kinesis, clock) = engine();
    let stream = kinesis.create_stream(provisioned("s", 4)).expect("created");
    for (index, shard) in stream.shards().iter().enumerate() {
        let put = stream
            .put(
                "any",
                Some(shard.range.end),
                Arc::from(vec![0]),
                clock.now_ms(),
            )
            .expect("put");
        assert_eq!(put.shard_id, format!("shardId-{index:012}"));
    }
}

/// A shard keeps at most `MAX_KEPT_BYTES` in memory, dropping the oldest first; but what a
/// reader has yet to take stays, whatever the size, until the reader moves past it.
#[test]
fn a_full_shard_drops_its_oldest_records_but_none_a_reader_has_not_taken() {
    use orderly_local::kinesis::{MAX_KEPT_BYTES, Shard, hash::HashRange};
    use std::sync::atomic::Ordering;
    let mib = vec![b'x'; 1024 * 1024 - 1];
    let put = |shard: &Shard, n: usize| {
        for _ in 0..n {
            shard.append(Arc::from("k"), Arc::from(mib.as_slice()), 0, false);
        }
    };
    let whole = HashRange {
        start: 0,
        end: u128::MAX,
    };
    let unread = Shard::new(0, whole);
    put(&unread, 40);
    assert_eq!(unread.len(), MAX_KEPT_BYTES / (1024 * 1024), "16 MiB kept");
    assert_eq!(unread.first(), 40 - 16, "the oldest went");

    let read = Shard::new(1, whole);
    let reader = read.register_reader();
    put(&read, 40);
    assert_eq!(read.len(), 40, "nothing the reader has yet to take goes");
    reader.store(30, Ordering::SeqCst);
    put(&read, 1);
    assert_eq!(read.first(), 25, "down to 16 MiB once the reader moved on");
    drop(reader);
    put(&read, 1);
    assert_eq!(read.len(), 16);
}
