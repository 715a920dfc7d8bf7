"""AudioFeed: audio pushed from another thread (a microphone callback, the live-captions widget).

A live session reads a feed like any other input, through ``_sources._Source``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from ..core import AudioError, InvalidTypeError
from ..results import REALTIME_SAMPLE_RATE
from ._limits import _END

__all__ = ["AudioFeed"]

FEED_MAX_BUFFERED_S = 120.0  # audio an AudioFeed holds for a session that is not reading
FEED_POLL_S = 0.02


class AudioFeed:
    """Audio pushed from another thread (a microphone callback, a widget) into a live session.

    Parameters
    ----------
    sample_rate : int
        Rate of the pushed audio in Hz (resampled to 24 kHz for the session).

    ``push(samples)`` takes a float or int16 numpy array (mono, or ``(frames, channels)``) or
    raw pcm16 little-endian ``bytes``; ``close()`` ends the audio (the session then finishes
    its last transcriptions). Thread-safe.

    Examples
    --------
    >>> feed = audiokit.AudioFeed(sample_rate=48_000)                     # doctest: +SKIP
    >>> session = audiokit.live(feed)         # push() from the recording callback  # doctest: +SKIP
    """

    def __init__(self, sample_rate: int = REALTIME_SAMPLE_RATE) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
            raise InvalidTypeError("sample_rate", sample_rate, "a positive whole number of Hz")
        self.sample_rate = sample_rate
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._buffered = 0  # samples waiting
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def push(self, audio: np.ndarray | bytes | bytearray | memoryview) -> None:
        """Add audio; raises :class:`~audiokit.AudioError` if the feed is closed or overfull."""
        if isinstance(audio, (bytes, bytearray, memoryview)):
            samples = len(audio) // 2
        elif isinstance(audio, np.ndarray):
            samples = len(audio)
        else:
            raise InvalidTypeError("audio", audio, "a numpy array or pcm16 bytes")
        with self._lock:
            if self._closed:
                raise AudioError("audio", "<chunk>", "nothing", reason="the feed is closed")
            if self._buffered + samples > FEED_MAX_BUFFERED_S * self.sample_rate:
                raise AudioError(
                    "audio",
                    "<chunk>",
                    "a session that reads the feed",
                    reason=f"over {FEED_MAX_BUFFERED_S:.0f} s of audio is waiting; "
                    "is the live session running?",
                )
            self._buffered += samples
            self._queue.put((audio, samples))

    def close(self) -> None:
        """End of audio."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_END)

    async def _chunks(self) -> AsyncIterator[Any]:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                await asyncio.sleep(FEED_POLL_S)
                continue
            if item is _END:
                return
            audio, samples = item
            with self._lock:
                self._buffered -= samples
            yield audio

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"AudioFeed(sample_rate={self.sample_rate}, {state})"
