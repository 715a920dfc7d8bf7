"""Fault injection over real sockets: a scripted HTTP server on 127.0.0.1 (``conftest.FaultServer``)
answers with rate limits, server errors, resets in the middle of the upload, silence, broken
streams, malformed or foreign bodies and endless bodies.

For each fault, sync and async: the right number of attempts (counted by the server), the right
audiokit error with a useful message, no hang (pytest-timeout), and no leaked connections or
threads once the client is closed (``leak_check``: the server sees every connection closed,
the process has no more sockets and threads than before).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from conftest import FaultServer, Received, Reply, encode_audio, open_sockets, wait_for

import audiokit
from audiokit import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    StreamError,
)
from audiokit.wire import _http

pytestmark = pytest.mark.timeout(120)

KEY = "sk-test-faults-7777"
JSON = {"content-type": "application/json"}
FAST = {"retry-after-ms": "20"}  # retry quickly: these tests count attempts
OK = Reply(200, JSON, json.dumps({"text": "recovered"}))
both = pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])


def error_body(message: str, kind: str = "server_error") -> str:
    return json.dumps({"error": {"message": message, "type": kind, "code": None, "param": None}})


async def run(
    server: FaultServer,
    asynchronous: bool,
    action: str = "transcribe",
    *,
    audio: bytes | None = None,
    max_retries: int = 2,
    timeout: float = 30.0,
    **kwargs: Any,
) -> Any:
    """One call of a fresh client against ``server``; the client is closed afterwards."""
    audio = audio if audio is not None else encode_audio("wav", 1.0)
    args = (audio,) if action != "speak" else ("Hello there.",)
    options = dict(api_key=KEY, base_url=server.url, max_retries=max_retries, timeout=timeout)
    if asynchronous:
        async with audiokit.AsyncClient(**options) as client:
            result = await getattr(client, action)(*args, **kwargs)
            if kwargs.get("stream"):
                return [[e async for e in result], result]
            return result
    with audiokit.Client(**options) as client:
        result = getattr(client, action)(*args, **kwargs)
        if kwargs.get("stream"):
            return [list(result), result]
        return result


def upload(request: Received) -> bytes:
    """A multipart body without its boundary (httpx picks a new one for every attempt)."""
    boundary = request.headers["content-type"].split("boundary=", 1)[1]
    return request.body.replace(boundary.encode(), b"BOUNDARY")


# -- rate limits and server errors ------------------------------------------------------------


@both
async def test_429_with_retry_after_is_sent_again_whole(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    """How long the client waits is measured in benchmarks; here: it retries the same upload."""
    fault_server.script(
        Reply(429, {**JSON, "retry-after": "1"}, error_body("Rate limit reached", "requests")),
        OK,
    )
    t = await run(fault_server, asynchronous)
    assert t.text == "recovered"
    first, second = fault_server.received
    assert (second.method, second.path) == (first.method, first.path)
    assert upload(second) == upload(first) and len(first.body) > 32_000  # the wav, whole
    leak_check()


@both
async def test_429_forever_gives_rate_limit_error_after_the_retries(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(
        Reply(429, {**JSON, **FAST, "x-request-id": "req_429"}, error_body("Slow down", "tokens"))
    )
    with pytest.raises(RateLimitError) as info:
        await run(fault_server, asynchronous, max_retries=3)
    assert len(fault_server.received) == 4
    assert str(info.value) == "HTTP 429: Slow down (type=tokens) [request id req_429]"
    leak_check()


@both
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_then_raised(
    fault_server: FaultServer, leak_check, asynchronous: bool, status: int
) -> None:
    fault_server.script(Reply(status, {**JSON, **FAST}, error_body(f"upstream {status}")))
    with pytest.raises(InternalServerError, match=f"HTTP {status}: upstream {status}"):
        await run(fault_server, asynchronous, max_retries=2)
    assert len(fault_server.received) == 3
    leak_check()


@both
async def test_errors_without_retry_after_are_retried_with_the_default_backoff(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(Reply(503, JSON, error_body("busy")), Reply(503, JSON, "{}"), OK)
    t = await run(fault_server, asynchronous, max_retries=2)
    assert t.text == "recovered"
    assert len(fault_server.received) == 3
    assert len({upload(r) for r in fault_server.received}) == 1  # the same upload each time
    leak_check()


@both
async def test_an_html_error_page_from_a_proxy_says_so(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    page = (
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
        "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
    )
    fault_server.script(Reply(502, {"content-type": "text/html", **FAST}, page))
    with pytest.raises(InternalServerError) as info:
        await run(fault_server, asynchronous, max_retries=1)
    message = str(info.value)
    assert "HTML page (502 Bad Gateway)" in message and "proxy" in message
    assert "<center>" not in message
    assert len(fault_server.received) == 2
    leak_check()


# -- the connection itself --------------------------------------------------------------------


@both
async def test_connection_reset_in_the_middle_of_the_upload(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    audio = encode_audio("wav", 30.0)  # ~1 MB: still uploading when the server hangs up
    fault_server.script(Reply(reset_after=16_384))
    with pytest.raises(APIConnectionError) as info:
        await run(fault_server, asynchronous, audio=audio, max_retries=1)
    assert not isinstance(info.value, APITimeoutError)
    assert "connection error" in str(info.value)
    assert fault_server.connections == 2
    leak_check()


@both
async def test_reset_once_then_success(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(Reply(reset_after=100), OK)
    assert (await run(fault_server, asynchronous, max_retries=1)).text == "recovered"
    assert fault_server.connections == 2
    leak_check()


@both
async def test_a_slow_server_times_out(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(Reply(200, JSON, '{"text": "too late"}', delay=20))
    with pytest.raises(APITimeoutError, match="timed out") as info:
        await run(fault_server, asynchronous, max_retries=1, timeout=0.5)
    assert isinstance(info.value, APIConnectionError)
    assert len(fault_server.received) == 2
    leak_check()


@both
async def test_nothing_listening_is_a_connection_error(asynchronous: bool) -> None:
    server = FaultServer()
    url = server.url
    server.stop()  # the port is closed now
    options = dict(api_key=KEY, base_url=url, max_retries=0)
    with pytest.raises(APIConnectionError, match="ConnectError"):
        if asynchronous:
            async with audiokit.AsyncClient(**options) as client:
                await client.speak("Hi")
        else:
            with audiokit.Client(**options) as client:
                client.speak("Hi")


# -- streams ----------------------------------------------------------------------------------


def sse(*events: dict) -> list[bytes]:
    return [f"data: {json.dumps(e)}\n\n".encode() for e in events]


DELTAS = [{"type": "transcript.text.delta", "delta": w} for w in ("I see", " skies", " of")]


@both
async def test_a_stream_cut_before_done_keeps_the_partial_text(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(
        Reply(200, {"content-type": "text/event-stream"}, chunks=sse(*DELTAS), cut=True)
    )
    with pytest.raises(StreamError) as info:
        await run(fault_server, asynchronous, stream=True)
    error = info.value
    assert error.partial.text == "I see skies of"
    assert "the stream broke" in str(error) and "14 characters" in str(error)
    assert len(fault_server.received) == 1  # a stream is not retried halfway
    leak_check()


@both
async def test_a_stream_that_ends_without_done(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(Reply(200, {"content-type": "text/event-stream"}, chunks=sse(*DELTAS)))
    with pytest.raises(StreamError, match=r"before transcript\.text\.done") as info:
        await run(fault_server, asynchronous, stream=True)
    assert info.value.partial.text == "I see skies of"
    leak_check()


@both
async def test_a_complete_stream_over_the_wire(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    done = {"type": "transcript.text.done", "text": "I see skies of"}
    fault_server.script(
        Reply(
            200, {"content-type": "text/event-stream"}, chunks=sse(*DELTAS, done), chunk_pause=0.02
        )
    )
    events, stream = await run(fault_server, asynchronous, stream=True)
    assert len(events) == 4 and stream.transcript.text == "I see skies of"
    leak_check()


@both
async def test_a_speech_stream_cut_keeps_the_audio_so_far(
    fault_server: FaultServer, leak_check, asynchronous: bool
) -> None:
    fault_server.script(
        Reply(200, {"content-type": "audio/mpeg"}, chunks=[b"ID3" + b"\x00" * 100] * 3, cut=True)
    )
    with pytest.raises(StreamError) as info:
        await run(fault_server, asynchronous, "speak", stream=True)
    assert info.value.partial.data == (b"ID3" + b"\x00" * 100) * 3
    leak_check()


# -- bodies that are not what was asked for ---------------------------------------------------


@both
@pytest.mark.parametrize(
    ("action", "kwargs", "reply", "match"),
    [
        ("transcribe", {}, Reply(200, JSON, '{"text": "cut off'), "not valid JSON"),
        ("transcribe", {}, Reply(200, {"content-type": "text/plain"}, "hello"), "not valid JSON"),
        (
            "transcribe",
            {"model": "whisper-1", "response_format": "srt"},
            Reply(200, {"content-type": "text/html"}, "<html><title>Login</title></html>"),
            "HTML page \\(Login\\)",
        ),
        ("speak", {}, Reply(200, JSON, '{"text": "not audio"}'), "expected audio"),
        (
            "speak",
            {},
            Reply(200, {"content-type": "text/html"}, "<html>hi</html>"),
            "expected audio",
        ),
    ],
)
async def test_wrong_bodies_and_content_types(
    fault_server: FaultServer,
    leak_check,
    asynchronous: bool,
    action: str,
    kwargs: dict,
    reply: Reply,
    match: str,
) -> None:
    fault_server.script(reply)
    with pytest.raises(APIResponseError, match=match):
        await run(fault_server, asynchronous, action, **kwargs)
    assert len(fault_server.received) == 1  # a 200 is an answer: never retried
    leak_check()


@both
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_huge_response_is_refused_not_buffered(
    fault_server: FaultServer,
    leak_check,
    asynchronous: bool,
    declared: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_http, "MAX_RESPONSE_BYTES", 1_000_000)  # a documented module attribute
    if declared:
        reply = Reply(200, {"content-type": "audio/mpeg"}, endless=True)
    else:
        reply = Reply(200, {"content-type": "audio/mpeg"}, chunks=[b"\xff" * 65_536] * 200)
    fault_server.script(reply)
    with pytest.raises(APIResponseError, match="larger than 1,000,000 bytes"):
        await run(fault_server, asynchronous, "speak")
    assert len(fault_server.received) == 1
    leak_check()


def test_the_leak_check_is_not_vacuous(fault_server: FaultServer) -> None:
    """A client left open keeps its pooled connection: both counts see it."""
    port = int(fault_server.url.rsplit(":", 1)[1])
    before = open_sockets(port)
    fault_server.script(OK)
    client = audiokit.Client(api_key=KEY, base_url=fault_server.url)
    assert client.transcribe(encode_audio("wav")).text == "recovered"
    assert not fault_server.wait_idle(timeout=0.3)
    assert open_sockets(port) > before
    client.close()
    assert fault_server.wait_idle()
    assert wait_for(lambda: open_sockets(port) <= before)


# -- a server that drips its answer: the timeout is a total deadline --------------------------


class _Abandoned(Exception):
    """The client hung up before it had sent its request."""


class DripServer:
    """Reads one request per connection, then drips the answer one byte every ``pause`` s
    (the status line and headers too, when ``where="head"``), and records whether it got to
    the end or saw the client hang up first."""

    def __init__(self, where: str, pause: float = 0.1) -> None:
        import socket
        import threading

        self.where, self.pause = where, pause
        self.outcomes: list[str] = []
        self.done = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        with contextlib.suppress(_Abandoned, OSError):  # OSError: stopped before a client came
            self._serve()

    def _serve(self) -> None:
        import select

        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(30)  # never waits on a silent client for longer than a test does
            data = b""
            while b"\r\n\r\n" not in data:
                data += self.receive(conn)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), b"0"))  # fmt: skip
            while len(body) < length:
                body += self.receive(conn)
            payload = b'{"text": "' + b"x" * 150 + b'"}'  # 15 s of dripping at 0.1 s a byte
            status = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            status += b"x-pad: " + b"p" * 150 + b"\r\n" if self.where == "head" else b""
            status += f"content-length: {len(payload)}\r\n\r\n".encode()
            answer = status + payload
            sent = 0 if self.where == "head" else len(status)
            if sent:
                conn.sendall(answer[:sent])
            outcome = "finished"
            for i in range(sent, len(answer)):
                try:
                    conn.sendall(answer[i : i + 1])
                except OSError:  # the client hung up: reset or broken pipe
                    outcome = "abandoned"
                    break
                readable, _, _ = select.select([conn], [], [], self.pause)
                if readable and not self.peek(conn):
                    outcome = "abandoned"  # the client closed its end
                    break
            self.outcomes.append(outcome)
            self.done.set()

    @staticmethod
    def peek(conn: Any) -> bytes:
        """The next byte the client sent, without taking it; b"" once it has hung up (a client
        that closes with dripped bytes still unread resets the connection instead)."""
        import socket

        try:
            return conn.recv(1, socket.MSG_PEEK)
        except OSError:
            return b""

    def receive(self, conn: Any) -> bytes:
        """The next bytes of the request; a client that hangs up (or falls silent) before it
        has sent the whole request has abandoned it — under load its deadline can pass
        mid-upload, and reading on from a closed socket would spin on ``b""`` for ever."""
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.outcomes.append("abandoned")
            self.done.set()
            raise _Abandoned
        return data

    def stop(self) -> None:
        self.listener.close()
        self.thread.join(30)


@both
@pytest.mark.parametrize("where", ["head", "body"])
async def test_a_dripping_server_cannot_outlast_the_timeout(asynchronous: bool, where: str) -> None:
    server = DripServer(where)
    options = dict(api_key=KEY, base_url=f"http://127.0.0.1:{server.port}/v1", timeout=1.0,
                   max_retries=0)  # fmt: skip
    try:
        with pytest.raises(APITimeoutError) as info:
            if asynchronous:
                async with audiokit.AsyncClient(**options) as client:
                    await client.transcribe(encode_audio("wav"), model="whisper-1")
            else:
                with audiokit.Client(**options) as client:
                    client.transcribe(encode_audio("wav"), model="whisper-1")
        assert server.done.wait(30)  # the server finished its (bounded) attempt one way or other
    finally:
        server.stop()
    # every byte came within the per-read timeout, yet the request was given up: the client
    # hung up before the server had dripped its whole answer
    assert server.outcomes == ["abandoned"]
    assert "timed out" in str(info.value)


@both
async def test_the_deadline_holds_with_a_transport_of_the_callers(asynchronous: bool) -> None:
    """Not audiokit's own httpx client: the body is still given up between reads."""
    import httpx

    server = DripServer("body")
    options = dict(api_key=KEY, base_url=f"http://127.0.0.1:{server.port}/v1", timeout=1.0,
                   max_retries=0)  # fmt: skip
    try:
        with pytest.raises(APITimeoutError):
            if asynchronous:
                transport: Any = httpx.AsyncHTTPTransport()
                async with audiokit.AsyncClient(**options, transport=transport) as client:
                    await client.transcribe(encode_audio("wav"), model="whisper-1")
            else:
                with audiokit.Client(**options, transport=httpx.HTTPTransport()) as client:
                    client.transcribe(encode_audio("wav"), model="whisper-1")
        assert server.done.wait(30)
    finally:
        server.stop()
    assert server.outcomes == ["abandoned"]
