//! `orderly … | head`: when the reader of stdout goes away, every command ends as Unix
//! tools end, killed by SIGPIPE (status 141 in a shell), with nothing on stderr about it;
//! all but `orderly serve`, whose sockets must not end it.

use crate::serve_support;

use serve_support::{Server, root};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

/// `orderly ARGS`, run from the repository root, stderr captured.
fn orderly(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderly"));
    command
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Waits for the command: how it did not end as a Unix tool ends on a closed pipe, if it
/// did not.
fn sigpipe_failure(what: &str, child: std::process::Child) -> Option<String> {
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("panicked") || stderr.contains("Broken pipe") {
        return Some(format!(
            "{what}: stderr speaks of the closed pipe: {stderr}"
        ));
    }
    (output.status.signal() != Some(libc::SIGPIPE))
        .then(|| format!("{what}: {}, not killed by SIGPIPE", output.status))
}

/// A log directory with one group of `lines` lines, for `orderly logs`.
fn log_dir(lines: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let text: String = (0..lines)
        .map(|i| {
            format!("{{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"message\":\"line {i}\"}}\n")
        })
        .collect();
    std::fs::write(dir.path().join("orders.log"), text).expect("write log");
    dir
}

#[test]
fn every_command_ends_by_sigpipe_when_stdout_is_closed_before_it_writes() {
    let logs = log_dir(10);
    let demo_logs = tempfile::tempdir().expect("tempdir");
    let logs_dir = logs.path().to_string_lossy().into_owned();
    let demo_dir = demo_logs.path().to_string_lossy().into_owned();
    let cases: &[&[&str]] = &[
        &["--help"],
        &["serve", "--help"],
        &["demo", "--log-dir", &demo_dir],
        &["template", "functions"],
        &["template", "state-machines", "--json"],
        &["logs", "--dir", &logs_dir],
        &["chaos", "--orders", "5"],
        &[
            "invoke",
            "ReserveStockFunction",
            "--event",
            "events/lambda/reserve-stock.json",
        ],
        &[
            "events",
            "test-event-pattern",
            "--event-pattern",
            r#"{"source": ["shop"]}"#,
            "--event",
            r#"{"id": "1", "account": "123456789012", "source": "shop", "time": "2026-01-01T00:00:00Z",
                "region": "us-east-1", "resources": [], "detail-type": "x", "detail": {}}"#,
        ],
        &[
            "states",
            "execute",
            "--definition",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
        ],
        &["serve", "--port", "0", "--echo-logs"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        // Given a stdout whose reader is gone before the command starts, so its first
        // write finds the pipe closed:
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let child = orderly(args).stdout(writer).spawn().expect("spawn orderly");
        failures.extend(sigpipe_failure(&args.join(" "), child));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_command_ends_by_sigpipe_when_its_reader_stops_after_a_few_bytes() {
    // Given more lines than a pipe holds (1 MB, the pipe 64 KiB), so the command is still
    // writing when its reader goes:
    let logs = log_dir(16_000);
    let logs_dir = logs.path().to_string_lossy().into_owned();
    let mut child = orderly(&["logs", "--dir", &logs_dir])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn orderly");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut head = [0u8; 16];
    stdout.read_exact(&mut head).expect("the first bytes");
    assert!(
        head.starts_with(b"orders "),
        "{:?}",
        String::from_utf8_lossy(&head)
    );
    drop(stdout);
    if let Some(failure) = sigpipe_failure("logs | head -c 16", child) {
        panic!("{failure}");
    }
}

#[test]
fn serve_ignores_sigpipe_so_a_reset_socket_cannot_end_it() {
    // The other commands let SIGPIPE end them (a closed stdout ends them as it ends Unix
    // tools); a server's socket writes can raise it too when a client resets its
    // connection, and must fail with EPIPE instead. Which writes raise it depends on
    // timing in the kernel, so this looks at the disposition itself: the process's
    // ignored-signals mask.
    let server = Server::start();
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("the server's /proc status");
    let ignored = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .expect("a SigIgn line");
    assert_ne!(
        ignored & (1 << (libc::SIGPIPE - 1)),
        0,
        "SigIgn: {ignored:x}"
    );
}
