//! Resource policies, as IAM evaluates them for one request: who the caller is, the
//! statements a resource holds, and whether they deny, allow or say nothing.
//!
//! Written for the project: the local cloud evaluates the event buses' policies
//! (`AWS::Events::EventBusPolicy`), and what that needs of the policy language is small:
//! principals, actions, resources and the string and ARN condition operators. No crate
//! evaluates IAM policies offline.

mod condition;
mod statement;

pub use condition::{Condition, Operator, SetOperator};
pub use statement::{Effect, PolicyError, Statement, statements_of};

/// Who makes a request: the principal's ARN (a role, or an account's root) and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `aws:PrincipalArn`.
    pub arn: String,
    /// `aws:PrincipalAccount`.
    pub account: String,
    /// `aws:SourceArn`: the resource a service acts for (the rule that sends an event on to
    /// another bus), if any.
    pub source_arn: Option<String>,
}

impl Caller {
    /// The root user of `account`.
    pub fn root(account: &str) -> Self {
        Caller {
            arn: format!("arn:aws:iam::{account}:root"),
            account: account.to_owned(),
            source_arn: None,
        }
    }

    /// The role `arn` (its account is read from the ARN, else `account`).
    pub fn role(arn: &str, account: &str) -> Self {
        let in_arn = arn.split(':').nth(4).filter(|a| !a.is_empty());
        Caller {
            arn: arn.to_owned(),
            account: in_arn.unwrap_or(account).to_owned(),
            source_arn: None,
        }
    }

    /// The same caller, acting for `source_arn`.
    pub fn for_source(mut self, source_arn: &str) -> Self {
        self.source_arn = Some(source_arn.to_owned());
        self
    }
}

/// One request to authorize against a resource's policy.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, e.g. `events:PutEvents`.
    pub action: &'a str,
    /// The resource's ARN.
    pub resource: &'a str,
    /// Who asks.
    pub caller: &'a Caller,
    /// The request's own condition keys (`events:source`, …), by name in any case. A key
    /// named more than once is multivalued (a rule pattern's sources for PutRule).
    pub keys: &'a [(&'a str, &'a str)],
    /// Keys the request has whose values cannot be known: a rule pattern whose `source` is
    /// a matcher (`prefix`, `anything-but`, …) or sits under `$or`. A condition on one
    /// fails closed: it keeps an Allow from applying and lets a Deny apply.
    pub indeterminate: &'a [&'a str],
}

impl Request<'_> {
    /// The values of condition key `name` (any case), the caller's keys included: none
    /// when the request does not have it.
    fn values(&self, name: &str) -> Vec<&str> {
        let is = |key: &str| name.eq_ignore_ascii_case(key);
        if is("aws:PrincipalArn") {
            vec![self.caller.arn.as_str()]
        } else if is("aws:PrincipalAccount") {
            vec![self.caller.account.as_str()]
        } else if is("aws:SourceArn") {
            self.caller.source_arn.as_deref().into_iter().collect()
        } else {
            self.keys
                .iter()
                .filter(|(k, _)| is(k))
                .map(|(_, v)| *v)
                .collect()
        }
    }
}

/// What a resource's statements say of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A Deny statement matches: the request is refused whatever else allows it.
    Denied {
        /// The statement's `Sid`.
        sid: Option<String>,
        /// The condition keys it tested, as written: they name what was refused.
        keys: Vec<String>,
    },
    /// An Allow statement matches and no Deny does.
    Allowed,
    /// No statement matches: the caller's own (identity) policies decide.
    Silent,
}

