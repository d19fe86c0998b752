//! X-Ray subsegments of real AWS SDK calls, made against an AWS-compatible server (moto's)
//! through the subscriber every Lambda function installs, its logs at INFO.

mod common;

use orderly_core::clock::{Clock, SystemClock};
use serde_json::Value;
use std::net::UdpSocket;
use std::time::Duration;
use tracing::Instrument;

/// A fresh trace: its id and the id of the function segment the calls hang under.
fn trace() -> (String, String) {
    let seconds = SystemClock.now_ms().div_euclid(1000);
    let random = uuid::Uuid::new_v4().simple().to_string();
    (
        format!("1-{seconds:08x}-{}", &random[..24]),
        random[16..].to_owned(),
    )
}

/// A stand-in X-Ray daemon on loopback.
fn daemon() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind daemon socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("read timeout");
    socket
}

/// Every subsegment the daemon got, after checking each datagram's header line.
fn subsegments(daemon: &UdpSocket) -> Vec<Value> {
    let mut documents = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = daemon.recv(&mut buf) {
        let text = std::str::from_utf8(&buf[..n]).expect("utf-8 datagram");
        let (header, body) = text.split_once('\n').expect("a header line");
        assert_eq!(
            serde_json::from_str::<Value>(header).expect("header json"),
            serde_json::json!({"format": "json", "version": 1})
        );
        documents.push(serde_json::from_str(body).expect("document json"));
    }
    documents
}

/// Runs `work` the way the Lambda runtime runs a handler: inside the invocation span that
/// carries the trace header, with the functions' subscriber (logs at INFO) as the default.
async fn invoke<F: std::future::Future>(daemon: &UdpSocket, header: &str, work: F) -> F::Output {
    let subscriber = orderly_core::telemetry::lambda_subscriber(
        "info",
        Some(daemon.local_addr().expect("daemon address")),
    )
    .expect("subscriber");
    let _default = tracing::subscriber::set_default(subscriber);
    let invocation = tracing::info_span!(
        "Lambda runtime invoke",
        requestId = "test-request",
        xrayTraceId = header
    );
    work.instrument(invocation).await
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_dynamodb_call_becomes_a_subsegment_of_the_invocation() {
    let client = common::dynamodb().await;
    let daemon = daemon();
    let (root, parent) = trace();
    // Milliseconds, as the layer times calls.
    let before = SystemClock.now_ms() as f64 / 1000.0;

    invoke(
        &daemon,
        &format!("Root={root};Parent={parent};Sampled=1"),
        client.list_tables().send(),
    )
    .await
    .expect("list tables");

    let documents = subsegments(&daemon);
    assert_eq!(documents.len(), 1, "{documents:#?}");
    let doc = &documents[0];
    assert_eq!(doc["name"], "DynamoDB");
    assert_eq!(doc["type"], "subsegment");
    assert_eq!(doc["namespace"], "aws");
    assert_eq!(doc["trace_id"], root.as_str());
    assert_eq!(doc["parent_id"], parent.as_str());
    assert_eq!(doc["aws"]["operation"], "ListTables");
    assert_eq!(doc["aws"]["region"], "us-east-1");
    assert_eq!(doc["http"]["response"]["status"], 200);
    assert!(
        doc["aws"]["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{doc}"
    );
    let id = doc["id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let (start, end) = (
        doc["start_time"].as_f64().expect("start"),
        doc["end_time"].as_f64().expect("end"),
    );
    assert!(before - 1.0 <= start && start <= end, "{start} {end}");
    assert!(
        doc.get("error").is_none() && doc.get("fault").is_none(),
        "{doc}"
    );
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_failed_call_is_an_error_subsegment_with_its_cause() {
    let client = common::dynamodb().await;
    let daemon = daemon();
    let (root, parent) = trace();

    let result = invoke(
        &daemon,
        &format!("Root={root};Parent={parent};Sampled=1"),
        client
            .describe_table()
            .table_name(common::unique("missing"))
            .send(),
    )
    .await;
    assert!(result.is_err(), "the table does not exist");

    let documents = subsegments(&daemon);
    assert_eq!(documents.len(), 1, "{documents:#?}");
    let doc = &documents[0];
    assert_eq!(doc["aws"]["operation"], "DescribeTable");
    assert_eq!(doc["http"]["response"]["status"], 400);
    assert_eq!(doc["error"], true);
    assert!(doc.get("fault").is_none(), "{doc}");
    let exception = &doc["cause"]["exceptions"][0];
    assert_eq!(exception["type"], "ResourceNotFoundException");
    assert_eq!(exception["remote"], true);
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn an_unsampled_invocation_sends_nothing() {
    let client = common::dynamodb().await;
    let daemon = daemon();
    let (root, parent) = trace();

    invoke(
        &daemon,
        &format!("Root={root};Parent={parent};Sampled=0"),
        client.list_tables().send(),
    )
    .await
    .expect("list tables");

    assert_eq!(subsegments(&daemon), Vec::<Value>::new());
}

/// Needs no server: the endpoint is a closed loopback port, so the call gets no response.
#[tokio::test]
async fn a_call_that_gets_no_response_is_a_fault() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .http_client(orderly_aws::config::https_client())
        .endpoint_url(endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "orderly-tests",
        ))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let daemon = daemon();
    let (root, parent) = trace();

    let result = invoke(
        &daemon,
        &format!("Root={root};Parent={parent};Sampled=1"),
        client.list_tables().send(),
    )
    .await;
    assert!(result.is_err(), "nothing listens there");

    let documents = subsegments(&daemon);
    assert_eq!(documents.len(), 1, "{documents:#?}");
    let doc = &documents[0];
    assert_eq!(doc["aws"]["region"], "eu-west-1");
    assert_eq!(doc["fault"], true);
    assert!(
        doc.get("http").is_none() && doc.get("error").is_none(),
        "{doc}"
    );
    let exception = &doc["cause"]["exceptions"][0];
    assert_eq!(exception["remote"], false);
    assert!(
        exception["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{doc}"
    );
}
