"""Token and word confidence: alignment with the text, word aggregation, segment flags,
uncertain spans and the highlighted HTML (``_text_index``, ``_alignment``, ``_confidence``,
``_tables``, ``_highlight``).

Numbers are checked against hand-computed values; the end-to-end test runs real synthesised
speech through the offline engine.
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from _tools import require
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import Segment, TokenLogprob, Transcript, Word
from audiokit.analysis import WHITESPACE, align_tokens
from audiokit.notebook import BANDS, SPEAKER_COLORS, HighlightedTranscript, highlight_html

KEY = "sk-test-confidence-0000"
BASE = "http://api.test/v1"


def tokens_transcript(
    pieces: list[tuple[str, float]] | list[tuple[str, float, Any]], text: str | None = None, **kw
) -> Transcript:
    """A Transcript whose logprobs are ``pieces`` (token, logprob[, bytes])."""
    records = tuple(
        TokenLogprob(p[0], p[1], tuple(p[2]) if len(p) > 2 and p[2] is not None else None)
        for p in pieces
    )
    if text is None:
        text = "".join(p[0] for p in pieces)
    return Transcript(text=text, logprobs=records, **kw)


def spans_match(t: Transcript, frame: pd.DataFrame) -> None:
    """Every located token's span is its own text, up to surrounding whitespace."""
    for token, off, end in zip(frame["token"], frame["offset"], frame["end_offset"], strict=True):
        if not pd.isna(off):
            assert t.text[int(off) : int(end)].strip() == token.strip(), (token, off, end)


# -- characters -------------------------------------------------------------------------------


def test_whitespace_table_is_exactly_pythons_isspace() -> None:
    expected = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert sorted(WHITESPACE) == expected


# -- tokens -----------------------------------------------------------------------------------


def test_reference_json_logprobs_tokens(reference: Callable[[str], Any]) -> None:
    body = reference("transcription_json_logprobs.json")
    t = Transcript.from_response(body, "json", model="gpt-4o-transcribe")
    tokens = t.tokens
    assert list(tokens["token"]) == [lp["token"] for lp in body["logprobs"]]
    np.testing.assert_allclose(tokens["logprob"], [lp["logprob"] for lp in body["logprobs"]])
    np.testing.assert_allclose(tokens["prob"], np.exp(tokens["logprob"]), rtol=1e-12)
    # "Hey" "," " my" ...: offsets are a running sum of token lengths
    assert tokens["offset"].tolist()[:4] == [0, 3, 4, 7]
    assert tokens["end_offset"].tolist()[:4] == [3, 4, 7, 12]
    for token, off, end in zip(
        tokens["token"], tokens["offset"], tokens["end_offset"], strict=True
    ):
        assert t.text[int(off) : int(end)] == token
    assert tokens["bytes"][3] == b" knee"  # the API's [32, 107, 110, 101, 101]
    # "Hey" and "," make the word "Hey,"; " ideally" and "." make "ideally."
    assert tokens["word"].tolist()[:3] == ["Hey,", "Hey,", "my"]
    assert tokens["word_index"].tolist()[:3] == [0, 0, 1]
    assert tokens["word_index"].tolist()[-2:] == [13, 13]
    # json has no segments and no times: those columns are left out, not shown as NaN
    assert not {"segment", "start", "end", "time_source"} & set(tokens.columns)


def test_reference_json_logprobs_words(reference: Callable[[str], Any]) -> None:
    body = reference("transcription_json_logprobs.json")
    t = Transcript.from_response(body, "json")
    words = t.words
    assert words["word"].tolist() == t.text.split()
    hey = words.iloc[0]
    p_hey, p_comma = math.exp(-1.0415299), math.exp(-9.805982e-05)
    assert hey["n_tokens"] == 2
    assert hey["prob_min"] == pytest.approx(p_hey)
    assert hey["prob_mean"] == pytest.approx((p_hey + p_comma) / 2)
    assert hey["logprob"] == pytest.approx(-1.0415299 - 9.805982e-05)
    assert hey["confidence"] == hey["prob_min"]
    assert (hey["offset"], hey["end_offset"]) == (0, 4)
    assert words["confidence"].idxmin() == 0
    assert words.loc[13, "confidence"] == pytest.approx(math.exp(-0.5800861))


