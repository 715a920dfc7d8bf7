"""Confidence: how sure the model was of each word, which segments look wrong, and where.

A word's confidence aggregates its tokens' probabilities (tokens located by ``_alignment``; a
token counts for every word it overlaps, since a token can span two CJK characters):
``prob_min`` (the least sure token) and ``prob_mean``. The ``confidence`` column is ``prob_min``:
a word is wrong as soon as any of its pieces is, and one doubtful token (often the tail of a
name) would be averaged away by the confident ones around it. When a word has no tokens,
``confidence`` falls back to the word probability the server reported (the local engine reports
one).

Segments get Whisper's own quality checks (:func:`segment_flags`, with the reference's
thresholds), and :func:`low_confidence` gathers runs of doubtful words or tokens into spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import ValidationError
from ..results import provides
from ._alignment import _structure, _token_words, _tokens
from ._text_index import _object_array

if TYPE_CHECKING:
    import pandas as pd

    from ..results import Transcript

__all__ = [
    "COMPRESSION_RATIO_THRESHOLD",
    "LOGPROB_THRESHOLD",
    "NO_SPEECH_THRESHOLD",
    "WordColumns",
    "check_threshold",
    "confidence_units",
    "floats",
    "low_confidence",
    "segment_flags",
    "word_columns",
]

# The reference's quality thresholds for whisper-1 segments (verbose_json).
LOGPROB_THRESHOLD = -1.0  # avg_logprob below this: "consider the logprobs failed"
COMPRESSION_RATIO_THRESHOLD = 2.4  # gzip ratio above this: repetitive text, "compression failed"
# The reference says "no_speech_prob higher than 1.0 and avg_logprob below -1", but a probability
# cannot exceed 1; openai/whisper's own default no_speech_threshold is 0.6 (with the same
# avg_logprob condition), so that is what we use.
NO_SPEECH_THRESHOLD = 0.6


# -- words ------------------------------------------------------------------------------------


@dataclass
class WordColumns:
    """The word view's columns as numpy arrays (``_tables.words_frame`` wraps them)."""

    word: np.ndarray
    start: np.ndarray
    end: np.ndarray
    speaker: np.ndarray
    segment: np.ndarray  # int64, -1 = no segment
    offset: np.ndarray
    end_offset: np.ndarray
    n_tokens: np.ndarray
    prob_min: np.ndarray
    prob_mean: np.ndarray
    logprob: np.ndarray  # sum of the tokens' logprobs: log P(word)
    probability: np.ndarray  # as reported by the server (word_list), NaN otherwise
    confidence: np.ndarray
    time_source: np.ndarray  # int8 codes into TIME_SOURCES, -1 = unknown


def word_columns(t: Transcript) -> WordColumns:
    """The columns of ``Transcript.words`` (token probabilities aggregated per word)."""
    st = _structure(t)
    n = len(st.word)
    n_tokens = np.zeros(n, dtype=np.int64)
    prob_min = np.full(n, np.nan)
    prob_mean = np.full(n, np.nan)
    logprob = np.full(n, np.nan)
    if t.logprobs and n:
        tc = _tokens(t, st)
        # a token counts for every word it overlaps: usually one, but a token can span two
        # CJK characters, or a space
        first = tc.word_index
        last = _token_words(st, st.index.last_nonspace(tc.offset, tc.end_offset))
        last = np.where((first >= 0) & (last >= first), last, first)
        count = np.where(first >= 0, last - first + 1, 0)
        rows = np.repeat(np.arange(len(first)), count)
        wi = first[rows] + np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
        p = tc.prob[rows]
        n_tokens = np.bincount(wi, minlength=n)
        counted = n_tokens > 0
        mins = np.full(n, np.inf)
        np.minimum.at(mins, wi, p)
        sums = np.bincount(wi, weights=p, minlength=n)
        lsums = np.bincount(wi, weights=tc.logprob[rows], minlength=n)
        prob_min[counted] = mins[counted]
        prob_mean[counted] = sums[counted] / n_tokens[counted]
        logprob[counted] = lsums[counted]
    confidence = np.where(n_tokens > 0, prob_min, st.w_probability)
    return WordColumns(
        word=st.word,
        start=st.w_start,
        end=st.w_stop,
        speaker=st.w_speaker,
        segment=st.w_segment,
        offset=st.w_off,
        end_offset=st.w_end,
        n_tokens=n_tokens,
        prob_min=prob_min,
        prob_mean=prob_mean,
        logprob=logprob,
        probability=st.w_probability,
        confidence=confidence,
        time_source=st.w_time_source,
    )


# -- segments ---------------------------------------------------------------------------------


