//! The real `template.yaml` loads into the model the runtime runs: every function, queue,
//! rule, target, state machine and table of the topology, with its wiring resolved.
//!
//! No test here lists the topology or counts it: what holds for every resource is derived
//! from the template (its raw resources, read with `template::yaml`), and the named checks
//! are of one rule, queue or table each, so adding a consumer needs no edit here. What every
//! queue, function, log group, policy and table must have is template_invariants.rs's check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use orderly_local::clock::ManualClock;
use orderly_local::sqs::Sqs;
use orderly_local::template::{
    self, AttributeType, LoadOptions, Model, StateMachineType, TargetKind, TemplateError,
};
use serde_json::Value;

use crate::repo_template;
use repo_template::{raw_template, repo_root};

/// Every placeholder the template's DefinitionSubstitutions provide, in a definition shaped
/// like the real one, so substitution is checked whatever the state machine file holds.
const FIXTURE_ASL: &str = r#"{
  "StartAt": "RegisterOrder",
  "States": {
    "RegisterOrder": {"Type": "Task", "Resource": "${RegisterOrderFunctionArn}", "Next": "NeedsApproval"},
    "NeedsApproval": {"Type": "Choice", "Choices": [
      {"Variable": "$.registration.needsApproval", "BooleanEquals": true, "Next": "RequestApproval"}],
      "Default": "Reserve"},
    "RequestApproval": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "${RequestApprovalFunctionArn}"}, "Next": "Reserve"},
    "Reserve": {"Type": "Task", "Resource": "${ReserveStockFunctionArn}", "Next": "Authorize"},
    "Authorize": {"Type": "Task", "Resource": "${AuthorizePaymentFunctionArn}", "Next": "Confirmed",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Release"}]},
    "Release": {"Type": "Task", "Resource": "${ReleaseStockFunctionArn}", "Next": "Void"},
    "Void": {"Type": "Task", "Resource": "${VoidPaymentFunctionArn}", "End": true},
    "Confirmed": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
      "Parameters": {"Entries": [{"EventBusName": "${EventBusName}", "Source": "com.orders",
        "DetailType": "OrderConfirmed", "Detail.$": "$"}]}, "End": true}
  }
}"#;

/// The real template next to a state machine file holding [`FIXTURE_ASL`].
fn load_with_fixture(options: &LoadOptions) -> Result<Model, TemplateError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("template.yaml"),
        dir.path().join("template.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("statemachines")).unwrap();
    std::fs::create_dir_all(dir.path().join("units")).unwrap();
    for entry in std::fs::read_dir(repo_root().join("units")).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(
            &from,
            dir.path().join("units").join(from.file_name().unwrap()),
        )
        .unwrap();
    }
    // Every other state machine as it is (order-intake, shipment-quote).
    for entry in std::fs::read_dir(repo_root().join("statemachines")).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(
            &from,
            dir.path()
                .join("statemachines")
                .join(from.file_name().unwrap()),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("statemachines/order-fulfillment.asl.json"),
        FIXTURE_ASL,
    )
    .unwrap();
    template::load(&dir.path().join("template.yaml"), options)
}

fn model() -> Model {
    load_with_fixture(&LoadOptions::default()).unwrap_or_else(|e| panic!("template: {e}"))
}

/// The logical ids of the template's resources of one type, in logical-id order.
fn ids_of_type<'a>(raw: &'a Value, kind: &str) -> Vec<&'a str> {
    let mut ids: Vec<&str> = raw["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, _)| id.as_str())
        .collect();
    ids.sort_unstable();
    ids
}

fn lambda_arn(id: &str) -> String {
    format!("arn:aws:lambda:us-east-1:000000000000:function:orderly-{id}")
}

