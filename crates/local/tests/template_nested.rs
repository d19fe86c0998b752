//! Nested applications (`AWS::Serverless::Application` with a local `Location`): the
//! child's resources join the parent's under the application's id, its parameters bound,
//! its conditions and `AWS::StackName` its own, its outputs read by the parent; and the
//! inlined resources run (an event put on the parent's bus reaches the unit's queue).

use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::{CloudOptions, LocalCloud};
use orderly_local::template::{self, LoadOptions, TemplateError};
use std::path::Path;
use std::sync::Arc;

const UNIT: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Description: A queue fed by a rule on a bus, with its dead-letter queue.
Parameters:
  BusName: {Type: String}
  DetailType: {Type: String}
  Retention: {Type: Number, Default: 345600}
  Tier: {Type: String, Default: standard, AllowedValues: [standard, premium]}
Conditions:
  IsPremium: !Equals [!Ref Tier, premium]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-${DetailType}"
      MessageRetentionPeriod: !Ref Retention
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
  Dlq:
    Type: AWS::SQS::Queue
  PremiumQueue:
    Type: AWS::SQS::Queue
    Condition: IsPremium
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref BusName
      EventPattern: {detail-type: [!Ref DetailType]}
      Targets: [{Id: queue, Arn: !GetAtt Queue.Arn}]
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: events.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition: {ArnEquals: {aws:SourceArn: !GetAtt Rule.Arn}}
Outputs:
  QueueArn: {Value: !GetAtt Queue.Arn}
  QueueName: {Value: !GetAtt Queue.QueueName}
"#;

const PARENT: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: orders-bus}
  Confirmed:
    Type: AWS::Serverless::Application
    Properties:
      Location: units/unit.yaml
      Parameters: {BusName: !Ref Bus, DetailType: OrderConfirmed}
  Shipped:
    Type: AWS::Serverless::Application
    Properties:
      Location: units/unit.yaml
      Parameters: {BusName: !Ref Bus, DetailType: ShipmentCreated, Tier: premium}
  Watcher:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "watcher-of-${Confirmed.Outputs.QueueName}"
Outputs:
  ConfirmedQueueArn:
    Value: !GetAtt Confirmed.Outputs.QueueArn
"#;

/// A directory holding `template.yaml` (`parent`) and `units/unit.yaml` (`unit`).
fn stack(parent: &str, unit: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("units")).expect("units/");
    std::fs::write(dir.path().join("template.yaml"), parent).expect("template");
    std::fs::write(dir.path().join("units/unit.yaml"), unit).expect("unit");
    dir
}

fn load(dir: &Path) -> Result<template::Model, TemplateError> {
    template::load(&dir.join("template.yaml"), &LoadOptions::default())
}

#[test]
fn a_unit_used_twice_gives_two_sets_of_resources_with_their_own_parameters() {
    let dir = stack(PARENT, UNIT);
    let model = load(dir.path()).expect("the stack loads");

    // A parameter's text is a value: a `${…}` in it is not read as a placeholder.
    let odd = stack(
        &PARENT.replace(
            "DetailType: OrderConfirmed",
            "DetailType: \"a${AWS::Region}\"",
        ),
        UNIT,
    );
    let model_odd = load(odd.path()).expect("the stack loads");
    assert_eq!(
        model_odd.queues["ConfirmedQueue"].name,
        "orderly-Confirmed-a${AWS::Region}"
    );

    let confirmed = &model.queues["ConfirmedQueue"];
    assert_eq!(confirmed.name, "orderly-Confirmed-OrderConfirmed");
    assert_eq!(
        model.queues["ShippedQueue"].name,
        "orderly-Shipped-ShipmentCreated"
    );
    assert!(model.queues.contains_key("ConfirmedDlq"));
    assert!(
        model.queues.contains_key("ShippedPremiumQueue"),
        "Tier premium"
    );
    assert!(
        !model.queues.contains_key("ConfirmedPremiumQueue"),
        "Tier standard"
    );
    assert!(
        model
            .excluded_by_condition
            .contains(&"ConfirmedPremiumQueue".to_owned())
    );

    let rule = &model.rules["ConfirmedRule"];
    assert_eq!(rule.event_bus_name, "orders-bus");
    assert!(
        rule.event_pattern.contains("OrderConfirmed"),
        "{}",
        rule.event_pattern
    );
    assert_eq!(rule.targets[0].target.logical_id, "ConfirmedQueue");
    assert!(
        model.rules["ShippedRule"]
            .event_pattern
            .contains("ShipmentCreated")
    );

    assert_eq!(
        model.queues["Watcher"].name, "watcher-of-orderly-Confirmed-OrderConfirmed",
        "an output read in a Sub of the parent"
    );
    assert_eq!(model.outputs["ConfirmedQueueArn"], confirmed.arn);

    // What the local cloud does not run is renamed too: the queue policy's condition
    // names its own unit's rule.
    let raw = template::yaml::parse(PARENT).expect("parent parses");
    let flat = template::inline_nested(&raw, dir.path()).expect("inlined");
    let statement =
        &flat["Resources"]["ShippedQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"],
        serde_json::json!({"Fn::GetAtt": ["ShippedRule", "Arn"]})
    );
    assert_eq!(
        flat["Resources"]["ShippedQueuePolicy"]["Properties"]["Queues"],
        serde_json::json!([{"Ref": "ShippedQueue"}])
    );
    assert!(
        flat["Resources"].get("Shipped").is_none(),
        "the application itself is gone"
    );
}

