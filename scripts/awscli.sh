#!/usr/bin/env bash
# The AWS CLI against a running `orderly serve`, with dummy credentials and no shared config:
#   scripts/awscli.sh stepfunctions list-state-machines
#   ORDERLY_ENDPOINT=http://127.0.0.1:5000 scripts/awscli.sh sqs list-queues
# Uses $ORDERLY_VENV/bin/aws (default <repo>/.venv-test, as scripts/test.sh installs it),
# else `aws` on PATH.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/awscli.sh AWS_CLI_ARGS...
       scripts/awscli.sh --help

Runs the AWS CLI against a running `orderly serve` (the local cloud): every argument goes
to `aws` unchanged, after --endpoint-url $ORDERLY_ENDPOINT, with dummy credentials
(local/local), region us-east-1, no shared config or credentials file, no pager and no
host prefix (StartSyncExecution's `sync-` prefix would turn the loopback address into a
DNS name). Examples:
  scripts/awscli.sh stepfunctions list-state-machines
  ORDERLY_ENDPOINT=http://127.0.0.1:5000 scripts/awscli.sh sqs list-queues
  scripts/awscli.sh sqs help        # the AWS CLI's own help of a service

Environment:
  ORDERLY_ENDPOINT  the local cloud's URL (default http://127.0.0.1:4566)
  ORDERLY_VENV      virtualenv holding the AWS CLI (default <repo>/.venv-test, as
                    scripts/test.sh installs it); else `aws` on PATH
USAGE
}

case "${1:-}" in
  --help | -h) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
aws="${ORDERLY_VENV:-$root/.venv-test}/bin/aws"
[ -x "$aws" ] || aws="aws"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
# StartSyncExecution's `sync-` host prefix would turn the loopback address into a DNS name.
export AWS_DISABLE_HOST_PREFIX_INJECTION=true
unset AWS_PROFILE
exec "$aws" --endpoint-url "${ORDERLY_ENDPOINT:-http://127.0.0.1:4566}" "$@"
