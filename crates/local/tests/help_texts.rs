//! `--help` of every `orderly` subcommand and of every script in scripts/: each exits 0
//! and prints a usage text that names the command. And what the help texts promise:
//! `orderly invoke` takes a function's name, `orderly logs` says when `serve` writes logs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// How long one `--help` may take: none builds, installs or waits on anything.
const HELP_TAKES_AT_MOST: Duration = Duration::from_secs(60);

/// Runs `command` to its end, killed after [`HELP_TAKES_AT_MOST`].
fn run(mut command: Command, what: &str) -> Output {
    let mut child = command
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let started = Instant::now();
    while child
        .try_wait()
        .expect("the child can be waited on")
        .is_none()
    {
        if started.elapsed() > HELP_TAKES_AT_MOST {
            let _ = child.kill();
            panic!("{what} did not end within {HELP_TAKES_AT_MOST:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the output is read")
}

fn orderly(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderly"));
    command.args(args);
    run(command, &format!("orderly {}", args.join(" ")))
}

/// The subcommands a clap help lists under `Commands:` (without `help`).
fn commands_of(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_orderly_subcommand_has_help() {
    let top = orderly(&["--help"]);
    assert!(top.status.success(), "{}", text(&top.stderr));
    let mut pending: Vec<Vec<String>> = commands_of(&text(&top.stdout))
        .into_iter()
        .map(|c| vec![c])
        .collect();
    assert!(
        pending.len() >= 8,
        "orderly --help lists its subcommands: {pending:?}"
    );
    let mut seen = Vec::new();
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = orderly(&args);
        let name = format!("orderly {}", path.join(" "));
        let help = text(&out.stdout);
        assert!(
            out.status.success(),
            "{name} --help: {:?}\n{}",
            out.status,
            text(&out.stderr)
        );
        assert!(
            help.contains(&format!("Usage: {name}")),
            "{name} --help names the command:\n{help}"
        );
        for sub in commands_of(&help) {
            let mut deeper = path.clone();
            deeper.push(sub);
            pending.push(deeper);
        }
        seen.push(name);
    }
    // The groups' own subcommands were reached too.
    for nested in ["orderly template functions", "orderly states execute"] {
        assert!(seen.iter().any(|s| s == nested), "{nested}: {seen:?}");
    }
}

/// Scripts whose `--help` needs something installed first, with the check for it: they
/// are run only when it is there.
const NEEDS: &[(&str, &[&str])] = &[
    // Imports moto's server at load time, before argparse reads --help.
    ("moto-server.py", &["python3", "-c", "import moto.server"]),
];

fn available(check: &[&str]) -> bool {
    Command::new(check[0])
        .args(&check[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The executables of scripts/: every one handles `--help` before doing anything else (no
/// build, no install, no network), so each is run.
fn scripts() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("scripts"))
        .expect("scripts/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .collect();
    found.sort();
    found
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_script_has_help() {
    let scripts = scripts();
    let names: Vec<String> = scripts.iter().map(|p| file_name(p)).collect();
    for (name, _) in NEEDS {
        assert!(names.iter().any(|n| n == name), "no scripts/{name}");
    }
    for name in ["awscli.sh", "logs", "serve-startup.py"] {
        assert!(names.iter().any(|n| n == name), "{name}: {names:?}");
    }
    for (path, name) in scripts.iter().zip(&names) {
        if let Some((_, check)) = NEEDS.iter().find(|(n, _)| n == name)
            && !available(check)
        {
            eprintln!("skipped scripts/{name} --help: `{}` fails", check.join(" "));
            continue;
        }
        for flag in ["--help", "-h"] {
            let mut command = Command::new(path);
            command
                .arg(flag)
                // scripts/logs lists the functions with `orderly template`: this binary,
                // not a cargo build.
                .env("ORDERLY_BIN", env!("CARGO_BIN_EXE_orderly"));
            let out = run(command, &format!("scripts/{name} {flag}"));
            let help = text(&out.stdout);
            assert!(
                out.status.success(),
                "scripts/{name} {flag}: {:?}\n{help}\n{}",
                out.status,
                text(&out.stderr)
            );
            assert!(
                help.contains(name.as_str()) && help.to_lowercase().contains("usage"),
                "scripts/{name} {flag} prints a usage text naming it:\n{help}"
            );
        }
    }
}

#[test]
fn awscli_help_is_the_scripts_own() {
    let mut command = Command::new(root().join("scripts/awscli.sh"));
    // An AWS CLI that would answer --help itself: the script must not reach it.
    command.arg("--help").env("ORDERLY_VENV", "/nonexistent");
    let out = run(command, "scripts/awscli.sh --help");
    let help = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for promised in ["ORDERLY_ENDPOINT", "orderly serve", "--endpoint-url"] {
        assert!(help.contains(promised), "{promised}:\n{help}");
    }
}

#[test]
fn logs_help_says_serve_writes_logs_only_with_log_dir() {
    let out = orderly(&["logs", "--help"]);
    let help = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        help.contains("`orderly serve` writes them only when started with `--log-dir"),
        "{help}"
    );
}

#[test]
fn invoke_takes_the_function_by_any_name_its_help_gives() {
    let help = text(&orderly(&["invoke", "--help"]).stdout);
    assert!(help.contains("`reserve-stock`"), "{help}");
    let event = "events/lambda/reserve-stock.json";
    for id in [
        "ReserveStockFunction",
        "orderly-ReserveStockFunction",
        "reserve-stock",
    ] {
        let out = orderly(&["invoke", id, "--event", event]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("orderly-ReserveStockFunction"),
            "{id}: the function's log lines:\n{}",
            text(&out.stderr)
        );
    }
    let unknown = orderly(&["invoke", "reserve", "--event", event]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = text(&unknown.stderr);
    assert!(
        stderr.contains("no function reserve in template.yaml")
            && stderr.contains("ReserveStockFunction (reserve-stock)"),
        "{stderr}"
    );
}
