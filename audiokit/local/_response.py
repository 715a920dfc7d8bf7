"""What a local route answers: :class:`LocalResponse` (status, headers, body), framework-free.

The routes of :class:`~audiokit.local._app.LocalApp` and the refused custom-voice routes
(``_voices``) build it; the in-process httpx transport and ``audiokit serve`` turn it into their
own responses. It sits below both route modules so that neither imports the other's module
just for the response type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core import WORD_PROBABILITIES_HEADER

__all__ = ["LocalResponse"]  # sse_event serves the route modules of this package only


def sse_event(data: dict[str, Any]) -> bytes:
    """One server-sent event of a streamed answer: ``data: <json>`` and the blank line."""
    return f"data: {json.dumps(data)}\n\n".encode()


@dataclass
class LocalResponse:
    """A response: status, headers and a body (bytes, or an iterator of byte chunks)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterator[bytes] = b""
    # Added by the in-process transport only; `audiokit serve` sends ``headers`` alone.
    in_process_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> LocalResponse:
        return cls(status, {"content-type": "application/json"}, json.dumps(data).encode())

    def with_word_probabilities(self, words: Any, body: Any) -> LocalResponse:
        """Whisper's word probabilities for the in-process client, when ``body`` (the API's
        JSON, whose words have none) lists the words: ``WORD_PROBABILITIES_HEADER``."""
        if body.get("words") and words and all(w.probability is not None for w in words):
            text = ",".join(f"{w.probability:.4f}" for w in words)
            self.in_process_headers[WORD_PROBABILITIES_HEADER] = text
        return self

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> LocalResponse:
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        return cls.json(body, status)
