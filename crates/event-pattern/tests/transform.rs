//! Input transformers, with the examples of the EventBridge user guide ("Amazon EventBridge
//! input transformation") and the API reference.

use event_pattern::{InputTransformer, TargetInput, TransformError, transform_input};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const EVENT: &str = r#"{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"detail":{"instance-id":"i-0123456789","state":"RUNNING","tags":{"team":"a \"quoted\" name"}}}"#;
const RULE: &str = "example";
const ARN: &str = "arn:aws:events:us-east-2:123456789012:rule/example";

fn transformer(template: &str) -> TargetInput {
    let mut map = BTreeMap::new();
    for (k, v) in [
        ("timestamp", "$.time"),
        ("instance", "$.detail.instance-id"),
        ("state", "$.detail.state"),
        ("detail", "$.detail"),
        ("team", "$.detail.tags.team"),
        ("missing", "$.detail.nothing"),
        ("resource", "$.resources[0]"),
    ] {
        map.insert(k.to_owned(), v.to_owned());
    }
    TargetInput::InputTransformer(InputTransformer {
        input_paths_map: map,
        input_template: template.to_owned(),
    })
}

fn apply(template: &str) -> String {
    transform_input(&transformer(template), EVENT, RULE, ARN).expect("transforms")
}

/// The user guide's table is in `transform_docs.rs`, with the guide's own event; here, a
/// plain-text template and an array index on this file's event.
#[test]
fn text_templates_and_array_indices() {
    assert_eq!(
        apply("<instance> is in state <state>"),
        "i-0123456789 is in state RUNNING"
    );
    assert_eq!(
        apply(r#"{"first": <resource>}"#),
        r#"{"first": "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}"#
    );
}

#[test]
fn predefined_variables_carry_rule_and_event() {
    let out = apply(
        r#"{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "original": <aws.events.event>, "full": <aws.events.event.json>}"#,
    );
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    let event: Value = serde_json::from_str(EVENT).expect("event");
    assert_eq!(v["ruleArn"], ARN);
    assert_eq!(v["ruleName"], RULE);
    assert_eq!(v["at"], "2015-11-11T21:29:54Z");
    assert_eq!(v["full"], event);
    // aws.events.event is the event without its detail.
    assert_eq!(v["original"]["id"], event["id"]);
    assert!(v["original"].get("detail").is_none());
}

#[test]
fn substituted_strings_are_not_escaped_and_objects_in_strings_lose_quotes() {
    // "EventBridge doesn't escape values extracted by Input Path, when populating the Input
    // Template for a target" (user guide, eb-transform-target-input, "Common Issues"): a
    // value with quotes placed inside quotes is not escaped there. Outside quotes a string
    // is quoted ("EventBridge automatically adds quotes to string variable values ... to
    // ensure the transformation output is valid JSON"), so it is escaped as JSON.
    let out = apply(r#"{"team": "<team>", "raw": <team>, "detail": "<detail>"}"#);
    assert_eq!(
        out,
        r#"{"team": "a "quoted" name", "raw": "a \"quoted\" name", "detail": "{instance-id:i-0123456789,state:RUNNING,tags:{team:a \quoted\ name}}"}"#
    );
}

#[test]
fn a_missing_path_leaves_its_variable_out() {
    // "If you specify a variable to match a JSON path that doesn't exist in the event, that
    // variable isn't created and won't appear in the output": nothing in text; where a
    // JSON value goes, the empty string EventBridge delivers.
    assert_eq!(apply(r#""value: <missing>.""#), r#""value: .""#);
    assert_eq!(apply("value: <missing>."), "value: .");
    let v: Value =
        serde_json::from_str(&apply(r#"{"m": <missing>, "s": "<missing>"}"#)).expect("json");
    assert_eq!(v, json!({"m": "", "s": ""}));
}

#[test]
fn undefined_placeholders_are_refused() {
    // PutTargets refuses a template with a placeholder InputPathsMap does not define
    // ("InputTemplate for target … contains invalid placeholder …"); `<` that opens no
    // placeholder is text.
    assert!(matches!(
        transform_input(&transformer(r#""a <b> c <state>""#), EVENT, RULE, ARN),
        Err(TransformError::InvalidConfig(m)) if m.contains("invalid placeholder b")
    ));
    assert_eq!(apply(r#""1 < 2 <> <state>""#), r#""1 < 2 <> RUNNING""#);
}

#[test]
fn input_path_and_constant_input_and_no_config() {
    let detail = transform_input(
        &TargetInput::InputPath("$.detail.state".into()),
        EVENT,
        RULE,
        ARN,
    );
    assert_eq!(detail.expect("path"), r#""RUNNING""#);
    let obj = transform_input(&TargetInput::InputPath("$.detail".into()), EVENT, RULE, ARN)
        .expect("path");
    let event: Value = serde_json::from_str(EVENT).expect("event");
    assert_eq!(
        serde_json::from_str::<Value>(&obj).expect("json"),
        event["detail"]
    );
    let constant = transform_input(
        &TargetInput::Input(r#"{"fixed": 1}"#.into()),
        EVENT,
        RULE,
        ARN,
    );
    assert_eq!(constant.expect("input"), r#"{"fixed": 1}"#);
    assert_eq!(
        transform_input(&TargetInput::Event, EVENT, RULE, ARN).expect("event"),
        EVENT
    );
}

#[test]
fn invalid_configurations_are_refused() {
    let bad_template = |t: &str| transform_input(&transformer(t), EVENT, RULE, ARN);
    let bad = [
        bad_template(r#"{"a": <state>"#),
        bad_template(r#"{<state>: 1}"#),
        bad_template(r#"{"<state>": 1}"#),
        bad_template(""),
        transform_input(&TargetInput::Input("not json".into()), EVENT, RULE, ARN),
        transform_input(&TargetInput::InputPath("detail".into()), EVENT, RULE, ARN),
        transform_input(
            &TargetInput::InputTransformer(InputTransformer {
                input_paths_map: BTreeMap::from([("aws.events.rule-name".into(), "$.id".into())]),
                input_template: "<aws.events.rule-name>".into(),
            }),
            EVENT,
            RULE,
            ARN,
        ),
        transform_input(
            &TargetInput::InputTransformer(InputTransformer {
                input_paths_map: (0..101)
                    .map(|i| (format!("v{i}"), "$.id".to_owned()))
                    .collect(),
                input_template: "x".into(),
            }),
            EVENT,
            RULE,
            ARN,
        ),
    ];
    for (i, result) in bad.into_iter().enumerate() {
        assert!(
            matches!(result, Err(TransformError::InvalidConfig(_))),
            "case {i}: {result:?}"
        );
    }
    assert!(matches!(
        transform_input(&transformer("<state>"), "{oops", RULE, ARN),
        Err(TransformError::InvalidEvent(_))
    ));
}
