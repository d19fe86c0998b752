//! The order-intake port's answers. What the order-intake state machine answers (`statemachines/order-intake.asl.json`):
//! an order accepted with its price, or refused with the reasons, each a code, the field at
//! fault and a message. The AWS and the local adapters read the same execution result
//! with [`decision_of`].

use crate::domain::{Currency, Money, OrderError};
use crate::ports::PortError;
use serde::{Deserialize, Serialize};

/// One rule an order breaks, as the intake names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable and machine-readable: `NoLines`, `TotalMismatch`, `FraudRisk`, …
    pub code: String,
    /// Where in the order, e.g. `lines[1].quantity`; `order` for the order as a whole.
    pub field: String,
    /// The rule in words, naming the field; never a personal value.
    pub message: String,
}

impl From<&OrderError> for Reason {
    fn from(e: &OrderError) -> Self {
        let (code, field) = match e {
            OrderError::NoLines => ("NoLines", "lines".to_owned()),
            OrderError::NonPositiveQuantity { index, .. } => {
                ("NonPositiveQuantity", format!("lines[{index}].quantity"))
            }
            OrderError::NegativePrice { index, .. } => {
                ("NegativePrice", format!("lines[{index}].unitPrice"))
            }
            OrderError::EmptySku { index } => ("EmptySku", format!("lines[{index}].sku")),
            OrderError::DuplicateSku { index, .. } => {
                ("DuplicateSku", format!("lines[{index}].sku"))
            }
            OrderError::TotalMismatch { .. } => ("TotalMismatch", "total.amount".to_owned()),
            OrderError::Overflow => ("Overflow", "lines".to_owned()),
            OrderError::MissingField(name) => ("MissingField", (*name).to_owned()),
        };
        Self {
            code: code.to_owned(),
            field,
            message: e.to_string(),
        }
    }
}

/// An order the intake refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// Every rule it breaks (a risky order has the one `FraudRisk`).
    pub reasons: Vec<Reason>,
    /// The fraud score, when the order got as far as being scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraud_score: Option<i64>,
}

impl From<&OrderError> for Rejected {
    fn from(e: &OrderError) -> Self {
        Self {
            reasons: vec![e.into()],
            fraud_score: None,
        }
    }
}

/// The tax of an accepted order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tax {
    /// In minor units of the order's currency.
    pub amount: i64,
    /// The order's currency.
    pub currency: Currency,
    /// The shipping country whose rate applied.
    pub country: String,
    /// The rate, in hundredths of a percent.
    pub basis_points: i64,
}

/// An order the intake accepted, priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Priced {
    /// The sum of the lines (the order's total, before tax).
    pub subtotal: Money,
    /// Tax on the subtotal.
    pub tax: Tax,
    /// Subtotal plus tax: what the customer pays.
    pub total: Money,
    /// Below the intake's refusal threshold.
    pub fraud_score: i64,
}

/// Why the intake gave no decision, or the decision that refuses the order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// The order was refused, with the reasons.
    #[error("order refused: {}", codes(.0))]
    Rejected(Rejected),
    /// The intake could not be asked, or did not answer.
    #[error(transparent)]
    Port(#[from] PortError),
}

