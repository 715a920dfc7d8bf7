"""Plain-text summaries of results: the ``text/plain`` every front end can show.

The HTML and Markdown renderings are the notebook layer's; these few lines live with the results
so that ``repr()`` works everywhere, notebook or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._speech import Speech
    from ._transcript import Transcript

__all__ = [
    "MAX_PLAIN_CHARS",
    "MAX_TURNS",
    "format_time",
    "speech_repr",
    "time_span",
    "transcript_facts",
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


def transcript_facts(t: Transcript) -> list[str]:
    facts = [t.model, t.language, f"{t.duration:.1f}s" if t.duration else None]
    if t.task == "translate":
        facts.append("translation")
    if len(t.segment_list) > 1:
        facts.append(f"{len(t.segment_list)} segments")
    if t.speakers:
        n = len(t.speakers)
        facts.append(f"{n} speaker{'s' if n != 1 else ''}")
    if t.logprobs:
        facts.append(f"{len(t.logprobs)} tokens")
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
            lines.append(f"… {more} more turns (t.segments)")
        return "\n".join([head, *lines])
    return f"{head}\n{_shorten(t.text, MAX_PLAIN_CHARS)}"


def speech_repr(s: Speech) -> str:
    """``text/plain``, e.g. ``Speech(mp3, 38,211 bytes, 2.31s)``."""
    dur = s.duration
    return f"Speech({s.format}, {len(s.data):,} bytes{f', {dur:.2f}s' if dur is not None else ''})"
