"""The API key never leaves the Authorization header.

A recognisable key is set and everything reachable is exercised — reprs, errors raised by a
fault server (including servers and proxies that echo the key back), tracebacks, DEBUG logs of
audiokit/httpx/httpcore, pickling, saved transcripts and speech, the transcript cache, batch
results, the magics and the widgets — and the key must appear nowhere.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
import traceback
from pathlib import Path
from typing import Any

import pytest
from conftest import FaultServer, Received, Reply, encode_audio

import audiokit
from audiokit import APIError

CANARY = "sk-test-CANARY-9f8e7d"
JSON = {"content-type": "application/json"}


def assert_clean(*things: Any) -> None:
    for thing in things:
        text = thing if isinstance(thing, str) else repr(thing)
        assert CANARY not in text, text[:500]
        assert CANARY[8:] not in text  # not even the distinctive tail


def everything_about(error: BaseException) -> list[str]:
    """What a notebook may show or keep of ``error``: text, repr, the traceback with every
    frame's locals (``%xmode Verbose``), the pickle and the attributes."""
    verbose = traceback.TracebackException.from_exception(error, capture_locals=True)
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    texts += ["".join(verbose.format()), repr(pickle.dumps(error))]
    texts += [repr(v) for v in vars(error).values()]
    cause = error.__cause__
    while cause is not None:
        texts += [str(cause), repr(cause)]
        cause = cause.__cause__
    return texts


def echo(status: int, kind: str = "json") -> Any:
    """A reply that puts the request's Authorization header into the answer."""

    def reply(request: Received) -> Reply:
        auth = request.headers.get("authorization", "")
        assert CANARY in auth  # the key really was sent (and so could leak)
        if kind == "html":
            page = f"<html><title>Denied {auth}</title><body>{auth}</body></html>"
            return Reply(status, {"content-type": "text/html"}, page)
        if kind == "text":
            return Reply(status, {"content-type": "text/plain"}, f"bad credentials: {auth}")
        if kind == "sse":
            event = {"type": "error", "error": {"message": f"revoked: {auth}", "param": auth}}
            return Reply(
                200,
                {"content-type": "text/event-stream"},
                chunks=[f"data: {json.dumps(event)}\n\n".encode()],
            )
        error = {"message": f"Incorrect API key provided: {auth}", "code": "invalid_api_key",
                 "type": "invalid_request_error", "param": auth}  # fmt: skip
        body = {"error": error, "echo": {"headers": [auth]}}
        return Reply(status, JSON, json.dumps(body))

    return reply


FAULTS = {
    "401-json-echo": (echo(401), {}),
    "403-text-echo": (echo(403, "text"), {}),
    "502-html-echo": (echo(502, "html"), {}),
    "429": (Reply(429, {**JSON, "retry-after-ms": "1"}, '{"error": {"message": "slow"}}'), {}),
    "200-bad-json-echo": (lambda r: Reply(200, JSON, "{" + r.headers["authorization"]), {}),
    "200-html-echo": (echo(200, "html"), {"model": "whisper-1", "response_format": "text"}),
    "sse-error-echo": (echo(200, "sse"), {"stream": True}),
    "reset": (Reply(reset_after=10), {}),
    "timeout": (Reply(200, JSON, "{}", delay=5), {}),
    "401-reason-and-request-id-echo": (
        lambda r: Reply(
            401,
            {**JSON, "x-request-id": r.headers["authorization"]},
            "{}",
            reason=f"Denied {r.headers['authorization']}",
        ),
        {},
    ),
    "500-text-reason-echo": (
        lambda r: Reply(
            500,
            {"content-type": "text/plain", "x-should-retry": "false"},
            "",
            reason=r.headers["authorization"],
        ),
        {},
    ),
}


