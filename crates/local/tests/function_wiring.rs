//! Every port a function declares is wired in `template.yaml`: the variable that names its
//! resource, pointing at that resource, and a policy that grants access to it; every
//! required setting is given; and the template gives a function no variable it does not
//! read.
//!
//! A function that declares a port the template does not wire fails at cold start on AWS
//! (`IDEMPOTENCY_TABLE is not set`). The local cloud builds functions from the same
//! declarations and the same variables, so it fails too, but this test names the policy
//! as well, which the local cloud does not enforce.

use std::path::{Path, PathBuf};

use orderly_core::items::DYNAMODB_ACTIONS;
use orderly_core::shell::{Declared, ItemsTable, Port};
use orderly_local::runtime::handlers::{DECLARED, declaration};
use orderly_local::template::{self, LoadOptions, yaml};
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a port needs from the template: the resource its variable must point at, and a SAM
/// policy template whose parameter must name that resource.
struct Wiring {
    /// The logical id the port's variable must `!Ref`.
    resource: Option<&'static str>,
    /// Whether the variable takes the resource's ARN (`!GetAtt X.Arn`) rather than its
    /// `!Ref`.
    by_arn: bool,
    /// Policy, parameter, value. The domain tables ask for write access at least (each
    /// adapter writes); which reads a function needs on top depends on its handler, so
    /// that stays the template's call.
    policy: Option<(&'static str, &'static str, Value)>,
}

/// The template's side of each port. A port with no resource of its own (the logging
/// notifier) needs nothing.
fn wiring(port: Port) -> Wiring {
    let table = |id: &'static str, policy| Wiring {
        resource: Some(id),
        by_arn: false,
        policy: Some((policy, "TableName", json!({"Ref": id}))),
    };
    match port {
        Port::Orders => table("OrdersTable", "DynamoDBWritePolicy"),
        Port::Stock => table("InventoryTable", "DynamoDBWritePolicy"),
        Port::ApprovalTokens => table("ApprovalsTable", "DynamoDBWritePolicy"),
        Port::AuditLog => table("AuditTable", "DynamoDBWritePolicy"),
        Port::Shipments => table("ShipmentsTable", "DynamoDBWritePolicy"),
        // Checked on its own (idempotency_grant_problems): item operations on the
        // function's own keys, nothing more.
        Port::Idempotency => Wiring {
            resource: Some("IdempotencyTable"),
            by_arn: false,
            policy: None,
        },
        // Checked on its own (publisher_grant_problems): its context's bus, its own event
        // types only.
        Port::Publisher => Wiring {
            resource: None,
            by_arn: false,
            policy: None,
        },
        Port::TaskCallbacks => Wiring {
            resource: None,
            by_arn: false,
            policy: Some((
                "StepFunctionsCallbackPolicy",
                "StateMachineName",
                json!({"Fn::Sub": "${AWS::StackName}-OrderFulfillmentStateMachine"}),
            )),
        },
        // Checked on its own (payments_grant_problems): the ledger's item operations that
        // the function's own call makes, nothing more.
        Port::Payments => Wiring {
            resource: Some("PaymentsTable"),
            by_arn: false,
            policy: None,
        },
        Port::Notifier => Wiring {
            resource: None,
            by_arn: false,
            policy: None,
        },
        // Checked on its own (intake_grant_problems): StartSyncExecution on that machine.
        // Checked on its own (reminder_grant_problems): the scheduler role passed, and
        // the schedules of reminders only.
        Port::Reminders => Wiring {
            resource: Some("ApprovalReminderRole"),
            by_arn: true,
            policy: None,
        },
        Port::OrderIntake => Wiring {
            resource: Some("OrderIntakeStateMachine"),
            by_arn: false,
            policy: None,
        },
        // Checked on its own (items_problems): a table of the declared key, and the item
        // store's operations on it.
        Port::Items(_) => Wiring {
            resource: None,
            by_arn: false,
            policy: None,
        },
    }
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

