"""A Lambda custom runtime for the local cloud's process tests: polls the Runtime API
and behaves as its BEHAVIOUR variable says, so each way a process can answer, fail, hang
or die is tried without building a crate."""

import json
import os
import sys
import time
import urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
behaviour = os.environ.get("BEHAVIOUR", "echo")


def post(path, body, headers=None):
    request = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), method="POST", headers=headers or {}
    )
    urllib.request.urlopen(request).read()


if behaviour == "init-error":
    post(
        "/init/error",
        {"errorType": "Runtime.ConfigError", "errorMessage": "TABLE is not set"},
        {"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigError"},
    )
    sys.exit(1)

print("plain text from the runtime", flush=True)
if behaviour == "noisy":
    sys.stdout.buffer.write(b"not utf-8: \xff\xfe\n")
    sys.stdout.buffer.write(b"y" * 600_000 + b"\n")
    sys.stdout.flush()
while True:
    with urllib.request.urlopen(api + "/invocation/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(response.headers["Lambda-Runtime-Deadline-Ms"])
        event = json.loads(response.read() or b"null")
    print(json.dumps({"message": "got event", "requestId": request_id}), flush=True)
    marker = os.environ.get("MARKER", "")
    if behaviour == "exit-once" and not os.path.exists(marker):
        open(marker, "w").close()
        sys.exit(3)
    if behaviour == "sleep":
        time.sleep(float(event.get("sleep", 0)))
    if behaviour == "error":
        post(
            "/invocation/" + request_id + "/error",
            {"errorType": "OrderInvalid", "errorMessage": "no lines"},
        )
        continue
    answer = {
        "event": event,
        "pid": os.getpid(),
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "table": os.environ.get("TABLE"),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL", ""),
        "ms_left": deadline - int(time.time() * 1000),
    }
    post("/invocation/" + request_id + "/response", answer)
