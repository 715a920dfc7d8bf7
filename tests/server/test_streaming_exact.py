"""Streamed transcripts and speech on a real `audiokit serve` and in the engine itself: the deltas
join to exactly the done text, the done event carries usage, and text / audio leave as they are
produced (checked by the order of events against the engine's own progress, never by timings).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from _tools import require
from conftest import ServeProcess

import audiokit
from audiokit.local import LocalApp, PiperEngine, WhisperEngine

SENTENCES = [
    "And so, my fellow Americans, ask not what your country can do for you.",
    "Ask what you can do for your country.",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with ServeProcess(startup_timeout=180) as served:
        yield served.url


@pytest.fixture(scope="module")
def wav() -> bytes:
    return audiokit.Client(backend="local").speak(" ".join(SENTENCES), response_format="wav").data


@pytest.mark.parametrize("logprobs", [True, False])
def test_sdk_stream_deltas_join_to_the_done_text(server: str, wav: bytes, logprobs: bool) -> None:
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    sdk = openai.OpenAI(base_url=f"{server}/v1", api_key="sk-anything", max_retries=0)
    extra = {"include": ["logprobs"]} if logprobs else {}
    events = list(
        sdk.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("a.wav", wav, "audio/wav"), stream=True, **extra
        )
    )
    deltas, done = events[:-1], events[-1]
    assert done.type == "transcript.text.done" and len(deltas) > 3
    assert "".join(d.delta for d in deltas) == done.text  # exactly: no stray leading space
    plain = sdk.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", wav, "audio/wav")
    )
    assert done.text == plain.text
    assert done.usage.type == "tokens" and done.usage.output_tokens > 0
    assert done.usage.total_tokens == done.usage.input_tokens + done.usage.output_tokens
    if logprobs:
        tokens = [lp for d in deltas for lp in d.logprobs]
        assert [t.token for t in tokens] == [t.token for t in done.logprobs]
        assert done.usage.output_tokens == len(tokens)  # every decoded token is reported
        # the raw tokens keep Whisper's bytes; the text is what they spell, stripped
        assert b"".join(bytes(t.bytes) for t in tokens).decode().strip() == done.text


def test_client_stream_is_exact_through_the_server(server: str, wav: bytes) -> None:
    client = audiokit.Client(base_url=f"{server}/v1", api_key="sk-anything", max_retries=0)
    for logprobs in (True, False):
        stream = client.transcribe(wav, stream=True, logprobs=logprobs)
        deltas = [e.delta for e in stream if e.type == "transcript.text.delta"]
        assert "".join(deltas) == stream.transcript.text
        assert stream.transcript.usage is not None and stream.transcript.usage.output_tokens


def test_reference_curl_stream(server: str, wav: bytes, tmp_path) -> None:
    import subprocess

    path = tmp_path / "audio.wav"
    path.write_bytes(wav)
    out = subprocess.run(
        ["curl", "--silent", "--show-error", f"{server}/v1/audio/transcriptions",
         "-H", "Authorization: Bearer sk-anything", "-H", "Content-Type: multipart/form-data",
         "-F", f"file=@{path}", "-F", "model=gpt-4o-mini-transcribe", "-F", "stream=true"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    events = [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("data: ")]
    assert events[-1]["type"] == "transcript.text.done"
    assert "".join(e["delta"] for e in events[:-1]) == events[-1]["text"]
    assert events[-1]["usage"]["type"] == "tokens"


class CountingWhisper(WhisperEngine):
    """The real engine, counting the segments it has handed out."""

    yielded = 0

    def transcribe(self, samples, **options):
        result = super().transcribe(samples, **options)
        inner = result._segments

        def counted() -> Iterator:
            for segment in inner:
                type(self).yielded += 1
                yield segment

        result._segments = counted()
        return result


class CountingPiper(PiperEngine):
    """The real voice, counting the pieces it has synthesised."""

    made = 0

    def _stream(self, text: str, speed: float):
        for piece in super()._stream(text, speed):
            type(self).made += 1
            yield piece


def _events(body: Iterator[bytes]) -> Iterator[dict]:
    for chunk in body:
        for block in chunk.decode().split("\n\n"):
            if block.startswith("data: "):
                yield json.loads(block[6:])


def test_first_text_leaves_before_the_last_window_is_decoded() -> None:
    """40 s of speech is two 30 s windows: the first delta is sent while the engine has handed
    out only the first window's segments."""
    long_text = " ".join(SENTENCES * 5)
    wav = audiokit.Client(backend="local").speak(
        long_text, response_format="wav", model="tts-1", speed=0.8
    )
    assert wav.duration > 32
    app = LocalApp(whisper=CountingWhisper())
    body, ctype = _multipart({"model": "gpt-4o-mini-transcribe", "stream": "true"}, wav.data)
    response = app.handle("POST", "/v1/audio/transcriptions", {"content-type": ctype}, body)
    assert response.status == 200
    seen_at_first = None
    events = []
    for event in _events(response.body):
        if seen_at_first is None and event["type"] == "transcript.text.delta":
            seen_at_first = CountingWhisper.yielded
        events.append(event)
    total = CountingWhisper.yielded
    assert events[-1]["type"] == "transcript.text.done"
    assert seen_at_first == 1 and total > 1  # the first segment's tokens left before the rest


def test_speech_sse_sends_the_first_piece_before_the_last_is_synthesised() -> None:
    app = LocalApp(piper=CountingPiper())
    text = " ".join(SENTENCES * 2)
    for fmt, sse in (("pcm", True), ("mp3", True), ("pcm", False)):
        CountingPiper.made = 0
        request = {"model": "gpt-4o-mini-tts", "voice": "coral", "input": text}
        request["response_format"] = fmt
        if sse:
            request["stream_format"] = "sse"
        response = app.handle(
            "POST", "/v1/audio/speech", {"content-type": "application/json"},
            json.dumps(request).encode(),
        )  # fmt: skip
        chunks = iter(response.body)
        first = next(chunks)
        made_at_first = CountingPiper.made
        rest = list(chunks)
        assert made_at_first == 1 and CountingPiper.made > 1, (fmt, sse)
        if sse:
            first_event = json.loads(first.decode()[6:])
            assert first_event["type"] == "speech.audio.delta"
            assert base64.b64decode(first_event["audio"])
            assert json.loads(rest[-1].decode()[6:])["type"] == "speech.audio.done"
        else:
            assert len(first) > 1000 and len(rest) == CountingPiper.made - 1


def _multipart(fields: dict[str, str], audio: bytes) -> tuple[bytes, str]:
    import httpx

    request = httpx.Request(
        "POST", "http://x", data=fields, files={"file": ("a.wav", audio, "audio/wav")}
    )
    return request.read(), request.headers["content-type"]
