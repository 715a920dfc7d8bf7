"""Transcript: parsing every response format (the reference's examples), the records, export,
the to_dict/from_dict round trip, merging chunks — and arbitrary bodies never crash the parser.
"""

from __future__ import annotations

import contextlib
import json
import math
import pickle

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import APIResponseError, ParseError, Segment, TokenLogprob, Transcript, Usage, Word
from audiokit.core import ValidationError


def test_json_default_example(reference) -> None:
    body = reference("transcription_json.json")
    t = Transcript.from_response(body, "json", model="gpt-4o-transcribe", params={"a": 1})
    assert t.text.startswith("Imagine the wildest idea")
    assert t.usage == Usage(
        type="tokens",
        input_tokens=14,
        output_tokens=45,
        total_tokens=59,
        input_text_tokens=0,
        input_audio_tokens=14,
    )
    assert (t.model, t.task, t.response_format, dict(t.params)) == (
        "gpt-4o-transcribe",
        "transcribe",
        "json",
        {"a": 1},
    )
    assert t.raw is body  # nothing lost
    assert t.usage.to_dict() == body["usage"]
    assert not t.has_logprobs and t.segment_list == () and t.word_list == ()


def test_json_logprobs_example(reference) -> None:
    body = reference("transcription_json_logprobs.json")
    t = Transcript.from_response(body, "json")
    assert len(t.logprobs) == 16
    first = t.logprobs[0]
    assert first == TokenLogprob("Hey", -1.0415299, (72, 101, 121))
    assert math.isclose(first.prob, math.exp(-1.0415299))
    assert "".join(lp.token for lp in t.logprobs) == t.text
    assert [lp.to_dict() for lp in t.logprobs] == body["logprobs"]
    assert t.has_logprobs


def test_diarized_json_example(reference) -> None:
    body = reference("transcription_diarized_json.json")
    t = Transcript.from_response(body, "diarized_json", model="gpt-4o-transcribe-diarize")
    assert [(s.id, s.start, s.end, s.speaker) for s in t.segment_list] == [
        ("seg_001", 0.0, 4.7, "agent"),
        ("seg_002", 4.7, 11.8, "A"),
        ("seg_003", 12.1, 18.5, "agent"),
    ]
    assert t.speakers == ["agent", "A"]
    assert t.duration == 27.4
    assert t.usage == Usage(type="duration", seconds=27)
    assert "<v agent>Thanks for calling OpenAI support." in t.to_vtt()


def test_verbose_json_words_and_segments_examples(reference) -> None:
    words = Transcript.from_response(
        reference("transcription_verbose_json_words.json"), "verbose_json"
    )
    assert words.language == "english"
    assert words.duration == 8.470000267028809
    assert words.word_list == (
        Word("The", 0.0, 0.23999999463558197),
        Word("volleyball", 7.400000095367432, 7.900000095367432),
    )
    segs = Transcript.from_response(
        reference("transcription_verbose_json_segments.json"), "verbose_json"
    )
    (seg,) = segs.segment_list
    assert seg == Segment(
        id=0,
        start=0.0,
        end=3.319999933242798,
        text=" The beach was a popular spot on a hot summer day.",
        seek=0,
        tokens=(50364, 440, 7534, 390, 257, 3743, 4008, 322, 257, 2368, 4266, 786, 13, 50530),
        temperature=0.0,
        avg_logprob=-0.2860786020755768,
        compression_ratio=1.2363636493682861,
        no_speech_prob=0.00985979475080967,
    )
    assert segs.to_srt() == (
        "1\n00:00:00,000 --> 00:00:03,320\nThe beach was a popular spot on a hot summer day.\n"
    )


def test_translation_example(reference) -> None:
    t = Transcript.from_response(reference("translation_json.json"), "json", task="translate")
    assert t.text.startswith("Hello, my name is Wolfgang")
    assert t.task == "translate"


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt"])
def test_text_formats(fmt: str) -> None:
    bodies = {
        "text": "  Hello there.\n",
        "srt": "1\n00:00:00,000 --> 00:00:01,200\n Hello\n\n"
        "2\n00:00:01,200 --> 00:00:02,000\nthere.\n",
        "vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.200\nHello\n\n"
        "00:01.200 --> 00:02.000\nthere.\n",
    }
    t = Transcript.from_response(bodies[fmt], fmt)
    assert t.text == "Hello there."
    if fmt != "text":
        assert t.duration == 2.0
        assert [s.end for s in t.segment_list] == [1.2, 2.0]


