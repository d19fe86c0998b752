//! The real AWS CLI against a [`Server`], as a person would drive it.
//!
//! The CLI is `$ORDERLY_VENV/bin/aws`, else `<repo>/.venv-test/bin/aws` (what
//! `scripts/test.sh` installs), else `aws` on PATH. It only ever talks to the loopback
//! server: credentials are dummies and the shared config files are ignored.

use super::{Server, root};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

pub fn aws_cli() -> PathBuf {
    let venv = std::env::var_os("ORDERLY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv-test"));
    let in_venv = venv.join("bin/aws");
    if in_venv.exists() {
        return in_venv;
    }
    PathBuf::from("aws")
}

/// What one `aws …` call printed and how it exited.
pub struct Cli {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Cli {
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "aws failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("aws printed no JSON ({e}): {:?}", self.stdout);
        })
    }
}

pub fn aws(server: &Server, args: &[&str]) -> Cli {
    aws_as(server, "x", args)
}

/// [`aws`] signed with the access key id `key`, which names the caller to `orderly serve`.
pub fn aws_as(server: &Server, key: &str, args: &[&str]) -> Cli {
    let empty = std::env::temp_dir().join("orderly-serve-no-aws-config");
    let output: Output = Command::new(aws_cli())
        .args(args)
        .args(["--endpoint-url", &server.endpoint, "--output", "json"])
        .current_dir(root())
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        // StartSyncExecution's endpoint carries a `sync-` host prefix; the loopback address
        // must stay as given.
        .env("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}); scripts/test.sh installs the AWS CLI",
                aws_cli().display()
            )
        });
    Cli {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The exit status of a call the service refused: 254 for CLI v2, 255 for v1.
pub fn is_service_error(code: i32) -> bool {
    code == 254 || code == 255
}
