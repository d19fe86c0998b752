//! Every adapter a function's `main.rs` asks for is wired in `template.yaml`: the variable
//! that names its resource, pointing at that resource, and a policy that grants access to it.
//!
//! A function that asks for an adapter the template does not wire fails at cold start on
//! AWS (`IDEMPOTENCY_TABLE is not set`), while the local cloud, which injects its own
//! stores, would still pass every scenario; this check is what catches it.

use std::path::{Path, PathBuf};

use orderly_local::template::yaml;
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What one `AwsAdapters` method needs from the template.
struct Wiring {
    /// The method, as called in `main.rs` (`aws.orders()`).
    method: &'static str,
    /// The variable naming the resource, and the resource's logical id.
    variable: Option<(&'static str, &'static str)>,
    /// A SAM policy template and its parameter that must name the resource. The domain
    /// tables ask for write access at least (each adapter writes); which reads a function
    /// needs on top depends on its handler, so that stays the template's call.
    policy: (&'static str, &'static str, Value),
}

fn wirings() -> Vec<Wiring> {
    let table = |method, variable, logical_id: &'static str, policy| Wiring {
        method,
        variable: Some((variable, logical_id)),
        policy: (policy, "TableName", json!({"Ref": logical_id})),
    };
    vec![
        table(
            "orders",
            "ORDERS_TABLE",
            "OrdersTable",
            "DynamoDBWritePolicy",
        ),
        table(
            "stock",
            "INVENTORY_TABLE",
            "InventoryTable",
            "DynamoDBWritePolicy",
        ),
        table(
            "approval_tokens",
            "APPROVALS_TABLE",
            "ApprovalsTable",
            "DynamoDBWritePolicy",
        ),
        table(
            "audit_log",
            "AUDIT_TABLE",
            "AuditTable",
            "DynamoDBWritePolicy",
        ),
        table(
            "shipments",
            "SHIPMENTS_TABLE",
            "ShipmentsTable",
            "DynamoDBWritePolicy",
        ),
        // The engine puts, updates, deletes and reads its records: nothing less than CRUD.
        table(
            "idempotency_store",
            "IDEMPOTENCY_TABLE",
            "IdempotencyTable",
            "DynamoDBCrudPolicy",
        ),
        Wiring {
            method: "publisher",
            variable: Some(("EVENT_BUS_NAME", "OrdersBus")),
            policy: (
                "EventBridgePutEventsPolicy",
                "EventBusName",
                json!({"Ref": "OrdersBus"}),
            ),
        },
        Wiring {
            method: "task_callbacks",
            variable: None,
            policy: (
                "StepFunctionsCallbackPolicy",
                "StateMachineName",
                json!({"Fn::GetAtt": ["OrderFulfillmentStateMachine", "Name"]}),
            ),
        },
    ]
}

/// Whether `policies` holds `name` with `parameter` = `value`, or a policy granting more on
/// the same resource (CRUD covers write and read).
fn grants(policies: &[Value], (name, parameter, value): &(&str, &str, Value)) -> bool {
    let accepted: &[&str] = match *name {
        "DynamoDBWritePolicy" | "DynamoDBReadPolicy" => &[name, "DynamoDBCrudPolicy"],
        other => &[other],
    };
    policies.iter().any(|policy| {
        accepted
            .iter()
            .any(|accepted| policy.pointer(&format!("/{accepted}/{parameter}")) == Some(value))
    })
}

#[test]
fn every_adapter_a_function_builds_is_wired_in_the_template() {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("template.yaml")).expect("template.yaml");
    let template = yaml::parse(&text).expect("template parses");
    let resources = template["Resources"].as_object().expect("Resources");
    let wirings = wirings();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (id, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let properties = &resource["Properties"];
        let code_uri = properties["CodeUri"].as_str().expect("CodeUri");
        let main = std::fs::read_to_string(root.join(code_uri).join("src/main.rs"))
            .unwrap_or_else(|e| panic!("{id}: {code_uri}/src/main.rs: {e}"));
        let variables = &properties["Environment"]["Variables"];
        let policies = properties["Policies"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut used = 0;
        for wiring in &wirings {
            if !main.contains(&format!("aws.{}()", wiring.method)) {
                continue;
            }
            used += 1;
            if let Some((variable, logical_id)) = wiring.variable
                && variables[variable] != json!({"Ref": logical_id})
            {
                problems.push(format!(
                    "{id} builds aws.{}() but its {variable} is {} (want !Ref {logical_id})",
                    wiring.method, variables[variable]
                ));
            }
            if !grants(&policies, &wiring.policy) {
                problems.push(format!(
                    "{id} builds aws.{}() but has no {} on {}",
                    wiring.method, wiring.policy.0, wiring.policy.2
                ));
            }
        }
        assert!(
            used > 0,
            "{id}: main.rs builds no adapter this test knows; add it to wirings()"
        );
        checked += 1;
    }
    assert_eq!(checked, 11, "every function of the template is checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_missing_variable_or_policy_is_found() {
    let policies = vec![json!({"DynamoDBWritePolicy": {"TableName": {"Ref": "AuditTable"}}})];
    let crud = (
        "DynamoDBCrudPolicy",
        "TableName",
        json!({"Ref": "AuditTable"}),
    );
    let write = (
        "DynamoDBWritePolicy",
        "TableName",
        json!({"Ref": "AuditTable"}),
    );
    let other_table = (
        "DynamoDBWritePolicy",
        "TableName",
        json!({"Ref": "IdempotencyTable"}),
    );
    assert!(grants(&policies, &write));
    assert!(!grants(&policies, &crud), "write does not grant CRUD");
    assert!(!grants(&policies, &other_table));
    let crud_policies = vec![json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "AuditTable"}}})];
    assert!(grants(&crud_policies, &write), "CRUD grants write");
}
