//! The documentation's examples, run: every ```` ```sh run ```` block of README.md and
//! docs/*.md runs with `orderly` standing for the binary under test, every
//! ```` ```sh serve ```` block the same against a fresh `orderly serve`, and docs/local.md's
//! tables of what `orderly serve` answers are called action by action.
//!
//! A block runs with bash (`-euo pipefail`) from the repository's root. A line
//! `# prints: TEXT` in a block asks that its output contain TEXT, `# omits: TEXT` that it
//! does not. In a `sh serve` block, `127.0.0.1:4566` is the fresh server's address, a line
//! that starts a server (`… serve [--template T] --port 4566 &`) is left out as the test
//! started one (on that template), and
//! the AWS CLI (`scripts/test.sh` installs it) signs with dummy keys. In both kinds,
//! `cargo run -p orderly-local --` stands for the binary under test too.

use crate::serve_support;

use serve_support::http::post;
use serve_support::{Server, root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One runnable block: where it is, its text, and whether it needs `orderly serve`.
struct Block {
    at: String,
    text: String,
    serve: bool,
}

/// The ```` ```sh run ```` and ```` ```sh serve ```` blocks of `text`, named `file:line`.
fn run_blocks(file: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, bool)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None if line.trim() == "```sh run" => open = Some((n + 1, String::new(), false)),
            None if line.trim() == "```sh serve" => open = Some((n + 1, String::new(), true)),
            None => {}
            Some((start, body, serve)) if line.trim() == "```" => {
                blocks.push(Block {
                    at: format!("{file}:{start}"),
                    text: std::mem::take(body),
                    serve: *serve,
                });
                open = None;
            }
            Some((_, body, _)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(open.is_none(), "{file}: a ```sh run block is never closed");
    blocks
}

/// README.md and every docs/*.md, with their text.
fn documents() -> Vec<(String, String)> {
    let root = root();
    let mut paths = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, text)
        })
        .collect()
}

/// A directory whose `orderly` is the binary under test, to put first on PATH.
fn orderly_on_path() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_orderly"), dir.path().join("orderly"))
        .expect("a symlink to the orderly binary");
    dir
}

fn run(block: &Block, bin: &Path) -> Result<(), String> {
    let mut path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // `cargo run -p orderly-local --` is the binary under test: a build inside this run
    // would wait on the build directory this run holds.
    let mut text = block
        .text
        .replace("cargo run -p orderly-local -- ", "orderly ");
    let mut command = Command::new("bash");
    // Kept alive until the block has run.
    let _server = if block.serve {
        // The block's own server line, if it has one, says the template.
        let starts_server = |line: &str| {
            let line = line.trim_end();
            line.contains(" serve") && line.ends_with("--port 4566 &")
        };
        let template = text.lines().find(|l| starts_server(l)).and_then(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "--template")?;
            words.get(at + 1).map(|path| root().join(path))
        });
        let server = match template {
            Some(template) => Server::start_with(&template),
            None => Server::start(),
        };
        let address = server.endpoint.trim_start_matches("http://").to_owned();
        text = text
            .lines()
            .filter(|line| !starts_server(line))
            .map(|line| line.replace("127.0.0.1:4566", &address))
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(dir) = serve_support::cli::aws_cli()
            .parent()
            .filter(|d| d.is_dir())
        {
            path = format!("{}:{path}", dir.display());
        }
        command
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
            .env("AWS_PAGER", "")
            .env("ORDERLY_ENDPOINT", &server.endpoint)
            .env("ORDERLY_BIN", env!("CARGO_BIN_EXE_orderly"))
            .env_remove("AWS_PROFILE");
        Some(server)
    } else {
        None
    };
    let output = command
        .args(["-euo", "pipefail", "-c", &text])
        .current_dir(root())
        .env("PATH", path)
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{}: exit {:?}\n{}\nstderr (end): {}",
            block.at,
            output.status.code(),
            block.text,
            tail(&stderr)
        ));
    }
    for line in block.text.lines() {
        let line = line.trim();
        if let Some(expected) = line.strip_prefix("# prints: ")
            && !stdout.contains(expected)
        {
            return Err(format!(
                "{}: the output does not contain {expected:?}\nstdout (end): {}",
                block.at,
                tail(&stdout)
            ));
        }
        if let Some(unwanted) = line.strip_prefix("# omits: ")
            && stdout.contains(unwanted)
        {
            return Err(format!(
                "{}: the output contains {unwanted:?}\nstdout (end): {}",
                block.at,
                tail(&stdout)
            ));
        }
    }
    Ok(())
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(1500);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[start..]
}

