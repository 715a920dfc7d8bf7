"""Streamed transcript text: deltas that join to exactly the final text.

Whisper's tokens carry bytes, not always whole characters (a multi-byte character can be split
across two tokens), and its text starts with a space the final text drops. :class:`ExactText`
turns token bytes into the deltas of ``transcript.text.delta`` events so that their
concatenation is, character for character, the ``text`` of ``transcript.text.done`` — and the
text of the same request unstreamed (``local/_app.py`` builds both).
"""

from __future__ import annotations

import codecs
from typing import Any

__all__: list[str] = []  # helpers of ._app only: nothing here is the package's API


class ExactText:
    """Text built from token bytes as deltas whose concatenation is the final text exactly:
    UTF-8 split across tokens waits for its last byte, leading whitespace is dropped and
    trailing whitespace is held back until more text follows (the final text is stripped, as
    the unstreamed one is)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._held = ""  # whitespace not sent yet: sent only if more text follows
        self.value = ""

    def add(self, data: bytes) -> str:
        piece = self._held + self._decoder.decode(data)
        if not self.value:
            piece = piece.lstrip()
        body = piece.rstrip()
        self._held = piece[len(body) :]
        self.value += body
        return body


def text_token_limit(engine: Any) -> int:
    """Whisper's end-of-text id: token ids below it are text (the specials and timestamps come
    after it); counted as the decoded tokens of a request's ``usage``."""
    try:
        return int(engine._model().hf_tokenizer.token_to_id("<|endoftext|>"))
    except AttributeError:  # an engine without a faster-whisper model: count every token
        return 2**31
