"""Putting split work back together: chunk transcripts into one, speech pieces into one file.

The counterpart of :mod:`audiokit.jobs._chunks` (audio) and :mod:`audiokit.jobs._long_text`
(text). A merged :class:`Transcript` reads as if the whole recording had been sent at once:
text joined with single spaces, segments and words shifted to absolute times
(:meth:`Transcript.with_offset`) and renumbered, token logprobs concatenated, usage summed, and
``raw`` set to the body the API would have sent for the whole (so the merged srt/vtt is
renumbered from 1). Speech pieces are decoded, joined with a short pause and encoded once, so
the result is one well-formed file (a single mp3/aac/opus stream with correct headers),
not a concatenation of files.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..records import Usage
from ..results import PCM_SAMPLE_RATE, Speech, Transcript

__all__ = ["PIECE_PAUSE_SECONDS", "join_speech", "join_texts", "merge_transcripts"]

PIECE_PAUSE_SECONDS = 0.3  # silence between joined speech pieces: a sentence break


def join_texts(texts: Sequence[str]) -> str:
    """Join chunk texts with one space at each seam (no doubled or stray spaces)."""
    return " ".join(t.strip() for t in texts if t and t.strip())


def _sum_usage(usages: Sequence[Usage | None]) -> Usage | None:
    present = [u for u in usages if u is not None]
    return functools.reduce(lambda a, b: a + b, present) if present else None


def merge_transcripts(
    parts: Sequence[tuple[float, Transcript]],
    *,
    duration: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> Transcript:
    """Merge the transcripts of consecutive chunks into one.

    Parameters
    ----------
    parts
        ``(offset_seconds, transcript)`` per chunk, in order.
    duration
        Length of the whole recording; used when the chunks report durations (verbose_json,
        diarized_json, srt, vtt).
    params
        Parameters to record on the result (default: the first chunk's).

    Returns
    -------
    Transcript
        ``response_format``, ``model``, ``task`` from the first chunk; ``raw`` is the merged
        response body in that format.
    """
    if not parts:
        raise ValueError("merge_transcripts needs at least one chunk")
    first = parts[0][1]
    segments, words, logprobs = [], [], []
    for offset, transcript in parts:
        shifted = transcript.with_offset(offset, segment_id_start=len(segments))
        segments += shifted.segment_list
        words += shifted.word_list
        logprobs += transcript.logprobs
    timed = all(t.duration is not None for _, t in parts)
    if timed and duration is None:
        offset, last = parts[-1]
        duration = offset + (last.duration or 0.0)
    merged = Transcript(
        text=join_texts([t.text for _, t in parts]),
        language=next((t.language for _, t in parts if t.language), None),
        duration=duration if timed else None,
        segment_list=tuple(segments),
        word_list=tuple(words),
        logprobs=tuple(logprobs),
        usage=_sum_usage([t.usage for _, t in parts]),
        model=first.model,
        task=first.task,
        response_format=first.response_format,
        params=dict(params if params is not None else first.params),
        engine=first.engine,
    )
    try:
        raw: Any = merged.to_response(merged.response_format)
    except ValueError:  # e.g. subtitles without times: keep the chunks' own bodies
        raw = [t.raw for _, t in parts]
    return replace(merged, raw=raw)


def join_speech(
    pieces: Sequence[Speech],
    response_format: str,
    *,
    pause_seconds: float = PIECE_PAUSE_SECONDS,
    params: Mapping[str, Any] | None = None,
) -> Speech:
    """Decode ``pieces``, join them with ``pause_seconds`` of silence, encode once.

    Parameters
    ----------
    pieces
        Speech results in order (any formats; they are decoded).
    response_format
        The format of the joined file (one of the API's speech formats).
    pause_seconds
        Silence between pieces.
    params
        Parameters to record on the result.
    """
    import numpy as np

    from ..audio import encode, resample

    if not pieces:
        raise ValueError("join_speech needs at least one piece")
    decoded = [p.to_numpy() for p in pieces]
    rate = PCM_SAMPLE_RATE if response_format == "pcm" else decoded[0][1]
    gap = np.zeros(round(pause_seconds * rate), dtype=np.float32)
    parts = []
    for i, (samples, piece_rate) in enumerate(decoded):
        if i:
            parts.append(gap)
        parts.append(samples if piece_rate == rate else resample(samples, piece_rate, rate))
    data = encode(np.concatenate(parts), rate, response_format)
    return Speech(
        data,
        format=response_format,
        params=dict(params if params is not None else pieces[0].params),
        usage=_sum_usage([p.usage for p in pieces]),
        engine=pieces[0].engine,
    )
