//! The item store contract, run against the DynamoDB adapter on a table keyed by a
//! partition and a sort key: on moto's server, and again on `orderly serve`'s DynamoDB
//! (scripts/test.sh runs both).
//!
//! Ignored by default; `scripts/test.sh` starts the servers and runs them with
//! `--include-ignored`.

mod common;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use orderly_aws::dynamodb::DynamoItems;
use orderly_core::items::ItemStore;
use orderly_core::items::contract::CONTRACT_KEY;
use std::sync::Arc;

/// A fresh table keyed as the contract's tables are: `pk` and `sk`, both strings.
async fn contract_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = common::unique("items");
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attribute, key_type) in CONTRACT_KEY.names().zip([KeyType::Hash, KeyType::Range]) {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute definition"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(attribute)
                    .key_type(key_type)
                    .build()
                    .expect("key schema element"),
            );
    }
    request.send().await.expect("create table");
    name
}

async fn dynamodb_items() -> Arc<dyn ItemStore> {
    let client = common::dynamodb().await;
    let table = contract_table(&client).await;
    Arc::new(DynamoItems::new(client, table, CONTRACT_KEY))
}

orderly_core::item_store_contract!(
    #[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
    dynamodb_items
);
