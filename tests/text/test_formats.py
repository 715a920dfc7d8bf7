"""SubRip / WebVTT parsing and writing, API response bodies, saving and loading transcripts.

Fixtures follow the API reference's examples (openapi.yaml ``x-oaiMeta``, the speech-to-text
guide); round trips are checked both on examples and with hypothesis, and every parser is fed
arbitrary input: it returns a result or raises :class:`audiokit.ParseError`, nothing else.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import ParseError, Segment, Transcript, ValidationError, load_transcript
from audiokit.records import TokenLogprob, Usage, Word
from audiokit.text import (
    EXPORTERS,
    SUBTITLE_STYLES,
    format_subtitles,
    format_timestamp,
    parse_subtitles,
    response_body,
)

# whisper-1's srt/vtt for the reference's "beach" example (its verbose_json segments)
SRT = """1
00:00:00,000 --> 00:00:03,320
The beach was a popular spot on a hot summer day.

2
00:00:03,320 --> 00:00:08,470
People were swimming in the ocean, building sandcastles, and playing beach volleyball.
"""
VTT = """WEBVTT

00:00:00.000 --> 00:00:03.320
The beach was a popular spot on a hot summer day.

00:00:03.320 --> 00:00:08.470
People were swimming in the ocean, building sandcastles, and playing beach volleyball.
"""
BEACH = [
    (0.0, 3.32, "The beach was a popular spot on a hot summer day."),
    (
        3.32,
        8.47,
        "People were swimming in the ocean, building sandcastles, and playing beach volleyball.",
    ),
]


# -- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "mark", "text"),
    [
        (0.0, ",", "00:00:00,000"),
        (3.319999933242798, ",", "00:00:03,320"),  # the API's float32 times round to the ms
        (8.470000267028809, ".", "00:00:08.470"),
        (59.9996, ",", "00:01:00,000"),
        (3600 * 100 + 61.5, ".", "100:01:01.500"),
        (-0.2, ",", "00:00:00,000"),  # never negative
    ],
)
def test_format_timestamp(seconds: float, mark: str, text: str) -> None:
    assert format_timestamp(seconds, mark) == text


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fmt"), [(SRT, "srt"), (VTT, "vtt")])
def test_parse_reference_subtitles(text: str, fmt: str) -> None:
    segments = parse_subtitles(text, fmt)
    assert [(s.start, s.end, s.text) for s in segments] == BEACH
    assert [s.id for s in segments] == [0, 1]


def test_srt_variants_crlf_bom_multiline_and_missing_numbers() -> None:
    text = (
        "\ufeff1\r\n00:00:01,5 --> 00:00:02,25\r\nfirst line\r\nsecond line\r\n\r\n\r\n"
        "00:01:02.003 --> 01:00:00,000\r\nno cue number, dot as decimal mark\r\n"
    )
    a, b = parse_subtitles(text, "srt")
    assert (a.start, a.end, a.text) == (1.5, 2.25, "first line\nsecond line")
    assert (b.start, b.end) == (62.003, 3600.0)
    assert b.text == "no cue number, dot as decimal mark"


def test_vtt_header_metadata_notes_styles_identifiers_settings_and_voices() -> None:
    text = """WEBVTT - a title
Kind: captions
Language: en

NOTE a comment
spanning lines

STYLE
::cue { color: lime }

intro
00:01.000 --> 00:04.000 align:start position:10%
<v Roger Bingham>We are in New York City

00:00:04.000 --> 00:00:05.500
<v.loud Neil>Yes!</v>

