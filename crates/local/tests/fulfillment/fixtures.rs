//! Orderly's own files, read as the deployed system reads them: the definition with the
//! template's DefinitionSubstitutions filled in by the local cloud's template loader, the
//! put-events scenarios turned into execution inputs as the OrderCreated rule delivers
//! them, and the mock configuration.

use orderly_local::template::{self, LoadOptions, Model};
use orderly_states::StateMachine;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const DEFINITION: &str = "statemachines/order-fulfillment.asl.json";
pub const MOCK_CONFIG: &str = "statemachines/order-fulfillment.mock.json";
pub const TEMPLATE: &str = "template.yaml";
pub const SCENARIOS: &str = "events/put-events";
/// The machine's key under `StateMachines` in the mock configuration.
pub const MACHINE: &str = "OrderFulfillment";

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

/// `template.yaml` as the local cloud loads it, once per test binary.
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        template::load(&repo_root().join(TEMPLATE), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{TEMPLATE}: {e}"))
    })
}

/// The template's state machine whose DefinitionUri is [`DEFINITION`].
pub fn state_machine() -> &'static template::StateMachine {
    model()
        .state_machines
        .values()
        .find(|m| m.definition_uri.as_deref() == Some(Path::new(DEFINITION)))
        .unwrap_or_else(|| {
            panic!("{TEMPLATE} has no state machine with DefinitionUri {DEFINITION}")
        })
}

/// The bus the state machine's orders come from: the bus of the rule that targets it.
pub fn bus() -> &'static str {
    let machine = &state_machine().logical_id;
    model()
        .rules
        .values()
        .find(|rule| rule.targets.iter().any(|t| &t.target.logical_id == machine))
        .map(|rule| rule.event_bus_name.as_str())
        .unwrap_or_else(|| panic!("{TEMPLATE}: no rule targets {machine}"))
}

/// The function a `FunctionName` parameter names, by its binary (`register-order`), if
/// it is the ARN of one of the template's functions.
pub fn function_of(arn: &str) -> Option<&'static str> {
    model()
        .functions
        .values()
        .find(|f| f.arn == arn)
        .map(|f| f.binary.as_str())
}

/// The definition text with the template's substitutions applied.
pub fn definition_text() -> String {
    state_machine().definition.clone()
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

/// What the test case's mock answers the nested shipment-quote execution with: the
/// child's output (`Ok`), or the error it throws (`Err`, `{Error, Cause}`). `None` when the
/// test case does not reach QuoteShipment.
pub fn mocked_quote(test_case: &str) -> Option<Result<Value, Value>> {
    let config = parse_json(MOCK_CONFIG, &read(MOCK_CONFIG));
    let response =
        config["StateMachines"][MACHINE]["TestCases"][test_case]["QuoteShipment"].as_str()?;
    let first = &config["MockedResponses"][response]["0"];
    Some(match first.get("Return") {
        Some(described) => Ok(described["Output"].clone()),
        None => Err(first["Throw"].clone()),
    })
}
