"""Transcription results: :class:`Transcript` and the records it is made of.

A Transcript keeps everything the server said (``raw``) plus typed records: segments, words,
token log-probabilities, usage. Pandas views (``.segments``, ``.words``, ``.tokens``) are built
on demand from those records; they are never the storage. Every response format parses into the
same type, so srt from whisper-1 and json+logprobs from gpt-4o-mini-transcribe can be used alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import APIResponseError, ParseError, ValidationError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..analysis import Comparison
    from ..notebook import HighlightedTranscript
    from ..widgets import PlayerWidget

from ..records import Segment, TokenLogprob, TokenLogprobs, Usage, Word, float_or_none
from ..text import EXPORTERS, format_subtitles, parse_subtitles, response_body
from ._summary import transcript_repr
from ._views import view

__all__ = ["Transcript", "load_transcript"]


@dataclass(frozen=True)
class Transcript:
    """The result of a transcription or translation.

    Attributes
    ----------
    text : str
        The whole transcript.
    segment_list, word_list, logprobs : tuple
        Typed records (:class:`Segment`, :class:`Word`, :class:`TokenLogprob`). The pandas views
        are ``.segments``, ``.words`` and ``.tokens``. A parsed response keeps ``logprobs`` as
        columns (:class:`~audiokit.records.TokenLogprobs`, a sequence of TokenLogprob that
        makes each record when it is read), so that ``.tokens`` is cheap for long audio.
    language, duration, usage, model, task, response_format
        What the server reported and what was asked.
    params : dict
        The request parameters that produced this transcript (never the API key): what was
        asked, e.g. ``model="gpt-4o-mini-transcribe"``.
    raw : dict | str | None
        The response body exactly as received.
    engine : str | None
        What really ran, when the server said: audiokit's offline engine (in-process or
        ``audiokit serve``) answers every model name with its local Whisper, and reports it,
        e.g. ``"Whisper tiny.en"``; displays then read ``offline · Whisper tiny.en``. ``None``
        for the OpenAI API, where ``model`` is what ran.

    Examples
    --------
    >>> t = audiokit.transcribe("meeting.wav", logprobs=True)     # doctest: +SKIP
    >>> t.tokens.nsmallest(5, "prob")                              # doctest: +SKIP
    >>> t.save("meeting.srt")                                      # doctest: +SKIP
    """

    text: str
    language: str | None = None
    duration: float | None = None
    segment_list: tuple[Segment, ...] = ()
    word_list: tuple[Word, ...] = ()
    logprobs: Sequence[TokenLogprob] = ()
    usage: Usage | None = None
    model: str | None = None
    task: str = "transcribe"
    response_format: str = "json"
    params: Mapping[str, Any] = field(default_factory=dict)
    raw: Any = field(default=None, compare=False)
    engine: str | None = None

    # -- parsing ------------------------------------------------------------------------------

    @classmethod
    def from_response(
        cls,
        body: Any,
        response_format: str = "json",
        *,
        model: str | None = None,
        task: str = "transcribe",
        params: Mapping[str, Any] | None = None,
        engine: str | None = None,
    ) -> Transcript:
        """Build a Transcript from a response body in any of the API's formats.

        ``body`` is the decoded JSON (dict) for json/verbose_json/diarized_json, or the text for
        text/srt/vtt. Subtitles are parsed into segments.
        """
        common = dict(
            model=model,
            task=task,
            response_format=response_format,
            params=dict(params or {}),
            raw=body,
            engine=engine,
        )
        if response_format in ("srt", "vtt"):
            if not isinstance(body, str):
                raise APIResponseError(
                    f"expected {response_format} text, got {type(body).__name__}"
                )
            segments = parse_subtitles(body, response_format)
            text = " ".join(s.text.strip() for s in segments if s.text.strip())
            end = segments[-1].end if segments else None
            return cls(text=text, segment_list=tuple(segments), duration=end, **common)
        if response_format == "text" or isinstance(body, str):
            if not isinstance(body, str):
                body = json.dumps(body)
            return cls(text=body.strip(), **common)
        if not isinstance(body, Mapping) or not isinstance(body.get("text"), str):
            raise APIResponseError(
                f"a {response_format} transcription response needs a 'text' string; "
                f"got {str(body)[:200]!r}"
            )
        try:
            return cls._from_json(body, common)
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise APIResponseError(
                f"malformed {response_format} transcription response ({exc!r}): {str(body)[:200]!r}"
            ) from exc

    @classmethod
    def _from_json(cls, body: Mapping[str, Any], common: dict[str, Any]) -> Transcript:
        segments = tuple(
            Segment.from_dict(s, i)
            for i, s in enumerate(body.get("segments") or ())
            if isinstance(s, Mapping)
        )
        words = tuple(
            Word(
                word=str(w.get("word", "")),
                start=float_or_none(w.get("start")),
                end=float_or_none(w.get("end")),
                speaker=w.get("speaker"),
                probability=float_or_none(w.get("probability")),
            )
            for w in body.get("words") or ()
            if isinstance(w, Mapping)
        )
        return cls(
            text=body["text"],
            language=body.get("language"),
            duration=float_or_none(body.get("duration")),
            segment_list=segments,
            word_list=words,
            logprobs=_logprobs(body.get("logprobs")),
            usage=Usage.from_dict(
                body.get("usage") if isinstance(body.get("usage"), Mapping) else None
            ),
            **common,
        )

    # -- derived facts ------------------------------------------------------------------------

    @property
    def speakers(self) -> list[str]:
        """Speaker labels in order of first appearance (diarized output)."""
        seen: dict[str, None] = {}
        for seg in self.segment_list:
            if seg.speaker is not None:
                seen.setdefault(seg.speaker, None)
        return list(seen)

    @property
    def has_logprobs(self) -> bool:
        return bool(self.logprobs)

    # -- pandas views -------------------------------------------------------------------------

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment: id, start, end, text, speaker and whisper's quality figures."""
        return view("segments")(self)

    @property
    def words(self) -> pd.DataFrame:
        """One row per word: word, confidence, offsets in the text; times, speaker, segment when
        some word has them (columns no row has are left out: see ``analysis.words_frame``)."""
        return view("words")(self)

    @property
    def tokens(self) -> pd.DataFrame:
        """One row per token: token, logprob, prob, bytes, offsets in the text, word; segment and
        times when some token has them (see ``analysis.tokens_frame``)."""
        return view("tokens")(self)

    # -- confidence ---------------------------------------------------------------------------

    def low_confidence(self, threshold: float = 0.5, by: str = "word") -> pd.DataFrame:
        """Uncertain stretches: runs of adjacent words (or tokens) with confidence < threshold.

        Parameters
        ----------
        threshold : float
            A probability in (0, 1]; words (or tokens) below it are uncertain.
        by : {"word", "token"}
            Word confidence (its least probable token, see ``.words``) or token probability.

        Returns
        -------
        pandas.DataFrame
            One row per span: ``text``, ``offset``/``end_offset`` (characters in ``.text``),
            ``start``/``end`` (seconds: word timestamps when the transcript has them, else the
            segment's, else NaN), ``confidence`` (lowest in the span),
            ``mean_confidence``, ``n`` (words or tokens), ``first``/``last`` (rows of ``.words``
            or ``.tokens``) and ``speaker``. A speaker change ends a span.

        Examples
        --------
        >>> t = audiokit.transcribe("talk.wav", logprobs=True)    # doctest: +SKIP
        >>> t.low_confidence(0.6)[["text", "start", "confidence"]] # doctest: +SKIP
        """
        return view("low_confidence")(self, threshold, by)

    def plot_confidence(
        self, by: str = "word", threshold: float = 0.5, ax: Axes | None = None
    ) -> Axes:
        """Plot word (or token) confidence along the transcript; returns the matplotlib Axes.

        The x axis is time when every word has a timestamp, else the word's position. The
        threshold is a dashed line; words below it are red and labelled (the 25 least sure).

        >>> ax = t.plot_confidence(threshold=0.6)    # doctest: +SKIP
        >>> ax.figure.savefig("confidence.png")      # doctest: +SKIP
        """
        return view("plot_confidence")(self, by, threshold, ax)

    def plot_confidence_histogram(
        self, ax: Axes | None = None, *, by: str = "word", threshold: float = 0.5, bins: int = 20
    ) -> Axes:
        """Histogram of word (or token) confidence, bins below ``threshold`` in red.

        Returns the matplotlib Axes. The y axis turns logarithmic when most values pile up
        near 1 and the low bins would otherwise be invisible.
        """
        return view("plot_confidence_histogram")(self, ax, by=by, threshold=threshold, bins=bins)

    def highlight(self, threshold: float | None = None) -> HighlightedTranscript:
        """The transcript with each word's background showing its confidence (HTML in notebooks).

        With ``threshold`` only words below it are highlighted. Hover a word for its
        probability. See :func:`audiokit.notebook._highlight.highlight_html`.
        """
        return view("highlight")(self, threshold)

    def player(self, audio: Any, *, threshold: float = 0.5) -> PlayerWidget:
        """The recording with this transcript under it, to review and fix (a widget).

        See :func:`audiokit.widgets.player`; needs anywidget. ``w.transcript`` is the result.
        """
        return view("player")(self, audio, threshold=threshold)

    def compare(self, reference: Transcript | str) -> Comparison:
        """Word alignment and WER of this transcript against ``reference``; see
        :func:`audiokit.compare`."""
        return view("compare")(self, reference)

    # -- export -------------------------------------------------------------------------------

    def to_srt(self) -> str:
        """SubRip subtitles (needs segments with times)."""
        return format_subtitles(self._timed_segments("srt"), "srt")

    def to_vtt(self) -> str:
        """WebVTT subtitles (needs segments with times); speakers become ``<v>`` voice tags."""
        return format_subtitles(self._timed_segments("vtt"), "vtt")

    def to_text(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """Everything but ``raw``, as plain JSON-able data (the inverse of :meth:`from_dict`)."""
        out = asdict(replace(self, logprobs=(), raw=None))  # logprobs: no deep copy of columns
        out.pop("raw")
        out["usage"] = self.usage.to_dict() if self.usage else None
        out["logprobs"] = TokenLogprobs.of(self.logprobs).to_dicts()
        out["params"] = _jsonable(dict(self.params))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transcript:
        """Rebuild a Transcript saved with :meth:`to_dict` / :meth:`to_json`."""
        if not isinstance(data, Mapping) or not isinstance(data.get("text"), str):
            raise ParseError(f"a saved transcript needs a 'text' string; got {str(data)[:200]!r}")
        return cls(
            text=data["text"],
            language=data.get("language"),
            duration=data.get("duration"),
            segment_list=tuple(
                Segment(**{**s, "tokens": tuple(s.get("tokens") or ())})
                for s in data.get("segment_list", ())
            ),
            word_list=tuple(Word(**w) for w in data.get("word_list", ())),
            logprobs=_logprobs(data.get("logprobs"), strict=True),
            usage=Usage.from_dict(data.get("usage")),
            model=data.get("model"),
            task=data.get("task", "transcribe"),
            response_format=data.get("response_format", "json"),
            params=data.get("params") or {},
            engine=data.get("engine"),
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The whole transcript as JSON; :func:`audiokit.load_transcript` reads it back."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_response(self, response_format: str) -> str | dict[str, Any]:
        """The body the API would send for this transcript in ``response_format``.

        Used by the local engine so that it speaks the API's wire format exactly.
        """
        return response_body(self, response_format)

    def save(self, path: str | Path) -> Path:
        """Write the transcript; the extension chooses the format (.srt .vtt .txt .json)."""
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        exporter = EXPORTERS.get(suffix)
        if exporter is None:
            raise ValidationError(
                "path",
                str(path),
                ", ".join(f".{s}" for s in EXPORTERS),
                reason="unknown transcript file extension",
            )
        path.write_text(exporter(self), encoding="utf-8")
        return path

    def with_offset(self, seconds: float, *, segment_id_start: int = 0) -> Transcript:
        """A copy with every time shifted by ``seconds`` (used to merge chunks of long audio)."""
        segments = tuple(
            replace(
                s,
                id=(segment_id_start + i) if isinstance(s.id, int) else s.id,
                start=None if s.start is None else s.start + seconds,
                end=None if s.end is None else s.end + seconds,
            )
            for i, s in enumerate(self.segment_list)
        )
        words = tuple(
            replace(
                w,
                start=None if w.start is None else w.start + seconds,
                end=None if w.end is None else w.end + seconds,
            )
            for w in self.word_list
        )
        return replace(self, segment_list=segments, word_list=words)

    def _timed_segments(self, fmt: str) -> tuple[Segment, ...]:
        if self.segment_list and all(
            s.start is not None and s.end is not None for s in self.segment_list
        ):
            return self.segment_list
        if self.duration is not None and self.text:
            return (Segment(id=0, start=0.0, end=self.duration, text=self.text),)
        raise ValidationError(
            "response_format",
            self.response_format,
            "verbose_json, srt, vtt or diarized_json (formats with timestamps)",
            reason=f"this transcript has no timestamps to write as {fmt}",
        )

    # -- display ------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return transcript_repr(self)

    def _repr_html_(self) -> str:
        return view("transcript_html")(self)

    def _repr_markdown_(self) -> str:
        return view("transcript_markdown")(self)

    def __str__(self) -> str:
        return self.text


def _logprobs(items: Any, *, strict: bool = False) -> Sequence[TokenLogprob]:
    """The body's token logprobs as columns; () when there are none.

    A response's entries that are not objects are skipped; a saved transcript (``strict``)
    must hold only token objects.
    """
    if strict and items and not set(map(type, items)) <= {dict}:
        bad = next((x for x in items if not isinstance(x, Mapping)), None)
        if bad is not None:
            raise TypeError(f"a saved token must be an object, got {bad!r}")
    if not items or isinstance(items, (str, bytes, Mapping)):  # nothing that holds tokens
        return ()
    columns = TokenLogprobs.from_dicts(items)
    return columns if len(columns) else ()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def load_transcript(path: str) -> Transcript:
    """Read a transcript saved with :meth:`Transcript.save` (.json, .srt, .vtt or .txt)."""
    file = Path(path)
    suffix = file.suffix.lower().lstrip(".")
    if suffix not in ("json", "srt", "vtt", "txt"):
        raise ValidationError("path", str(path), ".json, .srt, .vtt or .txt")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{file.name} is not UTF-8 text: {exc}") from exc
    if suffix == "json":
        try:
            return Transcript.from_dict(json.loads(text))
        except ParseError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise ParseError(f"{file.name} is not a saved audiokit transcript: {exc!r}") from exc
    if suffix in ("srt", "vtt"):
        return Transcript.from_response(text, suffix)
    return Transcript.from_response(text, "text")
