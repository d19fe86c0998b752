//! `orderly serve`'s Kinesis Data Streams driven by the real AWS CLI: a stream made,
//! records put and read back in order from each kind of iterator, and mistakes answered
//! with Kinesis's codes and words.

use crate::serve_support;

use base64::Engine;
use serde_json::Value;
use serve_support::Server;
use serve_support::cli::{Cli, aws, is_service_error};

fn refused(cli: &Cli, code: &str, words: &str) {
    assert!(is_service_error(cli.code), "not refused: {}", cli.stdout);
    assert!(
        cli.stderr.contains(&format!("({code})")) && cli.stderr.contains(words),
        "expected {code} with {words:?}: {}",
        cli.stderr
    );
}

fn kinesis(server: &Server, args: &[&str]) -> Cli {
    let mut all = vec!["kinesis"];
    all.extend_from_slice(args);
    aws(server, &all)
}

fn put(server: &Server, key: &str, data: &str) -> Value {
    kinesis(
        server,
        &[
            "put-record",
            "--stream-name",
            "orders",
            "--partition-key",
            key,
            "--data",
            data,
        ],
    )
    .json()
}

fn iterator(server: &Server, shard: &str, kind: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "get-shard-iterator",
        "--stream-name",
        "orders",
        "--shard-id",
        shard,
        "--shard-iterator-type",
        kind,
    ];
    args.extend_from_slice(extra);
    kinesis(server, &args).json()["ShardIterator"]
        .as_str()
        .expect("an iterator")
        .to_owned()
}

/// The data of the records an iterator reads, decoded.
fn read(server: &Server, iterator: &str) -> Vec<String> {
    let out = kinesis(server, &["get-records", "--shard-iterator", iterator]).json();
    out["Records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(r["Data"].as_str().expect("data"))
                .expect("base64");
            String::from_utf8(bytes).expect("text")
        })
        .collect()
}

#[test]
fn records_put_through_the_cli_read_back_in_order() {
    let server = Server::start();
    let created = kinesis(
        &server,
        &[
            "create-stream",
            "--stream-name",
            "orders",
            "--shard-count",
            "3",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let summary = kinesis(
        &server,
        &["describe-stream-summary", "--stream-name", "orders"],
    )
    .json();
    let summary = &summary["StreamDescriptionSummary"];
    assert_eq!(summary["StreamStatus"], "ACTIVE");
    assert_eq!(summary["OpenShardCount"], 3);
    assert_eq!(summary["RetentionPeriodHours"], 24);
    assert_eq!(summary["StreamModeDetails"]["StreamMode"], "PROVISIONED");
    assert_eq!(
        summary["StreamARN"],
        "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
    );

    let shards = kinesis(&server, &["list-shards", "--stream-name", "orders"]).json();
    let shards = shards["Shards"].as_array().expect("shards");
    assert_eq!(shards.len(), 3);
    assert_eq!(
        shards[1]["HashKeyRange"]["StartingHashKey"],
        "113427455640312821154458202477256070485"
    );

    // MD5 places "a" on the first of three shards and "e" on the last, as on AWS.
    let first = put(&server, "a", "a-1");
    assert_eq!(first["ShardId"], "shardId-000000000000");
    assert_eq!(put(&server, "e", "e-1")["ShardId"], "shardId-000000000002");
    let second = put(&server, "a", "a-2");
    put(&server, "a", "a-3");
    let (n1, n2) = (
        first["SequenceNumber"].as_str().expect("a number"),
        second["SequenceNumber"].as_str().expect("a number"),
    );
    assert_eq!(n1.len(), 56);
    assert!(n1 < n2, "sequence numbers rise within a shard");

    let shard = "shardId-000000000000";
    assert_eq!(
        read(&server, &iterator(&server, shard, "TRIM_HORIZON", &[])),
        ["a-1", "a-2", "a-3"]
    );
    assert_eq!(
        read(
            &server,
            &iterator(
                &server,
                shard,
                "AT_SEQUENCE_NUMBER",
                &["--starting-sequence-number", n2]
            )
        ),
        ["a-2", "a-3"]
    );
    assert_eq!(
        read(
            &server,
            &iterator(
                &server,
                shard,
                "AFTER_SEQUENCE_NUMBER",
                &["--starting-sequence-number", n2]
            )
        ),
        ["a-3"]
    );
    let latest = iterator(&server, shard, "LATEST", &[]);
    assert!(read(&server, &latest).is_empty());
    put(&server, "a", "a-4");
    assert_eq!(read(&server, &latest), ["a-4"]);

    let batch = kinesis(
        &server,
        &[
            "put-records",
            "--stream-name",
            "orders",
            "--records",
            "Data=b-1,PartitionKey=b",
            "Data=b-2,PartitionKey=b",
        ],
    )
    .json();
    assert_eq!(batch["FailedRecordCount"], 0);
    assert_eq!(batch["Records"].as_array().map(Vec::len), Some(2));
    let b_shard = batch["Records"][0]["ShardId"]
        .as_str()
        .expect("a shard")
        .to_owned();
    assert_eq!(
        read(&server, &iterator(&server, &b_shard, "TRIM_HORIZON", &[])),
        ["b-1", "b-2"]
    );
}

#[test]
fn mistakes_are_answered_with_kinesis_codes_and_words() {
    let server = Server::start();
    assert_eq!(
        kinesis(
            &server,
            &[
                "create-stream",
                "--stream-name",
                "orders",
                "--shard-count",
                "2"
            ]
        )
        .code,
        0
    );
    refused(
        &kinesis(
            &server,
            &[
                "create-stream",
                "--stream-name",
                "orders",
                "--shard-count",
                "2",
            ],
        ),
        "ResourceInUseException",
        "Stream orders under account 000000000000 already exists.",
    );
    refused(
        &kinesis(
            &server,
            &[
                "put-record",
                "--stream-name",
                "nope",
                "--partition-key",
                "k",
                "--data",
                "x",
            ],
        ),
        "ResourceNotFoundException",
        "Stream nope under account 000000000000 not found.",
    );
    refused(
        &kinesis(
            &server,
            &["describe-stream-summary", "--stream-name", "bad name"],
        ),
        "ValidationException",
        "Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    refused(
        &kinesis(
            &server,
            &["get-records", "--shard-iterator", "bm90IGFuIGl0ZXJhdG9y"],
        ),
        "InvalidArgumentException",
        "Invalid ShardIterator.",
    );
    refused(
        &kinesis(
            &server,
            &[
                "get-shard-iterator",
                "--stream-name",
                "orders",
                "--shard-id",
                "shardId-000000000007",
                "--shard-iterator-type",
                "TRIM_HORIZON",
            ],
        ),
        "ResourceNotFoundException",
        "Shard shardId-000000000007 in stream orders under account 000000000000 does not exist",
    );
    refused(
        &kinesis(
            &server,
            &[
                "get-shard-iterator",
                "--stream-name",
                "orders",
                "--shard-id",
                "shardId-000000000000",
                "--shard-iterator-type",
                "AT_SEQUENCE_NUMBER",
            ],
        ),
        "InvalidArgumentException",
        "Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.",
    );
    refused(
        &kinesis(
            &server,
            &[
                "put-record",
                "--stream-name",
                "orders",
                "--partition-key",
                "k",
                "--data",
                "x",
                "--explicit-hash-key",
                "340282366920938463463374607431768211456",
            ],
        ),
        "InvalidArgumentException",
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456",
    );
    refused(
        &kinesis(&server, &["list-shards"]),
        "InvalidArgumentException",
        "Either NextToken or StreamName should be provided.",
    );
}
