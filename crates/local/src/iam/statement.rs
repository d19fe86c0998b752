//! Policy statements, read from a policy document or a single `Statement`.

use super::condition::Condition;
use super::{Request, wildcard_match};
use serde_json::Value;

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants the request, unless a Deny matches too.
    Allow,
    /// Refuses the request, whatever allows it.
    Deny,
}

/// Why a policy could not be read; names where it is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct PolicyError {
    /// Where in the template.
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

impl PolicyError {
    fn new(at: &str, reason: impl Into<String>) -> Self {
        PolicyError {
            at: at.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    /// `"*"` or `{"AWS": "*"}`.
    Any,
    /// `{"AWS": [...]}`: role ARNs, account ids or account roots. A `Service` principal
    /// names no caller of the local cloud, which acts as roles and accounts only.
    Listed(Vec<String>),
}

/// One statement of a resource policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    principal: Principal,
    /// `Action` patterns.
    actions: Vec<String>,
    /// `Resource` patterns; empty means every resource.
    resources: Vec<String>,
    conditions: Vec<Condition>,
}

/// Reads the statements of `policy`: a document with `Statement` (one or a list), or one
/// statement. `at` names it in errors.
pub fn statements_of(policy: &Value, at: &str) -> Result<Vec<Statement>, PolicyError> {
    let list = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => {
            return Err(PolicyError::new(
                at,
                "Statement must be a statement or a list",
            ));
        }
        None if policy.get("Effect").is_some() => vec![policy],
        None => return Err(PolicyError::new(at, "the policy has no Statement")),
    };
    list.into_iter()
        .enumerate()
        .map(|(i, s)| Statement::parse(s, &format!("{at}.Statement[{i}]")))
        .collect()
}

/// A string or a list of strings, as policies write them.
pub(super) fn strings(value: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| PolicyError::new(at, "must be a string or a list of strings"))
            })
            .collect(),
        _ => Err(PolicyError::new(
            at,
            "must be a string or a list of strings",
        )),
    }
}

impl Statement {
    fn parse(value: &Value, at: &str) -> Result<Statement, PolicyError> {
        let object = value
            .as_object()
            .ok_or_else(|| PolicyError::new(at, "a statement must be a mapping"))?;
        if object.contains_key("NotAction")
            || object.contains_key("NotPrincipal")
            || object.contains_key("NotResource")
        {
            return Err(PolicyError::new(
                at,
                "NotAction, NotPrincipal and NotResource are not evaluated locally",
            ));
        }
        let effect = match object.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => {
                return Err(PolicyError::new(
                    &format!("{at}.Effect"),
                    "must be Allow or Deny",
                ));
            }
        };
        let principal = match object.get("Principal") {
            None => {
                return Err(PolicyError::new(
                    at,
                    "a resource policy statement needs a Principal",
                ));
            }
            Some(Value::String(s)) if s == "*" => Principal::Any,
            Some(Value::Object(map)) => {
                let list = |key: &str| -> Result<Vec<String>, PolicyError> {
                    map.get(key).map_or(Ok(Vec::new()), |v| {
                        strings(v, &format!("{at}.Principal.{key}"))
                    })
                };
                let aws = list("AWS")?;
                list("Service")?;
                if aws.iter().any(|a| a == "*") {
                    Principal::Any
                } else {
                    Principal::Listed(aws)
                }
            }
            Some(_) => {
                return Err(PolicyError::new(
                    &format!("{at}.Principal"),
                    "must be \"*\" or a mapping",
                ));
            }
        };
        let actions = strings(
            object
                .get("Action")
                .ok_or_else(|| PolicyError::new(at, "a statement needs an Action"))?,
            &format!("{at}.Action"),
        )?;
        let resources = object
            .get("Resource")
            .map_or(Ok(Vec::new()), |v| strings(v, &format!("{at}.Resource")))?;
        let conditions = match object.get("Condition") {
            None => Vec::new(),
            Some(c) => Condition::parse_block(c, &format!("{at}.Condition"))?,
        };
        Ok(Statement {
            sid: object.get("Sid").and_then(Value::as_str).map(str::to_owned),
            effect,
            principal,
            actions,
            resources,
            conditions,
        })
    }

    /// Whether the statement is about `request`: its principal, action, resource and every
    /// condition.
    pub(super) fn applies(&self, request: &Request<'_>) -> bool {
        self.principal_matches(&request.caller.arn, &request.caller.account)
            && self
                .actions
                .iter()
                .any(|a| a == "*" || wildcard_match(a, request.action, true))
            && (self.resources.is_empty()
                || self
                    .resources
                    .iter()
                    .any(|r| wildcard_match(r, request.resource, false)))
            && self
                .conditions
                .iter()
                .all(|c| c.holds(request, self.effect))
    }

    fn principal_matches(&self, arn: &str, account: &str) -> bool {
        match &self.principal {
            Principal::Any => true,
            Principal::Listed(aws) => aws.iter().any(|p| {
                p == arn
                    || p == account
                    || p.strip_prefix("arn:aws:iam::")
                        .and_then(|rest| rest.strip_suffix(":root"))
                        .is_some_and(|a| a == account)
            }),
        }
    }

    /// The condition keys the statement tests, as written.
    pub(super) fn condition_keys(&self) -> Vec<String> {
        self.conditions.iter().map(|c| c.key.clone()).collect()
    }
}
