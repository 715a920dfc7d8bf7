"""Plain-text summaries of results: the ``text/plain`` every front end can show.

The HTML and Markdown renderings are the notebook layer's; these few lines live with the results
so that ``repr()`` works everywhere, notebook or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..records import Usage
    from ._speech import Speech
    from ._transcript import Transcript

__all__ = [
    "MAX_PLAIN_CHARS",
    "MAX_TURNS",
    "format_duration",
    "format_time",
    "format_usage",
    "plural",
    "speech_facts",
    "speech_ran",
    "speech_repr",
    "time_span",
    "transcript_facts",
    "transcript_ran",
    "transcript_repr",
]

MAX_TURNS = 40  # diarized turns shown inline; the rest is in t.segments
MAX_PLAIN_CHARS = 1000  # text/plain keeps consoles readable; str(t) is the whole text


def format_time(seconds: float | None) -> str:
    """``mm:ss.s`` (``h:mm:ss.s`` from one hour on); ``""`` for an unknown time.

    >>> format_time(83.25), format_time(3725.0)
    ('01:23.2', '1:02:05.0')
    """
    if seconds is None:
        return ""
    tenths = round(max(seconds, 0.0) * 10)
    minutes, tenths = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{tenths / 10:04.1f}"
    return f"{minutes:02d}:{tenths / 10:04.1f}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 segment"``, ``"3 segments"``, ``"1,200 tokens"``.

    >>> plural(1, "segment"), plural(0, "file"), plural(2, "entry", "entries")
    ('1 segment', '0 files', '2 entries')
    """
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def format_duration(seconds: float | None) -> str:
    """A length for people: ``"0.8s"``, ``"42.3s"``, ``"3:05"``, ``"1:02:05"``; ``""`` if unknown.

    >>> format_duration(0.84), format_duration(185.2), format_duration(3725.0)
    ('0.8s', '3:05', '1:02:05')
    """
    if seconds is None or seconds != seconds:  # None or NaN
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_usage(usage: Usage | None) -> str:
    """What was billed, in one cell: ``"12 s"`` (duration) or ``"230 tokens (200 in, 30 out)"``;
    ``""`` when nothing was reported."""
    if usage is None:
        return ""
    if usage.seconds is not None:
        return f"{usage.seconds:g} s"
    total = usage.total_tokens
    if total is None and usage.input_tokens is not None and usage.output_tokens is not None:
        total = usage.input_tokens + usage.output_tokens
    if total is None:
        return usage.type or ""
    parts = [
        f"{n:,} {what}"
        for n, what in ((usage.input_tokens, "in"), (usage.output_tokens, "out"))
        if n is not None
    ]
    return plural(total, "token") + (f" ({', '.join(parts)})" if parts else "")


def transcript_ran(t: Transcript) -> str | None:
    """What produced the transcript: ``"offline · Whisper tiny.en"`` when the offline engine
    said (:attr:`Transcript.engine`), else the model (``t.params`` keeps what was asked)."""
    return f"offline · {t.engine}" if t.engine else t.model


def transcript_facts(t: Transcript) -> list[str]:
    facts = [transcript_ran(t), t.language, f"{t.duration:.1f}s" if t.duration else None]
    if t.task == "translate":
        facts.append("translation")
    if len(t.segment_list) > 1:
        facts.append(plural(len(t.segment_list), "segment"))
    if t.speakers:
        facts.append(plural(len(t.speakers), "speaker"))
    if t.logprobs:
        facts.append(plural(len(t.logprobs), "token"))
    return [f for f in facts if f]


def time_span(t: Any) -> str:
    start, end = format_time(t.start), format_time(t.end)
    return f"{start}–{end}" if start or end else ""


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def transcript_repr(t: Transcript) -> str:
    """``text/plain``: a header line, then the text (or the speaker turns)."""
    head = f"Transcript({', '.join(transcript_facts(t))})"
    if bool(t.speakers):
        lines = [
            f"[{time_span(s)}] {s.speaker}: {s.text.strip()}" for s in t.segment_list[:MAX_TURNS]
        ]
        more = len(t.segment_list) - MAX_TURNS
        if more > 0:
            lines.append(f"… {plural(more, 'more turn')} (t.segments)")
        return "\n".join([head, *lines])
    return f"{head}\n{_shorten(t.text, MAX_PLAIN_CHARS)}"


def speech_ran(s: Speech) -> str | None:
    """Who spoke: ``"coral → offline · Piper en_US-joe-medium"`` when the offline engine said
    (:attr:`Speech.engine`; ``s.params`` keeps the voice and model asked), else
    ``"coral · gpt-4o-mini-tts"``."""
    voice = s.params.get("voice")
    if isinstance(voice, Mapping):  # a custom voice: {"id": "voice_…"}
        voice = voice.get("id")
    voice = voice if isinstance(voice, str) and voice else None
    if s.engine:
        return f"{voice} → offline · {s.engine}" if voice else f"offline · {s.engine}"
    model = s.params.get("model")
    return " · ".join(str(f) for f in (voice, model) if f) or None


def speech_facts(s: Speech) -> list[str]:
    """``["mp3", "2.3s", "37 KB", "coral → offline · Piper en_US-joe-medium"]``."""
    duration = s.duration
    size = len(s.data)
    facts = [
        s.format,
        f"{duration:.1f}s" if duration is not None else None,
        f"{size / 1024:.0f} KB" if size >= 1024 else plural(size, "byte"),
        speech_ran(s),
    ]
    return [f for f in facts if f]


def speech_repr(s: Speech) -> str:
    """``text/plain``, e.g. ``Speech(mp3, 38,211 bytes, 2.31s, coral → offline · Piper …)``."""
    dur = s.duration
    facts = [s.format, plural(len(s.data), "byte"), f"{dur:.2f}s" if dur is not None else None]
    return f"Speech({', '.join(f for f in [*facts, speech_ran(s)] if f)})"
