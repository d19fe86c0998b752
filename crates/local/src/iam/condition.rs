//! A statement's conditions: `{"Operator": {"key": value or [values]}}`, every one of which
//! must hold, a key holding when any of its values matches.

use super::statement::{Effect, PolicyError, strings};
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

/// How a condition reads a multivalued key: `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    /// Every value of the request's key must match (and a key it lacks matches).
    ForAllValues,
    /// At least one value of the request's key must match.
    ForAnyValue,
}

/// One operator on one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// `ForAllValues:` or `ForAnyValue:`, for a multivalued key.
    pub set: Option<SetOperator>,
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
            let (set, bare) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
                (Some(SetOperator::ForAllValues), rest)
            } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
                (Some(SetOperator::ForAnyValue), rest)
            } else {
                (None, name.as_str())
            };
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
                    set,
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
    /// Whether the condition holds for `request`, in a statement of `effect`. Where the
    /// request's values cannot settle it (a key whose values are unknown, or a single-valued
    /// operator over several values, which IAM leaves to set operators) it fails closed:
    /// false in an Allow, true in a Deny.
    pub(super) fn holds(&self, request: &Request<'_>, effect: Effect) -> bool {
        let values = request.values(&self.key);
        let unknown = request
            .indeterminate
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&self.key));
        if self.operator == Operator::Null {
            let wants_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return (values.is_empty() && !unknown) == wants_absent;
        }
        let fail_closed = effect == Effect::Deny;
        if unknown {
            return fail_closed;
        }
        // One value of the request against the policy's: any of them, or none for a
        // negated operator.
        let one = |value: &str| {
            let any = self.values.iter().any(|p| self.operator.matches(p, value));
            any != self.operator.negated()
        };
        match (self.set, values.as_slice()) {
            (Some(SetOperator::ForAllValues), values) => values.iter().all(|v| one(v)),
            (Some(SetOperator::ForAnyValue), []) => self.if_exists,
            (Some(SetOperator::ForAnyValue), values) => values.iter().any(|v| one(v)),
            (None, []) => self.if_exists || self.operator.negated(),
            (None, [value]) => one(value),
            // A single-valued operator over a multivalued key: EventBridge's own examples
            // refuse a pattern of two sources under an Allow's `StringEquals` that lists
            // both; a Deny so written must not be escaped by adding a second source.
            (None, _) => fail_closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Caller;
    use super::*;
    use serde_json::json;

    /// Whether the conditions hold in a statement of `effect`, some of the keys unknown.
    fn holds_in(effect: Effect, block: &Value, keys: &[(&str, &str)], unknown: &[&str]) -> bool {
        let caller = Caller::root("000000000000");
        let request = Request {
            action: "events:PutEvents",
            resource: "*",
            caller: &caller,
            keys,
            indeterminate: unknown,
        };
        Condition::parse_block(block, "c")
            .expect("parses")
            .iter()
            .all(|c| c.holds(&request, effect))
    }

    /// Whether the conditions hold in an Allow.
    fn holds(block: Value, keys: &[(&str, &str)]) -> bool {
        holds_in(Effect::Allow, &block, keys, &[])
    }

    /// Where the request cannot settle a condition it fails closed: an Allow does not
    /// apply and a Deny does. Otherwise a Deny of one source would be escaped by a pattern
    /// that adds a second, or that names its source with a matcher.
    #[test]
    fn what_the_request_cannot_settle_fails_closed() {
        let ec2_s3 = [("events:source", "aws.ec2"), ("events:source", "aws.s3")];
        let deny_ec2 = json!({"StringEquals": {"events:source": "aws.ec2"}});
        assert!(holds_in(Effect::Deny, &deny_ec2, &ec2_s3, &[]));
        assert!(!holds_in(Effect::Allow, &deny_ec2, &ec2_s3, &[]));
        let only_orders = json!({"StringNotEquals": {"events:source": "com.orders"}});
        assert!(holds_in(
            Effect::Deny,
            &only_orders,
            &[
                ("events:source", "com.orders"),
                ("events:source", "com.evil")
            ],
            &[]
        ));
        // A matcher: the value is unknown.
        assert!(holds_in(Effect::Deny, &deny_ec2, &[], &["events:source"]));
        assert!(!holds_in(Effect::Allow, &deny_ec2, &[], &["events:source"]));
        // ... but it is there.
        assert!(holds_in(
            Effect::Allow,
            &json!({"Null": {"events:source": "false"}}),
            &[],
            &["events:source"]
        ));
        // An absent key is absent in a Deny too.
        assert!(holds_in(
            Effect::Deny,
            &json!({"Null": {"events:detail-type": "true"}}),
            &[("events:source", "com.contracts")],
            &[]
        ));
        // One value settles it either way.
        assert!(!holds_in(
            Effect::Deny,
            &deny_ec2,
            &[("events:source", "aws.s3")],
            &[]
        ));
    }

    /// EventBridge's examples of `events:source` in a PutRule policy ("Using IAM policy
    /// conditions"): the sources of the rule's pattern are the key's values.
    #[test]
    fn multivalued_keys_hold_as_eventbridge_documents_them() {
        let ec2 = [("events:source", "aws.ec2")];
        let ec2_ecs = [("events:source", "aws.ec2"), ("events:source", "aws.ecs")];
        let ec2_s3 = [("events:source", "aws.ec2"), ("events:source", "aws.s3")];
        let ec2_asg = [
            ("events:source", "aws.ec2"),
            ("events:source", "aws.autoscaling"),
        ];
        let either = json!({"StringEquals": {"events:source": ["aws.ec2", "aws.ecs"]}});
        assert!(holds(either.clone(), &ec2));
        assert!(
            !holds(either.clone(), &ec2_ecs),
            "two sources under a single-valued operator"
        );
        assert!(!holds(either, &[]), "no source");
        let all = json!({
            "ForAllValues:StringEquals": {"events:source": ["aws.ec2", "aws.s3"]},
            "Null": {"events:source": "false"},
        });
        assert!(holds(all.clone(), &ec2));
        assert!(holds(all.clone(), &ec2_s3));
        assert!(!holds(all.clone(), &ec2_asg));
        assert!(!holds(all, &[]), "Null false requires a source");
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"events:source": "aws.ec2"}}),
            &[]
        ));
        let any = json!({"ForAnyValue:StringEquals": {"events:source": "aws.s3"}});
        assert!(holds(any.clone(), &ec2_s3));
        assert!(!holds(any.clone(), &ec2_asg));
        assert!(!holds(any, &[]));
        assert!(
            !holds(
                json!({"StringNotEquals": {"events:source": "aws.s3"}}),
                &ec2_asg
            ),
            "two values under a single-valued operator do not settle an Allow"
        );
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
