"""Speaker embeddings in numpy: Resemblyzer's voice encoder, without torch.

The encoder (Resemblyzer, Apache-2.0; weights converted by ``scripts/convert_voice_encoder.py``
into ``data/voice_encoder.npz``, licence beside it) maps 1.6 s of speech to a 256-dim unit
vector; two windows of one voice have a high cosine similarity. Its input is a 40-band power
mel spectrogram (what ``librosa.feature.melspectrogram`` gives for 25 ms Hann windows every
10 ms, Slaney mel scale and norm, no log), its network a 3-layer LSTM (40→256) whose last hidden
state goes through a linear layer, a ReLU and an L2 norm. :func:`mel_spectrogram` and
:class:`VoiceEncoder` redo both exactly (tests/local/test_voice_encoder.py compares them with
embeddings made once by the torch original).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["VoiceEncoder", "mel_spectrogram", "normalize_volume"]

SAMPLE_RATE = 16_000  # Hz
N_FFT = 400  # samples: 25 ms windows
HOP = 160  # samples: 10 ms between frames
N_MELS = 40
PARTIAL_FRAMES = 160  # frames in one partial utterance (1.6 s)
PARTIALS_PER_SECOND = 1.3  # Resemblyzer's default rate for utterance embeddings
MIN_COVERAGE = 0.75  # the last partial is kept if it holds at least this much audio
TARGET_DBFS = -30.0  # volume normalisation target (only ever raised)
EMBEDDING_SIZE = 256
BATCH = 128  # windows per LSTM pass: its gate inputs take 128 × 160 × 1024 floats (84 MB)
WEIGHTS = Path(__file__).parent / "data" / "voice_encoder.npz"
INT16_MAX = 2**15 - 1


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's ``htk=False``)."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    mel = hz / f_sp
    log = hz >= min_log_hz
    return np.where(
        log, min_log_hz / f_sp + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mel
    )


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    hz = f_sp * mel
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), hz)


@functools.lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """(40, 201) triangular filters with Slaney area norm, as ``librosa.filters.mel``."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) float32 power mel spectrogram of 16 kHz ``samples`` (centred frames,
    zero-padded by half a window at each end, periodic Hann window)."""
    x = np.asarray(samples, dtype=np.float32)
    pad = N_FFT // 2
    x = np.pad(x, (pad, pad))
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        x, shape=(n_frames, N_FFT), strides=(x.strides[0] * HOP, x.strides[0])
    )
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    spectrum = np.fft.rfft(frames * window, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return (power @ mel_filterbank().T).astype(np.float32)


def normalize_volume(samples: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """``samples`` raised to ``target_dbfs`` RMS if quieter (never lowered), as the encoder
    was trained."""
    x = np.asarray(samples, dtype=np.float32)
    rms = float(np.sqrt(np.mean((x.astype(np.float64) * INT16_MAX) ** 2))) if len(x) else 0.0
    if rms <= 0:
        return x
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    return x if change < 0 else (x * 10 ** (change / 20)).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # exact, and no overflow warning for large |x|


class VoiceEncoder:
    """Resemblyzer's speaker encoder in numpy.

    Examples
    --------
    >>> enc = VoiceEncoder()
    >>> e = enc.embed_utterance(samples_16k)  # doctest: +SKIP
    >>> float(e @ enc.embed_utterance(other_16k))  # cosine similarity  # doctest: +SKIP
    """

    def __init__(self, weights: str | Path = WEIGHTS) -> None:
        with np.load(weights) as data:
            w = {k: data[k].astype(np.float32) for k in data.files}
        self.layers = [
            (
                w[f"lstm.weight_ih_l{i}"].T.copy(),
                w[f"lstm.weight_hh_l{i}"].T.copy(),
                w[f"lstm.bias_ih_l{i}"] + w[f"lstm.bias_hh_l{i}"],
            )
            for i in range(3)
        ]
        self.linear_w = w["linear.weight"].T.copy()
        self.linear_b = w["linear.bias"]

    def embed_frames(self, mels: np.ndarray) -> np.ndarray:
        """(batch, 256) unit embeddings of (batch, frames, 40) mel windows."""
        x = np.asarray(mels, dtype=np.float32)
        batch, steps, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            hidden = w_hh.shape[0]
            inputs = x @ w_ih + bias  # (batch, steps, 4 * hidden): every step's input at once
            h = np.zeros((batch, hidden), np.float32)
            c = np.zeros((batch, hidden), np.float32)
            out = np.empty((batch, steps, hidden), np.float32)
            for t in range(steps):
                gates = inputs[:, t] + h @ w_hh
                i, f, g, o = np.split(gates, 4, axis=1)  # torch's gate order
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                out[:, t] = h
            x = out
        raw = np.maximum(h @ self.linear_w + self.linear_b, 0.0)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.maximum(norm, 1e-12)

    def embed_windows(self, mel: np.ndarray, starts: Any) -> np.ndarray:
        """Embeddings of the 160-frame windows of ``mel`` starting at frame ``starts``
        (the mel is zero-padded where a window runs past its end)."""
        starts = np.asarray(starts, dtype=np.int64)
        if len(starts) == 0:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        need = int(starts.max()) + PARTIAL_FRAMES
        if need > len(mel):
            mel = np.pad(mel, ((0, need - len(mel)), (0, 0)))
        windows = np.stack([mel[s : s + PARTIAL_FRAMES] for s in starts])
        out = [self.embed_frames(windows[i : i + BATCH]) for i in range(0, len(windows), BATCH)]
        return np.concatenate(out)

    def embed_utterance(self, samples: np.ndarray) -> np.ndarray:
        """One unit embedding of 16 kHz ``samples`` (already volume-normalised): the normed
        mean of its partial embeddings, as Resemblyzer's ``embed_utterance``."""
        n = len(samples)
        n_frames = int(np.ceil((n + 1) / HOP))
        step = int(np.round((SAMPLE_RATE / PARTIALS_PER_SECOND) / HOP))
        starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
        coverage = (n - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP)
        if coverage < MIN_COVERAGE and len(starts) > 1:
            starts = starts[:-1]
        length = (starts[-1] + PARTIAL_FRAMES) * HOP
        wav = np.asarray(samples, np.float32)
        if length >= n:
            wav = np.pad(wav, (0, length - n))
        partials = self.embed_windows(mel_spectrogram(wav), starts)
        mean = partials.mean(axis=0)
        return (mean / np.linalg.norm(mean)).astype(np.float32)
