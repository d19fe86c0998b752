//! N orders through the whole happy path in-process: OrderCreated put on the bus →
//! workflow (register, reserve, authorize, confirm) → shipping queue → shipment created,
//! with audit and notifications alongside. Reports orders/s and p50/p99 end-to-end
//! latency (OrderCreated put → ShipmentCreated put, wall time).
//!
//! `cargo bench -p orderly-local --bench throughput` (ORDERLY_BENCH_ORDERS sets N;
//! ORDERLY_BENCH_MODE=virtual|workers runs one of the two runtimes;
//! ORDERLY_BENCH_TABLES=memory|disk one of the two table storages).

use orderly_local::demo::latency::{self, END_TO_END};
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::NoFaults;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::world::TableStorage;
use orderly_local::scenarios::{ScenarioEnv, entries, start_cloud_retaining};
use std::path::PathBuf;
use std::time::{Duration, Instant};

// The allocator the `orderly` binary uses (see crates/local/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// PutEvents takes at most 10 entries per request.
const BATCH: usize = 10;

fn orders(template: &PutEventsEntry, n: usize) -> Vec<PutEventsEntry> {
    let detail = template.detail.clone().unwrap_or_default();
    (0..n)
        .map(|i| {
            let mut entry = template.clone();
            // Unique order id, idempotency key and correlation id per order.
            entry.detail = Some(
                detail
                    .replace("o-happy-1", &format!("o-bench-{i}"))
                    .replace("idem-happy-1", &format!("idem-bench-{i}"))
                    .replace("corr-happy-1", &format!("corr-bench-{i}")),
            );
            entry
        })
        .collect()
}

async fn run(
    n: usize,
    tables: &TableStorage,
) -> Result<(Duration, Option<Duration>, Vec<u64>), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut env = ScenarioEnv::at(&root);
    env.tables = tables.clone();
    // The latencies are read from the trace and logs at the end: keep every order's.
    let retention = Retention::keeping_orders(n);
    let cloud = start_cloud_retaining(&env, std::sync::Arc::new(NoFaults), retention)
        .map_err(|e| e.to_string())?;
    let world = &cloud.inner.world;
    // Enough stock for every order (each takes 2 books and 1 toy).
    world
        .stock
        .set_available("BOOK-0001", 2 * n as i64 + 10)
        .map_err(|e| e.to_string())?;
    world
        .stock
        .set_available("TOY-0001", n as i64 + 10)
        .map_err(|e| e.to_string())?;
    let template = entries(&root, "happy-path").map_err(|e| e.to_string())?;
    let first = template.first().ok_or("happy-path.json has no entry")?;
    let all = orders(first, n);
    // A bench: elapsed real time is the measurement.
    let started = Instant::now();
    let cpu_before = process_cpu();
    for chunk in all.chunks(BATCH) {
        let refused = cloud
            .inner
            .put_events(chunk)
            .iter()
            .filter(|r| r.error_code.is_some())
            .count();
        if refused > 0 {
            return Err(format!("{refused} entries refused"));
        }
        // Let the pipeline run between requests, as a producer would.
        tokio::task::yield_now().await;
    }
    // A real-time budget for the bench, whatever the cloud's clock does.
    let deadline = Instant::now() + Duration::from_secs(300);
    while world.shipments.len() < n {
        if Instant::now() > deadline {
            return Err(format!("only {} of {n} shipped", world.shipments.len()));
        }
        // On virtual time the sleep ends as soon as every task waits on a timer; on real
        // time it bounds how late the end is seen.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    let mut samples = latency::Samples::new();
    latency::collect(&cloud.inner, &mut samples);
    Ok((elapsed, cpu, samples.remove(END_TO_END).unwrap_or_default()))
}

/// CPU time of the whole process so far (user + system), from `/proc/self/stat`; `None`
/// where that file does not exist. On a shared machine the wall time measures the
/// neighbours too: orders per CPU-second is the figure that compares across runs.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// How the runtime runs the cloud.
#[derive(Clone, Copy)]
enum Mode {
    /// One thread, tokio's paused (virtual) time: the demo's and the tests' set-up.
    OneThreadVirtualTime,
    /// Tokio's multi-thread scheduler with this many workers, on real time: what
    /// `orderly serve` runs on, using every core of the machine.
    Workers(usize),
}

impl Mode {
    fn runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        match self {
            Self::OneThreadVirtualTime => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build(),
            Self::Workers(n) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .enable_all()
                .build(),
        }
    }

    fn label(self) -> String {
        match self {
            Self::OneThreadVirtualTime => "1 thread, virtual time".to_owned(),
            Self::Workers(n) => format!("{n} worker threads, real time"),
        }
    }
}

fn main() {
    let n: usize = std::env::var("ORDERLY_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    // ORDERLY_BENCH_MODE: `virtual` or `workers` runs only that mode.
    let only = std::env::var("ORDERLY_BENCH_MODE").unwrap_or_default();
    let modes = [Mode::OneThreadVirtualTime, Mode::Workers(cores)]
        .into_iter()
        .filter(|m| match only.as_str() {
            "virtual" => matches!(m, Mode::OneThreadVirtualTime),
            "workers" => matches!(m, Mode::Workers(_)),
            _ => true,
        });
    let only_tables = std::env::var("ORDERLY_BENCH_TABLES").unwrap_or_default();
    let storages: Vec<(&str, TableStorage)> = [
        ("memory", TableStorage::Memory),
        ("disk", TableStorage::Disk { parent: None }),
    ]
    .into_iter()
    .filter(|(name, _)| only_tables.is_empty() || only_tables == *name)
    .collect();
    let runs = modes.flat_map(|mode| storages.iter().map(move |s| (mode, s)));
    for (mode, (storage_name, storage)) in runs {
        for round in 1..=3 {
            // A runtime per round: the previous round's cloud and its tasks are gone (and
            // their memory freed) before this round's clock starts.
            let runtime = match mode.runtime() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot start the runtime: {e}");
                    std::process::exit(2);
                }
            };
            let outcome = runtime.block_on(run(n, storage));
            drop(runtime);
            match outcome {
                Ok((elapsed, cpu, latencies)) => println!(
                    "{}, {storage_name} tables, round {round}: {n} orders in {:.3} s = {:.0} orders/s ({}); end-to-end p50 {:.2} ms, p99 {:.2} ms ({} samples)",
                    mode.label(),
                    elapsed.as_secs_f64(),
                    n as f64 / elapsed.as_secs_f64(),
                    cpu.map_or("CPU time unknown".to_owned(), |cpu| format!(
                        "{:.2} s of CPU = {:.0} orders per CPU-second",
                        cpu.as_secs_f64(),
                        n as f64 / cpu.as_secs_f64().max(1e-9)
                    )),
                    latency::percentile(&latencies, 50.0) as f64 / 1000.0,
                    latency::percentile(&latencies, 99.0) as f64 / 1000.0,
                    latencies.len()
                ),
                Err(e) => {
                    eprintln!(
                        "{}, {storage_name} tables, round {round}: {e}",
                        mode.label()
                    );
                    std::process::exit(1);
                }
            }
        }
    }
}