/// The wiring problems of one function: `variables` and `policies` as the template writes
/// them (`Environment.Variables`, `Policies`).
fn problems_of(
    id: &str,
    declared: &dyn Declared,
    variables: &Value,
    policies: &[Value],
) -> Vec<String> {
    let mut problems = Vec::new();
    for &port in declared.ports() {
        let wiring = wiring(port);
        let wanted = |resource: &str| {
            if wiring.by_arn {
                json!({"Fn::GetAtt": [resource, "Arn"]})
            } else {
                json!({"Ref": resource})
            }
        };
        if let (Some(variable), Some(resource)) = (port.variable(), wiring.resource)
            && variables[variable] != wanted(resource)
        {
            problems.push(format!(
                "{id} declares {port:?} but its {variable} is {} (want !Ref {resource})",
                variables[variable]
            ));
        }
        if let Some(policy) = &wiring.policy
            && !grants(policies, policy)
        {
            problems.push(format!(
                "{id} declares {port:?} but has no {} on {}",
                policy.0, policy.2
            ));
        }
    }
    if declared.ports().contains(&Port::Publisher) {
        problems.extend(publisher_grant_problems(id, declared, variables, policies));
    }
    if declared.ports().contains(&Port::Idempotency) {
        problems.extend(idempotency_grant_problems(id, declared, policies));
    }
    if declared.ports().contains(&Port::Payments) {
        problems.extend(payments_grant_problems(id, declared, policies));
    }
    if declared.ports().contains(&Port::OrderIntake) {
        problems.extend(intake_grant_problems(id, policies));
    }
    if declared.ports().contains(&Port::Reminders) {
        problems.extend(reminder_grant_problems(id, policies));
    }
    for setting in declared.settings() {
        if setting.required && variables[setting.name].is_null() {
            problems.push(format!(
                "{id} requires {} but the template does not set it",
                setting.name
            ));
        }
    }
    let read: Vec<&str> = declared
        .ports()
        .iter()
        .filter_map(|port| port.variable())
        .chain(declared.settings().iter().map(|s| s.name))
        .collect();
    for variable in variables.as_object().into_iter().flat_map(|v| v.keys()) {
        if !read.contains(&variable.as_str()) {
            problems.push(format!(
                "{id} is given {variable}, which {} does not declare",
                declared.name()
            ));
        }
    }
    problems
}

/// The one or many values of a condition (`x` or `[x, y]`), sorted.
fn values(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// A publisher's grant on the bus: PutEvents of exactly the event types it declares
/// (`events:source` and `events:detail-type` conditions), and no SAM policy template that
/// lets it put any event.
/// The order intake is asked with StartSyncExecution: a statement must allow exactly that
/// action on the intake machine (SAM's StepFunctionsExecutionPolicy grants StartExecution
/// only, which StartSyncExecution does not accept).
fn intake_grant_problems(id: &str, policies: &[Value]) -> Vec<String> {
    let machine = json!({"Ref": "OrderIntakeStateMachine"});
    let granted = policies
        .iter()
        .filter_map(|p| p.get("Statement").and_then(Value::as_array))
        .flatten()
        .any(|s| {
            s["Effect"] == "Allow"
                && s["Action"] == "states:StartSyncExecution"
                && s["Resource"] == machine
        });
    if granted {
        Vec::new()
    } else {
        vec![format!(
            "{id} declares OrderIntake but has no statement allowing states:StartSyncExecution on OrderIntakeStateMachine"
        )]
    }
}

/// A function with reminders may create or delete the schedules of reminders only, and
/// pass only the reminder role, to Scheduler only.
fn reminder_grant_problems(id: &str, policies: &[Value]) -> Vec<String> {
    let reminders = json!({"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/reminder-*"});
    let statements: Vec<&Value> = policies
        .iter()
        .filter_map(|p| p.get("Statement").and_then(Value::as_array))
        .flatten()
        .collect();
    let mut problems = Vec::new();
    for s in &statements {
        let action = s["Action"].as_str().unwrap_or_default();
        if action.starts_with("scheduler:") && s["Resource"] != reminders {
            problems.push(format!(
                "{id} may {action} on {} (want the reminder schedules only)",
                s["Resource"]
            ));
        }
        if action == "iam:PassRole"
            && (s["Resource"] != json!({"Fn::GetAtt": ["ApprovalReminderRole", "Arn"]})
                || s["Condition"]["StringEquals"]["iam:PassedToService"]
                    != "scheduler.amazonaws.com")
        {
            problems.push(format!("{id} passes a role other than the reminder role to Scheduler, or to another service"));
        }
    }
    if !statements.iter().any(|s| {
        s["Action"]
            .as_str()
            .is_some_and(|a| a.starts_with("scheduler:"))
    }) {
        problems.push(format!(
            "{id} declares Reminders but may not create or delete schedules"
        ));
    }
    problems
}

/// The bus each context publishes on, by its source (docs/contexts.md): a context
/// publishes on its own bus only.
fn context_bus(source: &str) -> &'static str {
    match source {
        "com.shipping" => "ShippingBus",
        _ => "OrdersBus",
    }
}