@pytest.fixture
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("audiokit", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_reprs(canary_env: None) -> None:
    client = audiokit.Client(base_url="http://127.0.0.1:9/v1")
    aclient = audiokit.AsyncClient(base_url="http://127.0.0.1:9/v1")
    assert client.settings.api_key.get_secret_value() == CANARY  # the key is in use
    assert_clean(client, aclient, client.settings, str(client.settings), vars(client),
                 vars(client.settings), client._http.client.headers)  # fmt: skip
    client.close()


def test_pickling_is_refused(canary_env: None) -> None:
    client = audiokit.Client(base_url="http://127.0.0.1:9/v1")
    for thing in (client, client.settings, client.settings.api_key):
        with pytest.raises(TypeError, match="not pickled"):
            pickle.dumps(thing)
    client.close()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_errors_and_logs_never_show_the_key(
    fault: str,
    asynchronous: bool,
    fault_server: FaultServer,
    canary_env: None,
    logs: pytest.LogCaptureFixture,
) -> None:
    reply, kwargs = FAULTS[fault]
    fault_server.script(reply)
    options = dict(base_url=fault_server.url, max_retries=1, timeout=0.5)
    audio = encode_audio("wav")
    with pytest.raises(APIError) as info:
        if asynchronous:
            async with audiokit.AsyncClient(**options) as client:
                result = await client.transcribe(audio, **kwargs)
                if kwargs.get("stream"):
                    await result.until_done()
        else:
            with audiokit.Client(**options) as client:
                result = client.transcribe(audio, **kwargs)
                if kwargs.get("stream"):
                    result.until_done()
    assert fault_server.received  # the request went out with the key
    assert_clean(*everything_about(info.value))
    assert_clean(logs.text, *[(r.getMessage(), r.args) for r in logs.records])
    assert any(r.name.startswith("httpcore") for r in logs.records)  # DEBUG logs were captured


def test_echoed_key_is_replaced_not_dropped(fault_server: FaultServer, canary_env: None) -> None:
    fault_server.script(echo(401))
    with (
        audiokit.Client(base_url=fault_server.url, max_retries=0) as client,
        pytest.raises(audiokit.AuthenticationError) as info,
    ):
        client.speak("Hi")
    assert info.value.message == "Incorrect API key provided: Bearer ***"
    assert info.value.body["echo"] == {"headers": ["Bearer ***"]}


def test_results_saved_files_and_cache(
    fault_server: FaultServer, canary_env: None, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    verbose = {"task": "transcribe", "language": "english", "duration": 1.0, "text": "Hello.",
               "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": "Hello."}]}  # fmt: skip
    fault_server.script(
        Reply(200, JSON, json.dumps(verbose)),
        Reply(200, {"content-type": "audio/wav"}, encode_audio("wav")),
        Reply(200, JSON, json.dumps(verbose)),
    )
    cache_dir = tmp_path / "cache"
    with audiokit.Client(base_url=fault_server.url) as client:
        t = client.transcribe(encode_audio("wav"), model="whisper-1",
                              response_format="verbose_json", cache=str(cache_dir))  # fmt: skip
        speech = client.speak("Hello.", response_format="wav")
        again = client.transcribe(encode_audio("wav"), model="whisper-1",
                                  response_format="verbose_json", cache=str(cache_dir))  # fmt: skip
    assert again.text == "Hello."
    assert len(fault_server.received) == 2  # the second transcription came from the cache
    for ext in ("json", "srt", "vtt", "txt"):
        t.save(tmp_path / f"t.{ext}")
    speech.save(tmp_path / "s.wav")
    speech.save(tmp_path / "s.flac")
    assert_clean(t, t.to_json(), t.params, repr(t.raw), speech, speech.params, speech._repr_html_(),
                 t._repr_html_(), logs.text)  # fmt: skip
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" and cache_dir in p.parents for p in files)
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path