#[test]
fn every_runnable_shell_block_of_the_docs_runs() {
    let blocks: Vec<Block> = documents()
        .iter()
        .flat_map(|(name, text)| run_blocks(name, text))
        .collect();
    // docs/local.md alone has four: the suite must find them, or it tests nothing.
    assert!(
        blocks.len() >= 4,
        "only {} ```sh run blocks found",
        blocks.len()
    );
    let bin = orderly_on_path();
    let failures: Vec<String> = blocks
        .iter()
        .filter_map(|block| run(block, bin.path()).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_failing_block_or_a_missing_output_is_reported() {
    let bin = orderly_on_path();
    let block = |text: &str| Block {
        serve: false,
        at: "test".into(),
        text: text.into(),
    };
    let failing = block("orderly invoke NoSuchFunction --event events/lambda/reserve-stock.json\n");
    assert!(run(&failing, bin.path()).is_err());
    let wrong_output = block("echo '{\"Result\": false}'\n# prints: {\"Result\": true}\n");
    assert!(run(&wrong_output, bin.path()).is_err());
    let leaking = block("echo ada@example.com\n# omits: example.com\n");
    assert!(run(&leaking, bin.path()).is_err());
    let good = block("echo '{\"Result\": true}'\n# prints: {\"Result\": true}\n");
    assert_eq!(run(&good, bin.path()), Ok(()));
}

/// One row of docs/local.md's tables of JSON-protocol actions: the target prefix and the
/// actions, and whether the table says they are served.
struct Row {
    prefix: String,
    actions: Vec<String>,
    served: bool,
}

/// The JSON-protocol rows of docs/local.md's two tables ("Actions served" and "Actions
/// not served").
fn action_rows(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut served = None;
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 {
            served = None;
            continue;
        }
        match cells[3] {
            "Actions served" => served = Some(true),
            "Actions not served" => served = Some(false),
            _ => {}
        }
        let (Some(served), Some(json)) = (served, cells[2].strip_prefix("JSON, `")) else {
            continue;
        };
        let prefix = json.split('`').next().unwrap_or_default().to_owned();
        let actions = cells[3]
            .split(',')
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        rows.push(Row {
            prefix,
            actions,
            served,
        });
    }
    rows
}

#[test]
fn the_served_actions_of_the_quick_start_are_served_and_the_others_refused() {
    let text = std::fs::read_to_string(root().join("docs/local.md")).expect("docs/local.md");
    let rows = action_rows(&text);
    assert!(rows.iter().any(|r| r.served) && rows.iter().any(|r| !r.served));
    let server = Server::start();
    let mut wrong = Vec::new();
    for row in &rows {
        let content_type = match row.prefix.as_str() {
            "AWSEvents" | "Logs_20140328" | "Kinesis_20131202" => "application/x-amz-json-1.1",
            _ => "application/x-amz-json-1.0",
        };
        for action in &row.actions {
            let target = format!("{}.{action}", row.prefix);
            let headers = [
                ("X-Amz-Target", target.as_str()),
                ("Content-Type", content_type),
            ];
            let answer = post(server.port(), &headers, b"{}", Duration::from_secs(10));
            let unknown = answer.text().contains("UnknownOperationException");
            if unknown == row.served {
                wrong.push(format!(
                    "{target}: the doc says {}, the server answered {} {}",
                    if row.served { "served" } else { "not served" },
                    answer.status,
                    answer.text()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_readme_names_every_script() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let row = readme
        .lines()
        .find(|line| line.starts_with("| `scripts/` |"))
        .expect("README's code layout has a scripts/ row");
    let mut missing: Vec<String> = std::fs::read_dir(root().join("scripts"))
        .expect("scripts/ is readable")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && !name.starts_with("__"))
        .filter(|name| !row.contains(&format!("`{name}`")))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "README's scripts/ row does not name: {missing:?}"
    );
}

#[test]
fn every_doc_with_rust_examples_is_compiled_as_doctests() {
    let lib = std::fs::read_to_string(root().join("crates/local/src/lib.rs")).expect("lib.rs");
    let missing: Vec<String> = documents()
        .into_iter()
        .filter(|(name, text)| name.starts_with("docs/") && text.contains("```rust"))
        .map(|(name, _)| name)
        .filter(|name| !lib.contains(&format!("include_str!(\"../../../{name}\")")))
        .collect();
    assert!(
        missing.is_empty(),
        "Rust examples not compiled: add `#[doc = include_str!(..)] #[cfg(doctest)]` items \
         for {missing:?} to crates/local/src/lib.rs"
    );
}

/// The lines of the docs' code blocks that run one of `scripts/`, with where they are.
fn script_lines() -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for (name, text) in documents() {
        let mut in_block = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_block = !in_block;
                continue;
            }
            let line = line.trim();
            if in_block && line.starts_with("scripts/") {
                lines.push((format!("{name}:{}", n + 1), line.to_owned()));
            }
        }
    }
    lines
}

/// What `orderly template functions` lists: each function's name (its folder).
fn function_names() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args(["template", "functions"])
        .current_dir(root())
        .output()
        .expect("orderly template functions runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('\t').next().map(str::to_owned))
        .collect()
}

/// Commands that need AWS cannot run here; their shape is checked instead: the script
/// exists, each `--flag` is one its `--help` names, a scenario of `scripts/put-events` is
/// a file of `events/put-events`, and a target of `scripts/logs` a function of the
/// template or `statemachine`.
#[test]
fn every_script_command_of_the_docs_has_a_real_script_flags_and_names() {
    let lines = script_lines();
    assert!(lines.len() > 20, "only {} script lines found", lines.len());
    let functions = function_names();
    assert!(functions.iter().any(|f| f == "place-order"));
    let mut helps: std::collections::HashMap<String, String> = Default::default();
    let mut wrong = Vec::new();
    for (at, line) in &lines {
        let words: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let script = words[0];
        let path = root().join(script);
        if !path.is_file() {
            wrong.push(format!("{at}: {script} does not exist"));
            continue;
        }
        // These pass their arguments on to curl and to the AWS CLI.
        if matches!(script, "scripts/signed-curl" | "scripts/awscli.sh") {
            continue;
        }
        let help = helps.entry(script.to_owned()).or_insert_with(|| {
            // scripts/logs asks orderly for the functions; not through cargo run, which
            // would build inside this test run.
            let out = Command::new(&path)
                .arg("--help")
                .current_dir(root())
                .env("ORDERLY_BIN", env!("CARGO_BIN_EXE_orderly"))
                .output()
                .expect("the script runs");
            assert!(out.status.success(), "{script} --help fails");
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        // After `--` the words are another command's (`serve-memory.py … -- --tables`).
        let own = words.iter().take_while(|w| **w != "--");
        for flag in own.filter(|w| w.starts_with("--") && **w != "--help") {
            let flag = flag.split('=').next().unwrap_or_default();
            // The whole flag: `--stack` is not named by `--stack-name`.
            let named = help.match_indices(flag).any(|(i, _)| {
                !help[i + flag.len()..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
            if !named {
                wrong.push(format!("{at}: {script} --help does not name {flag}"));
            }
        }
        let positional = words[1..]
            .iter()
            .enumerate()
            .find(|(i, w)| !w.starts_with('-') && (*i == 0 || !words[*i].starts_with("--")))
            .map(|(_, w)| *w);
        match (script, positional) {
            ("scripts/put-events", Some(scenario)) => {
                let file = root().join(format!("events/put-events/{scenario}.json"));
                if !file.is_file() {
                    wrong.push(format!("{at}: no scenario {scenario}"));
                }
            }
            ("scripts/logs", Some(target))
                if target != "statemachine" && !functions.iter().any(|f| f == target) =>
            {
                wrong.push(format!("{at}: {target} is no function of the template"));
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_crate_readme_with_rust_examples_is_compiled_as_doctests() {
    let crates = root().join("crates");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&crates)
        .expect("crates/ is readable")
        .flatten()
    {
        let readme = entry.path().join("README.md");
        let Ok(text) = std::fs::read_to_string(&readme) else {
            continue;
        };
        let lib = std::fs::read_to_string(entry.path().join("src/lib.rs")).unwrap_or_default();
        if text.contains("```rust") && !lib.contains("include_str!(\"../README.md\")") {
            missing.push(readme.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "Rust examples not compiled: include {missing:?} in their crate's lib.rs under \
         cfg(doctest)"
    );
}

#[test]
fn target_input_with_a_rule_prints_one_input_or_says_which_entry_to_choose() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_orderly"))
            .args(["events", "target-input", "--rule", "OrderCreatedRule"])
            .args(args)
            .current_dir(root())
            .output()
            .expect("orderly runs")
    };
    let both = run(&[
        "--entries",
        "file://events/put-events/duplicate-delivery.json",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("--entry"));
    let second = run(&[
        "--entries",
        "file://events/put-events/duplicate-delivery.json",
        "--entry",
        "1",
    ]);
    assert!(second.status.success());
    let input: serde_json::Value =
        serde_json::from_slice(&second.stdout).expect("the input is JSON");
    assert!(input["data"]["customer"].get("email").is_none());
    assert!(input["data"]["orderId"].is_string());
    let none = run(&[
        "--entries",
        "file://events/put-events/approval-decision.json",
    ]);
    assert_eq!(none.status.code(), Some(1));
    // Entries PutEvents would refuse, or that are no list of entries: refused, named.
    let no_detail = run(&[
        "--entries",
        r#"[{"Source": "com.orders", "DetailType": "X"}]"#,
    ]);
    assert_eq!(no_detail.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_detail.stderr).contains("Detail is required"));
    let deep = format!(
        r#"[{{"Source": "com.orders", "DetailType": "X", "Detail": "{}{}"}}]"#,
        "{\\\"a\\\":".repeat(2000),
        "}".repeat(2000)
    );
    let too_deep = run(&["--entries", &deep]);
    assert_eq!(too_deep.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_deep.stderr).contains("MalformedDetail"));
    let not_a_list = run(&["--entries", r#"{"Source": "com.orders"}"#]);
    assert_eq!(not_a_list.status.code(), Some(2));
}

/// The anchor GitHub makes of a heading: lower case, punctuation dropped, spaces to `-`.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_relative_link_of_the_docs_reaches_its_file_and_heading() {
    let link = |text: &str| -> Vec<String> {
        let mut links = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                links.push(rest[..end].to_owned());
            }
        }
        links
    };
    let mut broken = Vec::new();
    for (name, text) in documents() {
        let dir = root().join(&name);
        let dir = dir.parent().unwrap_or(Path::new("."));
        for target in link(&text) {
            if target.starts_with("http") || target.contains(' ') {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() {
                root().join(&name)
            } else {
                dir.join(file)
            };
            // Read as bytes: a link may be to an image.
            let read = std::fs::read(&path).map(|b| String::from_utf8_lossy(&b).into_owned());
            let Ok(linked) = read.or_else(|e| {
                if path.is_dir() {
                    Ok(String::new())
                } else {
                    Err(e)
                }
            }) else {
                broken.push(format!("{name}: {target}: no such file"));
                continue;
            };
            let headings: Vec<String> = linked
                .lines()
                .filter_map(|l| l.strip_prefix('#'))
                .map(|l| anchor_of(l.trim_start_matches('#')))
                .collect();
            if !anchor.is_empty() && !headings.iter().any(|h| h == anchor) {
                broken.push(format!("{name}: {target}: no such heading"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
