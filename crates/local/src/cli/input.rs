//! Arguments that take either inline JSON or `file://path`, as the AWS CLI does.

use std::fs;

/// Reads an argument the way the AWS CLI does: `file://path` is read from disk,
/// anything else is the text itself.
pub fn read_arg(name: &str, value: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => {
            fs::read_to_string(path).map_err(|e| format!("{name}: cannot read {path}: {e}"))
        }
        None => Ok(value.to_owned()),
    }
}
