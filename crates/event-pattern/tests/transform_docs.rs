//! Every example of the EventBridge user guide's "Amazon EventBridge input transformation"
//! page (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html)
//! and of the API reference's `InputTransformer`
//! (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html),
//! with the pages' own event, InputPathsMap, templates and outputs.

use event_pattern::{
    InputTransformer, MAX_INPUT_PATHS, MAX_INPUT_TEMPLATE_LENGTH, RuleContext, TargetInput,
    TransformError,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// "The following is an example Amazon EC2 event." (eb-transform-target-input, "Input
/// transform examples"), verbatim.
const DOC_EVENT: &str = r#"{
  "version": "0",
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "123456789012",
  "time": "2015-11-11T21:29:54Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
  ],
  "detail": {
    "instance-id": "i-0123456789",
    "state": "RUNNING"
  }
}"#;

/// The page's *Input Path*, verbatim.
const DOC_INPUT_PATH: &str = r#"{
  "timestamp" : "$.time",
  "instance" : "$.detail.instance-id", 
  "state" : "$.detail.state",
  "resource" : "$.resources[0]"
}"#;

/// The rule of the page's outputs.
const RULE_NAME: &str = "example";
const RULE_ARN: &str = "arn:aws:events:us-east-2:123456789012:rule/example";
const INGESTION_TIME: &str = "2015-11-11T21:29:55Z";

fn paths(json_map: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json_map).expect("an InputPathsMap")
}

fn compile(map: BTreeMap<String, String>, template: &str) -> Result<TargetInput, TransformError> {
    let input = TargetInput::InputTransformer(InputTransformer {
        input_paths_map: map,
        input_template: template.to_owned(),
    });
    input.compile().map(|_| input)
}

fn transform(map: BTreeMap<String, String>, template: &str, event: &str) -> String {
    let input = compile(map, template).expect("PutTargets accepts the transformer");
    input
        .compile()
        .expect("compiles")
        .apply(
            event,
            &RuleContext {
                rule_name: RULE_NAME,
                rule_arn: RULE_ARN,
                ingestion_time: Some(INGESTION_TIME),
            },
        )
        .expect("transforms")
}

fn doc(template: &str) -> String {
    transform(paths(DOC_INPUT_PATH), template, DOC_EVENT)
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text} is not JSON: {e}"))
}

/// The rows of the page's table whose output it prints whole: the output, byte for byte.
#[test]
fn input_transform_examples_give_the_documented_output_exactly() {
    let rows = [
        // Simple string
        (
            r#""instance <instance> is in <state>""#,
            r#""instance i-0123456789 is in RUNNING""#,
        ),
        // String with escaped quotes
        (
            r#""instance \"<instance>\" is in <state>""#,
            r#""instance \"i-0123456789\" is in RUNNING""#,
        ),
        // Simple JSON
        (
            "{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}",
            "{\n  \"instance\" : \"i-0123456789\",\n  \"state\": \"RUNNING\"\n}",
        ),
        // JSON with strings and variables
        (
            "{\n \"instance\" : <instance>,\n \"state\": \"<state>\",\n \"instanceStatus\": \"instance \\\"<instance>\\\" is in <state>\"\n}",
            "{\n \"instance\" : \"i-0123456789\",\n \"state\": \"RUNNING\",\n \"instanceStatus\": \"instance \\\"i-0123456789\\\" is in RUNNING\"\n}",
        ),
        // Including reserved variables in a string
        (
            r#""<aws.events.rule-name> triggered""#,
            r#""example triggered""#,
        ),
    ];
    for (template, output) in rows {
        assert_eq!(doc(template), output, "template {template}");
    }
}

/// "JSON with a mix of variables and static information": the page prints the output
/// indented anew, so it is compared as JSON.
#[test]
fn json_with_a_mix_of_variables_and_static_information() {
    let out = doc(
        "{\n  \"instance\" : <instance>,\n  \"state\": [ 9, <state>, true ],\n  \"Transformed\" : \"Yes\"\n}\n",
    );
    let documented = "{\n  \"instance\" : \"i-0123456789\",\n  \"state\": [\n    9,\n    \"RUNNING\",\n    true\n  ],\n  \"Transformed\" : \"Yes\"\n}";
    assert_eq!(parsed(&out), parsed(documented));
    // The template's own text is kept: only the variables change.
    assert_eq!(
        out,
        "{\n  \"instance\" : \"i-0123456789\",\n  \"state\": [ 9, \"RUNNING\", true ],\n  \"Transformed\" : \"Yes\"\n}\n"
    );
}

