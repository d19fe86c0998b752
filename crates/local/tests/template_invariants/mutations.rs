//! Each check can fail: every test here feeds a check a copy of the template with one thing
//! taken away and expects the gap named, so no check passes because it found nothing to look
//! at.

use serde_json::{Value, json};

use crate::iam::{NO_RESOURCE_LEVEL_PERMISSIONS, policy_problems};
use crate::logs::{function_log_problems, log_group_problems};
use crate::monitoring::{alarm_dimensions, alarm_problems, dashboard_problems};
use crate::queues::dead_letter_problems;
use crate::tables::table_problems;
use crate::template::{
    ALARM, DASHBOARD, FUNCTION, LOG_GROUP, QUEUE, ROLE, SIMPLE_TABLE, STATE_MACHINE, TABLE,
    of_type, reference, template,
};

/// The first resource of `kind` for which `pick` holds: the tests below take what the
/// template has rather than naming a resource.
fn first(t: &Value, kind: &str, pick: impl Fn(&str, &Value) -> bool) -> String {
    of_type(t, kind)
        .find(|(id, p)| pick(id, p))
        .map(|(id, _)| id.to_owned())
        .unwrap_or_else(|| panic!("the template has no {kind} to take"))
}

fn properties_mut<'a>(t: &'a mut Value, id: &str) -> &'a mut serde_json::Map<String, Value> {
    t["Resources"][id]["Properties"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("{id} has no Properties"))
}

/// Whether one of `problems` names `id` (as a whole word) and says `what`.
fn names(problems: &[String], id: &str, what: &str) -> bool {
    problems.iter().any(|p| {
        p.contains(what)
            && p.match_indices(id).any(|(at, _)| {
                let after = p[at + id.len()..].chars().next();
                let before = p[..at].chars().next_back();
                !after.is_some_and(|c| c.is_ascii_alphanumeric())
                    && !before.is_some_and(|c| c.is_ascii_alphanumeric())
            })
    })
}

/// The alarms whose dimensions name `id`.
fn alarms_on(t: &Value, id: &str) -> Vec<String> {
    of_type(t, ALARM)
        .filter(|(_, alarm)| {
            alarm_dimensions(alarm)
                .iter()
                .any(|(_, value)| reference(value).is_some_and(|(r, _)| r == id))
        })
        .map(|(alarm, _)| alarm.to_owned())
        .collect()
}

/// The text of each dashboard's body, to edit.
fn dashboard_texts(t: &mut Value) -> Vec<&mut String> {
    let ids: Vec<String> = of_type(t, DASHBOARD).map(|(id, _)| id.to_owned()).collect();
    let mut texts = Vec::new();
    let resources = t["Resources"].as_object_mut().expect("Resources");
    for (id, resource) in resources.iter_mut() {
        if !ids.contains(id) {
            continue;
        }
        let body = &mut resource["Properties"]["DashboardBody"];
        let text = match body {
            Value::String(_) => body,
            _ => match &mut body["Fn::Sub"] {
                Value::Array(parts) => &mut parts[0],
                sub => sub,
            },
        };
        if let Value::String(text) = text {
            texts.push(text);
        }
    }
    texts
}

