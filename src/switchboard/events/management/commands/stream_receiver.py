"""`switchboard stream_receiver`: a webhook receiver for trying data streams and the SMS forwarder (the demo's
streams deliver to it). Prints one line per request; with --secret it checks the Standard Webhooks signature."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand

from switchboard.events.services.streams.signing import verify


class Command(BaseCommand):
    help = "Receive data stream and SMS forwarder requests on loopback and print what arrives."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8099", help="host:port to listen on")
        parser.add_argument("--secret", default="", help="the stream's whsec_ secret, to check signatures")

    def handle(self, *args, bind: str, secret: str, **options):
        host, port = bind.rsplit(":", 1)
        write = self.stdout.write

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    records = json.loads(body)
                except ValueError:
                    records = None
                count = len(records) if isinstance(records, list) else 1
                signature = "unsigned"
                if self.headers.get("webhook-signature"):
                    signature = "signed"
                    if secret:
                        ok = verify(
                            secret,
                            self.headers.get("webhook-id", ""),
                            int(self.headers.get("webhook-timestamp", "0") or 0),
                            body,
                            self.headers["webhook-signature"],
                        )
                        signature = "signature ok" if ok else "SIGNATURE WRONG"
                write(f"{time.strftime('%H:%M:%S')} {self.path} {count} record(s), {signature}")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((host, int(port)), Handler)
        write(f"stream receiver on http://{bind}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
