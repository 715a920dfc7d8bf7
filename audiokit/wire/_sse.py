"""Server-sent events, decoded straight from the body's bytes into JSON payloads.

The HTTP layer feeds :class:`EventDecoder` the chunks of a ``text/event-stream`` answer and gets
back the events' decoded JSON ``data``. It follows the SSE format (lines ending in ``\\n``,
``\\r\\n`` or ``\\r``; ``data``/``event`` fields, comments, one optional space after the colon;
a blank line dispatches; an unterminated last event is dropped), like ``httpx_sse``, but works
on whole chunks. When every event of a chunk is a single ``data: ...`` line — every event the
audio API sends — their data is joined into one JSON array (one ``replace``) and read by one
call of the C JSON scanner: no line-by-line pass, no ``ServerSentEvent`` objects, no call per
event. Otherwise the chunk is split into events with one ``split``; a one-line ``data: {...}``
event still goes straight to the scanner, and anything else (several lines, ``event:``,
``id:``, comments, odd whitespace, ``[DONE]``) takes the general path.
"""

from __future__ import annotations

import json
from typing import Any

from ..core import APIResponseError

__all__ = ["DONE", "EventDecoder"]

DONE: Any = object()  # the ``data: [DONE]`` sentinel some servers end a stream with

_scan = json.JSONDecoder().scan_once  # the C scanner: no whitespace regex, no wrapper layers
_NEXT = "\n\ndata: "  # the end of one event and the start of the next one-line data event


class EventDecoder:
    """Bytes in (:meth:`feed`, then :meth:`flush`), the JSON payloads of complete events out."""

    def __init__(self) -> None:
        self._tail = b""
        self._started = False

    def feed(self, chunk: bytes) -> list[Any]:
        """The payloads of the events that ``chunk`` completes (:data:`DONE` for ``[DONE]``)."""
        buf = self._tail + chunk if self._tail else chunk
        hold = b""
        if b"\r" in buf:  # CR or CRLF line ends: make them LF (a final CR may start a CRLF)
            if buf.endswith(b"\r"):
                buf, hold = buf[:-1], b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = buf.rfind(b"\n\n")
        if cut < 0:
            self._tail = buf + hold
            return []
        self._tail = buf[cut + 2 :] + hold
        text = buf[:cut].decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        events = text.count(_NEXT) + 1
        if text.startswith("data: ") and text.count("\n") == 2 * (events - 1):
            # every event one ``data:`` line: their data joined as one JSON array, one scan
            # (as many values as events: data such as ``1,2`` is not two events' worth)
            array = f"[{text[6:].replace(_NEXT, ',')}]"
            try:
                payloads, end = _scan(array, 0)
            except (StopIteration, ValueError, RecursionError):
                pass  # some data is not plain JSON (or is [DONE]): event by event below
            else:
                if end == len(array) and len(payloads) == events:
                    return payloads  # type: ignore[no-any-return]
        out: list[Any] = []
        append = out.append
        for block in text.split("\n\n"):
            if block.startswith("data: ") and "\n" not in block:
                try:
                    payload, end = _scan(block, 6)
                except (StopIteration, ValueError, RecursionError):
                    pass  # not plain JSON: the general path says why (or finds [DONE])
                else:
                    if end == len(block):
                        append(payload)
                        continue
            self._general(block, append)
        return out

    def flush(self) -> list[Any]:
        """At the end of the body: a held final CR was a line end after all."""
        if not self._tail.endswith(b"\r"):
            return []  # an unterminated last event is not dispatched
        tail, self._tail = self._tail[:-1] + b"\n", b""
        return self.feed(tail)

    def _general(self, block: str, append: Any) -> None:
        event, data = "", []
        for line in block.split("\n"):
            if not line or line[0] == ":":  # blank (after a stray LF) or a comment
                continue
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
        if data:
            payload = _payload("\n".join(data), event)
            append(payload)


def _payload(data: str, event: str) -> Any:
    if data == "[DONE]":
        return DONE
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise APIResponseError(f"stream event is not JSON: {data[:200]!r}") from exc
    if event == "error" and isinstance(payload, dict) and "type" not in payload:
        payload = {"type": "error", **payload}
    return payload
