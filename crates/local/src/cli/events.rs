//! `orderly events …`: EventBridge tools.

use crate::cli::input::read_arg;
use clap::{Args, Subcommand};
use event_pattern::TestPatternError;
use orderly_local::document::test_event_pattern;

use std::process::ExitCode;

#[derive(Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Tests whether an event matches an event pattern, as `aws events test-event-pattern`.
    TestEventPattern(TestEventPatternArgs),
}

#[derive(Args)]
struct TestEventPatternArgs {
    /// The event pattern: JSON text or `file://path`.
    #[arg(long = "event-pattern")]
    event_pattern: String,
    /// The event: JSON text or `file://path`.
    #[arg(long)]
    event: String,
}

pub fn run(args: EventsArgs) -> ExitCode {
    match args.command {
        EventsCommand::TestEventPattern(args) => test_pattern(args),
    }
}

/// Exit status for input the API would refuse, as the AWS CLI uses for client errors.
const INVALID_INPUT: u8 = 2;

fn test_pattern(args: TestEventPatternArgs) -> ExitCode {
    let inputs = read_arg("--event-pattern", &args.event_pattern)
        .and_then(|p| read_arg("--event", &args.event).map(|e| (p, e)));
    let (pattern, event) = match inputs {
        Ok(pair) => pair,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(INVALID_INPUT);
        }
    };
    match test_event_pattern(&pattern, &event) {
        Ok(result) => {
            println!("{{\"Result\": {result}}}");
            ExitCode::SUCCESS
        }
        Err(e @ TestPatternError::InvalidEventPattern(_)) => {
            eprintln!("{}: {e}", e.code());
            ExitCode::from(INVALID_INPUT)
        }
        Err(e @ TestPatternError::InvalidEvent { .. }) => {
            eprintln!("{}: {e}", e.code());
            ExitCode::from(INVALID_INPUT)
        }
    }
}
