#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help]

Runs every check of the repository on a fresh machine:
  1. installs the Python tools the tests use into .venv-test (moto's server, cfn-lint,
     the AWS CLI), once
  2. cargo fmt --check and cargo clippy --workspace --all-targets -D warnings
  3. cfn-lint template.yaml (scripts/lint.sh)
  4. starts moto's server on a free loopback port for the adapter tests, and a second one
     speaking HTTPS for the connection warm-up tests; stops both after
  5. cargo test for the whole workspace, including the tests that need the server, and
     the event catalog's compatibility with the commit before (scripts/schema-check)
  6. the DynamoDB adapters' tests of step 5 again, against orderly serve instead of moto:
     the local cloud's DynamoDB keeps the conditions the adapters rely on
  7. orderly chaos with a fixed and a random seed
  8. a 15 s soak of orderly serve through the wire protocol (scripts/soak): any error
     answered to the mixed stream fails the run
  9. the web console of orderly serve in headless Chromium (scripts/console-test):
     installs chromium, chromium-driver and selenium if missing
 10. every fuzz target for a short fixed time (scripts/fuzz, docs/fuzzing.md)

Environment:
  ORDERLY_VENV          the virtualenv to use (default: .venv-test)
  ORDERLY_FUZZ_SECONDS  how long each fuzz target runs (default 5)
  ORDERLY_FUZZ_MIN_FREE_GB
                        below this much free disk the test build is removed before the
                        fuzz build (default 12)
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }

cd "$(dirname "$0")/.."
root=$(pwd)
export ORDERLY_VENV="${ORDERLY_VENV:-$root/.venv-test}"
started=$(date +%s)
# A clean clone gains nothing from incremental state, and it doubles the disk a build needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
ORDERLY_FUZZ_MIN_FREE_GB="${ORDERLY_FUZZ_MIN_FREE_GB:-12}"

step() { printf '\n==> %s\n' "$*"; }

step "python tools in $ORDERLY_VENV"
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  # Debian splits venv support out of python3.
  if command -v apt-get >/dev/null 2>&1; then
    py=$(python3 -c 'import sys; print(f"python{sys.version_info.major}.{sys.version_info.minor}")')
    (apt-get install -y -qq "$py-venv" || sudo apt-get install -y -qq "$py-venv") >/dev/null
  fi