fn publisher_grant_problems(
    id: &str,
    declared: &dyn Declared,
    variables: &Value,
    policies: &[Value],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut buses: Vec<&str> = declared
        .publishes()
        .iter()
        .map(|t| context_bus(t.source))
        .collect();
    buses.dedup();
    let [bus] = buses[..] else {
        return vec![format!(
            "{id} publishes for several contexts' buses: {buses:?}"
        )];
    };
    if variables["EVENT_BUS_NAME"] != json!({"Ref": bus}) {
        problems.push(format!(
            "{id} declares Publisher but its EVENT_BUS_NAME is {} (want !Ref {bus})",
            variables["EVENT_BUS_NAME"]
        ));
    }
    if policies
        .iter()
        .any(|p| p.get("EventBridgePutEventsPolicy").is_some())
    {
        problems.push(format!(
            "{id} has EventBridgePutEventsPolicy: it may put any source"
        ));
    }
    let mut sources: Vec<String> = declared
        .publishes()
        .iter()
        .map(|t| t.source.to_owned())
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let mut types: Vec<String> = declared
        .publishes()
        .iter()
        .map(|t| t.detail_type.to_owned())
        .collect();
    types.sort_unstable();
    types.dedup();
    let arn = json!({"Fn::GetAtt": [bus, "Arn"]});
    let own = policies
        .iter()
        .filter_map(|p| p.get("Statement").and_then(Value::as_array))
        .flatten()
        .any(|s| {
            s["Effect"] == "Allow"
                && s["Action"] == "events:PutEvents"
                && s["Resource"] == arn
                && values(&s["Condition"]["StringEquals"]["events:source"]) == sources
                && values(&s["Condition"]["StringEquals"]["events:detail-type"]) == types
        });
    if !own {
        problems.push(format!(
            "{id} has no statement granting PutEvents on {bus} for sources {sources:?} and detail types {types:?}"
        ));
    }
    problems
}

/// Every statement of `value` (a template, a resource) that grants `events:PutEvents`.
fn put_events_statements<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("Effect")
                && values(&map.get("Action").cloned().unwrap_or_default())
                    .iter()
                    .any(|a| a == "events:PutEvents" || a == "events:*" || a == "*")
            {
                out.push(value);
            }
            map.values().for_each(|v| put_events_statements(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| put_events_statements(v, out)),
        _ => {}
    }
}

