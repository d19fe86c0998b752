#!/usr/bin/env python3
"""Time from spawning `orderly serve` to its first answered request.

Usage: scripts/serve-startup.py [BINARY] [RUNS]
       scripts/serve-startup.py --help
  BINARY  the orderly binary (default: target/release/orderly; build it with
          `cargo build --release -p orderly-local --bin orderly`)
  RUNS    how many starts to time (default 20)

Each run spawns `orderly serve --port P --template template.yaml`, then sends
`AWSStepFunctions.ListStateMachines` every millisecond until one is answered with 200:
the template loaded, the cloud started and the listener serving. Prints every sample
and the median, min and max in milliseconds, plus the CPU time the process used.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUEST = (
    b"POST / HTTP/1.1\r\nHost: localhost\r\n"
    b"X-Amz-Target: AWSStepFunctions.ListStateMachines\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\n{}"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answered(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(REQUEST)
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def cpu_ms(pid):
    """User + system CPU time of a running process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def main():
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(__doc__.strip())
        return
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/orderly")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable; build it first")
    template = os.path.join(ROOT, "template.yaml")
    samples, cpu = [], []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        server = subprocess.Popen(
            [binary, "serve", "--port", str(port), "--template", template],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not answered(port):
                if server.poll() is not None:
                    sys.exit(f"orderly serve exited with {server.returncode} before answering")
                if time.perf_counter() - started > 30:
                    sys.exit("orderly serve did not answer within 30 s")
                time.sleep(0.001)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append(cpu_ms(server.pid))
        finally:
            server.kill()
            server.wait()
    print(json.dumps({
        "binary": binary,
        "runs": runs,
        "median_ms": round(statistics.median(samples), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "samples_ms": [round(s, 1) for s in samples],
    }))


if __name__ == "__main__":
    main()
