"""The API contract: every request the client can build is valid under the official OpenAPI
schema, and the client handles what a server implementing that schema answers.

Two halves:

- ``prism``-marked tests run the Prism mock (``conftest.prism``) and send every request
  shape the client can produce — every known model, every response format it supports, every
  optional parameter — asserting that Prism's validator accepts it (no 422), and that the
  client turns Prism's documented responses into results (or, where Prism's answer is not
  meaningful, into the documented audiokit error).
- Unmarked tests cover what Prism does not validate: bracketed multipart arrays and objects
  (``include[]``, ``chunking_strategy[type]``, ``known_speaker_names[]``), the file part, and
  SSE. The multipart body httpx really produced is parsed back, each field is mapped to its
  property of ``CreateTranscriptionRequest`` / ``CreateTranslationRequest`` and the assembled
  object is validated with jsonschema; speech JSON bodies, the response bodies the local engine
  writes and the SSE fixtures are validated against their schemas too.

The schema is the OpenAPI subset vendored in ``tests/contract/openai-audio/`` (where it comes
from and what Prism does with it: the README there). What Prism does (observed with
@stainless-api/prism-cli 5.16.1) and how the client reports it:

- Transcriptions always answer the first ``oneOf`` branch as JSON
  (``{"text": "string", "languages": [...], "logprobs": [...], "usage": {...}}``), whatever
  ``response_format`` asked: json, verbose_json, diarized_json and text (the client unwraps
  ``{"text"}``) parse; for srt and vtt the client raises ``APIResponseError("expected srt
  text, got dict")`` rather than inventing subtitles.
- ``stream=true``: the client asks for ``text/event-stream``, which Prism cannot produce:
  ``InternalServerError`` with Prism's ``NO_COMPLEX_OBJECT_TEXT`` type — after validation, so
  the request shape is still checked.
- Speech: every answer (200 with body ``string``; 500 ``NO_COMPLEX_OBJECT_TEXT`` for
  ``stream_format="sse"``) carries the header ``Transfer-Encoding: string``, which httpx (hence
  the client's default transport) rejects: ``APIConnectionError("connection error:
  RemoteProtocolError: Only Transfer-Encoding: chunked is supported")``. To see the status and
  body anyway, the speech tests plug in a small stdlib ``http.client`` transport that tolerates
  the header (a 422 from the validator would still come through as such).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from _tools import require
from conftest import OPENAPI, Recorder, encode_audio, load_reference, multipart_parts

import audiokit
from audiokit import (
    APIConnectionError,
    APIResponseError,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
    Transcript,
)
from audiokit.wire import SPEECH_FORMATS, SPEECH_MODELS, TRANSCRIPTION_MODELS, TRANSLATION_FORMATS

jsonschema = require("jsonschema", "the schema checks need jsonschema (pip install -e '.[test]')")
KEY = "sk-test-contract"


# -- every request shape the client can produce -----------------------------------------------


@cache
def speaker_sample() -> bytes:
    return encode_audio("wav", 2.5)


def transcription_cases() -> list[tuple[str, dict[str, Any]]]:
    """(id, keyword arguments of ``Client.transcribe``) for every model and format."""
    cases = []
    for model, caps in TRANSCRIPTION_MODELS.items():
        for fmt in caps.response_formats:
            base = {"model": model, "response_format": fmt}
            cases.append((f"{model}-{fmt}", base))
            full = {**base, "language": "German", "temperature": 0.3}
            if caps.prompt:
                full["prompt"] = "A lecture about OpenAI, GPT-4.5 and the future of AI."
            if caps.timestamp_granularities and fmt == "verbose_json":
                full["timestamp_granularities"] = ["word", "segment"]
            if caps.logprobs and fmt == "json":
                full["logprobs"] = True
            if caps.chunking_strategy:
                full["chunking_strategy"] = "auto"
            if caps.keywords:
                full["languages"] = ["en", "German"]
                full["keywords"] = ["ZyntriQix", "Digique Plus"]
            if caps.diarization:
                full["known_speaker_names"] = ["agent", "customer"]
                full["known_speaker_references"] = [speaker_sample(), speaker_sample()]
            cases.append((f"{model}-{fmt}-all", full))
        if caps.chunking_strategy:
            vad = {"type": "server_vad", "threshold": 0.4, "prefix_padding_ms": 300,
                   "silence_duration_ms": 500}  # fmt: skip
            cases.append((f"{model}-server_vad", {"model": model, "chunking_strategy": vad}))
    return cases


def stream_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for model, caps in TRANSCRIPTION_MODELS.items():
        if caps.stream:
            kwargs: dict[str, Any] = {"model": model, "stream": True}
            if caps.logprobs:
                kwargs["logprobs"] = True
            if caps.diarization:
                kwargs["response_format"] = "diarized_json"
            cases.append((f"{model}-stream", kwargs))
    return cases


def translation_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{fmt}{'-all' if full else ''}", {"response_format": fmt, **extra})
        for fmt in TRANSLATION_FORMATS
        for full, extra in ((False, {}), (True, {"prompt": "A talk.", "temperature": 0.7}))
    ]


def speech_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for model, caps in SPEECH_MODELS.items():
        for voice in caps.voices:
            for fmt in SPEECH_FORMATS:
                kwargs = {"model": model, "voice": voice, "response_format": fmt}
                cases.append((f"{model}-{voice}-{fmt}", kwargs))
        full: dict[str, Any] = {"model": model, "voice": caps.voices[0], "stream_format": "audio"}
        if caps.instructions:
            full["instructions"] = "Speak in a cheerful and positive tone."
        full["speed"] = 1.75 if caps.speed else 1.0
        cases.append((f"{model}-all", full))
        cases.append((f"{model}-custom-voice", {"model": model, "voice": {"id": "voice_1234"}}))
    return cases


def params(cases: list[tuple[str, dict[str, Any]]]) -> Any:
    return pytest.mark.parametrize("kwargs", [c[1] for c in cases], ids=[c[0] for c in cases])


SPEECH_TEXT = "The quick brown fox jumped over the lazy dog."


# -- the schema -------------------------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def schema(name: str) -> dict[str, Any]:
    return spec()["components"]["schemas"][name]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema(node["$ref"].rsplit("/", 1)[1])
    return node


def validator(name: str) -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry
    )


def branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and, recursively, every ``anyOf``/``oneOf`` alternative in it."""
    node = resolve(node)
    out = [node]
    for key in ("anyOf", "oneOf"):
        for sub in node.get(key, ()):
            out += branches(sub)
    return out


