//! One parser per state type, each reading the fields only that type has; the fields
//! every state shares are read in `parse_state` before these run.

mod branches;
mod choice;
mod fail;
mod integrations;
mod task;
mod wait;

pub(super) use branches::{parse_map, parse_parallel};
pub(super) use choice::parse_choice;
pub(super) use fail::parse_fail;
pub(super) use task::parse_task;
pub(super) use wait::parse_wait;
