"""Local stand-ins for the outside world: an HTTP receiver (group robot or webhook endpoint) and an SMTP
server, each on 127.0.0.1 with a random port, recording what they received."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    """Answers every POST with `status` and `answer` after `delay` seconds."""

    def __init__(self, *, status: int = 200, answer: dict | None = None, delay: float = 0.0, path: str = "/hook"):
        self.status, self.answer, self.delay, self.path = status, answer if answer is not None else {}, delay, path
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                receiver.received.append(Received(
                    path=parts.path, query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k: v for k, v in self.headers.items()}, body=body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                raw = json.dumps(receiver.answer).encode()
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (timeout): that is the point of a slow receiver

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def url(self, query: str = "") -> str:
        base = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        return f"{base}?{query}" if query else base

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """aiosmtpd on 127.0.0.1: accepts every message, or refuses recipients with `refuse`."""

    def __init__(self, *, refuse: str = ""):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if refuse:
                    return refuse
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append(envelope)
                return "250 Message accepted for delivery"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