/// Evaluates `statements` for `request`: an explicit deny wins over any allow.
pub fn decide(statements: &[Statement], request: &Request<'_>) -> Decision {
    let mut allowed = false;
    for statement in statements.iter().filter(|s| s.applies(request)) {
        match statement.effect {
            Effect::Deny => {
                return Decision::Denied {
                    sid: statement.sid.clone(),
                    keys: statement.condition_keys(),
                };
            }
            Effect::Allow => allowed = true,
        }
    }
    if allowed {
        Decision::Allowed
    } else {
        Decision::Silent
    }
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` any one.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Greedy with one backtrack point: linear in practice, quadratic at worst, and the
    // patterns are the template's own.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(statement: serde_json::Value) -> Vec<Statement> {
        statements_of(&json!({"Statement": [statement]}), "test").expect("parses")
    }

    const BUS: &str = "arn:aws:events:us-east-1:000000000000:event-bus/shipping-bus";
    const SHIPPER: &str = "arn:aws:iam::000000000000:role/ship-order";

    fn put(caller: &Caller, source: &str) -> Decision {
        let keys = [
            ("events:source", source),
            ("events:detail-type", "ShipmentCreated"),
        ];
        let statements = policy(json!({
            "Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": BUS,
            "Condition": {"ArnEquals": {"aws:PrincipalArn": SHIPPER},
                          "StringNotEquals": {"events:source": "com.shipping"}}
        }));
        decide(
            &statements,
            &Request {
                action: "events:PutEvents",
                resource: BUS,
                caller,
                keys: &keys,
                indeterminate: &[],
            },
        )
    }

    #[test]
    fn a_deny_applies_when_every_condition_holds() {
        let shipper = Caller::role(SHIPPER, "000000000000");
        assert_eq!(put(&shipper, "com.shipping"), Decision::Silent);
        assert_eq!(
            put(&shipper, "com.orders"),
            Decision::Denied {
                sid: None,
                keys: vec!["aws:PrincipalArn".into(), "events:source".into()]
            }
        );
        assert_eq!(
            put(&Caller::root("000000000000"), "com.orders"),
            Decision::Silent
        );
    }

    #[test]
    fn principals_match_by_arn_account_or_any() {
        let allow = |principal: serde_json::Value| {
            policy(
                json!({"Effect": "Allow", "Principal": principal, "Action": "events:*", "Resource": "*"}),
            )
        };
        let request = |caller: &Caller| {
            let statements = allow(json!({"AWS": ["111122223333", SHIPPER]}));
            decide(
                &statements,
                &Request {
                    action: "events:PutRule",
                    resource: BUS,
                    caller,
                    keys: &[],
                    indeterminate: &[],
                },
            )
        };
        assert_eq!(request(&Caller::root("111122223333")), Decision::Allowed);
        assert_eq!(
            request(&Caller::role("arn:aws:iam::111122223333:role/x", "")),
            Decision::Allowed
        );
        assert_eq!(request(&Caller::role(SHIPPER, "")), Decision::Allowed);
        assert_eq!(request(&Caller::root("444455556666")), Decision::Silent);
        let root = allow(json!({"AWS": "arn:aws:iam::444455556666:root"}));
        let any = allow(json!("*"));
        let caller = Caller::root("444455556666");
        let r = Request {
            action: "events:PutEvents",
            resource: BUS,
            caller: &caller,
            keys: &[],
            indeterminate: &[],
        };
        assert_eq!(decide(&root, &r), Decision::Allowed);
        assert_eq!(decide(&any, &r), Decision::Allowed);
    }

    #[test]
    fn actions_and_resources_match_with_wildcards() {
        let statements = policy(json!({"Effect": "Allow", "Principal": "*",
            "Action": ["events:Put*"], "Resource": "arn:aws:events:*:*:rule/shipping-bus/*"}));
        let caller = Caller::root("1");
        let ask = |action, resource| {
            decide(
                &statements,
                &Request {
                    action,
                    resource,
                    caller: &caller,
                    keys: &[],
                    indeterminate: &[],
                },
            )
        };
        let rule = "arn:aws:events:us-east-1:000000000000:rule/shipping-bus/audit";
        assert_eq!(ask("events:PutRule", rule), Decision::Allowed);
        assert_eq!(
            ask("EVENTS:putrule", rule),
            Decision::Allowed,
            "actions ignore case"
        );
        assert_eq!(ask("events:DeleteRule", rule), Decision::Silent);
        assert_eq!(ask("events:PutRule", BUS), Decision::Silent);
    }

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(wildcard_match("com.*", "com.orders", false));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("a?c*", "abcdef", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(wildcard_match("*-bus/*/x", "shipping-bus/a/b/x", false));
        assert!(!wildcard_match("COM.*", "com.x", false));
        assert!(wildcard_match("COM.*", "com.x", true));
        // Quadratic at worst, never exponential.
        let long = "a".repeat(2000);
        assert!(!wildcard_match(
            &"*a".repeat(40).replace("a", "a*b"),
            &long,
            false
        ));
    }
}
