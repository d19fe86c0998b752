//! What a row's execution must show. The expected values come from the scenario's input
//! and the functions' rules (an authorization id is `auth-<orderId>`, a reservation takes
//! the line's quantity), not from the mocks, so a mock that disagrees with its scenario
//! fails as surely as a broken route. The one exception is the shipment quote, the mocked
//! child's output: tests/shipment_quote.rs checks each such mock against the real
//! shipment-quote workflow run on its scenario.

use super::fixtures::{bus, mocked_quote};
use super::trace::{self, LambdaCall};
use super::{Approval, Outcome, Row, decision_detail, input_of};
use orderly_core::contracts::{OrderConfirmed, OrderConfirmedV2};
use orderly_states::Execution;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every difference between the execution and the row, as readable lines.
pub fn check(row: &Row, execution: &Execution, top_level: &BTreeSet<String>) -> Vec<String> {
    let input = input_of(row);
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    let route = trace::route(execution, top_level);
    expect(
        route == row.route,
        format!("route: got {route:?}, want {:?}", row.route),
    );

    let status = row.outcome.status();
    expect(
        execution.status == status,
        format!(
            "status: got {:?} (error {:?}, cause {:?}), want {status:?}",
            execution.status, execution.error, execution.cause
        ),
    );
    match row.outcome {
        Outcome::Errored { reason, cause }
        | Outcome::ConfirmedInVersion1Only {
            error: reason,
            cause,
        } => {
            let cause = cause.text();
            expect(
                execution.error.as_deref() == Some(reason),
                format!("error: got {:?}, want {reason}", execution.error),
            );
            expect(
                execution.cause.as_deref() == Some(cause.as_str()),
                format!("cause: got {:?}, want {cause}", execution.cause),
            );
        }
        Outcome::Failed { reason, cause } => {
            let want = json!({
                "status": "OrderFailed",
                "orderId": input["data"]["orderId"],
                "reason": reason,
                "cause": cause.text(),
            });
            let got = execution.output.as_ref().map(normalized);
            expect(
                got.as_ref() == Some(&want),
                format!("output: got {got:?}, want {want}"),
            );
        }
        Outcome::Confirmed | Outcome::Duplicate => {
            let want = expected_output(row, &input);
            let got = execution.output.as_ref().map(normalized);
            expect(
                got.as_ref() == Some(&want),
                format!("output: got {got:?}, want {want}"),
            );
        }
    }

    let failures = trace::task_failures(execution);
    expect(
        failures == row.task_failures,
        format!(
            "failed task attempts: got {failures:?}, want {:?}",
            row.task_failures
        ),
    );

    let calls = trace::lambda_calls(execution);
    problems.extend(payload_problems(&calls, &input, execution));
    problems.extend(call_problems(row, &calls, &input));
    problems.extend(publish_problems(row, &trace::published(execution), &input));

    let waited = trace::callback_wait(execution);
    if let Approval::Callback(_) = row.approval {
        let decided = decision_detail();
        if decided["data"]["orderId"] != input["data"]["orderId"] {
            problems.push("the approval decision is for another order".into());
        }
    }
    if waited != row.approval_wait {
        problems.push(format!(
            "approval wait: got {waited:?}, want {:?}",
            row.approval_wait
        ));
    }
    problems
}

/// The reservations a successful Fulfil returns: one per line, taking its quantity.
fn reservations(input: &Value) -> Value {
    let lines = input["data"]["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Value::Array(
        lines
            .iter()
            .map(|l| json!({"sku": l["sku"], "reserved": l["quantity"]}))
            .collect(),
    )
}

fn expected_output(row: &Row, input: &Value) -> Value {
    let mut out = input.clone();
    let needs_approval = row.route.contains(&"RequestApproval");
    let status = match row.outcome {
        Outcome::Duplicate => "Duplicate",
        _ => "Registered",
    };
    out["registration"] = json!({"status": status, "needsApproval": needs_approval});
    if let Outcome::Confirmed = row.outcome {
        if needs_approval {
            let decided_by = &decision_detail()["data"]["decidedBy"];
            out["approval"] = json!({"approved": true, "decidedBy": decided_by});
        }
        let authorization = format!("auth-{}", input["data"]["orderId"].as_str().unwrap_or(""));
        out["fulfilment"] = json!([reservations(input), {"authorizationId": authorization}]);
        match mocked_quote(row.test_case) {
            Some(Ok(quote)) => out["shipping"] = quote,
            Some(Err(thrown)) => {
                out["shipping"] = Value::Null;
                out["shippingError"] = thrown;
            }
            None => {}
        }
    }
    normalized(&out)
}