def test_batch_results(fault_server: FaultServer, canary_env: None, tmp_path: Path) -> None:
    fault_server.script(echo(401))
    paths = []
    for i in range(2):
        path = tmp_path / f"a{i}.wav"
        path.write_bytes(encode_audio("wav"))
        paths.append(str(path))
    with audiokit.Client(base_url=fault_server.url, max_retries=0) as client:
        result = audiokit.transcribe_many(paths, client=client, cache=False, progress=False)
    assert len(fault_server.received) == 2 and sorted(result.errors) == paths
    frame = result.frame
    assert_clean(repr(result), str(result), result._repr_html_(), frame.to_string(),
                 *(t for e in result.errors.values() for t in everything_about(e)))  # fmt: skip
    # the errors are there, redacted: one per file, in the frame and in the exceptions
    assert all("Bearer ***" in error for error in frame["error"]), frame["error"].tolist()
    assert all("Bearer ***" in str(e) for e in result.errors.values())


def test_magics(fault_server: FaultServer, canary_env: None, tmp_path: Path) -> None:
    from IPython.testing.globalipapp import get_ipython
    from IPython.utils.capture import capture_output

    ip = get_ipython()
    ip.run_line_magic("load_ext", "audiokit")
    path = tmp_path / "a.wav"
    path.write_bytes(encode_audio("wav"))
    fault_server.script(echo(401))
    audiokit.configure(backend="api", base_url=fault_server.url, max_retries=0)
    try:
        with capture_output() as captured:
            ip.run_cell("%audiokit")
            ip.run_cell(f"%transcribe {path}")
            ip.run_cell("%%speak\nHello.\n")
            audiokit.configure(api_key=CANARY)
            ip.run_cell("%audiokit")
    finally:
        audiokit.configure(api_key=None, backend=None, base_url=None, max_retries=None)
    shown = captured.stdout + captured.stderr + "".join(repr(o.data) for o in captured.outputs)
    assert len(fault_server.received) == 2
    # both failed magics say why, with the echoed key redacted; both settings tables say "set"
    redacted = "HTTP 401: Incorrect API key provided: Bearer ***"
    assert captured.stderr.count(redacted) == 2, captured.stderr
    assert len(re.findall(r"^api_key\s+set\s", captured.stdout, re.M)) == 2, captured.stdout
    assert_clean(shown, ip.user_ns.get("_"), *ip.user_ns.get("Out", {}).values())


def test_widgets(fault_server: FaultServer, canary_env: None) -> None:
    from audiokit import widgets

    fault_server.script(echo(401))
    with audiokit.Client(base_url=fault_server.url, max_retries=0) as client:
        w = widgets.SpeakWidget(client=client, text="Hello.")
        with pytest.raises(audiokit.AuthenticationError):
            w.run().result(timeout=60)
        state = w.get_state()
    assert "401" in w.error
    assert_clean(w.error, json.dumps(state, default=repr), repr(w))


def test_configure_keeps_the_key_wrapped() -> None:
    """``configure(api_key=)`` keeps the key as a Secret: what it stored shows no key."""
    from audiokit.client import default_client_options
    from audiokit.core import Secret

    audiokit.configure(api_key="sk-test-CONFIGURED-4242", backend="api")
    try:
        options = default_client_options()
        assert isinstance(options["api_key"], Secret)
        assert "CONFIGURED-4242" not in repr(options) and "CONFIGURED-4242" not in str(options)
        client = audiokit.default_client()
        assert "CONFIGURED-4242" not in repr(client)
        assert client.settings.api_key.get_secret_value() == "sk-test-CONFIGURED-4242"
        with pytest.raises(TypeError, match="not pickled"):
            pickle.dumps(options)
    finally:
        audiokit.configure(api_key=None, backend=None)


# -- live(): a refused WebSocket handshake that echoes the key ----------------------------------