00:05.500 --> 00:06.000
plain
"""
    a, b, c = parse_subtitles(text, "vtt")
    assert (a.start, a.end, a.speaker, a.text) == (
        1.0,
        4.0,
        "Roger Bingham",
        "We are in New York City",
    )
    assert (b.speaker, b.text) == ("Neil", "Yes!")
    assert (c.speaker, c.text) == (None, "plain")


@pytest.mark.parametrize(
    ("text", "fmt", "match"),
    [
        ("00:00:01.000 --> 00:00:02.000\nhi\n", "vtt", "WEBVTT"),
        ("1\nhello there\n", "srt", "without"),
        ("1\n00:00:xx,000 --> 00:00:02,000\nhi\n", "srt", "timing"),
        ("WEBVTT\n\n1 --> 2\nhi\n", "vtt", "timing"),
        ("1\n" + "9" * 400 + ":00:00,000 --> 00:00:01,000\nhi\n", "srt", "timing"),
        ("1\n" + "9" * 5000 + ":00:00,000 --> 00:00:01,000\nhi\n", "srt", "timing"),
    ],
)
def test_invalid_subtitles_raise_parse_error(text: str, fmt: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_subtitles(text, fmt)


def test_unknown_subtitle_format_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        parse_subtitles("", "ass")
    assert info.value.param == "fmt"


def test_empty_subtitles_are_no_segments() -> None:
    assert parse_subtitles("", "srt") == []
    assert parse_subtitles("WEBVTT\n", "vtt") == []


# -- writing ----------------------------------------------------------------------------------


def test_write_srt_and_vtt_exactly_as_the_api_does() -> None:
    segments = [Segment(i, start, end, " " + text) for i, (start, end, text) in enumerate(BEACH)]
    assert format_subtitles(segments, "srt") == SRT
    assert format_subtitles(segments, "vtt") == VTT


def test_vtt_writes_speakers_as_voice_tags_and_srt_drops_them() -> None:
    segments = [Segment("seg_001", 0.0, 4.7, "Thanks for calling.", speaker="agent")]
    assert "<v agent>Thanks for calling." in format_subtitles(segments, "vtt")
    assert "agent" not in format_subtitles(segments, "srt")
    assert format_subtitles([], "srt") == ""
    assert format_subtitles([], "vtt") == "WEBVTT\n\n"


def test_subtitle_styles_are_a_table() -> None:
    assert set(SUBTITLE_STYLES) == {"srt", "vtt"}
    assert set(EXPORTERS) == {"srt", "vtt", "txt", "json"}


# -- round trips ------------------------------------------------------------------------------

# Cue text as the API writes it: printable, no blank lines, no markup, trimmed.
cue_line = (
    st.text(
        st.characters(
            whitelist_categories=("L", "N", "P", "S"),
            whitelist_characters=" ",
            blacklist_characters="<>",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
cue_text = st.lists(cue_line, min_size=1, max_size=3).map("\n".join)
seconds = st.floats(min_value=0, max_value=400_000, allow_nan=False, allow_infinity=False)
speaker = st.one_of(st.none(), cue_line.filter(lambda s: s == s.strip()))


@st.composite
def timed_segments(draw: st.DrawFn) -> list[Segment]:
    items = draw(st.lists(st.tuples(seconds, seconds, cue_text, speaker), max_size=8))
    return [
        Segment(i, min(a, b), max(a, b), text, speaker=who)
        for i, (a, b, text, who) in enumerate(items)
    ]


@given(timed_segments(), st.sampled_from(["srt", "vtt"]))
def test_subtitle_round_trip_is_faithful(segments: list[Segment], fmt: str) -> None:
    parsed = parse_subtitles(format_subtitles(segments, fmt), fmt)
    assert len(parsed) == len(segments)
    for before, after in zip(segments, parsed, strict=True):
        assert after.text == before.text
        assert math.isclose(after.start, round(before.start, 3), abs_tol=1e-6)
        assert math.isclose(after.end, round(before.end, 3), abs_tol=1e-6)
        assert after.speaker == (before.speaker if fmt == "vtt" else None)


@given(st.text(max_size=400), st.sampled_from(["srt", "vtt"]))
def test_parse_subtitles_on_anything_gives_segments_or_parse_error(text: str, fmt: str) -> None:
    try:
        segments = parse_subtitles(text, fmt)
    except ParseError:
        return
    assert all(isinstance(s, Segment) and s.start >= 0 and s.end >= 0 for s in segments)


timing_soup = st.lists(
    st.sampled_from(
        [
            "1",
            "WEBVTT",
            "00:00:01,000 --> 00:00:02,000",
            "00:01.5 --> 00:02.5",
            "-->",
            "",
            "\n",
            "<v A>",
            "x",
            "NOTE",
            "99999:00:00,000",
            " ",
            "\r\n",
            "\ufeff",
        ]
    ),
    max_size=30,
).map("\n".join)


@given(timing_soup, st.sampled_from(["srt", "vtt"]))
def test_parse_subtitles_on_near_misses(text: str, fmt: str) -> None:
    with contextlib.suppress(ParseError):
        parse_subtitles(text, fmt)


# -- response bodies --------------------------------------------------------------------------


def beach_transcript() -> Transcript:
    return Transcript(
        text="The beach was a popular spot on a hot summer day. People were swimming.",
        language="english",
        duration=8.470000267028809,
        segment_list=(
            Segment(
                0,
                0.0,
                3.319999933242798,
                " The beach was a popular spot on a hot summer day.",
                seek=0,
                tokens=(50364, 440),
                temperature=0.0,
                avg_logprob=-0.28,
                compression_ratio=1.23,
                no_speech_prob=0.0098,
            ),
            Segment(
                1,
                3.32,
                8.47,
                " People were swimming.",
                seek=0,
                tokens=(7534,),
                temperature=0.0,
                avg_logprob=-0.2,
                compression_ratio=1.1,
                no_speech_prob=0.01,
            ),
        ),
        word_list=(Word("The", 0.0, 0.24), Word("beach", 0.24, 0.5)),
        usage=Usage(type="duration", seconds=9),
        model="whisper-1",
        response_format="verbose_json",
    )


def test_response_body_verbose_json_matches_the_schema_fields() -> None:
    body = response_body(beach_transcript(), "verbose_json")
    assert body["task"] == "transcribe"
    assert body["language"] == "english"
    assert body["duration"] == 8.470000267028809
    assert set(body["segments"][0]) == {
        "id",
        "seek",
        "start",
        "end",
        "text",
        "tokens",
        "temperature",
        "avg_logprob",
        "compression_ratio",
        "no_speech_prob",
    }
    assert body["words"][1] == {"word": "beach", "start": 0.24, "end": 0.5}
    assert body["usage"] == {"type": "duration", "seconds": 9}


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json", "diarized_json"])
def test_response_body_parses_back(fmt: str) -> None:
    t = beach_transcript()
    body = response_body(t, fmt)
    if isinstance(body, dict):
        body = json.loads(json.dumps(body))  # over the wire
    back = Transcript.from_response(body, fmt)
    if fmt in ("srt", "vtt"):
        assert [(s.start, s.end) for s in back.segment_list] == [(0.0, 3.32), (3.32, 8.47)]
        assert back.text == t.text
    else:
        assert back.text == t.text
    if fmt == "verbose_json":
        assert back.segment_list == t.segment_list
        assert back.word_list == t.word_list
        assert back.usage == t.usage
    if fmt == "diarized_json":
        assert [s.id for s in back.segment_list] == ["0", "1"]


def test_response_body_json_with_logprobs_and_bad_format() -> None:
    t = Transcript("Hey", logprobs=(TokenLogprob("Hey", -1.04, (72, 101, 121)),))
    assert response_body(t, "json") == {
        "text": "Hey",
        "logprobs": [{"token": "Hey", "logprob": -1.04, "bytes": [72, 101, 121]}],
    }
    with pytest.raises(ValidationError):
        response_body(t, "xml")
    with pytest.raises(ValidationError, match="no timestamps"):
        response_body(Transcript("no times"), "srt")


# -- save and load ----------------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["json", "srt", "vtt", "txt"])
def test_save_and_load_every_extension(tmp_path: Path, ext: str) -> None:
    t = beach_transcript()
    path = t.save(tmp_path / f"beach.{ext.upper()}")  # the extension is case-insensitive
    back = load_transcript(str(path))
    assert back.text == t.text
    if ext == "json":
        assert back == t
    elif ext in ("srt", "vtt"):
        assert len(back.segment_list) == 2


def test_save_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        beach_transcript().save(tmp_path / "x.docx")
    assert info.value.param == "path"
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.json", b"{not json"),
        ("list.json", b"[1, 2]"),
        ("notext.json", b'{"segments": []}'),
        ("intext.json", b'{"text": 5}'),
        ("badseg.json", b'{"text": "a", "segment_list": [{"nope": 1}]}'),
        ("badlp.json", b'{"text": "a", "logprobs": ["x"]}'),
        ("badusage.json", b'{"text": "a", "usage": [1]}'),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000),
        ("binary.srt", b"\xff\xfe\x00garbage"),
        ("bad.vtt", b"not a vtt"),
    ],
)
def test_load_invalid_files_raise_parse_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError):
        load_transcript(str(path))


def test_load_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_transcript(str(tmp_path / "x.pdf"))


@given(st.binary(max_size=300), st.sampled_from(["json", "srt", "vtt", "txt"]))
def test_load_transcript_on_anything(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, ext: str
) -> None:
    path = tmp_path_factory.mktemp("load") / f"t.{ext}"
    path.write_bytes(data)
    try:
        t = load_transcript(str(path))
    except (ParseError, audiokit.APIResponseError):
        return
    assert isinstance(t.text, str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "text",
                    "segment_list",
                    "word_list",
                    "logprobs",
                    "usage",
                    "start",
                    "end",
                    "id",
                    "token",
                    "logprob",
                    "bytes",
                    "type",
                    "seconds",
                    "params",
                    "duration",
                    "tokens",
                    "word",
                    "input_token_details",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "segment_list",
                "word_list",
                "logprobs",
                "usage",
                "duration",
                "language",
                "params",
                "task",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_load_transcript_json_on_arbitrary_structures(
    tmp_path_factory: pytest.TempPathFactory, data: dict
) -> None:
    path = tmp_path_factory.mktemp("loadjson") / "t.json"
    path.write_text(json.dumps(data))
    try:
        t = load_transcript(str(path))
    except ParseError:
        return
    assert isinstance(t.text, str)