/// "Including reserved variables in JSON": `originalEvent` is the whole event ("...
/// commented for brevity" on the page).
#[test]
fn including_reserved_variables_in_json() {
    let out = doc(
        "{\n  \"instance\" : <instance>,\n  \"state\": <state>,\n  \"ruleArn\" : <aws.events.rule-arn>,\n  \"ruleName\" : <aws.events.rule-name>,\n  \"originalEvent\" : <aws.events.event.json>\n}",
    );
    let v = parsed(&out);
    assert_eq!(v["instance"], "i-0123456789");
    assert_eq!(v["state"], "RUNNING");
    assert_eq!(v["ruleArn"], RULE_ARN);
    assert_eq!(v["ruleName"], RULE_NAME);
    assert_eq!(v["originalEvent"], parsed(DOC_EVENT));
}

/// "Amazon CloudWatch log group": the page shows the message as the log group displays it
/// (`"timestamp" : 2015-11-11T21:29:54Z`, quotes unescaped), which is no JSON; the target
/// receives the template with its string variables quoted, as in "Simple JSON".
#[test]
fn cloudwatch_log_group_example() {
    let out = doc(
        "{\n  \"timestamp\" : <timestamp>,\n  \"message\": \"instance \\\"<instance>\\\" is in <state>\"\n}",
    );
    assert_eq!(
        out,
        "{\n  \"timestamp\" : \"2015-11-11T21:29:54Z\",\n  \"message\": \"instance \\\"i-0123456789\\\" is in RUNNING\"\n}"
    );
    assert_eq!(
        parsed(&out)["message"],
        r#"instance "i-0123456789" is in RUNNING"#
    );
}