def coerce(text: str, node: dict[str, Any]) -> Any:
    """A multipart field's text as the JSON value its schema describes."""
    types = {b.get("type") for b in branches(node)}
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "integer" in types and re.fullmatch(r"-?\d+", text):
        return int(text)
    if "number" in types or "integer" in types:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def multipart_instance(request: httpx.Request, schema_name: str) -> dict[str, Any]:
    """The multipart body as the object the request schema describes (brackets undone)."""
    props = schema(schema_name)["properties"]
    instance: dict[str, Any] = {}
    for part in multipart_parts(request):
        match = re.fullmatch(r"(\w+)(?:\[(\w*)\])?", part.name)
        assert match, f"unexpected field name {part.name!r}"
        name, key = match.groups()
        assert name in props, f"{part.name!r} is not a property of {schema_name}"
        if part.filename is not None:
            assert name == "file" and key is None
            instance[name] = "<binary>"
            assert part.content_type.startswith("audio/")
            assert Path(part.filename).suffix.lstrip(".") in (
                "flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"
            )  # fmt: skip
            continue
        if key is None:
            assert name not in instance, f"{name} sent twice without brackets"
            instance[name] = coerce(part.text, props[name])
        elif key == "":  # an array: name[]=a&name[]=b
            items = next(b["items"] for b in branches(props[name]) if b.get("type") == "array")
            instance.setdefault(name, []).append(coerce(part.text, items))
        else:  # an object: name[key]=value
            owner = next(b for b in branches(props[name]) if key in b.get("properties", {}))
            instance.setdefault(name, {})[key] = coerce(part.text, owner["properties"][key])
    return instance


def assert_valid(instance: Any, schema_name: str) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator(schema_name).iter_errors(instance)
    ]
    assert not errors, f"{schema_name}: {errors}"


