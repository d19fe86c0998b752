//! Rules made and changed while the cloud runs: PutRule, PutTargets, RemoveTargets,
//! DeleteRule, EnableRule and DisableRule, each authorized against the bus's resource
//! policy as EventBridge authorizes them (the subscription policy: who may create rules on
//! a bus, `events:creatorAccount`, `events:source`, `events:detail-type`,
//! `events:TargetArn`).
//!
//! A rule PutRule makes routes from the next event on, with the targets PutTargets gives
//! it. Its logical id is `<bus>/<name>`, what the timeline and traces name it by.

use super::CloudInner;
use crate::iam::{self, Caller, Decision, Request};
use crate::template::{Rule, RuleTarget};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most targets a rule may have.
pub const MAX_TARGETS: usize = 5;

/// The most rules a bus may have (EventBridge's quota).
pub const MAX_RULES_PER_BUS: usize = 300;

/// Why a rule call is refused, with EventBridge's code and words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The bus's policy does not let the caller do this.
    #[error("{0}")]
    AccessDenied(String),
    /// The bus or the rule does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request breaks a rule of the API.
    #[error("{0}")]
    Validation(String),
    /// The event pattern does not compile.
    #[error("{0}")]
    InvalidPattern(String),
    /// Too many targets.
    #[error("{0}")]
    LimitExceeded(String),
}

impl RuleError {
    /// The error's code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessDenied(_) => "AccessDeniedException",
            Self::NotFound(_) => "ResourceNotFoundException",
            Self::Validation(_) => "ValidationException",
            Self::InvalidPattern(_) => "InvalidEventPatternException",
            Self::LimitExceeded(_) => "LimitExceededException",
        }
    }
}

/// A PutRule request.
#[derive(Debug, Clone, Default)]
pub struct RuleSpec {
    /// `Name`.
    pub name: String,
    /// The bus's name.
    pub bus: String,
    /// `EventPattern`.
    pub event_pattern: Option<String>,
    /// `ScheduleExpression`.
    pub schedule_expression: Option<String>,
    /// `State`: `ENABLED` unless it says `DISABLED`.
    pub enabled: bool,
    /// `Description`.
    pub description: Option<String>,
}

/// A target a PutTargets or RemoveTargets entry could not set: its id and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTarget {
    /// The target's `Id`.
    pub id: String,
    /// EventBridge's error code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// The strings a pattern's top-level `field` lists: the values EventBridge authorizes a
/// PutRule by (`events:source`, `events:detail-type`), and whether the pattern leaves them
/// unknown: a matcher (`prefix`, `anything-but`, …) in the list, or a top-level `$or`
/// that may name the field.
fn listed<'a>(pattern: &'a Value, field: &str) -> (Vec<&'a str>, bool) {
    let under_or = pattern.get("$or").is_some();
    match pattern.get(field) {
        Some(Value::Array(values)) => (
            values.iter().filter_map(Value::as_str).collect(),
            under_or || values.iter().any(|v| !v.is_string()),
        ),
        Some(_) => (Vec::new(), true),
        None => (Vec::new(), under_or),
    }
}

impl CloudInner {
    /// The account that made the rule `name` of `bus` (`events:creatorAccount`): who made
    /// it with PutRule, the stack's account for its own rules, and the caller's for a rule
    /// that does not exist yet.
    fn creator_of(&self, bus: &str, name: &str, caller: &Caller) -> String {
        self.buses.find(bus, name).map_or_else(
            || caller.account.clone(),
            |r| {
                r.created_by
                    .unwrap_or_else(|| self.model.account_id.clone())
            },
        )
    }

    /// Whether `caller` may call `action` on the rule `name` of `bus`, by the bus's policy:
    /// an explicit Deny refuses; another account needs an Allow; within the account the
    /// caller's own policies decide, which the local cloud does not evaluate.
    fn authorize_rule_call(
        &self,
        action: &str,
        bus: &str,
        name: &str,
        caller: &Caller,
        keys: &[(&str, &str)],
        indeterminate: &[&str],
    ) -> Result<(), RuleError> {
        let statements = self
            .model
            .bus_policies
            .get(bus)
            .map_or(&[][..], Vec::as_slice);
        let arn = crate::pseudo::event_rule_arn(bus, name);
        let rule_arn = arn.as_str();
        let creator = self.creator_of(bus, name, caller);
        let mut all_keys = vec![("events:creatorAccount", creator.as_str())];
        all_keys.extend_from_slice(keys);
        let request = Request {
            action,
            resource: rule_arn,
            caller,
            keys: &all_keys,
            indeterminate,
        };
        let same_account = caller.account == self.model.account_id;
        let refused = |why: &str| {
            RuleError::AccessDenied(format!(
                "User: {} is not authorized to perform: {action} on resource: {rule_arn} {why}",
                caller.arn
            ))
        };
        match iam::decide(statements, &request) {
            Decision::Allowed => Ok(()),
            Decision::Silent if same_account => Ok(()),
            Decision::Silent => Err(refused(&format!(
                "because no resource-based policy allows the {action} action"
            ))),
            Decision::Denied { .. } => {
                Err(refused("with an explicit deny in a resource-based policy"))
            }
        }
    }