#[test]
fn a_queue_without_a_dead_letter_queue_is_named() {
    let t = template();
    assert_eq!(dead_letter_problems(&t), Vec::<String>::new());
    let queue = first(&t, QUEUE, |_, p| !p["RedrivePolicy"].is_null());

    let mut without = t.clone();
    properties_mut(&mut without, &queue).remove("RedrivePolicy");
    let found = dead_letter_problems(&without);
    assert!(
        names(&found, &queue, "has no dead-letter queue"),
        "{found:#?}"
    );

    let mut elsewhere = t.clone();
    properties_mut(&mut elsewhere, &queue)["RedrivePolicy"]["deadLetterTargetArn"] =
        json!({"Fn::GetAtt": ["NoSuchQueue", "Arn"]});
    let found = dead_letter_problems(&elsewhere);
    assert!(names(&found, &queue, "NoSuchQueue"), "{found:#?}");

    let mut by_url = t.clone();
    let dlq =
        reference(&t["Resources"][&queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
            .expect("the redrive names its queue")
            .0
            .to_owned();
    properties_mut(&mut by_url, &queue)["RedrivePolicy"]["deadLetterTargetArn"] =
        json!({"Ref": dlq});
    let found = dead_letter_problems(&by_url);
    assert!(names(&found, &queue, "by its ARN"), "{found:#?}");

    let mut uncounted = t.clone();
    properties_mut(&mut uncounted, &queue)["RedrivePolicy"]
        .as_object_mut()
        .expect("RedrivePolicy")
        .remove("maxReceiveCount");
    let found = dead_letter_problems(&uncounted);
    assert!(names(&found, &queue, "no maxReceiveCount"), "{found:#?}");
}

#[test]
fn a_queue_or_function_without_an_alarm_is_named() {
    let t = template();
    for (kind, noun) in [
        (QUEUE, "queue"),
        (FUNCTION, "function"),
        (STATE_MACHINE, "state machine"),
    ] {
        let id = first(&t, kind, |id, _| !alarms_on(&t, id).is_empty());
        let mut without = t.clone();
        let all = without["Resources"].as_object_mut().expect("Resources");
        for alarm in alarms_on(&t, &id) {
            all.remove(&alarm);
        }
        let found = alarm_problems(&without);
        assert!(
            names(&found, &id, &format!("{noun} {id} has no alarm")),
            "{found:#?}"
        );
        assert_eq!(found.len(), 1, "only {id} lost its alarms: {found:#?}");
    }

    // An alarm on the queue's URL (`!Ref`) watches no queue: the dimension is its name.
    let queue = first(&t, QUEUE, |id, _| !alarms_on(&t, id).is_empty());
    let mut by_url = t.clone();
    for alarm in alarms_on(&t, &queue) {
        for dimension in properties_mut(&mut by_url, &alarm)["Dimensions"]
            .as_array_mut()
            .expect("Dimensions")
        {
            if dimension["Name"] == "QueueName" {
                dimension["Value"] = json!({"Ref": queue});
            }
        }
    }
    let found = alarm_problems(&by_url);
    assert!(
        names(&found, &queue, &format!("!GetAtt {queue}.QueueName")),
        "{found:#?}"
    );
}

#[test]
fn a_queue_or_function_missing_from_the_dashboard_is_named() {
    let t = template();
    for (kind, noun, value) in [
        (QUEUE, "queue", "${ID.QueueName}"),
        (FUNCTION, "function", "${ID}"),
    ] {
        let id = first(&t, kind, |_, _| true);
        let mention = format!("\"{}\"", value.replace("ID", &id));
        let mut without = t.clone();
        let mut removed = 0;
        for text in dashboard_texts(&mut without) {
            removed += text.matches(&mention).count();
            *text = text.replace(&mention, "\"gone\"");
        }
        assert!(removed > 0, "no dashboard shows {mention}");
        let found = dashboard_problems(&without);
        assert!(
            names(&found, &id, &format!("{noun} {id} is on no dashboard")),
            "{found:#?}"
        );
        assert_eq!(found.len(), 1, "only {id} left the dashboard: {found:#?}");
    }

    let mut unreadable = t.clone();
    for text in dashboard_texts(&mut unreadable) {
        text.insert_str(0, "not json ");
    }
    let found = dashboard_problems(&unreadable);
    assert!(
        found.iter().any(|p| p.contains("is not JSON")),
        "{found:#?}"
    );

    let mut none = t.clone();
    none["Resources"]
        .as_object_mut()
        .expect("Resources")
        .retain(|_, r| r["Type"] != DASHBOARD);
    let queue = first(&t, QUEUE, |_, _| true);
    let found = dashboard_problems(&none);
    assert!(
        names(&found, &queue, "of which the template has none"),
        "{found:#?}"
    );
}

#[test]
fn a_function_without_its_log_group_or_retention_is_named() {
    let t = template();
    let function = first(&t, FUNCTION, |_, p| {
        reference(&p["LoggingConfig"]["LogGroup"]).is_some()
    });
    let group = reference(&t["Resources"][&function]["Properties"]["LoggingConfig"]["LogGroup"])
        .expect("LoggingConfig.LogGroup")
        .0
        .to_owned();

    let mut forever = t.clone();
    properties_mut(&mut forever, &group).remove("RetentionInDays");
    let found = function_log_problems(&forever);
    assert!(
        names(
            &found,
            &function,
            &format!("log group {group} has no RetentionInDays")
        ),
        "{found:#?}"
    );

    let mut unlogged = t.clone();
    properties_mut(&mut unlogged, &function)["LoggingConfig"]
        .as_object_mut()
        .expect("LoggingConfig")
        .remove("LogGroup");
    let found = function_log_problems(&unlogged);
    assert!(names(&found, &function, "has no log group"), "{found:#?}");

    // Lambda's default group, declared by name, is the function's group too.
    properties_mut(&mut unlogged, &group)["LogGroupName"] =
        json!({"Fn::Sub": format!("/aws/lambda/${{{function}}}")});
    assert_eq!(function_log_problems(&unlogged), Vec::<String>::new());

    let mut elsewhere = t.clone();
    properties_mut(&mut elsewhere, &function)["LoggingConfig"]["LogGroup"] =
        json!({"Ref": "NoSuchLogGroup"});
    let found = function_log_problems(&elsewhere);
    assert!(names(&found, &function, "NoSuchLogGroup"), "{found:#?}");
}

#[test]
fn a_log_group_without_retention_is_named() {
    let t = template();
    assert_eq!(log_group_problems(&t), Vec::<String>::new());
    let group = first(&t, LOG_GROUP, |_, _| true);
    let mut forever = t.clone();
    properties_mut(&mut forever, &group).remove("RetentionInDays");
    let found = log_group_problems(&forever);
    assert!(
        names(&found, &group, "has no RetentionInDays"),
        "{found:#?}"
    );
}

#[test]
fn a_wildcard_grant_is_named() {
    let t = template();
    let function = first(&t, FUNCTION, |_, p| p["Policies"].is_array());
    let with = |policy: Value| {
        let mut t = t.clone();
        properties_mut(&mut t, &function)["Policies"]
            .as_array_mut()
            .expect("Policies")
            .push(policy);
        policy_problems(&t)
    };
    let statement = |action: Value, resource: Value| {
        json!({"Statement": [
            {"Sid": "Added", "Effect": "Allow", "Action": action, "Resource": resource}
        ]})
    };
    let own_table = json!({"Fn::GetAtt": ["SomeTable", "Arn"]});

    let found = with(statement(json!("*"), own_table.clone()));
    assert!(
        names(&found, &function, "wildcard action \"*\""),
        "{found:#?}"
    );
    let found = with(statement(json!(["dynamodb:*"]), own_table.clone()));
    assert!(
        names(&found, &function, "wildcard action \"dynamodb:*\""),
        "{found:#?}"
    );
    let found = with(statement(json!("dynamodb:GetItem"), json!("*")));
    assert!(
        names(
            &found,
            &function,
            "[\"dynamodb:GetItem\"] on Resource \"*\""
        ),
        "{found:#?}"
    );
    let found = with(statement(
        json!(["logs:CreateLogDelivery", "sqs:SendMessage"]),
        json!(["*"]),
    ));
    assert!(
        names(&found, &function, "[\"sqs:SendMessage\"] on Resource \"*\""),
        "only the action with resource-level permissions is named: {found:#?}"
    );
    let found =
        with(json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}));
    assert!(names(&found, &function, "uses NotAction"), "{found:#?}");
    let found = with(json!("AmazonDynamoDBFullAccess"));
    assert!(
        names(&found, &function, "managed policy AmazonDynamoDBFullAccess"),
        "{found:#?}"
    );
    let found = with(json!({"S3FullAccessPolicy": {"BucketName": "b"}}));
    assert!(names(&found, &function, "S3FullAccessPolicy"), "{found:#?}");
    let found = with(json!({"DynamoDBCrudPolicy": {"TableName": "*"}}));
    assert!(names(&found, &function, "a wildcard"), "{found:#?}");

    // What least privilege allows: actions without resource-level permissions on "*", and
    // any denial.
    let allowed = [
        statement(json!(NO_RESOURCE_LEVEL_PERMISSIONS), json!("*")),
        json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
    ];
    for policy in allowed {
        assert_eq!(with(policy.clone()), Vec::<String>::new(), "{policy}");
    }

    // A role's inline policy is held to the same rule.
    let role = first(&t, ROLE, |_, p| p["Policies"].is_array());
    let mut wide = t.clone();
    properties_mut(&mut wide, &role)["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array_mut()
        .expect("Statement")
        .push(json!({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}));
    let found = policy_problems(&wide);
    assert!(names(&found, &role, "on Resource \"*\""), "{found:#?}");
}

#[test]
fn a_table_without_point_in_time_recovery_or_encryption_is_named() {
    let t = template();
    let table = first(&t, TABLE, |_, _| true);

    let mut unrecoverable = t.clone();
    properties_mut(&mut unrecoverable, &table).remove("PointInTimeRecoverySpecification");
    let found = table_problems(&unrecoverable);
    assert!(
        names(&found, &table, "no point-in-time recovery"),
        "{found:#?}"
    );

    let mut disabled = t.clone();
    let recovery = &mut properties_mut(&mut disabled, &table)["PointInTimeRecoverySpecification"];
    recovery["PointInTimeRecoveryEnabled"] = json!(false);
    let found = table_problems(&disabled);
    assert!(
        names(&found, &table, "no point-in-time recovery"),
        "{found:#?}"
    );

    let mut unencrypted = t.clone();
    properties_mut(&mut unencrypted, &table).remove("SSESpecification");
    let found = table_problems(&unencrypted);
    assert!(
        names(&found, &table, "no server-side encryption"),
        "{found:#?}"
    );
    properties_mut(&mut unencrypted, &table)
        .insert("SSESpecification".to_owned(), json!({"SSEEnabled": false}));
    let found = table_problems(&unencrypted);
    assert!(
        names(&found, &table, "no server-side encryption"),
        "{found:#?}"
    );

    let mut simple = t.clone();
    simple["Resources"]["Simple"] = json!({
        "Type": SIMPLE_TABLE,
        "Properties": {"SSESpecification": {"SSEEnabled": true}}
    });
    let found = table_problems(&simple);
    assert!(
        names(&found, "Simple", "cannot enable point-in-time recovery"),
        "{found:#?}"
    );
}
