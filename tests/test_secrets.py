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
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
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
