"""How results show themselves: plain text, HTML and Markdown renderings.

:class:`~audiokit.Transcript` and :class:`~audiokit.Speech` call into this module from their
``__repr__`` / ``_repr_html_`` / ``_repr_markdown_`` hooks, so every front end gets the richest
form it can show: JupyterLab, Notebook 7, VS Code and Colab render the HTML (inline styles only,
colours that read on light and dark themes); consoles get ``text/plain``; GitHub's rendering of a
saved notebook can fall back to ``text/markdown``.

Token confidence colouring is the confidence module's job (``_highlight.highlight_html``); when
that module is not importable the text is shown plain. The live view of a streamed transcription
(:func:`show_stream`) lives here too, because it is display, not request logic.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..results import (
    MAX_TURNS,
    format_time,
    plural,
    provides,
    speech_facts,
    speech_repr,
    time_span,
    transcript_facts,
)

if TYPE_CHECKING:
    from ..records import Segment
    from ..results import Speech, Transcript, TranscriptStream

__all__ = [
    "MAX_SEGMENT_ROWS",
    "LiveTranscript",
    "SpeechPlayer",
    "Table",
    "show_stream",
    "speaker_colors",
    "speech_html",
    "transcript_html",
    "transcript_markdown",
]

MAX_SEGMENT_ROWS = 8  # rows of the compact segments table; the rest is in t.segments
LIVE_UPDATE_SECONDS = 0.1  # at most ~10 redraws a second while a stream grows

_MUTED = "opacity:0.7;font-size:0.85em"
_CELL = "padding:1px 8px;text-align:left;vertical-align:top"


# -- helpers ------------------------------------------------------------------------------------


def speaker_colors(speakers: Iterable[str]) -> dict[str, str]:
    """A colour per speaker label, in order of first appearance (stable across renderings).

    The palette is the confidence view's (``t.highlight()``), so a speaker keeps its colour.
    """
    from ._highlight import SPEAKER_COLORS as palette

    return {s: palette[i % len(palette)] for i, s in enumerate(speakers)}


@provides("transcript_html")
def transcript_html(t: Transcript, *, max_rows: int = MAX_SEGMENT_ROWS) -> str:
    """``text/html``: header, the text (confidence-coloured or by speaker), a segments table."""
    parts = [
        "<div class='audiokit-transcript' style='line-height:1.5'>",
        f"<div style='{_MUTED}'>Transcript · {html.escape(' · '.join(transcript_facts(t)))}</div>",
    ]
    if bool(t.speakers):
        parts.append(_turns_html(t))
    else:
        parts.append(f"<div style='margin:0.3em 0'>{_text_html(t)}</div>")
        if len(t.segment_list) > 1 or any(s.start is not None for s in t.segment_list):
            parts.append(_segments_table_html(t.segment_list, max_rows))
    parts.append("</div>")
    return "".join(parts)


def _text_html(t: Transcript) -> str:
    """Confidence-shaded when there are token or word probabilities, else plain."""
    if t.logprobs or any(w.probability is not None for w in t.word_list):
        from ._highlight import highlight_html

        return highlight_html(t)
    return html.escape(t.text).replace("\n", "<br>")


def _turns_html(t: Transcript) -> str:
    colors = speaker_colors(t.speakers)
    rows = []
    for seg in t.segment_list[:MAX_TURNS]:
        color = colors.get(seg.speaker or "", "#888888")
        rows.append(
            f"<div style='margin:2px 0;padding:1px 6px;border-left:4px solid {color};"
            f"background:{color}22'>"
            f"<b style='color:{color}'>{html.escape(str(seg.speaker))}</b> "
            f"<span style='{_MUTED}'>{time_span(seg)}</span> {html.escape(seg.text.strip())}</div>"
        )
    more = len(t.segment_list) - MAX_TURNS
    if more > 0:
        rows.append(f"<div style='{_MUTED}'>… {plural(more, 'more turn')} (t.segments)</div>")
    return "<div style='margin:0.3em 0'>" + "".join(rows) + "</div>"


def _segments_table_html(segments: Sequence[Segment], max_rows: int) -> str:
    rows = "".join(
        f"<tr><td style='{_CELL}'>{html.escape(str(s.id))}</td>"
        f"<td style='{_CELL};white-space:nowrap'>{format_time(s.start)}</td>"
        f"<td style='{_CELL};white-space:nowrap'>{format_time(s.end)}</td>"
        f"<td style='{_CELL}'>{html.escape(s.text.strip())}</td></tr>"
        for s in segments[:max_rows]
    )
    more = len(segments) - max_rows
    foot = (
        f"<div style='{_MUTED}'>… {plural(more, 'more segment')} (t.segments has all)</div>"
        if more > 0
        else ""
    )
    head = "".join(f"<th style='{_CELL}'>{c}</th>" for c in ("#", "start", "end", "text"))
    return (
        f"<details open><summary style='{_MUTED}'>{plural(len(segments), 'segment')}</summary>"
        f"<table style='border-collapse:collapse;font-size:0.9em'>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{foot}</details>"
    )


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def _md(text: str) -> str:
    return text.translate(_MD_SPECIAL).replace("\n", " ")


@provides("transcript_markdown")
def transcript_markdown(t: Transcript, *, max_rows: int = MAX_SEGMENT_ROWS) -> str:
    """``text/markdown``: readable where HTML is not (e.g. GitHub's rendering of a notebook)."""
    lines = [f"**Transcript** · {_md(' · '.join(transcript_facts(t)))}", ""]
    if bool(t.speakers):
        for seg in t.segment_list[:MAX_TURNS]:
            lines.append(
                f"- **{_md(str(seg.speaker))}** `{time_span(seg)}` {_md(seg.text.strip())}"
            )
        more = len(t.segment_list) - MAX_TURNS
        if more > 0:
            lines.append(f"- … {plural(more, 'more turn')}")
        return "\n".join(lines)
    lines += [f"> {_md(line)}" if line.strip() else ">" for line in t.text.splitlines() or [""]]
    if len(t.segment_list) > 1 or any(s.start is not None for s in t.segment_list):
        lines += ["", "| # | start | end | text |", "|---|---|---|---|"]
        lines += [
            f"| {_md(str(s.id))} | {format_time(s.start)} | {format_time(s.end)} "
            f"| {_md(s.text.strip())} |"
            for s in t.segment_list[:max_rows]
        ]
        more = len(t.segment_list) - max_rows
        if more > 0:
            lines.append(f"\n… {plural(more, 'more segment')}")
    return "\n".join(lines)


# -- Speech -------------------------------------------------------------------------------------


@provides("speech_html")
def speech_html(s: Speech, *, autoplay: bool = False) -> str:
    """An ``<audio controls>`` player on a ``data:`` URL, a download link and a caption.

    No autoplay unless asked (:meth:`Speech.play`). pcm is wrapped as WAV by ``to_data_url`` so
    every browser can play it; nothing is played on the kernel's machine.
    """
    src = s.to_data_url()
    extension = "wav" if s.format == "pcm" else s.file_extension
    name = html.escape(f"speech.{extension}")
    auto = " autoplay" if autoplay else ""
    caption = html.escape(" · ".join(speech_facts(s)))
    return (
        "<div class='audiokit-speech' style='display:flex;align-items:center;gap:0.6em;"
        "flex-wrap:wrap'>"
        f"<audio controls{auto} preload='metadata' src='{src}'></audio>"
        f"<a download='{name}' href='{src}'>⬇ {name}</a>"
        f"<span style='{_MUTED}'>{caption}</span></div>"
    )


@provides("speech_player")
class SpeechPlayer:
    """Displays a Speech as a player; ``autoplay`` only when asked.

    Attributes
    ----------
    speech : Speech
        The audio shown.
    """

    def __init__(self, speech: Speech, *, autoplay: bool = False) -> None:
        self.speech = speech
        self.autoplay = autoplay

    def _repr_html_(self) -> str:
        return speech_html(self.speech, autoplay=self.autoplay)

    def __repr__(self) -> str:
        return speech_repr(self.speech)


# -- small tables (settings) --------------------------------------------------------------------


@provides("table")
class Table:
    """A small table of strings that shows itself as HTML, Markdown and plain text.

    Parameters
    ----------
    columns : sequence of str
    rows : sequence of sequences of str
    title : str, optional
    """

    def __init__(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = ""
    ) -> None:
        self.columns = list(columns)
        self.rows = [[str(c) for c in row] for row in rows]
        self.title = title

    def __repr__(self) -> str:
        widths = [
            max([len(self.columns[i])] + [len(r[i]) for r in self.rows])
            for i in range(len(self.columns))
        ]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [self.title] if self.title else []
        lines.append(fmt.format(*self.columns).rstrip())
        lines += [fmt.format(*r).rstrip() for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='{_CELL}'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='{_CELL}'>{html.escape(c)}</td>" for c in r) + "</tr>"
            for r in self.rows
        )
        title = f"<div style='{_MUTED}'>{html.escape(self.title)}</div>" if self.title else ""
        return (
            f"<div class='audiokit-table'>{title}<table style='border-collapse:collapse'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self.title)}**", ""] if self.title else []
        lines.append("| " + " | ".join(_md(c) for c in self.columns) + " |")
        lines.append("|" + "---|" * len(self.columns))
        lines += ["| " + " | ".join(_md(c) for c in r) + " |" for r in self.rows]
        return "\n".join(lines)


# -- live view of a streamed transcription ------------------------------------------------------


class LiveTranscript:
    """The text of a transcription stream so far, with a cursor while it grows."""

    def __init__(self, text: str = "", *, events: int = 0, done: bool = False) -> None:
        self.text = text
        self.events = events
        self.done = done

    def __repr__(self) -> str:
        return self.text if self.done else f"{self.text}▌"

    def _repr_html_(self) -> str:
        cursor = "" if self.done else "<span style='opacity:0.6'>▌</span>"
        state = "done" if self.done else "streaming…"
        return (
            "<div class='audiokit-live' style='line-height:1.5'>"
            f"<div style='{_MUTED}'>{state} ({self.events} events)</div>"
            f"<div>{html.escape(self.text)}{cursor}</div></div>"
        )


def show_stream(
    stream: TranscriptStream, *, min_interval: float = LIVE_UPDATE_SECONDS
) -> Transcript:
    """Consume ``stream`` while showing its text grow in the cell output; return the transcript.

    In a notebook the text is one output updated in place (``display_id``); when the stream is
    finished that output is emptied, because the returned Transcript is displayed as the cell's
    value. In a terminal, where an update would print the whole text again, the deltas are
    written out as they come.

    Parameters
    ----------
    stream : TranscriptStream
        From ``transcribe(..., stream=True)``.
    min_interval : float
        Seconds between redraws (the last state is always drawn).
    """
    from IPython import get_ipython
    from IPython.core.displaypub import DisplayPublisher

    shell = get_ipython()
    if shell is None or type(shell.display_pub) is DisplayPublisher:
        return _print_stream(stream)

    from IPython.display import display

    view = LiveTranscript()
    handle = display(view, display_id=True)
    last = -math.inf  # the first delta is drawn at once
    for _event in stream:
        view.text, view.events = stream.text, view.events + 1
        now = time.monotonic()
        if now - last >= min_interval:
            handle.update(view)
            last = now
    handle.update({"text/plain": ""}, raw=True)  # the returned Transcript takes its place
    return stream.transcript


def _print_stream(stream: TranscriptStream) -> Transcript:
    import sys

    shown = 0
    for _event in stream:
        text = stream.text
        if len(text) > shown:
            sys.stdout.write(text[shown:])
            sys.stdout.flush()
            shown = len(text)
    sys.stdout.write("\n")
    return stream.transcript
