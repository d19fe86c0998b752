//! Definition problems, reported as CreateStateMachine's `InvalidDefinition` does. Both
//! the definition parser and Choice rule parsing (`choice::parse_rule`) report them.

use std::fmt;

/// One thing wrong with a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// AWS's code: `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, …
    pub code: &'static str,
    /// What is wrong, in AWS's words where known.
    pub message: String,
    /// Where: `/States/Name/Field`.
    pub location: String,
}

/// A definition that cannot run, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// Every problem, in the order found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid State Machine Definition: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "'{}: {} at {}'", p.code, p.message, p.location)?;
        }
        Ok(())
    }
}

/// A field is missing, of the wrong type or has a wrong value.
pub const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
/// A `Next`, `Default` or `StartAt` names no state.
pub const MISSING_TARGET: &str = "MISSING_TRANSITION_TARGET";
/// A state no transition leads to.
pub const UNREACHABLE: &str = "UNREACHABLE_STATE";
/// A branch without a state that ends it.
pub const NO_TERMINAL: &str = "MISSING_END_STATE";
/// The definition is not JSON.
pub const BAD_JSON: &str = "INVALID_JSON_DESCRIPTION";

/// Collects problems while a definition is parsed.
#[derive(Debug, Default)]
pub struct Problems {
    /// The problems so far.
    pub list: Vec<Problem>,
}

impl Problems {
    /// Records a problem with AWS's `code` at `location`.
    pub fn add(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.list.push(Problem {
            code,
            message: message.into(),
            location: location.into(),
        });
    }

    /// Records a `SCHEMA_VALIDATION_FAILED` problem.
    pub fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.add(SCHEMA, location, message);
    }
}
