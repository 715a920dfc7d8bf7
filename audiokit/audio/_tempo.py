"""Changing the tempo of speech without changing its pitch: :func:`change_tempo`.

The local voice honours the API's ``speed`` through here. Piper's own ``length_scale`` does not
scale the duration in proportion (every phoneme and every pause between phonemes lasts at least
one whole frame, so speed 2 gave 0.64x the duration and 0.5 gave 1.76x, and the floor makes
speed 4 unreachable), so the voice speaks at its natural pace and FFmpeg's ``atempo`` filter
(WSOLA: overlapping pieces re-spaced, pitch kept) makes the duration exactly ``1 / factor``.
``atempo`` takes factors from 0.5 to 100: slower factors are a chain of 0.5 steps.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import ValidationError
from ._backends import _av, _check_rate

__all__ = ["change_tempo"]

_MIN_STEP = 0.5  # atempo's smallest factor per filter
_FRAME_SAMPLES = 8_192  # samples pushed per frame into the filter graph


def _steps(factor: float) -> list[float]:
    """``factor`` as a chain of atempo factors (each at least 0.5) whose product is ``factor``."""
    steps: list[float] = []
    while factor < _MIN_STEP:
        steps.append(_MIN_STEP)
        factor /= _MIN_STEP
    return [*steps, factor]


def change_tempo(samples: np.ndarray, sample_rate: int, factor: float) -> np.ndarray:
    """``samples`` (float32 mono) played ``factor`` times as fast, at the same pitch.

    The result has ``round(len(samples) / factor)`` samples (to within a few samples of the
    filter's edges, padded or trimmed to exactly that). ``factor`` 1 returns the input.

    >>> import numpy as np
    >>> tone = np.sin(np.arange(16_000) / 16_000 * 2 * np.pi * 440).astype(np.float32)
    >>> change_tempo(tone, 16_000, 2.0).shape
    (8000,)
    """
    sample_rate = _check_rate("sample_rate", sample_rate)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 0:
        raise ValidationError("factor", factor, "a positive number")
    if not math.isfinite(factor) or factor > 100:
        raise ValidationError("factor", factor, "a number up to 100")
    mono = np.ascontiguousarray(np.asarray(samples, dtype=np.float32).reshape(-1))
    if factor == 1 or mono.size == 0:
        return mono
    av = _av()
    graph = av.filter.Graph()
    node = graph.add_abuffer(format="flt", sample_rate=sample_rate, layout="mono")
    source = node
    for step in _steps(float(factor)):
        tempo = graph.add("atempo", f"{step:.9f}")
        node.link_to(tempo)
        node = tempo
    sink = graph.add("abuffersink")
    node.link_to(sink)
    graph.configure()

    out: list[np.ndarray] = []

    def drain() -> None:
        while True:
            try:
                frame = graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            out.append(frame.to_ndarray().reshape(-1))

    for start in range(0, mono.size, _FRAME_SAMPLES):
        frame = av.AudioFrame.from_ndarray(
            mono[None, start : start + _FRAME_SAMPLES], format="flt", layout="mono"
        )
        frame.sample_rate = sample_rate
        frame.pts = start
        source.push(frame)
        drain()
    source.push(None)
    drain()
    result = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
    want = round(mono.size / factor)
    if result.size >= want:
        return result[:want].astype(np.float32, copy=False)
    return np.concatenate([result, np.zeros(want - result.size, dtype=np.float32)])
