//! `orderly events …`: EventBridge tools.

use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Subcommand)]
enum EventsCommand {}

pub fn run(args: EventsArgs) -> ExitCode {
    match args.command {}
}
