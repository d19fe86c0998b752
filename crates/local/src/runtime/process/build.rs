//! The binary of a function crate, built with cargo as `cargo lambda build` would build it
//! for the host: `cargo build --bin <binary>` in the crate's workspace, with the target
//! directory cargo would use there (`CARGO_TARGET_DIR` when it is set). Each binary is
//! built once per process of the local cloud.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Why a function's binary could not be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    /// The code directory holds no crate.
    #[error("no crate at {0} (no Cargo.toml)")]
    NoCrate(String),
    /// Cargo could not be started.
    #[error("cannot run cargo: {0}")]
    Cargo(String),
    /// Cargo ran and failed; the last lines it printed.
    #[error("cargo build of binary `{binary}` in {dir} failed:\n{output}")]
    Failed {
        /// The binary asked for.
        binary: String,
        /// The crate's directory.
        dir: String,
        /// The end of cargo's output.
        output: String,
    },
    /// Cargo succeeded without naming an executable of that name.
    #[error("cargo built no binary `{binary}` in {dir}: the crate's [[bin]] is named otherwise")]
    NoBinary {
        /// The binary asked for.
        binary: String,
        /// The crate's directory.
        dir: String,
    },
}

type Built = Mutex<HashMap<(PathBuf, String), PathBuf>>;

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(Built::default)
}

/// The executable of `binary` from the crate in `dir`, built if this process has not yet.
pub fn executable(dir: &Path, binary: &str) -> Result<PathBuf, BuildError> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::NoCrate(dir.display().to_string()));
    }
    let key = (dir.to_path_buf(), binary.to_owned());
    // Held while building: two clouds starting at once build the binary once.
    let mut cache = built().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = cache.get(&key) {
        return Ok(path.clone());
    }
    eprintln!(
        "building `{binary}` from {}: a function crate the local cloud does not link runs \
         as a process of its own",
        dir.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--message-format=json-render-diagnostics",
            "--bin",
            binary,
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .map_err(|e| BuildError::Cargo(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        return Err(BuildError::Failed {
            binary: binary.to_owned(),
            dir: dir.display().to_string(),
            output: tail,
        });
    }
    let path =
        executable_in(&String::from_utf8_lossy(&output.stdout), binary).ok_or_else(|| {
            BuildError::NoBinary {
                binary: binary.to_owned(),
                dir: dir.display().to_string(),
            }
        })?;
    cache.insert(key, path.clone());
    Ok(path)
}

/// The `executable` of the `compiler-artifact` message for bin target `binary`, from
/// cargo's JSON messages.
fn executable_in(messages: &str, binary: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == binary)
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_the_bin_artifact_of_that_name() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"audit","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"other","kind":["bin"]},"executable":"/t/other"}
{"reason":"compiler-artifact","target":{"name":"audit","kind":["bin"]},"executable":"/t/audit"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_in(messages, "audit"),
            Some(PathBuf::from("/t/audit"))
        );
        assert_eq!(executable_in(messages, "missing"), None);
    }

    #[test]
    fn a_directory_without_a_crate_is_named() {
        let dir = std::env::temp_dir().join("orderly-no-crate-here");
        let error = executable(&dir, "x").expect_err("no crate");
        assert!(
            error.to_string().contains("orderly-no-crate-here"),
            "{error}"
        );
    }
}
