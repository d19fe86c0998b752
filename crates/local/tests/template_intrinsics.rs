//! Each intrinsic function, short and long form, on small inline templates: the expression is
//! an Output's Value and the test reads the resolved output.

use std::collections::BTreeMap;
use std::path::Path;

use orderly_local::template::{LoadOptions, Model, load_str};

/// Resources, parameters, mappings and conditions every case can refer to.
const BASE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
  Threshold:
    Type: Number
    Default: 100
  Zones:
    Type: CommaDelimitedList
    Default: "a,b,c"
Mappings:
  Names:
    Service:
      Name: orderly-svc
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsNotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsNotProd, !Equals [!Ref Threshold, 100]]
  Either: !Or [!Condition IsProd, !Equals ["1", "2"]]
  LongForm:
    Fn::Equals: [{Ref: Stage}, dev]
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub bus-${Stage}
  Work:
    Type: AWS::SQS::Queue
  Ordered:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Named:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [named, !Ref Stage]]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  OnBus:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [x]}
      Targets: [{Id: t, Arn: !GetAtt Work.Arn}]
Outputs:
  Value:
    Value: EXPRESSION
"#;

fn load(expression: &str, overrides: &[(&str, &str)]) -> Result<Model, String> {
    let text = BASE.replace("EXPRESSION", expression);
    let options = LoadOptions {
        parameter_overrides: overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        ..LoadOptions::default()
    };
    load_str(&text, Path::new("."), &options).map_err(|e| e.to_string())
}

fn eval(expression: &str, overrides: &[(&str, &str)]) -> String {
    match load(expression, overrides) {
        Ok(model) => model.outputs["Value"].clone(),
        Err(e) => format!("ERROR: {e}"),
    }
}

