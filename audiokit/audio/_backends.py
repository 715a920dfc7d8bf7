"""The two audio backends, loaded lazily, and the small sample helpers every codec module shares.

- **soundfile** (libsndfile, a core dependency) reads and writes WAV, FLAC, Ogg (Vorbis/Opus)
  and MP3 when the bundled libsndfile supports them.
- **PyAV** (FFmpeg, in the ``local`` extra) reads the containers libsndfile cannot (m4a/mp4,
  ADTS AAC, WebM/Matroska) and writes AAC, plus whatever the installed libsndfile lacks.

Neither is imported until a function needs it (``import audiokit`` loads neither); a missing
PyAV fails with an install hint. :mod:`._decode`, :mod:`._encode`, :mod:`._resample` and
:mod:`._blocks` build on these helpers. Samples are always ``float32`` in ``[-1, 1]``; 1-D for
mono, ``(frames, channels)`` otherwise (:func:`as_float32`, :func:`to_mono`).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..core import AudioDecodeError, InvalidTypeError, ValidationError

__all__ = ["as_float32", "to_mono"]

_INSTALL_HINT = "pip install 'audiokit[local]'  (or: pip install av)"

_READ_FRAMES = 65_536  # frames per soundfile read or write call (~1.5 s at 44.1 kHz)


# --------------------------------------------------------------------------------------------
# lazy imports


def _soundfile() -> Any:
    import soundfile

    return soundfile


def _av() -> Any:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ModuleNotFoundError(
            f"PyAV is needed for this audio format but is not installed: {_INSTALL_HINT}"
        ) from exc
    return av


def _have_av() -> bool:
    try:
        _av()
    except ModuleNotFoundError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# small helpers


def _as_buffer(data: bytes | bytearray | memoryview) -> io.BytesIO:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidTypeError("data", data, "the encoded file as bytes")
    if len(data) == 0:
        raise AudioDecodeError("no audio: the data is empty (0 bytes)")
    return io.BytesIO(bytes(data))


def _check_rate(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValidationError(name, value, "a positive integer number of Hz")
    return int(value)


def as_float32(samples: np.ndarray) -> np.ndarray:
    arr = np.asarray(samples)
    if arr.ndim not in (1, 2):
        raise ValidationError(
            "samples", f"array of shape {arr.shape}", "1-D (mono) or 2-D (frames, channels)"
        )
    if arr.dtype.kind in "iu":  # integer PCM: scale to [-1, 1]
        arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)
    return np.ascontiguousarray(arr, dtype=np.float32)


def to_mono(frames: np.ndarray) -> np.ndarray:
    """(frames, channels) -> 1-D by averaging channels."""
    if frames.ndim == 1:
        return frames
    if frames.shape[1] == 1:
        return np.ascontiguousarray(frames[:, 0])
    return frames.mean(axis=1, dtype=np.float32)
