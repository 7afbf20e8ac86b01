#!/usr/bin/env python3
"""A tiny webhook receiver for trying Runnel's http-sink connector (python3, standard library only).

Listens on a port, prints every batch it receives (webhook-id, then topic/partition/offset, key and
value of each record, numbers exactly as sent), verifies the Standard Webhooks signature when given
the connector's webhook.secret, notes redeliveries (a webhook-id seen before), and answers 204.

    scripts/webhook-receiver.py                         # listen on 127.0.0.1:9000, any path
    scripts/webhook-receiver.py --port 9001 --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    WEBHOOK_SECRET=whsec_... scripts/webhook-receiver.py
    scripts/webhook-receiver.py --status 503            # answer 503 to see retries (and the DLQ)

A request whose signature does not verify is answered 401 and not printed as delivered. A secret that
starts with whsec_ stands for the key bytes its base64 tail decodes to; any other secret is used as
its UTF-8 bytes (the http-sink does the same).
"""
import argparse
import base64
import decimal
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def key_bytes(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode("utf-8")


def verify(key, headers, body):
    """None when the signature is valid, else why not."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return "webhook-timestamp is not a number"
    if age > TOLERANCE_SECONDS:
        return "webhook-timestamp is %d s away from now" % age
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return None
    return "no v1 signature matches"


def show(value):
    """Compact JSON with numbers as their exact text (parsed as Decimal)."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + show(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(show(v) for v in value) + "]"
    if isinstance(value, decimal.Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def handler(key, status, seen):
    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if key is not None:
                problem = verify(key, self.headers, body)
                if problem:
                    print("REFUSED %s: %s" % (self.headers.get("webhook-id"), problem), flush=True)
                    return self.answer(401)
            try:
                records = json.loads(body, parse_float=decimal.Decimal)["records"]
            except (ValueError, KeyError, TypeError) as e:
                print("REFUSED a body that is not {\"records\":[...]}: %s" % e, flush=True)
                return self.answer(400)
            msg_id = self.headers.get("webhook-id", "-")
            again = " (redelivery)" if msg_id in seen else ""
            seen.add(msg_id)
            verified = " signature ok" if key is not None else ""
            print("batch %s: %d record(s)%s%s -> %d" % (msg_id, len(records), verified, again, status), flush=True)
            for r in records:
                print("  %s/%s/%s key=%s value=%s" % (r.get("topic"), r.get("partition"), r.get("offset"),
                                                     show(r.get("key")), show(r.get("value"))), flush=True)
            self.answer(status)

        def answer(self, code):
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *args):
            pass

    return Receiver


def main():
    parser = argparse.ArgumentParser(description="Print what Runnel's http-sink delivers.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"),
                        help="the connector's webhook.secret (default: $WEBHOOK_SECRET); without it, no verification")
    parser.add_argument("--status", type=int, default=204, help="status to answer valid batches with (default 204)")
    args = parser.parse_args()
    key = key_bytes(args.secret) if args.secret else None
    server = ThreadingHTTPServer((args.host, args.port), handler(key, args.status, set()))
    print("listening on http://%s:%d/ (signature check %s)" % (args.host, args.port, "on" if key else "off"), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
