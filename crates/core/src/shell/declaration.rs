//! A declared function as a value: the host (the Lambda binary, the local cloud) builds it
//! from a source of adapters and an environment into one boxed service, the function's
//! handler inside its invocation frame.

use super::{
    Adapters, Environment, EventType, Function, InvocationLayer, Port, Ports, Setting, ShellError,
};
use crate::idempotency::IdempotencyConfig;
use futures::future::BoxFuture;
use lambda_runtime::tower::util::BoxCloneSyncService;
use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A built function: its handler inside its invocation frame, answering JSON.
pub type BoxedFunction = BoxCloneSyncService<LambdaEvent<Value>, Value, Diagnostic>;

/// A function's handler as a tower service over its dependencies, built once.
pub struct FunctionService<F> {
    deps: Arc<F>,
}

impl<F> FunctionService<F> {
    /// The service of dependencies `deps`.
    pub fn new(deps: F) -> Self {
        Self {
            deps: Arc::new(deps),
        }
    }
}

impl<F> Clone for FunctionService<F> {
    fn clone(&self) -> Self {
        Self {
            deps: Arc::clone(&self.deps),
        }
    }
}

impl<F: Function> Service<LambdaEvent<Value>> for FunctionService<F> {
    type Response = Value;
    type Error = Diagnostic;
    type Future = BoxFuture<'static, Result<Value, Diagnostic>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Diagnostic>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: LambdaEvent<Value>) -> Self::Future {
        let deps = Arc::clone(&self.deps);
        Box::pin(async move {
            let output = deps.handle(event).await.map_err(Diagnostic::from)?;
            serde_json::to_value(output).map_err(|e| Diagnostic {
                error_type: "ResponseSerialization".to_owned(),
                error_message: format!("{}: the response is not JSON: {e}", F::NAME),
            })
        })
    }
}

/// A declared function, seen by a host that holds many (object safe).
pub trait Declared: Send + Sync {
    /// The function's name (its binary's name).
    fn name(&self) -> &'static str;
    /// The ports it declares.
    fn ports(&self) -> &'static [Port];
    /// The variables it reads beyond its ports.
    fn settings(&self) -> &'static [Setting];
    /// Its idempotency settings (the name its record keys start with).
    fn idempotency(&self) -> IdempotencyConfig;
    /// The events it publishes.
    fn publishes(&self) -> &'static [EventType];
    /// Builds it from `adapters` and `environment`, inside its invocation frame.
    fn build(
        &self,
        adapters: &dyn Adapters,
        environment: &Environment<'_>,
    ) -> Result<BoxedFunction, ShellError>;
}

/// The [`Declared`] view of function `F`.
pub struct Declaration<F>(PhantomData<fn() -> F>);

impl<F> Declaration<F> {
    /// The declaration of `F`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<F> Default for Declaration<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Function> Declared for Declaration<F> {
    fn name(&self) -> &'static str {
        F::NAME
    }

    fn ports(&self) -> &'static [Port] {
        F::PORTS
    }

    fn settings(&self) -> &'static [Setting] {
        F::SETTINGS
    }

    fn idempotency(&self) -> IdempotencyConfig {
        F::idempotency()
    }

    fn publishes(&self) -> &'static [EventType] {
        F::PUBLISHES
    }

    fn build(
        &self,
        adapters: &dyn Adapters,
        environment: &Environment<'_>,
    ) -> Result<BoxedFunction, ShellError> {
        let ports = Ports::new(F::NAME, F::PORTS, F::SETTINGS, adapters, environment)
            .publishing(F::PUBLISHES);
        let deps = F::build(&ports)?;
        let service = InvocationLayer::new(F::NAME).layer(FunctionService::new(deps));
        Ok(BoxCloneSyncService::new(service))
    }
}