def sse_events(text: str) -> list[Any]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


# -- schema checks (no Prism needed) ----------------------------------------------------------


@pytest.fixture
def recording_client(recorder: Recorder) -> audiokit.Client:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/speech"):
            return httpx.Response(200, content=b"audio")
        if b'name="stream"' in request.read():
            text = 'data: {"type":"transcript.text.done","text":"ok"}\n\n'
            return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})
        if b"srt" in request.content or b"vtt" in request.content:
            return httpx.Response(200, text="WEBVTT\n" if b"vtt" in request.content else "")
        return httpx.Response(200, json={"text": "ok"})

    recorder.reply = reply
    return audiokit.Client(api_key=KEY, base_url="http://api.test/v1", transport=recorder.transport)


@params(transcription_cases() + stream_cases())
def test_transcription_multipart_matches_the_schema(
    kwargs: dict, recording_client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    result = recording_client.transcribe(wav_bytes, **kwargs)
    if kwargs.get("stream"):
        result.until_done()
    (request,) = recorder.requests
    instance = multipart_instance(request, "CreateTranscriptionRequest")
    assert_valid(instance, "CreateTranscriptionRequest")
    assert instance["model"] == kwargs["model"]
    if "known_speaker_references" in instance:
        for url in instance["known_speaker_references"]:
            header, _, data = url.partition(",")
            assert header == "data:audio/wav;base64"
            assert base64.b64decode(data) == speaker_sample()


@params(translation_cases())
def test_translation_multipart_matches_the_schema(
    kwargs: dict, recording_client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    recording_client.translate(wav_bytes, **kwargs)
    (request,) = recorder.requests
    assert_valid(
        multipart_instance(request, "CreateTranslationRequest"), "CreateTranslationRequest"
    )


@params([*speech_cases(), ("sse", {"model": "gpt-4o-mini-tts", "stream_format": "sse"})])
def test_speech_json_matches_the_schema(
    kwargs: dict, recording_client: audiokit.Client, recorder: Recorder
) -> None:
    with contextlib.suppress(APIResponseError):  # the answer is not SSE: only the request matters
        recording_client.speak(SPEECH_TEXT, **kwargs)
    (request,) = recorder.requests
    body = json.loads(request.content)
    assert_valid(body, "CreateSpeechRequest")
    assert body["input"] == SPEECH_TEXT


def test_the_longest_speech_input_is_within_the_schema(
    recording_client: audiokit.Client, recorder: Recorder
) -> None:
    recording_client.speak("x" * 4096, instructions="y" * 4096)
    assert_valid(json.loads(recorder.requests[0].content), "CreateSpeechRequest")


def test_schema_check_is_not_vacuous(recorder: Recorder) -> None:
    """The checker itself rejects what the schema forbids."""
    request = httpx.Request(
        "POST",
        "http://x/audio/transcriptions",
        data={"model": "whisper-1", "timestamp_granularities[]": "bogus", "stream": "maybe"},
        files={"file": ("a.wav", b"RIFF", "audio/wav")},
    )
    with pytest.raises(AssertionError, match="timestamp_granularities"):
        assert_valid(multipart_instance(request, "CreateTranscriptionRequest"),
                     "CreateTranscriptionRequest")  # fmt: skip
    unknown = httpx.Request(
        "POST", "http://x", data={"speed_up": "1"}, files={"file": ("a.wav", b"RIFF")}
    )
    with pytest.raises(AssertionError, match="not a property"):
        multipart_instance(unknown, "CreateTranscriptionRequest")
    with pytest.raises(AssertionError, match="maximum"):
        assert_valid({"model": "tts-1", "input": "x", "voice": "alloy", "speed": 9},
                     "CreateSpeechRequest")  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "source", "schema_name"),
    [
        ("json", "transcription_json_logprobs.json", "CreateTranscriptionResponseJson"),
        ("verbose_json", "transcription_verbose_json_segments.json",
         "CreateTranscriptionResponseVerboseJson"),
        ("verbose_json", "transcription_verbose_json_words.json",
         "CreateTranscriptionResponseVerboseJson"),
        ("diarized_json", "transcription_diarized_json.json",
         "CreateTranscriptionResponseDiarizedJson"),
    ],
)  # fmt: skip
def test_response_bodies_the_local_engine_writes_match_the_schema(
    fmt: str, source: str, schema_name: str
) -> None:
    """``Transcript.to_response`` (what the offline engine sends) of each reference example."""
    t = Transcript.from_response(load_reference(source), fmt)
    body = json.loads(json.dumps(t.to_response(fmt)))
    assert_valid(body, schema_name)
    assert Transcript.from_response(body, fmt) == t


