//! The recipe of docs/adding-a-consumer.md, followed in a copy of the workspace:
//! `orderly new consumer loyalty-points --event OrderConfirmed --table` writes one crate,
//! one sample event and one block of template.yaml and touches nothing else; the crate's
//! own tests pass; and `orderly demo` on the copy runs the new consumer (built and run as
//! a process, with no line naming it anywhere else), which records each confirmed order
//! once however often it is delivered.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "loyalty-points";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Directories of the workspace that are not its sources.
fn skipped(name: &str) -> bool {
    name == "target" || name == "fuzz" || name == "node_modules" || name.starts_with('.')
}

/// Copies the workspace's sources from `from` to `to`.
fn copy_sources(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = to.join(&name);
        let kind = entry.file_type().expect("a file type");
        if kind.is_dir() {
            if skipped(&name) {
                continue;
            }
            std::fs::create_dir_all(&target).expect("a directory");
            copy_sources(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}

/// Every file under `root`, by path relative to it, with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("inside").to_path_buf();
                out.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Whether `after` is `before` with one run of lines inserted.
fn one_block_inserted(before: &str, after: &str) -> bool {
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let head = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let tail = b[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    head + tail == b.len() && a.len() > b.len()
}

/// The target directory the outer build uses, so the copy's builds reuse its dependencies.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let binary = PathBuf::from(env!("CARGO_BIN_EXE_orderly"));
            binary
                .ancestors()
                .nth(2)
                .expect("target/<profile>/orderly")
                .to_path_buf()
        })
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.env("CARGO_TARGET_DIR", target_dir());
    command
}

#[test]
fn a_scaffolded_consumer_is_one_crate_and_one_block_and_runs_in_the_demo() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let copy = dir.path().join("workspace");
    std::fs::create_dir_all(&copy).expect("a directory");
    copy_sources(&repo_root(), &copy);
    let before = snapshot(&copy);

    let scaffold = Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args([
            "new",
            "consumer",
            NAME,
            "--event",
            "OrderConfirmed",
            "--table",
            "--dir",
        ])
        .arg(&copy)
        .output()
        .expect("orderly runs");
    assert!(
        scaffold.status.success(),
        "orderly new consumer failed: {}",
        String::from_utf8_lossy(&scaffold.stderr)
    );

    // What changed: the crate, its sample, and one block of the template.
    let after = snapshot(&copy);
    let changed: BTreeSet<&PathBuf> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, _)| path)
        .collect();
    let removed: Vec<&PathBuf> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    assert!(removed.is_empty(), "files removed: {removed:?}");
    let crate_dir = Path::new("functions").join(NAME);
    let sample = Path::new("events/lambda").join(format!("{NAME}.json"));
    let elsewhere: Vec<&&PathBuf> = changed
        .iter()
        .filter(|p| {
            !p.starts_with(&crate_dir) && **p != &sample && **p != Path::new("template.yaml")
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "changed outside the recipe: {elsewhere:?}"
    );
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/main.rs",
        "tests/consumer.rs",
    ] {
        assert!(changed.contains(&crate_dir.join(file)), "no {file} written");
    }
    let text = |files: &BTreeMap<PathBuf, Vec<u8>>| {
        String::from_utf8(files[Path::new("template.yaml")].clone()).expect("UTF-8")
    };
    assert!(
        one_block_inserted(&text(&before), &text(&after)),
        "template.yaml changed in more than one place"
    );

    // The crate's own tests, and its layout as cargo fmt leaves it.
    let tests = cargo()
        .args(["test", "-q", "-p", NAME])
        .current_dir(&copy)
        .output()
        .expect("cargo runs");
    assert!(
        tests.status.success(),
        "cargo test -p {NAME}: {}",
        String::from_utf8_lossy(&tests.stderr)
    );
    let formatted = Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(
            ["src/lib.rs", "src/main.rs", "tests/consumer.rs"]
                .map(|f| copy.join(&crate_dir).join(f)),
        )
        .output()
        .expect("rustfmt runs");
    assert!(
        formatted.status.success(),
        "the scaffold is not laid out as cargo fmt would: {}",
        String::from_utf8_lossy(&formatted.stdout)
    );

    // The demo on the copy: every scenario passes, and the consumer runs.
    let logs = dir.path().join("logs");
    let demo = Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args(["demo", "--quiet", "--template"])
        .arg(copy.join("template.yaml"))
        .arg("--log-dir")
        .arg(&logs)
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(&copy)
        .output()
        .expect("orderly runs");
    let out = String::from_utf8_lossy(&demo.stdout);
    let n = orderly_local::scenarios::all().len();
    assert!(
        demo.status.success() && out.contains(&format!("{n} of {n} scenarios as expected")),
        "the demo on the copy: {out}\n{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let invoked = out
        .lines()
        .find(|line| {
            line.trim_start()
                .starts_with("invoke LoyaltyPointsFunction")
        })
        .unwrap_or_else(|| panic!("the consumer was never invoked: {out}"));
    assert!(
        invoked.split_whitespace().nth(2).is_some_and(|n| n != "0"),
        "{invoked}"
    );

    // Each confirmed order recorded once, and a redelivery answered from the record.
    let group = std::fs::read_dir(&logs)
        .expect("log files")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(&format!("_{NAME}.log")))
        .unwrap_or_else(|| panic!("no log file of {NAME} in {}", logs.display()));
    let lines: Vec<Value> = std::fs::read_to_string(&group)
        .expect("read")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let message = |l: &Value| l["message"].as_str().unwrap_or_default().to_owned();
    let stored: Vec<&str> = lines
        .iter()
        .filter(|l| message(l) == "OrderConfirmed recorded" && l["stored"] == true)
        .filter_map(|l| l["order_id"].as_str())
        .collect();
    let orders: BTreeSet<&str> = stored.iter().copied().collect();
    assert!(!orders.is_empty(), "nothing recorded: {lines:?}");
    assert_eq!(
        stored.len(),
        orders.len(),
        "an order recorded twice: {stored:?}"
    );
    assert!(
        lines.iter().any(|l| message(l).starts_with("replaying")),
        "no delivery of the same event was answered from its record"
    );
}
