//! Helpers for tests that run against a local AWS-compatible server (moto).
//!
//! `scripts/test.sh` starts the server on a free loopback port and exports
//! `ORDERLY_TEST_AWS_ENDPOINT=http://127.0.0.1:PORT`; tests that need it are `#[ignore]`d so
//! a bare `cargo test` lists them as skipped, and run with `--include-ignored`.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

/// The environment variable naming the server's endpoint.
pub const ENDPOINT_VAR: &str = "ORDERLY_TEST_AWS_ENDPOINT";

/// The server's endpoint.
///
/// # Panics
/// When the variable is not set: the test was run without the server.
pub fn endpoint() -> String {
    std::env::var(ENDPOINT_VAR).unwrap_or_else(|_| {
        panic!("{ENDPOINT_VAR} is not set; start moto and export it (scripts/test.sh does both)")
    })
}

/// A name no other test uses, so tests can share one server.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Dummy static credentials: the local server accepts any.
pub fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "orderly-tests")
}

/// A DynamoDB client for the local server, region us-east-1.
pub fn dynamodb() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint())
        .http_client(orderly_aws::config::https_client())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Creates a fresh idempotency table as the template declares it: partition key `id` (S),
/// TTL on `expiration`. Returns its name.
///
/// # Panics
/// When the server refuses to create it.
pub async fn create_idempotency_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = unique_name("idempotency");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition is complete"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema is complete"),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "create table {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )
        });
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expiration")
                .build()
                .expect("TTL specification is complete"),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "enable TTL on {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )
        });
    name
}
