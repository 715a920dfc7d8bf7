"""Transcription results: :class:`Transcript` and the records it is made of.

A Transcript keeps everything the server said (``raw``) plus typed records: segments, words,
token log-probabilities, usage. Pandas views (``.segments``, ``.words``, ``.tokens``) are built
on demand from those records; they are never the storage. Every response format parses into the
same type, so srt from whisper-1 and json+logprobs from gpt-4o-mini-transcribe can be used alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import APIResponseError, ValidationError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ._compare import Comparison
    from ._highlight import HighlightedTranscript

__all__ = ["Segment", "TokenLogprob", "Transcript", "Usage", "Word"]


@dataclass(frozen=True)
class TokenLogprob:
    """One token of the transcript with its log probability."""

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenLogprob:
        # On the path of every streamed delta: kept lean (bench_sse.py).
        raw_bytes = data.get("bytes")
        token = data.get("token", "")
        return cls(
            token if type(token) is str else str(token),
            float(data.get("logprob", 0.0)),
            None if raw_bytes is None else tuple(map(int, raw_bytes)),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"token": self.token, "logprob": self.logprob}
        if self.bytes is not None:
            out["bytes"] = list(self.bytes)
        return out


@dataclass(frozen=True)
class Word:
    """A word with its time span (seconds) and, for diarized output, its speaker."""

    word: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    probability: float | None = None  # reported by some servers (e.g. the local engine)


@dataclass(frozen=True)
class Segment:
    """A stretch of the transcript: a whisper segment, a subtitle cue or a diarized turn."""

    id: int | str
    start: float | None
    end: float | None
    text: str
    speaker: str | None = None
    seek: int | None = None
    tokens: tuple[int, ...] = ()
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> Segment:
        return cls(
            id=data.get("id", index),
            start=_float_or_none(data.get("start")),
            end=_float_or_none(data.get("end")),
            text=str(data.get("text", "")),
            speaker=data.get("speaker"),
            seek=data.get("seek"),
            tokens=tuple(data.get("tokens") or ()),
            temperature=_float_or_none(data.get("temperature")),
            avg_logprob=_float_or_none(data.get("avg_logprob")),
            compression_ratio=_float_or_none(data.get("compression_ratio")),
            no_speech_prob=_float_or_none(data.get("no_speech_prob")),
        )


@dataclass(frozen=True)
class Usage:
    """What the request was billed for: tokens (gpt-4o models) or seconds (whisper-1)."""

    type: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_text_tokens: int | None = None
    input_audio_tokens: int | None = None
    seconds: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Usage | None:
        if not data:
            return None
        details = data.get("input_token_details") or {}
        return cls(
            type=data.get("type"),
            input_tokens=data.get("input_tokens"),
            output_tokens=data.get("output_tokens"),
            total_tokens=data.get("total_tokens"),
            input_text_tokens=details.get("text_tokens"),
            input_audio_tokens=details.get("audio_tokens"),
            seconds=data.get("seconds"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.type == "duration" or self.seconds is not None:
            out["seconds"] = self.seconds
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.input_text_tokens is not None or self.input_audio_tokens is not None:
            out["input_token_details"] = {
                k: v
                for k, v in (
                    ("text_tokens", self.input_text_tokens),
                    ("audio_tokens", self.input_audio_tokens),
                )
                if v is not None
            }
        return {k: v for k, v in out.items() if v is not None}

    def __add__(self, other: Usage | None) -> Usage:
        """Sum two usages (used when chunks of long audio are merged)."""
        if other is None:
            return self

        def plus(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a + b

        return Usage(
            type=self.type if self.type == other.type else self.type or other.type,
            **{
                f.name: plus(getattr(self, f.name), getattr(other, f.name))
                for f in fields(self)
                if f.name != "type"
            },
        )

    __radd__ = __add__


@dataclass(frozen=True)
class Transcript:
    """The result of a transcription or translation.

    Attributes
    ----------
    text : str
        The whole transcript.
    segment_list, word_list, logprobs : tuple
        Typed records (:class:`Segment`, :class:`Word`, :class:`TokenLogprob`). The pandas views
        are ``.segments``, ``.words`` and ``.tokens``.
    language, duration, usage, model, task, response_format
        What the server reported and what was asked.
    params : dict
        The request parameters that produced this transcript (never the API key).
    raw : dict | str | None
        The response body exactly as received.

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
    logprobs: tuple[TokenLogprob, ...] = ()
    usage: Usage | None = None
    model: str | None = None
    task: str = "transcribe"
    response_format: str = "json"
    params: Mapping[str, Any] = field(default_factory=dict)
    raw: Any = field(default=None, compare=False)

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
    ) -> Transcript:
        """Build a Transcript from a response body in any of the API's formats.

        ``body`` is the decoded JSON (dict) for json/verbose_json/diarized_json, or the text for
        text/srt/vtt. Subtitles are parsed into segments.
        """
        from ._formats import parse_subtitles

        common = dict(
            model=model,
            task=task,
            response_format=response_format,
            params=dict(params or {}),
            raw=body,
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
                start=_float_or_none(w.get("start")),
                end=_float_or_none(w.get("end")),
                speaker=w.get("speaker"),
                probability=_float_or_none(w.get("probability")),
            )
            for w in body.get("words") or ()
            if isinstance(w, Mapping)
        )
        return cls(
            text=body["text"],
            language=body.get("language"),
            duration=_float_or_none(body.get("duration")),
            segment_list=segments,
            word_list=words,
            logprobs=tuple(
                TokenLogprob.from_dict(lp)
                for lp in body.get("logprobs") or ()
                if isinstance(lp, Mapping)
            ),
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
        from ._tables import segments_frame

        return segments_frame(self)

    @property
    def words(self) -> pd.DataFrame:
        """One row per word: word, start, end, speaker and confidence when known."""
        from ._tables import words_frame

        return words_frame(self)

    @property
    def tokens(self) -> pd.DataFrame:
        """One row per token: token, logprob, prob, bytes, offset in the text, word, segment."""
        from ._tables import tokens_frame

        return tokens_frame(self)

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
        from ._confidence import low_confidence

        return low_confidence(self, threshold, by)

    def plot_confidence(
        self, by: str = "word", threshold: float = 0.5, ax: Axes | None = None
    ) -> Axes:
        """Plot word (or token) confidence along the transcript; returns the matplotlib Axes.

        The x axis is time when every word has a timestamp, else the word's position. The
        threshold is a dashed line; words below it are red and labelled (the 25 least sure).

        >>> ax = t.plot_confidence(threshold=0.6)    # doctest: +SKIP
        >>> ax.figure.savefig("confidence.png")      # doctest: +SKIP
        """
        from ._plots import plot_confidence

        return plot_confidence(self, by, threshold, ax)

    def plot_confidence_histogram(
        self, ax: Axes | None = None, *, by: str = "word", threshold: float = 0.5, bins: int = 20
    ) -> Axes:
        """Histogram of word (or token) confidence, bins below ``threshold`` in red.

        Returns the matplotlib Axes. The y axis turns logarithmic when most values pile up
        near 1 and the low bins would otherwise be invisible.
        """
        from ._plots import plot_confidence_histogram

        return plot_confidence_histogram(self, ax, by=by, threshold=threshold, bins=bins)

    def highlight(self, threshold: float | None = None) -> HighlightedTranscript:
        """The transcript with each word's background showing its confidence (HTML in notebooks).

        With ``threshold`` only words below it are highlighted. Hover a word for its
        probability. See :func:`audiokit._highlight.highlight_html`.
        """
        from ._highlight import HighlightedTranscript

        return HighlightedTranscript(self, threshold)

    def compare(self, reference: Transcript | str) -> Comparison:
        """Word alignment and WER of this transcript against ``reference``; see
        :func:`audiokit.compare`."""
        from ._compare import compare

        return compare(self, reference)

    # -- export -------------------------------------------------------------------------------

    def to_srt(self) -> str:
        """SubRip subtitles (needs segments with times)."""
        from ._formats import format_subtitles

        return format_subtitles(self._timed_segments("srt"), "srt")

    def to_vtt(self) -> str:
        """WebVTT subtitles (needs segments with times); speakers become ``<v>`` voice tags."""
        from ._formats import format_subtitles

        return format_subtitles(self._timed_segments("vtt"), "vtt")

    def to_text(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """Everything but ``raw``, as plain JSON-able data (the inverse of :meth:`from_dict`)."""
        out = asdict(self)
        out.pop("raw")
        out["usage"] = self.usage.to_dict() if self.usage else None
        out["logprobs"] = [lp.to_dict() for lp in self.logprobs]
        out["params"] = _jsonable(dict(self.params))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transcript:
        """Rebuild a Transcript saved with :meth:`to_dict` / :meth:`to_json`."""
        from ._errors import ParseError

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
            logprobs=tuple(TokenLogprob.from_dict(lp) for lp in data.get("logprobs", ())),
            usage=Usage.from_dict(data.get("usage")),
            model=data.get("model"),
            task=data.get("task", "transcribe"),
            response_format=data.get("response_format", "json"),
            params=data.get("params") or {},
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The whole transcript as JSON; :func:`audiokit.load_transcript` reads it back."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_response(self, response_format: str) -> str | dict[str, Any]:
        """The body the API would send for this transcript in ``response_format``.

        Used by the local engine so that it speaks the API's wire format exactly.
        """
        from ._formats import response_body

        return response_body(self, response_format)

    def save(self, path: str | Path) -> Path:
        """Write the transcript; the extension chooses the format (.srt .vtt .txt .json)."""
        from ._formats import EXPORTERS

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
        from ._display import transcript_repr

        return transcript_repr(self)

    def _repr_html_(self) -> str:
        from ._display import transcript_html

        return transcript_html(self)

    def _repr_markdown_(self) -> str:
        from ._display import transcript_markdown

        return transcript_markdown(self)

    def __str__(self) -> str:
        return self.text


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def merge_logprobs(chunks: Iterable[Iterable[TokenLogprob]]) -> tuple[TokenLogprob, ...]:
    """Concatenate token log-probabilities from several deltas or chunks."""
    return tuple(lp for chunk in chunks for lp in chunk)
