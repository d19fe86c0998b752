#!/usr/bin/env python3
"""moto's server, with DynamoDB requests handled one at a time.

`python -m moto.server` serves every request on its own thread, and moto's DynamoDB backend
does not hold a lock across a conditional write: two racing conditional PutItems can both
succeed, which DynamoDB never allows. The idempotency contract tests race fifty callers on one
key, so they need DynamoDB's atomicity. This launcher serves the same application as
`moto.server`, threaded as before (an SQS long poll must not block other requests), but runs
each DynamoDB request (X-Amz-Target `DynamoDB_*`) to completion under one lock.

Usage: moto-server.py [-H HOST] [-p PORT] [--tls-dir DIR]

With --tls-dir, serves HTTPS with a self-signed certificate for 127.0.0.1 and localhost,
made in DIR (cert.pem, key.pem) when it is not there yet: the endpoint of the tests that
need TLS (connection warm-up). Only those tests trust DIR/cert.pem. That server keeps
connections alive as AWS endpoints do (werkzeug's development server closes every
connection after one response, which would hide connection reuse from those tests).
"""

import argparse
import http.server
import io
import os
import ssl
import sys
import threading
import urllib.parse

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


def self_signed(directory):
    """(cert.pem, key.pem) in `directory`, made with `cryptography` (a moto dependency)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    if os.path.exists(cert_path) and os.path.exists(key_path):
        return cert_path, key_path
    os.makedirs(directory, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def keep_alive_handler(app, port):
    """An HTTP/1.1 handler that runs `app` (WSGI) and keeps the connection open."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format, *args):
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

        def serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            environ = {
                "REQUEST_METHOD": self.command,
                "SCRIPT_NAME": "",
                "PATH_INFO": urllib.parse.unquote(path),
                "QUERY_STRING": query,
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": str(port),
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": self.client_address[0],
                "CONTENT_LENGTH": str(length),
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "https",
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
            for key, value in self.headers.items():
                name = key.upper().replace("-", "_")
                if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    environ["HTTP_" + name] = value
            started = []

            def start_response(status, headers, exc_info=None):
                started[:] = [status, headers]
                return lambda data: None

            result = app(environ, start_response)
            try:
                data = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status, headers = started
            code, _, reason = status.partition(" ")
            self.send_response(int(code), reason)
            for key, value in headers:
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = serve

    return Handler


def serve_tls(app, host, port, cert, key):
    server = http.server.ThreadingHTTPServer((host, port), keep_alive_handler(app, port))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("-p", "--port", type=int, default=5000, help="port to bind")
    parser.add_argument("--tls-dir", help="serve HTTPS with a self-signed certificate kept here")
    args = parser.parse_args()
    # As moto.server does: some services build URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    if args.tls_dir:
        cert, key = self_signed(args.tls_dir)
        serve_tls(serialize_dynamodb(app), args.host, args.port, cert, key)
    else:
        run_simple(args.host, args.port, serialize_dynamodb(app), threaded=True)


if __name__ == "__main__":
    main()
