"""Result records: the typed pieces a transcript is made of.

Segments, words, token log-probabilities and usage, as every response format reports them. They
sit below the wire layer so that request parsing, SSE events, realtime events and results all
build the same records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Segment", "TokenLogprob", "Usage", "Word", "float_or_none", "merge_logprobs"]


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