#[tokio::test]
async fn an_event_on_the_parents_bus_reaches_the_units_queue() {
    let dir = stack(PARENT, UNIT);
    let cloud = LocalCloud::start(
        CloudOptions::new(dir.path().join("template.yaml")),
        Arc::new(OrderlyHandlers),
    )
    .expect("the stack starts");
    let results = cloud.inner.put_events(&[PutEventsEntry {
        source: Some("com.orders".into()),
        detail_type: Some("OrderConfirmed".into()),
        detail: Some(r#"{"orderId": "o-1"}"#.into()),
        event_bus_name: Some("orders-bus".into()),
        ..Default::default()
    }]);
    assert!(results[0].error_code.is_none(), "{results:?}");
    let depth = |name: &str| cloud.inner.sqs.queue(name).expect("queue").len();
    for _ in 0..500 {
        if depth("orderly-Confirmed-OrderConfirmed") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(depth("orderly-Confirmed-OrderConfirmed"), 1);
    assert_eq!(depth("orderly-Shipped-ShipmentCreated"), 0);
}

#[test]
fn what_a_unit_cannot_be_given_is_named() {
    let error = |parent: &str, unit: &str| {
        load(stack(parent, unit).path())
            .expect_err("the stack must not load")
            .to_string()
    };

    let no_bus = PARENT.replace(
        "BusName: !Ref Bus, DetailType: OrderConfirmed",
        "DetailType: X",
    );
    let found = error(&no_bus, UNIT);
    assert!(found.contains("Confirmed.BusName"), "{found}");

    let gold = PARENT.replace("Tier: premium", "Tier: gold");
    let found = error(&gold, UNIT);
    assert!(
        found.contains("Shipped.Tier") && found.contains("gold"),
        "{found}"
    );

    let unknown = PARENT.replace("Confirmed.Outputs.QueueArn", "Confirmed.Outputs.Nope");
    let found = error(&unknown, UNIT);
    assert!(found.contains("output Nope of Confirmed"), "{found}");

    let extra = PARENT.replace(
        "DetailType: OrderConfirmed}",
        "DetailType: OrderConfirmed, Colour: red}",
    );
    let found = error(&extra, UNIT);
    assert!(found.contains("declares no parameter Colour"), "{found}");

    // A device is not a template: refused at once, not read without end.
    let device = PARENT.replace("units/unit.yaml", "/dev/zero");
    let found = error(&device, UNIT);
    assert!(found.contains("/dev/zero is not a file"), "{found}");
    let huge = format!("{UNIT}# {}\n", "x".repeat(1024 * 1024));
    let found = error(PARENT, &huge);
    assert!(found.contains("larger than the 1048576 bytes"), "{found}");

    let missing = PARENT.replace("units/unit.yaml", "units/none.yaml");
    let found = error(&missing, UNIT);
    assert!(found.contains("units/none.yaml"), "{found}");

    let repository = PARENT.replace(
        "Location: units/unit.yaml",
        "Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x, SemanticVersion: 1.0.0}",
    );
    let found = error(&repository, UNIT);
    assert!(
        found.contains("Serverless Application Repository"),
        "{found}"
    );

    // A unit that holds itself never ends: the depth bound names it.
    let recursive = format!(
        "{UNIT}  Again:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: unit.yaml\n      Parameters: {{BusName: x, DetailType: y}}\n"
    )
    .replace("Outputs:\n  QueueArn: {Value: !GetAtt Queue.Arn}\n  QueueName: {Value: !GetAtt Queue.QueueName}\n", "");
    let recursive = recursive.replacen(
        "Resources:\n",
        "Outputs:\n  QueueArn: {Value: x}\n  QueueName: {Value: y}\nResources:\n",
        1,
    );
    let found = error(PARENT, &recursive);
    assert!(found.contains("nested more than 5 deep"), "{found}");
}