    /// The bus `bus`, which must exist: the default bus, a bus of the template, or one its
    /// rules name.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`] for any other.
    pub fn existing_bus(&self, bus: &str) -> Result<(), RuleError> {
        let known = bus == "default"
            || self.model.buses.values().any(|b| b.name == bus)
            || self.model.rules.values().any(|r| r.event_bus_name == bus);
        if known {
            Ok(())
        } else {
            Err(RuleError::NotFound(format!(
                "Event bus {bus} does not exist."
            )))
        }
    }

    /// The rule `name` of `bus` as it stands.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`] for an unknown bus or rule.
    pub fn rule_named(&self, bus: &str, name: &str) -> Result<Rule, RuleError> {
        self.existing_bus(bus)?;
        self.buses
            .find(bus, name)
            .ok_or_else(|| not_found(bus, name))
    }

    /// Whether `caller` may read the rule `name` of `bus` (`action`: DescribeRule or
    /// ListTargetsByRule), and the rule.
    ///
    /// # Errors
    ///
    /// The rule is unknown, or the bus's policy refuses.
    pub fn read_rule(
        &self,
        action: &str,
        bus: &str,
        name: &str,
        caller: &Caller,
    ) -> Result<Rule, RuleError> {
        self.existing_bus(bus)?;
        self.authorize_rule_call(action, bus, name, caller, &[], &[])?;
        self.rule_named(bus, name)
    }

