//! A table's stream read two ways, on virtual time:
//! - by a function's SAM `DynamoDB` event (an event source mapping): each item's records
//!   reach it in the order of its writes, with the images the view asks for; a record the
//!   function reports failed is retried, then described (`DDBStreamBatchInfo`) to the
//!   on-failure queue, while the records after it go on;
//! - and a Kinesis stream through a pipe to an Express state machine, synchronously, with an
//!   input template that reads the record's JSON data.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use lambda_runtime::{Context, Diagnostic};
use orderly_local::runtime::lambda::LocalHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudInner, CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::scenarios::wait_until;
use orderly_local::server::wire::Input;
use orderly_local::template;
use serde_json::{Value, json};

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Carts:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: carts
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Failed:
    Type: AWS::SQS::Queue
  CartWatcher:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/cart-watcher
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Carts.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 4
            FunctionResponseTypes: [ReportBatchItemFailures]
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 1
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt Failed.Arn
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: clicks
      ShardCount: 1
  Count:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Count
        States:
          Count:
            Type: Pass
            End: true
  PipeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  ClicksToCount:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt Clicks.Arn
      SourceParameters:
        KinesisStreamParameters: {StartingPosition: TRIM_HORIZON, BatchSize: 10}
        FilterCriteria:
          Filters: [{Pattern: '{"data": {"page": [{"prefix": "/shop"}]}}'}]
      Target: !Ref Count
      TargetParameters:
        InputTemplate: '{"page": <$.data.page>, "key": <$.partitionKey>}'
        StepFunctionStateMachineParameters: {InvocationType: REQUEST_RESPONSE}
"#;

/// One change as the function saw it: event name, new image's n, old image's n.
type Change = (String, Option<String>, Option<String>);

/// What the function saw: (item id, change) per record.
type Seen = Arc<Mutex<Vec<(String, Change)>>>;

struct Watcher {
    seen: Seen,
}

#[async_trait]
impl LocalHandler for Watcher {
    async fn invoke(&self, payload: Value, _: Context) -> Result<Value, Diagnostic> {
        let mut failures = Vec::new();
        for record in payload["Records"].as_array().into_iter().flatten() {
            let id = record["dynamodb"]["Keys"]["id"]["S"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let n = |image: &str| {
                record["dynamodb"][image]["n"]["N"]
                    .as_str()
                    .map(str::to_owned)
            };
            if id == "bad" {
                failures.push(json!({"itemIdentifier": record["dynamodb"]["SequenceNumber"]}));
                continue;
            }
            if !failures.is_empty() {
                // Records after a failure are not taken: Lambda resends them.
                continue;
            }
            let name = record["eventName"].as_str().unwrap_or("").to_owned();
            self.seen
                .lock()
                .expect("lock")
                .push((id, (name, n("NewImage"), n("OldImage"))));
        }
        Ok(json!({"batchItemFailures": failures}))
    }
}

struct Factory {
    seen: Seen,
}

impl HandlerFactory for Factory {
    fn build(&self, _: &template::Function, _: &World) -> Result<Arc<dyn LocalHandler>, String> {
        Ok(Arc::new(Watcher {
            seen: self.seen.clone(),
        }))
    }
}

fn start(seen: &Seen) -> (LocalCloud, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, TEMPLATE).expect("the template");
    let cloud = LocalCloud::start(
        CloudOptions::new(path),
        Arc::new(Factory { seen: seen.clone() }),
    )
    .expect("the template starts");
    (cloud, dir)
}

fn dynamodb(cloud: &Arc<CloudInner>, operation: &str, request: Value) {
    let Value::Object(map) = request else {
        unreachable!("an object")
    };
    orderly_local::server::dynamodb::dispatch(cloud, operation, &Input::from_map(map))
        .unwrap_or_else(|e| panic!("{operation}: {}", e.message));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_items_changes_reach_the_mapping_in_order_and_a_failed_one_is_set_aside() {
    let seen = Seen::default();
    let (cloud, _dir) = start(&seen);
    let inner = &cloud.inner;
    for round in 1..=3 {
        for id in ["a", "b", "c"] {
            dynamodb(
                inner,
                "PutItem",
                json!({"TableName": "carts", "Item": {"id": {"S": id}, "n": {"N": round.to_string()}}}),
            );
        }
        if round == 1 {
            dynamodb(
                inner,
                "PutItem",
                json!({"TableName": "carts", "Item": {"id": {"S": "bad"}}}),
            );
        }
    }
    dynamodb(
        inner,
        "DeleteItem",
        json!({"TableName": "carts", "Key": {"id": {"S": "b"}}}),
    );
    let failed = inner
        .sqs
        .queue_by_arn(&inner.model.queues["Failed"].arn)
        .expect("queue");
    let done = wait_until(inner, |_| {
        seen.lock().expect("lock").len() == 10 && failed.len() == 1
    })
    .await;
    let all = seen.lock().expect("lock").clone();
    assert!(done, "ten changes taken and the bad one set aside: {all:?}");
    let mut per_item: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for (id, change) in all {
        per_item.entry(id).or_default().push(change);
    }
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        per_item["b"],
        [
            ("INSERT".to_owned(), s("1"), None),
            ("MODIFY".to_owned(), s("2"), s("1")),
            ("MODIFY".to_owned(), s("3"), s("2")),
            ("REMOVE".to_owned(), None, s("3")),
        ],
        "each change once, in order, with both images"
    );
    assert_eq!(per_item["a"].len(), 3);
    let message = failed.receive(1).expect("a message");
    let record: Value = serde_json::from_str(&message[0].body).expect("JSON");
    assert_eq!(
        record["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(record["DDBStreamBatchInfo"]["batchSize"], 1);
    assert!(
        record["DDBStreamBatchInfo"]["streamArn"]
            .as_str()
            .is_some_and(|a| a.contains(":table/carts/stream/")),
        "{record}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_kinesis_pipe_runs_an_express_machine_with_its_records_data() {
    let seen = Seen::default();
    let (cloud, _dir) = start(&seen);
    let inner = &cloud.inner;
    let stream = inner.kinesis.stream("clicks").expect("the stream");
    for (i, page) in ["/shop/a", "/about", "/shop/b"].iter().enumerate() {
        let data = json!({"page": page}).to_string();
        stream
            .put(
                &format!("u-{i}"),
                None,
                Arc::from(data.as_bytes()),
                inner.clock.now_ms(),
            )
            .expect("put");
    }
    let machine = inner.model.state_machines["Count"].arn.clone();
    let ran = |c: &CloudInner| {
        c.executions()
            .iter()
            .any(|e| e.machine_arn == machine && e.result.is_some())
    };
    assert!(wait_until(inner, ran).await, "the machine ran");
    let runs: Vec<Value> = inner
        .executions()
        .into_iter()
        .filter(|e| e.machine_arn == machine)
        .map(|e| e.input.clone())
        .collect();
    assert_eq!(runs.len(), 1, "one batch: {runs:?}");
    assert_eq!(
        runs[0],
        json!([{"page": "/shop/a", "key": "u-0"}, {"page": "/shop/b", "key": "u-2"}]),
        "the filtered batch, each record through the template"
    );
}
