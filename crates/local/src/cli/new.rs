//! `orderly new consumer`: scaffolds a queue-fed consumer (crate/scaffold).

use clap::{Args, Subcommand};
use orderly_local::scaffold::{ConsumerSpec, new_consumer};
use std::path::PathBuf;
use std::process::ExitCode;

/// `orderly new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(subcommand)]
    what: New,
}

#[derive(Debug, Subcommand)]
enum New {
    /// A consumer of one bus event fed by a queue: its crate under functions/, a sample
    /// event under events/lambda/, and one block of template.yaml (its function and its
    /// unit of units/event-queue.yaml: queue, dead-letter queue, rule, log group, alarms,
    /// dashboard). Nothing else changes; `orderly demo` then runs it.
    Consumer(ConsumerArgs),
}

#[derive(Debug, Args)]
struct ConsumerArgs {
    /// The consumer's name: crate, binary and function (a-z, 0-9 and -), e.g. loyalty-points.
    name: String,
    /// The bus event it consumes (its detail-type), e.g. OrderConfirmed. A sample of it
    /// under events/lambda/ seeds the consumer's own sample.
    #[arg(long)]
    event: String,
    /// Give it a table of its own, one record per order (a Port::Items of the function).
    #[arg(long)]
    table: bool,
    /// The workspace: where template.yaml, functions/ and events/ are.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
}

/// Runs `orderly new`.
pub fn run(args: NewArgs) -> ExitCode {
    let New::Consumer(args) = args.what;
    let spec = ConsumerSpec {
        name: args.name,
        event: args.event,
        table: args.table,
    };
    match new_consumer(&args.dir, &spec) {
        Ok(written) => {
            println!("consumer {} of {}:", spec.name, spec.event);
            for path in written {
                println!("  {}", path.display());
            }
            println!(
                "next: cargo test -p {name}; orderly demo runs it (built as a process of its own); \
                 docs/adding-a-consumer.md says what each part does",
                name = spec.name
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("orderly new consumer: {e}");
            ExitCode::FAILURE
        }
    }
}
