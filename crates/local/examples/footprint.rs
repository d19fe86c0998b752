//! What the local cloud keeps per order: N orders through the whole workflow in-process
//! (virtual time), the count of every store and the process's resident set after each checkpoint.
//!
//! `cargo run --release -p orderly-local --example footprint` (ORDERLY_ORDERS sets N,
//! default 4,000; ORDERLY_RETENTION=none keeps everything, as the cloud did before it had
//! retention; ORDERLY_TABLES=disk keeps the tables on disk, as `orderly serve` does).

use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::world::TableStorage;
use orderly_local::scenarios::{ScenarioEnv, entries, settled, start_cloud_retaining, wait_until};
use std::path::PathBuf;

// The allocator the `orderly` binary uses (see crates/local/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The process's resident set, bytes, from `/proc/self/status` (0 where it is absent).
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

const CHECKPOINT: usize = 500;

fn order(template: &PutEventsEntry, i: usize) -> PutEventsEntry {
    let mut entry = template.clone();
    entry.detail = template.detail.as_ref().map(|d| {
        d.replace("o-happy-1", &format!("o-fp-{i}"))
            .replace("idem-happy-1", &format!("idem-fp-{i}"))
            .replace("corr-happy-1", &format!("corr-fp-{i}"))
    });
    entry
}

async fn run(n: usize, retention: Retention) -> Result<(), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut env = ScenarioEnv::at(&root);
    if std::env::var("ORDERLY_TABLES").as_deref() == Ok("disk") {
        env.tables = TableStorage::Disk { parent: None };
    }
    let cloud = start_cloud_retaining(
        &env,
        std::sync::Arc::new(orderly_local::runtime::faults::NoFaults),
        retention,
    )
    .map_err(|e| e.to_string())?;
    let inner = cloud.inner.clone();
    inner
        .world
        .stock
        .set_available("BOOK-0001", 2 * n as i64 + 10)
        .map_err(|e| e.to_string())?;
    inner
        .world
        .stock
        .set_available("TOY-0001", n as i64 + 10)
        .map_err(|e| e.to_string())?;
    let template = entries(&root, "happy-path").map_err(|e| e.to_string())?;
    let first = template
        .first()
        .ok_or("happy-path.json has no entry")?
        .clone();
    let base = rss();
    println!("orders  RSS growth MB  bytes/order");
    let mut done = 0;
    while done < n {
        let batch: Vec<PutEventsEntry> = (done..(done + 10).min(n))
            .map(|i| order(&first, i))
            .collect();
        inner.put_events(&batch);
        done += batch.len();
        tokio::task::yield_now().await;
        if done % CHECKPOINT == 0 || done == n {
            if !wait_until(&inner, |c| settled(c) && c.world.shipments.len() >= done).await {
                return Err(format!("not settled after {done} orders"));
            }
            let live = rss().saturating_sub(base);
            println!("{done:>6} {:>13.1} {:>12}", live as f64 / 1e6, live / done);
        }
    }
    print!("{}", inner.footprint());
    // What the tables hold, as JSON text (what DynamoDB would count), per order.
    let world = &inner.world;
    let mut orders = 0;
    for i in 0..n {
        if let Some(item) = world
            .orders
            .get(&format!("o-fp-{i}"))
            .map_err(|e| e.to_string())?
        {
            orders += item.to_string().len();
        }
    }
    let audit: usize = world
        .audit
        .entries()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|e| {
            e.facts.to_string().len()
                + e.event_id.len()
                + e.correlation_id.len()
                + e.time.len()
                + e.source.len()
                + e.detail_type.len()
                + e.order_id.len()
        })
        .sum();
    let notifications: usize = world
        .notifier
        .sent()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|s| s.body.len() + s.subject.len() + s.customer_id.len())
        .sum();
    println!("table bytes per order (JSON text):");
    println!(
        "  idempotency   {:>7}",
        world.idempotency.item_bytes().map_err(|e| e.to_string())? / n
    );
    println!("  orders        {:>7}", orders / n);
    println!("  audit         {:>7}", audit / n);
    println!("  notifications {:>7}", notifications / n);
    Ok(())
}

fn main() {
    let n: usize = std::env::var("ORDERLY_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let retention = match std::env::var("ORDERLY_RETENTION").as_deref() {
        Ok("none") => {
            let mut keep = Retention::default();
            keep.executions.max_closed = usize::MAX;
            keep.max_log_lines = usize::MAX;
            keep.trace.max_hops = usize::MAX;
            keep
        }
        _ => Retention::default(),
    };
    // ORDERLY_MAX_CLOSED, ORDERLY_MAX_LOG_LINES, ORDERLY_MAX_HOPS override one cap each.
    let cap = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut retention = retention;
    retention.executions.max_closed = cap("ORDERLY_MAX_CLOSED", retention.executions.max_closed);
    retention.max_log_lines = cap("ORDERLY_MAX_LOG_LINES", retention.max_log_lines);
    retention.trace.max_hops = cap("ORDERLY_MAX_HOPS", retention.trace.max_hops);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("footprint: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(n, retention)) {
        eprintln!("footprint: {e}");
        std::process::exit(1);
    }
}
