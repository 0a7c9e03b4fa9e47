#!/usr/bin/python3
"""mlops demo: a webhook receiver (Python standard library only).

Listens on 127.0.0.1 at a free port (written to PORTFILE). For each POST it
checks X-Mlops-Signature, "sha256=" and the hex HMAC-SHA256 of the raw body
keyed with the webhook's secret, before parsing anything; a request that does
not verify gets 401 and is not trusted. A verified one gets 200, is printed
(event, delivery id, the payload's main fields) and appended as one JSON line
to LOGFILE. Deliveries are at least once: a delivery id seen before is
printed as a repeat. examples/closed_loop.py starts it and stops it at its
end; it also ends by itself when the process that started it is gone.

Usage: receiver.py PORTFILE LOGFILE   (the secret in MLOPS_WEBHOOK_SECRET)
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, LOGFILE = sys.argv[1], sys.argv[2]
SECRET = os.environ["MLOPS_WEBHOOK_SECRET"].encode()
lock = threading.Lock()
seen = set()


def summary(event, payload):
    """The fields of a payload worth a line of the demo's output."""
    keys = {"job.queued": ("model", "job"), "job.completed": ("model", "status", "run"),
            "drift.breached": ("monitor", "statistic", "threshold", "window_start"),
            "stage.changed": ("model", "version", "from", "to"),
            "transition.requested": ("model", "version", "to_stage", "requested_by"),
            "transition.approved": ("model", "version", "approver")}.get(event)
    if not isinstance(payload, dict):
        return json.dumps(payload)
    if keys is None:
        return json.dumps(payload)[:120]
    return ", ".join("%s=%s" % (k, payload[k]) for k in keys if k in payload) or json.dumps(payload)[:120]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        given = self.headers.get("X-Mlops-Signature", "")
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            print("  [receiver] REFUSED a POST whose X-Mlops-Signature does not verify", flush=True)
            self.answer(401)
            return
        doc = json.loads(body)
        delivery = self.headers.get("X-Mlops-Delivery")
        with lock:
            repeat = delivery in seen
            seen.add(delivery)
            print("  [receiver] %-20s signature ok  delivery %s%s  %s"
                  % (doc["event"], delivery[:8], " (repeat)" if repeat else "",
                     summary(doc["event"], doc.get("payload"))), flush=True)
            with open(LOGFILE, "a") as f:
                f.write(json.dumps({"event": doc["event"], "delivery": delivery, "signature_ok": True,
                                    "payload": doc.get("payload")}) + "\n")
        self.answer(200)


def orphaned(parent):
    """End the receiver when the process that started it is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=orphaned, args=(os.getppid(),), daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
