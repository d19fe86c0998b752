//! The idempotency store contract, run against the DynamoDB store on a moto server.
//!
//! Ignored by default; `scripts/test.sh` starts moto and runs them with `--include-ignored`.

#[path = "idempotency_common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use orderly_aws::idempotency::DynamoDbIdempotencyStore;
use orderly_core::idempotency::{
    IdempotencyConfig, IdempotencyEngine, IdempotencyError, IdempotencyStore, ManualClock,
    record_key,
};
use serde_json::json;

async fn dynamodb_store() -> Arc<dyn IdempotencyStore> {
    let client = common::dynamodb();
    let table = common::create_idempotency_table(&client).await;
    Arc::new(DynamoDbIdempotencyStore::new(client, table))
}

orderly_core::idempotency_store_contract!(
    #[ignore = "needs a moto server: run scripts/test.sh"]
    dynamodb_store
);

/// Reads one item of `table` back, consistently.
async fn item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
) -> HashMap<String, AttributeValue> {
    client
        .get_item()
        .table_name(table)
        .key("id", AttributeValue::S(key.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map(|o| o.item.unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))
}

/// The item in the table is laid out as the template and the TTL sweeper expect:
/// `expiration` a number of epoch seconds; while the body runs, `in_progress_expiration` a
/// number of epoch milliseconds; once completed, no lease at all.
#[tokio::test]
#[ignore = "needs a moto server: run scripts/test.sh"]
async fn items_are_stored_with_ttl_seconds_and_lease_milliseconds() {
    let client = common::dynamodb();
    let table = common::create_idempotency_table(&client).await;
    let store = Arc::new(DynamoDbIdempotencyStore::new(client.clone(), table.clone()));
    let now_ms = 1_800_000_000_250;
    let engine = IdempotencyEngine::new(IdempotencyConfig::new("layout"), store)
        .with_clock(Arc::new(ManualClock::new(now_ms)));
    let event = json!({"detail": {"metadata": {"idempotency-key": "k-1"}}});
    let key = record_key("layout", &json!("k-1"));
    let reply: Result<Vec<u8>, _> = engine
        .run(&event, Duration::from_millis(2_000), || async {
            let lock = item(&client, &table, &key).await;
            let get = |name: &str| lock.get(name).cloned();
            assert_eq!(get("status"), Some(AttributeValue::S("INPROGRESS".into())));
            assert_eq!(
                get("expiration"),
                Some(AttributeValue::N("1800003600".into()))
            );
            assert_eq!(
                get("in_progress_expiration"),
                Some(AttributeValue::N("1800000002250".into()))
            );
            Ok::<_, String>(vec![])
        })
        .await;
    assert_eq!(reply.ok(), Some(vec![]));

    let completed = item(&client, &table, &key).await;
    let get = |name: &str| completed.get(name).cloned();
    assert_eq!(get("id"), Some(AttributeValue::S(key.clone())));
    assert_eq!(get("status"), Some(AttributeValue::S("COMPLETED".into())));
    assert_eq!(
        get("expiration"),
        Some(AttributeValue::N("1800003600".into()))
    );
    assert_eq!(get("in_progress_expiration"), None);
    assert_eq!(get("data"), Some(AttributeValue::S("[]".into())));
    assert!(matches!(get("owner"), Some(AttributeValue::S(ref o)) if o.len() == 36));
}

/// Counts the DynamoDB operations a client sends, by their `X-Amz-Target` header.
#[derive(Debug, Default, Clone)]
struct WireCount(Arc<Mutex<Vec<String>>>);

impl WireCount {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Intercept for WireCount {
    fn name(&self) -> &'static str {
        "WireCount"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("?")
            .to_owned();
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(target);
        Ok(())
    }
}

/// On the wire: a first call sends PutItem and UpdateItem; a duplicate sends one PutItem,
/// whose refusal carries the stored record (ALL_OLD), and never a GetItem.
#[tokio::test]
#[ignore = "needs a moto server: run scripts/test.sh"]
async fn a_duplicate_sends_one_put_and_no_read() {
    let plain = common::dynamodb();
    let table = common::create_idempotency_table(&plain).await;
    let wire = WireCount::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        plain
            .config()
            .to_builder()
            .interceptor(wire.clone())
            .build(),
    );
    let store: Arc<dyn IdempotencyStore> = Arc::new(DynamoDbIdempotencyStore::new(client, table));
    // No local cache: every call goes to the table.
    let engine = IdempotencyEngine::new(IdempotencyConfig::new("wire").local_cache(0), store);
    let event = json!({"detail": {"metadata": {"idempotency-key": "k-wire"}}});
    let call = || {
        engine.run(&event, Duration::from_secs(30), || async {
            Ok::<_, String>(7)
        })
    };
    assert_eq!(call().await.ok(), Some(7));
    assert_eq!(wire.take(), ["PutItem", "UpdateItem"]);
    assert_eq!(
        call().await.ok(),
        Some(7),
        "the stored response is replayed"
    );
    assert_eq!(wire.take(), ["PutItem"]);
}

/// A response the table itself refuses for its size (moto stops at 405,000 bytes, short of
/// the 400 KiB the engine checks first) fails as `ResponseTooLarge`, not as a store error,
/// and frees the lock at once. DynamoDB, and `orderly serve` (`ORDERLY_TEST_AWS_SERVER=
/// orderly`), count 400 KiB as the engine does: there the same response is stored.
#[tokio::test]
#[ignore = "needs a moto server: run scripts/test.sh"]
async fn a_response_the_table_refuses_for_its_size_fails_clearly_and_frees_the_lock() {
    if std::env::var("ORDERLY_TEST_AWS_SERVER").as_deref() == Ok("orderly") {
        let store = dynamodb_store().await;
        let engine = IdempotencyEngine::new(IdempotencyConfig::new("size"), store);
        let event = json!({"detail": {"metadata": {"idempotency-key": "k-size"}}});
        let stored: Result<String, IdempotencyError<String>> = engine
            .run(&event, Duration::from_secs(30), || async {
                Ok("x".repeat(407_000))
            })
            .await;
        assert_eq!(stored.map(|s| s.len()).ok(), Some(407_000));
        return;
    }
    let store = dynamodb_store().await;
    let engine = IdempotencyEngine::new(IdempotencyConfig::new("size"), store.clone());
    let event = json!({"detail": {"metadata": {"idempotency-key": "k-size"}}});
    let big: Result<String, IdempotencyError<String>> = engine
        .run(&event, Duration::from_secs(30), || async {
            Ok("x".repeat(407_000))
        })
        .await;
    assert!(
        matches!(
            big,
            Err(IdempotencyError::ResponseTooLarge { size: None, .. })
        ),
        "{:?}",
        big.map(|s| s.len())
    );
    let key = record_key("size", &json!("k-size"));
    assert_eq!(store.get(&key).await.ok().flatten(), None, "lock released");
}