#[test]
fn every_function_of_the_template_is_loaded_with_its_code_and_environment() {
    let model = model();
    let raw = raw_template();
    let declared = ids_of_type(&raw, "AWS::Serverless::Function");
    let loaded: Vec<&str> = model.functions.keys().map(String::as_str).collect();
    assert_eq!(loaded, declared, "every function of the template is loaded");
    let globals = &raw["Globals"]["Function"];
    // The level every function logs at unless it sets its own: Globals', a parameter's value.
    let global_level = match &globals["LoggingConfig"]["ApplicationLogLevel"] {
        Value::String(level) => Some(level.as_str()),
        other => other["Ref"]
            .as_str()
            .and_then(|p| model.parameters[p].as_str()),
    };
    // Which variables a function must be given is function_wiring.rs's check (each port its
    // function crate declares); here, that each one the template gives reaches the function
    // resolved, pointing at the resource it names.
    for (id, f) in &model.functions {
        let properties = &raw["Resources"][id.as_str()]["Properties"];
        // `FunctionName` when the template names the function (a consumer its unit watches
        // by name), else the name the local stack gives it.
        let name = match properties["FunctionName"]["Fn::Sub"].as_str() {
            Some(text) => text.replace("${AWS::StackName}", "orderly"),
            None => format!("orderly-{id}"),
        };
        assert_eq!(f.name, name, "{id}");
        assert_eq!(
            f.arn,
            format!("arn:aws:lambda:us-east-1:000000000000:function:{name}")
        );
        assert_eq!(
            Some(f.code_uri.as_path()),
            properties["CodeUri"].as_str().map(Path::new),
            "{id}"
        );
        // The code is a crate of the repository that builds the binary the template names.
        let manifest = repo_root().join(&f.code_uri).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{id}: {}: {e}", manifest.display()));
        assert!(
            manifest.contains(&format!("name = \"{}\"", f.binary)),
            "{id}: {} builds no binary {}",
            f.code_uri.display(),
            f.binary
        );
        // Globals apply where the function sets nothing of its own.
        let setting = |key: &str| properties[key].as_u64().or(globals[key].as_u64());
        assert_eq!(Some(u64::from(f.timeout_secs)), setting("Timeout"), "{id}");
        assert_eq!(Some(u64::from(f.memory_mb)), setting("MemorySize"), "{id}");
        if properties["LoggingConfig"]["ApplicationLogLevel"].is_null() {
            assert_eq!(f.log_level.as_deref(), global_level, "{id}: Globals' level");
        }
        let variables = properties["Environment"]["Variables"].as_object();
        for (variable, written) in variables.into_iter().flatten() {
            let value = f
                .environment
                .get(variable)
                .unwrap_or_else(|| panic!("{id} lacks {variable}"));
            assert!(
                !value.is_empty() && !value.contains("${"),
                "{id} {variable}={value}"
            );
            let named = written["Ref"].as_str();
            if let Some(table) = named.and_then(|r| model.tables.get(r)) {
                assert_eq!(value, &table.name, "{id} {variable}: the table's name");
            }
            if let Some(bus) = named.and_then(|r| model.buses.get(r)) {
                assert_eq!(value, &bus.name, "{id} {variable}: the bus's name");
            }
        }
    }
    let place = &model.functions["PlaceOrderFunction"];
    assert_eq!(place.binary, "place-order");
    assert_eq!(place.code_uri, PathBuf::from("functions/place-order"));
    assert_eq!((place.timeout_secs, place.memory_mb), (10, 256));
    assert_eq!(place.log_level.as_deref(), Some("INFO"), "LogLevel default");
    assert_eq!(
        place.environment["ORDERS_TABLE"],
        model.tables["OrdersTable"].name
    );
    // The outbox announces its orders: it puts nothing on the bus itself.
    assert!(!place.environment.contains_key("EVENT_BUS_NAME"));
    assert_eq!(
        model.functions["RegisterOrderFunction"].environment["APPROVAL_THRESHOLD"],
        "100000"
    );
    assert_eq!(place.http_routes.len(), 1);
    assert_eq!(place.http_routes[0].api, "OrdersApi");
    assert_eq!(place.http_routes[0].path.as_deref(), Some("/orders"));
    assert_eq!(place.http_routes[0].method, "POST");
    // Callers sign their requests; place-order scopes idempotency keys to the signer.
    assert!(model.http_apis["OrdersApi"].iam_authorizer);
}

/// The resources a `Ref`, `GetAtt` or `${…}` of a `Sub` names anywhere in `value`.
fn referenced(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("Ref", Value::String(id)) => out.push(id.clone()),
                    ("Fn::GetAtt", Value::Array(parts)) => {
                        out.extend(parts.first().and_then(Value::as_str).map(str::to_owned));
                    }
                    ("Fn::Sub", sub) => {
                        // `!Sub [text, {variable: value}]`: a variable is no resource.
                        let text = sub.as_str().or_else(|| sub[0].as_str()).unwrap_or("");
                        for piece in text.split("${").skip(1) {
                            let name = piece.split('}').next().unwrap_or("");
                            let name = name.split('.').next().unwrap_or(name);
                            if !name.starts_with('!') && sub[1].get(name).is_none() {
                                out.push(name.to_owned());
                            }
                        }
                    }
                    _ => {}
                }
                referenced(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| referenced(item, out)),
        _ => {}
    }
}

