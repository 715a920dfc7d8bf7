"""Text formats of a transcript: SubRip, WebVTT, plain text, JSON — parsing and writing.

The two subtitle formats differ only in a few attributes (header, cue numbers, the decimal mark,
voice tags), so one writer and one parser serve both, picked from :data:`SUBTITLE_STYLES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import ParseError, ValidationError
from ..records import Segment

if TYPE_CHECKING:
    from ..results import Transcript

__all__ = [
    "EXPORTERS",
    "SUBTITLE_STYLES",
    "format_subtitles",
    "format_timestamp",
    "parse_subtitles",
    "response_body",
]


@dataclass(frozen=True)
class SubtitleStyle:
    header: str
    numbered: bool
    decimal_mark: str
    voice_tags: bool  # speakers as <v Name> (WebVTT) rather than dropped


SUBTITLE_STYLES = {
    "srt": SubtitleStyle(header="", numbered=True, decimal_mark=",", voice_tags=False),
    "vtt": SubtitleStyle(header="WEBVTT\n\n", numbered=False, decimal_mark=".", voice_tags=True),
}

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE_TIMES = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>)?$", re.S)


def format_timestamp(seconds: float, decimal_mark: str = ",") -> str:
    """``HH:MM:SS,mmm`` (or with ``.``), rounding to the millisecond."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_mark}{millis:03d}"


def format_subtitles(segments: tuple[Segment, ...] | list[Segment], fmt: str) -> str:
    """Write timed segments as srt or vtt; cues are renumbered from 1."""
    style = SUBTITLE_STYLES[fmt]
    cues = []
    for number, seg in enumerate(segments, start=1):
        start = format_timestamp(seg.start or 0.0, style.decimal_mark)
        end = format_timestamp(seg.end or 0.0, style.decimal_mark)
        text = seg.text.strip()
        if style.voice_tags and seg.speaker:
            text = f"<v {seg.speaker}>{text}"
        lines = [str(number)] if style.numbered else []
        lines += [f"{start} --> {end}", text]
        cues.append("\n".join(lines))
    return style.header + "\n\n".join(cues) + ("\n" if cues else "")


def parse_subtitles(text: str, fmt: str) -> list[Segment]:
    """Parse srt or vtt text into segments.

    Raises
    ------
    ParseError
        When the text is not subtitles of that format (a cue without valid times, a vtt file
        without its ``WEBVTT`` header).
    """
    if fmt not in SUBTITLE_STYLES:
        raise ValidationError("fmt", fmt, "srt or vtt")
    body = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if fmt == "vtt":
        if not body.lstrip().startswith("WEBVTT"):
            raise ParseError("not WebVTT: the first line must be 'WEBVTT'")
        body = body.lstrip()[len("WEBVTT") :]
    segments: list[Segment] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing_at is None:
            if fmt == "vtt":  # header metadata, NOTE, STYLE and REGION blocks
                continue
            raise ParseError(f"a {fmt} cue without a 'start --> end' line: {block[:80]!r}")
        match = _CUE_TIMES.match(lines[timing_at])
        if match is None:
            raise ParseError(f"bad {fmt} timing line: {lines[timing_at][:80]!r}")
        g = match.groups()
        try:
            start, end = _seconds(*g[:4]), _seconds(*g[4:])
        except (ValueError, OverflowError) as exc:  # absurdly long digit runs
            raise ParseError(f"bad {fmt} timing line: {lines[timing_at][:80]!r}") from exc
        cue = "\n".join(lines[timing_at + 1 :])
        speaker = None
        voice = _VOICE.match(cue)
        if voice:
            speaker, cue = voice.group(1).strip(), voice.group(2)
        segments.append(Segment(id=len(segments), start=start, end=end, text=cue, speaker=speaker))
    return segments


def _seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis.ljust(3, "0")) / 1000


def response_body(transcript: Transcript, response_format: str) -> str | dict[str, Any]:
    """What the API sends for ``transcript`` in ``response_format`` (text formats as str)."""
    t = transcript
    usage = t.usage.to_dict() if t.usage else None
    if response_format == "json":
        body: dict[str, Any] = {"text": t.text}
        if t.logprobs:
            body["logprobs"] = [lp.to_dict() for lp in t.logprobs]
    elif response_format == "verbose_json":
        body = {"task": t.task, "language": t.language, "duration": t.duration, "text": t.text}
        if t.segment_list:
            body["segments"] = [_segment_dict(s) for s in t.segment_list]
        if t.word_list:
            body["words"] = [{"word": w.word, "start": w.start, "end": w.end} for w in t.word_list]
    elif response_format == "diarized_json":
        body = {
            "task": "transcribe",
            "duration": t.duration,
            "text": t.text,
            "segments": [
                {
                    "type": "transcript.text.segment",
                    "id": str(s.id),
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "speaker": s.speaker,
                }
                for s in t.segment_list
            ],
        }
    elif response_format == "text":
        return t.text + "\n"
    elif response_format in SUBTITLE_STYLES:
        return format_subtitles(t._timed_segments(response_format), response_format)
    else:
        raise ValidationError(
            "response_format", response_format, "json, text, srt, verbose_json, vtt, diarized_json"
        )
    if usage:
        body["usage"] = usage
    return body


def _segment_dict(s: Segment) -> dict[str, Any]:
    return {
        "id": s.id,
        "seek": s.seek or 0,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "tokens": list(s.tokens),
        "temperature": s.temperature or 0.0,
        "avg_logprob": s.avg_logprob,
        "compression_ratio": s.compression_ratio,
        "no_speech_prob": s.no_speech_prob,
    }


EXPORTERS: dict[str, Callable[[Transcript], str]] = {
    "srt": lambda t: t.to_srt(),
    "vtt": lambda t: t.to_vtt(),
    "txt": lambda t: t.to_text() + "\n",
    "json": lambda t: t.to_json(),
}
