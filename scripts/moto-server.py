#!/usr/bin/env python3
"""moto's server, with DynamoDB requests handled one at a time.

`python -m moto.server` serves every request on its own thread, and moto's DynamoDB backend
does not hold a lock across a conditional write: two racing conditional PutItems can both
succeed, which DynamoDB never allows. The idempotency contract tests race fifty callers on one
key, so they need DynamoDB's atomicity. This launcher serves the same application as
`moto.server`, threaded as before (an SQS long poll must not block other requests), but runs
each DynamoDB request (X-Amz-Target `DynamoDB_*`) to completion under one lock.

Usage: moto-server.py [-H HOST] [-p PORT]
"""

import argparse
import os
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def serialize_dynamodb(app):
    lock = threading.Lock()

    def serialized(environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return app(environ, start_response)
        with lock:
            # The whole body is produced inside the lock: a WSGI app may do its work lazily.
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return serialized


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("-p", "--port", type=int, default=5000, help="port to bind")
    args = parser.parse_args()
    # As moto.server does: some services build URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(args.host, args.port, serialize_dynamodb(app), threaded=True)


if __name__ == "__main__":
    main()
