"""Changing the sample rate: one-shot (:func:`resample`) or streaming (:func:`stream_resampler`).

Whisper wants 16 kHz, Piper speaks at 22.05 kHz, the API's ``pcm`` is 24 kHz and Opus/MP3/AAC
take only certain rates, so decoding (:mod:`._decode`), encoding (:mod:`._encode`), block
reading (:mod:`._blocks`) and live audio all resample through here. Both resamplers share one
``push()`` / ``flush()`` interface, so a long recording streams through without seams.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._backends import _av, _check_rate, _have_av, as_float32

__all__ = ["resample", "stream_resampler"]

_RESAMPLE_CHUNK = 16_384  # output samples computed per vectorised step of the numpy resampler


# Choice: PyAV's AudioResampler (FFmpeg's libswresample) when PyAV is installed, a numpy
# polyphase windowed-sinc filter otherwise. libswresample is C, stateful (so iter_blocks can
# stream through it with no seams) and what FFmpeg itself uses; it resamples 22.05 -> 16 kHz
# about 10x faster than the numpy path (see benchmarks/bench_local.py). But PyAV lives in the
# ``local`` extra, and the client must still resample with only the core dependencies, so the
# numpy path is a real implementation rather than a stopgap: a Kaiser-windowed sinc (16 zero
# crossings, ~80 dB stop band, cut-off at 95 % of the lower Nyquist rate), evaluated per output
# sample at its exact rational position, also streaming. Tests check that both paths agree with
# each other and with the expected tone.


class _NumpyResampler:
    """Streaming rational-ratio resampler: ``push()`` input pieces, then ``flush()``.

    Output sample ``n`` sits at input position ``n * down / up``; it is the dot product of the
    input around that position with the sinc kernel sampled at the fractional offset. The
    ``up`` fractional offsets ("phases") are tabulated once.
    """

    _ZERO_CROSSINGS = 16
    _ROLLOFF = 0.95
    _KAISER_BETA = 8.0  # ~80 dB stop-band attenuation
    _MAX_PHASES = 8_192  # above this many phases, evaluate the kernel per output instead

    def __init__(self, sr_from: int, sr_to: int) -> None:
        g = math.gcd(sr_from, sr_to)
        self.up, self.down = sr_to // g, sr_from // g
        self.cutoff = min(1.0, sr_to / sr_from) * self._ROLLOFF  # fraction of the input Nyquist
        self.half = math.ceil(self._ZERO_CROSSINGS / self.cutoff)  # taps on each side
        self.offsets = np.arange(-self.half + 1, self.half + 1)  # input index - floor(position)
        self.table = (
            self._kernel(np.arange(self.up) / self.up) if self.up <= self._MAX_PHASES else None
        )
        # input buffer starts with `half` zeros at absolute index -half (left edge padding)
        self._buf = np.zeros(self.half, dtype=np.float32)
        self._buf_start = -self.half
        self._n_in = 0
        self._n_out = 0

    def _kernel(self, frac: np.ndarray) -> np.ndarray:
        """Kernel weights, shape (len(frac), taps), for fractional positions ``frac``."""
        t = frac[:, None] - self.offsets[None, :]
        window = np.i0(self._KAISER_BETA * np.sqrt(np.clip(1.0 - (t / self.half) ** 2, 0.0, None)))
        h = self.cutoff * np.sinc(self.cutoff * t) * window / np.i0(self._KAISER_BETA)
        h /= h.sum(axis=1, keepdims=True)  # unity gain at DC for every phase
        return h.astype(np.float32)

    def _compute(self, n_end: int) -> np.ndarray:
        pieces = []
        for n0 in range(self._n_out, n_end, _RESAMPLE_CHUNK):
            n = np.arange(n0, min(n0 + _RESAMPLE_CHUNK, n_end), dtype=np.int64)
            pos = n * self.down
            base, phase = pos // self.up, pos % self.up
            window = self._buf[base[:, None] + self.offsets[None, :] - self._buf_start]
            weights = self.table[phase] if self.table is not None else self._kernel(phase / self.up)
            pieces.append(np.einsum("ij,ij->i", window, weights, dtype=np.float32))
        self._n_out = max(self._n_out, n_end)
        # drop input no later output needs
        keep_from = (self._n_out * self.down) // self.up - self.half + 1
        if keep_from > self._buf_start:
            self._buf = self._buf[keep_from - self._buf_start :]
            self._buf_start = keep_from
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)

    def push(self, x: np.ndarray) -> np.ndarray:
        self._buf = np.concatenate([self._buf, x.astype(np.float32, copy=False)])
        self._n_in += len(x)
        # output n is ready once input index floor(n*down/up) + half exists
        ready = -(-(self._n_in - self.half) * self.up // self.down)
        return self._compute(ready)

    def flush(self) -> np.ndarray:
        total = -(-self._n_in * self.up // self.down)
        self._buf = np.concatenate([self._buf, np.zeros(self.half, dtype=np.float32)])
        return self._compute(total)


class _AVResampler:
    """Same interface as :class:`_NumpyResampler`, backed by libswresample (mono float)."""

    def __init__(self, sr_from: int, sr_to: int) -> None:
        self._av = _av()
        self._sr_from = sr_from
        self._rs = self._av.AudioResampler(format="flt", layout="mono", rate=sr_to)

    def _run(self, frame: Any) -> np.ndarray:
        out = [f.to_ndarray().reshape(-1) for f in self._rs.resample(frame)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def push(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = self._sr_from
        return self._run(frame)

    def flush(self) -> np.ndarray:
        return self._run(None)


def stream_resampler(sr_from: int, sr_to: int) -> _NumpyResampler | _AVResampler:
    return _AVResampler(sr_from, sr_to) if _have_av() else _NumpyResampler(sr_from, sr_to)


def _resample_mono(x: np.ndarray, sr_from: int, sr_to: int, *, use_av: bool) -> np.ndarray:
    rs = _AVResampler(sr_from, sr_to) if use_av else _NumpyResampler(sr_from, sr_to)
    out = np.concatenate([rs.push(x), rs.flush()])
    return np.ascontiguousarray(out, dtype=np.float32)


def resample(samples: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Change the sample rate of ``samples``.

    Parameters
    ----------
    samples : numpy.ndarray
        1-D mono or 2-D ``(frames, channels)`` audio (integer PCM is scaled to [-1, 1]).
    sr_from, sr_to : int
        Current and wanted rate in Hz.

    Returns
    -------
    numpy.ndarray
        float32, ``ceil(frames * sr_to / sr_from)`` frames, same number of channels.

    Examples
    --------
    >>> resample(np.zeros(22_050, np.float32), 22_050, 16_000).shape
    (16000,)
    """
    sr_from, sr_to = _check_rate("sr_from", sr_from), _check_rate("sr_to", sr_to)
    x = as_float32(samples)
    if sr_from == sr_to:
        return x
    use_av = _have_av()
    if x.ndim == 1:
        return _resample_mono(x, sr_from, sr_to, use_av=use_av)
    channels = [_resample_mono(x[:, c], sr_from, sr_to, use_av=use_av) for c in range(x.shape[1])]
    return np.ascontiguousarray(np.stack(channels, axis=1))
