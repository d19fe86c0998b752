//! Schedules in the template: `AWS::Scheduler::Schedule`, SAM `ScheduleV2` events and
//! rules with a `ScheduleExpression`, read and checked as the APIs would check them.

use std::path::Path;

use orderly_local::template::{LoadOptions, Model, load_str};

fn load(template: &str) -> Result<Model, String> {
    load_str(template, Path::new("."), &LoadOptions::default()).map_err(|e| e.to_string())
}

const FUNCTION: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/audit
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: SCHEDULE
            ScheduleExpressionTimezone: Europe/Brussels
            Input: '{"hello": "world"}'
            RetryPolicy:
              MaximumRetryAttempts: 3
"#;

#[test]
fn a_schedule_v2_event_is_a_schedule_of_its_function() {
    let model = load(&FUNCTION.replace("SCHEDULE", "cron(0 9 ? * MON-FRI *)")).unwrap();
    let schedule = &model.schedules["FnTick"];
    assert_eq!(schedule.name, "FnTick");
    let target = &schedule.body["Target"];
    assert_eq!(target["Arn"], model.functions["Fn"].arn.as_str());
    assert_eq!(
        target["RoleArn"],
        "arn:aws:iam::000000000000:role/orderly-FnTickRole"
    );
    assert_eq!(target["RetryPolicy"]["MaximumRetryAttempts"], 3);
    assert_eq!(schedule.body["FlexibleTimeWindow"]["Mode"], "OFF");
    assert_eq!(
        schedule.body["ScheduleExpressionTimezone"],
        "Europe/Brussels"
    );
}

#[test]
fn a_schedule_the_api_would_refuse_fails_the_load_naming_it() {
    let error = load(&FUNCTION.replace("SCHEDULE", "cron(0 9 * * MON *)")).unwrap_err();
    assert!(
        error.contains("Events.Tick") && error.contains("Invalid Schedule Expression"),
        "{error}"
    );
}

#[test]
fn a_scheduler_schedule_and_a_schedule_rule_are_read() {
    let template = r#"
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: cron(0 2 * * ? *)
      FlexibleTimeWindow:
        Mode: FLEXIBLE
        MaximumWindowInMinutes: 30
      StartDate: "2026-12-01T00:00:00Z"
      Target:
        Arn: !GetAtt Queue.Arn
        RoleArn: arn:aws:iam::000000000000:role/scheduler
  Every:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(5 minutes)
      Targets:
        - Id: q
          Arn: !GetAtt Queue.Arn
"#;
    let model = load(template).unwrap();
    let nightly = &model.schedules["Nightly"];
    assert_eq!(nightly.name, "orderly-Nightly");
    assert_eq!(
        nightly.body["Target"]["Arn"],
        model.queues["Queue"].arn.as_str()
    );
    let rule = &model.rules["Every"];
    assert_eq!(rule.schedule_expression.as_deref(), Some("rate(5 minutes)"));
    assert!(rule.event_pattern.is_empty());

    for (bad, words) in [
        (
            "rate(1 minutes)",
            "Parameter ScheduleExpression is not valid.",
        ),
        (
            "at(2026-12-24T18:00:00)",
            "Parameter ScheduleExpression is not valid.",
        ),
    ] {
        let error = load(&template.replace("rate(5 minutes)", bad)).unwrap_err();
        assert!(
            error.contains("Every") && error.contains(words),
            "{bad}: {error}"
        );
    }
    let window =
        load(&template.replace("MaximumWindowInMinutes: 30", "MaximumWindowInMinutes: 3000"))
            .unwrap_err();
    assert!(
        window.contains("Nightly") && window.contains("1440"),
        "{window}"
    );
}

#[test]
fn a_state_machines_schedule_v2_starts_it() {
    let template = r#"
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
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 3 * * ? *)
            Input: '{"from": "the schedule"}'
"#;
    let model = load(template).unwrap();
    let schedule = &model.schedules["MachineNightly"];
    assert_eq!(
        schedule.body["Target"]["Arn"],
        model.state_machines["Machine"].arn.as_str()
    );
    let other = load(&template.replace("ScheduleV2", "Schedule")).unwrap_err();
    assert!(
        other.contains("state machine event source Schedule"),
        "{other}"
    );
}
