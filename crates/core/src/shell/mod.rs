//! One function shell: a function is declared once — its name, the ports it needs, its
//! idempotency settings, its environment, and how its dependencies are built from any
//! source of adapters — and both the Lambda binary and the local cloud build it from that
//! declaration and run it behind the same per-invocation layer.
//!
//! - [`Function`]: the declaration a function crate implements.
//! - [`Adapters`]: a source of adapters; the AWS SDK adapters implement it, and so do the
//!   local cloud's embedded stores.
//! - [`Ports`]: what [`Function::build`] reads its dependencies from: it checks each port
//!   against the declaration and names a missing variable in its error.
//! - [`InvocationLayer`]: the per-invocation frame (invocation span, cold-start metric) as a
//!   tower layer, the way `lambda_runtime`'s own layers are written.
//! - [`Declaration`]: a function as a value, so a host can hold many of them.

mod adapters;
mod declaration;
mod layer;
mod port;
mod ports;
mod scoped;

pub use adapters::Adapters;
pub use declaration::{BoxedFunction, Declaration, Declared, FunctionService};
pub use layer::{Invocation, InvocationLayer};
pub use port::{ItemsTable, Port, Setting};
pub use ports::{Environment, Ports, ShellError};
pub use scoped::{EventType, ScopedPublisher};

use crate::idempotency::IdempotencyConfig;
use crate::lambda::TaskError;
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// A Lambda function of Orderly, declared once. The type implementing it is the function's
/// dependencies (its `Deps` over trait objects), built from any source of adapters.
pub trait Function: Send + Sync + Sized + 'static {
    /// The function's name: its binary, its metric dimension, its idempotency records.
    const NAME: &'static str;
    /// The ports its dependencies are built from; [`Ports`] refuses any other.
    const PORTS: &'static [Port];
    /// The environment variables it reads beyond those of its ports.
    const SETTINGS: &'static [Setting] = &[];
    /// The events it publishes (with [`Port::Publisher`]): its publisher refuses any other,
    /// and its IAM policy allows these only (`events:source`, `events:detail-type`).
    const PUBLISHES: &'static [EventType] = &[];
    /// What a successful invocation answers.
    type Output: Serialize + Send;

    /// The idempotency settings: records named after the function unless it says more.
    fn idempotency() -> IdempotencyConfig {
        IdempotencyConfig::new(Self::NAME)
    }

    /// Builds the dependencies once per process (or per local cloud).
    fn build(ports: &Ports<'_>) -> Result<Self, ShellError>;

    /// Handles one invocation.
    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send;
}
