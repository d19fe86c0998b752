//! `orderly`: the local cloud and its tools.

use clap::Parser;

/// Orderly's local cloud: run the event-driven order system offline.
#[derive(Parser)]
#[command(name = "orderly", version, about)]
struct Cli {}

fn main() {
    let _ = Cli::parse();
}
