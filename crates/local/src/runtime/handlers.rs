//! The code of each function. A crate this crate links (a dependency in its `Cargo.toml`)
//! runs in-process: the real function, built from its declaration on the cloud's embedded
//! stores and environment, inside the same invocation frame the Lambda binary runs. Any
//! other crate runs as a process of its own behind the Lambda Runtime API
//! ([`super::process`]), so a new crate under `functions/` runs with nothing else changed.

use super::HandlerFactory;
use super::lambda::LocalHandler;
use super::process::ProcessHandler;
use super::world::World;
use crate::template::Function;
use async_trait::async_trait;
use lambda_runtime::tower::ServiceExt;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use orderly_core::shell::{BoxedFunction, Declared, Environment};
use serde_json::Value;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/declared.rs"));

/// The declaration of the function a template function's code builds (its binary name).
pub fn declaration(binary: &str) -> Option<&'static dyn Declared> {
    DECLARED.iter().copied().find(|d| d.name() == binary)
}

/// A template function whose binary no linked crate declares: its crate's binary, built
/// and run as a process. The start-up error puts the reason after the function's
/// `CodeUri`, which names the crate. Public so that a host (or a test) can run a linked
/// crate as a process too.
pub fn out_of_process(function: &Function, world: &World) -> Result<Arc<dyn LocalHandler>, String> {
    let dir = world.template_dir.join(&function.code_uri);
    let executable = super::process::build::executable(&dir, &function.binary).map_err(|e| {
        format!(
            "{e}; a function's CodeUri is the directory of a crate whose binary \
             (Metadata.BuildProperties.Binary, else the directory's name) is its Lambda binary"
        )
    })?;
    Ok(Arc::new(ProcessHandler::new(
        function,
        executable,
        world.cloud(),
    )))
}

/// A built function, invoked as a tower service.
struct Built(BoxedFunction);

#[async_trait]
impl LocalHandler for Built {
    async fn invoke(&self, payload: Value, context: Context) -> Result<Value, Diagnostic> {
        self.0
            .clone()
            .oneshot(LambdaEvent::new(payload, context))
            .await
    }
}

/// Builds every function of `functions/` by binary name, from its declaration.
pub struct OrderlyHandlers;

impl HandlerFactory for OrderlyHandlers {
    fn build(&self, function: &Function, world: &World) -> Result<Arc<dyn LocalHandler>, String> {
        let Some(declared) = declaration(&function.binary) else {
            return out_of_process(function, world);
        };
        let environment = Environment::from_fn(|name| function.environment.get(name).cloned());
        let built = declared
            .build(&world.adapters_for(function), &environment)
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Built(built)))
    }
}