@pytest.mark.parametrize("done_has_logprobs", [True, False])
def test_streamed_transcript_merges_delta_logprobs(
    reference: Callable[[str], Any], wav_bytes: bytes, done_has_logprobs: bool
) -> None:
    """The reference's SSE example through the real client and stream parser; without
    logprobs in the final event the deltas' logprobs are merged."""
    body = reference("transcription_stream_logprobs.sse")
    if not done_has_logprobs:
        events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
        assert events[-1]["type"] == "transcript.text.done"
        del events[-1]["logprobs"]
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)

    client = audiokit.Client(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(reply))
    with client.transcribe(
        wav_bytes, model="gpt-4o-mini-transcribe", logprobs=True, stream=True
    ) as stream:
        t = stream.until_done()
    tokens = t.tokens
    assert len(tokens) == len(t.logprobs) > 30
    assert tokens["offset"].notna().all()
    spans_match(t, tokens)
    assert "".join(tokens["token"]) == t.text
    words = t.words
    assert words["word"].tolist() == t.text.split()
    assert (words["n_tokens"] >= 1).all()
    np.testing.assert_allclose(tokens["prob"], np.exp(tokens["logprob"]))


def test_stream_done_text_stripped_and_leading_space_token() -> None:
    t = tokens_transcript([(" Hello", -0.1), (" world", -0.2), (".", -0.3), ("\n", -0.01)])
    t = Transcript(text="Hello world.", logprobs=t.logprobs)
    tokens = t.tokens
    assert tokens["offset"].tolist()[:3] == [0, 5, 11]
    assert tokens["end_offset"].tolist()[:3] == [5, 11, 12]
    assert pd.isna(tokens["offset"][3])  # the stripped newline is nowhere in the text
    spans_match(t, tokens)
    assert tokens["word"].tolist()[:3] == ["Hello", "world.", "world."]
    assert pd.isna(tokens["word_index"][3])


@pytest.mark.parametrize("only_split_have_bytes", [False, True])
def test_character_split_across_tokens_uses_bytes(only_split_have_bytes: bool) -> None:
    # "café ☕ ok": é is C3 A9, ☕ is E2 98 95; both are split between tokens
    pieces = [
        ("caf", -0.1, b"caf"),
        ("\ufffd", -0.5, b"\xc3"),
        ("\ufffd", -0.2, b"\xa9"),
        (" \ufffd", -1.0, b" \xe2\x98"),
        ("\ufffd", -0.3, b"\x95"),
        (" ok", -0.05, b" ok"),
    ]
    if only_split_have_bytes:  # the others' bytes are read off their text
        pieces = [(tok, lp, raw if "\ufffd" in tok else None) for tok, lp, raw in pieces]
    t = tokens_transcript(pieces, text="café ☕ ok")
    tokens = t.tokens
    assert tokens["offset"].tolist() == [0, 3, 3, 4, 5, 6]
    assert tokens["end_offset"].tolist() == [3, 4, 4, 6, 6, 9]
    assert tokens["word"].tolist() == ["café", "café", "café", "☕", "☕", "ok"]
    words = t.words
    assert words["word"].tolist() == ["café", "☕", "ok"]
    assert words["n_tokens"].tolist() == [3, 2, 1]
    assert words.loc[0, "confidence"] == pytest.approx(math.exp(-0.5))
    assert words.loc[1, "prob_mean"] == pytest.approx((math.exp(-1.0) + math.exp(-0.3)) / 2)


def test_split_character_when_text_differs_falls_back_to_search() -> None:
    pieces = [
        ("Gr", -0.1, b"Gr"),
        ("\ufffd", -0.4, b"\xc3"),
        ("\ufffd", -0.2, b"\xbc"),
        ("ße", -0.1, "ße".encode()),
        (" aus", -0.1, b" aus"),
        (" Köln", -0.1, " Köln".encode()),
    ]
    # the text has an extra word the tokens do not: no shortcut applies
    t = tokens_transcript(pieces, text="Grüße, liebe Grüße aus Köln")
    tokens = t.tokens
    assert tokens["offset"].notna().all()
    assert tokens["offset"].tolist()[:4] == [0, 2, 2, 3]
    assert t.text[int(tokens["offset"][4]) : int(tokens["end_offset"][5])] == " aus Köln"