fi
# A venv left half-made (no pip) by an interrupted run is made again.
[[ -x "$ORDERLY_VENV/bin/pip" ]] || python3 -m venv --clear "$ORDERLY_VENV"
missing=()
[[ -x "$ORDERLY_VENV/bin/moto_server" ]] || missing+=("moto[server]")
[[ -x "$ORDERLY_VENV/bin/cfn-lint" ]] || missing+=("cfn-lint")
[[ -x "$ORDERLY_VENV/bin/aws" ]] || missing+=("awscli")
if [[ ${#missing[@]} -gt 0 ]]; then
  "$ORDERLY_VENV/bin/pip" install --quiet --upgrade pip
  "$ORDERLY_VENV/bin/pip" install --quiet "${missing[@]}"
fi
export PATH="$ORDERLY_VENV/bin:$PATH"
echo "moto $("$ORDERLY_VENV/bin/python" -c 'import moto; print(moto.__version__)'), $(cfn-lint --version), $(aws --version 2>&1)"

step "cargo fmt --check"
cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cfn-lint template.yaml"
scripts/lint.sh

step "moto servers (plain and TLS)"
eval "$(scripts/moto.sh start)"
export ORDERLY_TEST_AWS_ENDPOINT
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true; scripts/moto.sh stop --tls >/dev/null 2>&1 || true' EXIT
# The TLS server serves the connection warm-up tests (crates/aws/tests/warm_moto.rs), whose
# SDK client alone trusts its self-signed certificate.
eval "$(scripts/moto.sh start --tls)"
export ORDERLY_TEST_AWS_TLS_ENDPOINT ORDERLY_TEST_AWS_TLS_CERT
echo "moto at $ORDERLY_TEST_AWS_ENDPOINT and $ORDERLY_TEST_AWS_TLS_ENDPOINT"

step "cargo test (with the tests that need the server)"
mkdir -p target
set +e
cargo test --workspace --no-fail-fast -- --include-ignored >"$root/target/test-output.txt" 2>&1
status=$?
set -e
grep -E '^(test result|     Running|error|failures:|---- )' "$root/target/test-output.txt" || true
if [[ $status -ne 0 ]]; then
  grep -E 'panicked|FAILED|^error' "$root/target/test-output.txt" | head -40 >&2 || true
  echo "tests failed (exit $status); full output in target/test-output.txt" >&2
  exit 1
fi

# A published contract version is frozen (docs/versioning.md): the types against the
# catalog of the commit this branch left main from (on main, the commit before).
step "event catalog compatibility (scripts/schema-check)"
scripts/schema-check

cargo build --quiet -p orderly-local
orderly="${CARGO_TARGET_DIR:-$root/target}/debug/orderly"

# The adapters' DynamoDB tests, which ran on moto above, against orderly serve: the same
# conditional writes, races and errors hold on the local cloud's DynamoDB.
step "DynamoDB adapter tests against orderly serve"
serve_out="$root/target/serve-dynamodb.log"
"$orderly" serve --port 0 >"$serve_out" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
  grep -q '^orderly serve listening on ' "$serve_out" 2>/dev/null && break
  sleep 0.1
done
serve_endpoint=$(sed -n 's/^orderly serve listening on //p' "$serve_out" | head -1)
[[ -n "$serve_endpoint" ]] || { cat "$serve_out" >&2; echo "orderly serve did not start" >&2; exit 1; }
set +e
ORDERLY_TEST_AWS_ENDPOINT="$serve_endpoint" ORDERLY_TEST_AWS_SERVER=orderly \
  cargo test -p orderly-aws --test idempotency_dynamodb --test dynamodb_moto \
  --test payments_dynamodb --test items_dynamodb -- --include-ignored >"$root/target/test-output-serve.txt" 2>&1
status=$?
set -e
kill "$serve_pid" 2>/dev/null || true
grep -E '^(test result|     Running)' "$root/target/test-output-serve.txt" || true
if [[ $status -ne 0 ]]; then
  grep -E 'panicked|FAILED|^error' "$root/target/test-output-serve.txt" | head -40 >&2 || true
  echo "adapter tests against orderly serve failed; output in target/test-output-serve.txt" >&2
  exit 1
fi
cat "$root/target/test-output-serve.txt" >>"$root/target/test-output.txt"

# The system under seeded faults (docs/chaos.md): a fixed seed, so a regression replays,
# and a new seed every run, printed, so each run also explores.
step "orderly chaos (1,000 orders, seed 1, and a random seed)"
random_seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
for seed in 1 "$random_seed"; do
  echo "chaos seed $seed (replay: cargo run -p orderly-local -- chaos --orders 1000 --seed $seed)"
  if ! "$orderly" chaos --orders 1000 --seed "$seed" >"$root/target/chaos-$seed.txt"; then
    cat "$root/target/chaos-$seed.txt" >&2
    echo "chaos found violations with seed $seed; report in target/chaos-$seed.txt" >&2
    exit 1
  fi
  grep -A12 '^orders by terminal state' "$root/target/chaos-$seed.txt" | head -8
done

# The wire protocol under a steady mixed stream (docs/performance-serve.md has the 10-minute
# run): short, on the debug binary, so it checks behaviour, not speed.
step "soak: orderly serve for 15 s at 30 orders/s (scripts/soak)"
scripts/soak --binary "$orderly" --seconds 15 --rate 30 --warmup 5 --report "$root/target/soak.json"

# The console (/_console/) in a headless browser, against its own orderly serve: every
# view the contract names, on the scenarios' orders (tests/console/test_console.py).
step "console in a browser (scripts/console-test)"
ORDERLY_BIN="$orderly" scripts/console-test

# Every parser of outside input under libFuzzer for a short fixed time (docs/fuzzing.md):
# a crash, a slow input or a memory blow-up fails the run with the input that caused it.
step "fuzz targets, ${ORDERLY_FUZZ_SECONDS:-5} s each (scripts/fuzz)"
# The fuzz build is a second build of its own, several GB; the test build is done with by
# now. Where the disk is short (a CI runner's can be), the test build makes room for it.
target_root="${CARGO_TARGET_DIR:-$root/target}"
free_kb=$(df -Pk "$target_root" | awk 'NR == 2 {print $4}')
if [[ -n "$free_kb" && "$free_kb" -lt $((ORDERLY_FUZZ_MIN_FREE_GB * 1024 * 1024)) ]]; then
  echo "$((free_kb / 1024)) MB free: removing the test build ($target_root/debug) first"
  rm -rf "$target_root/debug"
fi
scripts/fuzz --seconds "${ORDERLY_FUZZ_SECONDS:-5}"

echo "target directory: $(du -sh target 2>/dev/null | cut -f1)"
passed=$(grep -E '^test result:' "$root/target/test-output.txt" | awk '{s+=$4} END {print s+0}')
echo
echo "all checks passed: $passed tests in $(( $(date +%s) - started )) s"
