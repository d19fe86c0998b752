//! `orderly logs`: the log groups a local run wrote (`<dir>/<group>.log`, JSON lines),
//! merged across groups in timestamp order, filtered by group and correlation id.

use clap::Args;
use orderly_local::runtime::logs::rfc3339_ms;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct LogsArgs {
    /// Only groups whose name contains this (e.g. `reserve-stock`, `states`).
    name: Option<String>,
    /// The directory the logs were written to: `orderly demo` writes them to
    /// target/orderly-logs (or its `--log-dir`); `orderly serve` writes them only when
    /// started with `--log-dir DIR` (without it they stay in its memory, read with
    /// `aws logs filter-log-events --endpoint-url`).
    #[arg(long, default_value = "target/orderly-logs")]
    dir: PathBuf,
    /// Only lines of this correlation id: one order's path across functions and the
    /// state machine. A line matches when one of its string fields is the id exactly
    /// (`corr-1` does not match `corr-1-2`).
    #[arg(long)]
    correlation_id: Option<String>,
    /// Keep printing lines as they are written.
    #[arg(long, short)]
    follow: bool,
}

/// Exit status when the directory cannot be read.
const UNREADABLE: u8 = 2;

/// How often `--follow` looks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_millis(300);

pub fn run(args: LogsArgs) -> ExitCode {
    let mut offsets: BTreeMap<PathBuf, u64> = BTreeMap::new();
    let mut stdout = std::io::stdout();
    loop {
        let lines = match read_new(&args, &mut offsets) {
            Ok(lines) => lines,
            Err(e) => {
                eprintln!("--dir {}: {e}", args.dir.display());
                return ExitCode::from(UNREADABLE);
            }
        };
        for (_, group, text) in lines {
            // A closed pipe (`orderly logs | head`) ends the process by SIGPIPE here
            // (orderly_local::stdout); another write error ends the command too.
            if writeln!(stdout, "{group} {text}").is_err() {
                return ExitCode::SUCCESS;
            }
        }
        if !args.follow {
            return ExitCode::SUCCESS;
        }
        let _ = stdout.flush();
        std::thread::sleep(FOLLOW_EVERY);
    }
}

/// Lines written since the offsets, filtered, in timestamp order (stable across groups).
fn read_new(
    args: &LogsArgs,
    offsets: &mut BTreeMap<PathBuf, u64>,
) -> std::io::Result<Vec<(String, String, String)>> {
    let mut lines = Vec::new();
    for path in log_files(&args.dir)? {
        let group = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(name) = &args.name
            && !group.contains(name.as_str())
            && !group.contains(&name.trim_start_matches('/').replace('/', "_"))
        {
            continue;
        }
        let offset = offsets.entry(path.clone()).or_insert(0);
        let mut file = File::open(&path)?;
        if file.metadata()?.len() < *offset {
            // The file was replaced by a new run: read it from the start.
            *offset = 0;
        }
        file.seek(SeekFrom::Start(*offset))?;
        let mut reader = BufReader::new(file);
        let mut text = String::new();
        loop {
            text.clear();
            let read = reader.read_line(&mut text)?;
            // A line still being written (no newline yet) is read on the next round.
            if read == 0 || !text.ends_with('\n') {
                break;
            }
            *offset += read as u64;
            let line = text.trim_end();
            let parsed: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            if let Some(id) = &args.correlation_id
                && !mentions(&parsed, id)
            {
                continue;
            }
            lines.push((timestamp(&parsed), group.clone(), line.to_owned()));
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(lines)
}

fn log_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    Ok(files)
}

/// The line's time as RFC 3339: `timestamp` of function and execution lines, or the EMF
/// record's `_aws.Timestamp` (epoch milliseconds).
fn timestamp(line: &Value) -> String {
    if let Some(t) = line.get("timestamp").and_then(Value::as_str) {
        return t.to_owned();
    }
    if let Some(ms) = line.pointer("/_aws/Timestamp").and_then(Value::as_i64) {
        return rfc3339_ms(ms);
    }
    String::new()
}

/// Whether any string field of the line is the id, whole: another id that begins or ends
/// with it (`corr-1-2` for `corr-1`) is another order.
fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s == needle,
        Value::Array(a) => a.iter().any(|v| mentions(v, needle)),
        Value::Object(o) => o.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;
    use serde_json::json;

    #[test]
    fn a_correlation_id_matches_whole_field_values_only() {
        let line = |id: &str| {
            json!({
                "timestamp": "2026-12-05T22:42:47.329Z",
                "message": "stock reserved",
                "correlation_id": id,
                "detail": {"metadata": {"correlation-id": id}},
            })
        };
        assert!(mentions(&line("corr-approval-1"), "corr-approval-1"));
        assert!(!mentions(
            &line("corr-approval-1-1796412470"),
            "corr-approval-1"
        ));
        assert!(!mentions(&line("x-corr-approval-1"), "corr-approval-1"));
        assert!(!mentions(&line("corr-approval-1"), "corr-approval"));
        let nested = json!({"items": [{"ids": ["a", "corr-approval-1"]}]});
        assert!(mentions(&nested, "corr-approval-1"));
    }
}