def segment_flags(
    avg_logprob: np.ndarray, compression_ratio: np.ndarray, no_speech_prob: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whisper's quality checks per segment: (``suspect`` bools, ``flags`` strings).

    ``flags`` names what failed, comma-separated: ``low_logprob`` (avg_logprob < -1),
    ``repetitive`` (compression_ratio > 2.4), ``no_speech`` (no_speech_prob > 0.6 with a low
    avg_logprob: probably silence, the text may be made up). NaN figures never flag.
    """
    with np.errstate(invalid="ignore"):
        low = avg_logprob < LOGPROB_THRESHOLD
        rep = compression_ratio > COMPRESSION_RATIO_THRESHOLD
        silent = (no_speech_prob > NO_SPEECH_THRESHOLD) & low
    flags = _object_array(
        [
            ",".join(
                name
                for name, on in zip(("low_logprob", "repetitive", "no_speech"), row, strict=True)
                if on
            )
            for row in zip(low.tolist(), rep.tolist(), silent.tolist(), strict=True)
        ]
    )
    return low | rep | silent, flags


# -- uncertain spans --------------------------------------------------------------------------

_BY = ("word", "token")


def check_threshold(threshold: Any, *, allow_none: bool = False) -> float | None:
    """A threshold must be a probability in (0, 1]."""
    if threshold is None and allow_none:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ValidationError("threshold", threshold, "a number in (0, 1]")
    if not 0 < float(threshold) <= 1:
        raise ValidationError("threshold", threshold, "a number in (0, 1]")
    return float(threshold)


def check_by(by: Any) -> str:
    if by not in _BY:
        raise ValidationError("by", by, "'word' or 'token'")
    return by


def confidence_units(t: Transcript, by: str) -> pd.DataFrame:
    """The words or tokens view with a ``confidence`` and a ``label`` column.

    Raises ValidationError when the transcript has no confidence figures at all.
    """
    by = check_by(by)
    if by == "token":
        frame = t.tokens
        frame["confidence"] = frame["prob"]
        frame["label"] = frame["token"]
    else:
        frame = t.words
        frame["label"] = frame["word"]
    if not frame["confidence"].notna().any():
        raise ValidationError(
            "logprobs",
            False,
            "a transcript made with logprobs=True (gpt-4o-transcribe, gpt-4o-mini-transcribe "
            "or the local engine)",
            reason="this transcript has no token log-probabilities, so no confidence",
        )
    return frame


@provides("low_confidence")
def low_confidence(t: Transcript, threshold: float = 0.5, by: str = "word") -> pd.DataFrame:
    """Spans of consecutive words (or tokens) whose confidence is below ``threshold``.

    See :meth:`Transcript.low_confidence`.
    """
    import pandas as pd

    threshold = check_threshold(threshold)
    frame = confidence_units(t, by)
    conf = frame["confidence"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        low = conf < threshold
    columns = ["text", "offset", "end_offset", "start", "end", "confidence", "mean_confidence"]
    columns += ["n", "first", "last", "speaker"]
    if not low.any():
        empty = {c: [] for c in columns} | {c: pd.array([], dtype="Int64") for c in columns[1:3]}
        return pd.DataFrame(empty)
    speaker = None
    if "speaker" in frame:  # None for unknown (pandas may hold it as NaN, which != itself)
        speaker = frame["speaker"].astype(object).where(frame["speaker"].notna(), None).to_numpy()
    idx = np.flatnonzero(low)
    # a new span starts where the previous unit was not low, or the speaker changes
    breaks = np.ones(len(idx), dtype=bool)
    breaks[1:] = np.diff(idx) > 1
    if speaker is not None:
        sp = speaker[idx]
        breaks[1:] |= sp[1:] != sp[:-1]
    span_id = np.cumsum(breaks) - 1
    first = idx[breaks]
    last = np.append(idx[np.flatnonzero(breaks)[1:] - 1], idx[-1])
    off, end = floats(frame, "offset"), floats(frame, "end_offset")
    start_t, end_t = floats(frame, "start"), floats(frame, "end")
    labels = frame["label"].to_numpy(dtype=object)
    text = t.text
    n_spans = len(first)
    c = conf[idx]
    span_min = np.full(n_spans, np.inf)
    np.minimum.at(span_min, span_id, c)
    span_mean = np.bincount(span_id, weights=c) / np.bincount(span_id)
    span_text, span_off, span_end, span_start, span_stop = [], [], [], [], []
    for f, la in zip(first.tolist(), last.tolist(), strict=True):
        o = np.nanmin(off[f : la + 1]) if not np.isnan(off[f : la + 1]).all() else np.nan
        e = np.nanmax(end[f : la + 1]) if not np.isnan(end[f : la + 1]).all() else np.nan
        if np.isnan(o):
            piece = " ".join(str(x).strip() for x in labels[f : la + 1])
        else:
            raw = text[int(o) : int(e)]
            piece = raw.strip()
            o += len(raw) - len(raw.lstrip())  # a token's leading space is not part of the span
        span_text.append(piece)
        span_off.append(o)
        span_end.append(e)
        span_start.append(_nan_reduce(np.nanmin, start_t[f : la + 1]))
        span_stop.append(_nan_reduce(np.nanmax, end_t[f : la + 1]))
    return pd.DataFrame(
        {
            "text": span_text,
            "offset": pd.array(span_off, dtype="Int64"),
            "end_offset": pd.array(span_end, dtype="Int64"),
            "start": np.array(span_start, dtype=float),
            "end": np.array(span_stop, dtype=float),
            "confidence": span_min,
            "mean_confidence": span_mean,
            "n": last - first + 1,
            "first": first,
            "last": last,
            "speaker": speaker[first] if speaker is not None else np.full(n_spans, None),
        },
        columns=columns,
    )


def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column of a token or word view as floats, NaN for <NA>; all NaN when the view left the
    column out because no row has a value (times of a transcript without any)."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _nan_reduce(fn: Any, values: np.ndarray) -> float:
    return float("nan") if np.isnan(values).all() else float(fn(values))