def test_a_json_body_for_a_text_format_and_a_text_body_for_json() -> None:
    assert Transcript.from_response({"text": "hi"}, "text").text == '{"text": "hi"}'
    assert Transcript.from_response("hi\n", "json").text == "hi"
    with pytest.raises(APIResponseError, match="expected srt text"):
        Transcript.from_response({"text": "hi"}, "srt")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"segments": []},
        {"text": 5},
        {"text": "a", "segments": [{"tokens": 5}]},
        {"text": "a", "usage": {"input_token_details": [1]}},
        {"text": "a", "logprobs": [{"logprob": "x"}]},
        {"text": "a", "logprobs": [{"bytes": 7}]},
    ],
)
def test_malformed_json_bodies_raise_api_response_error(body) -> None:
    with pytest.raises(APIResponseError):
        Transcript.from_response(body, "verbose_json")


def test_unparseable_numbers_become_none() -> None:
    t = Transcript.from_response(
        {"text": "a", "duration": 10**400, "words": [{"word": "a", "start": "x", "end": None}]},
        "verbose_json",
    )
    assert t.duration is None
    assert t.word_list == (Word("a", None, None),)


# -- round trip -------------------------------------------------------------------------------


def full_transcript() -> Transcript:
    return Transcript(
        text="Hi there. Bye.",
        language="en",
        duration=3.5,
        segment_list=(
            Segment(
                0,
                0.0,
                1.5,
                "Hi there.",
                speaker="A",
                seek=0,
                tokens=(1, 2),
                temperature=0.0,
                avg_logprob=-0.1,
                compression_ratio=1.2,
                no_speech_prob=0.01,
            ),
            Segment("seg_2", 1.5, 3.5, "Bye.", speaker="B"),
        ),
        word_list=(Word("Hi", 0.0, 0.4, "A", 0.9), Word("there.", 0.4, 1.5)),
        logprobs=(TokenLogprob("Hi", -0.01, (72, 105)), TokenLogprob(" there", -0.2)),
        usage=Usage("tokens", 1, 2, 3, 0, 1),
        model="gpt-4o-transcribe-diarize",
        task="transcribe",
        response_format="diarized_json",
        params={"model": "gpt-4o-transcribe-diarize", "known_speaker_names": ["A", "B"]},
        raw={"text": "Hi there. Bye."},
    )


def test_to_dict_from_dict_round_trip() -> None:
    t = full_transcript()
    assert Transcript.from_dict(t.to_dict()) == t
    assert Transcript.from_dict(json.loads(t.to_json())) == t
    assert json.loads(t.to_json(indent=None)) == json.loads(json.dumps(t.to_dict()))
    assert "raw" not in t.to_dict()


def test_to_json_keeps_unicode_and_is_valid_json() -> None:
    t = Transcript("Grüße aus 東京", params={"prompt": "ß"})
    assert "東京" in t.to_json()
    assert Transcript.from_dict(json.loads(t.to_json())) == t


text = st.text(max_size=20)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.none()
segments = st.builds(
    Segment,
    id=st.integers(0, 1000) | st.text(max_size=8),
    start=floats,
    end=floats,
    text=text,
    speaker=st.none() | text,
    seek=st.none() | st.integers(0, 10**6),
    tokens=st.lists(st.integers(0, 60000), max_size=5).map(tuple),
    temperature=floats,
    avg_logprob=floats,
    compression_ratio=floats,
    no_speech_prob=floats,
)
words = st.builds(
    Word, word=text, start=floats, end=floats, speaker=st.none() | text, probability=floats
)
logprobs = st.builds(
    TokenLogprob,
    token=text,
    logprob=st.floats(max_value=0, allow_nan=False, allow_infinity=False),
    bytes=st.none() | st.lists(st.integers(0, 255), max_size=6).map(tuple),
)
usages = st.none() | st.builds(
    Usage,
    type=st.sampled_from(["tokens", "duration"]),
    input_tokens=st.none() | st.integers(0, 10**6),
    output_tokens=st.none() | st.integers(0, 10**6),
    total_tokens=st.none() | st.integers(0, 10**6),
    input_text_tokens=st.none() | st.integers(0, 10**6),
    input_audio_tokens=st.none() | st.integers(0, 10**6),
    seconds=st.none() | st.floats(0, 1e6),
)
transcripts = st.builds(
    Transcript,
    text=text,
    language=st.none() | st.sampled_from(["en", "de", "english"]),
    duration=floats,
    segment_list=st.lists(segments, max_size=4).map(tuple),
    word_list=st.lists(words, max_size=4).map(tuple),
    logprobs=st.lists(logprobs, max_size=4).map(tuple),
    usage=usages,
    model=st.none() | text,
    task=st.sampled_from(["transcribe", "translate"]),
    response_format=st.sampled_from(["json", "verbose_json", "diarized_json", "srt"]),
    params=st.dictionaries(text, text | st.lists(text, max_size=3), max_size=3),
)


