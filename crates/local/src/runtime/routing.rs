//! The rules of every bus, as the bus routes with them: the template's, and those PutRule
//! and PutTargets make or change while the cloud runs (`rule_admin.rs`).
//!
//! Routing reads a compiled snapshot ([`Routing`]) behind a read lock and an `Arc`: a put
//! pays one lock read, and a change compiles a new snapshot and swaps it in, so deliveries
//! already under way keep the rule they started with, as EventBridge's own changes reach
//! new events only.

use super::bus::{CompiledRule, target_input};
use crate::template::Rule;
use event_pattern::{Pattern, RuleSet};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The rules of every bus, compiled.
pub struct Routing {
    /// bus name → matcher over its rules (rule logical ids).
    matchers: HashMap<String, RuleSet>,
    rules: HashMap<String, Arc<CompiledRule>>,
}

impl Routing {
    /// Compiles every rule's pattern and target inputs.
    ///
    /// # Errors
    ///
    /// The rule and property whose pattern or input cannot be compiled.
    fn compile<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Result<Self, String> {
        let mut matchers: HashMap<String, RuleSet> = HashMap::new();
        let mut compiled = HashMap::new();
        for rule in rules {
            // A schedule rule without a pattern matches no event: it only runs on its
            // schedule.
            let pattern = match rule.event_pattern.as_str() {
                "" if rule.schedule_expression.is_some() => None,
                text => Some(Pattern::parse(text).map_err(|e| {
                    format!(
                        "{}.Properties.EventPattern: {}",
                        rule.logical_id,
                        e.message()
                    )
                })?),
            };
            let mut targets = Vec::new();
            for target in &rule.targets {
                let input = target_input(target).compile().map_err(|e| {
                    format!("{}.Properties.Targets[{}]: {e}", rule.logical_id, target.id)
                })?;
                targets.push((target.clone(), input));
            }
            if rule.enabled
                && let Some(pattern) = &pattern
            {
                matchers
                    .entry(rule.event_bus_name.clone())
                    .or_default()
                    .add(&rule.logical_id, pattern);
            }
            compiled.insert(
                rule.logical_id.clone(),
                Arc::new(CompiledRule {
                    rule: rule.clone(),
                    targets,
                }),
            );
        }
        Ok(Self {
            matchers,
            rules: compiled,
        })
    }
}

/// The rules of every bus: their definitions, and the snapshot routing reads.
pub struct Buses {
    current: RwLock<Arc<Routing>>,
    /// Every rule by logical id (a rule PutRule made is `<bus>/<name>`); changes are made
    /// under this lock, one at a time.
    declared: Mutex<BTreeMap<String, Rule>>,
}

impl Buses {
    /// Compiles the template's rules, once at start.
    ///
    /// # Errors
    ///
    /// The rule and property whose pattern or input cannot be compiled.
    pub fn compile<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Result<Self, String> {
        let declared: BTreeMap<String, Rule> = rules
            .into_iter()
            .map(|r| (r.logical_id.clone(), r.clone()))
            .collect();
        let routing = Routing::compile(declared.values())?;
        Ok(Self {
            current: RwLock::new(Arc::new(routing)),
            declared: Mutex::new(declared),
        })
    }

    fn snapshot(&self) -> Arc<Routing> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The rules on `bus` that match the event, by logical id.
    pub fn matching(&self, bus: &str, event: &Value) -> Vec<Arc<CompiledRule>> {
        let routing = self.snapshot();
        let Some(matcher) = routing.matchers.get(bus) else {
            return Vec::new();
        };
        let mut names = matcher.matching(event);
        names.sort_unstable();
        names
            .into_iter()
            .filter_map(|n| routing.rules.get(n).cloned())
            .collect()
    }

    /// The compiled rule `logical_id`.
    pub fn rule(&self, logical_id: &str) -> Option<Arc<CompiledRule>> {
        self.snapshot().rules.get(logical_id).cloned()
    }

    /// The rule `name` of `bus` as it stands.
    pub fn find(&self, bus: &str, name: &str) -> Option<Rule> {
        self.lock()
            .values()
            .find(|r| r.event_bus_name == bus && r.name == name)
            .cloned()
    }

    /// Every rule as it stands, in logical-id order.
    pub fn rules(&self) -> Vec<Rule> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Rule>> {
        self.declared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the rules with `change`, which may refuse with its error; what it leaves is
    /// compiled and routed with from the next event on. Nothing changes when `change` or
    /// the compilation refuses.
    ///
    /// # Errors
    ///
    /// `change`'s error, or the compilation's as `compile_error` makes it.
    pub fn change<T, E>(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, Rule>) -> Result<T, E>,
        compile_error: impl FnOnce(String) -> E,
    ) -> Result<T, E> {
        let mut declared = self.lock();
        let mut next = declared.clone();
        let answer = change(&mut next)?;
        let routing = Routing::compile(next.values()).map_err(compile_error)?;
        *declared = next;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(routing);
        Ok(answer)
    }
}
