#!/usr/bin/env bash
# Lints template.yaml: cfn-lint always; checkov and `sam validate --lint` on request.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/lint.sh [--checkov] [--sam] [--help]

Checks template.yaml and the nested applications' templates (units/*.yaml):
  cfn-lint template.yaml units/*.yaml   always; must be clean (exit status 0)
  --checkov                     also checkov -f template.yaml --framework cloudformation
                                --skip-download, in its own venv (.venv-checkov): its boto3
                                pins conflict with aws-sam-cli's. Accepted findings are
                                suppressed in the template with a reason
                                (Metadata: checkov: skip:).
  --sam                         also sam validate --lint (aws-sam-cli in .venv-sam, the venv
                                scripts/build.sh sets up; AWS_DEFAULT_REGION defaults to
                                us-east-1 since sam validate needs a region)

Each tool is installed with pip into its venv the first time, then reused.

Environment:
  ORDERLY_VENV          venv for cfn-lint (default .venv-test, shared with scripts/test.sh)
  ORDERLY_CHECKOV_VENV  venv for checkov (default .venv-checkov)
  ORDERLY_SAM_VENV      venv for aws-sam-cli (default .venv-sam)
USAGE
}

run_checkov=false
run_sam=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --help | -h) usage; exit 0 ;;
    --checkov) run_checkov=true ;;
    --sam) run_sam=true ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

# ensure_tool VENV EXECUTABLE PIP_PACKAGE...: creates VENV and installs the packages unless
# VENV/bin/EXECUTABLE already exists.
ensure_tool() {
  local venv=$1 exe=$2
  shift 2
  if [[ ! -x "$venv/bin/$exe" ]]; then
    step "installing $* into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "$@"
  fi
}

test_venv="${ORDERLY_VENV:-$root/.venv-test}"
ensure_tool "$test_venv" cfn-lint cfn-lint
step "cfn-lint template.yaml ($("$test_venv/bin/cfn-lint" --version))"
"$test_venv/bin/cfn-lint" template.yaml units/*.yaml
echo "cfn-lint: clean"

if [[ "$run_checkov" == true ]]; then
  checkov_venv="${ORDERLY_CHECKOV_VENV:-$root/.venv-checkov}"
  ensure_tool "$checkov_venv" checkov checkov
  step "checkov -f template.yaml -f units/*.yaml --framework cloudformation --skip-download"
  files=(-f template.yaml)
  for unit in units/*.yaml; do files+=(-f "$unit"); done
  "$checkov_venv/bin/checkov" "${files[@]}" --framework cloudformation --skip-download --compact
fi

if [[ "$run_sam" == true ]]; then
  sam_venv="${ORDERLY_SAM_VENV:-$root/.venv-sam}"
  ensure_tool "$sam_venv" sam aws-sam-cli
  step "sam validate --lint"
  SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" "$sam_venv/bin/sam" validate --lint --template-file template.yaml
fi
