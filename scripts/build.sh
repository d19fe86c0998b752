#!/usr/bin/env bash
# Sets up what `sam build` needs on a fresh machine, then builds every function of template.yaml.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/build.sh [--setup-only] [--help] [-- SAM_BUILD_ARGS...]

Builds an arm64 `bootstrap` for every function in template.yaml with `sam build`.

Set-up (idempotent, skipped when already done):
  - a Python venv (.venv-sam by default, ORDERLY_SAM_VENV overrides) holding
    aws-sam-cli, cargo-lambda and ziglang (zig is cargo-lambda's cross linker);
  - the Rust target aarch64-unknown-linux-gnu (rustup target add).
The venv's bin directory goes first on PATH, so `sam` finds `cargo-lambda` and `zig`.

Options:
  --setup-only   install the tools, do not run `sam build`
  --help, -h     this text
Arguments after `--` go to `sam build` unchanged (e.g. -- --parallel).

Environment:
  ORDERLY_SAM_VENV    venv path (default: .venv-sam at the repository root)
  AWS_DEFAULT_REGION  defaults to us-east-1 (sam reads it even for a local build)
USAGE
}

setup_only=false
sam_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --help | -h) usage; exit 0 ;;
    --setup-only) setup_only=true ;;
    --) shift; sam_args=("$@"); break ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
venv="${ORDERLY_SAM_VENV:-$PWD/.venv-sam}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x "$venv/bin/sam" || ! -x "$venv/bin/cargo-lambda" ]] || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  step "installing aws-sam-cli, cargo-lambda and ziglang into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet aws-sam-cli cargo-lambda ziglang
fi

# ziglang ships zig inside the Python package; cargo-lambda looks for `zig` on PATH, so
# expose it next to the other tools.
if [[ ! -x "$venv/bin/zig" ]]; then
  zig_bin=$("$venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
  ln -sf "$zig_bin" "$venv/bin/zig"
fi

if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  step "rustup target add aarch64-unknown-linux-gnu"
  rustup target add aarch64-unknown-linux-gnu
fi

export PATH="$venv/bin:$PATH"
step "tools: $(sam --version), $(cargo-lambda --version 2>/dev/null || cargo lambda --version), zig $(zig version)"

if [[ "$setup_only" == true ]]; then
  exit 0
fi

step "sam build"
sam build "${sam_args[@]}"
