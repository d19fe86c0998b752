//! Starts `orderly serve --port 0` on the repository's template and stops it when dropped.
// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

pub mod cli;
pub mod http;
pub mod sigv4;

use orderly_core::clock::Stopwatch;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `orderly serve`; killed on drop.
pub struct Server {
    child: Child,
    pub endpoint: String,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(&root().join("template.yaml"))
    }

    pub fn start_with(template: &std::path::Path) -> Self {
        Self::start_with_args(template, &[])
    }

    /// The repository's template, with more options of `orderly serve`.
    pub fn start_args(args: &[&str]) -> Self {
        Self::start_with_args(&root().join("template.yaml"), args)
    }

    fn start_with_args(template: &std::path::Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orderly"))
            .arg("serve")
            .args(["--port", "0", "--template"])
            .arg(template)
            .args(args)
            // The work behind the front door at the priority of the rest: the tests run
            // beside one another, and at the lowest priority (the default) the workflows
            // of a server would wait on the other tests' CPU.
            .args(if args.contains(&"--background-nice") {
                &[][..]
            } else {
                &["--background-nice", "0"][..]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn orderly serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        // Keep reading so a full pipe never blocks the server.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        let Some(endpoint) = first.strip_prefix("orderly serve listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("orderly serve did not start: {first:?}");
        };
        Self {
            endpoint: endpoint.trim().to_owned(),
            child,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("endpoint has a port")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 100 ms until it answers `Some`, or panics after `timeout` naming `what`.
pub fn eventually<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Stopwatch::start();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The scenario file `events/put-events/<name>.json`.
pub fn scenario(name: &str) -> PathBuf {
    root().join(format!("events/put-events/{name}.json"))
}

/// A template with one inline Express state machine, for StartSyncExecution.
pub const EXPRESS_TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Greeter:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: greeter
      StateMachineType: EXPRESS
      Definition:
        StartAt: Greet
        States:
          Greet:
            Type: Pass
            Parameters:
              "greeting.$": "States.Format('hello {}', $.name)"
            Next: Check
          Check:
            Type: Choice
            Choices:
              - Variable: "$.greeting"
                StringEquals: "hello fail"
                Next: Fail
            Default: Done
          Fail:
            Type: Fail
            Error: Greeter.Refused
            Cause: asked to fail
          Done:
            Type: Succeed
"#;
