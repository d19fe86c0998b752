//! What the local cloud cannot run fails at load, naming the resource and the property.

use std::path::Path;

use orderly_local::template::{LoadOptions, TemplateError, load_str};

const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\n";

fn error_of(body: &str) -> String {
    match load_str(
        &format!("{HEAD}{body}"),
        Path::new("."),
        &LoadOptions::default(),
    ) {
        Ok(_) => "loaded".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unsupported_and_invalid_templates_fail_with_the_place_named() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "HTTP API authorizer",
            "Resources:\n  OrdersApi:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth: {DefaultAuthorizer: X}\n",
            "OrdersApi.Properties.Auth: unsupported",
        ),
        (
            "HTTP API IAM authorizer not enabled",
            "Resources:\n  OrdersApi:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth: {DefaultAuthorizer: AWS_IAM}\n",
            "OrdersApi.Properties.Auth.DefaultAuthorizer: AWS_IAM needs EnableIamAuthorizer: true",
        ),
        (
            "HTTP API JWT authorizers",
            "Resources:\n  OrdersApi:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth: {Authorizers: {}}\n",
            "OrdersApi.Properties.Auth.Authorizers: unsupported",
        ),
        (
            "function layers",
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Layers: [arn:aws:lambda:us-east-1:1:layer:x:1]\n",
            "Fn.Properties.Layers: unsupported",
        ),
        (
            "function without local code",
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      InlineCode: x\n",
            "Fn.Properties.InlineCode: unsupported",
        ),
        (
            "unknown event source",
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        Kafka:\n          Type: MSK\n          Properties: {Stream: x}\n",
            "Fn.Properties.Events.Kafka.Type: unsupported (event source MSK)",
        ),
        (
            "Kinesis event of a stream outside the template",
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        Stream:\n          Type: Kinesis\n          Properties: {Stream: x, StartingPosition: LATEST}\n",
            "Fn.Properties.Events.Stream.Properties.Stream: unsupported (x is not a queue, function, state machine, event bus or stream of this template)",
        ),
        (
            "Kinesis parallelization past 10",
            "Resources:\n  S:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        S:\n          Type: Kinesis\n          Properties: {Stream: !GetAtt S.Arn, StartingPosition: LATEST, ParallelizationFactor: 11}\n",
            "Fn.Properties.Events.S.Properties.ParallelizationFactor: 11: expected 1 to 10",
        ),
        (
            "Kinesis record age under a minute",
            "Resources:\n  S:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        S:\n          Type: Kinesis\n          Properties: {Stream: !GetAtt S.Arn, StartingPosition: LATEST, MaximumRecordAgeInSeconds: 30}\n",
            "Fn.Properties.Events.S.Properties.MaximumRecordAgeInSeconds: expected -1, or 60 to 604800",
        ),
        (
            "Kinesis filter criteria",
            "Resources:\n  S:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        S:\n          Type: Kinesis\n          Properties: {Stream: !GetAtt S.Arn, StartingPosition: LATEST, FilterCriteria: {Filters: []}}\n",
            "Fn.Properties.Events.S.Properties.FilterCriteria: unsupported",
        ),
        (
            "SQS filter criteria",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        E:\n          Type: SQS\n          Properties: {Queue: !GetAtt Q.Arn, FilterCriteria: {}}\n",
            "Fn.Properties.Events.E.Properties.FilterCriteria: unsupported",
        ),
        (
            "event source on a queue outside the template",
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Events:\n        E:\n          Type: SQS\n          Properties: {Queue: arn:aws:sqs:us-east-1:1:elsewhere}\n",
            "Fn.Properties.Events.E.Properties.Queue: unsupported",
        ),
        (
            "resource type",
            "Resources:\n  Box:\n    Type: AWS::EC2::Instance\n",
            "Box.Type: unsupported (resource type AWS::EC2::Instance)",
        ),
        (
            "scheduled rule with an invalid schedule",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Tick:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(1 minutes)\n      Targets: [{Id: q, Arn: !GetAtt Q.Arn}]\n",
            "Tick.Properties.ScheduleExpression: Parameter ScheduleExpression is not valid.",
        ),
        (
            "rule with neither a pattern nor a schedule",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Tick:\n    Type: AWS::Events::Rule\n    Properties:\n      Targets: [{Id: q, Arn: !GetAtt Q.Arn}]\n",
            "Tick.Properties.EventPattern: a rule needs an EventPattern or a ScheduleExpression",
        ),
        (
            "rule target the local cloud does not run",
            "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern: {source: [x]}\n      Targets: [{Id: t, Arn: !Ref T}]\n",
            "R.Properties.Targets[0].Arn: unsupported",
        ),
        (
            "rule target parameters",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern: {source: [x]}\n      Targets: [{Id: t, Arn: !GetAtt Q.Arn, HttpParameters: {}}]\n",
            "R.Properties.Targets[0].HttpParameters: unsupported",
        ),
        (
            "dead-letter config naming a function",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: f}\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern: {source: [x]}\n      Targets: [{Id: t, Arn: !GetAtt Q.Arn, DeadLetterConfig: {Arn: !GetAtt Fn.Arn}}]\n",
            "R.Properties.Targets[0].DeadLetterConfig.Arn: unsupported",
        ),
        (
            "SNS destination",
            "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      EventInvokeConfig:\n        DestinationConfig:\n          OnFailure: {Type: SNS, Destination: !Ref T}\n",
            "Fn.Properties.EventInvokeConfig.DestinationConfig.OnFailure.Type: unsupported",
        ),
        (
            "table stream of no view type",
            "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]\n      KeySchema: [{AttributeName: k, KeyType: HASH}]\n      StreamSpecification: {StreamViewType: NEW}\n",
            "T.Properties.StreamSpecification.StreamViewType: NEW is not one of KEYS_ONLY",
        ),
        (
            "a pipe with six filters",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  P:\n    Type: AWS::Pipes::Pipe\n    Properties:\n      RoleArn: r\n      Source: !GetAtt Q.Arn\n      Target: !GetAtt Q.Arn\n      SourceParameters:\n        FilterCriteria:\n          Filters: [{Pattern: '{\"a\": [1]}'}, {Pattern: '{\"a\": [1]}'}, {Pattern: '{\"a\": [1]}'}, {Pattern: '{\"a\": [1]}'}, {Pattern: '{\"a\": [1]}'}, {Pattern: '{\"a\": [1]}'}]\n",
            "P.Properties.SourceParameters.FilterCriteria.Filters: 6 filters; a pipe takes at most 5",
        ),
        (
            "a pipe filter longer than 4096 characters",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  P:\n    Type: AWS::Pipes::Pipe\n    Properties:\n      RoleArn: r\n      Source: !GetAtt Q.Arn\n      Target: !GetAtt Q.Arn\n      SourceParameters:\n        FilterCriteria:\n          Filters: [{Pattern: '{\"a\": [\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]}'}]\n",
            "longer than 4096 characters",
        ),
        (
            "a pipe to a Kinesis stream",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  K:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: 1\n  P:\n    Type: AWS::Pipes::Pipe\n    Properties:\n      RoleArn: r\n      Source: !GetAtt Q.Arn\n      Target: !GetAtt K.Arn\n",
            "P.Properties.Target: unsupported",
        ),
        (
            "a bus policy condition the local cloud cannot evaluate",
            "Resources:\n  B:\n    Type: AWS::Events::EventBus\n    Properties: {Name: b}\n  P:\n    Type: AWS::Events::EventBusPolicy\n    Properties:\n      EventBusName: b\n      StatementId: s\n      Statement: {Effect: Deny, Principal: '*', Action: 'events:PutEvents', Condition: {NumericLessThan: {x: 1}}}\n",
            "P.Properties.Statement.Statement[0].Condition.NumericLessThan: the local cloud evaluates the String, Arn and Null condition operators only",
        ),
        (
            "a bus policy statement without a principal",
            "Resources:\n  B:\n    Type: AWS::Events::EventBus\n    Properties:\n      Name: b\n      Policy: {Statement: [{Effect: Allow, Action: 'events:PutEvents'}]}\n",
            "B.Properties.Policy.Statement[0]: a resource policy statement needs a Principal",
        ),
        (
            "import from another stack",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !ImportValue other-queue\n",
            "Q.Properties.QueueName.Fn::ImportValue: unsupported",
        ),
        (
            "unknown attribute",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  X:\n    Value: !GetAtt Q.Colour\n",
            "unsupported (attribute Colour of Q (AWS::SQS::Queue))",
        ),
        (
            "reference to nothing",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nowhere\n",
            "Q.Properties.QueueName.Ref: reference to unknown parameter or resource Nowhere",
        ),
        (
            "a name that depends on itself",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub \"${Q.QueueName}-x\"\n",
            "circular dependency through the name of Q",
        ),
        (
            "reference to a resource its condition leaves out",
            "Conditions:\n  Never: !Equals [a, b]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: Never\n  R:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt Q.QueueName\n",
            "refers to Q, which its Condition Never leaves out",
        ),
        (
            "unknown Globals section",
            "Globals:\n  Queue: {VisibilityTimeout: 1}\nResources: {}\n",
            "Globals.Queue: unsupported",
        ),
        (
            "unknown tag",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Frobnicate x\n",
            "unknown tag !Frobnicate",
        ),
        (
            "parameter without a value",
            "Parameters:\n  Needed: {Type: String}\nResources: {}\n",
            "parameter Needed: has no value",
        ),
        (
            "parameter outside its pattern",
            "Parameters:\n  Mail: {Type: String, Default: nope, AllowedPattern: \"^[^@]+@[^@]+$\", ConstraintDescription: an e-mail address}\nResources: {}\n",
            "parameter Mail: \"nope\" does not match AllowedPattern: an e-mail address",
        ),
        (
            "parameter below its minimum",
            "Parameters:\n  N: {Type: Number, Default: 0, MinValue: 1}\nResources: {}\n",
            "parameter N: 0 is below MinValue 1",
        ),
        (
            "another transform",
            "Transform: [AWS::Serverless-2016-10-31, Custom::Macro]\nResources: {}\n",
            "Transform: unsupported (transform Custom::Macro)",
        ),
    ];
    let mut failures = Vec::new();
    for (what, body, expected) in cases {
        let body = if body.starts_with("Transform:") {
            // Replace the default transform line rather than adding a second key.
            let got = match load_str(body, Path::new("."), &LoadOptions::default()) {
                Ok(_) => "loaded".to_owned(),
                Err(e) => e.to_string(),
            };
            if !got.contains(expected) {
                failures.push(format!("{what}: got {got:?}, expected {expected:?}"));
            }
            continue;
        } else {
            body
        };
        let got = error_of(body);
        if !got.contains(expected) {
            failures.push(format!("{what}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn aws_only_properties_and_resources_are_accepted() {
    let body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: true\n      Tags: [{Key: a, Value: b}]\n  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      Anything: goes\n      Even: !ImportValue elsewhere\n";
    let model = load_str(
        &format!("{HEAD}{body}"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.not_emulated.len(), 1);
    assert_eq!(model.not_emulated[0].logical_id, "Alarm");
}

#[test]
fn a_missing_state_machine_file_is_named() {
    let body = "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: statemachines/missing.asl.json\n";
    let dir = tempfile::tempdir().unwrap();
    let err = load_str(
        &format!("{HEAD}{body}"),
        dir.path(),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, TemplateError::Invalid { .. }));
    let text = err.to_string();
    assert!(
        text.starts_with("Flow.Properties.DefinitionUri: cannot read"),
        "{text}"
    );
}

#[test]
fn a_definition_that_is_not_json_after_substitution_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flow.json"), r#"{"StartAt": ${Missing}}"#).unwrap();
    let body = "Resources:\n  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: flow.json\n      DefinitionSubstitutions: {Other: x}\n";
    let err = load_str(
        &format!("{HEAD}{body}"),
        dir.path(),
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("Flow.Properties.DefinitionSubstitutions") && err.contains("not JSON"),
        "{err}"
    );
}

/// A function of the template whose CodeUri holds no crate stops the cloud at start,
/// naming the function, its CodeUri and what the directory must hold. (A crate there that
/// the local cloud does not link would be built and run as a process.)
#[test]
fn a_function_no_crate_builds_is_named_with_what_to_add() {
    use orderly_local::runtime::handlers::OrderlyHandlers;
    use orderly_local::runtime::{CloudOptions, LocalCloud};
    use std::sync::Arc;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let template = dir.path().join("template.yaml");
    std::fs::write(
        &template,
        format!(
            "{HEAD}Resources:\n  LoyaltyPointsFunction:\n    Type: AWS::Serverless::Function\n    \
             Properties:\n      CodeUri: functions/loyalty-points\n      Handler: bootstrap\n      \
             Runtime: provided.al2023\n"
        ),
    )
    .expect("the template is written");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let error = runtime.block_on(async {
        match LocalCloud::start(CloudOptions::new(template), Arc::new(OrderlyHandlers)) {
            Ok(_) => "started".to_owned(),
            Err(e) => e.to_string(),
        }
    });
    for part in [
        "LoyaltyPointsFunction.Properties.CodeUri",
        "no crate at",
        "functions/loyalty-points",
        "the directory of a crate",
    ] {
        assert!(error.contains(part), "{part} is not in: {error}");
    }
}
