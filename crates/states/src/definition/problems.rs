//! Definition problems, reported as CreateStateMachine's `InvalidDefinition` does.

use std::fmt;

/// One thing wrong with a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// AWS's code: `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, …
    pub code: &'static str,
    pub message: String,
    /// Where: `/States/Name/Field`.
    pub location: String,
}

/// A definition that cannot run, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
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

pub const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
pub const MISSING_TARGET: &str = "MISSING_TRANSITION_TARGET";
pub const UNREACHABLE: &str = "UNREACHABLE_STATE";
pub const NO_TERMINAL: &str = "MISSING_END_STATE";
pub const BAD_JSON: &str = "INVALID_JSON_DESCRIPTION";

/// Collects problems while a definition is parsed.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
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

    pub fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.add(SCHEMA, location, message);
    }
}
