//! Per-call overhead of the idempotency engine on the embedded store.
//!
//! `cargo bench -p orderly-core --bench idempotency`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use orderly_core::idempotency::{
    IdempotencyConfig, IdempotencyEngine, IdempotencyStore, InMemoryIdempotencyStore, KeySelector,
    hash_value,
};
use serde_json::{Value, json};

const LEASE: Duration = Duration::from_secs(30);

/// An OrderCreated-sized envelope with key `key`.
fn event(key: u64) -> Value {
    json!({
        "source": "com.orders",
        "detail-type": "OrderCreated",
        "detail": {
            "metadata": {
                "idempotency-key": format!("order-{key}"),
                "correlation-id": "c-1",
                "event-version": "1",
                "occurred-at": "2026-11-26T15:00:00Z"
            },
            "data": {
                "orderId": format!("o-{key}"),
                "customerId": "c-42",
                "total": {"amount": 12950, "currency": "EUR"},
                "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]
            }
        }
    })
}

fn engine(cache: usize, validate: bool) -> IdempotencyEngine {
    // Duplicates emit a DuplicatesSuppressed record: built and serialized here as on
    // Lambda, then dropped instead of written to the terminal.
    orderly_core::telemetry::emf::set_sink(|_| {});
    let store: Arc<dyn IdempotencyStore> = Arc::new(InMemoryIdempotencyStore::new());
    let mut config = IdempotencyConfig::new("bench").local_cache(cache);
    if validate {
        config = config.validate_payload(KeySelector::pointer("/detail/data"));
    }
    IdempotencyEngine::new(config, store)
}

async fn body() -> Result<Value, String> {
    Ok(json!({"shipmentId": "s-1"}))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("bench runtime");
    let mut group = c.benchmark_group("idempotency");

    group.bench_function("body_alone", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(body().await) });
    });

    let input = event(0);
    group.bench_function("hash_key", |b| {
        b.iter(|| black_box(hash_value(&input["detail"]["metadata"]["idempotency-key"])));
    });
    group.bench_function("hash_payload", |b| {
        b.iter(|| black_box(hash_value(&input["detail"]["data"])));
    });
    // What every duplicate also pays: its DuplicatesSuppressed EMF record, built and
    // serialized (the sink set by `engine` drops it).
    let _ = engine(0, false);
    group.bench_function("duplicate_metric", |b| {
        b.iter(|| {
            orderly_core::telemetry::metrics::count(
                "bench",
                orderly_core::telemetry::metrics::DUPLICATES_SUPPRESSED,
                1,
            )
        });
    });

    for (variant, validate) in [("key_only", false), ("payload_validation", true)] {
        // A new key every call: lock (put) + complete (update).
        let first = engine(0, validate);
        let next = AtomicU64::new(1);
        group.bench_function(format!("first_call/{variant}"), |b| {
            b.to_async(&runtime).iter(|| {
                let input = event(next.fetch_add(1, Ordering::Relaxed));
                let first = &first;
                async move { black_box(first.run_json(&input, LEASE, body).await) }
            });
        });

        // The same key again, no cache: one refused put that returns the stored record.
        let duplicate = engine(0, validate);
        let seeded = event(0);
        runtime.block_on(async {
            let _ = duplicate.run_json(&seeded, LEASE, body).await;
        });
        group.bench_function(format!("duplicate/{variant}"), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(duplicate.run_json(&seeded, LEASE, body).await) });
        });

        // The same key again, cached: no store call.
        let cached = engine(256, validate);
        runtime.block_on(async {
            let _ = cached.run_json(&seeded, LEASE, body).await;
        });
        group.bench_function(format!("cached_duplicate/{variant}"), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(cached.run_json(&seeded, LEASE, body).await) });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
