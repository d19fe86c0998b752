//! The consumer's block of `template.yaml`: its table (if it keeps one), its function, and
//! its unit of `units/event-queue.yaml`, which makes its queue, dead-letter queue, rule,
//! log group, alarms and dashboard. Inserted as one block at the end of `Resources`.

use super::{ConsumerSpec, Names, ScaffoldError};

/// The block's text.
pub(super) fn block(names: &Names, spec: &ConsumerSpec, source: &str, version: &str) -> String {
    let Names {
        name,
        pascal,
        table_variable,
        function_id,
        table_id,
        ..
    } = names;
    let event = &spec.event;
    let mut text = format!("  # {} {name}\n", "-".repeat(64));
    text.push_str(&format!(
        "  # A consumer of {event} (orderly new consumer; docs/adding-a-consumer.md): its\n  \
         # function and its unit (units/event-queue.yaml), which makes its queue and\n  \
         # dead-letter queue, the rule that feeds it, its log group, alarms and dashboard.\n"
    ));
    if spec.table {
        text.push_str(&format!(
            r#"  {table_id}:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_119
            comment: Encrypted at rest with the AWS managed key alias/aws/dynamodb (SSEEnabled true); a customer managed key adds cost and no control this table needs.
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: orderId
          AttributeType: S
      KeySchema:
        - AttributeName: orderId
          KeyType: HASH
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
      SSESpecification:
        SSEEnabled: true

"#
        ));
    }
    let (table_variable, table_policy) = if spec.table {
        (
            format!("          {table_variable}: !Ref {table_id}\n"),
            format!(
                r#"        # One record per order: read and written, nothing else.
        - Statement:
            - Sid: OwnTable
              Effect: Allow
              Action:
                - dynamodb:GetItem
                - dynamodb:PutItem
              Resource: !GetAtt {table_id}.Arn
"#
            ),
        )
    } else {
        (String::new(), String::new())
    };
    text.push_str(&format!(
        r#"  {function_id}:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: {name}
      checkov:
        skip:
          - id: CKV_AWS_116
            comment: SQS failures go to the queue's dead-letter queue (units/event-queue.yaml).
          - id: CKV_AWS_117
            comment: Calls only AWS APIs; a VPC would add NAT cost and no isolation.
          - id: CKV_AWS_115
            comment: Bounded by the SQS event's MaximumConcurrency instead of carving up the account pool.
          - id: CKV_AWS_173
            comment: Environment holds resource names only, no secrets.
    Properties:
      CodeUri: functions/{name}
      # The name its unit's alarms and dashboard watch ({pascal}.Outputs.FunctionName).
      FunctionName: !Sub ${{AWS::StackName}}-{name}
      Description: "SQS consumer of {event}."
      LoggingConfig:
        LogGroup: !GetAtt {pascal}.Outputs.LogGroupName
      Environment:
        Variables:
{table_variable}          IDEMPOTENCY_TABLE: !Ref IdempotencyTable
      Policies:
{table_policy}        # The idempotency engine's item operations, on its own records only: every
        # record key starts with the function's name (orderly_core::idempotency::record_key).
        - Statement:
            - Sid: OwnIdempotencyRecords
              Effect: Allow
              Action:
                - dynamodb:GetItem
                - dynamodb:PutItem
                - dynamodb:UpdateItem
                - dynamodb:DeleteItem
              Resource: !GetAtt IdempotencyTable.Arn
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys:
                    - {name}#*
      Events:
        {pascal}QueueMessages:
          Type: SQS
          Properties:
            Queue: !GetAtt {pascal}.Outputs.QueueArn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig:
              MaximumConcurrency: 2

  {pascal}:
    Type: AWS::Serverless::Application
    Properties:
      Location: units/event-queue.yaml
      Parameters:
        BusName: !Ref OrdersBus
        RuleDescription: {event} events (version {version}) go to {name} through its queue.
        EventPattern: '{{"source": ["{source}"], "detail-type": ["{event}"], "detail": {{"metadata": {{"event-version": ["{version}"]}}}}}}'
        TargetId: {name}-queue
        RulesDlqArn: !GetAtt RulesDlq.Arn
        AlarmTopicArn: !Ref AlarmTopic
        OldestMessageAgeAlarmSeconds: !Ref OldestMessageAgeAlarmSeconds
        ParentStackName: !Ref AWS::StackName
        Consumer: {name}
        LogRetentionDays: !Ref LogRetentionDays
"#
    ));
    text
}

/// `template` with `block` at the end of its `Resources` (before the next top-level key),
/// refusing when a logical id of the block is taken.
pub(super) fn insert(template: &str, names: &Names, block: &str) -> Result<String, ScaffoldError> {
    for id in [&names.pascal, &names.function_id, &names.table_id] {
        if template.lines().any(|line| line == format!("  {id}:")) {
            return Err(ScaffoldError::Exists(format!(
                "resource {id} of template.yaml"
            )));
        }
    }
    let lines: Vec<&str> = template.lines().collect();
    let start = lines
        .iter()
        .position(|line| *line == "Resources:")
        .ok_or_else(|| ScaffoldError::Template("no top-level Resources:".to_owned()))?;
    let end = lines[start + 1..]
        .iter()
        .position(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map_or(lines.len(), |i| start + 1 + i);
    // After the last resource line, before the blank lines that end the section.
    let mut at = end;
    while at > start + 1 && lines[at - 1].trim().is_empty() {
        at -= 1;
    }
    let mut out: Vec<String> = lines[..at].iter().map(|l| (*l).to_owned()).collect();
    out.push(String::new());
    out.extend(block.trim_end().lines().map(str::to_owned));
    out.extend(lines[at..].iter().map(|l| (*l).to_owned()));
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}
