#!/usr/bin/env bash
# The AWS CLI against a running `orderly serve`, with dummy credentials and no shared config:
#   scripts/awscli.sh stepfunctions list-state-machines
#   ORDERLY_ENDPOINT=http://127.0.0.1:5000 scripts/awscli.sh sqs list-queues
# Uses $ORDERLY_VENV/bin/aws (default <repo>/.venv-test, as scripts/test.sh installs it),
# else `aws` on PATH.
set -euo pipefail
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
