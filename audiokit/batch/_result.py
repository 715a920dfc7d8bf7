"""What a batch gives back: one :class:`BatchItem` per source, collected in a :class:`BatchResult`.

A failure is kept in its source's item, never raised. :attr:`BatchResult.frame` is a pandas
view built on demand (one row per source, :data:`FRAME_COLUMNS`), never the storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..results import Transcript

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "BatchItem", "BatchResult"]

FRAME_COLUMNS = ["source", "text", "duration", "model", "usage", "error", "cached"]


@dataclass(frozen=True)
class BatchItem:
    """The outcome for one source: a transcript, or the error that stopped it."""

    source: str
    transcript: Transcript | None = None
    error: BaseException | None = None
    cached: bool = False
    duration: float | None = None  # seconds of audio, when known
    seconds: float = 0.0  # wall time spent on it

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
        text = f"{len(self)} sources: {self.ok} transcribed ({self.cached} from cache)"
        text += f", {self.failed} failed"
        if self.rate_limited:
            text += f", paused {self.rate_limited}x for rate limits"
        if self.interrupted:
            text += " — interrupted (run again to resume; finished files are cached)"
        return text

    def __repr__(self) -> str:
        return f"BatchResult({self.summary()})"

    def _repr_html_(self) -> str:
        import html

        frame = self.frame.copy()
        frame["text"] = frame["text"].map(
            lambda t: t if not isinstance(t, str) or len(t) < 120 else t[:117] + "…"
        )
        return f"<p><b>BatchResult</b>: {html.escape(self.summary())}</p>" + frame.to_html(
            max_rows=50, na_rep=""
        )


def _describe(error: BaseException) -> str:
    message = str(error).strip() or "(no message)"
    return f"{type(error).__name__}: {message}"
