//! The idempotency store contract, run against the DynamoDB store on a moto server.
//!
//! Ignored by default; `scripts/test.sh` starts moto and runs them with `--include-ignored`.

#[path = "idempotency_common/mod.rs"]
mod common;

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use orderly_aws::idempotency::DynamoDbIdempotencyStore;
use orderly_core::idempotency::{
    IdempotencyConfig, IdempotencyEngine, IdempotencyStore, ManualClock, record_key,
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

/// The item in the table is laid out as the template and the TTL sweeper expect:
/// `expiration` a number of epoch seconds, `in_progress_expiration` of epoch milliseconds.
#[tokio::test]
#[ignore = "needs a moto server: run scripts/test.sh"]
async fn items_are_stored_with_ttl_seconds_and_lease_milliseconds() {
    let client = common::dynamodb();
    let table = common::create_idempotency_table(&client).await;
    let store = Arc::new(DynamoDbIdempotencyStore::new(client.clone(), table.clone()));
    let now_ms = 1_800_000_000_250;
    let engine = IdempotencyEngine::new(IdempotencyConfig::new("layout"), store)
        .with_clock(Arc::new(ManualClock::at(now_ms)));
    let event = json!({"detail": {"metadata": {"idempotency-key": "k-1"}}});
    let reply: Result<Vec<u8>, _> = engine
        .run(&event, std::time::Duration::from_millis(2_000), || async {
            Ok::<_, String>(vec![])
        })
        .await;
    assert_eq!(reply.ok(), Some(vec![]));

    let key = record_key("layout", &json!("k-1"));
    let item = client
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S(key.clone()))
        .consistent_read(true)
        .send()
        .await
        .map(|o| o.item.unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)));
    let get = |name: &str| item.get(name).cloned();
    assert_eq!(get("id"), Some(AttributeValue::S(key)));
    assert_eq!(get("status"), Some(AttributeValue::S("COMPLETED".into())));
    assert_eq!(
        get("expiration"),
        Some(AttributeValue::N("1800003600".into()))
    );
    assert_eq!(
        get("in_progress_expiration"),
        Some(AttributeValue::N("1800000002250".into()))
    );
    assert_eq!(get("data"), Some(AttributeValue::S("[]".into())));
    assert!(matches!(get("owner"), Some(AttributeValue::S(ref o)) if o.len() == 36));
}
