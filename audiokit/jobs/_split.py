"""Splitting long inputs into pieces that one request can take.

**Audio** (transcription: 25 MB per upload, and a duration cap on some models). A recording is
decoded a block at a time (:func:`audiokit.audio._codec.iter_blocks`, 16 kHz mono), so memory stays
bounded by about one chunk however long the file is. For every block a low-rate energy envelope
is kept (frame RMS in dB, one value per 10 ms). When enough audio for a chunk plus a search
window is buffered, the cut is placed in the best pause inside the window around the target
length: quiet stretches are frames under an adaptive threshold (a local noise floor — a low
percentile of the envelope around the window — plus a margin that grows with the speech-to-noise
distance); among pauses of at least 0.2 s the longest wins, ties going to the one nearest the
target; the cut sits in its middle. Only when the window holds no pause at all does the cut fall
on the quietest 50 ms instead. Each chunk is encoded losslessly (FLAC; MP3 if FLAC would not fit)
and its size checked against the limit; a chunk that still does not fit is halved at a pause.

**Text** (speech: 4096 characters per request). :func:`split_text` packs whole sentences into
pieces; a sentence longer than a piece is cut at clause marks, then between words — never inside
a word.

:func:`audiokit.jobs._merge` puts the results back together; :mod:`audiokit.jobs._long_audio` drives the
requests.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import AudioFile
from ..core import MAX_SPEECH_INPUT_CHARS, MAX_UPLOAD_BYTES, InvalidTypeError, ValidationError

__all__ = [
    "CHUNK_SAMPLE_RATE",
    "DEFAULT_CHUNK_SECONDS",
    "AudioChunk",
    "Pause",
    "energy_db",
    "find_pauses",
    "split_audio",
    "split_text",
]

CHUNK_SAMPLE_RATE = 16_000  # Hz: Whisper's input rate; speech carries little above 8 kHz
DEFAULT_CHUNK_SECONDS = 600.0  # 10 min: FLAC at 16 kHz mono stays far under 25 MB
FRAME_SECONDS = 0.010  # envelope hop: 100 energy values per second of audio
READ_BLOCK_SECONDS = 10.0  # decode this much at a time (a whole number of frames)
MIN_PAUSE_SECONDS = 0.2  # shorter quiet stretches are stop closures inside words
BRIDGE_SECONDS = 0.03  # a blip (click, breath onset) this short does not end a pause
FALLBACK_SMOOTH_SECONDS = 0.05  # no pause found: cut at the quietest stretch this long
FLOOR_CONTEXT_SECONDS = 30.0  # the noise floor is measured this far around the window
FLOOR_PERCENTILE = 10.0  # noise floor: a low percentile of the frame levels
SPEECH_PERCENTILE = 90.0  # speech level: a high percentile
MARGIN_FRACTION = 0.35  # quiet = under floor + this share of (speech - floor) ...
MIN_MARGIN_DB, MAX_MARGIN_DB = 6.0, 20.0  # ... kept within these bounds
SILENT_DB = -100.0  # level given to digital silence (log of zero)
SILENCE_PEAK = 1e-4  # a chunk whose peak is below this (-80 dBFS) is not sent
CHUNK_FORMATS = ("flac", "mp3")  # tried in order until the chunk fits the size limit
MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS = 1.0, 30.0
WINDOW_FRACTION = 0.2  # search window: ± this share of the chunk length, within the bounds

_HOP = round(FRAME_SECONDS * CHUNK_SAMPLE_RATE)  # samples per envelope frame
assert round(READ_BLOCK_SECONDS * CHUNK_SAMPLE_RATE) % _HOP == 0  # blocks align with frames


@dataclass(frozen=True)
class Pause:
    """A quiet stretch of audio (seconds), with its mean level in dBFS."""

    start: float
    end: float
    level_db: float

    @property
    def duration(self) -> float:
        return self.end - self.start


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


# -- energy and pauses ------------------------------------------------------------------------


def energy_db(samples: np.ndarray, frame: int = _HOP) -> np.ndarray:
    """RMS level in dBFS of each ``frame``-sample frame (the last one may be partial)."""
    x = np.asarray(samples, dtype=np.float32)
    full = len(x) // frame
    body = x[: full * frame].reshape(full, frame)
    power = np.einsum("ij,ij->i", body, body, dtype=np.float64) / frame
    if len(x) > full * frame:
        tail = x[full * frame :].astype(np.float64)
        power = np.append(power, np.mean(tail * tail))
    with np.errstate(divide="ignore"):
        db = 10.0 * np.log10(power)
    return np.maximum(db, SILENT_DB).astype(np.float32)


def quiet_threshold(db: np.ndarray) -> float:
    """The level under which a frame counts as quiet, from the frames' own distribution."""
    if len(db) == 0:
        return SILENT_DB
    floor, speech = np.percentile(db, [FLOOR_PERCENTILE, SPEECH_PERCENTILE])
    margin = min(MAX_MARGIN_DB, max(MIN_MARGIN_DB, MARGIN_FRACTION * (speech - floor)))
    return float(floor + margin)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` index ranges where ``mask`` is true."""
    if len(mask) == 0:
        return []
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _quiet_runs(db: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Quiet stretches (frames), with blips shorter than BRIDGE_SECONDS bridged over."""
    runs = _runs(db < threshold)
    bridge = round(BRIDGE_SECONDS / FRAME_SECONDS)
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] <= bridge:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((int(start), int(end)))
    return merged


def find_pauses(
    samples: np.ndarray, sample_rate: int, *, min_pause: float = MIN_PAUSE_SECONDS
) -> list[Pause]:
    """Pauses in ``samples``: quiet stretches of at least ``min_pause`` seconds.

    The threshold adapts to the recording (see the module docstring); this is the detector
    :func:`split_audio` uses, applied to a whole array at once.

    Examples
    --------
    >>> [(round(p.start, 1), round(p.end, 1)) for p in find_pauses(samples, 16_000)]
    ... # doctest: +SKIP
    [(2.9, 3.7), (6.1, 6.9)]
    """
    frame = max(1, round(FRAME_SECONDS * sample_rate))
    db = energy_db(np.asarray(samples, dtype=np.float32).reshape(-1), frame)
    threshold = quiet_threshold(db)
    hop = frame / sample_rate
    return [
        Pause(start * hop, min(end * hop, len(samples) / sample_rate), float(db[start:end].mean()))
        for start, end in _quiet_runs(db, threshold)
        if (end - start) * hop >= min_pause
    ]


def choose_cut(db: np.ndarray, lo: int, hi: int, target: int) -> int:
    """The frame to cut at, within ``[lo, hi)``: the middle of the best pause near ``target``.

    ``db`` is the envelope of the buffered audio (frame 0 = the chunk's start); frames outside
    the window only serve to measure the local noise floor.
    """
    lo, hi = max(1, lo), min(len(db) - 1, hi)
    if hi <= lo:
        return min(max(1, target), len(db))
    context = round(FLOOR_CONTEXT_SECONDS / FRAME_SECONDS)
    threshold = quiet_threshold(db[max(0, lo - context) : hi + context])
    half_width = max(1, (hi - lo) / 2)
    min_frames = round(MIN_PAUSE_SECONDS / FRAME_SECONDS)
    best: tuple[float, int] | None = None
    longest: tuple[int, int] | None = None
    for start, end in _quiet_runs(db[lo:hi], threshold):
        length = end - start
        middle = lo + (start + end) // 2
        if longest is None or length > longest[0]:
            longest = (length, middle)
        if length < min_frames:
            continue
        # the longest pause wins; being far from the target costs at most a quarter of it
        score = length * (1.0 - 0.25 * min(1.0, abs(middle - target) / half_width))
        if best is None or score > best[0]:
            best = (score, middle)
    if best is not None:
        return best[1]
    if longest is not None:
        return longest[1]
    smooth = max(1, round(FALLBACK_SMOOTH_SECONDS / FRAME_SECONDS))
    window = db[lo:hi].astype(np.float64)
    levels = np.convolve(window, np.ones(smooth) / smooth, mode="same")
    return lo + int(np.argmin(levels))


# -- audio ------------------------------------------------------------------------------------


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
        A path or the encoded file's bytes (any format :func:`audiokit.audio._codec.decode` reads).
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
        raise InvalidTypeError("source", type(source).__name__, "a path or the file's bytes")
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


# -- text -------------------------------------------------------------------------------------

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf"}
    | {"vol", "fig", "approx", "dept", "inc", "ltd", "co", "a.m", "p.m", "u.s"}
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n[ \t]*\n")
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–-]+(?=\s)")


def _sentence_spans(text: str) -> list[str]:
    """``text`` cut after every sentence end (whitespace stays with the sentence before)."""
    pieces, begin = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith("."):
            before = text[max(0, match.start() - 12) : match.start()].split()
            stem = before[-1].lstrip("(\"'“‘[").lower() if before else ""
            if stem in _ABBREVIATIONS or (len(stem) == 1 and stem.isalpha()):
                continue  # "Dr. Smith", "J. Doe": not a sentence end
        end = match.end()
        while end < len(text) and text[end].isspace():
            end += 1
        pieces.append(text[begin:end])
        begin = end
    if begin < len(text):
        pieces.append(text[begin:])
    return pieces


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces, begin = [], 0
    for match in pattern.finditer(text):
        pieces.append(text[begin : match.end()])
        begin = match.end()
    pieces.append(text[begin:])
    return [p for p in pieces if p]


def _pack(parts: list[str], max_chars: int, target: float | None = None) -> list[str]:
    """Join consecutive parts into pieces of at most ``max_chars`` (stripped): greedily, or,
    with a ``target`` length, closing each piece where its length comes nearest the target."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        longer = len((current + part).strip())
        if current and (
            longer > max_chars
            or (target is not None and longer - target > target - len(current.strip()))
        ):
            pieces.append(current.strip())
            current = ""
        current += part
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _fit(part: str, max_chars: int) -> list[str]:
    """``part`` as pieces of at most ``max_chars``: clauses, then words, then (only for a
    single word longer than a piece) plain character runs."""
    if len(part.strip()) <= max_chars:
        return [part]
    out: list[str] = []
    for clause in _cut_after(part, _CLAUSE_END):
        if len(clause.strip()) <= max_chars:
            out.append(clause)
            continue
        for word in re.findall(r"\S+\s*", clause) or [clause]:
            if len(word.strip()) <= max_chars:
                out.append(word)
            else:  # one "word" (a URL, a hash) longer than a whole request: no better cut
                out += [word[i : i + max_chars] for i in range(0, len(word), max_chars)]
    return out


def split_text(text: str, max_chars: int = MAX_SPEECH_INPUT_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``max_chars`` characters for speech requests.

    Whole sentences are packed together, into as few pieces as fit and of about even length; a
    sentence longer than ``max_chars`` is cut at clause marks (``, ; : —``), then between words.
    Words are never cut, unless a single word is itself longer than ``max_chars``.

    Examples
    --------
    >>> split_text("One sentence. Another one! A third?", max_chars=20)
    ['One sentence.', 'Another one!', 'A third?']
    """
    if not isinstance(text, str):
        raise InvalidTypeError("input", type(text).__name__, "a string of text to speak")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise ValidationError("max_chars", max_chars, "a whole number of characters >= 1")
    parts: list[str] = []
    for sentence in _sentence_spans(text):
        parts += _fit(sentence, max_chars)
    pieces = _pack(parts, max_chars)
    if len(pieces) > 1:  # even the pieces out, so they synthesise in about the same time
        balanced = _pack(parts, max_chars, target=len(text.strip()) / len(pieces))
        if len(balanced) == len(pieces):
            return balanced
    return pieces
