//! `orderly states …`: Step Functions tools.

use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
pub struct StatesArgs {
    #[command(subcommand)]
    command: StatesCommand,
}

#[derive(Subcommand)]
enum StatesCommand {}

pub fn run(args: StatesArgs) -> ExitCode {
    match args.command {}
}
