//! EventBridge Pipes run by the local cloud on virtual time:
//! - a table's stream through a filter and an input template to a bus, where a rule
//!   delivers what the pipe put;
//! - a queue through a filter on its JSON bodies to a FIFO queue, grouped by a path of each
//!   body;
//! - a table's stream to a function that fails on one record: `AUTOMATIC_BISECT` sets it
//!   apart, its neighbours go on in order, and after its retries the batch is described to
//!   the pipe's dead-letter queue.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use lambda_runtime::{Context, Diagnostic};
use orderly_local::runtime::lambda::LocalHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudInner, CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::scenarios::wait_until;
use orderly_local::server::wire::Input;
use orderly_local::sqs::SendMessage;
use orderly_local::template;
use serde_json::{Value, json};

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: notes
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  NotesBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: notes
  Published:
    Type: AWS::SQS::Queue
  PublishedRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref NotesBus
      EventPattern: {source: [com.notes], detail-type: [NoteCreated]}
      Targets: [{Id: q, Arn: !GetAtt Published.Arn}]
  PipeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Outbox:
    Type: AWS::Pipes::Pipe
    Properties:
      Name: notes-outbox
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt Notes.StreamArn
      SourceParameters:
        DynamoDBStreamParameters: {StartingPosition: TRIM_HORIZON, BatchSize: 10}
        FilterCriteria:
          Filters:
            - Pattern: '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["note"]}}}}'
      Target: !GetAtt NotesBus.Arn
      TargetParameters:
        InputTemplate: '{"id": <$.dynamodb.NewImage.id.S>, "text": <$.dynamodb.NewImage.text.S>, "pipe": <aws.pipes.pipe-name>}'
        EventBridgeEventBusParameters: {Source: com.notes, DetailType: NoteCreated}
  Inbox:
    Type: AWS::SQS::Queue
  Grouped:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Regroup:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt Inbox.Arn
      SourceParameters:
        SqsQueueParameters: {BatchSize: 5}
        FilterCriteria:
          Filters: [{Pattern: '{"body": {"keep": [true]}}'}]
      Target: !GetAtt Grouped.Arn
      TargetParameters:
        SqsQueueParameters: {MessageGroupId: $.body.orderId}
  Poisonable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: poisonable
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: KEYS_ONLY}
  Dead:
    Type: AWS::SQS::Queue
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/handler
      Handler: bootstrap
      Runtime: provided.al2023
  ToHandler:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt Poisonable.StreamArn
      SourceParameters:
        DynamoDBStreamParameters:
          StartingPosition: TRIM_HORIZON
          BatchSize: 8
          MaximumRetryAttempts: 1
          OnPartialBatchItemFailure: AUTOMATIC_BISECT
          DeadLetterConfig: {Arn: !GetAtt Dead.Arn}
      Target: !GetAtt Handler.Arn
"#;

/// The ids of every batch the function was handed.
type Seen = Arc<Mutex<Vec<Vec<String>>>>;

struct Handler {
    seen: Seen,
}

