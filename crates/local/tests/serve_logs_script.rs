//! `scripts/logs --endpoint-url` against `orderly serve`: one order's lines across every
//! log group in time order, one function's group, and a clear refusal of an unknown name.

use crate::serve_support;

use serve_support::cli::{aws, aws_cli};
use serve_support::{Server, eventually, root, scenario};
use std::process::{Command, Output};
use std::time::Duration;

fn logs(server: &Server, args: &[&str]) -> Output {
    let venv = aws_cli()
        .parent()
        .and_then(|bin| bin.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    Command::new(root().join("scripts/logs"))
        .arg("--endpoint-url")
        .arg(&server.endpoint)
        .args(args)
        .current_dir(root())
        .env("ORDERLY_BIN", env!("CARGO_BIN_EXE_orderly"))
        .env("ORDERLY_VENV", venv)
        .output()
        .expect("scripts/logs runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The log group of each printed line (`time  group  message`).
fn groups(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split("  ").nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn an_order_is_followed_across_every_log_group_in_time_order() {
    let server = Server::start();
    let file = format!("file://{}", scenario("happy-path").display());
    let put = aws(&server, &["events", "put-events", "--entries", &file]).json();
    assert_eq!(put["FailedEntryCount"], 0, "{put}");
    let out = eventually("the order shipped", Duration::from_secs(30), || {
        let out = logs(&server, &["--correlation-id", "corr-happy-1"]);
        let stdout = text(&out.stdout);
        stdout
            .contains("/aws/lambda/orderly/ship-order")
            .then_some(out)
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let seen = groups(&stdout);
    for group in [
        "/aws/lambda/orderly/register-order",
        "/aws/lambda/orderly/authorize-payment",
        "/aws/vendedlogs/states/orderly-order-fulfillment",
    ] {
        assert!(
            seen.iter().any(|g| g == group),
            "no line of {group}:\n{stdout}"
        );
    }
    assert!(
        stdout.lines().all(|l| l.contains("corr-happy-1")),
        "only the order's lines:\n{stdout}"
    );
    let times: Vec<&str> = stdout.lines().map(|l| &l[..24]).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "in time order");

    let one = logs(&server, &["--no-tail", "register-order"]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    let one_groups = groups(&text(&one.stdout));
    assert!(!one_groups.is_empty());
    assert!(
        one_groups
            .iter()
            .all(|g| g == "/aws/lambda/orderly/register-order")
    );

    let unknown = logs(&server, &["--no-tail", "no-such-function"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("no function or state machine named no-such-function"),
        "{}",
        text(&unknown.stderr)
    );
}
