"""What the scripts that drive `orderly serve` share: starting it on a free loopback port,
speaking its AWS JSON wire protocol over a kept-alive connection, and reading the
server's memory and CPU from /proc. Standard library only."""

import http.client
import json
import os
import re
import subprocess
import threading

CONTENT_TYPES = {
    "AWSEvents": "application/x-amz-json-1.1",
    "AWSStepFunctions": "application/x-amz-json-1.0",
    "AmazonSQS": "application/x-amz-json-1.0",
}


def start_server(binary, root, serve_args=(), template=None):
    """Spawns `orderly serve --port 0` on template (root's template.yaml by default), in
    root; returns (process, port)."""
    template = template or os.path.join(root, "template.yaml")
    cmd = [binary, "serve", "--port", "0", "--template", str(template), *serve_args]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"orderly serve did not start: {line!r}")
    # Keep draining stdout so a chatty server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, int(m.group(1))


class Client:
    """One kept-alive connection speaking the AWS JSON protocols."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, target, body):
        """POSTs body to target (`AWSEvents.PutEvents`); returns (status, JSON answer)."""
        data = json.dumps(body).encode()
        headers = {"X-Amz-Target": target, "Content-Type": CONTENT_TYPES[target.split(".")[0]]}
        for attempt in (0, 1):
            try:
                self.conn.request("POST", "/", body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, json.loads(payload) if payload else {}
            except (http.client.HTTPException, ConnectionError, OSError):
                # The server closed a kept-alive connection (its idle timeout): reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def ok(self, target, body):
        """call(), raising unless the answer is 200."""
        status, answer = self.call(target, body)
        if status != 200:
            raise RuntimeError(f"{target}: {status} {answer}")
        return answer


def memory_kb(pid):
    """The process's (VmRSS, VmHWM) in KiB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid):
    """The process's user plus system CPU time, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
