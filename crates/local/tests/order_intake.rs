//! `statemachines/order-intake.asl.json`, the Express machine `POST /orders` checks every
//! order with, run by StartSyncExecution in a cloud of the project's own template: each
//! reason it refuses an order for, and the priced answer of an order it accepts.

use crate::sfn_support;

use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use serde_json::{Value, json};
use sfn_support::ok;
use std::path::Path;

fn cloud() -> LocalCloud {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    start_cloud(&ScenarioEnv::at(root)).expect("the project's template starts")
}

fn intake_arn(cloud: &LocalCloud) -> String {
    cloud
        .inner
        .model
        .state_machines
        .get("OrderIntakeStateMachine")
        .map(|m| m.arn.clone())
        .expect("the template has OrderIntakeStateMachine")
}

/// The sample order of `events/http/order.json` as place-order hands it to the intake:
/// 2 × 1500 + 1 × 2500 EUR, shipped to DE.
fn order() -> Value {
    json!({
        "orderId": "o-intake-1",
        "customer": {"customerId": "c-1", "email": "ada@example.com", "name": "Ada Lovelace"},
        "lines": [
            {"sku": "BOOK-0001", "quantity": 2, "unitPrice": 1500},
            {"sku": "TOY-0001", "quantity": 1, "unitPrice": 2500}
        ],
        "total": {"amount": 5500, "currency": "EUR"},
        "paymentToken": "tok_visa",
        "shippingAddress": {"line1": "1 Hauptstr.", "city": "Berlin", "postcode": "10115", "country": "DE"},
        "placedAt": "2026-11-26T12:00:00Z"
    })
}

/// Runs the intake on `input`: the execution must succeed (a refusal is an answer); its
/// output, parsed.
async fn intake(cloud: &LocalCloud, input: &Value) -> Value {
    let answer = ok(
        cloud,
        "StartSyncExecution",
        json!({"stateMachineArn": intake_arn(cloud), "input": input.to_string()}),
    )
    .await;
    assert_eq!(answer["status"], "SUCCEEDED", "{answer}");
    serde_json::from_str(answer["output"].as_str().expect("output")).expect("JSON output")
}

