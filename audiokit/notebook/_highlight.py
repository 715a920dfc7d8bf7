"""A transcript as HTML with each word's background showing how sure the model was.

:func:`highlight_html` is what the notebook display (``_display.transcript_html``) calls; the
signature ``highlight_html(transcript, threshold=None) -> str`` is the contract between the two.
Words come from :func:`audiokit.analysis.word_columns` (numpy only, no pandas). Every piece of
transcript text goes through :func:`html.escape`; the page's own text colour is kept except on
coloured backgrounds, which get dark text so they read in dark themes too.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis import check_threshold, word_columns
from ..results import provides

if TYPE_CHECKING:
    from ..results import Transcript

__all__ = ["BANDS", "SPEAKER_COLORS", "HighlightedTranscript", "highlight_html", "plain_marked"]

# Confidence bands without a threshold: (lowest confidence of the band, background, legend).
BANDS: tuple[tuple[float, str | None, str], ...] = (
    (0.9, None, "≥ 0.9"),
    (0.7, "#fff0a0", "0.7–0.9"),
    (0.5, "#ffc985", "0.5–0.7"),
    (0.0, "#ff9a9a", "< 0.5"),
)
_LOW_BACKGROUND = "#ff9a9a"  # below an explicit threshold
SPEAKER_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
)
_SWATCH = (
    "display:inline-block;width:0.9em;height:0.9em;vertical-align:-0.1em;"
    "border:1px solid #9996;border-radius:2px;margin:0 0.25em 0 0.6em;background:{}"
)


def _background(conf: float, threshold: float | None) -> str | None:
    if np.isnan(conf):
        return None
    if threshold is not None:
        return _LOW_BACKGROUND if conf < threshold else None
    for lowest, color, _ in BANDS:
        if conf >= lowest:
            return color
    return BANDS[-1][1]


def _title(conf: float, start: float, end: float, speaker: Any) -> str:
    parts = [f"confidence {conf:.3f}"] if not np.isnan(conf) else []
    if not np.isnan(start) and not np.isnan(end):
        parts.append(f"{start:.2f}–{end:.2f} s")
    if speaker is not None:
        parts.append(f"speaker {speaker}")
    return " · ".join(parts)


def _legend(has_conf: bool, threshold: float | None, speakers: dict[Any, str]) -> str:
    items = []
    if not has_conf:
        items.append("no confidence figures (transcribe with <code>logprobs=True</code>)")
    elif threshold is not None:
        items.append(
            f"<span style='{_SWATCH.format(_LOW_BACKGROUND)}'></span>confidence &lt; {threshold:g}"
        )
    else:
        bands = "".join(
            f"<span style='{_SWATCH.format(color or 'transparent')}'></span>{html.escape(label)}"
            for _, color, label in BANDS
        )
        items.append(f"confidence:{bands}")
    if has_conf:
        items.append("hover a word for its probability")
    if speakers:
        items.append(
            "speakers:"
            + "".join(
                f"<span style='{_SWATCH.format(color)}'></span>{html.escape(str(name))}"
                for name, color in speakers.items()
            )
        )
    return (
        "<div class='ak-legend' style='font-size:0.8em;opacity:0.8;margin-bottom:0.4em'>"
        + " &nbsp;|&nbsp; ".join(items)
        + "</div>"
    )


def highlight_html(transcript: Transcript, threshold: float | None = None) -> str:
    """The transcript as HTML, each word's background showing its confidence.

    Parameters
    ----------
    transcript : Transcript
        Any transcript; without logprobs (or word probabilities) the text is shown plainly, with
        its speakers when diarized.
    threshold : float, optional
        Only highlight words whose confidence is below this. By default words are shaded in bands
        (≥ 0.9 plain, 0.7–0.9, 0.5–0.7, < 0.5).

    Returns
    -------
    str
        A ``<div class="audiokit-highlight">``: a small legend, then the text; each word with a
        confidence is a ``<span>`` whose ``title`` (shown on hover) gives it, with its times and
        speaker when known. Diarized speakers get one coloured block per turn.

    Examples
    --------
    >>> html = highlight_html(transcript, threshold=0.6)   # doctest: +SKIP
    """
    threshold = check_threshold(threshold, allow_none=True)
    text = transcript.text
    cols = word_columns(transcript)
    order = np.flatnonzero(~np.isnan(cols.offset))
    order = order[np.argsort(cols.offset[order], kind="stable")]
    offsets = cols.offset[order]
    speakers: dict[Any, str] = {}
    for name in [*transcript.speakers, *cols.speaker.tolist()]:
        if name is not None and name not in speakers:
            speakers[name] = SPEAKER_COLORS[len(speakers) % len(SPEAKER_COLORS)]
    has_conf = bool(np.isfinite(cols.confidence).any())

    def word_html(i: int) -> str:
        conf = float(cols.confidence[i])
        piece = html.escape(text[int(cols.offset[i]) : int(cols.end_offset[i])])
        title = _title(conf, float(cols.start[i]), float(cols.end[i]), cols.speaker[i])
        background = _background(conf, threshold)
        if not title and not background:
            return piece
        style = (
            f" style='background:{background};color:#111;border-radius:3px'" if background else ""
        )
        return f"<span class='ak-w' title='{html.escape(title)}'{style}>{piece}</span>"

    def walk(lo: int, hi: int) -> str:
        out, cursor = [], lo
        first, last = np.searchsorted(offsets, [lo, hi], side="left")
        for i in order[first:last].tolist():
            off, end = int(cols.offset[i]), int(cols.end_offset[i])
            if off < cursor or end > hi:  # overlapping words (should not happen)
                continue
            out += [html.escape(text[cursor:off]), word_html(i)]
            cursor = end
        out.append(html.escape(text[cursor:hi]))
        return "".join(out)

    turns = _turns(transcript, cols, order, len(text)) if speakers else None
    if turns is None:
        body = walk(0, len(text))
    else:
        body = "".join(
            _turn_html(name, speakers.get(name), " ".join(walk(lo, hi) for lo, hi in ranges))
            for name, ranges in turns
        )
    return (
        "<div class='audiokit-highlight' style='line-height:1.8;white-space:pre-wrap'>"
        + _legend(has_conf, threshold, speakers)
        + body
        + "</div>"
    )


def _turn_html(name: Any, color: str | None, inner: str) -> str:
    if name is None or color is None:
        return f"<div class='ak-turn' style='margin:0.2em 0'>{inner}</div>"
    return (
        f"<div class='ak-turn' style='border-left:3px solid {color};padding-left:0.5em;"
        f"margin:0.2em 0'><span class='ak-speaker' style='color:{color};font-weight:600;"
        f"margin-right:0.6em'>{html.escape(str(name))}</span>{inner.strip()}</div>"
    )


def _turns(
    transcript: Transcript, cols: Any, order: np.ndarray, size: int
) -> list[tuple[Any, list[tuple[int, int]]]] | None:
    """Speaker turns as character ranges: from diarized segments (the text between them, such
    as the ``"agent:"`` labels of diarized text, is left out: the turn shows its speaker), else
    from runs of words with the same speaker (the ranges then cover the whole text)."""
    from ..analysis import word_spans

    segs = list(transcript.segment_list)
    turns: list[tuple[Any, list[tuple[int, int]]]] = []
    if any(s.speaker is not None for s in segs):
        s_off, s_end = word_spans(transcript.text, [s.text for s in segs])
        located = [
            (int(o), int(e), s.speaker)
            for o, e, s in zip(s_off, s_end, segs, strict=True)
            if not np.isnan(o)
        ]
        located.sort(key=lambda x: x[0])
        for lo, hi, name in located:
            if turns and turns[-1][0] == name:
                turns[-1][1].append((lo, hi))
            else:
                turns.append((name, [(lo, hi)]))
        return turns or None
    bounds: list[tuple[Any, int]] = []
    for i in order.tolist():
        name = cols.speaker[i]
        if name is not None and (not bounds or bounds[-1][0] != name):
            bounds.append((name, int(cols.offset[i])))
    if not bounds:
        return None
    starts = [0] + [b for _, b in bounds[1:]]
    ends = [b for _, b in bounds[1:]] + [size]
    return [(name, [(lo, hi)]) for (name, _), lo, hi in zip(bounds, starts, ends, strict=True)]


def plain_marked(transcript: Transcript, threshold: float) -> str:
    """The text with words below ``threshold`` in [brackets] (the plain-text rendering)."""
    text = transcript.text
    cols = word_columns(transcript)
    with np.errstate(invalid="ignore"):
        low = np.flatnonzero((cols.confidence < threshold) & ~np.isnan(cols.offset))
    low = low[np.argsort(cols.offset[low], kind="stable")]
    out, cursor = [], 0
    for i in low.tolist():
        off, end = int(cols.offset[i]), int(cols.end_offset[i])
        if off < cursor:
            continue
        out += [text[cursor:off], "[", text[off:end], "]"]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


@provides("highlight")
class HighlightedTranscript:
    """A transcript shown with its words shaded by confidence (``Transcript.highlight()``).

    Notebooks render it as HTML (:func:`highlight_html`); as plain text, words below the
    threshold (0.5 when none is given) are in [brackets]. ``.html`` is the markup itself.
    """

    def __init__(self, transcript: Transcript, threshold: float | None = None) -> None:
        self.transcript = transcript
        self.threshold = check_threshold(threshold, allow_none=True)

    @property
    def html(self) -> str:
        return highlight_html(self.transcript, self.threshold)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return plain_marked(self.transcript, 0.5 if self.threshold is None else self.threshold)