/// (expression, parameter overrides, expected value)
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[test]
fn intrinsics_resolve_to_the_values_cloudformation_gives() {
    let sqs = "arn:aws:sqs:us-east-1:000000000000";
    let cases: &[Case] = &[
        // Ref: parameters (default and override) and pseudo parameters.
        ("!Ref Stage", &[], "dev"),
        ("!Ref Stage", &[("Stage", "prod")], "prod"),
        ("!Ref Threshold", &[], "100"),
        ("{Ref: Stage}", &[], "dev"),
        ("!Ref AWS::StackName", &[], "orderly"),
        ("!Ref AWS::Region", &[], "us-east-1"),
        ("!Ref AWS::AccountId", &[], "000000000000"),
        ("!Ref AWS::Partition", &[], "aws"),
        ("!Ref AWS::URLSuffix", &[], "amazonaws.com"),
        // Ref and GetAtt of resources.
        (
            "!Ref Work",
            &[],
            "http://localhost:4566/000000000000/orderly-Work",
        ),
        ("!GetAtt Work.Arn", &[], &format!("{sqs}:orderly-Work")),
        ("!GetAtt Work.QueueName", &[], "orderly-Work"),
        ("!GetAtt Ordered.QueueName", &[], "orderly-Ordered.fifo"),
        ("!GetAtt Named.Arn", &[], &format!("{sqs}:named-dev")),
        (
            "!GetAtt [Work, QueueUrl]",
            &[],
            "http://localhost:4566/000000000000/orderly-Work",
        ),
        (
            "{\"Fn::GetAtt\": [Work, Arn]}",
            &[],
            &format!("{sqs}:orderly-Work"),
        ),
        ("!Ref Bus", &[], "bus-dev"),
        (
            "!GetAtt Bus.Arn",
            &[],
            "arn:aws:events:us-east-1:000000000000:event-bus/bus-dev",
        ),
        ("!Ref Fn", &[], "orderly-Fn"),
        (
            "!GetAtt Fn.Arn",
            &[],
            "arn:aws:lambda:us-east-1:000000000000:function:orderly-Fn",
        ),
        (
            "!GetAtt FnRole.Arn",
            &[],
            "arn:aws:iam::000000000000:role/orderly-FnRole",
        ),
        (
            "!Ref Flow",
            &[],
            "arn:aws:states:us-east-1:000000000000:stateMachine:orderly-Flow",
        ),
        ("!GetAtt Flow.Name", &[], "orderly-Flow"),
        (
            "!GetAtt Items.Arn",
            &[],
            "arn:aws:dynamodb:us-east-1:000000000000:table/orderly-Items",
        ),
        (
            "!GetAtt OnBus.Arn",
            &[],
            "arn:aws:events:us-east-1:000000000000:rule/bus-dev/orderly-OnBus",
        ),
        ("!Ref OnBus", &[], "bus-dev|orderly-OnBus"),
        // Sub: pseudo parameters, parameters, resources, attributes, variables, literals.
        ("!Sub ${AWS::StackName}-${Stage}", &[], "orderly-dev"),
        (
            "!Sub \"${Work.Arn}/x\"",
            &[],
            &format!("{sqs}:orderly-Work/x"),
        ),
        ("!Sub \"${Fn}\"", &[], "orderly-Fn"),
        (
            "!Sub [\"${A}-${Stage}\", {A: !Ref Threshold}]",
            &[],
            "100-dev",
        ),
        ("!Sub \"${!Literal} ${Stage}\"", &[], "${Literal} dev"),
        ("{\"Fn::Sub\": \"${AWS::Region}\"}", &[], "us-east-1"),
        // Join, Select, Split, GetAZs, Base64, FindInMap.
        (
            "!Join [\":\", [a, !Ref Stage, !Ref Threshold]]",
            &[],
            "a:dev:100",
        ),
        ("!Join [\",\", !Ref Zones]", &[], "a,b,c"),
        ("{\"Fn::Join\": [\"\", [x, y]]}", &[], "xy"),
        ("!Select [1, [a, b, c]]", &[], "b"),
        ("!Select [\"2\", !Ref Zones]", &[], "c"),
        ("!Select [0, !Split [\"/\", \"left/right\"]]", &[], "left"),
        ("!Join [\"+\", !Split [\",\", \"1,2,3\"]]", &[], "1+2+3"),
        ("!Select [0, !GetAZs \"\"]", &[], "us-east-1a"),
        ("!Base64 hello", &[], "aGVsbG8="),
        ("!FindInMap [Names, Service, Name]", &[], "orderly-svc"),
        // If and the condition functions.
        ("!If [IsProd, big, small]", &[], "small"),
        ("!If [IsProd, big, small]", &[("Stage", "prod")], "big"),
        ("!If [IsNotProd, yes, no]", &[], "yes"),
        ("!If [Both, yes, no]", &[], "yes"),
        ("!If [Both, yes, no]", &[("Threshold", "7")], "no"),
        ("!If [Either, yes, no]", &[], "no"),
        ("!If [Either, yes, no]", &[("Stage", "prod")], "yes"),
        ("!If [LongForm, yes, no]", &[], "yes"),
        ("{\"Fn::If\": [IsProd, a, b]}", &[], "b"),
    ];
    let mut failures = Vec::new();
    for (expression, overrides, expected) in cases {
        let got = eval(expression, overrides);
        if got != *expected {
            failures.push(format!(
                "{expression} {overrides:?}: got {got:?}, expected {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn no_value_removes_a_property_and_its_default_applies() {
    let text = BASE.replace("EXPRESSION", "x").replace(
        "  Work:\n    Type: AWS::SQS::Queue\n",
        "  Work:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !If [IsProd, 120, !Ref AWS::NoValue]\n",
    );
    let dev = load_str(&text, Path::new("."), &LoadOptions::default()).unwrap();
    assert_eq!(dev.queues["Work"].visibility_timeout_secs, 30);
    let options = LoadOptions {
        parameter_overrides: BTreeMap::from([("Stage".to_owned(), "prod".to_owned())]),
        ..LoadOptions::default()
    };
    let prod = load_str(&text, Path::new("."), &options).unwrap();
    assert_eq!(prod.queues["Work"].visibility_timeout_secs, 120);
}

#[test]
fn globals_merge_into_every_function_and_the_function_wins() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: from-globals
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/a
      Timeout: 20
      Environment:
        Variables:
          OVERRIDDEN: from-function
          OWN: own
  B:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/b
"#;
    let model = load_str(text, Path::new("."), &LoadOptions::default()).unwrap();
    let a = &model.functions["A"];
    assert_eq!(a.timeout_secs, 20);
    assert_eq!(a.environment["SHARED"], "from-globals");
    assert_eq!(a.environment["OVERRIDDEN"], "from-function");
    assert_eq!(a.environment["OWN"], "own");
    let b = &model.functions["B"];
    assert_eq!(b.timeout_secs, 10);
    assert_eq!(b.environment.len(), 2);
    assert_eq!(b.memory_mb, 128, "Lambda's default");
    assert_eq!(
        b.binary, "b",
        "binary from CodeUri when Metadata names none"
    );
}

#[test]
fn eventbridge_rule_events_become_rules_targeting_the_function() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: b
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/h
      Events:
        OnThing:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [com.things]}
            InputPath: $.detail
            RetryPolicy: {MaximumRetryAttempts: 1}
            DeadLetterConfig: {Arn: !GetAtt Dlq.Arn}
"#;
    let model = load_str(text, Path::new("."), &LoadOptions::default()).unwrap();
    let rule = &model.rules["HandlerOnThing"];
    assert_eq!(rule.event_bus.as_deref(), Some("Bus"));
    assert_eq!(rule.event_pattern, r#"{"source":["com.things"]}"#);
    let target = &rule.targets[0];
    assert_eq!(target.target.logical_id, "Handler");
    assert_eq!(target.input_path.as_deref(), Some("$.detail"));
    assert_eq!(target.retry_policy.maximum_retry_attempts, 1);
    assert_eq!(
        target.retry_policy.maximum_event_age_secs, 86_400,
        "EventBridge default"
    );
    assert_eq!(
        target
            .dead_letter_queue
            .as_ref()
            .map(|d| d.logical_id.as_str()),
        Some("Dlq")
    );
}

/// A parameter passed through DefinitionSubstitutions reaches the definition, overrides
/// included.
#[test]
fn a_parameter_override_reaches_the_definition_through_a_substitution() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Limit:
    Type: Number
    Default: 100
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Check
        States:
          Check: {Type: Pass, Result: {limit: "${Limit}"}, End: true}
      DefinitionSubstitutions:
        Limit: !Ref Limit
"#;
    let limit = |overrides: &[(&str, &str)]| {
        let options = LoadOptions {
            parameter_overrides: overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..LoadOptions::default()
        };
        let model = load_str(text, Path::new("."), &options).unwrap_or_else(|e| panic!("{e}"));
        let definition: serde_json::Value =
            serde_json::from_str(&model.state_machines["Flow"].definition)
                .unwrap_or_else(|e| panic!("{e}"));
        definition["States"]["Check"]["Result"]["limit"].clone()
    };
    assert_eq!(limit(&[]), "100");
    assert_eq!(limit(&[("Limit", "5000")]), "5000");
}
