"""What a batch gives back: one :class:`BatchItem` per source, collected in a :class:`BatchResult`.

A failure is kept in its source's item, never raised. :attr:`BatchResult.frame` is a pandas
view built on demand (one row per source, :data:`FRAME_COLUMNS`), never the storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..results import Transcript, format_duration, format_usage, plural, transcript_ran, view

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "BatchItem", "BatchResult"]

FRAME_COLUMNS = ["source", "text", "duration", "model", "usage", "error", "cached"]
TABLE_COLUMNS = ["source", "text", "duration", "model", "usage", "error", "cached"]
MAX_TABLE_ROWS = 50  # rows shown; .frame has every source
TEXT_CHARS = 100  # a transcript's text or an error, cut to one line of a table cell
SOURCE_CHARS = 60  # a source name, cut in the middle


@dataclass(frozen=True)
class BatchItem:
    """The outcome for one source: a transcript, or the error that stopped it."""

    source: str
    transcript: Transcript | None = None
    error: BaseException | None = None
    cached: bool = False
    duration: float | None = None  # seconds of audio, when known
    seconds: float = 0.0  # wall time spent on it
    workers: tuple[str, ...] = ()  # on an executor: the workers (host:pid) that ran its tasks

    @property
    def ok(self) -> bool:
        return self.transcript is not None


class BatchResult:
    """What a batch produced, one :class:`BatchItem` per source, in input order.

    Attributes
    ----------
    items : list of BatchItem
    interrupted : bool
        The batch was stopped early; unfinished sources carry an ``interrupted`` error.
    rate_limited : int
        How many 429 answers paused the batch.

    Examples
    --------
    >>> result = audiokit.transcribe_many("recordings/*.mp3")           # doctest: +SKIP
    >>> result.frame.query("error.isna()")[["source", "text"]]          # doctest: +SKIP
    >>> result.transcripts["recordings/a.mp3"].to_srt()                 # doctest: +SKIP
    """

    def __init__(
        self,
        items: list[BatchItem],
        *,
        index: Any = None,
        interrupted: bool = False,
        rate_limited: int = 0,
        seconds: float = 0.0,
    ) -> None:
        self.items = items
        self.interrupted = interrupted
        self.rate_limited = rate_limited
        self.seconds = seconds
        self._index = index

    @property
    def transcripts(self) -> dict[str, Transcript]:
        """Source → Transcript, for the sources that succeeded."""
        return {i.source: i.transcript for i in self.items if i.transcript is not None}

    @property
    def errors(self) -> dict[str, BaseException]:
        """Source → the exception, for the sources that failed."""
        return {i.source: i.error for i in self.items if i.error is not None}

    @property
    def frame(self) -> pd.DataFrame:
        """One row per source: source, text, duration, model, usage, error, cached.

        ``usage`` is the usage dict the server reported; ``error`` is ``"Type: message"`` or
        ``None``. For a pandas Series of sources, the Series' index is kept.
        """
        import pandas as pd

        rows = []
        for item in self.items:
            t = item.transcript
            rows.append(
                {
                    "source": item.source,
                    "text": t.text if t else None,
                    "duration": item.duration,
                    "model": t.model if t else None,
                    "usage": t.usage.to_dict() if t and t.usage else None,
                    "error": _describe(item.error) if item.error else None,
                    "cached": item.cached,
                }
            )
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        if self._index is not None and len(self._index) == len(frame):
            frame.index = self._index
        return frame

    @property
    def ok(self) -> int:
        return sum(1 for i in self.items if i.ok)

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if i.error is not None)

    @property
    def cached(self) -> int:
        return sum(1 for i in self.items if i.cached)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[BatchItem]:
        return iter(self.items)

    def __getitem__(self, key: int | str) -> BatchItem:
        if isinstance(key, int):
            return self.items[key]
        for item in self.items:
            if item.source == key:
                return item
        raise KeyError(key)

    def summary(self) -> str:
        text = f"{plural(len(self), 'source')}: {self.ok} transcribed ({self.cached} from cache)"
        text += f", {self.failed} failed"
        if self.rate_limited:
            text += f", paused {self.rate_limited}x for rate limits"
        if self.interrupted:
            text += " — interrupted (run again to resume; finished files are cached)"
        return text

    def __repr__(self) -> str:
        return f"BatchResult({self.summary()})"

    def table(self, *, max_rows: int = MAX_TABLE_ROWS) -> Any:
        """The batch as people read it (what the notebook shows; :attr:`frame` keeps the data).

        Sources are shown relative to the folder they share (named in the title), durations as
        ``42.3s`` / ``3:05``, usage flattened (``12 s``, ``230 tokens (200 in, 30 out)``),
        texts and errors cut to one line; the model column says what ran (``offline · Whisper
        tiny.en`` on the offline engine).
        """
        names, folder = short_sources([i.source for i in self.items])
        rows = []
        for item, name in zip(self.items[:max_rows], names, strict=False):
            t = item.transcript
            rows.append(
                [
                    name,
                    _one_line(t.text if t else "", TEXT_CHARS),
                    format_duration(item.duration),
                    (transcript_ran(t) or "") if t else "",
                    format_usage(t.usage) if t else "",
                    _one_line(_describe(item.error), TEXT_CHARS) if item.error else "",
                    "yes" if item.cached else "",
                ]
            )
        more = len(self.items) - max_rows
        if more > 0:
            rows.append([f"… {plural(more, 'more source')} (.frame has all)", *[""] * 6])
        title = self.summary() + (f" · in {folder}" if folder else "")
        return view("table")(TABLE_COLUMNS, rows, title=title)  # audiokit.notebook's Table

    def _repr_html_(self) -> str:
        return "<b>BatchResult</b> " + self.table()._repr_html_()

    def _repr_markdown_(self) -> str:
        return self.table()._repr_markdown_()


def short_sources(sources: list[str]) -> tuple[list[str], str]:
    """Sources relative to the folder all of them share (``"a.wav"``, ``"sub/b.wav"``) and that
    folder (``""`` when they share none, or are not paths).

    >>> short_sources(["/data/calls/a.wav", "/data/calls/sub/b.wav"])
    (['a.wav', 'sub/b.wav'], '/data/calls')
    """
    paths = [s for s in sources if os.sep in s or "/" in s]
    folder = ""
    if len(paths) == len(sources) and sources:
        try:
            folder = os.path.commonpath([os.path.dirname(s) or "." for s in sources])
        except ValueError:  # absolute and relative, or different drives
            folder = ""
    if not folder or folder == ".":
        return [_middle(s, SOURCE_CHARS) for s in sources], ""
    return [_middle(os.path.relpath(s, folder), SOURCE_CHARS) for s in sources], folder


def _middle(text: str, limit: int) -> str:
    """A long name cut in the middle, so both its folder and its file name stay readable."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep // 2] + "…" + text[len(text) - (keep - keep // 2) :]


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: BaseException) -> str:
    message = str(error).strip() or "(no message)"
    return f"{type(error).__name__}: {message}"
