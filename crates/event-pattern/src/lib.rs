//! EventBridge event patterns and input transformers, evaluated as AWS evaluates them.
//!
//! - [`Pattern::parse`] validates a pattern with EventBridge's reasons for rejecting it.
//! - [`RuleSet`] compiles many named patterns into one matcher that reads each event once.
//! - [`test_event_pattern`] is `TestEventPattern`.
//! - [`transform_input`] builds a target's input (`Input`, `InputPath`, `InputTransformer`).

mod affix;
mod cidr;
mod compile;
mod error;
mod flatten;
mod hash;
mod jsonpath;
mod machine;
mod number;
mod pattern;
mod reference;
mod test_pattern;
mod tokens;
mod transform;
mod value;
mod wildcard;
mod work;

pub use error::{MAX_PATTERN_LENGTH, PatternError, TestPatternError, TransformError};
pub use flatten::EventSyntaxError;
pub use machine::{RuleSet, Scratch};
pub use pattern::Pattern;
pub use reference::reference_matches;
pub use test_pattern::{REQUIRED_EVENT_FIELDS, test_event_pattern, test_event_pattern_parsed};
pub use transform::{
    CompiledInput, InputTransformer, MAX_INPUT_PATHS, MAX_INPUT_TEMPLATE_LENGTH, RuleContext,
    TargetInput, transform_input,
};
pub use work::COMPILE_WORK_BUDGET;
