//! The in-process code of each function: the real function of its crate in `functions/`,
//! built from its declaration on the cloud's embedded stores and environment, inside the
//! same invocation frame the Lambda binary runs.

use super::HandlerFactory;
use super::lambda::LocalHandler;
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

/// What a template function whose binary no linked crate declares needs: the crate, and
/// where the local cloud finds it. The start-up error puts it after the function's
/// `CodeUri`, which names the binary.
fn missing(binary: &str) -> String {
    format!(
        "no function crate builds binary `{binary}`: a crate under functions/ builds it \
         (its `[[bin]]` or package name) and exports `pub static DECLARATION` as \
         functions/audit/src/lib.rs does; crates/local/build.rs then names the dependency \
         line crates/local/Cargo.toml needs"
    )
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
        let declared = declaration(&function.binary).ok_or_else(|| missing(&function.binary))?;
        let environment = Environment::from_fn(|name| function.environment.get(name).cloned());
        let built = declared
            .build(&world.adapters(), &environment)
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Built(built)))
    }
}
