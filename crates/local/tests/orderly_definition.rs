//! Orderly's own state machine, `statemachines/order-fulfillment.asl.json`, run through
//! every scenario of `events/put-events` with the tasks of
//! `statemachines/order-fulfillment.mock.json` (Step Functions Local's format). Each row
//! checks the outcome that matters: status, output or error and cause, the route through
//! the top-level states, which functions ran with what, and the event published.

use crate::fulfillment;

use fulfillment::fixtures::{
    DEFINITION, TEMPLATE, definition_json, definition_text, machine_of, mock_test_cases, read,
    repo_root, scenario_names, state_machine, top_level_states,
};
use fulfillment::{Approval, Cause, Decide, Outcome, Row, checks::check, run};
use orderly_local::template::{self, LoadOptions, placeholders, substitution_mismatch};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const CONFIRMED: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "QuoteShipment",
    "PublishOrderConfirmed",
    "PublishOrderConfirmedV2",
    "OrderConfirmed",
];
const APPROVED: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "RequestApproval",
    "Fulfil",
    "QuoteShipment",
    "PublishOrderConfirmed",
    "PublishOrderConfirmedV2",
    "OrderConfirmed",
];
const REJECTED: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "RequestApproval",
    "ApprovalRejected",
    "PublishOrderFailed",
    "IsBusinessOutcome",
    "OrderFailed",
];
const TIMED_OUT: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "RequestApproval",
    "ApprovalTimedOut",
    "PublishOrderFailed",
    "IsBusinessOutcome",
    "OrderFailed",
];
const DECLINED: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "PaymentDeclined",
    "Compensate",
    "PublishOrderFailed",
    "IsBusinessOutcome",
    "OrderFailed",
];
const OUT_OF_STOCK: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "OutOfStock",
    "Compensate",
    "PublishOrderFailed",
    "IsBusinessOutcome",
    "OrderFailed",
];
/// The nested shipment quote fails: the order is confirmed all the same, without a quote.
const UNQUOTED: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "QuoteShipment",
    "ShipmentQuoteUnavailable",
    "PublishOrderConfirmed",
    "PublishOrderConfirmedV2",
    "OrderConfirmed",
];
const DUPLICATE: &[&str] = &["RegisterOrder", "IsDuplicate", "Duplicate"];
/// Version 1 of OrderConfirmed is out but version 2 cannot be put: the order stays
/// confirmed, nothing is compensated, and the execution fails at the put for a redrive.
const CONFIRMED_IN_VERSION_1: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "QuoteShipment",
    "PublishOrderConfirmed",
    "PublishOrderConfirmedV2",
];
/// OrderConfirmed cannot be put: the order is compensated and OrderFailed published, so no
/// execution ends with stock reserved and a payment authorized and nothing published; the
/// execution fails, as an unexpected error must.
const CONFIRMATION_LOST: &[&str] = &[
    "RegisterOrder",
    "IsDuplicate",
    "NeedsApproval",
    "Fulfil",
    "QuoteShipment",
    "PublishOrderConfirmed",
    "ConfirmationNotPublished",
    "Compensate",
    "PublishOrderFailed",
    "IsBusinessOutcome",
    "ExecutionFailed",
];

/// The definition's fixed cause when no decision arrives.
const NO_DECISION: Cause = Cause::Text("no approval decision before the deadline");
/// TimeoutSeconds of RequestApproval, the 24 hours the docs promise: nothing sends
/// heartbeats, so no HeartbeatSeconds may fire first.
const APPROVAL_TIMEOUT: Duration = Duration::from_secs(86_400);

