//! Kinesis event source mappings: a poller per shard lane that hands the function the
//! shard's records in order, with Lambda's batching, checkpointing, retries, splitting,
//! record age, on-failure destination and tumbling windows.

mod cloud;
mod config;
mod event;
mod lane;
mod source;

pub use config::{StartingPosition, StreamSourceConfig};
pub use event::{Condition, Discarded, WindowPart, lambda_event, lambda_record};
pub use lane::{FunctionFailure, Lane, LaneInvoker, LaneWatch, Progress, Step};
pub use source::StreamSource;
