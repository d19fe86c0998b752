//! `orderly events …`: EventBridge tools.

use crate::cli::input::read_arg;
use clap::{Args, Subcommand};
use event_pattern::TestPatternError;
use orderly_local::document::test_event_pattern;
use orderly_local::runtime::bus::{PutEventsEntry, TargetInputOf};
use std::path::PathBuf;

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
    /// Prints what the template's rules deliver for PutEvents entries: for each target of
    /// each rule an entry matches, its input after InputPath, Input or InputTransformer.
    /// Nothing is put or delivered.
    TargetInput(TargetInputArgs),
}

#[derive(Args)]
struct TargetInputArgs {
    /// The PutEvents entries, as `aws events put-events --entries`: JSON text or
    /// `file://path` (e.g. `file://events/put-events/happy-path.json`).
    #[arg(long)]
    entries: String,
    /// Only this rule (its logical id, e.g. `OrderCreatedRule`), and print only its input:
    /// what an execution or function of the rule's target is given. Exactly one input must
    /// come out: with several entries matching, choose one with `--entry`.
    #[arg(long)]
    rule: Option<String>,
    /// Only the entry at this index (0 for the first).
    #[arg(long)]
    entry: Option<usize>,
    /// The SAM template.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
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
        EventsCommand::TargetInput(args) => target_input(args),
    }
}

fn target_input(args: TargetInputArgs) -> ExitCode {
    let entries = read_arg("--entries", &args.entries).and_then(|text| {
        serde_json::from_str::<Vec<PutEventsEntry>>(&text)
            .map_err(|e| format!("--entries: not a list of PutEvents entries: {e}"))
    });
    let entries = match entries {
        Ok(entries) => entries,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let Some(runtime) = super::command_runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let Some(cloud) = super::command_cloud(&args.template) else {
            return ExitCode::from(INVALID_INPUT);
        };
        if let Some(rule) = &args.rule
            && !cloud.inner.model.rules.contains_key(rule)
        {
            eprintln!("--rule: the template has no rule {rule}");
            return ExitCode::from(INVALID_INPUT);
        }
        if let Some(index) = args.entry
            && index >= entries.len()
        {
            eprintln!("--entry: {index} is past the {} entries", entries.len());
            return ExitCode::from(INVALID_INPUT);
        }
        let mut all = Vec::new();
        let chosen = entries
            .iter()
            .enumerate()
            .filter(|(index, _)| args.entry.is_none_or(|only| only == *index));
        for (index, entry) in chosen {
            match cloud.inner.target_inputs(entry) {
                Ok(inputs) => all.extend(
                    inputs
                        .into_iter()
                        .filter(|i| args.rule.as_ref().is_none_or(|rule| &i.rule == rule))
                        .map(|i| (index, i)),
                ),
                Err(message) => {
                    eprintln!("entry {index}: {message}");
                    return ExitCode::from(INVALID_INPUT);
                }
            }
        }
        match &args.rule {
            Some(rule) => print_the_one(rule, &all),
            None => print_all(&all),
        }
    })
}

/// `--rule`: the one input, alone, ready to be an execution's input.
fn print_the_one(rule: &str, all: &[(usize, TargetInputOf)]) -> ExitCode {
    match all {
        [(_, delivered)] => match &delivered.input {
            Ok(input) => {
                println!("{input}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{rule} target {}: {e}", delivered.target);
                ExitCode::FAILURE
            }
        },
        [] => {
            eprintln!("no entry matches {rule}");
            ExitCode::FAILURE
        }
        several => {
            let entries: Vec<String> = several.iter().map(|(i, _)| i.to_string()).collect();
            eprintln!(
                "{} inputs for {rule} (entries {}): choose one with --entry",
                several.len(),
                entries.join(", ")
            );
            ExitCode::from(INVALID_INPUT)
        }
    }
}

/// Every target's input (or why it cannot be made), with its entry, rule and target.
fn print_all(all: &[(usize, TargetInputOf)]) -> ExitCode {
    let listed: Vec<serde_json::Value> = all
        .iter()
        .map(|(index, delivered)| {
            let (key, text) = match &delivered.input {
                Ok(input) => ("input", input),
                Err(e) => ("error", e),
            };
            serde_json::json!({
                "entry": index,
                "rule": delivered.rule,
                "target": delivered.target,
                key: text,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&listed).unwrap_or_else(|_| "[]".into())
    );
    ExitCode::SUCCESS
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
