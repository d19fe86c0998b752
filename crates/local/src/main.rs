//! `orderly`: the local cloud and its tools.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// The allocator the `orderly` binary uses (see crates/local/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Orderly's local cloud: run the event-driven order system offline.
#[derive(Parser)]
#[command(name = "orderly", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs every scenario of `events/` on the local cloud, with timelines and a summary.
    Demo(cli::demo::DemoArgs),
    /// Runs orders under injected faults and checks the business invariants.
    Chaos(cli::chaos::ChaosArgs),
    /// Invokes one function of the template with an event file, as `sam local invoke`.
    Invoke(cli::invoke::InvokeArgs),
    /// Prints the log groups of a local run, in time order; `--follow` tails them.
    Logs(cli::logs::LogsArgs),
    /// EventBridge tools (`test-event-pattern`).
    Events(cli::events::EventsArgs),
    /// Step Functions tools (`execute`).
    States(cli::states::StatesArgs),
    /// Run the local cloud as a server for the AWS CLI and SDKs (`--endpoint-url`).
    Serve(cli::serve::ServeArgs),
    /// What template.yaml declares, as the local cloud loads it (`functions`, `state-machines`).
    Template(cli::template::TemplateArgs),
    /// Scaffolds a new part of the app (`consumer`).
    New(cli::new::NewArgs),
}

fn main() -> ExitCode {
    // A closed stdout (`orderly demo | head`) ends every command silently, as it ends Unix
    // tools; `serve` opts out for its sockets. Set before parsing: `--help` writes too.
    orderly_local::stdout::end_on_closed_pipe();
    match Cli::parse().command {
        Command::Demo(args) => cli::demo::run(args),
        Command::Chaos(args) => cli::chaos::run(args),
        Command::Invoke(args) => cli::invoke::run(args),
        Command::Logs(args) => cli::logs::run(args),
        Command::Events(args) => cli::events::run(args),
        Command::States(args) => cli::states::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Template(args) => cli::template::run(args),
        Command::New(args) => cli::new::run(args),
    }
}
