//! Connection warm-up against an HTTPS endpoint: moto's server with a self-signed
//! certificate (`scripts/moto.sh start --tls`), trusted by these tests' SDK client only.
//! A TCP proxy in front of it counts the connections the SDK opens.

use orderly_aws::config::AwsAdapters;
use orderly_aws::warm::{Service, connector_on_first_use, warm_up, warm_up_within};
use orderly_core::clock::Stopwatch;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const ENDPOINT_VAR: &str = "ORDERLY_TEST_AWS_TLS_ENDPOINT";
const CERT_VAR: &str = "ORDERLY_TEST_AWS_TLS_CERT";

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run `eval \"$(scripts/moto.sh start --tls)\"` and export it")
    })
}

/// A loopback TCP proxy to `upstream` (host:port) that counts the connections it accepts.
async fn counting_proxy(upstream: String) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (port, accepted)
}

/// The adapters as a function builds them, with an HTTPS client that trusts only the test
/// certificate, pointed at `endpoint`.
async fn adapters(endpoint: &str, cert_pem: Vec<u8>) -> AwsAdapters {
    use aws_smithy_http_client::tls::{
        Provider, TlsContext, TrustStore, rustls_provider::CryptoMode,
    };
    let trust = TrustStore::empty().with_pem_certificate(cert_pem);
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(trust)
                .build()
                .expect("TLS context"),
        )
        .build_https();
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(connector_on_first_use(http))
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "orderly-tests",
        ))
        .load()
        .await;
    AwsAdapters::new(&sdk)
}

async fn proxied_adapters() -> (AwsAdapters, Arc<AtomicUsize>) {
    let endpoint = required(ENDPOINT_VAR);
    let cert = std::fs::read(required(CERT_VAR)).expect("read the test certificate");
    let upstream = endpoint
        .strip_prefix("https://")
        .expect("an https:// endpoint")
        .trim_end_matches('/')
        .to_owned();
    let (port, accepted) = counting_proxy(upstream).await;
    let adapters = adapters(&format!("https://127.0.0.1:{port}"), cert).await;
    (adapters, accepted)
}

/// How long one small ListTables call takes.
async fn timed_list_tables(aws: &AwsAdapters) -> Duration {
    let started = Stopwatch::start();
    aws.dynamodb()
        .list_tables()
        .limit(1)
        .send()
        .await
        .expect("list tables");
    started.elapsed()
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_TLS_ENDPOINT (scripts/moto.sh start --tls)"]
async fn after_warm_up_the_first_dynamodb_call_opens_no_connection() {
    let (aws, accepted) = proxied_adapters().await;

    let report = warm_up(&aws, &[Service::DynamoDb]).await;
    assert_eq!(report.answered, vec![Service::DynamoDb], "{report:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "warm-up opens one connection"
    );

    let first = timed_list_tables(&aws).await;
    let warm = timed_list_tables(&aws).await;

    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the first call reuses the warmed connection"
    );
    eprintln!("after warm-up: first call {first:?}, warm call {warm:?}");
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_TLS_ENDPOINT (scripts/moto.sh start --tls)"]
async fn without_warm_up_the_first_call_opens_the_connection() {
    let (aws, accepted) = proxied_adapters().await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "building clients connects nowhere"
    );

    let first = timed_list_tables(&aws).await;
    let warm = timed_list_tables(&aws).await;

    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    eprintln!("without warm-up: first call {first:?}, warm call {warm:?}");
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_TLS_ENDPOINT (scripts/moto.sh start --tls)"]
async fn warm_up_opens_one_connection_per_service_endpoint() {
    let (aws, accepted) = proxied_adapters().await;

    let report = warm_up(&aws, &[Service::DynamoDb, Service::Sqs, Service::DynamoDb]).await;

    assert_eq!(report.failed, vec![], "{report:?}");
    assert_eq!(
        report.answered.len(),
        2,
        "a repeated service is warmed once"
    );
    // One endpoint URL serves every service here, and the pool is per host: the two
    // concurrent requests may share one connection or open two.
    let opened = accepted.load(Ordering::SeqCst);
    assert!((1..=2).contains(&opened), "{opened} connections");
    aws.sqs().list_queues().send().await.expect("list queues");
    aws.dynamodb()
        .list_tables()
        .send()
        .await
        .expect("list tables");
    assert_eq!(accepted.load(Ordering::SeqCst), opened, "no new connection");
}

/// Needs no server: an endpoint that accepts and never answers.
#[tokio::test]
async fn warm_up_gives_up_within_its_budget_and_never_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let aws = adapters(&format!("https://127.0.0.1:{port}"), Vec::new()).await;

    let started = Stopwatch::start();
    let report = warm_up_within(
        &aws,
        &[Service::DynamoDb, Service::EventBridge],
        Duration::from_millis(300),
    )
    .await;

    assert!(started.elapsed() < Duration::from_secs(3), "{report:?}");
    assert_eq!(report.answered, vec![]);
    assert_eq!(report.failed, vec![Service::DynamoDb, Service::EventBridge]);
    held.abort();
}

/// Needs no server: nothing listens on the port.
#[tokio::test]
async fn warm_up_of_an_unreachable_endpoint_reports_the_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let aws = adapters(&format!("https://127.0.0.1:{port}"), Vec::new()).await;

    let report = warm_up_within(&aws, &[Service::StepFunctions], Duration::from_secs(5)).await;

    assert_eq!(report.failed, vec![Service::StepFunctions]);
}
