//! The template against its neighbours: the event catalog it registers is the generated
//! one, the state machine it deploys is valid with every ARN substituted, and every
//! put-events scenario reaches exactly the rules it is meant to reach.

use event_pattern::{Pattern, RuleSet};
use orderly_local::template::{self, LoadOptions, Model};
use serde_json::Value;
use std::path::PathBuf;

use crate::repo_template;
use repo_template::raw_template;

fn root() -> PathBuf {
    repo_template::repo_root()
}

fn model() -> Model {
    template::load(&root().join("template.yaml"), &LoadOptions::default()).expect("template loads")
}

#[test]
fn registered_schemas_are_the_generated_ones() {
    let raw = raw_template();
    let resources = raw["Resources"].as_object().unwrap();
    let registered: Vec<(&String, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::EventSchemas::Schema")
        .collect();
    let mut files = 0;
    for (name, schema) in orderly_core::contracts::schema::all() {
        files += 1;
        let on_disk: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("schemas/{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(on_disk, schema, "schemas/{name}.json is stale");
        // OrderConfirmed.v2 is OrderConfirmedV2Schema (scripts/registry-sync writes them).
        let logical = format!("{}Schema", name.replace(".v", "V"));
        let in_template = registered
            .iter()
            .find(|(id, _)| **id == logical)
            .unwrap_or_else(|| panic!("template registers no {logical} (scripts/registry-sync)"));
        let content: Value =
            serde_json::from_str(in_template.1["Properties"]["Content"].as_str().unwrap()).unwrap();
        assert_eq!(
            content, schema,
            "{logical} in template.yaml differs from schemas/{name}.json (scripts/registry-sync)"
        );
        let registered_as = in_template.1["Properties"]["SchemaName"].as_str().unwrap();
        assert!(
            registered_as.ends_with(&format!("@{name}")),
            "{logical} is registered as {registered_as}, not <source>@{name}"
        );
    }
    assert_eq!(
        registered.len(),
        files,
        "every registered schema is a contract and every contract is registered"
    );
}

#[test]
fn state_machine_is_valid_and_every_substitution_is_used_and_resolved() {
    let model = model();
    assert!(!model.state_machines.is_empty());
    for machine in model.state_machines.values() {
        orderly_states::StateMachine::parse(&machine.definition)
            .unwrap_or_else(|e| panic!("{} is not a valid definition: {e}", machine.logical_id));
        assert!(
            !machine.definition.contains("${"),
            "{}: a placeholder is left",
            machine.logical_id
        );
        let uri = machine
            .definition_uri
            .as_ref()
            .expect("the state machine has a DefinitionUri");
        let file = std::fs::read_to_string(root().join(uri))
            .or_else(|_| std::fs::read_to_string(model.template_dir.join(uri)))
            .unwrap_or_else(|e| panic!("{}: {e}", uri.display()));
        let mismatch = template::substitution_mismatch(&file, &machine.substitutions);
        assert!(
            mismatch.undefined.is_empty(),
            "{}: placeholders with no DefinitionSubstitution: {:?}",
            machine.logical_id,
            mismatch.undefined
        );
        assert!(
            mismatch.unused.is_empty(),
            "{}: DefinitionSubstitutions the definition does not use: {:?}",
            machine.logical_id,
            mismatch.unused
        );
        // Every Resource and function name in the definition is an ARN or a name the
        // template defines, never a hard-coded account.
        assert!(
            !file.contains("arn:aws:lambda"),
            "a Lambda ARN is hard-coded"
        );
        assert!(
            !file.contains("123456789012"),
            "an account id is hard-coded"
        );
    }
}

/// Each scenario and the rules it must reach, and no other: the rules of orders-bus, where
/// the files put their events, and the rules of the buses those rules' subscriptions send
/// them on to (Audit's, on audit-bus).
const ROUTES: &[(&str, &[&str])] = &[
    (
        "happy-path",
        &[
            "AuditRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "approval-needed",
        &[
            "AuditRule",
            "FraudReviewRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "payment-declined",
        &[
            "AuditRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "out-of-stock",
        &[
            "AuditRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "payment-flaky",
        &[
            "AuditRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "duplicate-delivery",
        &[
            "AuditRule",
            "OrderCreatedRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
        ],
    ),
    (
        "approval-decision",
        &["ApprovalDecidedRule", "AuditRule", "OrdersToAuditRule"],
    ),
];

#[test]
fn every_scenario_reaches_exactly_its_rules() {
    let model = model();
    // One rule set per bus, as each bus matches only its own rules.
    let mut buses: std::collections::BTreeMap<&str, RuleSet> = std::collections::BTreeMap::new();
    for rule in model.rules.values() {
        buses.entry(rule.event_bus_name.as_str()).or_default().add(
            &rule.logical_id,
            &Pattern::parse(&rule.event_pattern).unwrap(),
        );
    }
    let on_bus = |bus: &str, event: &Value| -> Vec<String> {
        buses
            .get(bus)
            .map(|r| r.matching(event).into_iter().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let dir = root().join("events/put-events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let expected = ROUTES
            .iter()
            .find(|(name, _)| *name == scenario)
            .unwrap_or_else(|| panic!("scenario {scenario} has no expected routing in this test"))
            .1;
        let entries: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for entry in entries {
            let event = serde_json::json!({
                "version": "0", "id": "1", "account": "000000000000", "region": "us-east-1",
                "time": "2026-11-26T12:00:00Z", "resources": [],
                "source": entry["Source"], "detail-type": entry["DetailType"],
                "detail": serde_json::from_str::<Value>(entry["Detail"].as_str().unwrap()).unwrap(),
            });
            let bus = entry["EventBusName"].as_str().unwrap_or("orders-bus");
            let mut matched = on_bus(bus, &event);
            // A subscription sends the event on to its bus, once; no further.
            for rule in matched.clone() {
                for target in &model.rules[rule.as_str()].targets {
                    if let Some(receiver) = model.buses.get(&target.target.logical_id) {
                        matched.extend(on_bus(&receiver.name, &event));
                    }
                }
            }
            matched.sort_unstable();
            assert_eq!(matched, expected.to_vec(), "{scenario}");
        }
        seen += 1;
    }
    assert_eq!(seen, ROUTES.len(), "every routed scenario has a file");
}

/// The state machine logs its whole input, so what the OrderCreated rule gives it is the
/// order without personal data, in the shape the workflow's tasks parse.
#[test]
fn the_workflow_input_holds_the_order_without_personal_data() {
    let model = model();
    let rule = model
        .rules
        .values()
        .find(|r| r.logical_id == "OrderCreatedRule")
        .expect("OrderCreatedRule");
    let target = rule
        .targets
        .iter()
        .find(|t| t.target.kind == orderly_local::template::TargetKind::StateMachine)
        .expect("a state machine target");
    let input = orderly_local::runtime::bus::target_input(target)
        .compile()
        .expect("the target's input compiles");
    let ctx = event_pattern::RuleContext {
        rule_name: &rule.name,
        rule_arn: &rule.arn,
        ingestion_time: None,
    };
    let mut orders = 0;
    for entry in std::fs::read_dir(root().join("events/put-events")).unwrap() {
        let entries: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for entry in entries.iter().filter(|e| e["DetailType"] == "OrderCreated") {
            let detail: Value = serde_json::from_str(entry["Detail"].as_str().unwrap()).unwrap();
            let event = serde_json::json!({
                "version": "0", "id": "1", "account": "000000000000", "region": "us-east-1",
                "time": "2026-11-26T12:00:00Z", "resources": [],
                "source": entry["Source"], "detail-type": entry["DetailType"], "detail": detail,
            });
            let delivered = input
                .apply(&event.to_string(), &ctx)
                .expect("the input applies");
            let delivered: Value = serde_json::from_str(&delivered).expect("input is JSON");
            let order: orderly_core::domain::FulfillmentOrder =
                serde_json::from_value(delivered["data"].clone()).expect("the workflow's order");
            order.validate().expect("a valid order");
            serde_json::from_value::<orderly_core::contracts::Metadata>(
                delivered["metadata"].clone(),
            )
            .expect("the envelope's metadata");
            let full = &detail["data"];
            let personal = [
                &full["customer"]["email"],
                &full["customer"]["name"],
                &full["shippingAddress"]["line1"],
                &full["shippingAddress"]["city"],
                &full["shippingAddress"]["postcode"],
            ];
            let text = delivered.to_string();
            for value in personal {
                let value = value.as_str().expect("the sample order has it");
                assert!(
                    !text.contains(value),
                    "{value} reaches the workflow: {text}"
                );
            }
            orders += 1;
        }
    }
    assert!(orders >= 6, "every order scenario is checked ({orders})");
}

/// OrderConfirmed as Orders publishes it, in version 1 and version 2 (the same fact).
fn order_confirmed_versions() -> Vec<(u32, Value)> {
    use orderly_core::contracts::{
        Contract, Detail, Metadata, OrderConfirmed, OrderConfirmedV2, OutboundEvent,
    };
    use orderly_core::domain::{Currency, Money, OrderLine};
    let currency = Currency::try_from("EUR".to_owned()).unwrap();
    let v1 = OrderConfirmed {
        order_id: "o-1".into(),
        customer_id: "c-1".into(),
        total: Money::new(3998, currency),
        authorization_id: "auth-1".into(),
        lines: vec![OrderLine {
            sku: "BOOK-0001".into(),
            quantity: 2,
            unit_price: 1999,
        }],
        shipping: None,
    };
    let metadata = Metadata {
        idempotency_key: "k-1:OrderConfirmed".into(),
        correlation_id: "corr-1".into(),
        event_version: String::new(),
        occurred_at: "2026-12-07T00:00:00Z".into(),
    };
    let event = |out: OutboundEvent| serde_json::json!({"source": out.source, "detail-type": out.detail_type, "detail": out.detail});
    let v2 = OrderConfirmedV2::from(&v1);
    let events = vec![
        (
            OrderConfirmed::VERSION,
            event(OutboundEvent::new(metadata.clone(), &v1).unwrap()),
        ),
        (
            OrderConfirmedV2::VERSION,
            event(OutboundEvent::new(metadata, &v2).unwrap()),
        ),
    ];
    // Each reads back as its own version only.
    let _: Detail<OrderConfirmed> = orderly_core::contracts::parse_event(&events[0].1).unwrap();
    let _: Detail<OrderConfirmedV2> = orderly_core::contracts::parse_event(&events[1].1).unwrap();
    events
}

/// While a contract is published in two versions, each subscriber declares in its rules
/// the versions it reads (`detail.metadata.event-version`). A rule that takes two
/// versions of one event hands its consumer the same fact twice, so only Shipping's take
/// both, exactly the versions its anti-corruption layer reads (and acts on once, by the
/// key both carry); every version published has a rule that takes it.
#[test]
fn each_rule_takes_the_versions_its_consumer_reads_and_each_version_has_one() {
    let model = model();
    let versioned: Vec<String> = orderly_core::contracts::schema::all()
        .into_iter()
        .filter_map(|(name, _)| name.split_once(".v").map(|(t, _)| t.to_owned()))
        .collect();
    assert_eq!(
        versioned,
        ["OrderConfirmed"],
        "a contract now has several versions: give this test its events"
    );
    let events = order_confirmed_versions();
    let shipping_reads = ship_order::anti_corruption::VERSIONS_READ.to_vec();
    let shipping = ["OrdersToShippingRule", "ShippingRule"];
    let mut takers: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    for rule in model.rules.values() {
        let pattern = Pattern::parse(&rule.event_pattern).unwrap();
        let taken: Vec<u32> = events
            .iter()
            .filter(|(_, event)| pattern.matches(event))
            .map(|(version, _)| *version)
            .collect();
        if shipping.contains(&rule.logical_id.as_str()) {
            assert_eq!(
                taken, shipping_reads,
                "{} must take the versions ship-order reads",
                rule.logical_id
            );
        } else {
            assert!(
                taken.len() <= 1,
                "{} takes OrderConfirmed in versions {taken:?}: its pattern must name the one its consumer reads",
                rule.logical_id
            );
        }
        for version in taken {
            takers
                .entry(version)
                .or_default()
                .push(rule.logical_id.clone());
        }
    }
    let want = |rules: &[&str]| rules.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>();
    // Audit, notifications and the order stream are on version 1; Shipping (its
    // subscription and its own rule) reads both.
    assert_eq!(
        takers[&1],
        want(&[
            "AuditRule",
            "CustomerNotificationsRule",
            "OrderStreamRule",
            "OrdersToAuditRule",
            "OrdersToShippingRule",
            "ShippingRule",
        ])
    );
    assert_eq!(takers[&2], want(&shipping));
}