/// The (code, field) of each reason of a REJECTED answer.
fn reasons(answer: &Value) -> Vec<(String, String)> {
    assert_eq!(answer["decision"], "REJECTED", "{answer}");
    answer["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("reasons: {answer}"))
        .iter()
        .map(|r| {
            assert!(r["message"].is_string(), "{r}");
            (
                r["code"].as_str().unwrap_or_default().to_owned(),
                r["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, f)| ((*c).to_owned(), (*f).to_owned()))
        .collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_valid_order_is_accepted_priced_and_taxed() {
    let cloud = cloud();
    let answer = intake(&cloud, &order()).await;
    assert_eq!(answer["decision"], "ACCEPTED", "{answer}");
    assert_eq!(answer["orderId"], "o-intake-1");
    assert_eq!(
        answer["lines"],
        json!([
            {"sku": "BOOK-0001", "quantity": 2, "unitPrice": 1500, "lineTotal": 3000},
            {"sku": "TOY-0001", "quantity": 1, "unitPrice": 2500, "lineTotal": 2500}
        ])
    );
    assert_eq!(
        answer["subtotal"],
        json!({"amount": 5500, "currency": "EUR"})
    );
    // DE: 19 % of 5500 = 1045.
    assert_eq!(
        answer["tax"],
        json!({"amount": 1045, "currency": "EUR", "country": "DE", "basisPoints": 1900, "rounding": "HALF_UP"})
    );
    assert_eq!(answer["total"], json!({"amount": 6545, "currency": "EUR"}));
    assert_eq!(answer["fraud"], json!({"score": 0, "signals": []}));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn one_line_orders_keep_their_lines_a_list_and_tax_rounds_half_up() {
    let cloud = cloud();
    // 19 % of 2550 = 484.5: rounded up to 485. 19 % of 2450 = 465.5: 466. 17 × 1900 / 10000
    // = 3.23: 3.
    for (unit_price, tax) in [(2550, 485), (2450, 466), (17, 3), (0, 0)] {
        let mut o = order();
        o["lines"] = json!([{"sku": "BOOK-0001", "quantity": 1, "unitPrice": unit_price}]);
        o["total"]["amount"] = json!(unit_price);
        let answer = intake(&cloud, &o).await;
        assert_eq!(answer["decision"], "ACCEPTED", "{answer}");
        assert!(answer["lines"].is_array(), "{answer}");
        assert_eq!(answer["tax"]["amount"], tax, "{unit_price}: {answer}");
        assert_eq!(answer["total"]["amount"], unit_price + tax, "{answer}");
    }
    // Exact far past what f64 division keeps exact: 19 % of 7,000,000,000,000,001 is
    // 1,330,000,000,000,000.19.
    let mut o = order();
    let big = 7_000_000_000_000_001_i64;
    o["lines"] = json!([{"sku": "BOOK-0001", "quantity": 1, "unitPrice": big}]);
    o["total"]["amount"] = json!(big);
    let answer = intake(&cloud, &o).await;
    assert_eq!(answer["decision"], "ACCEPTED", "{answer}");
    assert_eq!(
        answer["tax"]["amount"], 1_330_000_000_000_000_i64,
        "{answer}"
    );
    assert_eq!(
        answer["total"]["amount"], 8_330_000_000_000_001_i64,
        "{answer}"
    );
    // With tax, the largest amount JSONata counts exactly (2^53 - 1) is passed: refused.
    let max = 9_007_199_254_740_991_i64;
    o["lines"] = json!([{"sku": "BOOK-0001", "quantity": 1, "unitPrice": max}]);
    o["total"]["amount"] = json!(max);
    let answer = intake(&cloud, &o).await;
    assert_eq!(
        reasons(&answer),
        pairs(&[("Overflow", "total.amount")]),
        "{answer}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_broken_rule_is_a_reason_named_by_its_field() {
    let cloud = cloud();
    type Mutation = fn(&mut Value);
    type Case = (&'static str, Mutation, Vec<(&'static str, &'static str)>);
    let cases: Vec<Case> = vec![
        (
            "no lines",
            |o| {
                o["lines"] = json!([]);
                o["total"]["amount"] = json!(0);
            },
            vec![("NoLines", "lines")],
        ),
        (
            "lines missing",
            |o| {
                o.as_object_mut().map(|m| m.remove("lines"));
                o["total"]["amount"] = json!(0);
            },
            vec![("NoLines", "lines")],
        ),
        (
            "blank order id",
            |o| o["orderId"] = json!(" "),
            vec![("MissingField", "orderId")],
        ),
        (
            "no customer id",
            |o| o["customer"] = json!({}),
            vec![("MissingField", "customer.customerId")],
        ),
        (
            "empty payment token",
            |o| o["paymentToken"] = json!(""),
            vec![("MissingField", "paymentToken")],
        ),
        (
            "zero quantity",
            |o| {
                o["lines"][1]["quantity"] = json!(0);
                o["total"]["amount"] = json!(3000);
            },
            vec![("NonPositiveQuantity", "lines[1].quantity")],
        ),
        (
            "negative quantity",
            |o| {
                o["lines"][0]["quantity"] = json!(-2);
            },
            vec![
                ("NonPositiveQuantity", "lines[0].quantity"),
                ("TotalMismatch", "total.amount"),
            ],
        ),
        (
            "fractional quantity",
            |o| {
                o["lines"][0]["quantity"] = json!(1.5);
            },
            vec![("NotAnInteger", "lines[0].quantity")],
        ),
        (
            "quantity as text",
            |o| {
                o["lines"][0]["quantity"] = json!("2");
            },
            vec![("NotAnInteger", "lines[0].quantity")],
        ),
        (
            "negative price",
            |o| {
                o["lines"][1]["unitPrice"] = json!(-1);
                o["total"]["amount"] = json!(2999);
            },
            vec![("NegativePrice", "lines[1].unitPrice")],
        ),
        (
            "fractional price",
            |o| {
                o["lines"][1]["unitPrice"] = json!(24.99);
            },
            vec![("NotAnInteger", "lines[1].unitPrice")],
        ),
        (
            "blank sku",
            |o| o["lines"][1]["sku"] = json!(""),
            vec![("EmptySku", "lines[1].sku")],
        ),
        (
            "sku twice",
            |o| o["lines"][1]["sku"] = json!("BOOK-0001"),
            vec![("DuplicateSku", "lines[1].sku")],
        ),
        (
            "wrong total",
            |o| o["total"]["amount"] = json!(5499),
            vec![("TotalMismatch", "total.amount")],
        ),
        (
            "fractional total",
            |o| o["total"]["amount"] = json!(5500.5),
            vec![("NotAnInteger", "total.amount")],
        ),
        (
            "lower-case currency",
            |o| o["total"]["currency"] = json!("eur"),
            vec![("InvalidCurrency", "total.currency")],
        ),
        (
            "no currency",
            |o| {
                o["total"].as_object_mut().map(|m| m.remove("currency"));
            },
            vec![("InvalidCurrency", "total.currency")],
        ),
        (
            "no stated tax rate",
            |o| o["shippingAddress"]["country"] = json!("ZZ"),
            vec![("UnsupportedCountry", "shippingAddress.country")],
        ),
        (
            "a line over 2^53 - 1",
            |o| {
                o["lines"] =
                    json!([{"sku": "A", "quantity": 2, "unitPrice": 9_007_199_254_740_991_i64}]);
                o["total"]["amount"] = json!(0);
            },
            vec![("Overflow", "lines[0]")],
        ),
        (
            "lines over 2^53 - 1",
            |o| {
                o["lines"] = json!([{"sku": "A", "quantity": 1, "unitPrice": 9_007_199_254_740_000_i64}, {"sku": "B", "quantity": 1, "unitPrice": 9_007_199_254_740_000_i64}]);
                o["total"]["amount"] = json!(0);
            },
            vec![("Overflow", "lines")],
        ),
        // Every reason at once, not the first only.
        (
            "several",
            |o| {
                o["orderId"] = json!("");
                o["lines"][0]["quantity"] = json!(0);
                o["lines"][1]["sku"] = json!(" ");
                o["total"]["currency"] = json!("EURO");
            },
            vec![
                ("MissingField", "orderId"),
                ("InvalidCurrency", "total.currency"),
                ("NonPositiveQuantity", "lines[0].quantity"),
                ("EmptySku", "lines[1].sku"),
                ("TotalMismatch", "total.amount"),
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (name, mutate, expected) in cases {
        let mut o = order();
        mutate(&mut o);
        let answer = intake(&cloud, &o).await;
        if reasons(&answer) != pairs(&expected) {
            failures.push(format!("{name}: {answer}"));
        }
        assert!(
            answer.get("tax").is_none(),
            "{name}: an invalid order is not priced: {answer}"
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn reasons_use_the_domain_words() {
    let cloud = cloud();
    let mut o = order();
    o["lines"][1]["sku"] = json!("BOOK-0001");
    o["total"]["amount"] = json!(1);
    let answer = intake(&cloud, &o).await;
    let messages: Vec<&str> = answer["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "lines[1].sku BOOK-0001 is already on lines[0]; put its quantity on one line",
            "total is 1 but the lines add up to 5500",
        ],
        "{answer}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_fraud_score_refuses_risky_orders_only() {
    let cloud = cloud();
    // (country, currency, lines, unit price) → score, refused.
    let cases: [(&str, &str, usize, i64, i64, bool); 7] = [
        ("DE", "EUR", 1, 99_999, 0, false),
        // At the template's ApprovalThreshold (100000): large.
        ("DE", "EUR", 1, 100_000, 30, false),
        ("DE", "EUR", 1, 1_000_000, 50, false),
        ("GB", "EUR", 1, 5_500, 40, false),
        ("GB", "EUR", 1, 100_000, 70, true),
        ("DE", "EUR", 20, 50_000, 70, true),
        ("US", "USD", 19, 100, 0, false),
    ];
    for (country, currency, lines, unit_price, score, refused) in cases {
        let mut o = order();
        o["shippingAddress"]["country"] = json!(country);
        o["total"] = json!({"amount": unit_price * lines as i64, "currency": currency});
        o["lines"] = (0..lines)
            .map(|i| json!({"sku": format!("SKU-{i}"), "quantity": 1, "unitPrice": unit_price}))
            .collect();
        let answer = intake(&cloud, &o).await;
        let case = format!("{country} {currency} {lines}×{unit_price}");
        assert_eq!(answer["fraud"]["score"], score, "{case}: {answer}");
        if refused {
            assert_eq!(reasons(&answer), pairs(&[("FraudRisk", "order")]), "{case}");
            // The caller is told it was the risk check, not which signal tripped it.
            assert_eq!(
                answer["reasons"][0]["message"],
                "the order was refused by the risk check"
            );
        } else {
            assert_eq!(answer["decision"], "ACCEPTED", "{case}: {answer}");
        }
    }
}
