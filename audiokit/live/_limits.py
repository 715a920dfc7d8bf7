"""Numbers and the end-of-audio marker that several live modules share (others stay where used)."""

from __future__ import annotations

from ..results import REALTIME_SAMPLE_RATE

__all__: list[str] = []

CHUNK_MS = 100  # audio per input_audio_buffer.append: small enough for a responsive VAD
BYTES_PER_MS = REALTIME_SAMPLE_RATE * 2 // 1000  # pcm16 mono at 24 kHz: 48 bytes a millisecond
CLOSE_TIMEOUT_S = 5.0
_END = object()  # the end of the audio, from a feed's queue or a chunk iterator
