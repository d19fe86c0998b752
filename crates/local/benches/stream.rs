//! Records through a local Kinesis stream into order-analytics: a producer puts order
//! events on an on-demand stream (four shards) as fast as it can while a lane per shard
//! hands them, in batches, to the real function, which decodes each record and folds it
//! into its window's funnel, carrying the window's state from batch to batch as Lambda
//! does. Reports records per second from the first put to the last record counted, and
//! each shard's latency from put to counted (p50, p99).
//!
//! `cargo bench -p orderly-local --bench stream`
//! (ORDERLY_BENCH_RECORDS sets the records, default 200,000; ORDERLY_BENCH_BATCH the
//! mapping's BatchSize, default 1,000; two tokio workers, as on the 2-core machine).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lambda_runtime::{Context, LambdaEvent};
use order_analytics::{OrderAnalytics, handler};
use orderly_core::memory::MemoryAdapters;
use orderly_core::shell::{Environment, Function, Ports};
use orderly_local::clock::ManualClock;
use orderly_local::kinesis::{Kinesis, Stream, StreamConfig, sequence};
use orderly_local::runtime::streams::{
    FunctionFailure, Lane, LaneInvoker, StartingPosition, StreamSourceConfig,
};
use serde_json::{Value, json};

// The allocator the `orderly` binary uses (see crates/local/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 2026-12-06T10:00:00Z: the stream's clock stands still, so every record falls in one
/// window and the window's state is carried through the whole run.
const T0: i64 = 1_796_551_200_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The function, and when each record was put and counted (by shard and offset).
struct Consumer {
    function: OrderAnalytics,
    put_at: Vec<Mutex<Vec<Instant>>>,
    latencies: Vec<Mutex<Vec<Duration>>>,
    counted: AtomicUsize,
}

#[async_trait]
impl LaneInvoker for Consumer {
    async fn invoke(&self, event: Value) -> Result<Value, FunctionFailure> {
        let positions: Vec<(usize, usize)> = event["Records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let (_, shard, offset) = sequence::parse(r["kinesis"]["sequenceNumber"].as_str()?)?;
                Some((shard as usize, offset as usize))
            })
            .collect();
        let response = handler(&self.function, LambdaEvent::new(event, Context::default()))
            .await
            .map_err(|e| FunctionFailure {
                error_type: "Error".into(),
                message: e.to_string(),
            })?;
        let now = Instant::now();
        for (shard, offset) in &positions {
            let put = self.put_at[*shard]
                .lock()
                .expect("lock")
                .get(*offset)
                .copied();
            if let Some(put) = put {
                self.latencies[*shard].lock().expect("lock").push(now - put);
            }
        }
        self.counted.fetch_add(positions.len(), Ordering::SeqCst);
        serde_json::to_value(response).map_err(|e| FunctionFailure {
            error_type: "Error".into(),
            message: e.to_string(),
        })
    }

    async fn discard(&self, _: Value) {}
}

