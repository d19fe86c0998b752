//! `statemachines/shipment-quote.asl.json`, the Express workflow order-fulfillment runs as
//! a nested execution (`states:startExecution.sync:2`), in a cloud of the project's own
//! template: its quote against the rates its definition states, the orders it refuses to
//! quote, and the parent and child of a real order.

use crate::sfn_support;

use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{ScenarioEnv, by_name, run, start_cloud};
use orderly_states::history::EventDetails;
use serde_json::{Value, json};
use sfn_support::ok;
use std::path::Path;

const CHILD: &str = "ShipmentQuoteStateMachine";
const PARENT: &str = "OrderFulfillmentStateMachine";

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cloud() -> LocalCloud {
    start_cloud(&ScenarioEnv::at(root())).expect("the project's template starts")
}

fn arn_of(cloud: &LocalCloud, logical_id: &str) -> String {
    cloud.inner.model.state_machines[logical_id].arn.clone()
}

/// The rates the definition states (its `Rates` state), read rather than repeated here.
struct Rates {
    items_per_parcel: i64,
    freight_above: i64,
    standard: i64,
    freight: i64,
    free_from: i64,
}

impl Rates {
    fn of(cloud: &LocalCloud) -> Self {
        let definition: Value =
            serde_json::from_str(&cloud.inner.model.state_machines[CHILD].definition)
                .expect("JSON");
        let rates = &definition["States"]["Rates"]["Assign"]["rates"];
        let int = |v: &Value| v.as_i64().unwrap_or_else(|| panic!("a rate: {v}"));
        Self {
            items_per_parcel: int(&rates["itemsPerParcel"]),
            freight_above: int(&rates["freightAbove"]),
            standard: int(&rates["perParcel"]["standard"]),
            freight: int(&rates["perParcel"]["freight"]),
            free_from: int(&rates["freeFrom"]),
        }
    }

    /// The quote the rates give an order of `units` units and `total` minor units.
    fn quote(&self, units: i64, total: i64, currency: &str) -> Value {
        let parcels = (units + self.items_per_parcel - 1) / self.items_per_parcel;
        let (service, per_parcel) = if parcels > self.freight_above {
            ("freight", self.freight)
        } else {
            ("standard", self.standard)
        };
        let cost = if total >= self.free_from {
            0
        } else {
            parcels * per_parcel
        };
        json!({"service": service, "parcels": parcels,
               "cost": {"amount": cost, "currency": currency}})
    }
}

/// The child's input as QuoteShipment writes it: `units` spread over `lines` lines.
fn input(units: i64, lines: i64, total: i64, currency: &str) -> Value {
    let lines: Vec<Value> = (0..lines)
        .map(|i| {
            let share = units / lines + i64::from(i < units % lines);
            json!({"sku": format!("SKU-{i}"), "quantity": share, "unitPrice": 100})
        })
        .filter(|l| l["quantity"] != 0)
        .collect();
    json!({
        "orderId": "o-quote-1",
        "lines": lines,
        "total": {"amount": total, "currency": currency},
        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":
            "arn:aws:states:us-east-1:000000000000:execution:parent:1"
    })
}

