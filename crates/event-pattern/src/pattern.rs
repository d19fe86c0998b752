//! One event pattern: parsed, validated, and ready to match.

use crate::compile::{SubRule, compile};
use crate::error::{MAX_PATTERN_LENGTH, PatternError};
use crate::flatten::EventSyntaxError;
use crate::machine::RuleSet;
use crate::work::{FIELD_UNITS, Work};

/// A valid EventBridge event pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    sub_rules: Vec<SubRule>,
    machine: RuleSet,
}

impl Pattern {
    /// Parses and validates pattern text. An invalid pattern fails with the reason EventBridge
    /// gives for it.
    pub fn parse(json: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_measured(json).0
    }

    /// As [`Pattern::parse`], with the units of work compiling took (see
    /// [`COMPILE_WORK_BUDGET`](crate::COMPILE_WORK_BUDGET)): a measure of the compiler's
    /// cost that does not depend on the machine, for tests and benches.
    pub fn parse_measured(json: &str) -> (Result<Pattern, PatternError>, u64) {
        let mut work = Work::default();
        let result = Pattern::compile(json, &mut work);
        (result, work.spent())
    }

    fn compile(json: &str, work: &mut Work) -> Result<Pattern, PatternError> {
        // The API's limit counts characters (Unicode scalar values, as every AWS string
        // length constraint does), so the text may hold up to four times as many bytes; the
        // work below is bounded by the budget, not by this limit.
        let length = json.chars().count();
        if length > MAX_PATTERN_LENGTH {
            return Err(PatternError::TooLong { length });
        }
        let sub_rules = compile(json, work)?;
        // The matcher takes one step per field of each sub-rule.
        work.spend(FIELD_UNITS * sub_rules.iter().map(|r| 1 + r.len()).sum::<usize>())?;
        let mut machine = RuleSet::new();
        machine.add_sub_rules("", &sub_rules);
        Ok(Pattern {
            text: json.to_owned(),
            sub_rules,
            machine,
        })
    }

    /// The pattern text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn sub_rules(&self) -> &[SubRule] {
        &self.sub_rules
    }

    /// Whether the pattern matches a parsed event.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        !self.machine.matching(event).is_empty()
    }

    /// Whether the pattern matches event text.
    ///
    /// The text is read as EventBridge's streaming reader reads it: a key given twice in one
    /// object contributes every member, so `{"a": 1, "a": 2}` holds both values of `a`. A
    /// parsed [`serde_json::Value`] keeps only the last, so [`Pattern::matches`] may answer
    /// differently for such text.
    pub fn matches_text(&self, event: &str) -> Result<bool, EventSyntaxError> {
        Ok(!self.machine.matching_text(event)?.is_empty())
    }
}

// `add` lives here rather than in `machine.rs` so that dependencies point one way: a
// pattern holds a machine of its own, and the machine knows only compiled sub-rules.
impl RuleSet {
    /// Adds a rule. A name added twice is one rule that matches when either pattern does.
    pub fn add(&mut self, name: &str, pattern: &Pattern) {
        self.add_sub_rules(name, &pattern.sub_rules);
    }
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}
