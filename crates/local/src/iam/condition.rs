//! A statement's conditions: `{"Operator": {"key": value or [values]}}`, every one of which
//! must hold, a key holding when any of its values matches.

use super::statement::{PolicyError, strings};
use super::{Request, wildcard_match};
use serde_json::Value;

/// The condition operators the local cloud evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `StringEquals`.
    StringEquals,
    /// `StringNotEquals`.
    StringNotEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringNotEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// `StringLike` (`*` and `?`).
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `ArnEquals` and `ArnLike`, which IAM evaluates alike.
    ArnLike,
    /// `ArnNotEquals` and `ArnNotLike`.
    ArnNotLike,
    /// `Null`: `"true"` holds when the key is absent, `"false"` when present.
    Null,
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        Some(match name {
            "StringEquals" => Operator::StringEquals,
            "StringNotEquals" => Operator::StringNotEquals,
            "StringEqualsIgnoreCase" => Operator::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Operator::StringNotEqualsIgnoreCase,
            "StringLike" => Operator::StringLike,
            "StringNotLike" => Operator::StringNotLike,
            "ArnEquals" | "ArnLike" => Operator::ArnLike,
            "ArnNotEquals" | "ArnNotLike" => Operator::ArnNotLike,
            "Null" => Operator::Null,
            _ => return None,
        })
    }

    /// A negated operator holds for an absent key, as IAM has it.
    fn negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::ArnNotLike
        )
    }

    fn matches(self, pattern: &str, value: &str) -> bool {
        match self {
            Operator::StringEquals | Operator::StringNotEquals => pattern == value,
            Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
                pattern.eq_ignore_ascii_case(value)
            }
            Operator::StringLike
            | Operator::StringNotLike
            | Operator::ArnLike
            | Operator::ArnNotLike => wildcard_match(pattern, value, false),
            Operator::Null => false,
        }
    }
}

/// One operator on one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// `…IfExists`: an absent key holds.
    pub if_exists: bool,
    /// The key, as written (compared in any case).
    pub key: String,
    /// The values, any of which matches.
    pub values: Vec<String>,
}

impl Condition {
    /// Reads a `Condition` block.
    pub(super) fn parse_block(block: &Value, at: &str) -> Result<Vec<Condition>, PolicyError> {
        let operators = block.as_object().ok_or_else(|| PolicyError {
            at: at.to_owned(),
            reason: "must be a mapping of operators".to_owned(),
        })?;
        let mut out = Vec::new();
        for (name, keys) in operators {
            // Set operators: the keys evaluated here have one value each, for which
            // ForAllValues and ForAnyValue mean the operator itself.
            let bare = name
                .strip_prefix("ForAllValues:")
                .or_else(|| name.strip_prefix("ForAnyValue:"))
                .unwrap_or(name);
            let (bare, if_exists) = match bare.strip_suffix("IfExists") {
                Some(b) => (b, true),
                None => (bare, false),
            };
            let operator = Operator::parse(bare).ok_or_else(|| PolicyError {
                at: format!("{at}.{name}"),
                reason:
                    "the local cloud evaluates the String, Arn and Null condition operators only"
                        .to_owned(),
            })?;
            let keys = keys.as_object().ok_or_else(|| PolicyError {
                at: format!("{at}.{name}"),
                reason: "must be a mapping of condition keys".to_owned(),
            })?;
            for (key, values) in keys {
                out.push(Condition {
                    operator,
                    if_exists,
                    key: key.clone(),
                    values: match values {
                        Value::Bool(b) => vec![b.to_string()],
                        other => strings(other, &format!("{at}.{name}.{key}"))?,
                    },
                });
            }
        }
        Ok(out)
    }

    /// Whether the condition holds for `request`.
    pub(super) fn holds(&self, request: &Request<'_>) -> bool {
        let value = request.key(&self.key);
        if self.operator == Operator::Null {
            let wants_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return value.is_none() == wants_absent;
        }
        match value {
            None => self.if_exists || self.operator.negated(),
            Some(value) => {
                let any = self.values.iter().any(|p| self.operator.matches(p, value));
                any != self.operator.negated()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Caller;
    use super::*;
    use serde_json::json;

    fn holds(block: Value, keys: &[(&str, &str)]) -> bool {
        let caller = Caller::root("000000000000");
        let request = Request {
            action: "events:PutEvents",
            resource: "*",
            caller: &caller,
            keys,
        };
        Condition::parse_block(&block, "c")
            .expect("parses")
            .iter()
            .all(|c| c.holds(&request))
    }

    #[test]
    fn operators_hold_as_iam_evaluates_them() {
        let source = [("events:source", "com.orders")];
        assert!(holds(
            json!({"StringEquals": {"events:source": ["com.x", "com.orders"]}}),
            &source
        ));
        assert!(!holds(
            json!({"StringEquals": {"events:source": "com.x"}}),
            &source
        ));
        assert!(holds(
            json!({"StringNotEquals": {"events:source": "com.x"}}),
            &source
        ));
        assert!(
            holds(json!({"StringLike": {"EVENTS:Source": "com.*"}}), &source),
            "keys in any case"
        );
        assert!(holds(
            json!({"StringEqualsIgnoreCase": {"events:source": "COM.ORDERS"}}),
            &source
        ));
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"events:source": "com.orders"}}),
            &source
        ));
        // An absent key: positive operators fail, unless IfExists; negated ones hold.
        assert!(!holds(
            json!({"StringEquals": {"events:creatorAccount": "1"}}),
            &source
        ));
        assert!(holds(
            json!({"StringEqualsIfExists": {"events:creatorAccount": "1"}}),
            &source
        ));
        assert!(holds(
            json!({"StringNotEquals": {"events:creatorAccount": "1"}}),
            &source
        ));
        assert!(holds(
            json!({"Null": {"events:creatorAccount": "true"}}),
            &source
        ));
        assert!(holds(json!({"Null": {"events:source": false}}), &source));
        // The caller's own keys.
        assert!(holds(
            json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::000000000000:root"}}),
            &[]
        ));
        assert!(holds(
            json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}),
            &[]
        ));
        assert!(holds(
            json!({"StringEquals": {"aws:PrincipalAccount": "000000000000"}}),
            &[]
        ));
    }

    #[test]
    fn an_operator_it_cannot_evaluate_is_named() {
        let error = Condition::parse_block(&json!({"NumericLessThan": {"x": "1"}}), "P.Condition")
            .expect_err("refused");
        assert_eq!(error.at, "P.Condition.NumericLessThan");
    }
}