async fn quote(cloud: &LocalCloud, input: &Value) -> Value {
    ok(
        cloud,
        "StartSyncExecution",
        json!({"stateMachineArn": arn_of(cloud, CHILD), "input": input.to_string()}),
    )
    .await
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_quote_follows_the_stated_rates() {
    let cloud = cloud();
    let rates = Rates::of(&cloud);
    let per_parcel = rates.items_per_parcel;
    // Around every edge: one parcel's worth, the freight threshold, the free threshold.
    let units = [
        1,
        per_parcel - 1,
        per_parcel,
        per_parcel + 1,
        per_parcel * rates.freight_above,
        per_parcel * rates.freight_above + 1,
        per_parcel * 12 + 7,
    ];
    let totals = [0, rates.free_from - 1, rates.free_from, rates.free_from * 9];
    let mut quoted = 0;
    for &units in &units {
        for lines in [1, 3] {
            for &total in &totals {
                for currency in ["EUR", "GBP"] {
                    let input = input(units, lines, total, currency);
                    let answer = quote(&cloud, &input).await;
                    assert_eq!(answer["status"], "SUCCEEDED", "{input}: {answer}");
                    let output: Value =
                        serde_json::from_str(answer["output"].as_str().expect("output"))
                            .expect("JSON");
                    assert_eq!(
                        output,
                        rates.quote(units, total, currency),
                        "{units} units, {total} {currency}"
                    );
                    quoted += 1;
                }
            }
        }
    }
    assert_eq!(quoted, units.len() * 2 * totals.len() * 2);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn lines_that_make_no_parcels_are_refused_with_the_order_named() {
    let cloud = cloud();
    let with_lines = |lines: Value| {
        let mut order = input(3, 1, 1000, "EUR");
        order["lines"] = lines;
        order
    };
    for (what, order) in [
        ("no lines", with_lines(json!([]))),
        (
            "no lines at all",
            json!({"orderId": "o-quote-1", "total": {"amount": 1, "currency": "EUR"}}),
        ),
        (
            "a zero quantity",
            with_lines(json!([{"sku": "A", "quantity": 0}])),
        ),
        (
            "a negative quantity",
            with_lines(json!([{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": -1}])),
        ),
        (
            "a fractional quantity",
            with_lines(json!([{"sku": "A", "quantity": 1.5}])),
        ),
        (
            "a quantity as text",
            with_lines(json!([{"sku": "A", "quantity": "2"}])),
        ),
    ] {
        let answer = quote(&cloud, &order).await;
        assert_eq!(answer["status"], "FAILED", "{what}: {answer}");
        assert_eq!(answer["error"], "ShipmentNotQuotable", "{what}: {answer}");
        let cause = answer["cause"].as_str().unwrap_or_default();
        assert!(cause.contains("o-quote-1"), "{what}: {cause}");
    }
    // Logging.Level ERROR: each failed run logs its Fail state and its end, nothing else;
    // a quote that succeeds logs nothing.
    quote(&cloud, &input(3, 1, 1000, "EUR")).await;
    let group = cloud.inner.model.state_machines[CHILD]
        .log_group
        .clone()
        .expect("a log group");
    let types: Vec<String> = cloud
        .inner
        .logs
        .group_lines(&group)
        .iter()
        .filter_map(|l| l.line["type"].as_str().map(str::to_owned))
        .collect();
    let failed_run = ["FailStateEntered", "ExecutionFailed"];
    assert_eq!(types, failed_run.repeat(6), "{group}");
}

/// The tasks of `execution`'s history scheduled on a service action (`events`,
/// `putEvents`), their parameters parsed.
fn scheduled(cloud: &LocalCloud, execution: &str, service: &str, action: &str) -> Vec<Value> {
    let entry = cloud.inner.execution(execution).expect("the execution");
    let result = entry.result.expect("ended");
    result
        .history
        .iter()
        .filter_map(|event| match &event.details {
            EventDetails::TaskScheduled(task)
                if task.resource_type == service && task.resource == action =>
            {
                Some(serde_json::from_str(&task.parameters).expect("JSON parameters"))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_order_is_confirmed_with_the_quote_of_its_nested_child() {
    let scenario = by_name("happy-path").expect("the scenario");
    let done = run(scenario, &ScenarioEnv::at(root()))
        .await
        .expect("the scenario runs");
    assert!(done.outcome.passed, "{:?}", done.outcome.details);
    let cloud = &done.cloud;
    let executions = cloud.inner.executions();
    let of = |logical_id: &str| -> Vec<_> {
        let arn = arn_of(cloud, logical_id);
        executions
            .iter()
            .filter(|e| e.machine_arn == arn)
            .cloned()
            .collect()
    };
    let (parents, children) = (of(PARENT), of(CHILD));
    let ([parent], [child]) = (parents.as_slice(), children.as_slice()) else {
        panic!(
            "one parent and one child: {} and {}",
            parents.len(),
            children.len()
        );
    };
    // An Express child, linked to the parent that started it.
    assert!(child.arn.contains(":express:"), "{}", child.arn);
    assert_eq!(child.status(), "SUCCEEDED");
    assert_eq!(
        child.input["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"],
        json!(parent.arn)
    );
    assert_eq!(child.input["lines"], parent.input["data"]["lines"]);
    // Its output is the parent's `shipping`, and OrderConfirmed carries it.
    let quote = child
        .result
        .as_ref()
        .and_then(|r| r.output.clone())
        .expect("the child's output");
    let parent_output = parent
        .result
        .as_ref()
        .and_then(|r| r.output.clone())
        .expect("the parent's output");
    assert_eq!(parent_output["shipping"], quote);
    // OrderConfirmed is put in each version, each carrying the quote.
    let published = scheduled(cloud, &parent.arn, "events", "putEvents");
    let [v1, v2] = published.as_slice() else {
        panic!("two PutEvents, one a version: {published:?}");
    };
    for (put, version) in [(v1, "1"), (v2, "2")] {
        let entry = &put["Entries"][0];
        assert_eq!(entry["DetailType"], "OrderConfirmed");
        assert_eq!(entry["Detail"]["metadata"]["event-version"], version);
        assert_eq!(entry["Detail"]["data"]["shipping"], quote);
    }
    // And it is what the stated rates give the order.
    let units: i64 = parent.input["data"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["quantity"].as_i64())
        .sum();
    let total = &parent.input["data"]["total"];
    assert_eq!(
        quote,
        Rates::of(cloud).quote(
            units,
            total["amount"].as_i64().expect("amount"),
            total["currency"].as_str().expect("currency")
        )
    );
}