/// Map results in completion-independent order: iterations run concurrently, and a mock
/// answers by invocation count, so which iteration got which answer may vary.
fn normalized(output: &Value) -> Value {
    let mut output = output.clone();
    if let Some(items) = output
        .pointer_mut("/fulfilment/0")
        .and_then(Value::as_array_mut)
    {
        items.sort_by_key(|v| v.to_string());
    }
    output
}

/// The fields each function parses from its payload, as its request struct names them.
fn required_fields(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "register-order" => &["order", "metadata", "executionId"],
        "reserve-stock" => &["orderId", "sku", "quantity", "metadata"],
        "authorize-payment" => &["orderId", "paymentToken", "total", "attempt", "metadata"],
        "release-stock" => &["orderId", "sku", "metadata"],
        "void-payment" => &["orderId", "metadata"],
        "request-approval" => &["taskToken", "orderId", "total", "metadata"],
        _ => return None,
    })
}

/// Every call names one of Orderly's functions and carries what it parses, for this order.
fn payload_problems(calls: &[LambdaCall], input: &Value, execution: &Execution) -> Vec<String> {
    let data = &input["data"];
    let mut problems = Vec::new();
    for call in calls {
        let Some(fields) = required_fields(&call.function) else {
            problems.push(format!("call to an unknown function {:?}", call.function));
            continue;
        };
        let p = &call.payload;
        let missing: Vec<_> = fields.iter().filter(|f| p.get(**f).is_none()).collect();
        if !missing.is_empty() {
            problems.push(format!("{} payload lacks {missing:?}: {p}", call.function));
        }
        if p["metadata"] != input["metadata"] {
            problems.push(format!("{} payload has other metadata: {p}", call.function));
        }
        let order_id = match call.function.as_str() {
            "register-order" => &p["order"]["orderId"],
            _ => &p["orderId"],
        };
        if *order_id != data["orderId"] {
            problems.push(format!(
                "{} payload is for another order: {p}",
                call.function
            ));
        }
        let consistent = match call.function.as_str() {
            "register-order" => {
                p["order"] == *data
                    && p["executionId"].as_str() == Some(execution.execution_arn.as_str())
            }
            "authorize-payment" => {
                p["paymentToken"] == data["paymentToken"] && p["total"] == data["total"]
            }
            "request-approval" => {
                p["total"] == data["total"]
                    && p["taskToken"].as_str().is_some_and(|t| !t.is_empty())
            }
            _ => true,
        };
        if !consistent {
            problems.push(format!(
                "{} payload does not match the order: {p}",
                call.function
            ));
        }
    }
    problems
}

fn sorted(values: impl IntoIterator<Item = Value>) -> Vec<String> {
    let mut v: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
    v.sort();
    v
}

