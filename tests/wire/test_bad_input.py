"""Every caller mistake is refused before anything is sent, with a ValidationError that names the
parameter — table-driven, through the sync and the async client, with a transport that records
every request (none may go out).

At the end, hypothesis feeds the whole client arbitrary server answers (any bytes, any content
type, any response format): a result or an audiokit error, never anything else. The parsers are
fuzzed one by one in ``test_formats.py``, ``test_transcript.py`` and ``test_streaming.py``.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from conftest import Recorder, encode_audio, tone
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import (
    APIError,
    AudioError,
    InvalidTypeError,
    ParseError,
    UnsupportedError,
    ValidationError,
)
from audiokit.core import MAX_UPLOAD_BYTES

KEY = "sk-test-bad-input"
BASE = "http://api.test/v1"


@cache
def wav(seconds: float = 1.0) -> bytes:
    return encode_audio("wav", seconds)


@cache
def silent_wav() -> bytes:
    return encode_audio("wav", 1.0, silent=True)


@cache
def corrupt(kind: str) -> bytes:
    junk = np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    if kind == "wav":  # a RIFF/WAVE signature and then nonsense
        return b"RIFF\x24\x10\x00\x00WAVE" + junk
    if kind == "flac":
        return b"fLaC" + junk
    if kind == "mp3":  # an ID3 tag and no frames
        return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 4000
    raise ValueError(kind)


@cache
def huge() -> bytes:  # a real WAV header over 25 MB of silence-free noise
    return wav()[:44] + b"\x01\x02" * ((MAX_UPLOAD_BYTES + 1_000_000) // 2)


@dataclass
class Case:
    id: str
    action: str  # transcribe | translate | speak
    param: str  # the parameter the error must name
    error: type[ValidationError] = ValidationError
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    match: str = ""

    def call_args(self, tmp_path: Path) -> tuple:
        if self.args:
            return tuple(a(tmp_path) if callable(a) else a for a in self.args)
        return ("Hello.",) if self.action == "speak" else (wav(),)


def empty_file(tmp_path: Path) -> str:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return str(path)


def text_file(tmp_path: Path) -> str:
    path = tmp_path / "notes.mp3"
    path.write_text("These are meeting notes, not a recording.\n" * 20)
    return str(path)


def text_mode_handle(tmp_path: Path) -> Any:
    path = tmp_path / "a.wav"
    path.write_bytes(wav())
    return open(path, encoding="latin-1")


def ref(seconds: float) -> bytes:
    return encode_audio("wav", seconds)


T, TR, S = "transcribe", "translate", "speak"
DIARIZE = {"model": "gpt-4o-transcribe-diarize"}
NAMES2 = ["agent", "customer"]

CASES = [
    # -- the audio ----------------------------------------------------------------------------
    Case("audio-int", T, "file", InvalidTypeError, args=(42,)),
    Case("audio-none", T, "file", InvalidTypeError, args=(None,)),
    Case("audio-list", T, "file", InvalidTypeError, args=(["a.wav"],)),
    Case("audio-text-mode-file", T, "file", InvalidTypeError, args=(text_mode_handle,), match="rb"),
    Case("audio-empty-bytes", T, "file", AudioError, args=(b"",), match="empty"),
    Case("audio-0-byte-file", T, "file", AudioError, args=(empty_file,), match="empty"),
    Case("audio-missing-path", T, "file", AudioError, args=("/no/such/file.wav",), match="no such"),
    Case("audio-silent", T, "file", AudioError, args=(silent_wav(),), match="silent"),
    Case("audio-corrupt-wav", T, "file", AudioError, args=(corrupt("wav"),), match="corrupt"),
    Case("audio-corrupt-flac", T, "file", AudioError, args=(corrupt("flac"),), match="corrupt"),
    Case("audio-mp3-without-frames", T, "file", AudioError, args=(corrupt("mp3"),)),
    Case("audio-is-text", T, "file", AudioError, args=(text_file,), match="looks like text"),
    Case("audio-pdf", T, "file", AudioError, args=(b"%PDF-1.7\n" + b"x" * 100,)),
    Case("audio-26MB", T, "file", AudioError, args=(huge(),), kwargs={"split": False},
         match="25 MB"),
    Case("audio-array-no-rate", T, "file", InvalidTypeError, args=(tone(),), match="sample rate"),
    Case("audio-array-bad-rate", T, "sample_rate", InvalidTypeError, args=((tone(), 0),)),
    Case("audio-array-nan", T, "file", AudioError, args=((np.full(100, np.nan), 16_000),)),
    Case("audio-array-silent", T, "file", AudioError, args=((np.zeros(16_000), 16_000),)),
    Case("translate-silent", TR, "file", AudioError, args=(silent_wav(),)),
    Case("translate-corrupt", TR, "file", AudioError, args=(corrupt("wav"),)),
    Case("translate-text", TR, "file", AudioError, args=(b"just some words",)),
    # -- model and format ---------------------------------------------------------------------
    Case("model-int", T, "model", InvalidTypeError, kwargs={"model": 5}),
    Case("model-blank", T, "model", InvalidTypeError, kwargs={"model": " "}),
    Case("format-unknown", T, "response_format", kwargs={"response_format": "xml"}),
    Case("format-srt-gpt4o", T, "response_format", UnsupportedError,
         kwargs={"model": "gpt-4o-mini-transcribe", "response_format": "srt"}, match="whisper-1"),
    Case("format-verbose-gpt4o", T, "response_format", UnsupportedError,
         kwargs={"model": "gpt-4o-transcribe", "response_format": "verbose_json"}),
    Case("format-diarized-whisper", T, "response_format", UnsupportedError,
         kwargs={"model": "whisper-1", "response_format": "diarized_json"}, match="diarize"),
    Case("format-vtt-diarize", T, "response_format", UnsupportedError,
         kwargs={**DIARIZE, "response_format": "vtt"}),
    Case("translate-model", TR, "model", UnsupportedError, kwargs={"model": "gpt-4o-transcribe"}),
    Case("translate-diarized", TR, "response_format", kwargs={"response_format": "diarized_json"}),
    # -- logprobs / include -------------------------------------------------------------------
    Case("logprobs-whisper", T, "include", UnsupportedError,
         kwargs={"model": "whisper-1", "logprobs": True}),
    Case("logprobs-diarize", T, "include", UnsupportedError, kwargs={**DIARIZE, "logprobs": True}),
    Case("logprobs-text-format", T, "include", UnsupportedError,
         kwargs={"model": "gpt-4o-transcribe", "response_format": "text", "logprobs": True},
         match="json"),
    Case("include-unknown", T, "include", kwargs={"include": ["segments"]}),
    Case("include-int", T, "include", InvalidTypeError, kwargs={"include": 5}),
    # -- timestamps, stream, prompt -----------------------------------------------------------
    Case("granularities-gpt4o", T, "timestamp_granularities", UnsupportedError,
         kwargs={"model": "gpt-4o-transcribe", "timestamp_granularities": ["word"]}),
    Case("granularities-json", T, "timestamp_granularities",
         kwargs={"model": "whisper-1", "timestamp_granularities": ["word"]}, match="verbose_json"),
    Case("granularities-unknown", T, "timestamp_granularities",
         kwargs={"model": "whisper-1", "response_format": "verbose_json",
                 "timestamp_granularities": ["minute"]}),
    Case("granularities-mixed-types", T, "timestamp_granularities", InvalidTypeError,
         kwargs={"model": "whisper-1", "response_format": "verbose_json",
                 "timestamp_granularities": ["word", 1]}),
    Case("stream-not-bool", T, "stream", InvalidTypeError, kwargs={"stream": "yes"}),
    Case("prompt-diarize", T, "prompt", UnsupportedError, kwargs={**DIARIZE, "prompt": "Hi"}),
    Case("prompt-int", T, "prompt", InvalidTypeError, kwargs={"prompt": 42}),
    Case("translate-prompt-bytes", TR, "prompt", InvalidTypeError, kwargs={"prompt": b"x"}),
    # -- numbers and languages ----------------------------------------------------------------
    *[Case(f"temperature-{v}", T, "temperature", kwargs={"temperature": v})
      for v in (-0.1, 1.5, float("nan"), float("inf"))],
    *[Case(f"temperature-{v!r}", T, "temperature", InvalidTypeError, kwargs={"temperature": v})
      for v in ("hot", True, [0.5])],
    Case("translate-temperature", TR, "temperature", kwargs={"temperature": 2}),
    Case("language-unknown", T, "language", kwargs={"language": "Klingon"}, match="supported"),
    Case("language-typo", T, "language", kwargs={"language": "Germn"}, match="German"),
    Case("language-int", T, "language", kwargs={"language": 49}),
    Case("languages-unknown", T, "languages",
         kwargs={"model": "gpt-transcribe", "languages": ["en", "Elvish"]}),
    Case("languages-whisper", T, "languages", UnsupportedError,
         kwargs={"model": "whisper-1", "languages": ["en"]}),
    Case("keywords-gpt4o", T, "keywords", UnsupportedError,
         kwargs={"model": "gpt-4o-transcribe", "keywords": ["ZyntriQix"]}),
    Case("keywords-not-strings", T, "keywords", InvalidTypeError,
         kwargs={"model": "gpt-transcribe", "keywords": [1, 2]}),
    # -- chunking -----------------------------------------------------------------------------
    Case("chunking-unknown", T, "chunking_strategy", kwargs={"chunking_strategy": "manual"}),
    Case("chunking-type", T, "chunking_strategy",
         kwargs={"chunking_strategy": {"type": "semantic"}}),
    Case("chunking-extra-key", T, "chunking_strategy",
         kwargs={"chunking_strategy": {"type": "server_vad", "eagerness": "high"}}),
    Case("chunking-threshold", T, "chunking_strategy.threshold",
         kwargs={"chunking_strategy": {"type": "server_vad", "threshold": 2}}),
    Case("chunking-padding", T, "chunking_strategy.prefix_padding_ms",
         kwargs={"chunking_strategy": {"type": "server_vad", "prefix_padding_ms": -1}}),
    Case("chunking-silence-float", T, "chunking_strategy.silence_duration_ms",
         kwargs={"chunking_strategy": {"type": "server_vad", "silence_duration_ms": 2.5}}),
    Case("diarize-long-audio-unchunked", T, "chunking_strategy", args=(lambda p: wav(31.0),),
         kwargs=DIARIZE, match="30 s"),
    # -- known speakers -----------------------------------------------------------------------
    Case("speakers-whisper", T, "known_speaker_names", UnsupportedError,
         kwargs={"model": "whisper-1", "known_speaker_names": ["a"],
                 "known_speaker_references": [ref(3)]}),
    Case("speakers-too-many", T, "known_speaker_names",
         kwargs={**DIARIZE, "known_speaker_names": list("abcde"),
                 "known_speaker_references": [ref(3)] * 5}, match="at most 4"),
    Case("speakers-count-mismatch", T, "known_speaker_references",
         kwargs={**DIARIZE, "known_speaker_names": NAMES2, "known_speaker_references": [ref(3)]}),
    Case("speakers-reference-too-short", T, "known_speaker_references[a]", AudioError,
         kwargs={**DIARIZE, "known_speaker_names": ["a"], "known_speaker_references": [ref(1.5)]},
         match="2 to 10 seconds"),
    Case("speakers-reference-too-long", T, "known_speaker_references[a]", AudioError,
         kwargs={**DIARIZE, "known_speaker_names": ["a"], "known_speaker_references": [ref(10.5)]}),
    Case("speakers-reference-silent", T, "known_speaker_references[a]", AudioError,
         kwargs={**DIARIZE, "known_speaker_names": ["a"],
                 "known_speaker_references": [encode_audio("wav", 3, silent=True)]}),
    Case("speakers-reference-text", T, "known_speaker_references[a]", AudioError,
         kwargs={**DIARIZE, "known_speaker_names": ["a"], "known_speaker_references": [b"hi"]}),
    Case("speakers-reference-bad-data-url", T, "known_speaker_references[a]",
         kwargs={**DIARIZE, "known_speaker_names": ["a"],
                 "known_speaker_references": ["data:audio/wav;base64,@@@"]}),
    Case("speakers-references-not-a-list", T, "known_speaker_references", InvalidTypeError,
         kwargs={**DIARIZE, "known_speaker_names": ["a"], "known_speaker_references": ref(3)}),
    Case("speakers-names-not-strings", T, "known_speaker_names", InvalidTypeError,
         kwargs={**DIARIZE, "known_speaker_names": [1], "known_speaker_references": [ref(3)]}),
    # -- speech -------------------------------------------------------------------------------
    Case("input-int", S, "input", InvalidTypeError, args=(42,)),
    Case("input-bytes", S, "input", InvalidTypeError, args=(b"Hello",)),
    Case("input-empty", S, "input", args=("",)),
    Case("input-blank", S, "input", args=(" \n\t",)),
    Case("input-4097", S, "input", args=("x" * 4097,), kwargs={"split": False}, match="4096"),
    Case("input-huge", S, "input", args=("word " * 200_000,), kwargs={"split": False},
         match="split=True"),
    Case("input-long-sse", S, "stream_format", args=("x" * 5000,), kwargs={"stream_format": "sse"}),
    Case("speech-split-bogus", S, "split", args=("x" * 5000,), kwargs={"split": "maybe"}),
    Case("transcribe-split-bogus", T, "split", kwargs={"split": "maybe"}),
    Case("transcribe-concurrency", T, "concurrency", kwargs={"concurrency": 0}),
    Case("chunk-seconds-negative", T, "chunk_seconds", kwargs={"chunk_seconds": -5}),
    Case("carry-prompt-str", T, "carry_prompt", InvalidTypeError, kwargs={"carry_prompt": "yes"}),
    Case("vocabulary-int", T, "vocabulary", InvalidTypeError, kwargs={"vocabulary": 5}),
    Case("vocabulary-diarize", T, "vocabulary", UnsupportedError,
         kwargs={**DIARIZE, "vocabulary": ["ZyntriQix"]}),
    Case("voice-unknown", S, "voice", kwargs={"voice": "darth"}, match="alloy"),
    Case("voice-new-with-tts1", S, "voice", kwargs={"model": "tts-1", "voice": "ballad"}),
    Case("voice-int", S, "voice", InvalidTypeError, kwargs={"voice": 3}),
    Case("voice-bad-object", S, "voice", kwargs={"voice": {"name": "x"}}),
    Case("voice-empty-id", S, "voice", kwargs={"voice": {"id": ""}}),
    Case("instructions-tts1", S, "instructions", UnsupportedError,
         kwargs={"model": "tts-1", "instructions": "Whisper."}),
    Case("instructions-too-long", S, "instructions", kwargs={"instructions": "x" * 4097}),
    Case("instructions-int", S, "instructions", InvalidTypeError, kwargs={"instructions": 1}),
    Case("speech-format", S, "response_format", kwargs={"response_format": "ogg"}),
    *[Case(f"speed-{v}", S, "speed", kwargs={"model": "tts-1", "speed": v})
      for v in (0.1, 4.5, float("nan"), -1)],
    Case("speed-str", S, "speed", InvalidTypeError, kwargs={"model": "tts-1", "speed": "fast"}),
    Case("speed-bool", S, "speed", InvalidTypeError, kwargs={"model": "tts-1", "speed": True}),
    Case("speed-gpt4o-mini-tts", S, "speed", UnsupportedError, kwargs={"speed": 2.0},
         match="instructions"),
    Case("stream-format-unknown", S, "stream_format", kwargs={"stream_format": "websocket"}),
    Case("stream-format-sse-tts1", S, "stream_format", UnsupportedError,
         kwargs={"model": "tts-1", "stream_format": "sse"}),
    Case("speech-model-int", S, "model", InvalidTypeError, kwargs={"model": 1}),
]  # fmt: skip


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_refused_before_sending(case: Case, asynchronous: bool, tmp_path: Path) -> None:
    recorder = Recorder()
    args = case.call_args(tmp_path)
    if asynchronous:
        client: Any = audiokit.AsyncClient(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(recorder)
        )
        with pytest.raises(ValidationError) as info:
            await getattr(client, case.action)(*args, **case.kwargs)
        await client.aclose()
    else:
        client = audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)
        with pytest.raises(ValidationError) as info:
            getattr(client, case.action)(*args, **case.kwargs)
        client.close()
    error = info.value
    assert recorder.requests == []  # nothing went out
    assert isinstance(error, case.error), f"{type(error).__name__}: {error}"
    assert error.param == case.param, str(error)
    assert str(error).startswith(case.param.split("[")[0]), str(error)
    assert error.allowed, "the message must say what is allowed"
    assert case.match in str(error), str(error)
    assert len(str(error)) < 600, "values are shortened in messages"
    assert isinstance(error, ValueError)


def test_the_table_covers_every_parameter() -> None:
    import inspect

    named = {c.param.split("[")[0].split(".")[0] for c in CASES}
    for method in (audiokit.Client.transcribe, audiokit.Client.speak):
        params = set(inspect.signature(method).parameters) - {"self", "filename", "cache"}
        params = {"file" if p == "audio" else "input" if p == "text" else p for p in params}
        params -= {"logprobs"}  # reported as include
        missing = params - named
        assert missing <= {"stream"} if method is audiokit.Client.speak else not missing, missing


def test_valid_neighbours_of_the_refused_cases_are_sent(tmp_path: Path) -> None:
    """The boundaries are where the reference puts them: the edge values themselves pass."""
    recorder = Recorder()
    recorder.reply = lambda r: (
        httpx.Response(200, content=b"ID3")
        if r.url.path.endswith("speech")
        else httpx.Response(200, json={"text": "ok"})
    )
    with audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport) as c:
        c.transcribe(wav(), temperature=0)
        c.transcribe(wav(), temperature=1)
        c.transcribe(wav(30.0), **DIARIZE)
        c.transcribe(wav(), **DIARIZE, known_speaker_names=list("abcd"),
                     known_speaker_references=[ref(2.0), ref(10.0), ref(5), ref(5)])  # fmt: skip
        c.speak("x" * 4096, model="tts-1", speed=0.25)
        c.speak("x", model="tts-1", speed=4)
        c.speak("x", speed=1.0)  # the default speed is fine for gpt-4o-mini-tts
        c.speak("x", instructions="y" * 4096)
    assert len(recorder.requests) == 8


# -- arbitrary server answers through the whole client ----------------------------------------

content_types = st.sampled_from(
    ["application/json", "text/plain", "text/html", "text/event-stream", "audio/mpeg",
     "application/octet-stream", "", "application/json; charset=utf-8", "text/vtt"]
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.builds(lambda t: f'{{"text": {t}}}'.encode(), st.text(max_size=20).map(repr)),
    st.sampled_from([b'{"text": "a", "segments": [{"start": "x"}]}', b"WEBVTT\n\n",
                     b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", b"[" * 3000, b"null"]),
)  # fmt: skip
statuses = st.sampled_from([200, 200, 200, 201, 400, 401, 404, 413, 429, 500, 503])


@given(bodies, content_types, statuses,
       st.sampled_from(["json", "text", "srt", "vtt", "verbose_json"]),
       st.sampled_from(["transcribe", "translate", "speak", "stream"]))  # fmt: skip
def test_any_server_answer_gives_a_result_or_an_audiokit_error(
    body: bytes, content_type: str, status: int, fmt: str, action: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    with audiokit.Client(
        api_key=KEY, base_url=BASE, max_retries=0, transport=httpx.MockTransport(handler)
    ) as client:
        try:
            if action == "speak":
                assert isinstance(client.speak("Hi").data, bytes)
            elif action == "stream":
                client.transcribe(wav(), stream=True).until_done()
            elif action == "translate":
                assert isinstance(client.translate(wav(), response_format=fmt).text, str)
            else:
                t = client.transcribe(wav(), model="whisper-1", response_format=fmt)
                assert isinstance(t.text, str)
        except (APIError, ParseError):
            pass


def test_a_base64_data_url_round_trips() -> None:
    data = wav(2.5)
    url = "data:audio/wav;base64," + base64.b64encode(data).decode()
    recorder = Recorder()
    with audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport) as c:
        c.transcribe(io.BytesIO(wav()), **DIARIZE, known_speaker_names=["a"],
                     known_speaker_references=[url])  # fmt: skip
    assert url.encode() in recorder.requests[0].content
