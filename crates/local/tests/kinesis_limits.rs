//! Kinesis's size limits at `orderly serve`'s wire, at their edges: a record's data up to
//! 1 MiB, a PutRecords request up to 5 MiB of data and partition keys and 500 records;
//! one byte or record past each is refused with Kinesis's code and words, and nothing of a
//! refused request is put.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use orderly_local::runtime::{CloudInner, CloudOptions, LocalCloud};
use orderly_local::server::kinesis::{MAX_DATA_BYTES, MAX_REQUEST_BYTES, dispatch};
use orderly_local::server::wire::{ApiError, Input};
use serde_json::{Value, json};

const TEMPLATE: &str = "\
Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: clicks
      StreamModeDetails: {StreamMode: ON_DEMAND}
";

fn cloud() -> (LocalCloud, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, TEMPLATE).expect("the template");
    let cloud = LocalCloud::start(
        CloudOptions::new(path),
        Arc::new(orderly_local::runtime::handlers::OrderlyHandlers),
    )
    .expect("the template starts");
    (cloud, dir)
}

fn call(cloud: &Arc<CloudInner>, operation: &str, request: Value) -> Result<Value, ApiError> {
    let Value::Object(map) = request else {
        unreachable!("requests are objects")
    };
    dispatch(cloud, operation, &Input::from_map(map))
}

fn data(bytes: usize) -> String {
    STANDARD.encode(vec![b'x'; bytes])
}

fn records_in(cloud: &Arc<CloudInner>) -> usize {
    let stream = cloud.kinesis.stream("clicks").expect("the stream");
    stream.shards().iter().map(|s| s.len()).sum()
}

#[tokio::test]
async fn a_record_takes_one_mebibyte_of_data_and_not_a_byte_more() {
    let (cloud, _dir) = cloud();
    let inner = &cloud.inner;
    let put = |bytes| {
        call(
            inner,
            "PutRecord",
            json!({"StreamName": "clicks", "PartitionKey": "k", "Data": data(bytes)}),
        )
    };
    assert!(put(MAX_DATA_BYTES).is_ok(), "exactly 1 MiB is taken");
    let refused = put(MAX_DATA_BYTES + 1).expect_err("one byte more is refused");
    assert_eq!(refused.code, "ValidationException");
    assert!(
        refused
            .message
            .contains("Member must have length less than or equal to 1048576"),
        "{}",
        refused.message
    );
    assert_eq!(records_in(inner), 1, "the refused record is not put");
}

#[tokio::test]
async fn a_put_records_request_takes_five_mebibytes_and_five_hundred_records() {
    let (cloud, _dir) = cloud();
    let inner = &cloud.inner;
    // Five records whose data and keys add up to exactly 5 MiB.
    let key = "k";
    let each = MAX_REQUEST_BYTES / 5 - key.len();
    let batch = |last_extra: usize| {
        let records: Vec<Value> = (0..5)
            .map(|i| {
                let bytes = if i == 4 { each + last_extra } else { each };
                json!({"PartitionKey": key, "Data": data(bytes)})
            })
            .collect();
        json!({"StreamName": "clicks", "Records": records})
    };
    let taken = call(inner, "PutRecords", batch(0)).expect("5 MiB is taken");
    assert_eq!(taken["FailedRecordCount"], 0);
    let refused = call(inner, "PutRecords", batch(1)).expect_err("one byte more is refused");
    assert_eq!(refused.code, "InvalidArgumentException");
    assert_eq!(refused.message, "Records size exceeds 5 MB limit");
    assert_eq!(
        records_in(inner),
        5,
        "nothing of the refused request is put"
    );

    let many = |n: usize| {
        let records: Vec<Value> = (0..n)
            .map(|i| json!({"PartitionKey": format!("k{i}"), "Data": data(1)}))
            .collect();
        json!({"StreamName": "clicks", "Records": records})
    };
    assert!(
        call(inner, "PutRecords", many(500)).is_ok(),
        "500 records are taken"
    );
    let refused = call(inner, "PutRecords", many(501)).expect_err("501 are refused");
    assert_eq!(refused.code, "ValidationException");
    assert!(refused.message.contains("records"), "{}", refused.message);
    assert_eq!(records_in(inner), 505);
}
