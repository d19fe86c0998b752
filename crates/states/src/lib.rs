//! An Amazon States Language interpreter: parse a definition once, run it many times.
//!
//! - [`StateMachine::parse`] validates a definition as CreateStateMachine does.
//! - [`execute`] / [`Executor`] run it on tokio, with tasks behind [`TaskHandler`], time
//!   from a [`Clock`], and `.waitForTaskToken` callbacks through [`TaskTokens`].
//! - The result is an [`Execution`] with status, output or error, and its history.

pub mod callbacks;
mod causes;
pub mod choice;
pub mod clock;
pub mod definition;
pub mod errors;
mod exec;
pub mod history;
pub mod intrinsics;
mod json_text;
pub mod jsonata;
pub mod jsonata_template;
pub mod mock;
mod object;
pub mod paths;
pub mod problems;
pub mod task;

pub use callbacks::{CallbackError, TaskTokens};
pub use clock::{Clock, SharedClock, TokioClock, VirtualClock};
pub use definition::{Problem, QueryLanguage, StateMachine, ValidationError};
pub use errors::StatesError;
pub use exec::{
    AbortSignal, Execution, ExecutionOptions, ExecutionStatus, Executor, Jitter, MAX_PAYLOAD_BYTES,
    RedriveError, RedrivePoint, StopReason, execute, execute_blocking, execution_arn, redrive,
};
pub use history::{EventDetails, HistoryEvent, LiveHistory};
pub use json_text::json_len;
pub use mock::{MockConfig, MockConfigError, MockTaskHandler};
pub use task::{NoTasks, TaskFailure, TaskHandler, TaskRequest};

// README.md's example, compiled and run as a doctest (`cargo test --doc -p orderly-states`).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoc;
