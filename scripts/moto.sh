#!/usr/bin/env bash
# Starts and stops moto's server, the AWS-compatible endpoint of the adapter tests.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/moto.sh start|stop|status [--tls] [--help]

  start   Starts moto's server on a free loopback port and waits until it answers, then
          prints ORDERLY_TEST_AWS_ENDPOINT=http://127.0.0.1:PORT (eval-able). The pid goes
          to target/moto.pid, the server log to target/moto.log. When a server started by
          this script is still running, prints its endpoint again.
  stop    Stops the server started by `start`.
  status  Prints the endpoint and exits 0 when the server runs, exits 1 otherwise.

  --tls   The same for a second server that speaks HTTPS with a self-signed certificate
          (made in target/moto-tls/): start prints
          ORDERLY_TEST_AWS_TLS_ENDPOINT=https://127.0.0.1:PORT and
          ORDERLY_TEST_AWS_TLS_CERT=<the certificate's path>, which only the tests that
          need TLS trust (connection warm-up, crates/aws/tests/warm_moto.rs).

Environment:
  ORDERLY_VENV   virtualenv holding moto[server] (default: .venv-test). When it does not
                 exist, python3 from PATH is used if it can import moto.server.

Typical use:
  eval "$(scripts/moto.sh start)"; export ORDERLY_TEST_AWS_ENDPOINT
  cargo test -p orderly-aws -- --include-ignored
  scripts/moto.sh stop
USAGE
}

case "${1:-}" in
  -h|--help|help) usage; exit 0 ;;
  start|stop|status) command=$1 ;;
  *) usage >&2; exit 2 ;;
esac
tls=false
case "${2:-}" in
  "") ;;
  --tls) tls=true ;;
  *) usage >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
mkdir -p target
name=moto
scheme=http
tls_args=()
variable=ORDERLY_TEST_AWS_ENDPOINT
if [[ $tls == true ]]; then
  name=moto-tls
  scheme=https
  tls_args=(--tls-dir "$PWD/target/moto-tls")
  variable=ORDERLY_TEST_AWS_TLS_ENDPOINT
fi
pid_file=target/$name.pid
endpoint_file=target/$name.endpoint
log_file=target/$name.log
venv=${ORDERLY_VENV:-.venv-test}

running_pid() {
  [[ -f $pid_file ]] || return 1
  local pid
  pid=$(cat "$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

pick_python() {
  if [[ -x $venv/bin/python ]]; then
    echo "$venv/bin/python"
  elif command -v python3 >/dev/null && python3 -c 'import moto.server' 2>/dev/null; then
    echo "moto.sh: $venv not found; using python3 from PATH" >&2
    echo python3
  else
    echo "moto.sh: no moto found: create $venv with 'pip install \"moto[server]\"' or set ORDERLY_VENV" >&2
    return 1
  fi
}

free_port() {
  "$1" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

answers() {
  # Any HTTP answer will do; moto's own API path always exists.
  "$1" - "$2" <<'PY'
import ssl, sys, urllib.request, urllib.error
try:
    context = None
    if sys.argv[1].startswith("https"):
        context = ssl.create_default_context(cafile="target/moto-tls/cert.pem")
    urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1, context=context)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
PY
}

start() {
  if pid=$(running_pid); then
    cat "$endpoint_file"
    return 0
  fi
  local python port endpoint
  python=$(pick_python)
  # The port can be taken between picking and binding; try a few times.
  for _ in 1 2 3; do
    port=$(free_port "$python")
    endpoint="$scheme://127.0.0.1:$port"
    # moto's server, with DynamoDB requests serialized (see the launcher's docstring).
    "$python" scripts/moto-server.py -H 127.0.0.1 -p "$port" "${tls_args[@]}" >"$log_file" 2>&1 &
    pid=$!
    echo "$pid" >"$pid_file"
    for _ in $(seq 1 150); do
      if ! kill -0 "$pid" 2>/dev/null; then
        break
      fi
      if answers "$python" "$endpoint"; then
        {
          echo "$variable=$endpoint"
          if [[ $tls == true ]]; then echo "ORDERLY_TEST_AWS_TLS_CERT=$PWD/target/moto-tls/cert.pem"; fi
        } | tee "$endpoint_file"
        return 0
      fi
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
  echo "moto.sh: moto's server did not come up; log:" >&2
  cat "$log_file" >&2
  return 1
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pid_file" "$endpoint_file"
}

case $command in
  start) start ;;
  stop) stop ;;
  status)
    if running_pid >/dev/null; then cat "$endpoint_file"; else echo "moto.sh: not running" >&2; exit 1; fi
    ;;
esac
