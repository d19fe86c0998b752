//! EventBridge Pipes of the template, run by the cloud: each reads its source (a table's
//! stream or a Kinesis stream through the stream lanes, or a queue through a poller), drops
//! what its filters do not match, asks its enrichment, builds each target input and
//! delivers it, as the user guide's Pipes pages describe.

mod input;
mod sources;
mod stages;

pub use input::{PipeContext, PipeTemplate, dynamic, parsed_view};
pub use stages::{BatchFailure, Stages};