fn rows() -> Vec<Row> {
    let row = |name, scenario, test_case, route, outcome| Row {
        name,
        scenario,
        delivery: 0,
        test_case,
        approval: Approval::Mocked,
        route,
        outcome,
        task_failures: &[],
        payment_attempts: Some(&[0]),
        approval_wait: None,
    };
    let approval = |name, test_case, approval, route, outcome| Row {
        approval,
        payment_attempts: Some(if route == APPROVED { &[0] } else { &[] }),
        ..row(name, "approval-needed", test_case, route, outcome)
    };
    let rejected = |cause| Outcome::Failed {
        reason: "ApprovalRejected",
        cause: Cause::Text(cause),
    };
    let timed_out = Outcome::Failed {
        reason: "ApprovalTimedOut",
        cause: NO_DECISION,
    };
    vec![
        row(
            "happy-path",
            "happy-path",
            "HappyPath",
            CONFIRMED,
            Outcome::Confirmed,
        ),
        approval(
            "approval-needed: approved (mocked)",
            "ApprovalGranted",
            Approval::Mocked,
            APPROVED,
            Outcome::Confirmed,
        ),
        Row {
            approval_wait: Some(fulfillment::DECISION_AFTER),
            ..approval(
                "approval-needed: approval-decision through SendTaskSuccess",
                "ApprovalGranted",
                Approval::Callback(Decide::AsPut),
                APPROVED,
                Outcome::Confirmed,
            )
        },
        Row {
            task_failures: &["ApprovalRejected"],
            ..approval(
                "approval-needed: rejected (mocked)",
                "ApprovalRejected",
                Approval::Mocked,
                REJECTED,
                rejected("Customer could not be verified."),
            )
        },
        Row {
            task_failures: &["ApprovalRejected"],
            approval_wait: Some(fulfillment::DECISION_AFTER),
            ..approval(
                "approval-needed: rejected through SendTaskFailure",
                "ApprovalRejected",
                Approval::Callback(Decide::Rejected),
                REJECTED,
                rejected("rejected by approver-17"),
            )
        },
        Row {
            task_failures: &["States.Timeout"],
            ..approval(
                "approval-needed: timed out (mocked)",
                "ApprovalTimedOut",
                Approval::Mocked,
                TIMED_OUT,
                timed_out,
            )
        },
        Row {
            task_failures: &["States.Timeout"],
            approval_wait: Some(APPROVAL_TIMEOUT),
            ..approval(
                "approval-needed: no decision, the approval times out after 24 hours",
                "ApprovalTimedOut",
                Approval::Callback(Decide::Never),
                TIMED_OUT,
                timed_out,
            )
        },
        Row {
            task_failures: &["PaymentDeclined"],
            ..row(
                "payment-declined",
                "payment-declined",
                "PaymentDeclined",
                DECLINED,
                Outcome::Failed {
                    reason: "PaymentDeclined",
                    cause: Cause::Lambda {
                        error_type: "PaymentDeclined",
                        message: "payment declined for order o-declined-1",
                    },
                },
            )
        },
        Row {
            task_failures: &["OutOfStock"],
            // The payment branch runs beside the failing reservations: whether it was
            // called before the Parallel stopped it is not part of the outcome.
            payment_attempts: None,
            ..row(
                "out-of-stock",
                "out-of-stock",
                "OutOfStock",
                OUT_OF_STOCK,
                Outcome::Failed {
                    reason: "OutOfStock",
                    cause: Cause::Lambda {
                        error_type: "OutOfStock",
                        message: "out of stock: OUT-OF-STOCK-1 (wanted 1, 0 available)",
                    },
                },
            )
        },
        Row {
            task_failures: &["PaymentProviderUnavailable", "PaymentProviderUnavailable"],
            payment_attempts: Some(&[0, 1, 2]),
            ..row(
                "payment-flaky",
                "payment-flaky",
                "PaymentFlaky",
                CONFIRMED,
                Outcome::Confirmed,
            )
        },
        Row {
            task_failures: &["EventBridge.EventBridgeException"; 4],
            ..row(
                "happy-path: OrderConfirmed cannot be put after its retries",
                "happy-path",
                "ConfirmationNotPublished",
                CONFIRMATION_LOST,
                Outcome::Errored {
                    reason: "ConfirmationNotPublished",
                    cause: Cause::Text("EventBridge is unavailable"),
                },
            )
        },
        Row {
            task_failures: &["EventBridge.EventBridgeException"; 7],
            ..row(
                "happy-path: OrderConfirmed version 2 cannot be put after its retries",
                "happy-path",
                "ConfirmationV2NotPublished",
                CONFIRMED_IN_VERSION_1,
                Outcome::ConfirmedInVersion1Only {
                    error: "EventBridge.EventBridgeException",
                    cause: Cause::Text("EventBridge is unavailable"),
                },
            )
        },
        Row {
            task_failures: &["States.TaskFailed"],
            ..row(
                "happy-path: the nested shipment quote fails and the order ships unquoted",
                "happy-path",
                "ShipmentQuoteUnavailable",
                UNQUOTED,
                Outcome::Confirmed,
            )
        },
        row(
            "duplicate-delivery: the first delivery owns the order",
            "duplicate-delivery",
            "FirstDelivery",
            CONFIRMED,
            Outcome::Confirmed,
        ),
        Row {
            delivery: 1,
            payment_attempts: Some(&[]),
            ..row(
                "duplicate-delivery: the second delivery ends as Duplicate",
                "duplicate-delivery",
                "RepeatedDelivery",
                DUPLICATE,
                Outcome::Duplicate,
            )
        },
    ]
}