/// Whoever may put events on the bus — each publishing function, the state machine, the
/// approvers' policy — may put its own source only: no principal can forge another
/// context's event (an OrderConfirmed that ships an unpaid order).
#[test]
fn every_put_events_grant_names_its_source() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    let raw = yaml::parse(&text).expect("template parses");
    assert!(
        !text.contains("EventBridgePutEventsPolicy"),
        "a SAM EventBridgePutEventsPolicy grants every source"
    );
    let mut statements = Vec::new();
    put_events_statements(&raw["Resources"], &mut statements);
    assert!(
        statements.len() >= 5,
        "publishers, the state machine and the approvers: {statements:?}"
    );
    // A Deny (a bus policy's) grants nothing.
    for statement in statements.iter().filter(|s| s["Effect"] != "Deny") {
        let sources = values(&statement["Condition"]["StringEquals"]["events:source"]);
        assert!(
            statement["Effect"] == "Allow"
                && !sources.is_empty()
                && sources.iter().all(|s| s.starts_with("com.")),
            "PutEvents without an events:source condition: {statement}"
        );
        assert!(
            !values(&statement["Condition"]["StringEquals"]["events:detail-type"]).is_empty(),
            "PutEvents without an events:detail-type condition: {statement}"
        );
    }
    let approvers = &raw["Resources"]["ApproverPutEventsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        [0];
    assert_eq!(
        values(&approvers["Condition"]["StringEquals"]["events:source"]),
        ["com.approvals"]
    );
    assert_eq!(
        values(&approvers["Condition"]["StringEquals"]["events:detail-type"]),
        ["ApprovalDecided"]
    );
}

/// A problem for each SAM DynamoDB policy template of `policies` on the table `logical`
/// (`{id} has <template> <why>`): each grants Scan, Query and batch reads on the whole
/// table, more than a narrowly granted table's calls.
fn sam_table_policies(id: &str, policies: &[Value], logical: &str, why: &str) -> Vec<String> {
    let table = json!({"Ref": logical});
    let mut problems = Vec::new();
    for policy in policies {
        for template in [
            "DynamoDBCrudPolicy",
            "DynamoDBReadPolicy",
            "DynamoDBWritePolicy",
        ] {
            if policy.pointer(&format!("/{template}/TableName")) == Some(&table) {
                problems.push(format!("{id} has {template} {why}"));
            }
        }
    }
    problems
}

/// The statements of `policies` whose resource is the table `logical`'s ARN.
fn statements_on<'a>(policies: &'a [Value], logical: &str) -> Vec<&'a Value> {
    let arn = json!({"Fn::GetAtt": [logical, "Arn"]});
    policies
        .iter()
        .filter_map(|p| p.get("Statement").and_then(Value::as_array))
        .flatten()
        .filter(|s| s["Resource"] == arn)
        .collect()
}

/// The item operations the idempotency engine uses: lock (PutItem), complete (UpdateItem),
/// release (DeleteItem), and read the holder of a lock it lost (GetItem).
const IDEMPOTENCY_ACTIONS: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

