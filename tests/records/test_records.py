"""TokenLogprobs: columns that behave as the tuple of TokenLogprob they stand for."""

from __future__ import annotations

import json
import pickle

import pytest

from audiokit import Transcript
from audiokit.records import TokenLogprob, TokenLogprobs

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
