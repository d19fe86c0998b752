//! Orderly's own files, read as the deployed system reads them: the definition with the
//! template's DefinitionSubstitutions filled in, the put-events scenarios turned into
//! execution inputs as the OrderCreated rule delivers them, and the mock configuration.

use orderly_states::StateMachine;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const DEFINITION: &str = "statemachines/order-fulfillment.asl.json";
pub const MOCK_CONFIG: &str = "statemachines/order-fulfillment.mock.json";
pub const TEMPLATE: &str = "template.yaml";
pub const SCENARIOS: &str = "events/put-events";
/// The machine's key under `StateMachines` in the mock configuration.
pub const MACHINE: &str = "OrderFulfillment";
pub const STATE_MACHINE_ARN: &str =
    "arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfillment";
/// The bus of the scenarios' entries, which `${EventBusName}` names in the deployed stack.
pub const BUS: &str = "orders-bus";
const FUNCTION_ARN_PREFIX: &str = "arn:aws:lambda:us-east-1:123456789012:function:orderly-";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn read(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn parse_json(relative: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The ARN the deployed stack gives function `name` (as `!GetAtt …Function.Arn` does).
pub fn function_arn(name: &str) -> String {
    format!("{FUNCTION_ARN_PREFIX}{name}")
}

/// The function a `FunctionName` parameter names, if it is one of Orderly's ARNs.
pub fn function_of(arn: &str) -> Option<&str> {
    arn.strip_prefix(FUNCTION_ARN_PREFIX)
}

/// Values for the template's DefinitionSubstitutions of the state machine.
pub fn substitutions() -> BTreeMap<String, String> {
    let functions = [
        ("RegisterOrderFunctionArn", "register-order"),
        ("ReserveStockFunctionArn", "reserve-stock"),
        ("ReleaseStockFunctionArn", "release-stock"),
        ("AuthorizePaymentFunctionArn", "authorize-payment"),
        ("VoidPaymentFunctionArn", "void-payment"),
        ("RequestApprovalFunctionArn", "request-approval"),
    ];
    let mut map: BTreeMap<String, String> = functions
        .iter()
        .map(|(key, name)| ((*key).to_owned(), function_arn(name)))
        .collect();
    map.insert("EventBusName".into(), BUS.into());
    map.insert("ApprovalThreshold".into(), "100000".into());
    map
}

/// Every `${Key}` the text holds.
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                found.insert(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

/// Replaces `${Key}` for every key of `values`, as CloudFormation applies
/// DefinitionSubstitutions.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    values.iter().fold(text.to_owned(), |text, (key, value)| {
        text.replace(&format!("${{{key}}}"), value)
    })
}

/// The keys of the DefinitionSubstitutions the template gives the definition file, read
/// from the YAML by indentation (the block under the state machine's `DefinitionUri`).
pub fn template_substitution_keys() -> BTreeSet<String> {
    let template = read(TEMPLATE);
    let lines: Vec<&str> = template.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let Some(uri) = lines
        .iter()
        .position(|l| l.trim() == format!("DefinitionUri: {DEFINITION}"))
    else {
        panic!("{TEMPLATE} has no state machine with DefinitionUri {DEFINITION}");
    };
    let Some(block) = lines[uri..]
        .iter()
        .position(|l| l.trim() == "DefinitionSubstitutions:")
        .map(|i| uri + i)
    else {
        panic!("{TEMPLATE}: the state machine of {DEFINITION} has no DefinitionSubstitutions");
    };
    let block_indent = indent(lines[block]);
    lines[block + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > block_indent)
        .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .collect()
}

/// The definition text with its substitutions applied.
pub fn definition_text() -> String {
    substitute(&read(DEFINITION), &substitutions())
}

pub fn definition_json() -> Value {
    parse_json(DEFINITION, &definition_text())
}

pub fn machine_of(definition: &Value) -> StateMachine {
    StateMachine::parse(&definition.to_string())
        .unwrap_or_else(|e| panic!("{DEFINITION} is not a valid definition: {e}"))
}

/// The names of the top-level states, in which the route of an execution is read.
pub fn top_level_states(definition: &Value) -> BTreeSet<String> {
    definition["States"]
        .as_object()
        .map(|states| states.keys().cloned().collect())
        .unwrap_or_default()
}

/// One put-events entry: its detail type and its Detail parsed.
#[derive(Debug, Clone)]
pub struct Entry {
    pub source: String,
    pub detail_type: String,
    pub detail: Value,
}

/// The entries of `events/put-events/<scenario>.json`.
pub fn scenario_entries(scenario: &str) -> Vec<Entry> {
    let relative = format!("{SCENARIOS}/{scenario}.json");
    let entries = parse_json(&relative, &read(&relative));
    let Some(entries) = entries.as_array() else {
        panic!("{relative}: not an array of entries");
    };
    entries
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            Entry {
                source: text("Source"),
                detail_type: text("DetailType"),
                detail: parse_json(&relative, &text("Detail")),
            }
        })
        .collect()
}

/// The inputs of the executions a scenario starts: OrderCreatedRule matches `source:
/// [com.orders]`, `detail-type: [OrderCreated]`, and its target's input transformer
/// passes the detail's metadata and the order without its personal data (crates/local's
/// template tests check that the template's transformer gives exactly this shape).
pub fn execution_inputs(scenario: &str) -> Vec<Value> {
    scenario_entries(scenario)
        .into_iter()
        .filter(|e| e.source == "com.orders" && e.detail_type == "OrderCreated")
        .map(|e| without_personal_data(&e.detail))
        .collect()
}

fn without_personal_data(detail: &Value) -> Value {
    let order = &detail["data"];
    serde_json::json!({
        "metadata": detail["metadata"],
        "data": {
            "orderId": order["orderId"],
            "customer": {"customerId": order["customer"]["customerId"]},
            "lines": order["lines"],
            "total": order["total"],
            "paymentToken": order["paymentToken"],
            "placedAt": order["placedAt"],
        }
    })
}

/// The scenario files present, by stem.
pub fn scenario_names() -> BTreeSet<String> {
    let dir = repo_root().join(SCENARIOS);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect()
}

/// The test cases the mock configuration defines for the machine.
pub fn mock_test_cases() -> BTreeSet<String> {
    let config = parse_json(MOCK_CONFIG, &read(MOCK_CONFIG));
    config["StateMachines"][MACHINE]["TestCases"]
        .as_object()
        .map(|cases| cases.keys().cloned().collect())
        .unwrap_or_default()
}

/// The mocked responses no test case refers to.
pub fn unused_mocked_responses() -> BTreeSet<String> {
    let config = parse_json(MOCK_CONFIG, &read(MOCK_CONFIG));
    let used: BTreeSet<&str> = config["StateMachines"]
        .as_object()
        .into_iter()
        .flat_map(|machines| machines.values())
        .filter_map(|m| m["TestCases"].as_object())
        .flat_map(|cases| cases.values())
        .filter_map(Value::as_object)
        .flat_map(|states| states.values())
        .filter_map(Value::as_str)
        .collect();
    config["MockedResponses"]
        .as_object()
        .map(|responses| {
            responses
                .keys()
                .filter(|name| !used.contains(name.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}
