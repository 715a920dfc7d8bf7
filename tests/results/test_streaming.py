"""Server-sent event streams: the reference's streams parsed event by event (with logprobs,
diarized segments, speech audio), broken and odd streams, sync and async — and arbitrary event
payloads or stream bodies give events or an audiokit error, never anything else.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import pickle

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import (
    APIError,
    APIResponseError,
    APIStatusError,
    SpeechAudioDelta,
    SpeechAudioDone,
    StreamError,
    TranscriptTextDelta,
    TranscriptTextDone,
    TranscriptTextSegment,
)
from audiokit.core import resolve_settings
from audiokit.records import TokenLogprob, TokenLogprobs
from audiokit.results import TranscriptStream, parse_transcript_event
from audiokit.wire import APIRequest, SyncHTTP

KEY = "sk-test-sse-0000"
BASE = "http://api.test/v1"
SSE = {"content-type": "text/event-stream"}
both = pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body in pieces that knows whether it was closed."""

    def __init__(self, *pieces: bytes | str) -> None:
        self.pieces = [p.encode() if isinstance(p, str) else p for p in pieces]
        self.closed = False
        self.sent = 0

    def __iter__(self):
        for piece in self.pieces:
            self.sent += 1
            yield piece

    async def __aiter__(self):
        for piece in self.pieces:
            self.sent += 1
            yield piece

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def serve(body: Body | str, headers: dict | None = None):
    stream = body if isinstance(body, Body) else Body(body)
    return lambda request: httpx.Response(200, headers=headers or SSE, stream=stream)


async def transcribe_stream(handler, asynchronous: bool, audio: bytes, **kw) -> list:
    """Consume a transcription stream; returns [events, stream]."""
    kw.setdefault("model", "gpt-4o-mini-transcribe")
    if asynchronous:
        client = audiokit.AsyncClient(
            api_key=KEY, base_url=BASE, max_retries=0, transport=httpx.MockTransport(handler)
        )
        stream = await client.transcribe(audio, stream=True, **kw)
        try:
            return [[e async for e in stream], stream]
        finally:
            await client.aclose()
    client = audiokit.Client(
        api_key=KEY, base_url=BASE, max_retries=0, transport=httpx.MockTransport(handler)
    )
    with client:
        stream = client.transcribe(audio, stream=True, **kw)
        return [list(stream), stream]


# -- the reference's streams ------------------------------------------------------------------


@both
async def test_reference_stream_with_logprobs(
    reference, asynchronous: bool, wav_bytes: bytes
) -> None:
    text = reference("transcription_stream_logprobs.sse")
    events, stream = await transcribe_stream(serve(text), asynchronous, wav_bytes, logprobs=True)
    deltas = [e for e in events if isinstance(e, TranscriptTextDelta)]
    assert len(deltas) == 31 and isinstance(events[-1], TranscriptTextDone)
    assert deltas[0].delta == "I"
    assert deltas[0].logprobs[0].logprob == -0.00007588794
    assert deltas[0].logprobs[0].bytes == (73,)
    done = events[-1]
    expected = (
        "I see skies of blue and clouds of white, the bright blessed days, the dark sacred "
        "nights, and I think to myself, what a wonderful world."
    )
    assert done.text == expected == "".join(d.delta for d in deltas)
    assert done.usage.total_tokens == 59 and done.usage.input_audio_tokens == 14
    t = stream.transcript
    assert t.text == expected
    assert len(t.logprobs) == 31
    assert [lp.token for lp in t.logprobs] == [d.delta for d in deltas]
    assert t.params["include"] == ["logprobs"] and t.params["stream"] == "true"
    assert stream.finished and stream.text == expected


