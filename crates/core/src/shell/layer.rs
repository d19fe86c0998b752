//! The per-invocation frame every function runs in, on Lambda and in the local cloud: the
//! invocation span (correlation id, idempotency key, order id on every log line) and the
//! cold-start metric. A tower layer, written the way `lambda_runtime`'s own layers are.

use crate::telemetry::{invocation_span, metrics};
use lambda_runtime::LambdaEvent;
use lambda_runtime::tower::{Layer, Service};
use serde_json::Value;
use std::task::{Context, Poll};
use tracing::Instrument;
use tracing::instrument::Instrumented;

/// Wraps a function's service in its invocation frame.
#[derive(Debug, Clone, Copy)]
pub struct InvocationLayer {
    function: &'static str,
}

impl InvocationLayer {
    /// The frame of function `function` (its name in metrics).
    pub const fn new(function: &'static str) -> Self {
        Self { function }
    }
}

impl<S> Layer<S> for InvocationLayer {
    type Service = Invocation<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Invocation {
            inner,
            function: self.function,
        }
    }
}

/// The service [`InvocationLayer`] returns.
#[derive(Debug, Clone)]
pub struct Invocation<S> {
    inner: S,
    function: &'static str,
}

impl<S> Service<LambdaEvent<Value>> for Invocation<S>
where
    S: Service<LambdaEvent<Value>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, event: LambdaEvent<Value>) -> Self::Future {
        let span = invocation_span(&event.payload);
        let future = {
            // Entered while the inner service starts, so whatever it does before its first
            // await (and the cold-start record) belongs to the invocation.
            let _entered = span.enter();
            metrics::invocation(self.function);
            self.inner.call(event)
        };
        future.instrument(span)
    }
}
