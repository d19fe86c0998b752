//! `orderly serve`'s DynamoDB Streams driven by the real AWS CLI: a table's writes read
//! back as INSERT, MODIFY and REMOVE records with the images its view type asks for, in
//! order, from each kind of iterator; a write that changes nothing records nothing; and
//! mistakes answered with DynamoDB Streams' codes and words.

use crate::serve_support;

use serde_json::Value;
use serve_support::Server;
use serve_support::cli::{Cli, aws, is_service_error};

const TEMPLATE: &str = "\
Resources:
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: notes
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
";

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, TEMPLATE).expect("the template");
    (Server::start_with(&path), dir)
}

fn refused(cli: &Cli, code: &str, words: &str) {
    assert!(is_service_error(cli.code), "not refused: {}", cli.stdout);
    assert!(
        cli.stderr.contains(&format!("({code})")) && cli.stderr.contains(words),
        "expected {code} with {words:?}: {}",
        cli.stderr
    );
}

fn streams(server: &Server, args: &[&str]) -> Cli {
    let mut all = vec!["dynamodbstreams"];
    all.extend_from_slice(args);
    aws(server, &all)
}

fn put(server: &Server, id: &str, v: &str) {
    let item = format!(r#"{{"id": {{"S": "{id}"}}, "v": {{"N": "{v}"}}}}"#);
    ok(&aws(
        server,
        &[
            "dynamodb",
            "put-item",
            "--table-name",
            "notes",
            "--item",
            &item,
        ],
    ));
}

/// A command that answers nothing but must succeed.
fn ok(cli: &Cli) {
    assert_eq!(cli.code, 0, "aws failed: {}", cli.stderr);
}

fn iterator(server: &Server, arn: &str, shard: &str, kind: &str, number: Option<&str>) -> String {
    let mut args = vec![
        "get-shard-iterator",
        "--stream-arn",
        arn,
        "--shard-id",
        shard,
        "--shard-iterator-type",
        kind,
    ];
    if let Some(n) = number {
        args.extend(["--sequence-number", n]);
    }
    streams(server, &args).json()["ShardIterator"]
        .as_str()
        .expect("an iterator")
        .to_owned()
}

fn records(server: &Server, iterator: &str) -> Vec<Value> {
    streams(server, &["get-records", "--shard-iterator", iterator]).json()["Records"]
        .as_array()
        .expect("records")
        .clone()
}

#[test]
fn a_tables_writes_read_back_as_its_stream_records() {
    let (server, _dir) = server();
    let table = aws(
        &server,
        &["dynamodb", "describe-table", "--table-name", "notes"],
    )
    .json();
    let arn = table["Table"]["LatestStreamArn"]
        .as_str()
        .expect("the table names its stream")
        .to_owned();
    assert_eq!(
        table["Table"]["StreamSpecification"]["StreamViewType"],
        "NEW_AND_OLD_IMAGES"
    );
    let listed = streams(&server, &["list-streams", "--table-name", "notes"]).json();
    assert_eq!(listed["Streams"][0]["StreamArn"], arn.as_str());
    let described = streams(&server, &["describe-stream", "--stream-arn", &arn]).json();
    let description = &described["StreamDescription"];
    assert_eq!(description["StreamStatus"], "ENABLED");
    assert_eq!(description["KeySchema"][0]["AttributeName"], "id");
    let shard = description["Shards"][0]["ShardId"]
        .as_str()
        .expect("a shard")
        .to_owned();
    let latest = iterator(&server, &arn, &shard, "LATEST", None);

    put(&server, "a", "1");
    put(&server, "a", "1"); // the same item again: no change, no record
    ok(&aws(
        &server,
        &[
            "dynamodb",
            "update-item",
            "--table-name",
            "notes",
            "--key",
            r#"{"id": {"S": "a"}}"#,
            "--update-expression",
            "SET v = :v",
            "--expression-attribute-values",
            r#"{":v": {"N": "2"}}"#,
        ],
    ));
    ok(&aws(
        &server,
        &[
            "dynamodb",
            "delete-item",
            "--table-name",
            "notes",
            "--key",
            r#"{"id": {"S": "a"}}"#,
        ],
    ));
    ok(&aws(
        &server,
        &[
            "dynamodb",
            "delete-item",
            "--table-name",
            "notes",
            "--key",
            r#"{"id": {"S": "gone"}}"#,
        ],
    ));
    put(&server, "b", "7");

    let all = records(
        &server,
        &iterator(&server, &arn, &shard, "TRIM_HORIZON", None),
    );
    let names: Vec<&str> = all
        .iter()
        .map(|r| r["eventName"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE", "INSERT"]);
    let modify = &all[1]["dynamodb"];
    assert_eq!(modify["OldImage"]["v"]["N"], "1");
    assert_eq!(modify["NewImage"]["v"]["N"], "2");
    assert_eq!(modify["Keys"], serde_json::json!({"id": {"S": "a"}}));
    assert!(
        all[0]["dynamodb"].get("OldImage").is_none(),
        "an INSERT has no old image"
    );
    assert!(
        all[2]["dynamodb"].get("NewImage").is_none(),
        "a REMOVE has no new image"
    );
    let numbers: Vec<&str> = all
        .iter()
        .map(|r| r["dynamodb"]["SequenceNumber"].as_str().expect("a number"))
        .collect();
    for n in &numbers {
        assert!(
            (21..=40).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()),
            "{n}"
        );
    }
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "numbers rise: {numbers:?}"
    );
    for r in &all {
        assert_eq!(r["eventSource"], "aws:dynamodb");
        assert_eq!(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert!(r["dynamodb"]["SizeBytes"].as_u64().unwrap_or(0) > 0);
        assert_eq!(r["eventID"].as_str().map(str::len), Some(32));
    }

    let after = records(
        &server,
        &iterator(
            &server,
            &arn,
            &shard,
            "AFTER_SEQUENCE_NUMBER",
            Some(numbers[1]),
        ),
    );
    assert_eq!(after.len(), 2);
    assert_eq!(after[0]["dynamodb"]["SequenceNumber"], numbers[2]);
    let at = records(
        &server,
        &iterator(
            &server,
            &arn,
            &shard,
            "AT_SEQUENCE_NUMBER",
            Some(numbers[1]),
        ),
    );
    assert_eq!(at.len(), 3);
    assert_eq!(
        records(&server, &latest).len(),
        4,
        "LATEST taken before the writes reads them all"
    );
}

#[test]
fn mistakes_are_answered_as_dynamodb_streams_answers_them() {
    let (server, _dir) = server();
    let missing =
        "arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/1970-01-01T00:00:00.000";
    refused(
        &streams(&server, &["describe-stream", "--stream-arn", missing]),
        "ResourceNotFoundException",
        "Requested resource not found: Stream:",
    );
    let arn = streams(&server, &["list-streams"]).json()["Streams"][0]["StreamArn"]
        .as_str()
        .expect("the stream")
        .to_owned();
    refused(
        &streams(
            &server,
            &[
                "get-shard-iterator",
                "--stream-arn",
                &arn,
                "--shard-id",
                "shardId-00000000000000000000-00000000",
                "--shard-iterator-type",
                "LATEST",
            ],
        ),
        "ResourceNotFoundException",
        "Shard does not exist",
    );
    refused(
        &streams(
            &server,
            &["get-records", "--shard-iterator", "bm90IGFuIGl0ZXJhdG9y"],
        ),
        "ValidationException",
        "Invalid ShardIterator",
    );
    // Iterators forged with a time: from the far future, and from long ago.
    use base64::Engine;
    for (issued, code, words) in [
        (
            i64::MAX.to_string(),
            "ValidationException",
            "Invalid ShardIterator",
        ),
        (
            i64::MIN.to_string(),
            "ExpiredIteratorException",
            "exceeds the maximum age allowed",
        ),
        (
            "0".to_owned(),
            "ExpiredIteratorException",
            "exceeds the maximum age allowed",
        ),
    ] {
        let forged =
            base64::engine::general_purpose::STANDARD.encode(format!("{arn}/0/0/{issued}"));
        refused(
            &streams(&server, &["get-records", "--shard-iterator", &forged]),
            code,
            words,
        );
    }
}