@pytest.mark.parametrize(
    ("name", "schema_name"),
    [
        ("transcription_json.json", "CreateTranscriptionResponseJson"),
        ("transcription_json_logprobs.json", "CreateTranscriptionResponseJson"),
        ("transcription_diarized_json.json", "CreateTranscriptionResponseDiarizedJson"),
        ("transcription_verbose_json_words.json", "CreateTranscriptionResponseVerboseJson"),
        ("transcription_verbose_json_segments.json", "CreateTranscriptionResponseVerboseJson"),
        ("translation_json.json", "CreateTranscriptionResponseJson"),
        ("transcription_stream_logprobs.sse", "CreateTranscriptionResponseStreamEvent"),
        ("transcription_stream_diarized.sse", "CreateTranscriptionResponseStreamEvent"),
        ("speech_stream_pcm.sse", "CreateSpeechResponseStreamEvent"),
    ],
)
def test_fixtures_match_the_schema(name: str, schema_name: str) -> None:
    data = load_reference(name)
    for item in sse_events(data) if name.endswith(".sse") else [data]:
        usage = item.get("usage") if item.get("type") == "transcript.text.done" else None
        if name == "transcription_stream_logprobs.sse" and usage:
            # The reference's own example omits usage.type, which TranscriptTextUsageTokens
            # requires; the client reads it anyway (test_streaming). Nothing else may differ.
            assert "type" not in usage
            usage["type"] = "tokens"
        assert_valid(item, schema_name)


# -- against Prism ----------------------------------------------------------------------------


