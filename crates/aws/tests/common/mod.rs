//! Helpers of the tests that run against an AWS-compatible endpoint (moto's server):
//! SDK clients for `ORDERLY_TEST_AWS_ENDPOINT` with dummy credentials in us-east-1, and
//! uniquely named resources so tests never share state.
#![allow(dead_code)] // each test file uses its own subset

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

pub const ENDPOINT_VAR: &str = "ORDERLY_TEST_AWS_ENDPOINT";

/// The endpoint; a test run without it is a setup mistake, so say how to fix it.
pub fn endpoint() -> String {
    std::env::var(ENDPOINT_VAR).unwrap_or_else(|_| {
        panic!("{ENDPOINT_VAR} is not set: run `eval \"$(scripts/moto.sh start)\"` and export it")
    })
}

pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(orderly_aws::config::https_client())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "orderly-tests",
        ))
        .load()
        .await
}

/// `prefix-<32 hex digits>`: unique per call, valid as a table, bus or queue name.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

pub async fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config().await)
}

pub async fn eventbridge() -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&sdk_config().await)
}

pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config().await)
}

/// A fresh table keyed by the string attribute `partition_key`.
pub async fn table(client: &aws_sdk_dynamodb::Client, prefix: &str, partition_key: &str) -> String {
    let name = unique(prefix);
    orderly_aws::dynamodb::tables::create_table(client, &name, partition_key)
        .await
        .expect("create table");
    name
}

/// A fresh event bus; returns its name.
pub async fn bus(client: &aws_sdk_eventbridge::Client) -> String {
    let name = unique("bus");
    client
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("create event bus");
    name
}

/// A fresh standard queue; returns (url, arn).
pub async fn queue(client: &aws_sdk_sqs::Client) -> (String, String) {
    let created = client
        .create_queue()
        .queue_name(unique("queue"))
        .send()
        .await
        .expect("create queue");
    let url = created.queue_url().expect("queue url").to_owned();
    let attributes = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes");
    let arn = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("queue arn")
        .clone();
    (url, arn)
}

/// A fresh FIFO queue; returns its url.
pub async fn fifo_queue(client: &aws_sdk_sqs::Client) -> String {
    let created = client
        .create_queue()
        .queue_name(format!("{}.fifo", unique("fifo")))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect("create fifo queue");
    created.queue_url().expect("queue url").to_owned()
}
