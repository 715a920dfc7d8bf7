"""Cutting long audio into chunks that one transcription request can take.

The limits are 25 MB per upload, and a duration cap on some models. A recording is decoded a
block at a time (:func:`audiokit.audio.iter_blocks`, 16 kHz mono), so memory stays bounded by
about one chunk however long the file is. For every block the energy envelope is kept
(:func:`audiokit.audio.energy_db`, one value per 10 ms). When enough audio for a chunk plus a
search window is buffered, the cut is placed in the best pause inside the window around the
target length (:func:`audiokit.audio.choose_cut`). Each chunk is encoded losslessly (FLAC; MP3
if FLAC would not fit) and its size checked against the limit; a chunk that still does not fit
is halved at a pause.

:mod:`audiokit.jobs._long_audio` sends the chunks; :mod:`audiokit.jobs._merge` puts the
transcripts back together.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import FRAME_SECONDS, SILENCE_PEAK, AudioFile, choose_cut, energy_db
from ..core import MAX_UPLOAD_BYTES, InvalidTypeError, ValidationError

__all__ = ["CHUNK_SAMPLE_RATE", "DEFAULT_CHUNK_SECONDS", "AudioChunk", "split_audio"]

CHUNK_SAMPLE_RATE = 16_000  # Hz: Whisper's input rate; speech carries little above 8 kHz
DEFAULT_CHUNK_SECONDS = 600.0  # 10 min: FLAC at 16 kHz mono stays far under 25 MB
READ_BLOCK_SECONDS = 10.0  # decode this much at a time (a whole number of frames)
CHUNK_FORMATS = ("flac", "mp3")  # tried in order until the chunk fits the size limit
MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS = 1.0, 30.0
WINDOW_FRACTION = 0.2  # search window: ± this share of the chunk length, within the bounds

_HOP = round(FRAME_SECONDS * CHUNK_SAMPLE_RATE)  # samples per envelope frame
assert round(READ_BLOCK_SECONDS * CHUNK_SAMPLE_RATE) % _HOP == 0  # blocks align with frames


@dataclass(frozen=True, repr=False)
class AudioChunk:
    """One piece of a split recording: where it lies, and the file to upload for it."""

    index: int
    start: float  # seconds from the start of the recording
    end: float
    file: AudioFile

    @property
    def duration(self) -> float:
        return self.end - self.start

    def __repr__(self) -> str:
        return (
            f"AudioChunk({self.index}, {self.start:.2f}-{self.end:.2f} s, "
            f"{self.file.format}, {self.file.size:,} bytes)"
        )


def _check_seconds(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValidationError(name, value, "a number of seconds > 0")
    if not math.isfinite(value):
        raise ValidationError(name, value, "a finite number of seconds")
    return float(value)


def split_audio(
    source: str | os.PathLike[str] | bytes,
    *,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    max_seconds: float | None = None,
    window_seconds: float | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    total_seconds: float | None = None,
    name: str = "audio",
) -> Iterator[AudioChunk]:
    """Cut a recording at pauses into chunks that each fit one upload.

    Reads ``source`` a block at a time; memory stays near one chunk of 16 kHz samples.

    Parameters
    ----------
    source
        A path or the encoded file's bytes (any format :func:`audiokit.audio.decode` reads).
    chunk_seconds
        Target chunk length. When the total length is known, chunks are evened out to
        ``total / ceil(total / chunk_seconds)`` so the last one is not a sliver.
    max_seconds
        Hard upper bound on a chunk's length (a model's duration limit).
    window_seconds
        Cuts are searched within ± this of the target (default 20 % of the chunk length,
        1-30 s).
    max_bytes
        Size limit of each encoded chunk (default the API's 25 MB).
    total_seconds
        The recording's length, if known (otherwise read from the headers when possible).
    name
        Stem of the chunk file names (``name-part000.flac``, …).

    Yields
    ------
    AudioChunk
        Chunks in order; digitally silent ones are skipped (their time still counts).
    """
    from ..audio import iter_blocks, probe

    target = _check_seconds("chunk_seconds", chunk_seconds) or DEFAULT_CHUNK_SECONDS
    hard_max = _check_seconds("max_seconds", max_seconds) or math.inf
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValidationError("max_bytes", max_bytes, "a positive number of bytes")
    if not isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
        raise InvalidTypeError("source", source, "a path or the file's bytes")
    target = min(target, hard_max)
    if total_seconds is None:
        try:
            total_seconds = probe(source).duration
        except (ValueError, OSError):
            total_seconds = None
    if total_seconds:
        target = total_seconds / max(1, math.ceil(total_seconds / target - 1e-9))
    window = _check_seconds("window_seconds", window_seconds)
    if window is None:
        window = min(MAX_WINDOW_SECONDS, max(MIN_WINDOW_SECONDS, WINDOW_FRACTION * target))
    window = min(window, target / 2)
    reach = min(target + window, hard_max)  # how far a chunk may run past its start

    rate, per_frame = CHUNK_SAMPLE_RATE, _HOP
    chunker = _Chunker(name=name, max_bytes=max_bytes)
    need = round(reach * rate)  # cut once this many samples are buffered
    # One buffer, filled in place and shifted after each cut: no per-block list, no
    # concatenation, so the peak is about one chunk of samples (plus what encoding needs).
    capacity = need + round(READ_BLOCK_SECONDS * rate)
    buf = np.empty(capacity, dtype=np.float32)
    env = np.empty(-(-capacity // per_frame), dtype=np.float32)  # one level per frame
    n = frames = 0  # samples and frames held
    start = 0  # absolute sample index of buf[0]
    for block in iter_blocks(source, sample_rate=rate, block_seconds=READ_BLOCK_SECONDS):
        levels = energy_db(block, per_frame)
        buf[n : n + len(block)] = block
        env[frames : frames + len(levels)] = levels
        n, frames = n + len(block), frames + len(levels)
        while n >= need:
            cut_frame = choose_cut(
                env[:frames],
                lo=round((target - window) / FRAME_SECONDS),
                hi=round(reach / FRAME_SECONDS),
                target=round(target / FRAME_SECONDS),
            )
            cut = cut_frame * per_frame
            yield from chunker.emit(buf[:cut], env[:cut_frame], start)
            buf[: n - cut] = buf[cut:n]  # numpy copies overlapping slices safely
            env[: frames - cut_frame] = env[cut_frame:frames]
            start, n, frames = start + cut, n - cut, frames - cut_frame
    if n:
        yield from chunker.emit(buf[:n], env[:frames], start)


class _Chunker:
    """Encodes chunk samples under the size limit, numbering the chunks it yields."""

    def __init__(self, *, name: str, max_bytes: int) -> None:
        self.name = Path(name).stem or "audio"
        self.max_bytes = max_bytes
        self.index = 0

    def emit(self, samples: np.ndarray, db: np.ndarray, start: int) -> Iterator[AudioChunk]:
        if len(samples) == 0 or float(np.max(np.abs(samples))) < SILENCE_PEAK:
            return
        encoded = self._encode(samples)
        if encoded is None:  # too big even compressed: halve at a pause and try again
            if len(db) < 4:
                raise ValidationError(
                    "max_bytes", self.max_bytes, "a limit that fits at least 40 ms of audio"
                )
            quarter = len(db) // 4
            middle = choose_cut(db, lo=quarter, hi=len(db) - quarter, target=len(db) // 2)
            cut = middle * _HOP
            yield from self.emit(samples[:cut], db[:middle], start)
            yield from self.emit(samples[cut:], db[middle:], start + cut)
            return
        data, fmt = encoded
        rate = CHUNK_SAMPLE_RATE
        file = AudioFile(f"{self.name}-part{self.index:03d}.{fmt}", data, fmt)
        yield AudioChunk(self.index, start / rate, (start + len(samples)) / rate, file)
        self.index += 1

    def _encode(self, samples: np.ndarray) -> tuple[bytes, str] | None:
        from ..audio import encode

        for fmt in CHUNK_FORMATS:
            data = encode(samples, CHUNK_SAMPLE_RATE, fmt)
            if len(data) <= self.max_bytes:
                return data, fmt
        return None
