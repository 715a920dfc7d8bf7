"""The token and word views' columns and dtypes (``_tables``), per shape of transcript.

The contract pinned here: the columns a view is about are always there, in their order; time,
segment, speaker and server-probability columns only when some row has a value; offsets and
indices are nullable ``Int64``, counts ``int64``, ``bytes`` holds ``bytes`` objects. Real
response bodies (the API reference's examples) and the real offline engine, real pandas.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from _tools import require

import audiokit
from audiokit import Transcript
from audiokit.analysis import OPTIONAL_COLUMNS, TOKEN_COLUMNS, WORD_COLUMNS

STR = pd.Series([""]).dtype  # pandas' default string dtype (str in pandas 3, object before)
TOKEN_CORE = {
    "token": STR,
    "logprob": "float64",
    "prob": "float64",
    "bytes": "object",
    "offset": "Int64",
    "end_offset": "Int64",
    "word_index": "Int64",
    "word": STR,
}
TOKEN_TIMES = {"segment": "Int64", "start": "float64", "end": "float64", "time_source": "category"}
WORD_CORE = {
    "word": STR,
    "confidence": "float64",
    "prob_min": "float64",
    "prob_mean": "float64",
    "logprob": "float64",
    "n_tokens": "int64",
    "offset": "Int64",
    "end_offset": "Int64",
}


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def expect(order: list[str], *groups: dict[str, Any]) -> dict[str, str]:
    """The columns of ``groups`` in the view's order, with their dtypes as strings."""
    wanted = {k: str(v) for group in groups for k, v in group.items()}
    return {name: wanted[name] for name in order if name in wanted}


def test_optional_columns_are_the_views_own() -> None:
    assert set(TOKEN_CORE) | set(TOKEN_TIMES) == set(TOKEN_COLUMNS)
    assert OPTIONAL_COLUMNS & set(TOKEN_COLUMNS) == set(TOKEN_TIMES)
    assert not OPTIONAL_COLUMNS & set(WORD_CORE)


def test_json_with_logprobs_has_no_time_columns(reference: Callable[[str], Any]) -> None:
    body = reference("transcription_json_logprobs.json")
    t = Transcript.from_response(body, "json")
    tokens = t.tokens
    assert dtypes(tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE)
    assert tokens["offset"].tolist()[:3] == [0, 3, 4] and not tokens["offset"].hasnans
    assert tokens["bytes"].tolist() == [bytes(lp["bytes"]) for lp in body["logprobs"]]
    shown = tokens.to_string()
    assert "(32," not in shown and "b' knee'" in shown and len(shown.splitlines()) == 17
    words = t.words
    assert dtypes(words) == expect(WORD_COLUMNS, WORD_CORE)
    assert words["offset"].tolist()[:2] == [0, 5]
    assert "4.0" not in words[["word", "offset", "end_offset"]].to_string()


def test_edited_text_keeps_the_dtypes_with_missing_offsets(
    reference: Callable[[str], Any],
) -> None:
    """Tokens the text does not have are <NA> in the same Int64 columns."""
    body = copy.deepcopy(reference("transcription_json_logprobs.json"))
    assert " knee " in body["text"]
    body["text"] = body["text"].replace(" knee ", " elbow ")
    t = Transcript.from_response(body, "json")
    tokens = t.tokens
    assert dtypes(tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE)
    lost = tokens.index[tokens["offset"].isna()].tolist()
    assert lost == [3]  # " knee"
    assert pd.isna(tokens.loc[3, "word_index"]) and tokens.loc[4, "offset"] == len("Hey, my elbow")
    words = t.words
    assert dtypes(words) == expect(WORD_COLUMNS, WORD_CORE)
    assert words.loc[2, ["word", "n_tokens"]].tolist() == ["elbow", 0]
    assert pd.isna(words.loc[2, "confidence"])


def test_verbose_json_words_have_times_but_no_speaker(reference: Callable[[str], Any]) -> None:
    t = Transcript.from_response(reference("transcription_verbose_json_words.json"), "verbose_json")
    words = t.words
    times = {"start": "float64", "end": "float64", "time_source": "category"}
    assert dtypes(words) == expect(WORD_COLUMNS, WORD_CORE, times)  # no segments, no speaker
    assert words["start"].tolist() == [0.0, pytest.approx(7.4)]
    assert (words["time_source"] == "word").all()
    assert dtypes(t.tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE)  # no logprobs: no rows


def test_diarized_words_have_speakers_and_segments(reference: Callable[[str], Any]) -> None:
    t = Transcript.from_response(reference("transcription_diarized_json.json"), "diarized_json")
    words = t.words
    extra = {"start": "float64", "end": "float64", "speaker": STR}
    extra |= {"segment": "Int64", "time_source": "category"}
    assert dtypes(words) == expect(WORD_COLUMNS, WORD_CORE, extra)
    assert words["segment"].hasnans  # the "Agent:" label in the text is in no segment


def test_empty_transcript_has_the_core_columns_only() -> None:
    t = Transcript(text="")
    assert dtypes(t.tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE)
    assert dtypes(t.words) == expect(WORD_COLUMNS, WORD_CORE)


# -- the offline engine ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline() -> tuple[audiokit.Client, Any]:
    for module in ("faster_whisper", "piper"):
        require(module, "the offline engine is not installed (pip install -e '.[local]')")
    client = audiokit.Client(backend="local")
    return client, client.speak("Bring the brass lantern to the cellar.", response_format="wav")


def test_offline_json_and_verbose_json_frames(offline: tuple[audiokit.Client, Any]) -> None:
    client, speech = offline
    t = client.transcribe(speech, response_format="json", logprobs=True)
    assert len(t.logprobs) > 3
    tokens = t.tokens
    assert dtypes(tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE)
    assert tokens["bytes"].map(type).eq(bytes).all()
    assert (tokens["bytes"].str.decode("utf-8") == tokens["token"]).all()
    assert dtypes(t.words) == expect(WORD_COLUMNS, WORD_CORE)

    v = client.transcribe(
        speech,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    timed = {"start": "float64", "end": "float64", "probability": "float64"}
    timed |= {"segment": "Int64", "time_source": "category"}
    words = v.words
    assert dtypes(words) == expect(WORD_COLUMNS, WORD_CORE, timed)  # no speaker column
    assert (words["time_source"] == "word").all() and not words["segment"].hasnans

    # the same speech as a verbose_json body that also carries the json body's logprobs: the
    # tokens take the words' times and segments
    body = {**v.raw, "logprobs": t.raw["logprobs"]}
    both = Transcript.from_response(body, "verbose_json")
    tokens = both.tokens
    assert dtypes(tokens) == expect(TOKEN_COLUMNS, TOKEN_CORE, TOKEN_TIMES)
    assert tokens["start"].notna().mean() > 0.5 and tokens["segment"].notna().mean() > 0.5
