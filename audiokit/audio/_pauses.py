"""Finding pauses in speech: an energy envelope, an adaptive quiet threshold, cut points.

The envelope is the frame RMS level in dB, one value per 10 ms (:func:`energy_db`). A frame is
quiet when it lies under an adaptive threshold (:func:`quiet_threshold`): a local noise floor —
a low percentile of the levels — plus a margin that grows with the speech-to-noise distance.
Quiet stretches are merged across blips shorter than 30 ms (a click, a breath onset); those of
at least 0.2 s are pauses (:func:`find_pauses`). :func:`choose_cut` picks where to cut inside a
search window: among the pauses the longest wins, ties going to the one nearest the target, and
the cut sits in its middle; only when the window holds no pause at all does the cut fall on the
quietest 50 ms instead.

The detector works on any array; ``split_audio`` (:mod:`audiokit.jobs`) runs it block by block
over a long recording to cut it into upload-sized chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FRAME_SECONDS", "Pause", "choose_cut", "energy_db", "find_pauses"]

FRAME_SECONDS = 0.010  # envelope hop: 100 energy values per second of audio
FRAME_SAMPLES = round(FRAME_SECONDS * 16_000)  # one frame at 16 kHz, Whisper's input rate
MIN_PAUSE_SECONDS = 0.2  # shorter quiet stretches are stop closures inside words
BRIDGE_SECONDS = 0.03  # a blip (click, breath onset) this short does not end a pause
FALLBACK_SMOOTH_SECONDS = 0.05  # no pause found: cut at the quietest stretch this long
FLOOR_CONTEXT_SECONDS = 30.0  # the noise floor is measured this far around the window
FLOOR_PERCENTILE = 10.0  # noise floor: a low percentile of the frame levels
SPEECH_PERCENTILE = 90.0  # speech level: a high percentile
MARGIN_FRACTION = 0.35  # quiet = under floor + this share of (speech - floor) ...
MIN_MARGIN_DB, MAX_MARGIN_DB = 6.0, 20.0  # ... kept within these bounds
SILENT_DB = -100.0  # level given to digital silence (log of zero)


@dataclass(frozen=True)
class Pause:
    """A quiet stretch of audio (seconds), with its mean level in dBFS."""

    start: float
    end: float
    level_db: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def energy_db(samples: np.ndarray, frame: int = FRAME_SAMPLES) -> np.ndarray:
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
    ``split_audio`` uses, applied to a whole array at once.

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