fn codes(rejected: &Rejected) -> String {
    rejected
        .reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The machine's output, as its two Succeed states shape it.
#[derive(Deserialize)]
#[serde(tag = "decision")]
enum Output {
    #[serde(rename = "ACCEPTED")]
    Accepted {
        subtotal: Money,
        tax: Tax,
        total: Money,
        fraud: Fraud,
    },
    #[serde(rename = "REJECTED")]
    Rejected {
        reasons: Vec<Reason>,
        #[serde(default)]
        fraud: Option<Fraud>,
    },
}

#[derive(Deserialize)]
struct Fraud {
    score: i64,
}

/// What an intake execution is given: the order without its personal data. The payment
/// token becomes a marker of whether there is one, and the shipping address its country;
/// the customer is named by id only. An execution's input is kept in its history and may
/// reach a log, which must never hold a token or a person's details. `correlationId` is
/// the request's, so the execution's log lines and trace join the order's.
pub fn intake_input(
    order: &crate::domain::Order,
    correlation_id: &str,
) -> Result<String, PortError> {
    intake_input_value(order, correlation_id).map(|input| input.to_string())
}

/// [`intake_input`] as a JSON value, for a caller in the same process.
pub fn intake_input_value(
    order: &crate::domain::Order,
    correlation_id: &str,
) -> Result<serde_json::Value, PortError> {
    let mut input = serde_json::to_value(order).map_err(|e| {
        PortError::Permanent(format!(
            "StartSyncExecution: cannot serialize the order: {e}"
        ))
    })?;
    let token = if order.payment_token.trim().is_empty() {
        ""
    } else {
        "present"
    };
    input["paymentToken"] = serde_json::Value::from(token);
    input["customer"] = serde_json::json!({"customerId": order.customer.customer_id});
    input["shippingAddress"] = serde_json::json!({"country": order.shipping_address.country});
    input["correlationId"] = serde_json::Value::from(correlation_id);
    Ok(input)
}

/// The decision of one intake execution, from StartSyncExecution's `status`, `output`,
/// `error` and `cause`. A refusal is a SUCCEEDED run whose output says REJECTED; FAILED
/// (a definition error) and an output this code cannot read are permanent; TIMED_OUT is
/// transient, as a later run may be quicker.
pub fn decision_of(
    status: &str,
    output: Option<&str>,
    error: Option<&str>,
    cause: Option<&str>,
) -> Result<Priced, IntakeError> {
    decide(status, error, cause, || {
        output.map(|o| serde_json::from_str::<Output>(o).map_err(|e| e.to_string()))
    })
}

/// [`decision_of`] with the output as a JSON value, for a caller in the same process.
pub fn decision_of_value(
    status: &str,
    output: Option<&serde_json::Value>,
    error: Option<&str>,
    cause: Option<&str>,
) -> Result<Priced, IntakeError> {
    decide(status, error, cause, || {
        output.map(|o| Output::deserialize(o).map_err(|e| e.to_string()))
    })
}

/// The decision from the status, and the output read by `read` (`None`: no output).
fn decide(
    status: &str,
    error: Option<&str>,
    cause: Option<&str>,
    read: impl FnOnce() -> Option<Result<Output, String>>,
) -> Result<Priced, IntakeError> {
    let failed = || {
        format!(
            "order intake {status}: {}: {}",
            error.unwrap_or("no error"),
            cause.unwrap_or("no cause")
        )
    };
    match status {
        "SUCCEEDED" => {}
        "TIMED_OUT" => return Err(PortError::Transient(failed()).into()),
        _ => return Err(PortError::Permanent(failed()).into()),
    }
    let output = read().ok_or_else(|| PortError::Permanent("order intake: no output".into()))?;
    match output {
        Ok(Output::Accepted {
            subtotal,
            tax,
            total,
            fraud,
        }) => Ok(Priced {
            subtotal,
            tax,
            total,
            fraud_score: fraud.score,
        }),
        Ok(Output::Rejected { reasons, fraud }) => Err(IntakeError::Rejected(Rejected {
            reasons,
            fraud_score: fraud.map(|f| f.score),
        })),
        Err(e) => Err(PortError::Permanent(format!("order intake: unreadable output: {e}")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intake_is_given_no_token_and_no_personal_data() {
        let order: crate::domain::Order = serde_json::from_value(serde_json::json!({
            "orderId": "o1", "customer": {"customerId": "c1", "email": "ann@example.com", "name": "Ann Smith"},
            "lines": [{"sku": "A", "quantity": 1, "unitPrice": 5}],
            "total": {"amount": 5, "currency": "EUR"}, "paymentToken": "tok_visa_4242",
            "shippingAddress": {"line1": "1 High St", "city": "Leeds", "postcode": "LS1", "country": "GB"},
            "placedAt": "2026-11-26T12:00:00Z"}))
        .unwrap();
        let input = intake_input(&order, "corr-1").unwrap();
        for secret in [
            "tok_visa_4242",
            "ann@example.com",
            "Ann Smith",
            "1 High St",
            "Leeds",
            "LS1",
        ] {
            assert!(
                !input.contains(secret),
                "{secret} reached the intake: {input}"
            );
        }
        let input: serde_json::Value = serde_json::from_str(&input).unwrap();
        assert_eq!(input["paymentToken"], "present");
        assert_eq!(input["correlationId"], "corr-1");
        assert_eq!(input["shippingAddress"]["country"], "GB");
        assert_eq!(input["customer"]["customerId"], "c1");
        assert_eq!(input["lines"][0]["sku"], "A");
    }

    #[test]
    fn statuses_and_outputs_map_to_a_decision_or_a_port_error() {
        let accepted = r#"{"decision":"ACCEPTED","orderId":"o-1","lines":[],
            "subtotal":{"amount":5500,"currency":"EUR"},
            "tax":{"amount":1045,"currency":"EUR","country":"DE","basisPoints":1900,"rounding":"HALF_UP"},
            "total":{"amount":6545,"currency":"EUR"},"fraud":{"score":0,"signals":[]}}"#;
        let priced = decision_of("SUCCEEDED", Some(accepted), None, None).expect("accepted");
        assert_eq!(priced.total.amount, 6545);
        assert_eq!(priced.tax.amount, 1045);
        let rejected = r#"{"decision":"REJECTED","orderId":"o-1","reasons":[{"code":"NoLines","field":"lines","message":"order has no lines"}]}"#;
        match decision_of("SUCCEEDED", Some(rejected), None, None) {
            Err(IntakeError::Rejected(r)) => {
                assert_eq!(r.reasons[0].code, "NoLines");
                assert_eq!(r.fraud_score, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decision_of("TIMED_OUT", None, None, None),
            Err(IntakeError::Port(PortError::Transient(_)))
        ));
        for (status, output) in [
            ("FAILED", None),
            ("SUCCEEDED", Some("{}")),
            ("SUCCEEDED", None),
        ] {
            assert!(
                matches!(
                    decision_of(status, output, Some("States.QueryEvaluationError"), None),
                    Err(IntakeError::Port(PortError::Permanent(_)))
                ),
                "{status} {output:?}"
            );
        }
    }

    #[test]
    fn the_output_read_as_a_value_decides_as_the_output_read_as_text() {
        let outputs = [
            r#"{"decision":"ACCEPTED","subtotal":{"amount":100,"currency":"EUR"},
                "tax":{"amount":19,"currency":"EUR","country":"DE","basisPoints":1900,"rounding":"HALF_UP"},
                "total":{"amount":119,"currency":"EUR"},"fraud":{"score":30}}"#,
            r#"{"decision":"REJECTED","reasons":[{"code":"FraudRisk","field":"order","message":"m"}],"fraud":{"score":90}}"#,
            r#"{"decision":"MAYBE"}"#,
            r#"{"decision":"ACCEPTED","subtotal":{"amount":1.5,"currency":"EUR"}}"#,
        ];
        for text in outputs {
            let value: serde_json::Value = serde_json::from_str(text).expect("json");
            for status in ["SUCCEEDED", "FAILED", "TIMED_OUT"] {
                let by_text = decision(decision_of(status, Some(text), None, None));
                let by_value = decision(decision_of_value(status, Some(&value), None, None));
                assert_eq!(by_text, by_value, "{status} {text}");
            }
        }
        assert_eq!(
            decision(decision_of("SUCCEEDED", None, None, None)),
            decision(decision_of_value("SUCCEEDED", None, None, None))
        );
    }

    /// A decision whole, and a port error by kind only: the reader's words differ (a text
    /// reader names a line and column).
    fn decision(result: Result<Priced, IntakeError>) -> String {
        match result {
            Err(IntakeError::Port(PortError::Transient(_))) => "transient".into(),
            Err(IntakeError::Port(PortError::Permanent(_))) => "permanent".into(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_domain_error_is_a_reason_in_the_intakes_words() {
        let e = OrderError::NonPositiveQuantity {
            index: 1,
            quantity: 0,
        };
        assert_eq!(
            Reason::from(&e),
            Reason {
                code: "NonPositiveQuantity".into(),
                field: "lines[1].quantity".into(),
                message: "lines[1].quantity must be positive, got 0".into(),
            }
        );
    }
}
