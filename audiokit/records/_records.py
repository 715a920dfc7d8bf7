"""Result records: the typed pieces a transcript is made of.

Segments, words, token log-probabilities and usage, as every response format reports them. They
sit below the wire layer so that request parsing, SSE events, realtime events and results all
build the same records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import chain
from operator import itemgetter
from typing import Any, overload

__all__ = [
    "Segment",
    "TokenLogprob",
    "TokenLogprobs",
    "Usage",
    "Word",
    "float_or_none",
    "merge_logprobs",
]


@dataclass(frozen=True)
class TokenLogprob:
    """One token of the transcript with its log probability."""

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenLogprob:
        # On the path of every streamed delta: kept lean (bench_sse.py).
        raw_bytes = data.get("bytes")
        token = data.get("token", "")
        return cls(
            token if type(token) is str else str(token),
            float(data.get("logprob", 0.0)),
            None if raw_bytes is None else tuple(map(int, raw_bytes)),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"token": self.token, "logprob": self.logprob}
        if self.bytes is not None:
            out["bytes"] = list(self.bytes)
        return out


class TokenLogprobs(Sequence[TokenLogprob]):
    """Token log-probabilities kept as parallel columns; a :class:`TokenLogprob` per item asked.

    A response with logprobs holds one entry per token, often 100,000 of them; the token view
    (``Transcript.tokens``) wants them as columns, so they are stored that way and an object is
    made only when an item is read. It behaves as the tuple of TokenLogprob it stands for:
    indexing, slicing, iteration, ``len``, equality with a tuple (or another sequence) of
    TokenLogprob, hashing and pickling.

    The columns are lists: ``tokens`` (str), ``logprobs`` (float) and ``bytes`` (each token's
    UTF-8 bytes as a tuple of ints, or None).

    Examples
    --------
    >>> lps = TokenLogprobs.from_dicts([{"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}])
    >>> lps[0]
    TokenLogprob(token='Hi', logprob=-0.1, bytes=(72, 105))
    """

    __slots__ = ("bytes", "logprobs", "tokens")

    def __init__(
        self,
        tokens: list[str],
        logprobs: list[float],
        raw: list[tuple[int, ...] | None] | None = None,
    ) -> None:
        if raw is None:
            raw = [None] * len(tokens)
        if not len(tokens) == len(logprobs) == len(raw):
            raise ValueError("tokens, logprobs and bytes must be as long as each other")
        self.tokens = tokens
        self.logprobs = logprobs
        self.bytes = raw

    @classmethod
    def from_dicts(cls, items: Iterable[Any]) -> TokenLogprobs:
        """Columns from the API's ``[{"token", "logprob", "bytes"}, ...]`` (non-mappings skipped).

        Raises TypeError or ValueError on a logprob that is not a number or bytes that are not
        integers, as :meth:`TokenLogprob.from_dict` does. The usual body, a list of dicts that
        all have the three keys, is read a column at a time at C speed.
        """
        items = items if type(items) is list else list(items)
        columns = _fast_columns(items) if set(map(type, items)) == {dict} else None
        if columns is None:
            columns = _slow_columns(items)
        tokens, logprobs, raw = columns
        if not set(map(type, tokens)) <= {str}:
            tokens = [t if type(t) is str else str(t) for t in tokens]
        if not set(map(type, logprobs)) <= {float}:
            logprobs = [float(x) for x in logprobs]
        return cls(tokens, logprobs, _byte_tuples(raw))

    @classmethod
    def of(cls, items: Iterable[TokenLogprob]) -> TokenLogprobs:
        """Columns of existing records (returns ``items`` itself when it already is columns)."""
        if isinstance(items, TokenLogprobs):
            return items
        records = list(items)
        return cls(
            [r.token for r in records], [r.logprob for r in records], [r.bytes for r in records]
        )

    def __len__(self) -> int:
        return len(self.tokens)

    @overload
    def __getitem__(self, index: int) -> TokenLogprob: ...
    @overload
    def __getitem__(self, index: slice) -> TokenLogprobs: ...
    def __getitem__(self, index: int | slice) -> TokenLogprob | TokenLogprobs:
        if isinstance(index, slice):
            return TokenLogprobs(self.tokens[index], self.logprobs[index], self.bytes[index])
        return TokenLogprob(self.tokens[index], self.logprobs[index], self.bytes[index])

    def __iter__(self) -> Iterator[TokenLogprob]:
        return map(TokenLogprob, self.tokens, self.logprobs, self.bytes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenLogprobs):
            return (
                self.tokens == other.tokens
                and self.logprobs == other.logprobs
                and self.bytes == other.bytes
            )
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(map(TokenLogprob.__eq__, self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Iterable[TokenLogprob]) -> TokenLogprobs:
        more = TokenLogprobs.of(other)
        return TokenLogprobs(
            self.tokens + more.tokens, self.logprobs + more.logprobs, self.bytes + more.bytes
        )

    def __radd__(self, other: Iterable[TokenLogprob]) -> TokenLogprobs:
        return TokenLogprobs.of(other) + self

    def __reduce__(self) -> tuple[Any, ...]:
        return (TokenLogprobs, (self.tokens, self.logprobs, self.bytes))

    def __repr__(self) -> str:
        shown = ", ".join(repr(lp) for lp in self[:3])
        more = f", ... ({len(self)} tokens)" if len(self) > 3 else ""
        return f"TokenLogprobs([{shown}{more}])"

    def to_dicts(self) -> list[dict[str, Any]]:
        """The API's list of ``{"token", "logprob", "bytes"}`` (the inverse of from_dicts)."""
        return [
            {"token": t, "logprob": lp}
            if raw is None
            else {"token": t, "logprob": lp, "bytes": list(raw)}
            for t, lp, raw in zip(self.tokens, self.logprobs, self.bytes, strict=True)
        ]


_COLUMNS = itemgetter("token"), itemgetter("logprob"), itemgetter("bytes")


def _fast_columns(items: list[dict[str, Any]]) -> tuple[list[Any], list[Any], list[Any]] | None:
    try:
        return tuple(list(map(get, items)) for get in _COLUMNS)  # type: ignore[return-value]
    except KeyError:  # a token without one of the keys: the defaults, item by item
        return None


def _slow_columns(items: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    kept = [item for item in items if isinstance(item, Mapping)]
    return (
        [item.get("token", "") for item in kept],
        [item.get("logprob", 0.0) for item in kept],
        [item.get("bytes") for item in kept],
    )


def _byte_tuples(raw: list[Any]) -> list[tuple[int, ...] | None]:
    """Each entry None or a tuple of ints, as ``tuple(map(int, raw))`` makes it.

    Lists of ints 0-255, the usual case, become tuples at C speed and are checked in one
    ``bytes()`` pass; anything else is converted entry by entry, raising as ``int()`` does.
    """
    if type(None) in set(map(type, raw)):
        out = [None if r is None else tuple(r) for r in raw]
        present = [r for r in out if r is not None]
    else:
        out = present = list(map(tuple, raw))  # TypeError for a number: like tuple(map(int))
    try:
        bytes(chain.from_iterable(present))
        return out  # type: ignore[return-value]
    except (TypeError, ValueError):
        return [None if r is None else tuple(map(int, r)) for r in raw]


@dataclass(frozen=True)
class Word:
    """A word with its time span (seconds) and, for diarized output, its speaker."""

    word: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    probability: float | None = None  # reported by some servers (e.g. the local engine)


@dataclass(frozen=True)
class Segment:
    """A stretch of the transcript: a whisper segment, a subtitle cue or a diarized turn."""

    id: int | str
    start: float | None
    end: float | None
    text: str
    speaker: str | None = None
    seek: int | None = None
    tokens: tuple[int, ...] = ()
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> Segment:
        return cls(
            id=data.get("id", index),
            start=float_or_none(data.get("start")),
            end=float_or_none(data.get("end")),
            text=str(data.get("text", "")),
            speaker=data.get("speaker"),
            seek=data.get("seek"),
            tokens=tuple(data.get("tokens") or ()),
            temperature=float_or_none(data.get("temperature")),
            avg_logprob=float_or_none(data.get("avg_logprob")),
            compression_ratio=float_or_none(data.get("compression_ratio")),
            no_speech_prob=float_or_none(data.get("no_speech_prob")),
        )


@dataclass(frozen=True)
class Usage:
    """What the request was billed for: tokens (gpt-4o models) or seconds (whisper-1)."""

    type: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_text_tokens: int | None = None
    input_audio_tokens: int | None = None
    seconds: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Usage | None:
        if not data:
            return None
        details = data.get("input_token_details") or {}
        return cls(
            type=data.get("type"),
            input_tokens=data.get("input_tokens"),
            output_tokens=data.get("output_tokens"),
            total_tokens=data.get("total_tokens"),
            input_text_tokens=details.get("text_tokens"),
            input_audio_tokens=details.get("audio_tokens"),
            seconds=data.get("seconds"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.type == "duration" or self.seconds is not None:
            out["seconds"] = self.seconds
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.input_text_tokens is not None or self.input_audio_tokens is not None:
            out["input_token_details"] = {
                k: v
                for k, v in (
                    ("text_tokens", self.input_text_tokens),
                    ("audio_tokens", self.input_audio_tokens),
                )
                if v is not None
            }
        return {k: v for k, v in out.items() if v is not None}

    def __add__(self, other: Usage | None) -> Usage:
        """Sum two usages (used when chunks of long audio are merged)."""
        if other is None:
            return self

        def plus(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a + b

        return Usage(
            type=self.type if self.type == other.type else self.type or other.type,
            **{
                f.name: plus(getattr(self, f.name), getattr(other, f.name))
                for f in fields(self)
                if f.name != "type"
            },
        )

    __radd__ = __add__


def float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def merge_logprobs(chunks: Iterable[Iterable[TokenLogprob]]) -> tuple[TokenLogprob, ...]:
    """Concatenate token log-probabilities from several deltas or chunks."""
    return tuple(lp for chunk in chunks for lp in chunk)