#[async_trait]
impl LocalHandler for Handler {
    async fn invoke(&self, payload: Value, _: Context) -> Result<Value, Diagnostic> {
        // A pipe hands a function the batch as an array of records.
        let ids: Vec<String> = payload
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                r["dynamodb"]["Keys"]["id"]["S"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        let poison = ids.iter().any(|id| id == "poison");
        self.seen.lock().expect("lock").push(ids);
        if poison {
            return Err(Diagnostic {
                error_type: "Poison".into(),
                error_message: "cannot take this record".into(),
            });
        }
        Ok(json!({}))
    }
}

struct Factory {
    seen: Seen,
}

impl HandlerFactory for Factory {
    fn build(&self, _: &template::Function, _: &World) -> Result<Arc<dyn LocalHandler>, String> {
        Ok(Arc::new(Handler {
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

fn put(cloud: &Arc<CloudInner>, table: &str, item: Value) {
    let Value::Object(request) = json!({"TableName": table, "Item": item}) else {
        unreachable!("an object")
    };
    orderly_local::server::dynamodb::dispatch(cloud, "PutItem", &Input::from_map(request))
        .expect("PutItem");
}

fn bodies(cloud: &Arc<CloudInner>, queue: &str) -> Vec<Value> {
    let queue = cloud
        .sqs
        .queue_by_arn(&cloud.model.queues[queue].arn)
        .expect("the queue");
    let mut out = Vec::new();
    loop {
        let got = queue.receive(10).expect("receive");
        if got.is_empty() {
            return out;
        }
        for m in got {
            out.push(serde_json::from_str(&m.body).unwrap_or(Value::String(m.body.clone())));
            let _ = queue.delete(&m.receipt_handle);
        }
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_tables_inserts_reach_the_bus_through_the_filter_and_template() {
    let seen = Seen::default();
    let (cloud, _dir) = start(&seen);
    let inner = &cloud.inner;
    for i in 0..12 {
        let kind = if i % 3 == 0 { "draft" } else { "note" };
        put(
            inner,
            "notes",
            json!({"id": {"S": format!("n-{i}")}, "kind": {"S": kind}, "text": {"S": format!("text {i}")}}),
        );
    }
    // A change to a note is a MODIFY, which the filter drops.
    put(
        inner,
        "notes",
        json!({"id": {"S": "n-1"}, "kind": {"S": "note"}, "text": {"S": "edited"}}),
    );
    let published = inner
        .sqs
        .queue_by_arn(&inner.model.queues["Published"].arn)
        .expect("queue");
    assert!(
        wait_until(inner, |_| published.len() >= 8).await,
        "eight notes published"
    );
    let events = bodies(inner, "Published");
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["detail"]["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        ["n-1", "n-2", "n-4", "n-5", "n-7", "n-8", "n-10", "n-11"],
        "inserts of notes, in order, once"
    );
    assert_eq!(
        events[0]["detail"]["text"], "text 1",
        "the insert, not the edit"
    );
    assert_eq!(events[0]["detail"]["pipe"], "notes-outbox");
    assert_eq!(events[0]["source"], "com.notes");
    assert_eq!(events[0]["detail-type"], "NoteCreated");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_queue_feeds_a_fifo_queue_grouped_by_a_path_of_each_body() {
    let seen = Seen::default();
    let (cloud, _dir) = start(&seen);
    let inner = &cloud.inner;
    let inbox = inner
        .sqs
        .queue_by_arn(&inner.model.queues["Inbox"].arn)
        .expect("queue");
    for i in 0..9 {
        let body = json!({"orderId": format!("o-{}", i % 3), "step": i, "keep": i != 4});
        inbox
            .send(SendMessage::new(body.to_string()))
            .expect("sent");
    }
    inbox.send(SendMessage::new("not json")).expect("sent");
    let grouped = inner
        .sqs
        .queue_by_arn(&inner.model.queues["Grouped"].arn)
        .expect("queue");
    assert!(
        wait_until(inner, |_| grouped.len() >= 8 && inbox.is_empty()).await,
        "eight kept, the rest dropped"
    );
    let got = grouped.receive(10).expect("receive");
    assert_eq!(
        got.len(),
        8,
        "the filtered message and the text one are gone"
    );
    for m in &got {
        let body: Value = serde_json::from_str(&m.body).expect("the record as JSON");
        let order = &body["body"]; // the SQS record, its body still text
        assert!(order.is_string());
        let inner_body: Value =
            serde_json::from_str(order.as_str().unwrap_or("")).expect("JSON body");
        assert_eq!(
            m.attributes.get("MessageGroupId").map(String::as_str),
            inner_body["orderId"].as_str()
        );
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_poison_record_is_bisected_out_and_its_neighbours_go_on() {
    let seen = Seen::default();
    let (cloud, _dir) = start(&seen);
    let inner = &cloud.inner;
    for id in ["a", "b", "c", "poison", "d", "e", "f"] {
        put(inner, "poisonable", json!({"id": {"S": id}}));
    }
    let dead = inner
        .sqs
        .queue_by_arn(&inner.model.queues["Dead"].arn)
        .expect("queue");
    let done = wait_until(inner, |_| {
        let handled: Vec<String> = seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|b| !b.iter().any(|id| id == "poison"))
            .flatten()
            .cloned()
            .collect();
        handled.len() == 6 && dead.len() == 1
    })
    .await;
    let batches = seen.lock().expect("lock").clone();
    assert!(done, "six handled and the poison set aside: {batches:?}");
    let handled: Vec<String> = batches
        .iter()
        .filter(|b| !b.iter().any(|id| id == "poison"))
        .flatten()
        .cloned()
        .collect();
    assert_eq!(
        handled,
        ["a", "b", "c", "d", "e", "f"],
        "once each, in order"
    );
    let record = bodies(inner, "Dead").remove(0);
    assert_eq!(record["context"]["condition"], "RetryAttemptsExhausted");
    assert!(
        record["context"]["partnerResourceArn"]
            .as_str()
            .unwrap_or("")
            .contains(":pipe/")
    );
    assert_eq!(record["DDBStreamBatchInfo"]["batchSize"], 1);
}
