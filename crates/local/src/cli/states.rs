//! `orderly states …`: Step Functions tools.

use super::input::read_arg;
use clap::{Args, Subcommand};
use orderly_states::{
    ExecutionOptions, MockConfig, StateMachine, TokioClock, VirtualClock, execute_blocking,
};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct StatesArgs {
    #[command(subcommand)]
    command: StatesCommand,
}

#[derive(Subcommand)]
enum StatesCommand {
    /// Run a state machine definition once and print the execution as
    /// `aws stepfunctions describe-execution` does.
    Execute(ExecuteArgs),
}

#[derive(Args)]
struct ExecuteArgs {
    /// The definition: JSON text or file://path.
    #[arg(long)]
    definition: String,
    /// The execution input: JSON text or file://path.
    #[arg(long, default_value = "{}")]
    input: String,
    /// Let Wait states, Retry intervals and timeouts pass at once.
    #[arg(long)]
    skip_waits: bool,
    /// A Step Functions Local mock configuration file (MockedResponses / TestCases).
    #[arg(long, requires = "test_case")]
    mock_config: Option<String>,
    /// The test case of the mock configuration to run.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// The state machine of the mock configuration, when several define the test case.
    #[arg(long, requires = "mock_config")]
    state_machine: Option<String>,
    /// The execution's name.
    #[arg(long)]
    name: Option<String>,
}

/// Exit code for invalid arguments and definitions, as for usage errors.
const INVALID: u8 = 2;

pub fn run(args: StatesArgs) -> ExitCode {
    match args.command {
        StatesCommand::Execute(args) => match execute(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::from(INVALID)
            }
        },
    }
}

fn execute(args: ExecuteArgs) -> Result<(), String> {
    let definition = read_arg("--definition", &args.definition)?;
    let machine = StateMachine::parse(&definition).map_err(|e| e.to_string())?;
    let input_text = read_arg("--input", &args.input)?;
    let input: Value =
        serde_json::from_str(&input_text).map_err(|e| format!("--input: not valid JSON: {e}"))?;
    let mut options = ExecutionOptions {
        name: args.name,
        ..ExecutionOptions::default()
    };
    options.clock = if args.skip_waits {
        Arc::new(VirtualClock::starting_now())
    } else {
        Arc::new(TokioClock::new())
    };
    if let (Some(path), Some(test_case)) = (&args.mock_config, &args.test_case) {
        let text = read_arg(
            "--mock-config",
            &format!("file://{}", path.trim_start_matches("file://")),
        )?;
        let config = MockConfig::parse(&text).map_err(|e| format!("--mock-config: {e}"))?;
        let handler = config
            .handler(args.state_machine.as_deref(), test_case)
            .map_err(|e| format!("--test-case: {e}"))?;
        options.tasks = Arc::new(handler);
    }
    let execution = execute_blocking(&machine, input, options)
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let text = serde_json::to_string_pretty(&execution.describe())
        .map_err(|e| format!("cannot print the execution: {e}"))?;
    println!("{text}");
    Ok(())
}
