//! `orderly`: the local cloud and its tools.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Orderly's local cloud: run the event-driven order system offline.
#[derive(Parser)]
#[command(name = "orderly", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// EventBridge tools (`test-event-pattern`).
    Events(cli::events::EventsArgs),
    /// Step Functions tools (`execute`).
    States(cli::states::StatesArgs),
    /// Run the local cloud as a server for the AWS CLI and SDKs (`--endpoint-url`).
    Serve(cli::serve::ServeArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Events(args) => cli::events::run(args),
        Command::States(args) => cli::states::run(args),
        Command::Serve(args) => cli::serve::run(args),
    }
}