def test_tokens_not_in_text_get_nan_and_the_rest_still_align() -> None:
    pieces = [("The", -0.1), (" quick", -0.2), (" zzyzx", -3.0), (" brown", -0.1), (" fox", -0.1)]
    t = tokens_transcript(pieces, text="The quick brown fox, said someone.")
    tokens = t.tokens
    assert tokens["offset"].isna().tolist() == [False, False, True, False, False]
    assert tokens["offset"].tolist()[3:] == [9, 15]
    spans_match(t, tokens)
    words = t.words  # derived from the text; the lost token counts for no word
    assert words["n_tokens"].tolist() == [1, 1, 1, 1, 0, 0]
    assert words["confidence"].isna().tolist() == [False] * 4 + [True, True]


def test_tokens_and_text_with_an_extra_passage() -> None:
    """A passage only in the text does not derail what follows."""
    words = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
    ]
    pieces = [(("" if i == 0 else " ") + w, -0.1 * i) for i, w in enumerate(words)]
    inserted = " and then a very long aside that the tokens never mention at all" * 8
    text = "one two three" + inserted + " " + " ".join(words[3:])
    t = tokens_transcript(pieces, text=text)
    tokens = t.tokens
    assert tokens["offset"].notna().all()
    spans_match(t, tokens)
    assert tokens["offset"][3] == len("one two three" + inserted)
    assert tokens["word"].tolist() == words


def test_edited_words_do_not_derail_the_alignment() -> None:
    """Words the text spells differently are lost; their neighbours keep their places, even
    in text as repetitive as this."""
    words = ("graze zebras a quick fox a quick graze " * 40).split()
    pieces, source = [], []  # each word cut after 3 characters; source: the word of a token
    for i, w in enumerate(words):
        for piece in (("" if i == 0 else " ") + w[:3], w[3:]):
            if piece:
                pieces.append((piece, -0.1))
                source.append(i)
    edited = {5, 77, 78, 200}
    text = " ".join(w.upper() + "X" if i in edited else w for i, w in enumerate(words))
    t = tokens_transcript(pieces, text=text)
    tokens = t.tokens
    src = np.array(source)
    lost = set(src[tokens["offset"].isna().to_numpy()].tolist())
    assert lost and lost <= edited
    spans_match(t, tokens)
    starts = np.cumsum([0] + [len(w) + 1 + (i in edited) for i, w in enumerate(words)])
    for off, word in zip(tokens["offset"], src, strict=True):
        if not pd.isna(off):  # inside the word it was cut from (or on the space before it)
            assert starts[word] - 1 <= off < starts[word] + len(words[word])


def test_empty_and_no_logprobs() -> None:
    t = Transcript(text="")
    assert t.tokens.empty and t.words.empty
    assert list(t.tokens.columns)[:4] == ["token", "logprob", "prob", "bytes"]
    t = Transcript(text="just text, no logprobs")
    assert t.tokens.empty
    words = t.words
    assert words["word"].tolist() == ["just", "text,", "no", "logprobs"]
    assert words["confidence"].isna().all() and (words["n_tokens"] == 0).all()


