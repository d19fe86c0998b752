//! EventBridge Scheduler on `orderly serve`, driven by the real AWS CLI: schedules made,
//! read, listed and deleted; `rate()` and `at()` schedules delivering on the cloud's clock
//! with their context attributes; a one-time schedule deleting itself; an undeliverable
//! invocation dead-lettered with the attributes Scheduler sets.

use crate::serve_support;

use serde_json::{Value, json};
use serve_support::cli::{Cli, aws, is_service_error};
use serve_support::{Server, eventually};
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::000000000000:role/scheduler";

fn refused(cli: &Cli, code: &str, words: &str) {
    assert!(is_service_error(cli.code), "not refused: {}", cli.stdout);
    assert!(
        cli.stderr.contains(&format!("({code})")) && cli.stderr.contains(words),
        "expected {code} with {words:?}: {}",
        cli.stderr
    );
}

/// A queue of the template that no function reads (a dead-letter queue), by name: its
/// URL and ARN.
fn queue(server: &Server, name: &str) -> (String, String) {
    let url = aws(server, &["sqs", "get-queue-url", "--queue-name", name]).json()["QueueUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    (url, arn)
}

fn create(server: &Server, name: &str, expression: &str, target: &Value, extra: &[&str]) -> Cli {
    let mut args = vec![
        "scheduler",
        "create-schedule",
        "--name",
        name,
        "--schedule-expression",
        expression,
        "--flexible-time-window",
        "Mode=OFF",
    ];
    let target = target.to_string();
    args.extend(["--target", &target]);
    args.extend(extra);
    aws(server, &args)
}

fn receive(server: &Server, url: &str) -> Option<Value> {
    let got = aws(
        server,
        &[
            "sqs",
            "receive-message",
            "--queue-url",
            url,
            "--message-attribute-names",
            "All",
        ],
    );
    if got.stdout.trim().is_empty() {
        return None;
    }
    got.json()["Messages"].as_array()?.first().cloned()
}

#[test]
fn schedules_are_made_read_listed_and_deleted_and_deliver_on_the_clock() {
    let server = Server::start();
    let (url, arn) = queue(&server, "orderly-RulesDlq");
    let target = json!({
        "Arn": arn, "RoleArn": ROLE,
        "Input": r#"{"at": "<aws.scheduler.scheduled-time>", "by": "<aws.scheduler.schedule-arn>"}"#
    });
    let made = create(&server, "tick", "rate(1 minute)", &target, &[]).json();
    let schedule_arn = made["ScheduleArn"].as_str().unwrap().to_owned();
    assert_eq!(
        schedule_arn,
        "arn:aws:scheduler:us-east-1:000000000000:schedule/default/tick"
    );
    // A rate starts at once.
    let message = eventually("the first tick", Duration::from_secs(10), || {
        receive(&server, &url)
    });
    let body: Value = serde_json::from_str(message["Body"].as_str().unwrap()).unwrap();
    assert_eq!(body["by"], schedule_arn.as_str());
    assert!(body["at"].as_str().unwrap().ends_with('Z'), "{body}");

    refused(
        &create(&server, "tick", "rate(1 minute)", &target, &[]),
        "ConflictException",
        "tick",
    );
    let read = aws(&server, &["scheduler", "get-schedule", "--name", "tick"]).json();
    assert_eq!(read["ScheduleExpression"], "rate(1 minute)");
    assert_eq!(read["Target"]["RetryPolicy"]["MaximumRetryAttempts"], 185);
    let listed = aws(
        &server,
        &["scheduler", "list-schedules", "--name-prefix", "ti"],
    )
    .json();
    assert_eq!(listed["Schedules"][0]["Name"], "tick");
    let deleted = aws(&server, &["scheduler", "delete-schedule", "--name", "tick"]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    refused(
        &aws(&server, &["scheduler", "get-schedule", "--name", "tick"]),
        "ResourceNotFoundException",
        "Schedule tick does not exist.",
    );
    refused(
        &aws(&server, &["scheduler", "delete-schedule", "--name", "tick"]),
        "ResourceNotFoundException",
        "Schedule tick does not exist.",
    );

    for (expression, words) in [
        (
            "rate(0 minutes)",
            "Invalid Schedule Expression rate(0 minutes).",
        ),
        ("cron(0 9 * * MON *)", "Invalid Schedule Expression"),
        ("every day", "Invalid Schedule Expression"),
    ] {
        refused(
            &create(&server, "bad", expression, &target, &[]),
            "ValidationException",
            words,
        );
    }
    let not_json = json!({
        "Arn": "arn:aws:lambda:us-east-1:000000000000:function:orderly-AuditFunction",
        "RoleArn": ROLE, "Input": "not json"
    });
    refused(
        &create(&server, "bad-input", "rate(1 minute)", &not_json, &[]),
        "ValidationException",
        "well-formed JSON",
    );
    refused(
        &create(&server, "bad name", "rate(1 minute)", &target, &[]),
        "ValidationException",
        "[0-9a-zA-Z-_.]+",
    );
    refused(
        &create(
            &server,
            "zoned",
            "cron(0 9 * * ? *)",
            &target,
            &["--schedule-expression-timezone", "Mars/Olympus"],
        ),
        "ValidationException",
        "Mars/Olympus",
    );
    refused(
        &create(
            &server,
            "grouped",
            "rate(1 minute)",
            &target,
            &["--group-name", "nope"],
        ),
        "ResourceNotFoundException",
        "Schedule group nope does not exist.",
    );
}

#[test]
fn a_one_time_schedule_runs_once_then_goes_and_the_undeliverable_is_dead_lettered() {
    let server = Server::start();
    let (url, arn) = queue(&server, "orderly-RulesDlq");
    let (dlq_url, dlq_arn) = queue(&server, "orderly-FraudReviewDlq");
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let at = format!(
        "at({:04}-{:02}-{:02}T{:02}:{:02}:{:02})",
        soon.year(),
        u8::from(soon.month()),
        soon.day(),
        soon.hour(),
        soon.minute(),
        soon.second()
    );
    let target = json!({"Arn": arn, "RoleArn": ROLE, "Input": "{\"n\": \"<aws.scheduler.attempt-number>\"}"});
    create(
        &server,
        "once",
        &at,
        &target,
        &["--action-after-completion", "DELETE"],
    )
    .json();
    let message = eventually("the one-time run", Duration::from_secs(15), || {
        receive(&server, &url)
    });
    assert_eq!(message["Body"], r#"{"n": "1"}"#);
    eventually(
        "the schedule deleted itself",
        Duration::from_secs(5),
        || {
            let listed = aws(&server, &["scheduler", "list-schedules"]).json();
            listed["Schedules"].as_array()?.is_empty().then_some(())
        },
    );

    // A queue that does not exist: no retries allowed, so straight to the dead-letter queue.
    let missing = json!({
        "Arn": "arn:aws:sqs:us-east-1:000000000000:nowhere", "RoleArn": ROLE,
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Arn": dlq_arn}
    });
    create(&server, "lost", "rate(5 minutes)", &missing, &[]).json();
    let dead = eventually("the dead letter", Duration::from_secs(10), || {
        receive(&server, &dlq_url)
    });
    let attributes = &dead["MessageAttributes"];
    let attribute = |name: &str| {
        attributes[name]["StringValue"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        attribute("SCHEDULE_ARN"),
        "arn:aws:scheduler:us-east-1:000000000000:schedule/default/lost"
    );
    assert_eq!(
        attribute("TARGET_ARN"),
        "arn:aws:sqs:us-east-1:000000000000:nowhere"
    );
    assert_eq!(attribute("RETRY_ATTEMPTS"), "0");
    assert_eq!(
        attribute("EXHAUSTED_RETRY_CONDITION"),
        "MaximumRetryAttempts"
    );
    assert!(!attribute("ERROR_MESSAGE").is_empty());
    let body: Value = serde_json::from_str(dead["Body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["detail-type"], "Scheduled Event",
        "the default notification: {body}"
    );
}

#[test]
fn the_templates_schedule_and_schedule_rule_run_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.yaml");
    std::fs::write(
        &template,
        r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done:
            Type: Succeed
      Events:
        Every:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 minute)
            Input: '{"from": "ScheduleV2"}'
  Ticks:
    Type: AWS::SQS::Queue
  Ticker:
    Type: AWS::Scheduler::Schedule
    Properties:
      Name: ticker
      ScheduleExpression: rate(1 minute)
      FlexibleTimeWindow:
        Mode: "OFF"
      Target:
        Arn: !GetAtt Ticks.Arn
        RoleArn: arn:aws:iam::000000000000:role/scheduler
        Input: '{"from": "the schedule"}'
  EveryMinute:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 minute)
      Targets:
        - Id: ticks
          Arn: !GetAtt Ticks.Arn
"#,
    )
    .unwrap();
    let server = Server::start_with(&template);
    let (url, _) = queue(&server, "orderly-Ticks");
    let mut bodies: Vec<Value> = Vec::new();
    eventually("both ticks", Duration::from_secs(10), || {
        if let Some(message) = receive(&server, &url) {
            let receipt = message["ReceiptHandle"].as_str().unwrap().to_owned();
            aws(
                &server,
                &[
                    "sqs",
                    "delete-message",
                    "--queue-url",
                    &url,
                    "--receipt-handle",
                    &receipt,
                ],
            );
            bodies.push(serde_json::from_str(message["Body"].as_str().unwrap()).unwrap());
        }
        (bodies.len() >= 2).then_some(())
    });
    assert!(
        bodies.contains(&json!({"from": "the schedule"})),
        "{bodies:?}"
    );
    let scheduled = bodies
        .iter()
        .find(|b| b["detail-type"] == "Scheduled Event")
        .expect("the rule's Scheduled Event");
    assert_eq!(scheduled["source"], "aws.events");
    assert_eq!(
        scheduled["resources"],
        json!(["arn:aws:events:us-east-1:000000000000:rule/orderly-EveryMinute"])
    );
    assert_eq!(scheduled["detail"], json!({}));
    let listed = aws(&server, &["scheduler", "list-schedules"]).json();
    let names: Vec<&str> = listed["Schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["MachineEvery", "ticker"]);
    // The state machine's ScheduleV2 started an execution with its Input.
    let machine = "arn:aws:states:us-east-1:000000000000:stateMachine:orderly-Machine";
    let execution = eventually("the scheduled execution", Duration::from_secs(10), || {
        let listed = aws(
            &server,
            &[
                "stepfunctions",
                "list-executions",
                "--state-machine-arn",
                machine,
            ],
        )
        .json();
        listed["executions"].as_array()?.first().cloned()
    });
    let described = aws(
        &server,
        &[
            "stepfunctions",
            "describe-execution",
            "--execution-arn",
            execution["executionArn"].as_str().unwrap(),
        ],
    )
    .json();
    let input: Value = serde_json::from_str(described["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"from": "ScheduleV2"}));
}

/// request-approval schedules the order's reminder for four hours before the approval
/// times out; record-approval deletes it when the decision comes.
#[test]
fn an_order_waiting_for_approval_has_a_reminder_until_the_decision() {
    let server = Server::start();
    let put = |scenario: &str| {
        let file = format!("file://{}", serve_support::scenario(scenario).display());
        aws(&server, &["events", "put-events", "--entries", &file]).json();
    };
    put("approval-needed");
    let reminder = eventually("the reminder", Duration::from_secs(30), || {
        let listed = aws(&server, &["scheduler", "list-schedules"]).json();
        listed["Schedules"].as_array()?.first().cloned()
    });
    let name = reminder["Name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("reminder-"), "{name}");
    let schedule = aws(&server, &["scheduler", "get-schedule", "--name", &name]).json();
    assert_eq!(
        schedule["Target"]["Arn"],
        "arn:aws:events:us-east-1:000000000000:event-bus/orders-bus"
    );
    assert_eq!(
        schedule["Target"]["EventBridgeParameters"],
        json!({"DetailType": "ApprovalReminder", "Source": "com.approvals"})
    );
    assert_eq!(schedule["ActionAfterCompletion"], "DELETE");
    let input: Value = serde_json::from_str(schedule["Target"]["Input"].as_str().unwrap()).unwrap();
    assert_eq!(input["data"]["orderId"], "o-approval-1");
    assert_eq!(input["metadata"]["correlation-id"], "corr-approval-1");
    let expression = schedule["ScheduleExpression"].as_str().unwrap();
    let at = time::PrimitiveDateTime::parse(
        &expression["at(".len()..expression.len() - 1],
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .unwrap()
    .assume_utc();
    let hours = (at - time::OffsetDateTime::now_utc()).whole_minutes() as f64 / 60.0;
    assert!((19.9..=20.0).contains(&hours), "reminded in {hours} h");

    put("approval-decision");
    eventually("the reminder deleted", Duration::from_secs(30), || {
        let listed = aws(&server, &["scheduler", "list-schedules"]).json();
        listed["Schedules"].as_array()?.is_empty().then_some(())
    });
}
