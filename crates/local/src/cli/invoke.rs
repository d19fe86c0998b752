//! `orderly invoke`: one function of the template against a fresh local cloud, as
//! `sam local invoke` does, without containers.

use clap::Args;
use orderly_local::runtime::lambda::{FunctionHost, InvokeError};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct InvokeArgs {
    /// The function: its logical id in the template (`ReserveStockFunction`), its
    /// FunctionName or ARN, or its name, the directory of its code under `functions/`
    /// (`reserve-stock`, as `orderly template functions` lists it).
    #[arg(value_name = "FUNCTION")]
    function: String,
    /// The event: a JSON file (e.g. `events/lambda/reserve-stock.json`).
    #[arg(long, short)]
    event: PathBuf,
    /// The SAM template.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
}

/// Exit status for a function error.
const FUNCTION_ERROR: u8 = 1;
/// Exit status for an unknown function or an unreadable file.
const INVALID: u8 = 2;

pub fn run(args: InvokeArgs) -> ExitCode {
    let payload = match read_event(&args.event) {
        Ok(payload) => payload,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(INVALID);
        }
    };
    let Some(runtime) = super::command_runtime() else {
        return ExitCode::from(INVALID);
    };
    runtime.block_on(invoke(args, payload))
}

fn read_event(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--event: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("--event: {} is not JSON: {e}", path.display()))
}

async fn invoke(args: InvokeArgs, payload: Value) -> ExitCode {
    let Some(cloud) = super::command_cloud(&args.template) else {
        return ExitCode::from(INVALID);
    };
    // The logical id, FunctionName or ARN, as the Lambda API takes them; else the name.
    let found = match cloud.inner.function(&args.function) {
        Some(host) => Ok(host),
        None => by_name(&cloud.inner.functions, &args.function),
    };
    let host = match found {
        Ok(host) => host,
        Err(candidates) => {
            let what = if candidates.is_empty() {
                "no function"
            } else {
                "more than one function is named"
            };
            let listed = if candidates.is_empty() {
                cloud.inner.functions.values().collect()
            } else {
                candidates
            };
            let mut known: Vec<String> = listed.into_iter().map(|h| describe(h)).collect();
            known.sort_unstable();
            eprintln!(
                "{what} {} in {}; functions: {}",
                args.function,
                args.template.display(),
                known.join(", ")
            );
            return ExitCode::from(INVALID);
        }
    };
    let result = cloud.inner.invoke(&host.function.logical_id, payload).await;
    let mut stderr = std::io::stderr();
    for line in cloud.inner.logs.group_lines(&host.function.log_group) {
        let _ = writeln!(stderr, "{}", line.line);
    }
    let (body, code) = match result {
        Ok(response) => (response, ExitCode::SUCCESS),
        Err(InvokeError::NotFound(name)) => {
            eprintln!("no function {name}");
            return ExitCode::from(INVALID);
        }
        Err(e @ (InvokeError::Function(_) | InvokeError::Throttled)) => (
            json!({"errorType": e.error_type(), "errorMessage": e.message()}),
            ExitCode::from(FUNCTION_ERROR),
        ),
    };
    let text = serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string());
    let _ = writeln!(std::io::stdout(), "{text}");
    code
}

/// The one function whose code is in the directory `name` under `functions/` (the last
/// component of its CodeUri: the name `orderly template functions` and scripts/logs
/// use); else the functions of that name, none or more than one.
fn by_name<'a>(
    functions: &'a HashMap<String, Arc<FunctionHost>>,
    name: &str,
) -> Result<Arc<FunctionHost>, Vec<&'a Arc<FunctionHost>>> {
    let named: Vec<&Arc<FunctionHost>> = functions
        .values()
        .filter(|h| directory_name(h).as_deref() == Some(name))
        .collect();
    match named.as_slice() {
        [one] => Ok(Arc::clone(one)),
        _ => Err(named),
    }
}

/// The directory of the function's code: the last component of its CodeUri.
fn directory_name(host: &FunctionHost) -> Option<String> {
    host.function
        .code_uri
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// `LogicalId (name)`, as the refusal lists the functions.
fn describe(host: &FunctionHost) -> String {
    match directory_name(host) {
        Some(name) => format!("{} ({name})", host.function.logical_id),
        None => host.function.logical_id.clone(),
    }
}
