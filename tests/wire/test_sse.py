"""The SSE decoder (wire/_sse.py) reads every stream as httpx-sse does, however it is chunked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx_sse._decoders import SSEDecoder, SSELineDecoder
from hypothesis import given
from hypothesis import strategies as st

from audiokit.core import APIResponseError
from audiokit.wire import DONE, EventDecoder

DELTA = (
    '{"type":"transcript.text.delta","delta":" wörd","logprobs":[{"token":" w","logprob":-0.1}]}'
)
STREAMS = [
    f"data: {DELTA}\n\ndata: {DELTA}\n\n",
    f"data: {DELTA}\r\n\r\ndata: {DELTA}\r\n\r\n",  # CRLF line ends
    f"data: {DELTA}\r\rdata: {DELTA}\r\r",  # CR line ends
    f": keep-alive\n\ndata: {DELTA}\n: comment inside\n\n",
    'data: {"type":\ndata: "x"}\n\n',  # one payload over two data lines
    'event: error\ndata: {"message":"boom"}\n\n',
    'id: 7\nretry: 100\ndata:{"no":"space"}\n\n',
    'data:  {"two":"spaces"} \n\n',
    "data: {}\n\n\n\ndata: [1, 2]\n\n",  # extra blank lines
    'data: {"a":1}\n\ndata: {"unterminated":true}\n',  # the last event is never dispatched
    # one-line events decoded as one JSON array: spaces, scalars, escaped line ends in strings
    'data: {"a": [1, 2]}\n\ndata:  {"b" : 2}\n\ndata: 3\n\ndata: "x\\n\\ndata: y"\n\n',
]


def reference(stream: str) -> list[Any]:
    """httpx-sse's line decoder and event decoder, then json.loads (what the client used to do)."""
    lines, events, out = SSELineDecoder(), SSEDecoder(), []
    for line in [*lines.decode(stream), *lines.flush()]:
        sse = events.decode(line)
        if sse is None or not sse.data:  # (httpx-sse dispatches an event without data lines)
            continue
        payload = json.loads(sse.data)
        if sse.event == "error" and isinstance(payload, dict) and "type" not in payload:
            payload = {"type": "error", **payload}
        out.append(payload)
    return out


def decoded(chunks: list[bytes]) -> list[Any]:
    decoder = EventDecoder()
    return [payload for chunk in chunks for payload in decoder.feed(chunk)] + decoder.flush()


@pytest.mark.parametrize("stream", STREAMS)
def test_every_split_of_the_bytes_gives_the_reference_payloads(stream: str) -> None:
    data = stream.encode()
    expected = reference(stream)
    assert expected  # every stream above has at least one event
    assert decoded([data]) == expected
    for cut in range(1, len(data)):  # mid-line, mid-CRLF, mid-UTF-8 character
        assert decoded([data[:cut], data[cut:]]) == expected, cut
    assert decoded([data[i : i + 1] for i in range(len(data))]) == expected


def test_a_byte_order_mark_first_is_skipped() -> None:
    """As the SSE format says (httpx-sse would read a field named "\\ufeffdata")."""
    data = "\ufeffdata: {}\n\n".encode()
    for cut in range(len(data)):
        assert decoded([data[:cut], data[cut:]]) == [{}]


def test_done_is_its_own_marker() -> None:
    assert decoded([b'data: {"a":1}\n\ndata: [DONE]\n\n']) == [{"a": 1}, DONE]


def test_data_that_is_not_json_names_itself() -> None:
    with pytest.raises(APIResponseError, match="stream event is not JSON: 'not json'"):
        decoded([b"data: not json\n\n"])
    with pytest.raises(APIResponseError, match="not JSON"):
        decoded([b'data: {"a":1} trailing\n\n'])
    with pytest.raises(APIResponseError, match="not JSON: '2 3'"):  # not "[1,2 3]" as a whole
        decoded([b"data: 1\n\ndata: 2 3\n\n"])
    with pytest.raises(APIResponseError, match="not JSON: ''"):
        decoded([b"data: 1\n\ndata: \n\n"])
    with pytest.raises(APIResponseError, match="not JSON: '1,2'"):  # one event, not two
        decoded([b"data: 1,2\n\n"])
    with pytest.raises(APIResponseError, match="not JSON: '2,3'"):
        decoded([b"data: 1\n\ndata: 2,3\n\n"])
    with pytest.raises(APIResponseError, match="not JSON: ''"):  # a bare field name: empty data
        decoded([b"data\n\n"])
    assert decoded([b"id: 5\n\n"]) == []  # no data line: no event


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=8,
)


@given(st.lists(json_values, min_size=1, max_size=6), st.data())
def test_one_line_events_read_as_one_array_give_the_reference_payloads(values, data) -> None:
    stream = "".join(f"data: {json.dumps(v, ensure_ascii=False)}\n\n" for v in values)
    encoded = stream.encode()
    cut = data.draw(st.integers(0, len(encoded)))
    assert decoded([encoded[:cut], encoded[cut:]]) == reference(stream) == values
