#!/usr/bin/python3
"""A webhook receiver for test/t/051_webhooks.pl (standard library only).

usage: webhook_receiver.py PORTFILE LOGFILE SECRET

Listens on 127.0.0.1 (a free port, written to PORTFILE), answers each POST by
the first part of its path, and appends one JSON line per request to LOGFILE:
path, the X-Mlops-* headers, whether the signature verifies with SECRET, the
client's port (one per connection) and the body.
  /ok/...         200
  /flaky/...      500 for the first two requests of a delivery id, then 200
  /hang/...       never answers (the client times out)
  /hangonce/...   never answers the first request of a delivery id, then 200
  /redirect/...   302 to /ok/redirected
  /endless/...    200 and a body that never ends
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, LOGFILE, SECRET = sys.argv[1], sys.argv[2], sys.argv[3].encode()
lock = threading.Lock()
seen = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, extra=None):
        self.send_response(code)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        delivery = self.headers.get("X-Mlops-Delivery")
        signature = self.headers.get("X-Mlops-Signature")
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        kind = self.path.split("/")[1]
        with lock:
            n = seen.get((kind, delivery), 0) + 1
            seen[(kind, delivery)] = n
            with open(LOGFILE, "a") as f:
                f.write(json.dumps({
                    "path": self.path, "event": self.headers.get("X-Mlops-Event"),
                    "peer": self.client_address[1],
                    "delivery": delivery, "signature": signature,
                    "sig_ok": signature is not None and hmac.compare_digest(signature, expected),
                    "content_type": self.headers.get("Content-Type"),
                    "body": body.decode()}) + "\n")
        if kind == "flaky" and n <= 2:
            self.answer(500)
        elif kind == "hang" or (kind == "hangonce" and n == 1):
            time.sleep(3600)
        elif kind == "redirect":
            self.answer(302, {"Location": "/ok/redirected"})
        elif kind == "endless":
            self.send_response(200)
            self.end_headers()
            self.close_connection = True
            chunk = b"x" * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                pass
        else:
            self.answer(200)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
