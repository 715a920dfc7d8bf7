"""How results show in a notebook: HTML/Markdown display, confidence highlighting, matplotlib
plots."""

from ._display import (
    MAX_SEGMENT_ROWS,
    LiveTranscript,
    SpeechPlayer,
    Table,
    show_stream,
    speaker_colors,
    speech_html,
    transcript_html,
    transcript_markdown,
)
from ._highlight import BANDS, SPEAKER_COLORS, HighlightedTranscript, highlight_html, plain_marked
from ._plots import plot_confidence, plot_confidence_histogram

__all__ = [
    "BANDS",
    "MAX_SEGMENT_ROWS",
    "SPEAKER_COLORS",
    "HighlightedTranscript",
    "LiveTranscript",
    "SpeechPlayer",
    "Table",
    "highlight_html",
    "plain_marked",
    "plot_confidence",
    "plot_confidence_histogram",
    "show_stream",
    "speaker_colors",
    "speech_html",
    "transcript_html",
    "transcript_markdown",
]
