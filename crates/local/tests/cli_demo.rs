//! The `orderly` binary: `demo`, `invoke`, `logs` and their `--help`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn orderly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the orderly binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

#[test]
fn demo_passes_every_scenario_and_its_logs_read_back() {
    let logs = tempfile::tempdir().expect("temporary directory");
    let out = orderly(&["demo", "--log-dir", path(logs.path())]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let n = orderly_local::scenarios::all().len();
    assert!(
        stdout.contains(&format!("{n} of {n} scenarios as expected")),
        "{stdout}"
    );
    for expected in [
        "Summary",
        "duplicates suppressed",
        "retries",
        "AuditDlq",
        "p50 ms",
        "Timeline of o-happy-1",
        // The front door: the Express intake in the request, the nested child, the parent.
        "http    POST /orders → 201",
        "[OrderIntakeStateMachine ",
        "[ShipmentQuoteStateMachine ",
        "[OrderFulfillmentStateMachine ",
        "http    POST /orders → 422",
        "OrderFailed (ApprovalTimedOut)",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }

    let read = orderly(&[
        "logs",
        "--dir",
        path(logs.path()),
        "--correlation-id",
        "corr-flaky-1",
    ]);
    assert!(read.status.success(), "{}", text(&read.stderr));
    let lines = text(&read.stdout);
    assert!(lines.lines().count() > 5, "{lines}");
    assert!(lines.lines().all(|l| l.contains("corr-flaky-1")), "{lines}");
    assert!(lines.contains("authorize-payment"), "{lines}");
    assert!(lines.contains("states"), "{lines}");
    let stamps: Vec<String> = lines
        .lines()
        .filter_map(|l| l.split("\"timestamp\":\"").nth(1))
        .map(|t| t.chars().take(24).collect())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");

    let only = orderly(&["logs", "--dir", path(logs.path()), "reserve-stock"]);
    let lines = text(&only.stdout);
    assert!(!lines.is_empty());
    assert!(
        lines
            .lines()
            .all(|l| l.starts_with("aws_lambda_orderly_reserve-stock ")),
        "{lines}"
    );
}

#[test]
fn quiet_demo_leaves_out_timelines() {
    let logs = tempfile::tempdir().expect("temporary directory");
    let out = orderly(&["demo", "--quiet", "--log-dir", path(logs.path())]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("Timeline of"), "{stdout}");
    assert!(stdout.contains("Summary"), "{stdout}");
}

#[test]
fn invoke_runs_one_function() {
    let out = orderly(&[
        "invoke",
        "ReserveStockFunction",
        "--event",
        "events/lambda/reserve-stock.json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let response: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the response is JSON");
    assert_eq!(response["sku"], "BOOK-0001");
    assert_eq!(response["reserved"], 2);
    let logs = text(&out.stderr);
    assert!(logs.contains("\"message\":\"stock reserved\""), "{logs}");
    assert!(logs.contains("REPORT"), "{logs}");
}

#[test]
fn invoke_reports_function_errors_and_bad_input() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let event = dir.path().join("oos.json");
    std::fs::write(
        &event,
        r#"{"orderId":"o-1","sku":"OUT-OF-STOCK-1","quantity":1,
            "metadata":{"idempotency-key":"k-1","correlation-id":"c-1","event-version":"1","occurred-at":"2026-11-26T12:00:00Z"}}"#,
    )
    .expect("event written");
    let out = orderly(&["invoke", "ReserveStockFunction", "--event", path(&event)]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).expect("error JSON");
    assert_eq!(error["errorType"], "OutOfStock");
    assert!(error["errorMessage"].as_str().is_some());

    let cases: [&[&str]; 3] = [
        &[
            "invoke",
            "NoSuchFunction",
            "--event",
            "events/lambda/reserve-stock.json",
        ],
        &[
            "invoke",
            "ReserveStockFunction",
            "--event",
            "events/lambda/missing.json",
        ],
        &["invoke", "ReserveStockFunction", "--event", "template.yaml"],
    ];
    for args in cases {
        let out = orderly(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["demo", "invoke", "logs"] {
        let out = orderly(&[sub, "--help"]);
        assert!(out.status.success(), "{sub}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: orderly"), "{sub}: {help}");
    }
    let top = text(&orderly(&["--help"]).stdout);
    for sub in ["demo", "invoke", "logs"] {
        assert!(top.contains(sub), "{top}");
    }
}