/// Runs `rows` on `definition` and returns each failing row with its problems.
async fn failing_rows(definition: &Value, rows: &[Row]) -> Vec<(String, Vec<String>)> {
    let machine = machine_of(definition);
    let top_level = top_level_states(definition);
    let mut failing = Vec::new();
    for row in rows {
        let execution = run(&machine, row).await;
        let problems = check(row, &execution, &top_level);
        if !problems.is_empty() {
            failing.push((row.name.to_owned(), problems));
        }
    }
    failing
}

fn report(failing: &[(String, Vec<String>)]) -> String {
    failing
        .iter()
        .map(|(name, problems)| format!("{name}:\n  - {}", problems.join("\n  - ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(start_paused = true)]
async fn every_scenario_ends_as_the_business_expects() {
    let failing = failing_rows(&definition_json(), &rows()).await;
    assert!(failing.is_empty(), "{}", report(&failing));
}

/// A mocked shipment quote is what the real shipment-quote workflow answers for the
/// row's order: a mock that disagrees with its scenario fails here.
#[tokio::test(start_paused = true)]
async fn every_mocked_quote_is_what_the_real_child_answers() {
    let child = model_of("ShipmentQuoteStateMachine");
    let machine = orderly_states::StateMachine::parse(&child.definition).expect("the child");
    let mut checked = 0;
    for row in rows() {
        let Some(Ok(mocked)) = fulfillment::fixtures::mocked_quote(row.test_case) else {
            continue;
        };
        let order = fulfillment::input_of(&row);
        let input = json!({
            "orderId": order["data"]["orderId"],
            "lines": order["data"]["lines"],
            "total": order["data"]["total"],
        });
        let options = orderly_states::ExecutionOptions {
            clock: std::sync::Arc::new(orderly_states::TokioClock::new()),
            ..orderly_states::ExecutionOptions::default()
        };
        let real = orderly_states::execute(&machine, input, options).await;
        assert_eq!(real.output.as_ref(), Some(&mocked), "{}", row.name);
        checked += 1;
    }
    assert!(checked > 0, "no row's test case mocks a quote");
}

/// The template's state machine `logical_id`, as the local cloud loads it.
fn model_of(logical_id: &str) -> &'static template::StateMachine {
    &fulfillment::fixtures::model().state_machines[logical_id]
}

#[test]
fn every_scenario_file_and_mock_test_case_has_a_row() {
    let rows = rows();
    let covered: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r.scenario.to_owned())
        .chain([fulfillment::DECISION_SCENARIO.to_owned()])
        .collect();
    assert_eq!(scenario_names(), covered, "scenario files vs rows");
    let used: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r.test_case.to_owned()).collect();
    assert_eq!(mock_test_cases(), used, "mock test cases vs rows");
    let unused = fulfillment::fixtures::unused_mocked_responses();
    assert!(
        unused.is_empty(),
        "mocked responses no test case uses: {unused:?}"
    );
    for scenario in &covered {
        let deliveries: std::collections::BTreeSet<usize> = rows
            .iter()
            .filter(|r| r.scenario == scenario.as_str())
            .map(|r| r.delivery)
            .collect();
        let inputs = fulfillment::fixtures::execution_inputs(scenario).len();
        assert_eq!(
            deliveries,
            (0..inputs).collect(),
            "{scenario}: a row for every OrderCreated delivery"
        );
    }
}

#[test]
fn the_definition_uses_exactly_the_template_substitutions() {
    let mismatch = substitution_mismatch(&read(DEFINITION), &state_machine().substitutions);
    assert!(
        mismatch.undefined.is_empty(),
        "placeholders the template does not fill: {:?}",
        mismatch.undefined
    );
    assert!(
        mismatch.unused.is_empty(),
        "DefinitionSubstitutions the definition does not use: {:?}",
        mismatch.unused
    );
    let filled = definition_text();
    assert!(
        placeholders(&filled).is_empty(),
        "placeholders left after substitution: {:?}",
        placeholders(&filled)
    );
    machine_of(&definition_json());
}

/// The check above fails both ways: on a key the definition never uses, and on a
/// placeholder no key fills.
#[test]
fn a_substitution_mismatch_is_found_both_ways() {
    let definition = r#"{"Resource": "${RegisterOrderFunctionArn}", "Bus": "${EventBusName}"}"#;
    let given = |keys: &[&str]| -> BTreeMap<String, String> {
        keys.iter()
            .map(|k| ((*k).to_owned(), "value".to_owned()))
            .collect()
    };
    let names =
        |keys: &[&str]| -> BTreeSet<String> { keys.iter().map(|k| (*k).to_owned()).collect() };
    let unused = substitution_mismatch(
        definition,
        &given(&[
            "RegisterOrderFunctionArn",
            "EventBusName",
            "ApprovalThreshold",
        ]),
    );
    assert_eq!(unused.unused, names(&["ApprovalThreshold"]));
    assert!(unused.undefined.is_empty());
    assert!(!unused.is_empty());

    let undefined = substitution_mismatch(definition, &given(&["RegisterOrderFunctionArn"]));
    assert!(undefined.unused.is_empty());
    assert_eq!(undefined.undefined, names(&["EventBusName"]));
    assert!(!undefined.is_empty());

    let exact = substitution_mismatch(
        definition,
        &given(&["RegisterOrderFunctionArn", "EventBusName"]),
    );
    assert!(exact.is_empty(), "{exact:?}");
}

/// The template as it was, with `ApprovalThreshold` passed to a definition that routes on
/// register-order's output instead: the check names the unused substitution.
#[test]
fn the_old_approval_threshold_substitution_is_reported_unused() {
    let text = read(TEMPLATE);
    // The fulfillment machine's block (the intake machine has one too).
    let block = "      DefinitionUri: statemachines/order-fulfillment.asl.json\n      DefinitionSubstitutions:\n";
    assert_eq!(
        text.matches(block).count(),
        1,
        "{TEMPLATE}: one DefinitionSubstitutions block at this indentation"
    );
    let old = text.replace(
        block,
        &format!("{block}        ApprovalThreshold: !Ref ApprovalThreshold\n"),
    );
    let model = template::load_str(&old, &repo_root(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("the old template: {e}"));
    let machine = model
        .state_machines
        .get(&state_machine().logical_id)
        .unwrap_or_else(|| panic!("the old template lacks {}", state_machine().logical_id));
    let mismatch = substitution_mismatch(&read(DEFINITION), &machine.substitutions);
    assert_eq!(
        mismatch.unused,
        BTreeSet::from(["ApprovalThreshold".to_owned()])
    );
    assert!(mismatch.undefined.is_empty(), "{mismatch:?}");
}

/// Breaking one part of the definition must fail the row that depends on it: the table
/// checks routing, not just that executions end.
#[tokio::test(start_paused = true)]
async fn a_broken_definition_fails_its_row() {
    let swapped_catches = |state: &str, a: usize, b: usize| -> Vec<(String, Value)> {
        let next = |i: usize| format!("/States/{state}/Catch/{i}/Next");
        let original = definition_json();
        vec![
            (
                next(a),
                original.pointer(&next(b)).cloned().unwrap_or_default(),
            ),
            (
                next(b),
                original.pointer(&next(a)).cloned().unwrap_or_default(),
            ),
        ]
    };
    let one = |pointer: &str, value: Value| vec![(pointer.to_owned(), value)];
    let swapped_outcomes = vec![
        (
            "/States/IsBusinessOutcome/Choices/0/Next".to_owned(),
            json!("ExecutionFailed"),
        ),
        (
            "/States/IsBusinessOutcome/Default".to_owned(),
            json!("OrderFailed"),
        ),
    ];
    // Each breakage keeps every state reachable, so the definition stays valid.
    let breakages: Vec<(Vec<(String, Value)>, &str)> = vec![
        (swapped_catches("Fulfil", 0, 1), "payment-declined"),
        (swapped_catches("Fulfil", 0, 1), "out-of-stock"),
        (
            swapped_catches("RequestApproval", 0, 1),
            "approval-needed: rejected through SendTaskFailure",
        ),
        (
            swapped_catches("RequestApproval", 0, 1),
            "approval-needed: timed out (mocked)",
        ),
        (
            one("/States/PaymentDeclined/Next", json!("PublishOrderFailed")),
            "payment-declined",
        ),
        (
            one("/States/Compensate/Next", json!("OrderFailed")),
            "out-of-stock",
        ),
        (
            one(
                "/States/OutOfStock/Parameters/reason",
                json!("PaymentDeclined"),
            ),
            "out-of-stock",
        ),
        (
            one(
                "/States/Fulfil/Branches/1/States/AuthorizePayment/Retry/1/MaxAttempts",
                json!(1),
            ),
            "payment-flaky",
        ),
        (
            one(
                "/States/RequestApproval/Catch/1/ErrorEquals",
                json!(["States.HeartbeatTimeout"]),
            ),
            "approval-needed: no decision, the approval times out after 24 hours",
        ),
        (
            one("/States/RequestApproval/TimeoutSeconds", json!(43_200)),
            "approval-needed: no decision, the approval times out after 24 hours",
        ),
        // A heartbeat deadline nothing meets fires before the promised 24 hours.
        (
            vec![
                (
                    "/States/RequestApproval/HeartbeatSeconds".to_owned(),
                    json!(43_200),
                ),
                (
                    "/States/RequestApproval/Catch/1/ErrorEquals".to_owned(),
                    json!(["States.Timeout", "States.HeartbeatTimeout"]),
                ),
            ],
            "approval-needed: no decision, the approval times out after 24 hours",
        ),
        // OrderConfirmed that cannot be put must not leave the order's resources held.
        (
            one(
                "/States/PublishOrderConfirmed/Catch/0/ErrorEquals",
                json!(["States.Timeout"]),
            ),
            "happy-path: OrderConfirmed cannot be put after its retries",
        ),
        // A business failure must not fail the execution, and an unexpected error must.
        (
            swapped_outcomes.clone(),
            "happy-path: OrderConfirmed cannot be put after its retries",
        ),
        (swapped_outcomes.clone(), "payment-declined"),
        (swapped_outcomes, "approval-needed: timed out (mocked)"),
        (
            one(
                "/States/NeedsApproval/Choices/0/BooleanEquals",
                json!(false),
            ),
            "happy-path",
        ),
        (
            one(
                "/States/NeedsApproval/Choices/0/BooleanEquals",
                json!(false),
            ),
            "approval-needed: approval-decision through SendTaskSuccess",
        ),
        (
            one(
                "/States/IsDuplicate/Choices/0/StringEquals",
                json!("Registered"),
            ),
            "duplicate-delivery: the first delivery owns the order",
        ),
        (
            one(
                "/States/PublishOrderConfirmed/Parameters/Entries/0/DetailType",
                json!("OrderFailed"),
            ),
            "happy-path",
        ),
        (
            one(
                "/States/Compensate/Branches/0/States/ReleaseItems/ItemSelector/sku.$",
                json!("$.data.orderId"),
            ),
            "out-of-stock",
        ),
    ];
    let all = rows();
    for (edits, row_name) in &breakages {
        let mut definition = definition_json();
        for (pointer, value) in edits {
            // A field the definition does not have yet is added to its object.
            let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
            match definition.pointer_mut(pointer) {
                Some(slot) => *slot = value.clone(),
                None => match definition
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                {
                    Some(object) => {
                        object.insert(key.to_owned(), value.clone());
                    }
                    None => panic!("{parent} is not an object of {DEFINITION}"),
                },
            }
        }
        let Some(row) = all.iter().find(|r| r.name == *row_name) else {
            panic!("no row named {row_name}");
        };
        if let Err(problem) = orderly_states::StateMachine::parse(&definition.to_string()) {
            panic!("{edits:?} makes the definition invalid: {problem}");
        }
        let failing = failing_rows(&definition, std::slice::from_ref(row)).await;
        assert!(
            !failing.is_empty(),
            "{edits:?} went unnoticed by row {row_name}"
        );
    }
}

/// A Lambda task whose idempotency record another attempt holds (one that died after its
/// side effect, or is still running) fails with `IdempotencyAlreadyInProgress` until that
/// attempt's lease ends — at most the function's timeout after it was taken. So every
/// Lambda task retries that error first, with a first interval longer than its function's
/// timeout and no jitter (full jitter gives no minimum wait): the retries cannot all be
/// spent inside one lease. The timeouts come from the template, so lengthening a function's
/// timeout without its retry fails here.
#[test]
fn in_progress_retries_outlast_the_lease() {
    use orderly_core::lambda::ALREADY_IN_PROGRESS;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model = orderly_local::template::load(
        &root.join("template.yaml"),
        &orderly_local::template::LoadOptions::default(),
    )
    .expect("template loads");
    let machine = model
        .state_machines
        .values()
        .next()
        .expect("a state machine");
    let definition: Value = serde_json::from_str(&machine.definition).expect("definition");
    let mut tasks = Vec::new();
    lambda_tasks(&definition["States"], &mut tasks);
    assert!(tasks.len() >= 6, "every Lambda task: {tasks:?}");
    let mut problems = Vec::new();
    for (state, task) in &tasks {
        let arn = task["Parameters"]["FunctionName"]
            .as_str()
            .unwrap_or_default();
        let Some(function) = model.functions.values().find(|f| f.arn == arn) else {
            problems.push(format!("{state}: {arn} is no function of the template"));
            continue;
        };
        let lease_ms = i64::from(function.timeout_secs) * 1000;
        let retriers = task["Retry"].as_array().cloned().unwrap_or_default();
        let first = retriers.iter().position(|r| {
            r["ErrorEquals"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|n| n == ALREADY_IN_PROGRESS || n == "States.ALL")
            })
        });
        let Some(retrier) = first.map(|i| &retriers[i]) else {
            problems.push(format!("{state}: no retrier for {ALREADY_IN_PROGRESS}"));
            continue;
        };
        let interval_ms = retrier["IntervalSeconds"].as_i64().unwrap_or(1) * 1000;
        let jitter = retrier["JitterStrategy"].as_str().unwrap_or("NONE");
        if retrier["ErrorEquals"][0] != ALREADY_IN_PROGRESS
            || interval_ms <= lease_ms
            || jitter != "NONE"
            || retrier["MaxAttempts"].as_i64().unwrap_or(3) < 1
        {
            problems.push(format!(
                "{state}: the first retrier of {ALREADY_IN_PROGRESS} ({retrier}) must wait longer than \
                 {} s, the timeout of {}, without jitter",
                function.timeout_secs, function.logical_id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `lambda:invoke` Task state of `states`, nested ones included, by name.
fn lambda_tasks(states: &Value, out: &mut Vec<(String, Value)>) {
    for (name, state) in states.as_object().into_iter().flatten() {
        if state["Type"] == "Task"
            && state["Resource"]
                .as_str()
                .is_some_and(|r| r.contains(":lambda:"))
        {
            out.push((name.clone(), state.clone()));
        }
        for branch in state["Branches"].as_array().into_iter().flatten() {
            lambda_tasks(&branch["States"], out);
        }
        lambda_tasks(&state["ItemProcessor"]["States"], out);
        lambda_tasks(&state["Iterator"]["States"], out);
    }
}