@both
async def test_a_stream_keeps_its_tokens_as_columns_the_collector_does_not_track(
    reference, asynchronous: bool, wav_bytes: bytes
) -> None:
    # the done event without its logprobs: the transcript's tokens are the deltas' own
    payloads = [
        json.loads(line.removeprefix("data: "))
        for line in reference("transcription_stream_logprobs.sse").splitlines()
        if line.startswith("data: ")
    ]
    done = payloads[-1]
    trimmed = [*payloads[:-1], {k: v for k, v in done.items() if k != "logprobs"}]
    text = "".join(f"data: {json.dumps(p)}\n\n" for p in trimmed)
    events, stream = await transcribe_stream(serve(text), asynchronous, wav_bytes, logprobs=True)
    deltas = [e for e in events if isinstance(e, TranscriptTextDelta)]
    records = tuple(TokenLogprob.from_dict(d) for d in done["logprobs"])
    assert tuple(lp for d in deltas for lp in d.logprobs) == records
    assert deltas[0].logprobs == records[:1] and records[:1] == deltas[0].logprobs
    assert repr(deltas[0].logprobs) == repr(records[:1])  # reads as the tuple it was
    assert pickle.loads(pickle.dumps(deltas[0])) == deltas[0]
    assert hash(deltas[0]) == hash(TranscriptTextDelta("I", records[:1]))
    t = stream.transcript
    assert isinstance(t.logprobs, TokenLogprobs) and t.logprobs == records
    columns = [t.logprobs.tokens, list(t.logprobs.logprobs), t.logprobs.bytes]
    assert not any(gc.is_tracked(x) for column in columns for x in column)
    assert t.logprobs.bytes[0] == b"I"


@both
async def test_reference_diarized_stream(reference, asynchronous: bool, wav_bytes: bytes) -> None:
    events, stream = await transcribe_stream(
        serve(reference("transcription_stream_diarized.sse")),
        asynchronous,
        wav_bytes,
        model="gpt-4o-transcribe-diarize",
        response_format="diarized_json",
    )
    segments = [e for e in events if isinstance(e, TranscriptTextSegment)]
    assert [(s.id, s.start, s.end, s.speaker) for s in segments] == [
        ("seg_001", 0.0, 4.7, "agent"),
        ("seg_002", 4.7, 11.8, "A"),
        ("seg_003", 12.1, 18.5, "agent"),
    ]
    assert [e.segment_id for e in events if isinstance(e, TranscriptTextDelta)] == [
        "seg_001",
        "seg_002",
        "seg_003",
    ]
    t = stream.transcript
    assert t.speakers == ["agent", "A"]
    assert t.response_format == "diarized_json"
    assert len(t.segment_list) == 3


