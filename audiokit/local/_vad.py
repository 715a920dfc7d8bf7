"""Server VAD for realtime sessions: Silero scores, turns from the scores, the audio held.

The WebSocket protocol (``_realtime``) feeds each session's input, resampled to 16 kHz, through
three pieces: :class:`SileroStream` scores every 32 ms window with faster-whisper's bundled
Silero VAD, run incrementally; :class:`TurnDetector` turns the scores into speech starts and
stops (``threshold``, ``silence_duration_ms``); :class:`AudioBuffer` holds the uncommitted audio
so that a stop (or a client commit) can take the utterance, prefix padding included. Nothing here
knows about events or the WebSocket; faster-whisper loads only when :func:`silero` is first called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["VAD_WINDOW", "AudioBuffer", "SileroStream", "TurnDetector"]

VAD_RATE = 16_000  # Hz: Silero VAD and Whisper
VAD_WINDOW = 512  # samples at 16 kHz (32 ms): the window Silero v6 scores
VAD_CONTEXT = 64  # samples of the previous window Silero sees with each window
SAMPLES_PER_MS = VAD_RATE // 1000


def silero() -> Any:
    """faster-whisper's bundled Silero VAD (ONNX), loaded once."""
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session


class SileroStream:
    """Silero VAD run incrementally: push 16 kHz samples, get one probability per 32 ms window.

    The same computation as ``faster_whisper.vad.SileroVADModel`` on the whole audio (each
    window sees the last 64 samples of the previous one; the LSTM state carries over), so a
    stream gives the probabilities of the complete recording.
    """

    def __init__(self, session: Any) -> None:
        self._session = session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(VAD_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.windows = 0  # windows scored so far

    def push(self, samples: np.ndarray) -> np.ndarray:
        data = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        count = len(data) // VAD_WINDOW
        self._pending = data[count * VAD_WINDOW :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = data[: count * VAD_WINDOW].reshape(count, VAD_WINDOW)
        contexts = np.concatenate([self._context[None, :], windows[:-1, -VAD_CONTEXT:]])
        self._context = windows[-1, -VAD_CONTEXT:].copy()
        batch = np.concatenate([contexts, windows], axis=1)
        probs, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self.windows += count
        return np.asarray(probs, dtype=np.float32).reshape(-1)


class TurnDetector:
    """Server VAD's turns from window probabilities: where speech starts and where it stops.

    Speech starts at the first window scoring ``threshold`` or more, and stops once windows
    below ``threshold - 0.15`` (Silero's hysteresis) have lasted ``silence_duration_ms``.
    Times are milliseconds of the session's audio; the caller applies the prefix padding.
    """

    def __init__(self, threshold: float, silence_duration_ms: int) -> None:
        self.threshold = threshold
        self.neg_threshold = max(threshold - 0.15, 0.01)
        self.silence_ms = silence_duration_ms
        self.speaking = False
        self._silence_from: int | None = None

    def step(self, prob: float, window: int) -> tuple[str, int] | None:
        """Window number ``window`` scored ``prob``: ``("start", ms)``, ``("stop", ms)`` or None."""
        start_ms = window * VAD_WINDOW // SAMPLES_PER_MS
        end_ms = (window + 1) * VAD_WINDOW // SAMPLES_PER_MS
        if not self.speaking:
            if prob >= self.threshold:
                self.speaking, self._silence_from = True, None
                return ("start", start_ms)
            return None
        if prob >= self.threshold:
            self._silence_from = None
        elif prob < self.neg_threshold:
            if self._silence_from is None:
                self._silence_from = start_ms
            if end_ms - self._silence_from >= self.silence_ms:
                self.reset()
                return ("stop", end_ms)
        return None

    def reset(self) -> None:
        self.speaking, self._silence_from = False, None


class AudioBuffer:
    """The uncommitted input audio (16 kHz), addressed by absolute sample index."""

    def __init__(self) -> None:
        self.start = 0  # absolute index of the first sample held
        self._chunks: list[np.ndarray] = []
        self._size = 0

    @property
    def end(self) -> int:
        return self.start + self._size

    def append(self, samples: np.ndarray) -> None:
        if len(samples):
            self._chunks.append(samples)
            self._size += len(samples)

    def take(self, begin: int, end: int) -> np.ndarray:
        """Samples ``[begin, end)`` (clamped to what is held); drops everything before ``end``."""
        data = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        lo, hi = (
            max(begin, self.start) - self.start,
            max(min(end, self.end), self.start) - self.start,
        )
        out = data[lo:hi].copy() if hi > lo else np.zeros(0, np.float32)
        self.drop_before(end, data)
        return out

    def drop_before(self, index: int, data: np.ndarray | None = None) -> None:
        cut = min(max(index - self.start, 0), self._size)
        if cut == 0:
            return
        if data is None:
            data = np.concatenate(self._chunks)
        rest = data[cut:]
        self._chunks = [rest] if len(rest) else []
        self._size = len(rest)
        self.start += cut

    def clear(self) -> None:
        self.drop_before(self.end)
