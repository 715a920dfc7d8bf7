"""Audio in: any supported input of a live session, read as pcm16 24 kHz mono chunks.

``_Source`` checks the input at once (a file, bytes, a Speech, arrays, an iterator or async
iterator of chunks, an :class:`AudioFeed`); ``_Pcm16Chunker`` resamples it and cuts it into the
chunks ``_run._LiveRun`` sends. Blocking reads (decoding, user iterators) run in the event
loop's executor.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..core import AudioError, InvalidTypeError
from ..results import REALTIME_SAMPLE_RATE
from ._feed import AudioFeed
from ._limits import _END, BYTES_PER_MS

__all__: list[str] = []


class _Pcm16Chunker:
    """Float/int16 arrays or pcm16 bytes at any rate → pcm16 24 kHz chunks of a fixed size."""

    def __init__(self, sample_rate: int, chunk_ms: int) -> None:
        from ..audio import stream_resampler

        self.sample_rate = sample_rate
        self._resampler = (
            stream_resampler(sample_rate, REALTIME_SAMPLE_RATE)
            if sample_rate != REALTIME_SAMPLE_RATE
            else None
        )
        self._chunk_bytes = chunk_ms * BYTES_PER_MS
        self._pending = bytearray()
        self._odd = b""  # a byte of pcm16 input split across chunks

    def push(self, audio: Any) -> list[bytes]:
        samples = self._samples(audio)
        if self._resampler is not None and len(samples):
            samples = self._resampler.push(samples)
        return self._take(samples, final=False)

    def flush(self) -> list[bytes]:
        tail = self._resampler.flush() if self._resampler is not None else np.zeros(0, np.float32)
        return self._take(tail, final=True)

    def _samples(self, audio: Any) -> np.ndarray:
        from ..audio import as_float32, to_mono

        if isinstance(audio, (bytes, bytearray, memoryview)):
            data = self._odd + bytes(audio)
            cut = len(data) - len(data) % 2
            self._odd = data[cut:]
            return np.frombuffer(data[:cut], dtype="<i2").astype(np.float32) / 32768.0
        if not isinstance(audio, np.ndarray):
            raise InvalidTypeError(
                "source", type(audio).__name__, "chunks that are numpy arrays or pcm16 bytes"
            )
        if audio.ndim == 2 and audio.shape[0] < audio.shape[1] and audio.shape[0] <= 8:
            audio = audio.T  # (channels, frames) → (frames, channels)
        samples = to_mono(as_float32(audio))
        if not np.all(np.isfinite(samples)):
            raise AudioError("source", "a chunk with NaN or infinity", "finite samples")
        return samples

    def _take(self, samples: np.ndarray, *, final: bool) -> list[bytes]:
        if len(samples):
            pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
            self._pending += pcm.tobytes()
        size = self._chunk_bytes
        cut = len(self._pending) if final else len(self._pending) - len(self._pending) % size
        out = [bytes(self._pending[i : i + size]) for i in range(0, cut, size)]
        del self._pending[:cut]
        return out


class _Source:
    """Any supported audio input, checked at once, read later as pcm16 24 kHz chunks."""

    def __init__(self, source: Any, *, sample_rate: int | None, chunk_ms: int) -> None:
        self.chunk_ms = chunk_ms
        self._kind, self._value, self.sample_rate = self._classify(source, sample_rate)

    @staticmethod
    def _classify(source: Any, sample_rate: int | None) -> tuple[str, Any, int]:
        from ..audio import AudioFile, is_array, to_audio_file

        if sample_rate is not None and (
            isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0
        ):
            raise InvalidTypeError("sample_rate", sample_rate, "a positive whole number of Hz")
        if isinstance(source, AudioFeed):
            return "feed", source, source.sample_rate
        if isinstance(source, (str, os.PathLike)):
            if not os.path.isfile(source):
                raise AudioError(
                    "source", str(source), "a path to an existing audio file", reason="no such file"
                )
            return "file", os.fspath(source), REALTIME_SAMPLE_RATE
        if (
            isinstance(source, (bytes, bytearray, memoryview, AudioFile))
            or hasattr(source, "read")
            or (hasattr(source, "data") and hasattr(source, "to_numpy"))  # a Speech
        ):
            return (
                "file",
                to_audio_file(source, param="source", max_bytes=None).data,
                REALTIME_SAMPLE_RATE,
            )
        if isinstance(source, tuple) and len(source) == 2 and is_array(source[0]):
            source, sample_rate = source
        if is_array(source):
            if sample_rate is None:
                raise InvalidTypeError(
                    "sample_rate",
                    None,
                    "the array's sample rate in Hz",
                    reason="a numpy array needs sample_rate=",
                )
            if np.asarray(source).size == 0:
                raise AudioError("source", "empty array", "at least one sample")
            return "array", source, sample_rate
        if hasattr(source, "__aiter__"):
            return "async", source, sample_rate or REALTIME_SAMPLE_RATE
        if isinstance(source, Iterable) and not isinstance(source, (str, Mapping)):
            return "iter", source, sample_rate or REALTIME_SAMPLE_RATE
        raise InvalidTypeError(
            "source",
            type(source).__name__,
            "a path, bytes, a Speech, (array, sample_rate), an (async) iterable of arrays or "
            "pcm16 bytes with sample_rate=, or an audiokit.AudioFeed",
        )

    @property
    def is_live(self) -> bool:
        """Whether the audio arrives by itself in real time (no pacing needed)."""
        return self._kind in ("feed", "async", "iter")

    def close(self) -> None:
        if self._kind == "feed":
            self._value.close()

    async def chunks(self) -> AsyncIterator[bytes]:
        """pcm16 24 kHz chunks of ``chunk_ms`` (the last one shorter)."""
        loop = asyncio.get_running_loop()
        chunker = _Pcm16Chunker(self.sample_rate, self.chunk_ms)
        if self._kind == "file":
            from ..audio import iter_blocks

            blocks = await loop.run_in_executor(
                None,
                lambda: iter_blocks(
                    self._value,
                    sample_rate=REALTIME_SAMPLE_RATE,
                    block_seconds=max(1.0, self.chunk_ms / 1000),
                ),
            )
            pieces: Any = _threaded(blocks, loop)
        elif self._kind == "array":
            pieces = _one(self._value)
        elif self._kind == "feed":
            pieces = self._value._chunks()
        elif self._kind == "async":
            pieces = self._value
        else:
            pieces = _threaded(iter(self._value), loop)
        async for piece in pieces:
            for chunk in chunker.push(piece):
                yield chunk
        for chunk in chunker.flush():
            yield chunk


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


async def _threaded(iterator: Iterator[Any], loop: asyncio.AbstractEventLoop) -> AsyncIterator[Any]:
    """A blocking iterator read in the loop's executor, so decoding never stalls the loop."""
    while True:
        item = await loop.run_in_executor(None, next, iterator, _END)
        if item is _END:
            return
        yield item
