//! A bus rule that puts every order event on a Kinesis stream keyed by order id, and a
//! function fed from the stream by an event source mapping, run by the local cloud on
//! virtual time: each order's events reach the function once and in order, and a poison
//! event is split out and described to the on-failure queue while its neighbours go on.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use lambda_runtime::{Context, Diagnostic};
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::lambda::LocalHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::scenarios::wait_until;
use orderly_local::template;
use serde_json::{Value, json};

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: orders
  OrderStream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: order-stream
      ShardCount: 3
      StreamModeDetails:
        StreamMode: PROVISIONED
  ToStream:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref OrdersBus
      EventPattern:
        source: [orderly.orders]
      Targets:
        - Id: stream
          Arn: !GetAtt OrderStream.Arn
          KinesisParameters:
            PartitionKeyPath: $.detail.data.orderId
  StreamFailures:
    Type: AWS::SQS::Queue
  AnalyticsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/order-analytics
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Orders:
          Type: Kinesis
          Properties:
            Stream: !GetAtt OrderStream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 8
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 1
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt StreamFailures.Arn
"#;

/// Every batch the function was handed: (partition key, detail-type, step) per record.
type Seen = Arc<Mutex<Vec<Vec<(String, String, u64)>>>>;

struct Analytics {
    seen: Seen,
}

#[async_trait]
impl LocalHandler for Analytics {
    async fn invoke(&self, payload: Value, _: Context) -> Result<Value, Diagnostic> {
        let mut batch = Vec::new();
        for record in payload["Records"].as_array().into_iter().flatten() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(record["kinesis"]["data"].as_str().unwrap_or_default())
                .unwrap_or_default();
            let event: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            batch.push((
                record["kinesis"]["partitionKey"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                event["detail-type"].as_str().unwrap_or_default().to_owned(),
                event["detail"]["data"]["step"].as_u64().unwrap_or(0),
            ));
        }
        let poison = batch.iter().any(|(_, kind, _)| kind == "Poison");
        self.seen.lock().expect("lock").push(batch);
        if poison {
            return Err(Diagnostic {
                error_type: "PoisonRecord".into(),
                error_message: "cannot count this event".into(),
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
        Ok(Arc::new(Analytics {
            seen: self.seen.clone(),
        }))
    }
}

fn entry(order: &str, kind: &str, step: u64) -> PutEventsEntry {
    PutEventsEntry {
        source: Some("orderly.orders".into()),
        detail_type: Some(kind.into()),
        detail: Some(json!({"data": {"orderId": order, "step": step}}).to_string()),
        event_bus_name: Some("orders".into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn order_events_reach_the_stream_consumer_in_order_and_a_poison_one_is_set_aside() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, TEMPLATE).expect("the template");
    let seen = Seen::default();
    let cloud = LocalCloud::start(
        CloudOptions::new(path),
        Arc::new(Factory { seen: seen.clone() }),
    )
    .expect("the template starts");
    let inner = &cloud.inner;
    let kinds = ["OrderPlaced", "OrderConfirmed", "OrderShipped"];
    let mut entries = Vec::new();
    for step in 0..3u64 {
        for order in 0..12 {
            entries.push(entry(&format!("o-{order}"), kinds[step as usize], step));
        }
    }
    entries.insert(17, entry("o-5", "Poison", 99));
    for chunk in entries.chunks(10) {
        for result in inner.put_events(chunk) {
            assert!(result.error_code.is_none(), "{result:?}");
        }
    }
    let failures = inner
        .sqs
        .queue_by_arn(&inner.model.queues["StreamFailures"].arn)
        .expect("the queue");
    let all_in = wait_until(inner, |_| {
        let handled: usize = seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|b| !b.iter().any(|(_, k, _)| k == "Poison"))
            .map(Vec::len)
            .sum();
        handled == 36 && failures.len() == 1
    })
    .await;
    let batches = seen.lock().expect("lock").clone();
    assert!(
        all_in,
        "36 events handled and the poison set aside: {batches:?}"
    );
    let mut per_order: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for batch in batches
        .iter()
        .filter(|b| !b.iter().any(|(_, k, _)| k == "Poison"))
    {
        assert!(batch.len() <= 8);
        for (key, _, step) in batch {
            per_order.entry(key.clone()).or_default().push(*step);
        }
    }
    assert_eq!(per_order.len(), 12);
    for (order, steps) in &per_order {
        assert_eq!(steps, &[0, 1, 2], "{order}: each event once, in order");
    }
    let poison_alone = batches
        .iter()
        .filter(|b| b.len() == 1 && b[0].1 == "Poison")
        .count();
    assert_eq!(poison_alone, 2, "tried alone, then retried once");
    let message = failures.receive(1).expect("a message");
    let record: Value = serde_json::from_str(&message[0].body).expect("JSON");
    assert_eq!(
        record["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(record["KinesisBatchInfo"]["batchSize"], 1);
    assert_eq!(
        record["KinesisBatchInfo"]["streamArn"],
        "arn:aws:kinesis:us-east-1:000000000000:stream/order-stream"
    );
}
