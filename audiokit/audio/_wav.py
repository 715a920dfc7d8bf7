"""Reading a plain PCM / IEEE-float WAV file straight from its bytes, with no decoder.

The commonest upload (what numpy arrays and recorders produce) is a plain WAV: its header says
where the samples are, so probing (:func:`~._decode.probe`) and the silence check before an
upload (:func:`~._checks.check_audio`) read such a file as a numpy view of the bytes. Anything
else goes through libsndfile or PyAV (:mod:`._decode`).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

from ..core import AudioDecodeError

__all__ = ["WavLayout", "wav_layout"]


class WavLayout(NamedTuple):
    """Where the samples of a plain PCM / IEEE-float WAV file are (see :func:`wav_layout`)."""

    rate: int
    channels: int
    dtype: str  # numpy dtype of one sample: "u1", "<i2", "<i4", "<f4" or "<f8"
    offset: int  # of the first sample in the file
    frames: int  # complete frames present (a truncated file counts what is there)

    def samples(self, data: bytes | memoryview) -> np.ndarray:
        """The interleaved samples as a read-only view of ``data`` (no copy)."""
        return np.frombuffer(data, self.dtype, self.frames * self.channels, self.offset)


_WAV_DTYPES = {(1, 8): "u1", (1, 16): "<i2", (1, 32): "<i4", (3, 32): "<f4", (3, 64): "<f8"}
_WIDTHS = {"u1": 1, "<i2": 2, "<i4": 4, "<f4": 4, "<f8": 8}  # bytes per sample
_CHUNK = struct.Struct("<4sI")  # a RIFF chunk's id and size
_FMT = struct.Struct("<HHIIHH")  # format tag, channels, rate, byte rate, block align, bits
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# What a header may claim before the decoders see it: a forged header (65535 channels, a 4 GHz
# or 1 Hz rate) otherwise fails deep in FFmpeg, or costs minutes of resampling.
MAX_WAV_CHANNELS = 64  # 7.1.4 surround is 12; studio multitracks stay well under 64
WAV_RATES = (1_000, 768_000)  # Hz: telephony's 8 kHz and DXD's 384 kHz fit with room


def wav_layout(data: bytes | bytearray | memoryview) -> WavLayout | None:
    """Parse a RIFF/WAVE header; ``None`` unless it is plain 8/16/32-bit PCM or float.

    A fast path for the commonest upload (what numpy arrays and recorders produce): probing and
    checking such a file needs no decoder at all. Anything unusual (24-bit, compressed, RF64,
    odd chunk layouts) returns ``None`` and goes through libsndfile as before. A header that
    claims an impossible layout (any format) raises :class:`~audiokit.core.AudioDecodeError`.
    """
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, fmt, end = 12, None, len(data)
    while pos + 8 <= end:
        chunk, size = _CHUNK.unpack_from(data, pos)
        body = pos + 8
        if chunk == b"fmt ":
            if size < 16 or body + size > end:
                return None
            tag, channels, rate, _, _, bits = _FMT.unpack_from(data, body)
            _check_header(channels, rate)
            if tag == _WAVE_FORMAT_EXTENSIBLE and size >= 26:
                (tag,) = struct.unpack_from("<H", data, body + 24)  # the sub-format's code
            fmt = (_WAV_DTYPES.get((tag, bits)), channels, rate)
        elif chunk == b"data":
            if fmt is None or fmt[0] is None or not fmt[1] or not fmt[2]:
                return None
            dtype, channels, rate = fmt
            width = _WIDTHS[dtype] * channels
            frames = min(size, end - body) // width
            return WavLayout(rate, channels, dtype, body, frames)
        pos = body + size + (size & 1)
    return None


def _check_header(channels: int, rate: int) -> None:
    if not 1 <= channels <= MAX_WAV_CHANNELS:
        raise AudioDecodeError(
            f"the WAV header claims {channels} channels; a WAV file may have 1 to "
            f"{MAX_WAV_CHANNELS}"
        )
    low, high = WAV_RATES
    if not low <= rate <= high:
        raise AudioDecodeError(
            f"the WAV header claims a sample rate of {rate} Hz; allowed: {low} to {high} Hz"
        )
