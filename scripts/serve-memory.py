#!/usr/bin/env python3
"""Resident memory of `orderly serve` under a stream of orders.

Usage: scripts/serve-memory.py [BINARY] [ORDERS] [-- SERVE-OPTIONS...]
  BINARY  the orderly binary (default: target/release/orderly; build it with
          `cargo build --release -p orderly-local --bin orderly`)
  ORDERS  how many orders to put (default 20000)
  SERVE-OPTIONS  passed on to `orderly serve` (e.g. --max-closed-executions 1000)

Spawns `orderly serve --port P --template template.yaml` on loopback and puts orders
through the real wire protocol: `AWSEvents.PutEvents`, ten OrderCreated entries a
request, each a copy of events/put-events/happy-path.json with its own order id,
idempotency key and correlation id. After every 1,000 orders it waits until no
execution is RUNNING (`ListExecutions`, statusFilter RUNNING, maxResults 1), so what is
measured is what the server keeps, not a backlog, then prints the process's RSS and
peak RSS (VmRSS, VmHWM from /proc). The seed stocks 1,000 books: past 500 orders they
are refused as out of stock, so the stream mixes confirmed and failed orders.
At the end it times ListExecutions with maxResults 1 (no filter, and statusFilter
SUCCEEDED), 20 calls each, and prints the median and the executions the server keeps.
Bounded: ORDERS orders, and at most 120 s of waiting per checkpoint. Loopback only.
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import serve_client  # noqa: E402
from serve_client import memory_kb  # noqa: E402
CHECKPOINT = 1000
WAIT_S = 120


def call(port, target, body):
    """One request on its own connection; the answer, which must be 200."""
    return serve_client.Client(port).ok(target, body)


def main():
    args = sys.argv[1:]
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return
    serve_options = []
    if "--" in args:
        at = args.index("--")
        args, serve_options = args[:at], args[at + 1:]
    binary = args[0] if args else os.path.join(ROOT, "target/release/orderly")
    orders = int(args[1]) if len(args) > 1 else 20000
    with open(os.path.join(ROOT, "events/put-events/happy-path.json")) as f:
        entry = json.load(f)[0]
    process, port = serve_client.start_server(binary, ROOT, serve_options)
    try:
        machines = call(port, "AWSStepFunctions.ListStateMachines", {})
        machine = machines["stateMachines"][0]["stateMachineArn"]
        rss, _ = memory_kb(process.pid)
        print(f"orders      RSS MB   peak MB   seconds")
        print(f"{0:>6} {rss / 1024:>9.1f} {rss / 1024:>9.1f} {0:>9.1f}", flush=True)
        started = time.monotonic()
        for first in range(0, orders, 10):
            entries = []
            for i in range(first, min(first + 10, orders)):
                e = dict(entry)
                e["Detail"] = (
                    entry["Detail"]
                    .replace("o-happy-1", f"o-mem-{i}")
                    .replace("idem-happy-1", f"idem-mem-{i}")
                    .replace("corr-happy-1", f"corr-mem-{i}")
                )
                entries.append(e)
            answer = call(port, "AWSEvents.PutEvents", {"Entries": entries})
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"entries refused: {answer}")
            done = first + len(entries)
            if done % CHECKPOINT == 0 or done == orders:
                deadline = time.monotonic() + WAIT_S
                while time.monotonic() < deadline:
                    running = call(
                        port,
                        "AWSStepFunctions.ListExecutions",
                        {"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1},
                    )
                    if not running["executions"]:
                        break
                    time.sleep(0.05)
                time.sleep(0.5)  # the queues' consumers finish after the executions
                rss, peak = memory_kb(process.pid)
                print(
                    f"{done:>6} {rss / 1024:>9.1f} {peak / 1024:>9.1f}"
                    f" {time.monotonic() - started:>9.1f}",
                    flush=True,
                )
        kept = 0
        token = None
        while True:
            page = {"stateMachineArn": machine, "maxResults": 1000}
            if token:
                page["nextToken"] = token
            answer = call(port, "AWSStepFunctions.ListExecutions", page)
            kept += len(answer["executions"])
            token = answer.get("nextToken")
            if not token:
                break
        print(f"executions kept: {kept}")
        for status in (None, "SUCCEEDED"):
            request = {"stateMachineArn": machine, "maxResults": 1}
            if status:
                request["statusFilter"] = status
            samples = []
            for _ in range(20):
                begun = time.perf_counter()
                call(port, "AWSStepFunctions.ListExecutions", request)
                samples.append((time.perf_counter() - begun) * 1000)
            samples.sort()
            print(f"ListExecutions maxResults=1 statusFilter={status}: "
                  f"median {samples[10]:.2f} ms, max {samples[-1]:.2f} ms")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