@given(transcripts)
def test_to_json_from_dict_round_trip_property(t: Transcript) -> None:
    assert Transcript.from_dict(json.loads(t.to_json())) == t


# -- export and derived facts -----------------------------------------------------------------


def test_srt_without_timestamps_is_refused_with_advice() -> None:
    with pytest.raises(ValidationError, match="no timestamps") as info:
        Transcript("just text").to_srt()
    assert info.value.param == "response_format"
    one_cue = Transcript("hello", duration=2.0).to_vtt()
    assert one_cue == "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nhello\n"


def test_with_offset_shifts_times_and_renumbers() -> None:
    t = full_transcript().with_offset(10.0, segment_id_start=5)
    assert [(s.id, s.start, s.end) for s in t.segment_list] == [
        (5, 10.0, 11.5),
        ("seg_2", 11.5, 13.5),
    ]
    assert [(w.start, w.end) for w in t.word_list] == [(10.0, 10.4), (10.4, 11.5)]
    assert t.text == full_transcript().text


def test_usage_addition() -> None:
    a = Usage("duration", seconds=9)
    b = Usage("duration", seconds=3.5)
    assert (a + b).seconds == 12.5
    assert a + None == a
    assert sum([a, b], Usage()) == Usage("duration", seconds=12.5)
    tokens = Usage("tokens", 1, 2, 3) + Usage("tokens", 10, 20, 30, 5, 5)
    assert tokens == Usage("tokens", 11, 22, 33, 5, 5)


def test_views_and_displays() -> None:
    t = full_transcript()
    assert str(t) == t.text
    assert "gpt-4o-transcribe-diarize" in repr(t)
    assert "<div" in t._repr_html_()
    assert list(t.segments["speaker"]) == ["A", "B"]
    assert list(t.words["word"]) == ["Hi", "there."]
    assert list(t.tokens["token"]) == ["Hi", " there"]


def test_transcript_pickles_without_secrets(reference, wav_bytes: bytes) -> None:
    """A transcript from a client holding a key pickles whole, and the key is not in it."""
    secret = "sk-test-transcript-PICKLE-31337"
    body = reference("transcription_verbose_json_words.json")
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=body)

    transport = httpx.MockTransport(server)
    with audiokit.Client(api_key=secret, base_url="http://api.test/v1", transport=transport) as c:
        t = c.transcribe(wav_bytes, model="whisper-1", response_format="verbose_json",
                         timestamp_granularities=["word"], prompt="Pickling.")  # fmt: skip
    assert sent[0].headers["authorization"] == f"Bearer {secret}"  # the key was in use
    data = pickle.dumps(t)
    assert secret.encode() not in data and b"PICKLE-31337" not in data
    again = pickle.loads(data)
    assert again == t and again.raw == body and again.params["prompt"] == "Pickling."
    assert pickle.loads(pickle.dumps(full_transcript())) == full_transcript()


# -- arbitrary bodies -------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
keys = st.sampled_from(
    [
        "text",
        "segments",
        "words",
        "logprobs",
        "usage",
        "duration",
        "language",
        "id",
        "start",
        "end",
        "speaker",
        "tokens",
        "token",
        "logprob",
        "bytes",
        "seek",
        "type",
        "seconds",
        "input_token_details",
        "text_tokens",
        "input_tokens",
        "word",
        "temperature",
    ]
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)


@given(
    st.dictionaries(keys, json_values, max_size=8),
    st.sampled_from(["json", "verbose_json", "diarized_json"]),
)
def test_from_response_on_arbitrary_json(body: dict, fmt: str) -> None:
    try:
        t = Transcript.from_response(body, fmt)
    except APIResponseError:
        return
    assert isinstance(t.text, str)
    t.to_dict()  # whatever was accepted can be saved


@given(json_values, st.sampled_from(["json", "text", "srt", "vtt", "verbose_json"]))
def test_from_response_on_any_value(body, fmt: str) -> None:
    with contextlib.suppress(APIResponseError, ParseError):
        Transcript.from_response(body, fmt)