/// The order events the stream carries, as the rule's input transformer shapes them: an
/// order created, then confirmed (two in three) or failed.
fn records(n: usize) -> Vec<(String, Arc<[u8]>)> {
    (0..n)
        .map(|i| {
            let order = format!("o-{}", i / 2);
            let (kind, data) = match (i % 2, (i / 2) % 3) {
                (0, _) => ("OrderCreated", json!({"orderId": order})),
                (_, 2) => (
                    "OrderFailed",
                    json!({"orderId": order, "reason": "OutOfStock"}),
                ),
                _ => (
                    "OrderConfirmed",
                    json!({"orderId": order, "total": {"amount": 6999, "currency": "EUR"}}),
                ),
            };
            let event = json!({
                "id": format!("e-{i}"),
                "detail-type": kind,
                "time": "2026-12-06T10:00:00Z",
                "detail": {"metadata": {"correlation-id": format!("corr-{}", i / 2)}, "data": data},
            });
            (order, Arc::from(event.to_string().into_bytes()))
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((p * sorted.len()).div_ceil(100)).max(1) - 1]
}

async fn run(n: usize, batch: usize) -> (Duration, Vec<Vec<Duration>>, usize) {
    let clock = ManualClock::new(T0);
    let kinesis = Kinesis::new(Arc::new(clock.clone()));
    let stream: Arc<Stream> = kinesis
        .create_stream(StreamConfig::on_demand("orders"))
        .expect("a stream");
    let shards = stream.shards().len();
    let adapters = MemoryAdapters::default();
    let environment =
        Environment::from_fn(|v| (v == "ANALYTICS_TABLE").then(|| "analytics".into()));
    let function = OrderAnalytics::build(&Ports::new(
        OrderAnalytics::NAME,
        OrderAnalytics::PORTS,
        OrderAnalytics::SETTINGS,
        &adapters,
        &environment,
    ))
    .expect("the function builds");
    let consumer = Arc::new(Consumer {
        function,
        put_at: (0..shards).map(|_| Mutex::new(Vec::new())).collect(),
        latencies: (0..shards).map(|_| Mutex::new(Vec::new())).collect(),
        counted: AtomicUsize::new(0),
    });
    let config = StreamSourceConfig {
        starting_position: StartingPosition::TrimHorizon,
        batch_size: batch,
        tumbling_window_ms: Some(60_000),
        report_batch_item_failures: true,
        bisect_on_error: true,
        ..StreamSourceConfig::default()
    };
    let mut lanes = Vec::new();
    for shard in stream.shards() {
        let lane = Lane {
            stream: stream.clone(),
            shard: shard.clone(),
            lane: 0,
            config: config.clone(),
            clock: Arc::new(clock.clone()),
            function_arn: "arn:aws:lambda:us-east-1:000000000000:function:order-analytics".into(),
            region: "us-east-1".into(),
            watch: None,
        };
        let consumer = consumer.clone();
        lanes.push(tokio::spawn(
            async move { lane.run(consumer.as_ref()).await },
        ));
    }
    let records = records(n);
    let started = Instant::now();
    for (i, (key, data)) in records.into_iter().enumerate() {
        let put = stream
            .put(&key, None, data, T0)
            .expect("an on-demand stream takes every write");
        let (_, shard, _) = sequence::parse(&put.sequence_number).expect("ours");
        consumer.put_at[shard as usize]
            .lock()
            .expect("lock")
            .push(Instant::now());
        if i % 1_000 == 999 {
            tokio::task::yield_now().await;
        }
    }
    while consumer.counted.load(Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let elapsed = started.elapsed();
    for lane in lanes {
        lane.abort();
    }
    let latencies = consumer
        .latencies
        .iter()
        .map(|l| {
            let mut l = l.lock().expect("lock").clone();
            l.sort_unstable();
            l
        })
        .collect();
    (elapsed, latencies, shards)
}

fn main() {
    let n = env_usize("ORDERLY_BENCH_RECORDS", 200_000);
    let batch = env_usize("ORDERLY_BENCH_BATCH", 1_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("stream: {n} records, BatchSize {batch}, order-analytics counting each, 2 workers");
    for round in 1..=3 {
        let (elapsed, latencies, shards) = runtime.block_on(run(n, batch));
        let rate = n as f64 / elapsed.as_secs_f64();
        println!(
            "round {round}: {rate:.0} records/s ({:.3} s for {n} records over {shards} shards)",
            elapsed.as_secs_f64()
        );
        for (shard, l) in latencies.iter().enumerate() {
            println!(
                "  shard {shard}: {} records, put to counted p50 {:.1} ms, p99 {:.1} ms",
                l.len(),
                percentile(l, 50).as_secs_f64() * 1000.0,
                percentile(l, 99).as_secs_f64() * 1000.0
            );
        }
    }
}
