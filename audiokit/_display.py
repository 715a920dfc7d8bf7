"""How results show themselves: plain text, HTML and Markdown renderings."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._speech import Speech
    from ._transcript import Transcript

__all__ = [
    "speech_html",
    "speech_repr",
    "transcript_html",
    "transcript_markdown",
    "transcript_repr",
]


def transcript_repr(t: Transcript) -> str:
    facts = [f for f in (t.model, t.language, f"{t.duration:.1f}s" if t.duration else None) if f]
    head = f"Transcript({', '.join(facts)})" if facts else "Transcript"
    text = t.text if len(t.text) <= 300 else t.text[:297] + "..."
    return f"{head}\n{text}"


def transcript_html(t: Transcript) -> str:
    return f"<div class='audiokit-transcript'>{html.escape(t.text)}</div>"


def transcript_markdown(t: Transcript) -> str:
    return t.text


def speech_repr(s: Speech) -> str:
    dur = f", {s.duration:.2f}s" if s.duration is not None else ""
    return f"Speech({s.format}, {len(s.data):,} bytes{dur})"


def speech_html(s: Speech, *, autoplay: bool = False) -> str:
    src = s.to_data_url()
    auto = " autoplay" if autoplay else ""
    name = html.escape(f"speech.{s.file_extension}")
    return (
        f"<div class='audiokit-speech'><audio controls{auto} src='{src}'></audio> "
        f"<a download='{name}' href='{src}'>download {name}</a></div>"
    )


class SpeechPlayer:
    """Displays a Speech as a player; ``autoplay`` only when asked."""

    def __init__(self, speech: Speech, *, autoplay: bool = False) -> None:
        self.speech = speech
        self.autoplay = autoplay

    def _repr_html_(self) -> str:
        return speech_html(self.speech, autoplay=self.autoplay)

    def __repr__(self) -> str:
        return speech_repr(self.speech)