def test_cjk_characters_are_words_of_their_own() -> None:
    pieces = [("東京", -0.1), ("に", -0.7), ("行", -0.2), ("く。", -0.1), (" OK", -0.3)]
    t = tokens_transcript(pieces)
    words = t.words
    assert words["word"].tolist() == ["東", "京", "に", "行", "く", "。", "OK"]
    # "東京" is one token over two words; "く。" too
    assert words["n_tokens"].tolist() == [1, 1, 1, 1, 1, 1, 1]
    assert words["confidence"].tolist() == pytest.approx(
        [math.exp(x) for x in (-0.1, -0.1, -0.7, -0.2, -0.1, -0.1, -0.3)]
    )
    assert t.tokens["word"].tolist() == ["東", "に", "行", "く", "OK"]


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdéxyz☕東-,.'", min_size=1, max_size=6),
            st.sampled_from(["", " ", "  ", "\n"]),
            st.integers(1, 3),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(["same", "strip", "extra"]),
)
def test_alignment_property(words: list[tuple[str, str, int]], variant: str) -> None:
    """Words cut into tokens at random: every token is found, exactly where it belongs."""
    tokens: list[str] = []
    for w, sep, cuts in words:
        piece = sep + w
        size = max(1, len(piece) // cuts)
        tokens += [piece[i : i + size] for i in range(0, len(piece), size)]
    stream = "".join(tokens)
    text = {"same": stream, "strip": stream.strip(), "extra": "Intro: " + stream + " (end)"}[
        variant
    ]
    off, end = align_tokens(text, tokens, None)
    assert ((off >= 0) & (end <= len(text)) & (off <= end) | np.isnan(off)).all()
    for tok, o, e in zip(tokens, off, end, strict=True):
        if tok.strip():
            assert not math.isnan(o), (tok, text)
            assert text[int(o) : int(e)].strip() == tok.strip()
    if variant == "same":
        assert np.array_equal(off, np.cumsum([0] + [len(x) for x in tokens[:-1]]))


@given(st.lists(st.text(max_size=5), max_size=20), st.text(max_size=40))
def test_alignment_never_crashes(tokens: list[str], text: str) -> None:
    raw = [tok.encode("utf-8", "surrogatepass")[:3] for tok in tokens]  # cut characters too
    off, end = align_tokens(text, tokens, raw)
    located = ~np.isnan(off)
    assert (off[located] >= 0).all() and (end[located] <= len(text)).all()
    t = Transcript(
        text=text,
        logprobs=tuple(
            TokenLogprob(tok, -0.5, tuple(b)) for tok, b in zip(tokens, raw, strict=True)
        ),
    )
    assert len(t.tokens) == len(tokens)
    assert len(t.words) >= len(text.split())


# -- words with timestamps, segments, speakers --------------------------------------------------


def word_list_transcript() -> Transcript:
    """whisper-1-like: words without punctuation, with times; two segments; and logprobs."""
    text = "Hello there, general Kenobi. You are a bold one."
    words = ("Hello", "there", "general", "Kenobi", "You", "are", "a", "bold", "one")
    times = [(0.0, 0.4), (0.4, 0.8), (1.0, 1.5), (1.5, 2.1), (3.0, 3.2), (3.2, 3.4)]
    times += [(3.4, 3.5), (3.5, 3.9), (3.9, 4.3)]
    pieces = [
        ("Hello", -0.05),
        (" there", -0.1),
        (",", -0.9),
        (" general", -0.2),
        (" Ken", -1.2),
        ("obi", -0.4),
        (".", -0.01),
        (" You", -0.1),
        (" are", -0.1),
        (" a", -0.1),
        (" bold", -0.1),
        (" one", -0.1),
        (".", -0.1),
    ]
    segments = (
        Segment(0, 0.0, 2.5, " Hello there, general Kenobi.", avg_logprob=-0.3),
        Segment(1, 2.8, 4.5, " You are a bold one.", avg_logprob=-0.1),
    )
    return tokens_transcript(
        pieces,
        text=text,
        word_list=tuple(Word(w, s, e) for w, (s, e) in zip(words, times, strict=True)),
        segment_list=segments,
    )


def test_word_list_words_times_and_punctuation() -> None:
    t = word_list_transcript()
    words = t.words
    assert words["word"].tolist()[:4] == ["Hello", "there", "general", "Kenobi"]
    assert words["offset"].tolist()[:4] == [0, 6, 13, 21]
    assert words["end_offset"].tolist()[:4] == [5, 11, 20, 27]
    assert words["segment"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert (words["time_source"] == "word").all()
    assert words.loc[3, ["start", "end"]].tolist() == [1.5, 2.1]
    # "there" takes the comma glued to it: min(exp(-0.1), exp(-0.9))
    assert words.loc[1, "n_tokens"] == 2
    assert words.loc[1, "confidence"] == pytest.approx(math.exp(-0.9))
    assert words.loc[3, "n_tokens"] == 3  # " Ken" "obi" "."
    assert words.loc[3, "confidence"] == pytest.approx(math.exp(-1.2))
    assert words.loc[3, "logprob"] == pytest.approx(-1.2 - 0.4 - 0.01)


def test_word_list_tokens_get_word_times_and_segments() -> None:
    t = word_list_transcript()
    tokens = t.tokens
    kenobi = tokens[tokens["word"] == "Kenobi"]
    assert kenobi["token"].tolist() == [" Ken", "obi", "."]
    assert (kenobi["start"] == 1.5).all() and (kenobi["end"] == 2.1).all()
    assert tokens["segment"].tolist() == [0] * 7 + [1] * 6
    assert (tokens["time_source"] == "word").all()


def test_segment_times_when_there_are_no_word_timestamps() -> None:
    t = word_list_transcript()
    t = Transcript(text=t.text, logprobs=t.logprobs, segment_list=t.segment_list)
    tokens = t.tokens
    assert tokens["start"].tolist() == [0.0] * 7 + [2.8] * 6
    assert tokens["end"].tolist() == [2.5] * 7 + [4.5] * 6
    assert (tokens["time_source"] == "segment").all()
    words = t.words
    assert words["word"].tolist()[:2] == ["Hello", "there,"]
    assert (words["time_source"] == "segment").all()
    assert words["start"].tolist() == [0.0] * 4 + [2.8] * 5


def test_word_probability_is_the_fallback_confidence() -> None:
    """The local engine reports word probabilities; without logprobs they are the confidence."""
    wl = (Word(" Hi", 0.0, 0.3, probability=0.9), Word(" there.", 0.3, 0.8, probability=0.25))
    t = Transcript(text="Hi there.", word_list=wl)
    words = t.words
    assert words["word"].tolist() == ["Hi", "there."]
    assert words["probability"].tolist() == [0.9, 0.25]
    assert words["confidence"].tolist() == [0.9, 0.25]
    spans = t.low_confidence(0.5)
    assert spans["text"].tolist() == ["there."] and spans["start"].tolist() == [0.3]


def test_diarized_speakers_from_segments(reference: Callable[[str], Any]) -> None:
    t = Transcript.from_response(reference("transcription_diarized_json.json"), "diarized_json")
    words = t.words
    by_word = dict(zip(words["word"], words["speaker"], strict=False))
    assert by_word["Thanks"] == "agent" and by_word["diarization."] == "A"
    assert pd.isna(by_word["Agent:"])  # the label in the text belongs to no segment
    hi = words[words["word"] == "Hi,"].iloc[0]
    assert (hi["start"], hi["end"], hi["segment"]) == (4.7, 11.8, 1)


def test_segment_quality_flags(reference: Callable[[str], Any]) -> None:
    segs = (
        Segment(0, 0, 1, "fine", avg_logprob=-0.2, compression_ratio=1.3, no_speech_prob=0.01),
        Segment(1, 1, 2, "unsure", avg_logprob=-1.3, compression_ratio=1.2, no_speech_prob=0.1),
        Segment(2, 2, 3, "la la la", avg_logprob=-0.5, compression_ratio=2.9, no_speech_prob=0.0),
        Segment(3, 3, 4, "silence?", avg_logprob=-1.6, compression_ratio=1.0, no_speech_prob=0.9),
        Segment(4, 4, 5, "quiet but sure", avg_logprob=-0.3, no_speech_prob=0.95),
        Segment(5, 5, 6, "edge", avg_logprob=-1.0, compression_ratio=2.4, no_speech_prob=0.6),
    )
    frame = Transcript(text="x", segment_list=segs).segments
    assert frame["flags"].tolist() == [
        "",
        "low_logprob",
        "repetitive",
        "low_logprob,no_speech",
        "",
        "",
    ]
    assert frame["suspect"].tolist() == [False, True, True, True, False, False]
    # The reference's example is one clean segment (avg_logprob -0.29, compression_ratio 1.24,
    # no_speech_prob 0.01, read off the file): nothing about it is suspect.
    ref = Transcript.from_response(
        reference("transcription_verbose_json_segments.json"), "verbose_json"
    ).segments
    assert ref["avg_logprob"].round(2).tolist() == [-0.29]
    assert (ref["flags"].tolist(), ref["suspect"].tolist()) == ([""], [False])


# -- uncertain spans ----------------------------------------------------------------------------


def planted() -> Transcript:
    """Low words planted at 2-3 ("kwik brawn") and 7 ("dogg"); one token low at 5."""
    lp = {"kwik": -1.5, "brawn": -2.0, "dogg": -0.9}
    words = ["the", "kwik", "brawn", "fox", "jumps", "over", "the", "dogg", "today"]
    pieces: list[tuple[str, float]] = []
    for i, w in enumerate(words):
        lead = "" if i == 0 else " "
        if w == "over":  # two tokens, one of them low: the word is low by its minimum
            pieces += [(lead + "ov", -0.01), ("er", -0.8)]
        else:
            pieces.append((lead + w, lp.get(w, -0.02)))
    times = tuple(Word(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(words))
    return tokens_transcript(pieces, word_list=times)


def test_low_confidence_finds_the_planted_spans() -> None:
    t = planted()
    spans = t.low_confidence(0.5)
    assert spans["text"].tolist() == ["kwik brawn", "over", "dogg"]
    assert spans["first"].tolist() == [1, 5, 7] and spans["last"].tolist() == [2, 5, 7]
    assert spans["n"].tolist() == [2, 1, 1]
    assert spans["offset"].tolist() == [4, 25, 34]
    for text, off, end in zip(spans["text"], spans["offset"], spans["end_offset"], strict=True):
        assert t.text[int(off) : int(end)] == text
    assert spans["start"].tolist() == [0.5, 2.5, 3.5]
    assert spans["end"].tolist() == [1.4, 2.9, 3.9]
    assert spans["confidence"].tolist() == pytest.approx(
        [math.exp(-2.0), math.exp(-0.8), math.exp(-0.9)]
    )
    assert spans.loc[0, "mean_confidence"] == pytest.approx((math.exp(-1.5) + math.exp(-2)) / 2)
    assert t.low_confidence(0.3)["text"].tolist() == ["kwik brawn"]
    assert t.low_confidence(0.2)["text"].tolist() == ["brawn"]
    assert t.low_confidence(0.1).empty


def test_low_confidence_by_token() -> None:
    spans = planted().low_confidence(0.5, by="token")
    assert spans["text"].tolist() == ["kwik brawn", "er", "dogg"]
    assert spans["first"].tolist() == [1, 6, 8]  # token rows
    assert spans["start"].tolist() == [0.5, 2.5, 3.5]  # tokens take their word's times


def test_low_confidence_splits_at_speaker_changes() -> None:
    wl = (Word("a", 0, 1, "S1"), Word("b", 1, 2, "S1"), Word("c", 2, 3, "S2"))
    wl += (Word("d", 3, 4), Word("e", 4, 5))  # unknown speaker: one span, not two
    pieces = [("a", -2.0), (" b", -2.0), (" c", -2.0), (" d", -2.0), (" e", -2.0)]
    spans = tokens_transcript(pieces, word_list=wl).low_confidence(0.5)
    assert spans["text"].tolist() == ["a b", "c", "d e"]
    assert spans["speaker"].tolist()[:2] == ["S1", "S2"] and pd.isna(spans["speaker"][2])


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"threshold": 0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "0.5"}, "threshold"),
        ({"by": "segment"}, "by"),
    ],
)
def test_low_confidence_rejects_bad_arguments(kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        planted().low_confidence(**kwargs)
    assert info.value.param == param


def test_low_confidence_needs_confidence() -> None:
    with pytest.raises(audiokit.ValidationError, match="logprobs"):
        Transcript(text="no figures here").low_confidence()


# -- highlighted HTML ---------------------------------------------------------------------------


def visible_text(markup: str) -> str:
    body = re.sub(r"<div class='ak-legend'.*?</div>", "", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_highlight_bands_titles_and_text() -> None:
    t = planted()
    markup = highlight_html(t)
    spans = re.findall(
        r"<span class='ak-w' title='([^']*)'(?: style='([^']*)')?>([^<]*)</span>", markup
    )
    words = t.words
    assert [s[2] for s in spans] == words["word"].tolist()
    for (title, style, _), conf in zip(spans, words["confidence"], strict=True):
        assert title.startswith(f"confidence {conf:.3f}")
        band = next(color for lowest, color, _ in BANDS if conf >= lowest)
        assert (f"background:{band}" in style) if band else style == ""
    assert visible_text(markup) == t.text
    assert "ak-legend" in markup and "0.7–0.9" in markup


def test_highlight_threshold_marks_only_low_words() -> None:
    t = planted()
    markup = HighlightedTranscript(t, 0.5)._repr_html_()
    marked = re.findall(r"style='background:[^']*'>([^<]*)</span>", markup)
    assert marked == ["kwik", "brawn", "over", "dogg"]
    assert "confidence &lt; 0.5" in markup
    assert repr(t.highlight(0.5)) == "the [kwik] [brawn] fox jumps [over] the [dogg] today"
    assert t.highlight().html == highlight_html(t)


def test_highlight_escapes_text() -> None:
    t = tokens_transcript([("<b>bold</b>", -2.0), (" & 'x'", -0.1)])
    markup = highlight_html(t)
    assert "<b>" not in markup and "&lt;b&gt;bold&lt;/b&gt;" in markup
    assert "&#x27;x&#x27;" in markup
    assert visible_text(markup) == t.text


def test_highlight_diarized_speakers(reference: Callable[[str], Any]) -> None:
    t = Transcript.from_response(reference("transcription_diarized_json.json"), "diarized_json")
    markup = highlight_html(t)
    turns = re.findall(r"<div class='ak-turn' style='border-left:3px solid (#[0-9a-f]+);", markup)
    assert turns == [SPEAKER_COLORS[0], SPEAKER_COLORS[1], SPEAKER_COLORS[0]]
    labels = re.findall(r"<span class='ak-speaker'[^>]*>([^<]*)</span>", markup)
    assert labels == ["agent", "A", "agent"]
    assert "no confidence figures" in markup
    assert "Hi, I'm trying to enable diarization." in visible_text(markup)
    assert "Agent:" not in visible_text(markup)  # the speaker label replaces the text's own


def test_highlight_rejects_bad_threshold() -> None:
    with pytest.raises(audiokit.ValidationError):
        highlight_html(planted(), threshold=2)


# -- end to end on real speech --------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_speech() -> tuple[Any, Any]:
    for module in ("faster_whisper", "piper"):
        require(module, "the offline engine is not installed (pip install -e '.[local]')")
    client = audiokit.Client(backend="local")
    speech = client.speak(SENTENCE, response_format="wav")
    return client, speech


SENTENCE = "The quick brown fox jumps over the lazy dog. Then it sleeps under a tree."


def test_end_to_end_local_engine(local_speech: tuple[Any, Any]) -> None:
    client, speech = local_speech
    t = client.transcribe(speech, logprobs=True)
    assert t.logprobs, "the local engine returned no logprobs"
    tokens = t.tokens
    np.testing.assert_allclose(tokens["prob"], np.exp(tokens["logprob"]))
    assert tokens["offset"].notna().all()
    spans_match(t, tokens)
    assert ((tokens["prob"] > 0) & (tokens["prob"] <= 1)).all()
    words = t.words
    assert words["word"].tolist() == t.text.split()
    assert (words["n_tokens"] >= 1).all()
    for _, w in words.iterrows():
        probs = tokens.loc[tokens["word_index"] == w.name, "prob"]
        assert w["confidence"] == pytest.approx(probs.min())
    # A threshold inside the words' own range, so some words fall below it and some do not
    levels = sorted(set(words["confidence"]))
    assert len(levels) >= 2, levels
    threshold = levels[len(levels) // 2]
    spans = t.low_confidence(threshold)
    low = set(words.index[words["confidence"] < threshold])
    assert low and len(spans) >= 1
    assert (spans["confidence"] < threshold).all()
    covered = set()
    for first, last, lowest in zip(spans["first"], spans["last"], spans["confidence"], strict=True):
        covered |= set(range(int(first), int(last) + 1))
        assert lowest == pytest.approx(words["confidence"].loc[int(first) : int(last)].min())
    assert covered == low  # exactly the unsure words, in runs
    for text, off, end in zip(spans["text"], spans["offset"], spans["end_offset"], strict=True):
        assert t.text[int(off) : int(end)] == text
    assert visible_text(highlight_html(t)) == t.text
    comparison = audiokit.compare(t, SENTENCE)
    assert comparison.n_reference == len(SENTENCE.split())
    assert comparison.wer < 0.5  # a clean synthetic voice: most words right


def test_end_to_end_local_stream_and_word_timestamps(local_speech: tuple[Any, Any]) -> None:
    client, speech = local_speech
    with client.transcribe(speech, logprobs=True, stream=True) as stream:
        t = stream.until_done()
    tokens = t.tokens
    assert len(tokens) > 5 and tokens["offset"].notna().all()
    spans_match(t, tokens)
    v = client.transcribe(
        speech,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    words = v.words
    assert len(words) >= 10 and (words["time_source"] == "word").all()
    assert (words["start"].diff().dropna() >= 0).all()
    assert words["offset"].notna().all() and words["segment"].notna().all()
    segments = v.segments
    assert segments["avg_logprob"].notna().all()
    assert not segments["suspect"].any()  # clear synthetic speech passes whisper's checks
