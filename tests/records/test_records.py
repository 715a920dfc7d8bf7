"""TokenLogprobs: columns that behave as the tuple of TokenLogprob they stand for."""

from __future__ import annotations

import gc
import json
import pickle

import pytest

from audiokit import Transcript
from audiokit.records import TokenLogprob, TokenLogprobs, TokenWindow

ITEMS = [
    {"token": "Hi", "logprob": -0.25, "bytes": [72, 105]},
    {"token": " there", "logprob": -1.5, "bytes": [32, 116, 104, 101, 114, 101]},
    {"token": "!", "logprob": 0, "bytes": None},
]
RECORDS = tuple(TokenLogprob.from_dict(d) for d in ITEMS)


def test_columns_read_as_the_records() -> None:
    lps = TokenLogprobs.from_dicts(ITEMS)
    assert len(lps) == 3
    assert lps[0] == RECORDS[0] and lps[-1] == RECORDS[-1]
    assert lps[1].bytes == (32, 116, 104, 101, 114, 101)
    assert lps[2].logprob == 0.0 and isinstance(lps[2].logprob, float)
    assert tuple(lps) == RECORDS
    assert lps == RECORDS and lps != RECORDS[:2] and lps != list(RECORDS[::-1])
    assert RECORDS.__eq__(lps) is NotImplemented  # so Python asks lps, which agrees
    assert lps[1:] == RECORDS[1:] and isinstance(lps[1:], TokenLogprobs)
    assert hash(lps) == hash(RECORDS)
    assert list(lps + lps[:1]) == [*RECORDS, RECORDS[0]]
    assert RECORDS[:1] + lps == (RECORDS[0], *RECORDS)
    assert pickle.loads(pickle.dumps(lps)) == lps
    assert lps.to_dicts() == [r.to_dict() for r in RECORDS]
    assert "TokenLogprobs" in repr(lps)


def test_odd_entries_are_normalised_or_refused_like_records() -> None:
    odd = [{"token": 5, "logprob": "-1"}, "not a token", {"bytes": ["65"]}]
    lps = TokenLogprobs.from_dicts(odd)
    assert tuple(lps) == (TokenLogprob("5", -1.0, None), TokenLogprob("", 0.0, (65,)))
    with pytest.raises(ValueError):
        TokenLogprobs.from_dicts([{"token": "a", "logprob": "x", "bytes": None}])
    with pytest.raises(TypeError):
        TokenLogprobs.from_dicts([{"token": "a", "logprob": 0.0, "bytes": 7}])
    with pytest.raises(ValueError):
        TokenLogprobs.from_dicts([{"token": "a", "logprob": 0.0, "bytes": ["x"]}])
    with pytest.raises(ValueError, match="as long as"):
        TokenLogprobs(["a"], [])


def test_a_parsed_transcript_keeps_columns_and_equals_one_built_from_records() -> None:
    body = {"text": "Hi there!", "logprobs": ITEMS}
    parsed = Transcript.from_response(body, "json")
    assert isinstance(parsed.logprobs, TokenLogprobs)
    assert parsed.logprobs[1] == RECORDS[1]
    built = Transcript(text="Hi there!", logprobs=RECORDS, params={})
    assert parsed == built
    again = Transcript.from_dict(json.loads(parsed.to_json()))
    assert again == parsed and again.logprobs == RECORDS
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert parsed.tokens["bytes"].tolist() == [b"Hi", b" there", None]
    assert Transcript.from_response({"text": "x", "logprobs": []}, "json").logprobs == ()


def test_bytes_are_kept_as_bytes_objects_and_read_back_as_the_apis_integers() -> None:
    lps = TokenLogprobs.from_dicts([*ITEMS, {"token": "?", "logprob": -2.0, "bytes": [300]}])
    assert lps.bytes == [b"Hi", b" there", None, (300,)]  # a server's odd value is kept
    assert lps[3].bytes == (300,) and lps[0].bytes == (72, 105)
    assert lps[:3].byte_objects() == [b"Hi", b" there", None]
    with pytest.raises(ValueError):  # as bytes((300,)) does: the token view cannot show it
        lps.byte_objects()
    assert not any(gc.is_tracked(x) for x in [*lps.tokens, *lps.logprobs, *lps.bytes[:3]])
    # built from records, or unpickled from tuples, the columns are the same
    assert TokenLogprobs.of(RECORDS).bytes == [b"Hi", b" there", None]
    assert TokenLogprobs(["a"], [0], [(97,)]) == TokenLogprobs.from_dicts(
        [{"token": "a", "logprob": 0.0, "bytes": [97]}]
    )
    assert TokenLogprobs(["a"], ["odd"]).logprobs == ["odd"]  # kept as given, not refused


def test_appended_dicts_give_a_window_that_reads_as_the_tuple_of_records() -> None:
    lps = TokenLogprobs()
    first = lps.append_dicts(ITEMS[:2])
    second = lps.append_dicts([ITEMS[2], "not a token"])
    assert isinstance(first, TokenWindow) and len(lps) == 3
    assert first == RECORDS[:2] and RECORDS[:2] == first and second == RECORDS[2:]
    assert first != list(RECORDS[:2])  # as a tuple compares with a list
    assert repr(first) == repr(RECORDS[:2]) and hash(first) == hash(RECORDS[:2])
    assert first[-1] == RECORDS[1] and first[1:] == RECORDS[1:2] and first + RECORDS[2:] == RECORDS
    assert pickle.loads(pickle.dumps(first)) == RECORDS[:2]
    assert type(pickle.loads(pickle.dumps(first))) is tuple
    assert first.columns() == lps[:2] and lps[:2] == first
    with pytest.raises(IndexError):
        first[2]
    with pytest.raises(ValueError):  # the second item is refused: nothing of the call is kept
        lps.append_dicts([{"token": "x", "logprob": -1.0}, {"token": "y", "logprob": "y"}])
    assert lps == RECORDS and len(lps.logprobs) == len(lps.bytes) == 3
