//! The item store contract, run against the local cloud's: a table of its DynamoDB keyed
//! as the contract's tables are. The same cases run against the DynamoDB adapter on moto
//! and on `orderly serve` (crates/aws/tests/items_dynamodb.rs).

use orderly_core::items::contract::CONTRACT_KEY;
use orderly_core::items::{Item, ItemStore, KeyNames};
use orderly_core::ports::PortError;
use orderly_local::dynamodb::Tables;
use orderly_local::dynamodb::item_store::LocalItems;
use orderly_local::dynamodb::table::{KeySchema, MemoryStorage, Table};
use orderly_local::template::{AttributeType, KeyAttribute};
use serde_json::json;
use std::sync::Arc;

/// Tables holding one table, `items`, keyed by `pk` and `sk` (strings).
fn tables() -> Arc<Tables> {
    let tables = Arc::new(Tables::default());
    let attribute = |name: &str| KeyAttribute {
        name: name.to_owned(),
        attribute_type: AttributeType::S,
    };
    let mut names = CONTRACT_KEY.names();
    tables
        .create(Table {
            name: "items".into(),
            arn: "arn:aws:dynamodb:us-east-1:123456789012:table/items".into(),
            key: KeySchema {
                partition: attribute(names.next().expect("partition")),
                sort: names.next().map(attribute),
            },
            global_indexes: Vec::new(),
            local_indexes: Vec::new(),
            ttl_attribute: std::sync::RwLock::new(None),
            created_s: 0,
            from_template: true,
            storage: Arc::new(MemoryStorage::default()),
            stream: None,
        })
        .expect("a new table");
    tables
}

async fn local_items() -> Arc<dyn ItemStore> {
    Arc::new(LocalItems::new(tables(), "items", CONTRACT_KEY))
}

orderly_core::item_store_contract!(local_items);

/// A function that declares another key than the table's is told so on its first call,
/// naming both; and a table the template does not have is not found.
#[tokio::test]
async fn a_declared_key_unlike_the_tables_is_refused_by_name() {
    let tables = tables();
    let wrong = LocalItems::new(tables.clone(), "items", KeyNames::partition("customerId"));
    let key: Item = serde_json::from_value(json!({"customerId": "c-1"})).expect("key");

    let Err(PortError::Permanent(why)) = wrong.get(&key).await else {
        panic!("a wrong key must be refused");
    };
    assert!(
        why.contains("keyed by pk, sk") && why.contains("reads it by customerId"),
        "{why}"
    );

    let missing = LocalItems::new(tables, "nope", KeyNames::partition("customerId"));
    let Err(PortError::Permanent(why)) = missing.get(&key).await else {
        panic!("a missing table must be refused");
    };
    assert!(why.contains("ResourceNotFoundException"), "{why}");
}

/// A table of the template that no domain store stands for is a function's own: it is
/// made with its key schema in the cloud's table space (here on disk), the item store and
/// the DynamoDB API see the same items, and an item past its TTL goes before the next
/// write, as DynamoDB's TTL deletes it.
#[tokio::test]
async fn a_template_table_of_its_own_is_made_from_the_template_with_its_ttl() {
    use orderly_core::clock::ManualClock;
    use orderly_local::runtime::world::TableStorage;
    use orderly_local::runtime::{CloudOptions, LocalCloud, handlers::OrderlyHandlers};

    let dir = tempfile::tempdir().expect("a temporary directory");
    let template = dir.path().join("template.yaml");
    std::fs::write(
        &template,
        "AWSTemplateFormatVersion: '2010-09-09'\n\
         Transform: AWS::Serverless-2016-10-31\n\
         Resources:\n  LoyaltyTable:\n    Type: AWS::DynamoDB::Table\n    Properties:\n\
         \x20     TableName: loyalty\n      BillingMode: PAY_PER_REQUEST\n\
         \x20     AttributeDefinitions: [{AttributeName: customerId, AttributeType: S}]\n\
         \x20     KeySchema: [{AttributeName: customerId, KeyType: HASH}]\n\
         \x20     TimeToLiveSpecification: {AttributeName: expiresAt, Enabled: true}\n",
    )
    .expect("template written");
    let clock = Arc::new(ManualClock::new(1_000_000_000_000));
    let mut options = CloudOptions::new(template);
    options.clock = clock.clone();
    options.tables = TableStorage::Disk {
        parent: Some(dir.path().to_owned()),
    };
    let cloud = LocalCloud::start(options, Arc::new(OrderlyHandlers)).expect("cloud starts");
    let items = LocalItems::new(
        Arc::downgrade(&cloud.inner),
        "loyalty",
        KeyNames::partition("customerId"),
    );
    let item = |value: serde_json::Value| -> Item { serde_json::from_value(value).expect("item") };
    let now_s = 1_000_000_000;

    items
        .put(
            &item(json!({"customerId": "c-new", "expiresAt": now_s + 60, "points": 5})),
            None,
        )
        .await
        .expect("put");
    items
        .put(
            &item(json!({"customerId": "c-old", "expiresAt": now_s - 1})),
            None,
        )
        .await
        .expect("put");
    let key = |id: &str| item(json!({"customerId": id}));
    assert!(
        items.get(&key("c-old")).await.expect("get").is_some(),
        "kept until a write"
    );

    items
        .put(&item(json!({"customerId": "c-other"})), None)
        .await
        .expect("put");
    assert_eq!(
        items.get(&key("c-old")).await,
        Ok(None),
        "expired, then purged"
    );
    assert_eq!(
        items.get(&key("c-new")).await.expect("get"),
        Some(item(
            json!({"customerId": "c-new", "expiresAt": now_s + 60, "points": 5})
        ))
    );
    let table = cloud
        .inner
        .dynamodb
        .get("loyalty")
        .expect("the template's table");
    assert_eq!(table.storage.items().expect("scan").len(), 2);
    assert!(cloud.inner.world.disk.is_some(), "the tables are on disk");
}