/// "Predefined variables": `aws.events.event` is "the original event payload as JSON
/// (without the detail field)", `aws.events.event.json` "the full original event payload as
/// JSON (with the detail field)", both "can only be used as a value for a JSON field, as
/// its contents are not escaped"; `aws.events.event.ingestion-time` is "the time at which
/// the event was received by EventBridge".
#[test]
fn predefined_variables() {
    let out = doc(
        r#"{"arn": <aws.events.rule-arn>, "name": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "event": <aws.events.event>, "json": <aws.events.event.json>}"#,
    );
    let v = parsed(&out);
    let mut without_detail = parsed(DOC_EVENT);
    without_detail
        .as_object_mut()
        .expect("object")
        .shift_remove("detail");
    assert_eq!(
        v,
        json!({
            "arn": RULE_ARN,
            "name": RULE_NAME,
            "at": INGESTION_TIME,
            "event": without_detail,
            "json": parsed(DOC_EVENT),
        })
    );
    // Not the event's own `time`: when the bus received it.
    assert_eq!(
        doc(r#""received <aws.events.event.ingestion-time>""#),
        r#""received 2015-11-11T21:29:55Z""#
    );
}

/// The API reference's three `InputTransformer` examples (`InputPathsMap` `{"instance":
/// "$.detail.instance","status": "$.detail.status"}`); the reference shows no event or
/// output, so the event here has those two fields.
#[test]
fn api_reference_examples() {
    let map = paths(r#"{"instance": "$.detail.instance","status": "$.detail.status"}"#);
    let event = r#"{"version":"0","id":"1","detail-type":"t","source":"s","account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1","resources":[],"detail":{"instance":"i-1","status":"running"}}"#;
    // "InputTemplate": "<instance> is in state <status>"
    assert_eq!(
        transform(map.clone(), "<instance> is in state <status>", event),
        "i-1 is in state running"
    );
    // "InputTemplate": "<instance> is in state \"<status>\"" (the JSON string's text)
    assert_eq!(
        transform(map.clone(), r#"<instance> is in state "<status>""#, event),
        r#"i-1 is in state "running""#
    );
    // "InputTemplate": '{"myInstance": <instance>,"myStatus": "<instance> is in state \"<status>\""}'
    let out = transform(
        map,
        r#"{"myInstance": <instance>,"myStatus": "<instance> is in state \"<status>\""}"#,
        event,
    );
    assert_eq!(
        out,
        r#"{"myInstance": "i-1","myStatus": "i-1 is in state \"running\""}"#
    );
}

/// "Common Issues with transforming input": an object or array referenced in a string loses
/// its inner quotes ("Detail is <detail>"); placed as a value it stays JSON
/// (`{"detail": <detail>}`).
#[test]
fn objects_and_arrays_in_strings_and_in_json() {
    let map = paths(r#"{"detail": "$.detail", "resources": "$.resources", "all": "$"}"#);
    assert_eq!(
        transform(map.clone(), r#""Detail is <detail>""#, DOC_EVENT),
        r#""Detail is {instance-id:i-0123456789,state:RUNNING}""#
    );
    assert_eq!(
        transform(map.clone(), r#"{"detail": <detail>}"#, DOC_EVENT),
        r#"{"detail": {"instance-id":"i-0123456789","state":"RUNNING"}}"#
    );
    assert_eq!(
        transform(
            map.clone(),
            r#"{"r": <resources>, "s": "on <resources>"}"#,
            DOC_EVENT
        ),
        r#"{"r": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"], "s": "on [arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111]"}"#
    );
    // `$` is the whole event.
    assert_eq!(
        parsed(&transform(map, r#"{"all": <all>}"#, DOC_EVENT))["all"],
        parsed(DOC_EVENT)
    );
}

/// "If you specify a variable to match a JSON path that doesn't exist in the event, that
/// variable isn't created and won't appear in the output": nothing in a string; an empty
/// string where a JSON value goes.
#[test]
fn a_variable_whose_path_does_not_exist() {
    let map = paths(r#"{"state": "$.detail.state", "gone": "$.detail.nothing"}"#);
    assert_eq!(
        transform(map.clone(), r#""state <state>, gone <gone>.""#, DOC_EVENT),
        r#""state RUNNING, gone .""#
    );
    assert_eq!(
        transform(
            map,
            r#"{"state": <state>, "gone": <gone>, "text": "x<gone>y"}"#,
            DOC_EVENT
        ),
        r#"{"state": "RUNNING", "gone": "", "text": "xy"}"#
    );
}

/// "EventBridge doesn't escape values extracted by Input Path, when populating the Input
/// Template for a target": a string placed inside quotes keeps its quotes and backslashes
/// as they are.
#[test]
fn values_placed_inside_quotes_are_not_escaped() {
    let map = paths(r#"{"note": "$.detail.note"}"#);
    let event = r#"{"detail": {"note": "say \"hi\" \\ bye"}}"#;
    assert_eq!(
        transform(map.clone(), r#""note: <note>""#, event),
        r#""note: say "hi" \ bye""#
    );
    // Outside quotes the string is quoted, to keep the output valid JSON.
    assert_eq!(
        transform(map, r#"{"note": <note>}"#, event),
        r#"{"note": "say \"hi\" \\ bye"}"#
    );
}

/// `InputTransformer` constraints of the API reference: `InputPathsMap` "as many as 100
/// key-value pairs", keys `[a-zA-Z0-9\_\-]+` of at most 256 characters that "cannot start
/// with AWS", values (JSON paths in "dot notation, not bracket notation") of at most 256;
/// `InputTemplate` 1 to 8192 characters; "The placeholder cannot be used as an object
/// key."
#[test]
fn put_targets_constraints() {
    let refused = |map: BTreeMap<String, String>, template: &str| {
        matches!(
            compile(map, template),
            Err(TransformError::InvalidConfig(_))
        )
    };
    let many = |n: usize| -> BTreeMap<String, String> {
        (0..n)
            .map(|i| (format!("v{i}"), "$.id".to_owned()))
            .collect()
    };
    assert!(!refused(many(MAX_INPUT_PATHS), "\"<v0>\""));
    assert!(refused(many(MAX_INPUT_PATHS + 1), "\"<v0>\""));
    let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
    assert!(!refused(one(&"k".repeat(256), "$.id"), "x"));
    assert!(refused(one(&"k".repeat(257), "$.id"), "x"));
    assert!(refused(one("a.b", "$.id"), "x"));
    assert!(refused(one("a b", "$.id"), "x"));
    assert!(refused(one("aws.events.rule-name", "$.id"), "x"));
    assert!(!refused(
        one("detail-type_1", "$.detail-type"),
        "<detail-type_1>"
    ));
    let long_path = format!("$.{}", "a".repeat(254));
    assert!(!refused(one("p", &long_path), "<p>"));
    assert!(refused(one("p", &format!("{long_path}a")), "<p>"));
    assert!(refused(one("p", "$['id']"), "<p>"));
    assert!(refused(BTreeMap::new(), ""));
    assert!(!refused(
        BTreeMap::new(),
        &"x".repeat(MAX_INPUT_TEMPLATE_LENGTH)
    ));
    assert!(refused(
        BTreeMap::new(),
        &"x".repeat(MAX_INPUT_TEMPLATE_LENGTH + 1)
    ));
    assert!(refused(one("k", "$.id"), r#"{<k>: 1}"#));
    assert!(refused(one("k", "$.id"), r#"{"<k>": 1}"#));
    assert!(refused(one("k", "$.id"), r#""<k> and <undefined>""#));
}
