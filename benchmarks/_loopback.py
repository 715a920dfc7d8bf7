"""A minimal OpenAI-audio-shaped HTTP server on 127.0.0.1, in its own process.

Shared by ``bench_overhead.py`` and ``bench_sse.py``. It runs in a separate process so that it
does not compete with the client under test for the GIL, speaks HTTP/1.1 with keep-alive, reads
every upload completely and answers:

- ``POST …/audio/transcriptions``: ``{"text": …}`` (JSON), or, when the multipart body has a
  ``stream`` field, ``events`` SSE ``transcript.text.delta`` events (with logprobs, as the API
  sends them) and one ``transcript.text.done``, chunked, ``batch`` events per chunk;
- ``POST …/audio/speech``: ``speech_bytes`` of audio.

It does no work per request beyond that, so the time a client spends is the client's own
overhead plus the loopback transfer — the same for every client measured in a run.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DELTA = {
    "type": "transcript.text.delta",
    "delta": " word",
    "logprobs": [{"token": " word", "logprob": -0.0123, "bytes": [32, 119, 111, 114, 100]}],
}


def sse_body(events: int) -> list[bytes]:
    line = f"data: {json.dumps(DELTA, separators=(',', ':'))}\n\n".encode()
    done = {"type": "transcript.text.done", "text": " word" * events}
    return [line] * events + [f"data: {json.dumps(done)}\n\n".encode()]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else small answers wait 40 ms for a delayed ACK
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        if self.path.endswith("/audio/speech"):
            self._send(200, "audio/wav", self.server.speech)
        elif b'name="stream"' in body:
            self._stream(self.server.events)
        else:
            self._send(200, "application/json", b'{"text":"Hello from the loopback server."}')

    def _send(self, status: int, ctype: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, events: int) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        lines = sse_body(events)
        for start in range(0, len(lines), self.server.batch):
            chunk = b"".join(lines[start : start + self.server.batch])
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    speech: bytes
    events: int
    batch: int


def _serve(sock: socket.socket, speech: bytes, events: int, batch: int) -> None:
    server = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.speech, server.events, server.batch = speech, events, batch
    server.serve_forever(poll_interval=0.1)


class LoopbackServer:
    """``with LoopbackServer(speech=…, events=…) as url:`` — the base URL (``…/v1``)."""

    def __init__(self, *, speech: bytes = b"", events: int = 1000, batch: int = 50) -> None:
        self.args = (speech, events, batch)

    def __enter__(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        ctx = multiprocessing.get_context("fork")
        self.process = ctx.Process(target=_serve, args=(sock, *self.args), daemon=True)
        self.process.start()
        port = sock.getsockname()[1]
        sock.close()  # the child has its own copy
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join(timeout=10)