class RefusingServer:
    """An asyncio server on 127.0.0.1 that refuses every WebSocket handshake with ``status``,
    echoing the request's Authorization header in the body and in ``x-request-id``."""

    def __init__(self, status: int, kind: str) -> None:
        import asyncio
        import threading

        self.status, self.kind = status, kind
        self.auth: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start() -> Any:
            return await asyncio.start_server(self.handle, "127.0.0.1", 0)

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def handle(self, reader: Any, writer: Any) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        auth = next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                    if line.lower().startswith("authorization:"))  # fmt: skip
        self.auth.append(auth)
        if self.kind == "json":
            error = {"message": f"Incorrect API key provided: {auth}", "param": auth,
                     "code": "invalid_api_key", "type": "invalid_request_error"}  # fmt: skip
            body, ctype = json.dumps({"error": error, "headers": {"authorization": auth}}), JSON
        else:
            body, ctype = f"denied: {auth}", {"content-type": "text/plain"}
        headers = {**ctype, "x-request-id": auth, "content-length": str(len(body))}
        writer.write(
            (f"HTTP/1.1 {self.status} Denied\r\n"
             + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n" + body).encode()
        )  # fmt: skip
        await writer.drain()
        writer.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("status", "kind"), [(401, "json"), (403, "text")])
def test_live_refused_handshake_never_shows_the_key(
    status: int, kind: str, canary_env: None, caplog: pytest.LogCaptureFixture
) -> None:
    import numpy as np

    caplog.set_level(logging.DEBUG, logger="audiokit")
    server = RefusingServer(status, kind)
    try:
        client = audiokit.Client(base_url=f"http://127.0.0.1:{server.port}/v1", max_retries=0)
        with pytest.raises(audiokit.APIStatusError) as info:
            audiokit.live((np.zeros(24_000, np.float32), 24_000), client=client).until_done()
    finally:
        server.stop()
    assert server.auth == [f"Bearer {CANARY}"]  # the key was sent, and echoed back
    error = info.value
    assert error.status_code == status
    assert error.__context__ is None and error.__cause__ is None  # no raw refusal kept
    assert_clean(*everything_about(error), repr(pickle.loads(pickle.dumps(error)).__dict__))
    assert_clean(caplog.text, *[(r.getMessage(), r.args) for r in caplog.records])
    # the server's message survives, redacted
    assert "Bearer ***" in error.message and error.request_id == "Bearer ***"


# -- short keys: redacted only where they really are a key ------------------------------------


def test_short_keys_do_not_garble_the_servers_message(fault_server: FaultServer) -> None:
    message = "Invalid 'temperature': expected a number between 0 and 1, see the reference."
    fault_server.script(Reply(400, JSON, json.dumps({"error": {"message": message}})))
    with (
        audiokit.Client(api_key="e", base_url=fault_server.url, max_retries=0) as client,
        pytest.raises(audiokit.BadRequestError) as info,
    ):
        client.speak("Hi")
    assert info.value.message == message  # not "Invalid 't***mp***ratur***'…"
    assert fault_server.received[0].headers["authorization"] == "Bearer e"


def test_short_keys_are_still_redacted_as_a_credential(fault_server: FaultServer) -> None:
    fault_server.script(
        lambda r: Reply(401, JSON, json.dumps({"error": {
            "message": f"Incorrect API key provided: {r.headers['authorization']}. Try again."}}))
    )  # fmt: skip
    with (
        audiokit.Client(api_key="e", base_url=fault_server.url, max_retries=0) as client,
        pytest.raises(audiokit.AuthenticationError) as info,
    ):
        client.speak("Hi")
    assert info.value.message == "Incorrect API key provided: Bearer ***. Try again."


def test_secret_redact_rules() -> None:
    from audiokit.core import MIN_SECRET_CHARS, Secret

    long_key = Secret("sk-0123456789")
    assert len("sk-0123456789") >= MIN_SECRET_CHARS
    assert long_key.redact("x=sk-0123456789&Bearer%20sk-0123456789") == "x=***&Bearer%20***"
    assert long_key.redact({"k": ["sk-0123456789"], "sk-0123456789": 1}) == {
        "k": ["***"], "***": 1}  # fmt: skip
    short = Secret("abc")
    assert (
        short.redact("abcdef abc Bearer abc, bearer abcdef")
        == "abcdef abc Bearer ***, bearer abcdef"
    )
    assert short.redact(3) == 3 and Secret("").redact("Bearer ") == "Bearer "
