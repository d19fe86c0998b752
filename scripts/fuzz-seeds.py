#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets from the repository's own test inputs.

Usage: scripts/fuzz-seeds.py OUT_DIR

Writes OUT_DIR/<target>/<n> for the targets that read raw bytes: the events of
events/put-events/, the state machines of statemachines/, template.yaml, and the string
literals of the crates' tests that look like each target's language (patterns and events,
ASL, JSONata, intrinsics, JSONPath, templates, wire request bodies). scripts/fuzz --seed
merges them into fuzz/corpus/ keeping only the inputs that add coverage (cargo fuzz cmin).
The structure-aware targets (their input is an `arbitrary` byte stream, not text) get no
seeds here; their corpora come from fuzzing.
"""

import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEP = b"\xff"

# Rust string literals: raw (r"…", r#"…"#) and ordinary ("…" with escapes).
RAW = re.compile(r'r(#*)"(.*?)"\1', re.S)
PLAIN = re.compile(r'(?<![r#\w])"((?:[^"\\]|\\.)*)"', re.S)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def unescape(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 == len(s):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n in ESCAPES:
            out.append(ESCAPES[n])
            i += 2
        elif n == "u" and s[i + 2 : i + 3] == "{":
            end = s.index("}", i)
            out.append(chr(int(s[i + 3 : end], 16)))
            i = end + 1
        elif n == "\n":
            # A line continuation: the newline and the next line's indentation go.
            i += 2
            while i < len(s) and s[i] in " \t":
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def literals(paths):
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for m in RAW.finditer(text):
            yield m.group(2)
        for m in PLAIN.finditer(RAW.sub("", text)):
            yield unescape(m.group(1))


def rust_files(*dirs):
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.rs"))


def json_of(s):
    try:
        return json.loads(s)
    except ValueError:
        return None


def write(out: Path, target: str, items):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    seen = 0
    for item in items:
        data = item if isinstance(item, bytes) else item.encode("utf-8")
        (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        seen += 1
    print(f"{target}: {seen} seeds")


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    out = Path(sys.argv[1])

    pattern_strings = list(literals(rust_files("crates/event-pattern/tests", "crates/event-pattern/src")))
    objects = [s for s in pattern_strings if isinstance(json_of(s), dict)]
    events = [s for s in objects if "detail" in s or "source" in s][:40] or objects[:40]
    patterns = [
        s + "\xff" + e
        for i, s in enumerate(objects)
        for e in (events[i % len(events)], events[(i * 7 + 3) % len(events)])
    ]
    write(out, "event_pattern", patterns)

    put_events = sorted((ROOT / "events/put-events").glob("*.json"))
    write(out, "events", [p.read_bytes() for p in put_events])

    states_tests = list(literals(rust_files("crates/states/tests", "crates/states/src")))
    asl_files = sorted((ROOT / "statemachines").glob("*.asl.json"))
    asl = [p.read_text() for p in asl_files] + [s for s in states_tests if '"StartAt"' in s]
    write(out, "asl", asl)

    documents = [s for s in states_tests if isinstance(json_of(s), (dict, list))][:20] or ["{}"]
    def with_documents(items):
        return [s + "\xff" + documents[i % len(documents)] for i, s in enumerate(items)]

    jsonata = {s.strip() for s in states_tests if 0 < len(s) < 400 and "States." not in s}
    for p in asl_files:
        jsonata.update(m.strip() for m in re.findall(r"\{%(.*?)%\}", p.read_text(), re.S))
    write(out, "jsonata", with_documents(sorted(jsonata)))

    intrinsics = sorted({s for s in states_tests if s.lstrip().startswith("States.")})
    write(out, "intrinsics", with_documents(intrinsics))

    transform_tests = list(literals(rust_files("crates/event-pattern/tests")))
    paths = sorted({s for s in states_tests + transform_tests if s.startswith("$") and len(s) < 200})
    write(out, "jsonpath", with_documents(paths))

    local_tests = list(literals(rust_files("crates/local/tests")))
    templates = [(ROOT / "template.yaml").read_text()]
    templates += [s for s in local_tests if "Resources:" in s or "AWSTemplateFormatVersion" in s]
    write(out, "template", templates)

    bodies = [s for s in local_tests if isinstance(json_of(s), dict)]
    entries = json.loads(put_events[0].read_text()) if put_events else []
    wire = {
        "wire_events": [
            "PutEvents\n" + json.dumps({"Entries": entries[:2]}),
            "TestEventPattern\n" + json.dumps({"EventPattern": '{"source":["com.orders"]}',
                                               "Event": json.dumps({"id": "1", "account": "1",
                                                                    "source": "com.orders",
                                                                    "time": "2026-01-01T00:00:00Z",
                                                                    "region": "us-east-1",
                                                                    "detail-type": "x",
                                                                    "detail": {}})}),
            "ListRules\n{}",
            "ListRules\n" + json.dumps({"EventBusName": "orderly-orders", "Limit": 2}),
            "DescribeRule\n" + json.dumps({"Name": "x"}),
        ],
        "wire_sfn": [
            "ListStateMachines\n{}",
            "ListStateMachines\n{}" + "\xff" + "DescribeStateMachine\n{\"stateMachineArn\":\"arn:aws:states:us-east-1:000000000000:stateMachine:orderly-OrderFulfillmentStateMachine\"}",
            "StartExecution\n" + json.dumps({"stateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:orderly-OrderFulfillmentStateMachine", "name": "e1", "input": "{}"})
            + "\xff" + "DescribeExecution\n" + json.dumps({"executionArn": "arn:aws:states:us-east-1:000000000000:execution:orderly-OrderFulfillmentStateMachine:e1"})
            + "\xff" + "GetExecutionHistory\n" + json.dumps({"executionArn": "arn:aws:states:us-east-1:000000000000:execution:orderly-OrderFulfillmentStateMachine:e1"})
            + "\xff" + "ListExecutions\n" + json.dumps({"stateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:orderly-OrderFulfillmentStateMachine", "statusFilter": "RUNNING", "maxResults": 1}),
            "SendTaskSuccess\n" + json.dumps({"taskToken": "t", "output": "{}"}),
            "SendTaskFailure\n" + json.dumps({"taskToken": "t", "error": "e", "cause": "c"}),
            "SendTaskHeartbeat\n" + json.dumps({"taskToken": "t"}),
        ],
        "wire_sqs": [
            "ListQueues\n{}",
            "GetQueueUrl\n" + json.dumps({"QueueName": "orderly-RulesDlq"}),
            "SendMessage\n" + json.dumps({"QueueUrl": "http://localhost:4566/000000000000/orderly-RulesDlq", "MessageBody": "m",
                                          "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}})
            + "\xff" + "ReceiveMessage\n" + json.dumps({"QueueUrl": "http://localhost:4566/000000000000/orderly-RulesDlq",
                                                       "MessageAttributeNames": ["All"], "AttributeNames": ["All"], "WaitTimeSeconds": 1})
            + "\xff" + "GetQueueAttributes\n" + json.dumps({"QueueUrl": "http://localhost:4566/000000000000/orderly-RulesDlq", "AttributeNames": ["All"]})
            + "\xff" + "PurgeQueue\n" + json.dumps({"QueueUrl": "http://localhost:4566/000000000000/orderly-RulesDlq"}),
            "DeleteMessage\n" + json.dumps({"QueueUrl": "x", "ReceiptHandle": "h"}),
            "ChangeMessageVisibility\n" + json.dumps({"QueueUrl": "x", "ReceiptHandle": "h", "VisibilityTimeout": 5}),
        ],
    }
    for target, items in wire.items():
        write(out, target, items + [op + "\n" + b for b in bodies[:10] for op in ("PutEvents", "StartExecution", "SendMessage")][: 10])


if __name__ == "__main__":
    main()
