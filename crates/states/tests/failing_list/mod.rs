//! A test's list of the cases it knows fail, kept exact: `id  # why`, one a line (an id may
//! hold a `#` of its own), lines that start with `#` are comments. The test fails when a
//! case fails that the list does not name, and when a listed case passes, so the list and
//! the figures drawn from it stay true. With the update variable set, the run rewrites the
//! list instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// One list: its file (under `tests/`), its first lines, the variable that rewrites it,
/// and what its cases are called in messages ("case", "execution").
pub struct FailingList {
    pub file: &'static str,
    pub header: &'static str,
    pub update_var: &'static str,
    pub noun: &'static str,
}

impl FailingList {
    fn path(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(self.file)
    }

    /// The ids the list names.
    pub fn listed(&self) -> BTreeSet<String> {
        let text = fs::read_to_string(self.path()).unwrap_or_default();
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| line.split("  # ").next().unwrap_or_default().trim())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Checks this run's failures (id → why) against the list, or rewrites the list when
    /// the update variable is set.
    pub fn check(&self, failing: &BTreeMap<String, String>) {
        if std::env::var_os(self.update_var).is_some() {
            let mut text = String::from(self.header);
            for (id, why) in failing {
                let _ = writeln!(text, "{id}  # {why}");
            }
            fs::write(self.path(), text).expect("write the list");
            return;
        }
        let listed = self.listed();
        let new: Vec<String> = failing
            .iter()
            .filter(|(id, _)| !listed.contains(*id))
            .map(|(id, why)| format!("{id}  # {why}"))
            .collect();
        let fixed: Vec<&str> = listed
            .iter()
            .filter(|id| !failing.contains_key(*id))
            .map(String::as_str)
            .collect();
        let (noun, file) = (self.noun, self.file);
        assert!(
            new.is_empty(),
            "{} {noun}(s) fail that tests/{file} does not list:\n{}",
            new.len(),
            new.join("\n")
        );
        assert!(
            fixed.is_empty(),
            "{} listed {noun}(s) now pass; remove them from tests/{file}:\n{}",
            fixed.len(),
            fixed.join("\n")
        );
    }
}