@both
async def test_reference_speech_sse(reference, asynchronous: bool) -> None:
    handler = serve(reference("speech_stream_pcm.sse"))
    kwargs = dict(response_format="pcm", stream_format="sse", stream=True)
    if asynchronous:
        async with audiokit.AsyncClient(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            stream = await client.speak("Hello", **kwargs)
            events = [e async for e in stream]
    else:
        with audiokit.Client(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            stream = client.speak("Hello", **kwargs)
            events = list(stream)
    assert [type(e) for e in events] == [SpeechAudioDelta] * 3 + [SpeechAudioDone]
    assert events[-1].usage.total_tokens == 115
    speech = stream.speech
    assert speech.data == reference("speech_stream_pcm.raw")
    assert speech.format == "pcm"
    assert speech.duration == pytest.approx(0.1)


@both
async def test_raw_audio_stream_yields_chunks_as_they_come(asynchronous: bool) -> None:
    body = Body(b"ID3", b"\x00" * 10, b"\xff" * 5)
    handler = serve(body, {"content-type": "audio/mpeg"})
    if asynchronous:
        async with audiokit.AsyncClient(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            stream = await client.speak("Hi", stream=True)
            chunks = [c async for c in stream.iter_bytes()]
    else:
        with audiokit.Client(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
        ) as client:
            stream = client.speak("Hi", stream=True)
            chunks = list(stream.iter_bytes())
    assert b"".join(chunks) == b"ID3" + b"\x00" * 10 + b"\xff" * 5
    assert stream.speech.data == b"".join(chunks)
    assert body.closed


# -- broken and odd streams -------------------------------------------------------------------

DELTA = 'data: {"type":"transcript.text.delta","delta":"Hello"}\n\n'
DELTA2 = 'data: {"type":"transcript.text.delta","delta":" wor"}\n\n'
DONE = 'data: {"type":"transcript.text.done","text":"Hello world"}\n\n'


@both
async def test_a_stream_that_ends_before_done_keeps_the_partial_text(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    with pytest.raises(StreamError) as info:
        await transcribe_stream(serve(DELTA + DELTA2), asynchronous, wav_bytes)
    assert info.value.partial.text == "Hello wor"
    assert "before transcript.text.done" in str(info.value)
    assert "9 characters" in str(info.value)


@both
async def test_a_stream_broken_by_the_network_keeps_the_partial_text(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    class Breaks(Body):
        def __iter__(self):
            yield DELTA.encode()
            raise httpx.RemoteProtocolError("peer closed connection")

        async def __aiter__(self):
            yield DELTA.encode()
            raise httpx.RemoteProtocolError("peer closed connection")

    body = Breaks()
    with pytest.raises(StreamError, match="the stream broke") as info:
        await transcribe_stream(serve(body), asynchronous, wav_bytes)
    assert info.value.partial.text == "Hello"
    assert isinstance(info.value.__cause__, StreamError)


@both
async def test_done_sentinel_events_split_across_chunks_and_comments(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    body = Body(
        ": keep-alive comment\n\n",
        'event: transcript.text.delta\ndata: {"type":"transcript.text.delta",',
        '"delta":"Hel"}\r\n\r\n',
        'data: {"type":"transcript.text.delta","delta":"lo"}\n\n',
        'data: {"type":"some.future.event","x":1}\n\n',
        'data: {"type":"transcript.text.done","text":"Hello"}\n\n',
        "data: [DONE]\n\n",
        "data: this would not parse\n\n",
    )
    events, stream = await transcribe_stream(serve(body), asynchronous, wav_bytes)
    assert [type(e).__name__ for e in events] == [
        "TranscriptTextDelta",
        "TranscriptTextDelta",
        "TranscriptTextDone",
    ]
    assert stream.transcript.text == "Hello"
    assert body.closed


@both
async def test_an_error_event_raises_the_servers_error(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    error = 'event: error\ndata: {"error": {"message": "overloaded", "type": "server_error"}}\n\n'
    with pytest.raises(APIStatusError, match="overloaded") as info:
        await transcribe_stream(serve(DELTA + error), asynchronous, wav_bytes)
    assert info.value.type == "server_error"


@both
async def test_a_malformed_event_is_an_api_response_error(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    for bad in ["data: {oops\n\n", 'data: {"type":"transcript.text.delta"}\n\n', "data: [1]\n\n"]:
        with pytest.raises(APIResponseError):
            await transcribe_stream(serve(DELTA + bad), asynchronous, wav_bytes)


@both
async def test_a_server_that_ignores_stream_is_replayed_as_events(
    asynchronous: bool, wav_bytes: bytes, reference
) -> None:
    body = json.dumps(reference("transcription_json_logprobs.json"))
    events, stream = await transcribe_stream(
        serve(body, {"content-type": "application/json"}), asynchronous, wav_bytes, logprobs=True
    )
    assert [type(e) for e in events] == [TranscriptTextDelta, TranscriptTextDone]
    assert stream.transcript.text.startswith("Hey, my knee")
    assert len(stream.transcript.logprobs) == 16
    assert stream.transcript.usage.total_tokens == 59


def test_transcript_before_the_end_and_early_exit(wav_bytes: bytes) -> None:
    body = Body(DELTA, DELTA2, DONE)
    with audiokit.Client(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(serve(body))
    ) as client:
        stream = client.transcribe(wav_bytes, stream=True)
        with pytest.raises(RuntimeError, match="not finished"):
            stream.transcript  # noqa: B018
        for event in stream:
            assert stream.text == "Hello"
            assert isinstance(event, TranscriptTextDelta)
            break  # leaving early closes the response
    assert body.closed
    assert body.sent < 3


def test_until_done_and_context_manager(wav_bytes: bytes) -> None:
    body = Body(DELTA, DELTA2, DONE)
    with (
        audiokit.Client(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(serve(body))
        ) as client,
        client.transcribe(wav_bytes, stream=True) as stream,
    ):
        assert stream.until_done().text == "Hello world"
    assert body.closed


@both
async def test_speech_sse_without_done_and_with_bad_base64(asynchronous: bool) -> None:
    delta = (
        f'data: {{"type":"speech.audio.delta","audio":"{base64.b64encode(b"abc").decode()}"}}\n\n'
    )
    cases = [
        (delta, StreamError),
        (delta + 'data: {"type":"speech.audio.delta","audio":"@@"}\n\n', APIResponseError),
    ]
    for body, error in cases:
        handler = serve(body)
        with pytest.raises(error) as info:
            if asynchronous:
                async with audiokit.AsyncClient(
                    api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
                ) as client:
                    await client.speak("Hi", response_format="pcm", stream_format="sse")
            else:
                with audiokit.Client(
                    api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
                ) as client:
                    client.speak("Hi", response_format="pcm", stream_format="sse")
        if error is StreamError:
            assert info.value.partial.data == b"abc"


# -- event parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"type": "transcript.text.delta", "delta": " world"}, TranscriptTextDelta(" world")),
        (
            {"type": "transcript.text.segment", "id": "seg_002", "start": 5.2, "end": 12.8,
             "text": "Hi, I need help with diarization.", "speaker": "A"},
            TranscriptTextSegment("seg_002", 5.2, 12.8, "Hi, I need help with diarization.", "A"),
        ),
        ({"type": "transcript.text.done", "text": "x"}, TranscriptTextDone("x")),
        ({"type": "transcript.text.future"}, None),
    ],
)  # fmt: skip
def test_parse_schema_examples(payload: dict, expected) -> None:
    assert parse_transcript_event(payload) == expected


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
event_keys = st.sampled_from(
    [
        "type",
        "delta",
        "text",
        "logprobs",
        "usage",
        "id",
        "start",
        "end",
        "speaker",
        "segment_id",
        "token",
        "logprob",
        "bytes",
        "error",
        "message",
        "status",
        "code",
        "input_token_details",
    ]
)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(event_keys, c, max_size=5),
    max_leaves=20,
)
event_types = st.sampled_from(
    ["transcript.text.delta", "transcript.text.done", "transcript.text.segment", "error", "x"]
)


@given(st.dictionaries(event_keys, json_values, max_size=6), event_types)
def test_parse_transcript_event_on_arbitrary_payloads(payload: dict, kind: str) -> None:
    payload = {**payload, "type": kind}
    with contextlib.suppress(APIError):
        parse_transcript_event(payload)


@given(json_values)
def test_parse_transcript_event_on_any_json(payload) -> None:
    with contextlib.suppress(APIError):
        parse_transcript_event(payload)


sse_lines = st.lists(
    st.one_of(
        st.sampled_from([DELTA, DONE, "\n", "data: [DONE]\n\n", ": c\n", "event: error\n",
                         "data: {}\n\n", "retry: 10\n", "id: 1\n", "data: \n\n"]),
        st.text(max_size=40),
        st.builds(lambda d: f"data: {json.dumps(d)}\n\n",
                  st.dictionaries(event_keys, json_values, max_size=4)),
    ),
    max_size=12,
)  # fmt: skip


@given(sse_lines)
def test_arbitrary_stream_bodies_give_events_or_an_audiokit_error(pieces: list[str]) -> None:
    body = Body(*pieces)
    settings = resolve_settings(api_key=KEY, base_url=BASE, max_retries=0)
    http = SyncHTTP(settings, transport=httpx.MockTransport(serve(body)))
    request = APIRequest("POST", "/audio/transcriptions", stream=True, response_format="json")
    items, close = http.stream(request)
    try:
        for _ in TranscriptStream(items, request, close):
            pass
    except APIError:
        pass
    finally:
        http.close()
    assert body.closed