class StdlibTransport(httpx.BaseTransport):
    """Sends with ``http.client``, which reads Prism's ``Transfer-Encoding: string`` answers."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        conn = http.client.HTTPConnection(request.url.host, request.url.port, timeout=30)
        try:
            conn.request(request.method, request.url.raw_path.decode(), body=request.read(),
                         headers=dict(request.headers))  # fmt: skip
            response = conn.getresponse()
            content = response.read()
            headers = [(k, v) for k, v in response.getheaders() if k.lower() != "transfer-encoding"]
            return httpx.Response(response.status, headers=headers, content=content)
        finally:
            conn.close()


@pytest.fixture(scope="module")
def prism_client(prism: str) -> Any:
    with audiokit.Client(api_key=KEY, base_url=prism, max_retries=0) as client:
        yield client


@pytest.mark.prism
@params(transcription_cases())
def test_prism_accepts_every_transcription(
    kwargs: dict, prism_client: audiokit.Client, wav_bytes: bytes
) -> None:
    fmt = kwargs.get("response_format", "json")
    if fmt in ("srt", "vtt"):  # Prism answers JSON for every format
        with pytest.raises(APIResponseError, match=f"expected {fmt} text, got dict"):
            prism_client.transcribe(wav_bytes, **kwargs)
        return
    t = prism_client.transcribe(wav_bytes, **kwargs)
    assert t.text == "string"
    if fmt != "text":
        assert t.logprobs[0].token == "string" and t.usage.type == "tokens"


@pytest.mark.prism
@params(stream_cases())
def test_prism_accepts_every_stream_request(
    kwargs: dict, prism_client: audiokit.Client, wav_bytes: bytes
) -> None:
    with pytest.raises(InternalServerError) as info:
        prism_client.transcribe(wav_bytes, **kwargs).until_done()
    assert "NO_COMPLEX_OBJECT_TEXT" in (info.value.type or "")  # validated, then no SSE


@pytest.mark.prism
@params(translation_cases())
def test_prism_accepts_every_translation(
    kwargs: dict, prism_client: audiokit.Client, wav_bytes: bytes
) -> None:
    if kwargs["response_format"] in ("srt", "vtt"):
        with pytest.raises(APIResponseError, match="got dict"):
            prism_client.translate(wav_bytes, **kwargs)
        return
    t = prism_client.translate(wav_bytes, **kwargs)
    assert (t.text, t.task) == ("string", "translate")


@pytest.mark.prism
def test_prism_accepts_every_speech_request(prism: str) -> None:
    with audiokit.Client(
        api_key=KEY, base_url=prism, max_retries=0, transport=StdlibTransport()
    ) as client:
        for _, kwargs in speech_cases():
            speech = client.speak(SPEECH_TEXT, **kwargs)  # a 422 would raise
            assert speech.data == b"string", kwargs
            assert speech.format == kwargs.get("response_format", "mp3")


@pytest.mark.prism
def test_prism_speech_through_httpx_is_a_connection_error(prism_client: audiokit.Client) -> None:
    for kwargs in ({}, {"stream_format": "sse"}):
        with pytest.raises(APIConnectionError, match="Only Transfer-Encoding: chunked"):
            prism_client.speak(SPEECH_TEXT, **kwargs)


@pytest.mark.prism
def test_prism_speech_sse_is_validated_but_not_mocked(prism: str) -> None:
    with (
        audiokit.Client(
            api_key=KEY, base_url=prism, max_retries=0, transport=StdlibTransport()
        ) as client,
        pytest.raises(InternalServerError, match="serialise") as info,
    ):
        client.speak(SPEECH_TEXT, stream_format="sse")
    assert "NO_COMPLEX_OBJECT_TEXT" in info.value.type


@pytest.mark.prism
def test_prism_does_validate(prism: str, wav_bytes: bytes) -> None:
    """Requests off the schema get 422 from this Prism: the acceptance tests mean something."""
    headers = {"Authorization": f"Bearer {KEY}"}
    bad = [
        httpx.post(f"{prism}/audio/transcriptions", headers=headers,
                   data={"model": "whisper-1", "response_format": "bogus"},
                   files={"file": ("a.wav", wav_bytes, "audio/wav")}),
        httpx.post(f"{prism}/audio/transcriptions", headers=headers,
                   data={"model": "whisper-1", "temperature": "hot"},
                   files={"file": ("a.wav", wav_bytes, "audio/wav")}),
        httpx.post(f"{prism}/audio/speech", headers=headers,
                   json={"model": "tts-1", "input": "x", "voice": "alloy", "speed": 9}),
        httpx.post(f"{prism}/audio/speech", headers=headers,
                   json={"model": "tts-1", "input": "x", "voice": "alloy", "pitch": 2}),
    ]  # fmt: skip
    assert [r.status_code for r in bad] == [422, 422, 422, 422]


@pytest.mark.prism
def test_prism_errors_are_mapped(prism: str, wav_bytes: bytes) -> None:
    with (
        audiokit.Client(base_url=prism, max_retries=0) as no_key,
        pytest.raises(AuthenticationError, match="security requirements"),
    ):
        no_key.transcribe(wav_bytes)

    sent = []
    http_client = httpx.Client(
        headers={"Prefer": "code=429"}, event_hooks={"request": [sent.append]}, timeout=30
    )
    with (
        audiokit.Client(api_key=KEY, base_url=prism, max_retries=1, http_client=http_client) as c,
        pytest.raises(RateLimitError) as info,
    ):
        c.transcribe(wav_bytes)
    http_client.close()
    assert len(sent) == 2  # one retry, after Prism's Retry-After: 1
    assert info.value.status_code == 429 and info.value.type == "string"


@pytest.mark.prism
def test_prism_dynamic_responses_all_parse(prism: str, wav_bytes: bytes) -> None:
    """``Prefer: dynamic=true``: random oneOf branches, extra properties, odd numbers."""
    http_client = httpx.Client(headers={"Prefer": "dynamic=true"}, timeout=30)
    with audiokit.Client(api_key=KEY, base_url=prism, max_retries=0, http_client=http_client) as c:
        for i in range(24):
            fmt = ("json", "verbose_json", "text")[i % 3]
            t = c.transcribe(wav_bytes, model="whisper-1", response_format=fmt)
            assert isinstance(t.text, str)
            t.to_json()
            assert isinstance(c.translate(wav_bytes).text, str)
    http_client.close()