/// Which functions ran how often: registration once, approval only on its route, one
/// reservation per line on success (never an unknown line), payment attempts as the row
/// says, and compensation (every line released, the payment voided) only on its route.
fn call_problems(row: &Row, calls: &[LambdaCall], input: &Value) -> Vec<String> {
    let lines = input["data"]["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let count = |f: &str| trace::calls_to(calls, f).len();
    let on_route = |s: &str| row.route.contains(&s);
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    expect(
        count("register-order") == 1,
        format!("register-order calls: {}", count("register-order")),
    );
    let approvals = usize::from(on_route("RequestApproval"));
    expect(
        count("request-approval") == approvals,
        format!(
            "request-approval calls: got {}, want {approvals}",
            count("request-approval")
        ),
    );

    let wanted_lines = sorted(lines.iter().map(|l| json!([l["sku"], l["quantity"]])));
    let reserved = sorted(
        trace::calls_to(calls, "reserve-stock")
            .into_iter()
            .map(|p| json!([p["sku"], p["quantity"]])),
    );
    let reservations_ok = match row.outcome {
        Outcome::Confirmed | Outcome::ConfirmedInVersion1Only { .. } => reserved == wanted_lines,
        _ if on_route("Fulfil") => reserved.iter().all(|r| wanted_lines.contains(r)),
        _ => reserved.is_empty(),
    };
    expect(
        reservations_ok,
        format!("reserve-stock calls: got {reserved:?} for lines {wanted_lines:?}"),
    );

    let attempts: Vec<u64> = trace::calls_to(calls, "authorize-payment")
        .into_iter()
        .map(|p| p["attempt"].as_u64().unwrap_or(u64::MAX))
        .collect();
    match row.payment_attempts {
        Some(want) => expect(
            attempts == want,
            format!("authorize-payment attempts: got {attempts:?}, want {want:?}"),
        ),
        None => expect(
            attempts.len() <= 1,
            format!("authorize-payment attempts: got {attempts:?}, want at most one"),
        ),
    }

    let compensated = on_route("Compensate");
    let wanted_skus = if compensated {
        sorted(lines.iter().map(|l| l["sku"].clone()))
    } else {
        Vec::new()
    };
    let released = sorted(
        trace::calls_to(calls, "release-stock")
            .into_iter()
            .map(|p| p["sku"].clone()),
    );
    expect(
        released == wanted_skus,
        format!("release-stock calls: got {released:?}, want {wanted_skus:?}"),
    );
    let voids = usize::from(compensated);
    expect(
        count("void-payment") == voids,
        format!(
            "void-payment calls: got {}, want {voids}",
            count("void-payment")
        ),
    );
    problems
}

/// The event the order ends with, on Orderly's bus, with the envelope of the order: an
/// OrderFailed, or OrderConfirmed in each version Orders publishes (1, then 2, one put each).
fn publish_problems(row: &Row, entries: &[Value], input: &Value) -> Vec<String> {
    let data = &input["data"];
    let (detail_type, want_data) = match row.outcome {
        Outcome::Duplicate => {
            return if entries.is_empty() {
                Vec::new()
            } else {
                vec![format!("a duplicate published {entries:?}")]
            };
        }
        Outcome::Confirmed | Outcome::ConfirmedInVersion1Only { .. } => (
            "OrderConfirmed",
            json!({
                "orderId": data["orderId"],
                "customerId": data["customer"]["customerId"],
                "total": data["total"],
                "authorizationId": format!("auth-{}", data["orderId"].as_str().unwrap_or("")),
                "lines": data["lines"],
                "shipping": match mocked_quote(row.test_case) {
                    Some(Ok(quote)) => quote,
                    _ => Value::Null,
                },
            }),
        ),
        Outcome::Failed { reason, cause } | Outcome::Errored { reason, cause } => (
            "OrderFailed",
            json!({
                "orderId": data["orderId"],
                "customerId": data["customer"]["customerId"],
                "reason": reason,
                "cause": cause.text(),
            }),
        ),
    };
    let wanted: Vec<(&str, Value)> = if let Outcome::ConfirmedInVersion1Only { .. } = row.outcome {
        vec![("1", want_data)]
    } else if detail_type == "OrderConfirmed" {
        let v2 = serde_json::from_value::<OrderConfirmed>(want_data.clone())
            .map(|v1| OrderConfirmedV2::from(&v1))
            .map(|v2| serde_json::to_value(v2).expect("serializes"))
            .unwrap_or_else(|e| json!(format!("the wanted data is no OrderConfirmed: {e}")));
        vec![("1", want_data), ("2", v2)]
    } else {
        vec![("1", want_data)]
    };
    if entries.len() != wanted.len() {
        return vec![format!(
            "published {} events, want {} {detail_type}: {entries:?}",
            entries.len(),
            wanted.len()
        )];
    }
    entries
        .iter()
        .zip(&wanted)
        .flat_map(|(entry, (version, want_data))| {
            entry_problems(entry, detail_type, version, want_data, input)
        })
        .collect()
}

/// What is wrong with one put entry against the event of `detail_type` in `version`.
fn entry_problems(
    entry: &Value,
    detail_type: &str,
    version: &str,
    want_data: &Value,
    input: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let header = (
        entry["EventBusName"].as_str(),
        entry["Source"].as_str(),
        entry["DetailType"].as_str(),
    );
    let bus = bus();
    if header != (Some(bus), Some("com.orders"), Some(detail_type)) {
        problems.push(format!(
            "published {header:?}, want ({bus}, com.orders, {detail_type})"
        ));
    }
    let detail = &entry["Detail"];
    if detail["data"] != *want_data {
        problems.push(format!(
            "{detail_type} v{version} data: got {}, want {want_data}",
            detail["data"]
        ));
    }
    let metadata = &input["metadata"];
    let key = format!(
        "{}:{detail_type}",
        metadata["idempotency-key"].as_str().unwrap_or("")
    );
    let envelope_ok = detail["metadata"]["idempotency-key"] == json!(key)
        && detail["metadata"]["correlation-id"] == metadata["correlation-id"]
        && detail["metadata"]["event-version"] == json!(version)
        && detail["metadata"]["occurred-at"].is_string();
    if !envelope_ok {
        problems.push(format!("{detail_type} metadata: {}", detail["metadata"]));
    }
    problems
}
