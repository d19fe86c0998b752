//! `orderly invoke`: one function of the template against a fresh local cloud, as
//! `sam local invoke` does, without containers.

use clap::Args;
use orderly_local::runtime::lambda::InvokeError;
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct InvokeArgs {
    /// The function's logical id in the template (or its name).
    logical_id: String,
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
    let runtime = match super::paused_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(INVALID);
        }
    };
    runtime.block_on(invoke(args, payload))
}

fn read_event(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--event: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("--event: {} is not JSON: {e}", path.display()))
}

async fn invoke(args: InvokeArgs, payload: Value) -> ExitCode {
    let mut env = ScenarioEnv::at(".");
    env.template = args.template.clone();
    let cloud = match start_cloud(&env) {
        Ok(cloud) => cloud,
        Err(e) => {
            eprintln!("{}: {e}", args.template.display());
            return ExitCode::from(INVALID);
        }
    };
    let Some(host) = cloud.inner.function(&args.logical_id) else {
        let mut known: Vec<&str> = cloud.inner.functions.keys().map(String::as_str).collect();
        known.sort_unstable();
        eprintln!(
            "no function {} in {}; functions: {}",
            args.logical_id,
            args.template.display(),
            known.join(", ")
        );
        return ExitCode::from(INVALID);
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