/// A function's grant on the idempotency table: exactly the engine's item operations, on
/// the records whose key starts with its own name (`dynamodb:LeadingKeys`), and no SAM
/// policy template that grants more (Scan, Query, BatchGet, other functions' records).
fn idempotency_grant_problems(
    id: &str,
    declared: &dyn Declared,
    policies: &[Value],
) -> Vec<String> {
    let mut problems = sam_table_policies(
        id,
        policies,
        "IdempotencyTable",
        "on the idempotency table: more than its own records",
    );
    let prefix = json!([format!("{}#*", declared.idempotency().name)]);
    let statements = statements_on(policies, "IdempotencyTable");
    let own = statements.iter().any(|s| {
        let mut actions: Vec<&str> = s["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        actions.sort_unstable();
        let mut wanted = IDEMPOTENCY_ACTIONS.to_vec();
        wanted.sort_unstable();
        s["Effect"] == "Allow"
            && actions == wanted
            && s.pointer("/Condition/ForAllValues:StringLike/dynamodb:LeadingKeys") == Some(&prefix)
    });
    if !own {
        problems.push(format!(
            "{id} has no statement granting {IDEMPOTENCY_ACTIONS:?} on the idempotency table for keys {prefix}"
        ));
    }
    if statements.len() > 1 {
        problems.push(format!(
            "{id} has {} statements on the idempotency table; one is enough",
            statements.len()
        ));
    }
    problems
}

/// A function's own table of the generic item store: its variable `!Ref`s a DynamoDB
/// table keyed as the function declares (partition, then sort), and one statement grants
/// the item store's operations on it (some or all of them, no other), with no SAM policy
/// template granting more (Scan, Query, batch reads).
fn items_problems(
    id: &str,
    table: ItemsTable,
    variables: &Value,
    policies: &[Value],
    resources: &Value,
) -> Vec<String> {
    let variable = table.variable;
    let Some(logical) = variables[variable].get("Ref").and_then(Value::as_str) else {
        return vec![format!(
            "{id} declares Items({variable}) but its {variable} is {} (want !Ref a table)",
            variables[variable]
        )];
    };
    let mut problems = Vec::new();
    let resource = &resources[logical];
    if resource["Type"] != "AWS::DynamoDB::Table" {
        problems.push(format!(
            "{id}'s {variable} is !Ref {logical}, which is not an AWS::DynamoDB::Table"
        ));
    }
    let schema: Vec<(String, String)> = resource["Properties"]["KeySchema"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap_or_default().to_owned(),
                k["KeyType"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let wanted: Vec<(String, String)> = table
        .key
        .names()
        .zip(["HASH", "RANGE"])
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    if schema != wanted {
        problems.push(format!(
            "{id} reads {logical} by {wanted:?} but its KeySchema is {schema:?}"
        ));
    }
    problems.extend(sam_table_policies(
        id,
        policies,
        logical,
        &format!("on {logical}: more than the item store calls"),
    ));
    let statements = statements_on(policies, logical);
    let fits = |s: &&Value| {
        let actions: Vec<&str> = s["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        s["Effect"] == "Allow"
            && !actions.is_empty()
            && actions.iter().all(|a| DYNAMODB_ACTIONS.contains(a))
    };
    if statements.len() != 1 || !statements.iter().all(fits) {
        problems.push(format!(
            "{id} needs one statement granting some of {DYNAMODB_ACTIONS:?} (no other \
             action) on {logical}; it has {statements:?}"
        ));
    }
    problems
}

/// The payment ledger's item operations each function's call makes
/// (`orderly_aws::dynamodb::payments`): authorize is one conditional PutItem, void one
/// UpdateItem; neither reads. A function not listed may use both.
fn payment_actions(function: &str) -> Vec<&'static str> {
    match function {
        "authorize-payment" => vec!["dynamodb:PutItem"],
        "void-payment" => vec!["dynamodb:UpdateItem"],
        _ => vec!["dynamodb:PutItem", "dynamodb:UpdateItem"],
    }
}

/// A function's grant on the payments table: exactly the item operations its call makes,
/// in one statement, and no SAM policy template (which would add Scan, Query, DeleteItem,
/// the batch operations).
fn payments_grant_problems(id: &str, declared: &dyn Declared, policies: &[Value]) -> Vec<String> {
    let mut problems = sam_table_policies(
        id,
        policies,
        "PaymentsTable",
        "on the payments table: more than its calls need",
    );
    let statements = statements_on(policies, "PaymentsTable");
    let mut wanted = payment_actions(declared.name());
    wanted.sort_unstable();
    let own = statements.iter().any(|s| {
        s["Effect"] == "Allow" && values(&s["Action"]) == wanted && s.get("Condition").is_none()
    });
    if !own {
        problems.push(format!(
            "{id} has no statement granting exactly {wanted:?} on the payments table"
        ));
    }
    if statements.len() > 1 {
        problems.push(format!(
            "{id} has {} statements on the payments table; one is enough",
            statements.len()
        ));
    }
    problems
}

#[test]
fn every_port_a_function_declares_is_wired_in_the_template() {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("template.yaml")).expect("template.yaml");
    let raw = yaml::parse(&text).expect("template parses");
    let model = template::load(&root.join("template.yaml"), &LoadOptions::default())
        .expect("template loads");
    let mut problems = Vec::new();
    let mut built = Vec::new();
    for function in model.functions.values() {
        let id = &function.logical_id;
        let Some(declared) = declaration(&function.binary) else {
            problems.push(format!(
                "{id}: no function crate declares binary {}",
                function.binary
            ));
            continue;
        };
        built.push(declared.name());
        let properties = &raw["Resources"][id.as_str()]["Properties"];
        let policies = properties["Policies"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        problems.extend(problems_of(
            id,
            declared,
            &properties["Environment"]["Variables"],
            &policies,
        ));
        for port in declared.ports() {
            if let Port::Items(table) = port {
                problems.extend(items_problems(
                    id,
                    *table,
                    &properties["Environment"]["Variables"],
                    &policies,
                    &raw["Resources"],
                ));
            }
        }
    }
    built.sort_unstable();
    let mut crates: Vec<&str> = DECLARED.iter().map(|d| d.name()).collect();
    crates.sort_unstable();
    assert_eq!(
        built, crates,
        "every function crate is a function of the template, once"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check finds each kind of fault, on the template's real declarations.
#[test]
fn a_missing_variable_policy_or_setting_and_an_unread_variable_are_found() {
    let register = declaration("register-order").expect("register-order is declared");
    let wired = json!({"ORDERS_TABLE": {"Ref": "OrdersTable"}, "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"}});
    let own_records = |prefix: &str, actions: &[&str]| {
        json!({"Statement": [{
            "Effect": "Allow",
            "Action": actions,
            "Resource": {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [prefix]}}
        }]})
    };
    let policies = vec![
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        own_records("register-order#*", &IDEMPOTENCY_ACTIONS),
    ];
    assert_eq!(
        problems_of("R", register, &wired, &policies),
        Vec::<String>::new()
    );

    let mut other_table = wired.clone();
    other_table["ORDERS_TABLE"] = json!({"Ref": "AuditTable"});
    let found = problems_of("R", register, &other_table, &policies);
    assert!(
        found[0].contains("ORDERS_TABLE") && found[0].contains("OrdersTable"),
        "{found:?}"
    );

    let write_only = vec![
        json!({"DynamoDBWritePolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        own_records("register-order#*", &IDEMPOTENCY_ACTIONS),
    ];
    assert_eq!(
        problems_of("R", register, &wired, &write_only),
        Vec::<String>::new(),
        "write is enough on the orders table"
    );
    let read_only = vec![
        json!({"DynamoDBReadPolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        own_records("register-order#*", &IDEMPOTENCY_ACTIONS),
    ];
    let found = problems_of("R", register, &wired, &read_only);
    assert!(
        found[0].contains("DynamoDBWritePolicy"),
        "read does not grant write: {found:?}"
    );

    // The idempotency table: CRUD (Scan, Query, BatchGet, any key), another function's
    // keys, or a missing item operation are each refused.
    let crud = vec![
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "IdempotencyTable"}}}),
    ];
    let found = problems_of("R", register, &wired, &crud);
    assert!(
        found
            .iter()
            .any(|p| p.contains("more than its own records")),
        "{found:?}"
    );
    let every_key = vec![
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        own_records("*", &IDEMPOTENCY_ACTIONS),
    ];
    assert!(!problems_of("R", register, &wired, &every_key).is_empty());
    let no_delete = vec![
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "OrdersTable"}}}),
        own_records("register-order#*", &IDEMPOTENCY_ACTIONS[..3]),
    ];
    assert!(
        !problems_of("R", register, &wired, &no_delete).is_empty(),
        "release needs DeleteItem"
    );

    let mut extra = wired.clone();
    extra["AUDIT_TABLE"] = json!({"Ref": "AuditTable"});
    let found = problems_of("R", register, &extra, &policies);
    assert!(found[0].contains("AUDIT_TABLE"), "{found:?}");

    // A publisher: any source (the SAM template), a type it does not publish, or another
    // context's bus, is refused.
    let ship = declaration("ship-order").expect("ship-order is declared");
    let ship_wired = json!({
        "SHIPMENTS_TABLE": {"Ref": "ShipmentsTable"},
        "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"},
        "EVENT_BUS_NAME": {"Ref": "ShippingBus"}
    });
    let put_on = |bus: &str, source: &str, detail_type: &str| {
        json!({"Statement": [{
            "Effect": "Allow", "Action": "events:PutEvents",
            "Resource": {"Fn::GetAtt": [bus, "Arn"]},
            "Condition": {"StringEquals": {"events:source": source, "events:detail-type": detail_type}}
        }]})
    };
    let put = |source: &str, detail_type: &str| put_on("ShippingBus", source, detail_type);
    let ship_policies = |bus: Value| {
        vec![
            json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "ShipmentsTable"}}}),
            own_records("ship-order#*", &IDEMPOTENCY_ACTIONS),
            bus,
        ]
    };
    assert_eq!(
        problems_of(
            "S",
            ship,
            &ship_wired,
            &ship_policies(put("com.shipping", "ShipmentCreated"))
        ),
        Vec::<String>::new()
    );
    for bus in [
        json!({"EventBridgePutEventsPolicy": {"EventBusName": {"Ref": "OrdersBus"}}}),
        put("com.orders", "ShipmentCreated"),
        put("com.shipping", "OrderConfirmed"),
        put_on("OrdersBus", "com.shipping", "ShipmentCreated"),
    ] {
        let found = problems_of("S", ship, &ship_wired, &ship_policies(bus.clone()));
        assert!(!found.is_empty(), "{bus} went unnoticed");
    }
    let mut on_orders_bus = ship_wired.clone();
    on_orders_bus["EVENT_BUS_NAME"] = json!({"Ref": "OrdersBus"});
    let found = problems_of(
        "S",
        ship,
        &on_orders_bus,
        &ship_policies(put("com.shipping", "ShipmentCreated")),
    );
    assert!(
        found.iter().any(|p| p.contains("want !Ref ShippingBus")),
        "Shipping publishing on Orders' bus went unnoticed: {found:?}"
    );

    let callbacks = declaration("record-approval").expect("record-approval is declared");
    let found = problems_of(
        "A",
        callbacks,
        &json!({"APPROVALS_TABLE": {"Ref": "ApprovalsTable"}, "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"}}),
        &[
            json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "ApprovalsTable"}}}),
            own_records("record-approval#*", &IDEMPOTENCY_ACTIONS),
        ],
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("StepFunctionsCallbackPolicy")),
        "{found:?}"
    );

    // The payments table: the variable, and exactly the item operation of the call.
    let void = declaration("void-payment").expect("void-payment is declared");
    let void_wired = json!({
        "PAYMENTS_TABLE": {"Ref": "PaymentsTable"},
        "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"}
    });
    let ledger = |actions: &[&str]| {
        json!({"Statement": [{
            "Effect": "Allow", "Action": actions,
            "Resource": {"Fn::GetAtt": ["PaymentsTable", "Arn"]}
        }]})
    };
    let void_policies =
        |grant: Value| vec![grant, own_records("void-payment#*", &IDEMPOTENCY_ACTIONS)];
    assert_eq!(
        problems_of(
            "V",
            void,
            &void_wired,
            &void_policies(ledger(&["dynamodb:UpdateItem"]))
        ),
        Vec::<String>::new()
    );
    for grant in [
        json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "PaymentsTable"}}}),
        ledger(&["dynamodb:UpdateItem", "dynamodb:PutItem"]),
        ledger(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
        ledger(&["dynamodb:PutItem"]),
    ] {
        let found = problems_of("V", void, &void_wired, &void_policies(grant.clone()));
        assert!(!found.is_empty(), "{grant} went unnoticed");
    }
    // A function's own item table: the key it declares, the item store's operations only.
    let loyalty = ItemsTable {
        variable: "LOYALTY_TABLE",
        key: orderly_core::items::KeyNames::partition("customerId"),
    };
    let loyalty_wired = json!({"LOYALTY_TABLE": {"Ref": "LoyaltyTable"}});
    let keyed = |name: &str| {
        json!({"LoyaltyTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}]}}})
    };
    let on_table = |actions: &[&str]| {
        json!({"Statement": [{
            "Effect": "Allow", "Action": actions,
            "Resource": {"Fn::GetAtt": ["LoyaltyTable", "Arn"]}
        }]})
    };
    let fine = [on_table(&["dynamodb:GetItem", "dynamodb:PutItem"])];
    assert_eq!(
        items_problems("L", loyalty, &loyalty_wired, &fine, &keyed("customerId")),
        Vec::<String>::new()
    );
    for (policies, resources, variables) in [
        (fine.to_vec(), keyed("orderId"), loyalty_wired.clone()),
        (
            fine.to_vec(),
            keyed("customerId"),
            json!({"LOYALTY_TABLE": "loyalty"}),
        ),
        (
            vec![on_table(&["dynamodb:GetItem", "dynamodb:Scan"])],
            keyed("customerId"),
            loyalty_wired.clone(),
        ),
        (
            vec![json!({"DynamoDBCrudPolicy": {"TableName": {"Ref": "LoyaltyTable"}}})],
            keyed("customerId"),
            loyalty_wired.clone(),
        ),
        (Vec::new(), keyed("customerId"), loyalty_wired.clone()),
    ] {
        let found = items_problems("L", loyalty, &variables, &policies, &resources);
        assert!(
            !found.is_empty(),
            "{policies:?} {resources} {variables} went unnoticed"
        );
    }

    let mut unwired = void_wired.clone();
    unwired["PAYMENTS_TABLE"] = json!({"Ref": "OrdersTable"});
    let found = problems_of(
        "V",
        void,
        &unwired,
        &void_policies(ledger(&["dynamodb:UpdateItem"])),
    );
    assert!(found[0].contains("PAYMENTS_TABLE"), "{found:?}");
}

/// Every table of the template is the resource of a port: a domain port's (whose embedded
/// store the local cloud shows as that table) or a function's own item table. A table no
/// function reaches is a table nothing writes.
#[test]
fn every_table_of_the_template_is_a_ports_resource() {
    let root = repo_root();
    let model = template::load(&root.join("template.yaml"), &LoadOptions::default())
        .expect("template loads");
    let raw = yaml::parse(&std::fs::read_to_string(root.join("template.yaml")).expect("text"))
        .expect("template parses");
    let mut resources: Vec<String> = Port::ALL
        .iter()
        .filter_map(|&port| wiring(port).resource.map(str::to_owned))
        .collect();
    for function in model.functions.values() {
        let Some(declared) = declaration(&function.binary) else {
            continue;
        };
        let variables = &raw["Resources"][function.logical_id.as_str()]["Properties"]["Environment"]
            ["Variables"];
        for port in declared.ports() {
            if let Port::Items(table) = port
                && let Some(logical) = variables[table.variable]["Ref"].as_str()
            {
                resources.push(logical.to_owned());
            }
        }
    }
    let orphans: Vec<&str> = model
        .tables
        .keys()
        .map(String::as_str)
        .filter(|table| !resources.iter().any(|r| r == table))
        .collect();
    assert!(orphans.is_empty(), "tables with no port: {orphans:?}");
    assert!(model.tables.contains_key("PaymentsTable"));
}
