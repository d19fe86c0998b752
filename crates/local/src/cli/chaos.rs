//! `orderly chaos`: the whole system under injected faults, checked against its business
//! invariants; exits 0 only when none broke.

use clap::Args;
use orderly_core::clock::Stopwatch;
use orderly_local::chaos::plan::Rates;
use orderly_local::chaos::{self, ChaosOptions};
use orderly_local::runtime::faults::Fault;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "The same seed and flags give the same report, byte for byte: rerun a seed to \
replay a violation. Exit status: 0 when every invariant held, 1 when any broke, 2 when the \
run could not start."
)]
pub struct ChaosArgs {
    /// The SAM template to run.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// How many orders to run.
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Where each wave's tables keep their items.
    #[arg(long, value_enum, default_value_t = super::TablesKind::Memory)]
    tables: super::TablesKind,
    /// The seed of every draw (traffic, faults, retry jitter).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the report as one JSON object (with a `violations` array).
    #[arg(long)]
    json: bool,
    /// Orders per wave; each wave runs on a fresh cloud, so memory stays bounded.
    #[arg(long, default_value_t = orderly_local::chaos::DEFAULT_WAVE_SIZE)]
    wave_size: usize,
    /// Rate of duplicate deliveries on every at-least-once hop.
    #[arg(long, default_value_t = Rates::default().duplicate, value_parser = rate)]
    duplicate_rate: f64,
    /// Rate of function crashes after the side effect, before the answer.
    #[arg(long, default_value_t = Rates::default().crash, value_parser = rate)]
    crash_rate: f64,
    /// Rate of Lambda throttles.
    #[arg(long, default_value_t = Rates::default().throttle, value_parser = rate)]
    throttle_rate: f64,
    /// Rate of transient idempotency-table errors.
    #[arg(long, default_value_t = Rates::default().store_error, value_parser = rate)]
    store_error_rate: f64,
    /// Rate of PutEvents entries refused (partial failures).
    #[arg(long, default_value_t = Rates::default().put_events_failure, value_parser = rate)]
    put_events_failure_rate: f64,
    /// Rate of Lambda tasks that complete after their state moved on.
    #[arg(long, default_value_t = Rates::default().late_completion, value_parser = rate)]
    late_completion_rate: f64,
    /// Rate of messages to standard queues overtaken by later ones.
    #[arg(long, default_value_t = Rates::default().reorder, value_parser = rate)]
    reorder_rate: f64,
    /// Rate of messages received again while their first receive is processed.
    #[arg(long, default_value_t = Rates::default().early_redelivery, value_parser = rate)]
    early_redelivery_rate: f64,
    /// Aims one fault at one site only: `FAULT=SITE`, e.g. `crash=AuthorizePaymentFunction`
    /// or `put-events-failure=OrderConfirmed` (a function's logical id, a queue name, a
    /// rule target's id, or a detail-type). Repeatable.
    #[arg(long, value_name = "FAULT=SITE", value_parser = aimed)]
    only: Vec<(Fault, String)>,
}

fn aimed(text: &str) -> Result<(Fault, String), String> {
    let (fault, site) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not FAULT=SITE"))?;
    let fault = Fault::named(fault).ok_or_else(|| {
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        format!("no fault `{fault}`; the faults are {}", names.join(", "))
    })?;
    Ok((fault, site.to_owned()))
}

fn rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a rate between 0 and 1"))
    }
}

/// Exit status when the run cannot start.
const CANNOT_START: u8 = 2;

pub fn run(args: ChaosArgs) -> ExitCode {
    let options = ChaosOptions {
        template: args.template,
        orders: args.orders,
        seed: args.seed,
        wave_size: args.wave_size,
        only: args.only.into_iter().collect(),
        rates: Rates {
            duplicate: args.duplicate_rate,
            crash: args.crash_rate,
            throttle: args.throttle_rate,
            store_error: args.store_error_rate,
            put_events_failure: args.put_events_failure_rate,
            late_completion: args.late_completion_rate,
            reorder: args.reorder_rate,
            early_redelivery: args.early_redelivery_rate,
        },
        tables: args.tables.storage(None),
    };
    // One thread on paused, auto-advancing time: the cloud asks the fault plan in the same
    // order on every run, which is what makes a seed replayable.
    let Some(runtime) = super::command_runtime() else {
        return ExitCode::from(CANNOT_START);
    };
    let started = Stopwatch::start();
    let report = match runtime.block_on(chaos::run(&options)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(CANNOT_START);
        }
    };
    let text = if args.json {
        serde_json::to_string_pretty(&report).unwrap_or_default()
    } else {
        report.render()
    };
    let _ = writeln!(std::io::stdout(), "{}", text.trim_end());
    // Wall time varies from run to run: it goes to stderr, so the report stays the same.
    eprintln!("wall time: {:.1} s", started.elapsed().as_secs_f64());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