    /// PutRule: makes the rule, or changes the pattern, state and description of the one
    /// of that name on the bus. Answers its ARN.
    ///
    /// # Errors
    ///
    /// The bus does not exist, the pattern does not compile, the request lacks a pattern,
    /// or the bus's policy refuses the caller.
    pub fn put_rule(&self, spec: RuleSpec, caller: &Caller) -> Result<String, RuleError> {
        self.existing_bus(&spec.bus)?;
        if spec.schedule_expression.is_some() {
            return Err(RuleError::Validation(
                "ScheduleExpression: the local cloud runs the schedule rules of the template; \
                 a rule made by PutRule takes an EventPattern"
                    .to_owned(),
            ));
        }
        let Some(text) = spec.event_pattern.clone() else {
            return Err(RuleError::Validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.".to_owned(),
            ));
        };
        let pattern: Value = serde_json::from_str(&text).map_err(|e| {
            RuleError::InvalidPattern(format!("Event pattern is not valid. Reason: {e}"))
        })?;
        event_pattern::Pattern::parse(&text).map_err(|e| {
            RuleError::InvalidPattern(format!(
                "Event pattern is not valid. Reason: {}",
                e.message()
            ))
        })?;
        let arn = crate::pseudo::event_rule_arn(&spec.bus, &spec.name);
        let mut keys = Vec::new();
        let mut unknown = Vec::new();
        for (field, key) in [
            ("source", "events:source"),
            ("detail-type", "events:detail-type"),
        ] {
            let (values, indeterminate) = listed(&pattern, field);
            keys.extend(values.into_iter().map(|v| (key, v)));
            if indeterminate {
                unknown.push(key);
            }
        }
        self.authorize_rule_call(
            "events:PutRule",
            &spec.bus,
            &spec.name,
            caller,
            &keys,
            &unknown,
        )?;
        let answer = arn.clone();
        self.buses.change(
            |rules| {
                let on_bus = rules
                    .values()
                    .filter(|r| r.event_bus_name == spec.bus)
                    .count();
                let existing = rules
                    .values_mut()
                    .find(|r| r.event_bus_name == spec.bus && r.name == spec.name);
                match existing {
                    Some(rule) => {
                        // PutRule replaces the rule's definition: a schedule it had is
                        // gone, as its request names none.
                        rule.event_pattern = text;
                        rule.schedule_expression = None;
                        rule.enabled = spec.enabled;
                        rule.description = spec.description;
                    }
                    None if on_bus >= MAX_RULES_PER_BUS => {
                        return Err(RuleError::LimitExceeded(format!(
                            "The requested resource exceeds the maximum number allowed: event bus {} has {MAX_RULES_PER_BUS} rules.",
                            spec.bus
                        )));
                    }
                    None => {
                        let logical_id = format!("{}/{}", spec.bus, spec.name);
                        rules.insert(
                            logical_id.clone(),
                            Rule {
                                logical_id,
                                name: spec.name,
                                arn,
                                event_bus: self
                                    .model
                                    .buses
                                    .values()
                                    .find(|b| b.name == spec.bus)
                                    .map(|b| b.logical_id.clone()),
                                event_bus_name: spec.bus,
                                event_pattern: text,
                                enabled: spec.enabled,
                                description: spec.description,
                                targets: Vec::new(),
                                schedule_expression: None,
                                created_by: Some(caller.account.clone()),
                            },
                        );
                    }
                }
                Ok(answer)
            },
            RuleError::InvalidPattern,
        )
    }

    /// PutTargets: adds `targets` to the rule, or replaces those of the same id. Answers
    /// the entries that could not be set, with `refused` (targets the request could not
    /// read) among them.
    ///
    /// # Errors
    ///
    /// The rule is unknown, it would have more than [`MAX_TARGETS`] targets, or the bus's
    /// policy refuses.
    pub fn put_targets(
        &self,
        bus: &str,
        name: &str,
        targets: Vec<RuleTarget>,
        refused: Vec<FailedTarget>,
        caller: &Caller,
    ) -> Result<Vec<FailedTarget>, RuleError> {
        self.existing_bus(bus)?;
        // Each target is authorized with its own ARN: EventBridge's example grant,
        // `ArnLike events:TargetArn arn:aws:lambda:*`, names one value, and a request of
        // two functions must pass it. One refused target refuses the call.
        if targets.is_empty() {
            self.authorize_rule_call("events:PutTargets", bus, name, caller, &[], &[])?;
        }
        for target in &targets {
            let key = [("events:TargetArn", target.target.arn.as_str())];
            self.authorize_rule_call("events:PutTargets", bus, name, caller, &key, &[])?;
        }
        self.buses.change(
            |rules| {
                let rule = named(rules, bus, name)?;
                for target in targets {
                    match rule.targets.iter_mut().find(|t| t.id == target.id) {
                        Some(slot) => *slot = target,
                        None => rule.targets.push(target),
                    }
                }
                if rule.targets.len() > MAX_TARGETS {
                    return Err(RuleError::LimitExceeded(format!(
                        "The requested resource exceeds the maximum number allowed: rule {name} may have {MAX_TARGETS} targets."
                    )));
                }
                Ok(refused)
            },
            RuleError::Validation,
        )
    }

    /// RemoveTargets: removes the targets of `ids`; an id the rule does not have is
    /// answered as a failed entry.
    ///
    /// # Errors
    ///
    /// The rule is unknown, or the bus's policy refuses.
    pub fn remove_targets(
        &self,
        bus: &str,
        name: &str,
        ids: &[String],
        caller: &Caller,
    ) -> Result<Vec<FailedTarget>, RuleError> {
        self.existing_bus(bus)?;
        self.authorize_rule_call("events:RemoveTargets", bus, name, caller, &[], &[])?;
        self.buses.change(
            |rules| {
                let rule = named(rules, bus, name)?;
                let mut failed = Vec::new();
                for id in ids {
                    let before = rule.targets.len();
                    rule.targets.retain(|t| &t.id != id);
                    if rule.targets.len() == before {
                        failed.push(FailedTarget {
                            id: id.clone(),
                            code: "ResourceNotFoundException".to_owned(),
                            message: format!("Target {id} does not exist on rule {name}."),
                        });
                    }
                }
                Ok(failed)
            },
            RuleError::Validation,
        )
    }

    /// DeleteRule: removes a rule that has no targets left.
    ///
    /// # Errors
    ///
    /// The rule still has targets, or the bus's policy refuses. An unknown rule is no
    /// error: DeleteRule is idempotent.
    pub fn delete_rule(&self, bus: &str, name: &str, caller: &Caller) -> Result<(), RuleError> {
        self.existing_bus(bus)?;
        self.authorize_rule_call("events:DeleteRule", bus, name, caller, &[], &[])?;
        self.buses.change(
            |rules| {
                let Some(id) = rules
                    .iter()
                    .find(|(_, r)| r.event_bus_name == bus && r.name == name)
                    .map(|(id, r)| (id.clone(), r.targets.is_empty()))
                else {
                    return Ok(());
                };
                if !id.1 {
                    return Err(RuleError::Validation(
                        "Rule can't be deleted since it has targets.".to_owned(),
                    ));
                }
                rules.remove(&id.0);
                Ok(())
            },
            RuleError::Validation,
        )
    }

    /// EnableRule and DisableRule.
    ///
    /// # Errors
    ///
    /// The rule is unknown, or the bus's policy refuses.
    pub fn set_rule_state(
        &self,
        bus: &str,
        name: &str,
        enabled: bool,
        caller: &Caller,
    ) -> Result<(), RuleError> {
        self.existing_bus(bus)?;
        let action = if enabled {
            "events:EnableRule"
        } else {
            "events:DisableRule"
        };
        self.authorize_rule_call(action, bus, name, caller, &[], &[])?;
        self.buses.change(
            |rules| {
                let rule = named(rules, bus, name)?;
                rule.enabled = enabled;
                Ok(())
            },
            RuleError::Validation,
        )
    }
}

/// The rule `name` of `bus` among `rules`, to change.
fn named<'a>(
    rules: &'a mut BTreeMap<String, Rule>,
    bus: &str,
    name: &str,
) -> Result<&'a mut Rule, RuleError> {
    rules
        .values_mut()
        .find(|r| r.event_bus_name == bus && r.name == name)
        .ok_or_else(|| not_found(bus, name))
}

fn not_found(bus: &str, name: &str) -> RuleError {
    RuleError::NotFound(format!("Rule {name} does not exist on EventBus {bus}."))
}
