//! `orderly demo`: the whole system offline, every scenario of `events/`, in seconds.

use clap::Args;
use orderly_local::demo::{self, Verbosity};
use orderly_local::scenarios::ScenarioEnv;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct DemoArgs {
    /// The SAM template to boot from; `events/` is read next to it.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Where the log groups are written, one `<group>.log` each, for `orderly logs`.
    #[arg(long, default_value = "target/orderly-logs")]
    log_dir: PathBuf,
    /// Print progress and the summary only, without the timelines.
    #[arg(long)]
    quiet: bool,
}

/// Exit status when the demo cannot start (unreadable template or log directory).
const CANNOT_START: u8 = 2;

pub fn run(args: DemoArgs) -> ExitCode {
    if let Err(e) = fresh_log_dir(&args.log_dir) {
        eprintln!("--log-dir {}: {e}", args.log_dir.display());
        return ExitCode::from(CANNOT_START);
    }
    let root = args
        .template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let env = ScenarioEnv {
        root,
        template: args.template.clone(),
        log_dir: Some(args.log_dir.clone()),
        tables: Default::default(),
    };
    let Some(runtime) = super::command_runtime() else {
        return ExitCode::from(CANNOT_START);
    };
    let mut stdout = std::io::stdout();
    let report = runtime.block_on(demo::run(
        &env,
        Verbosity { quiet: args.quiet },
        &mut stdout,
    ));
    // A closed pipe (`orderly demo | head`) has already ended the process by SIGPIPE
    // (orderly_local::stdout); another write error is not an error of the demo.
    let _ = writeln!(
        stdout,
        "logs: orderly logs --dir {}",
        args.log_dir.display()
    );
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Creates the directory and removes the `.log` files of an earlier run, so `orderly
/// logs` shows this run alone.
fn fresh_log_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "log") {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}