/// What a policy grants is on resources that exist: every resource a function's or a state
/// machine's policy names is declared, and every table one names (a `TableName` of a SAM
/// policy template, the resource of a `dynamodb:` statement) is a table of the model.
#[test]
fn every_resource_a_policy_names_is_one_the_template_declares() {
    let model = model();
    let raw = raw_template();
    let resources = raw["Resources"].as_object().unwrap();
    let mut problems = Vec::new();
    for (id, resource) in resources {
        if !matches!(
            resource["Type"].as_str(),
            Some("AWS::Serverless::Function" | "AWS::Serverless::StateMachine")
        ) {
            continue;
        }
        let policies = resource["Properties"]["Policies"].as_array();
        for policy in policies.into_iter().flatten() {
            let mut names = Vec::new();
            referenced(policy, &mut names);
            for name in names {
                let known = resources.contains_key(&name)
                    || model.parameters.contains_key(&name)
                    || name.starts_with("AWS::");
                if !known {
                    problems.push(format!("{id}'s policy names {name}, which is not declared"));
                }
            }
            let mut tables = Vec::new();
            for (name, parameters) in policy.as_object().into_iter().flatten() {
                if name.starts_with("DynamoDB") {
                    referenced(&parameters["TableName"], &mut tables);
                }
            }
            for statement in policy["Statement"].as_array().into_iter().flatten() {
                let actions = match &statement["Action"] {
                    Value::Array(actions) => actions.clone(),
                    one => vec![one.clone()],
                };
                if actions
                    .iter()
                    .any(|a| a.as_str().is_some_and(|a| a.starts_with("dynamodb:")))
                {
                    referenced(&statement["Resource"], &mut tables);
                }
            }
            for table in tables {
                if !model.tables.contains_key(&table) {
                    problems.push(format!(
                        "{id}'s policy grants DynamoDB actions on {table}, which is no table of \
                         the template"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every SQS consumer reports failed records one by one, is bounded, and reads a queue whose
/// visibility timeout outlasts its retries; every queue that is not a dead-letter queue has
/// a consumer.
#[test]
fn sqs_event_sources_carry_their_batching_and_concurrency() {
    let model = model();
    let mut problems = Vec::new();
    let mut consumed = BTreeSet::new();
    for (id, f) in &model.functions {
        for s in &f.sqs_event_sources {
            let Some(queue) = model.queues.get(&s.queue) else {
                problems.push(format!("{id} reads {}, which is no queue", s.queue));
                continue;
            };
            consumed.insert(s.queue.as_str());
            assert_eq!(s.queue_arn, queue.arn);
            if !s.report_batch_item_failures {
                problems.push(format!(
                    "{id} reads {} without FunctionResponseTypes: [ReportBatchItemFailures]: \
                     one bad message would return its whole batch",
                    s.queue
                ));
            }
            if s.maximum_concurrency.is_none() {
                problems.push(format!(
                    "{id} reads {} without ScalingConfig.MaximumConcurrency",
                    s.queue
                ));
            }
            // Lambda's advice: at least six times the function's timeout, plus the window.
            let least = 6 * f.timeout_secs + s.maximum_batching_window_secs;
            if queue.visibility_timeout_secs < least {
                problems.push(format!(
                    "{} has VisibilityTimeout {} s; {id} needs at least {least} s",
                    s.queue, queue.visibility_timeout_secs
                ));
            }
        }
    }
    let dead_letter = dead_letter_queues(&model);
    for id in model.queues.keys() {
        if !dead_letter.contains(id.as_str()) && !consumed.contains(id.as_str()) {
            problems.push(format!(
                "queue {id} is no dead-letter queue and nothing reads it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let source = |function: &str, queue: &str| {
        model.functions[function]
            .sqs_event_sources
            .iter()
            .find(|s| s.queue == queue)
            .map(|s| {
                (
                    s.batch_size,
                    s.maximum_batching_window_secs,
                    s.maximum_concurrency,
                )
            })
    };
    assert_eq!(
        source("ShipOrderFunction", "ShippingQueue"),
        Some((10, 0, Some(2)))
    );
    assert_eq!(
        source("NotifyCustomerFunction", "NotificationsQueue"),
        Some((10, 1, Some(5)))
    );
    // One function stores every event: the audit queue's and the fraud review's.
    assert_eq!(
        source("AuditFunction", "AuditQueue"),
        Some((10, 1, Some(5)))
    );
    assert_eq!(
        source("AuditFunction", "FraudReviewQueue"),
        Some((10, 1, Some(2)))
    );
}

/// The queues something sends its failures to: a queue's redrive, a rule target's
/// dead-letter queue, a function's failure destination or dead-letter queue.
fn dead_letter_queues(model: &Model) -> BTreeSet<&str> {
    let redrives = model
        .queues
        .values()
        .filter_map(|q| q.redrive.as_ref().map(|r| r.dead_letter_queue.as_str()));
    let rule_targets = model
        .rules
        .values()
        .flat_map(|r| &r.targets)
        .filter_map(|t| t.dead_letter_queue.as_ref());
    let functions = model.functions.values().flat_map(|f| {
        [
            &f.async_invoke.on_failure,
            &f.async_invoke.dead_letter_queue,
        ]
        .into_iter()
        .flatten()
        .chain(
            f.stream_event_sources
                .iter()
                .filter_map(|s| s.on_failure.as_ref()),
        )
    });
    let pipes = model.pipes.values().filter_map(|p| match &p.source {
        orderly_local::template::PipeSource::Stream { dead_letter, .. } => dead_letter.as_ref(),
        orderly_local::template::PipeSource::Queue { .. } => None,
    });
    redrives
        .chain(
            rule_targets
                .chain(functions)
                .chain(pipes)
                .filter(|t| t.kind == TargetKind::Queue)
                .map(|t| t.logical_id.as_str()),
        )
        .collect()
}

#[test]
fn record_approval_is_retried_twice_then_fails_to_its_dlq() {
    let model = model();
    let config = &model.functions["RecordApprovalFunction"].async_invoke;
    assert_eq!(config.maximum_retry_attempts, 2);
    assert_eq!(config.maximum_event_age_secs, 3600);
    let on_failure = config.on_failure.as_ref().unwrap();
    assert_eq!(on_failure.kind, TargetKind::Queue);
    assert_eq!(on_failure.logical_id, "RecordApprovalDlq");
    // Functions without EventInvokeConfig keep Lambda's defaults.
    let other = &model.functions["ShipOrderFunction"].async_invoke;
    assert_eq!(
        (other.maximum_retry_attempts, other.maximum_event_age_secs),
        (2, 21_600)
    );
    assert!(other.on_failure.is_none());
}

#[test]
fn queues_have_their_settings_and_dead_letter_wiring() {
    let model = model();
    // That every queue has a dead-letter queue, an alarm and a dashboard metric is
    // template_invariants.rs's check; here, that the model wires what it loads.
    for (id, q) in &model.queues {
        assert_eq!(q.name.ends_with(".fifo"), q.fifo, "{id}: {}", q.name);
        assert_eq!(
            q.arn,
            format!("arn:aws:sqs:us-east-1:000000000000:{}", q.name)
        );
        let Some(redrive) = &q.redrive else { continue };
        let dlq = model
            .queues
            .get(&redrive.dead_letter_queue)
            .unwrap_or_else(|| panic!("{id} redrives to {}", redrive.dead_letter_queue));
        // SQS refuses a standard dead-letter queue for a FIFO queue, and the reverse.
        assert_eq!(dlq.fifo, q.fifo, "{id} -> {}", dlq.logical_id);
        // A standard queue's message keeps its enqueue time in the dead-letter queue, which
        // must keep it at least as long for it to be read there.
        assert!(
            dlq.message_retention_secs >= q.message_retention_secs,
            "{id} keeps messages {} s, its dead-letter queue {} only {} s",
            q.message_retention_secs,
            dlq.logical_id,
            dlq.message_retention_secs
        );
        assert!(redrive.max_receive_count >= 1, "{id}");
    }
    let shipping = &model.queues["ShippingQueue"];
    assert!(!shipping.fifo && !shipping.content_based_deduplication);
    assert_eq!(shipping.visibility_timeout_secs, 90);
    let redrive = shipping.redrive.as_ref().unwrap();
    assert_eq!(
        (
            redrive.dead_letter_queue.as_str(),
            redrive.max_receive_count
        ),
        ("ShippingDlq", 5)
    );
    let rules_dlq = &model.queues["RulesDlq"];
    assert_eq!(rules_dlq.message_retention_secs, 1_209_600);
    assert!(rules_dlq.redrive.is_none());
}

#[test]
fn the_model_creates_every_queue_in_the_sqs_engine_with_redrive() {
    let model = model();
    let sqs = Sqs::new(Arc::new(ManualClock::new(0)));
    let created = sqs.create_queues(model.queue_configs()).unwrap();
    assert_eq!(created.len(), model.queues.len());
    let shipping = sqs
        .queue_by_arn(&model.queues["ShippingQueue"].arn)
        .unwrap();
    // Standard: one order's bad message must not hold up the shipments of others.
    assert!(!shipping.is_fifo());
    assert_eq!(
        shipping.dead_letter_queue().map(|q| q.name().to_owned()),
        Some(model.queues["ShippingDlq"].name.clone())
    );
}

#[test]
fn rules_route_to_their_targets_with_transformers_retries_and_dlqs() {
    let model = model();
    let raw = raw_template();
    for id in ids_of_type(&raw, "AWS::Events::Rule") {
        assert!(model.rules.contains_key(id), "rule {id} is not loaded");
    }
    for (id, rule) in &model.rules {
        if let Some(bus) = &rule.event_bus {
            assert_eq!(model.buses[bus].name, rule.event_bus_name, "{id}");
        }
        if rule.schedule_expression.is_none() {
            assert!(
                serde_json::from_str::<Value>(&rule.event_pattern).is_ok(),
                "{id}: {}",
                rule.event_pattern
            );
        }
        for t in &rule.targets {
            // Every target runs something of the stack, and what it cannot deliver after its
            // retries lands in a queue of the stack rather than being dropped.
            assert!(
                model.resource_by_arn(&t.target.arn).is_some(),
                "{id} targets {}",
                t.target.arn
            );
            let dlq = t
                .dead_letter_queue
                .as_ref()
                .unwrap_or_else(|| panic!("{id}'s target {} has no DeadLetterConfig", t.id));
            assert_eq!(dlq.kind, TargetKind::Queue, "{id}");
            assert!(model.queues.contains_key(&dlq.logical_id), "{id}");
        }
    }
    let on_orders_bus = model
        .rules
        .values()
        .filter(|r| r.event_bus_name == "orders-bus")
        .count();
    assert_eq!(model.rules_on_bus("orders-bus").count(), on_orders_bus);

    // (rule, its bus, target kind, target logical id): each rule's one target, retried 4
    // times within an hour, then put in RulesDlq. A context's consumers are on its own bus;
    // the subscriptions carry events from a publisher's bus to a subscriber's.
    for (id, bus, kind, target) in [
        (
            "ApprovalDecidedRule",
            "OrdersBus",
            TargetKind::Function,
            "RecordApprovalFunction",
        ),
        ("AuditRule", "AuditBus", TargetKind::Queue, "AuditQueue"),
        (
            "CustomerNotificationsRule",
            "OrdersBus",
            TargetKind::Queue,
            "NotificationsQueue",
        ),
        (
            "FraudReviewRule",
            "OrdersBus",
            TargetKind::Queue,
            "FraudReviewQueue",
        ),
        (
            "ShippingRule",
            "ShippingBus",
            TargetKind::Queue,
            "ShippingQueue",
        ),
        (
            "OrderCreatedRule",
            "OrdersBus",
            TargetKind::StateMachine,
            "OrderFulfillmentStateMachine",
        ),
        (
            "OrdersToShippingRule",
            "OrdersBus",
            TargetKind::EventBus,
            "ShippingBus",
        ),
        (
            "OrdersToAuditRule",
            "OrdersBus",
            TargetKind::EventBus,
            "AuditBus",
        ),
        (
            "ShippingToAuditRule",
            "ShippingBus",
            TargetKind::EventBus,
            "AuditBus",
        ),
    ] {
        let rule = &model.rules[id];
        assert_eq!(rule.event_bus.as_deref(), Some(bus), "{id}");
        assert_eq!(rule.event_bus_name, model.buses[bus].name, "{id}");
        assert!(rule.enabled);
        assert_eq!(rule.targets.len(), 1, "{id}");
        let t = &rule.targets[0];
        assert_eq!(
            (t.target.kind, t.target.logical_id.as_str()),
            (kind, target),
            "{id}"
        );
        assert_eq!(t.retry_policy.maximum_retry_attempts, 4, "{id}");
        assert_eq!(t.retry_policy.maximum_event_age_secs, 3600, "{id}");
        assert_eq!(
            t.dead_letter_queue.as_ref().map(|d| d.logical_id.as_str()),
            Some("RulesDlq"),
            "{id}"
        );
    }
    let created = &model.rules["OrderCreatedRule"];
    let to_workflow = created.targets[0]
        .input_transformer
        .as_ref()
        .expect("the workflow's input is transformed");
    assert!(
        to_workflow
            .input_paths_map
            .iter()
            .all(|(_, path)| !path.contains("shippingAddress") && !path.contains("email")),
        "{to_workflow:?}"
    );
    assert!(
        created.targets[0]
            .role_arn
            .as_deref()
            .unwrap()
            .contains(":role/")
    );
    assert_eq!(
        created.event_pattern,
        r#"{"source":["com.orders"],"detail-type":["OrderCreated"]}"#
    );
    // A unit's pattern is its parameter's JSON text.
    assert_eq!(
        serde_json::from_str::<Value>(&model.rules["FraudReviewRule"].event_pattern)
            .expect("the pattern is JSON"),
        serde_json::json!({"source": ["com.orders"], "detail-type": ["OrderCreated"],
            "detail": {"data": {"total": {"amount": [{"numeric": [">", 100000]}]}}}})
    );
    assert_eq!(
        model.rules["ShippingRule"].targets[0]
            .sqs_message_group_id
            .as_deref(),
        None,
        "the shipping queue is standard: no message group"
    );
    let transformer = model.rules["CustomerNotificationsRule"].targets[0]
        .input_transformer
        .as_ref()
        .unwrap();
    let variables: Vec<&str> = transformer
        .input_paths_map
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(variables, ["kind", "orderId", "customerId", "idem", "corr"]);
    assert_eq!(transformer.input_paths_map[1].1, "$.detail.data.orderId");
    assert!(transformer.input_template.starts_with(r#"{"kind": <kind>"#));
}

#[test]
fn resources_are_found_by_the_names_and_arns_callers_use() {
    let model = model();
    let arn = lambda_arn("ReserveStockFunction");
    for name in [
        "orderly-ReserveStockFunction".to_owned(),
        arn.clone(),
        format!("{arn}:$LATEST"),
    ] {
        assert_eq!(
            model.function_named(&name).map(|f| f.logical_id.as_str()),
            Some("ReserveStockFunction"),
            "{name}"
        );
    }
    // A function the template names goes by that name.
    assert_eq!(
        model
            .function_named("orderly-ship-order")
            .map(|f| f.logical_id.as_str()),
        Some("ShipOrderFunction")
    );
    assert!(model.function_named("orderly-Nothing").is_none());
    let shipping = &model.queues["ShippingQueue"];
    for name in [&shipping.name, &shipping.arn, &shipping.url] {
        assert_eq!(
            model.queue_named(name).map(|q| q.logical_id.as_str()),
            Some("ShippingQueue")
        );
    }
    let sm = &model.state_machines["OrderFulfillmentStateMachine"];
    assert_eq!(
        model
            .state_machine_by_arn(&sm.arn)
            .map(|s| s.logical_id.as_str()),
        Some("OrderFulfillmentStateMachine")
    );
}

#[test]
fn the_order_intake_is_express_jsonata_logging_errors_without_data() {
    let model = model();
    let sm = &model.state_machines["OrderIntakeStateMachine"];
    assert_eq!(sm.kind, StateMachineType::Express);
    assert_eq!(sm.logging_level.as_deref(), Some("ERROR"));
    // The input is the whole order, personal data included: never logged.
    assert!(!sm.include_execution_data);
    assert!(!sm.definition.contains("${"), "{}", sm.definition);
    let definition: serde_json::Value = serde_json::from_str(&sm.definition).unwrap();
    assert_eq!(definition["QueryLanguage"], "JSONata");
    // The fraud score's large amount is the template's ApprovalThreshold.
    assert_eq!(
        definition["States"]["Rules"]["Assign"]["fraudRules"]["largeAmount"],
        "{% $number('100000') %}"
    );
    // No state calls a service.
    let compact = definition.to_string();
    assert!(compact.contains("\"Type\":\"Parallel\""), "{compact}");
    assert!(!compact.contains("\"Type\":\"Task\""), "{compact}");
}

#[test]
fn the_state_machine_definition_has_every_substitution_resolved() {
    let model = model();
    let sm = &model.state_machines["OrderFulfillmentStateMachine"];
    assert_eq!(sm.kind, StateMachineType::Standard);
    assert_eq!(
        sm.arn,
        "arn:aws:states:us-east-1:000000000000:stateMachine:orderly-OrderFulfillmentStateMachine"
    );
    assert_eq!(sm.logging_level.as_deref(), Some("ALL"));
    // Every event is logged, without its data: the input holds the payment token.
    assert!(!sm.include_execution_data && sm.tracing);
    assert!(!sm.definition.contains("${"), "{}", sm.definition);
    let definition: serde_json::Value = serde_json::from_str(&sm.definition).unwrap();
    assert_eq!(
        definition["States"]["RegisterOrder"]["Resource"],
        lambda_arn("RegisterOrderFunction")
    );
    assert_eq!(
        definition["States"]["Confirmed"]["Parameters"]["Entries"][0]["EventBusName"],
        "orders-bus"
    );
    for key in [
        "RegisterOrderFunctionArn",
        "ReserveStockFunctionArn",
        "ReleaseStockFunctionArn",
        "AuthorizePaymentFunctionArn",
        "VoidPaymentFunctionArn",
        "RequestApprovalFunctionArn",
    ] {
        let function = key.trim_end_matches("Arn");
        assert_eq!(sm.substitutions[key], lambda_arn(function));
        // Every substituted ARN names a function of the model.
        assert_eq!(
            model
                .resource_by_arn(&sm.substitutions[key])
                .map(|t| t.logical_id),
            Some(function.to_owned())
        );
    }
}

#[test]
fn parameter_overrides_reach_environment() {
    let options = LoadOptions {
        parameter_overrides: BTreeMap::from([
            ("ApprovalThreshold".to_owned(), "5000".to_owned()),
            ("LogLevel".to_owned(), "DEBUG".to_owned()),
        ]),
        ..LoadOptions::default()
    };
    let model = load_with_fixture(&options).unwrap();
    assert_eq!(
        model.functions["RegisterOrderFunction"].environment["APPROVAL_THRESHOLD"],
        "5000"
    );
    assert_eq!(
        model.functions["AuditFunction"].log_level.as_deref(),
        Some("DEBUG")
    );

    let bad = LoadOptions {
        parameter_overrides: BTreeMap::from([("LogLevel".to_owned(), "LOUD".to_owned())]),
        ..LoadOptions::default()
    };
    let err = load_with_fixture(&bad).unwrap_err().to_string();
    assert!(
        err.contains("LogLevel") && err.contains("AllowedValues"),
        "{err}"
    );
}

#[test]
fn tables_have_their_keys_ttl_and_indexes() {
    let model = model();
    let raw = raw_template();
    // Every table of the template is loaded with the key and the TTL it declares; its
    // point-in-time recovery and encryption are template_invariants.rs's check.
    for id in ids_of_type(&raw, "AWS::DynamoDB::Table") {
        let t = model
            .tables
            .get(id)
            .unwrap_or_else(|| panic!("table {id} is not loaded"));
        let properties = &raw["Resources"][id]["Properties"];
        let key = |kind: &str| {
            properties["KeySchema"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|k| k["KeyType"] == kind)
                .and_then(|k| k["AttributeName"].as_str())
        };
        assert_eq!(Some(t.partition_key.name.as_str()), key("HASH"), "{id}");
        assert_eq!(
            t.sort_key.as_ref().map(|k| k.name.as_str()),
            key("RANGE"),
            "{id}"
        );
        let ttl = &properties["TimeToLiveSpecification"];
        let ttl = (ttl["Enabled"] == true)
            .then(|| ttl["AttributeName"].as_str())
            .flatten();
        assert_eq!(t.ttl_attribute.as_deref(), ttl, "{id}");
    }
    // The idempotency engine's records and the approval tokens expire through their TTL.
    let idempotency = &model.tables["IdempotencyTable"];
    assert_eq!(idempotency.partition_key.name, "id");
    assert_eq!(idempotency.partition_key.attribute_type, AttributeType::S);
    assert!(idempotency.sort_key.is_none());
    assert_eq!(idempotency.ttl_attribute.as_deref(), Some("expiration"));
    assert_eq!(
        model.tables["ApprovalsTable"].ttl_attribute.as_deref(),
        Some("expiresAt")
    );
    let audit = &model.tables["AuditTable"];
    assert_eq!(audit.partition_key.name, "eventId");
    assert_eq!(audit.ttl_attribute.as_deref(), Some("expiresAt"));
    let gsi = &audit.global_secondary_indexes;
    assert_eq!(gsi.len(), 1);
    assert_eq!(gsi[0].name, "byCorrelation");
    assert_eq!(gsi[0].partition_key.name, "correlationId");
    assert_eq!(
        gsi[0].sort_key.as_ref().map(|k| k.name.as_str()),
        Some("time")
    );
}

#[test]
fn aws_only_resources_are_listed_not_run() {
    let model = model();
    let raw = raw_template();
    let listed = |id: &str, kind: &str| {
        model
            .not_emulated
            .iter()
            .any(|n| n.logical_id == id && n.resource_type == kind)
    };
    let run = |id: &String| {
        model.functions.contains_key(id)
            || model.queues.contains_key(id)
            || model.buses.contains_key(id)
            || model.rules.contains_key(id)
            || model.archives.contains_key(id)
            || model.state_machines.contains_key(id)
            || model.tables.contains_key(id)
            || model.schedules.contains_key(id)
            || model.http_apis.contains_key(id)
            || model.streams.contains_key(id)
            || model.pipes.contains_key(id)
    };
    // Every resource of the template is run, listed as not emulated, or excluded by its
    // condition; what only matters on AWS (alarms, the dashboard, log groups, policies) is
    // listed and never run.
    let mut unaccounted = Vec::new();
    for (id, resource) in raw["Resources"].as_object().unwrap() {
        let kind = resource["Type"].as_str().unwrap();
        let excluded = model.excluded_by_condition.contains(id);
        // A bus policy runs as its statements, on its bus (named by StatementId).
        let policy_runs = kind == "AWS::Events::EventBusPolicy"
            && model.bus_policies.values().flatten().any(|statement| {
                statement.sid.as_deref() == resource["Properties"]["StatementId"].as_str()
            });
        if !(run(id) || policy_runs || listed(id, kind) || excluded) {
            unaccounted.push(format!("{id} ({kind})"));
        }
        if excluded {
            assert!(!resource["Condition"].is_null(), "{id} has no Condition");
        }
        if !excluded
            && [
                "AWS::CloudWatch::Alarm",
                "AWS::CloudWatch::Dashboard",
                "AWS::Logs::LogGroup",
                "AWS::SQS::QueuePolicy",
            ]
            .contains(&kind)
        {
            assert!(listed(id, kind) && !run(id), "{id} ({kind})");
        }
        // Log groups are not run, but their retention is kept.
        if kind == "AWS::Logs::LogGroup" && !excluded {
            assert!(model.log_groups.contains_key(id), "{id}");
        }
    }
    assert!(unaccounted.is_empty(), "{unaccounted:?}");
    // The archive runs: it is modelled, not listed.
    assert!(
        !model
            .not_emulated
            .iter()
            .any(|n| n.resource_type == "AWS::Events::Archive")
    );
    let archive = &model.archives["OrdersArchive"];
    assert_eq!(archive.event_bus_name, "orders-bus");
    assert_eq!(archive.config.retention_days, 30);
    assert_eq!(
        archive.config.event_pattern.as_deref(),
        Some(r#"{"source":[{"prefix":"com."}]}"#)
    );
    assert!(listed("OrderlyDashboard", "AWS::CloudWatch::Dashboard"));
    // SAM's implicit roles are not template resources and are not listed.
    assert!(
        !model
            .not_emulated
            .iter()
            .any(|n| n.logical_id == "PlaceOrderFunctionRole")
    );
    // The e-mail subscription exists only when AlarmEmail is set.
    assert!(
        model
            .excluded_by_condition
            .iter()
            .any(|id| id == "AlarmEmailSubscription")
    );
    assert_eq!(model.buses["OrdersBus"].name, "orders-bus");
    assert_eq!(model.outputs["OrdersBusName"], "orders-bus");
    assert_eq!(
        model.outputs["ShippingQueueUrl"],
        model.queues["ShippingQueue"].url
    );
}

/// The repository's own state machine file, once it exists, leaves no placeholder behind.
#[test]
fn the_repository_template_loads_as_is_when_its_state_machine_file_exists() {
    let root = repo_root();
    if !root
        .join("statemachines/order-fulfillment.asl.json")
        .exists()
    {
        eprintln!(
            "statemachines/order-fulfillment.asl.json not present yet; checked with the fixture only"
        );
        return;
    }
    let model = template::load(&root.join("template.yaml"), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("template: {e}"));
    for sm in model.state_machines.values() {
        assert!(
            !sm.definition.contains("${"),
            "{}: placeholder left",
            sm.logical_id
        );
        assert!(serde_json::from_str::<serde_json::Value>(&sm.definition).is_ok());
    }
}

/// The order stream: every order event keyed by its order id, without the order's personal
/// data, read by order-analytics in one-minute windows with the failure handling a stream
/// consumer needs (partial batch responses, splits, bounded retries and age, a destination
/// that an alarm watches).
#[test]
fn the_order_stream_feeds_order_analytics_by_order_id_in_windows() {
    use orderly_local::runtime::streams::StartingPosition;
    let model = model();
    let stream = &model.streams["OrderStream"];
    assert!(stream.on_demand);
    assert!(stream.kms_key_id.is_some(), "the stream is encrypted");
    let rule = &model.rules["OrderStreamRule"];
    let target = &rule.targets[0];
    assert_eq!(target.target.arn, stream.arn);
    assert_eq!(
        target.kinesis_partition_key_path.as_deref(),
        Some("$.detail.data.orderId")
    );
    let template = &target
        .input_transformer
        .as_ref()
        .expect("a projection")
        .input_template;
    for personal in ["customer", "email", "paymentToken", "shippingAddress"] {
        assert!(
            !template.contains(personal),
            "{personal} would reach the stream"
        );
    }
    let function = &model.functions["OrderAnalyticsFunction"];
    let source = &function.stream_event_sources[0];
    assert_eq!(source.stream_arn, stream.arn);
    let config = &source.config;
    assert_eq!(config.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(config.tumbling_window_ms, Some(60_000));
    assert!(config.report_batch_item_failures && config.bisect_on_error);
    assert!(
        config.maximum_retry_attempts.is_some(),
        "retries are bounded"
    );
    assert!(
        config.maximum_record_age_ms.is_some(),
        "record age is bounded"
    );
    assert_eq!(
        config.parallelization_factor, 1,
        "a window's state is its shard's"
    );
    let destination = source
        .on_failure
        .as_ref()
        .expect("an on-failure destination");
    let raw = raw_template();
    let watched = raw["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .any(|r| {
            r["Type"] == "AWS::CloudWatch::Alarm"
                && r["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
                    == destination.logical_id.as_str()
        });
    assert!(watched, "an alarm watches {}", destination.logical_id);
}
