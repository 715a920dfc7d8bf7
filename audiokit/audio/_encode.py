"""Encoding float samples as a file: the API's speech ``response_format`` values.

What to write for each format is data, a row of :data:`_ENCODINGS` (libsndfile format and
subtype, FFmpeg muxer and codec, the rates the codec takes), not a function per format.
soundfile writes whatever the installed libsndfile can; PyAV (:mod:`._backends`) writes the rest
(AAC always). Users: the server (Piper's samples in the requested ``response_format``),
converting uploads the API does not take (:mod:`._inputs`), merging speech pieces.
:func:`encode_webm_opus` is the one streaming writer: blocks in (from ``iter_blocks``), a WebM
file out, so an hour of audio is compressed without ever being decoded whole (the transcript
player sends long recordings to the browser this way: browsers can stream WebM Opus).

Example
-------
>>> mp3_bytes = encode(samples, 22_050, "mp3")
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

import numpy as np

from ..core import ValidationError
from ._backends import _READ_FRAMES, _av, _check_rate, _soundfile, as_float32
from ._resample import resample

__all__ = ["ENCODE_FORMATS", "encode", "encode_webm_opus"]

# Sample rates each lossy codec accepts, in Hz. Input at another rate is resampled up to the
# nearest allowed rate (or down to the highest one).
_OPUS_RATES_HZ = (8_000, 12_000, 16_000, 24_000, 48_000)
_MP3_RATES_HZ = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
_AAC_RATES_HZ = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000)


class _Encoding(NamedTuple):
    """How to write one ``fmt`` of :func:`encode`: a row of the table below, not a function."""

    sf_format: str | None  # libsndfile major format, None if soundfile cannot write it
    sf_subtype: str | None
    av_container: str | None  # FFmpeg muxer used when soundfile can't (or for AAC)
    av_codec: str | None
    rates_hz: tuple[int, ...] | None  # None: any rate


_ENCODINGS: dict[str, _Encoding] = {
    "wav": _Encoding("WAV", "PCM_16", "wav", "pcm_s16le", None),
    "flac": _Encoding("FLAC", "PCM_16", "flac", "flac", None),
    "mp3": _Encoding("MP3", "MPEG_LAYER_III", "mp3", "libmp3lame", _MP3_RATES_HZ),
    "opus": _Encoding("OGG", "OPUS", "ogg", "libopus", _OPUS_RATES_HZ),
    "aac": _Encoding(None, None, "adts", "aac", _AAC_RATES_HZ),
    "pcm": _Encoding(None, None, None, None, None),  # raw s16le, written by numpy
}
ENCODE_FORMATS: tuple[str, ...] = tuple(_ENCODINGS)
"""The ``fmt`` values :func:`encode` accepts (the API's speech ``response_format`` values)."""


@cache
def _sf_can_write(fmt: str, subtype: str) -> bool:
    sf = _soundfile()
    return fmt in sf.available_formats() and subtype in sf.available_subtypes(fmt)


def _pick_rate(rate: int, allowed: tuple[int, ...] | None) -> int:
    if allowed is None or rate in allowed:
        return rate
    higher = [r for r in allowed if r >= rate]
    return min(higher) if higher else max(allowed)


def _encode_soundfile(x: np.ndarray, rate: int, enc: _Encoding) -> bytes:
    sf = _soundfile()
    buf = io.BytesIO()
    channels = 1 if x.ndim == 1 else x.shape[1]
    with sf.SoundFile(buf, "w", rate, channels, enc.sf_subtype, format=enc.sf_format) as f:
        # in pieces: libsndfile 1.2.2 crashes on one huge Vorbis write (>~2 min), so no
        # single call gets more than a read-sized block, whatever the codec
        for start in range(0, len(x), _READ_FRAMES):
            f.write(x[start : start + _READ_FRAMES])
    return buf.getvalue()


def _encode_av(x: np.ndarray, rate: int, enc: _Encoding) -> bytes:
    av = _av()
    channels = 1 if x.ndim == 1 else x.shape[1]
    layout = {1: "mono", 2: "stereo"}.get(channels)
    if layout is None:
        raise ValidationError("samples", f"{channels} channels", "1 or 2 channels")
    out = io.BytesIO()
    with av.open(out, mode="w", format=enc.av_container) as container:
        stream = container.add_stream(enc.av_codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="flt", layout=layout)
        frame.sample_rate = rate
        frame.pts = 0
        # convert to the codec's own sample format (e.g. planar float for AAC)
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        for converted in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(converted):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def encode(samples: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    """Encode float samples as ``fmt``: one of :data:`ENCODE_FORMATS`.

    ``mp3`` (VBR), ``opus`` (Ogg Opus), ``aac`` (ADTS), ``flac`` and ``wav`` (16-bit), and
    ``pcm``: raw signed 16-bit little-endian samples with no header and no resampling (the API's
    ``pcm`` is 24 kHz mono, so pass 24 kHz samples). Codecs that only take certain rates (Opus:
    8/12/16/24/48 kHz; MP3 and AAC: the MPEG rates) get the audio resampled to the nearest
    allowed rate at or above ``sample_rate``.

    Parameters
    ----------
    samples : numpy.ndarray
        float32 in [-1, 1] (values outside are clipped), 1-D or ``(frames, channels)``.
    sample_rate : int
        Rate of ``samples`` in Hz.
    fmt : str
        Output format name.

    Returns
    -------
    bytes
        The encoded file.

    Examples
    --------
    >>> encode(samples, 22_050, "opus")[:4]
    b'OggS'
    """
    enc = _ENCODINGS.get(fmt)
    if enc is None:
        raise ValidationError("fmt", fmt, ", ".join(ENCODE_FORMATS))
    rate = _check_rate("sample_rate", sample_rate)
    x = np.clip(as_float32(samples), -1.0, 1.0)
    if not np.all(np.isfinite(x)):
        raise ValidationError("samples", "array with NaN or infinity", "finite values")
    if fmt == "pcm":
        return (np.round(x * 32767.0).astype("<i2")).tobytes()
    target = _pick_rate(rate, enc.rates_hz)
    if target != rate:
        x = np.clip(resample(x, rate, target), -1.0, 1.0)
    if enc.sf_format is not None and _sf_can_write(enc.sf_format, enc.sf_subtype or ""):
        return _encode_soundfile(x, target, enc)
    return _encode_av(x, target, enc)


def encode_webm_opus(
    blocks: Iterable[np.ndarray], sample_rate: int, *, bit_rate: int = 16_000
) -> bytes:
    """Encode mono float blocks, one after the other, as one WebM (Matroska) Opus file.

    Unlike :func:`encode`, the audio is never held whole: each block is encoded as it comes,
    so ``iter_blocks(path, sample_rate=16_000)`` turns an hour-long wav into about 8 MB of
    speech-quality Opus in bounded memory. Needs PyAV (``ModuleNotFoundError`` with an install
    hint otherwise). Browsers play WebM Opus with ``<audio>`` and can stream it through Media
    Source Extensions, which Ogg cannot.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        1-D float32 blocks in [-1, 1], consecutive, at ``sample_rate``.
    sample_rate : int
        One of Opus's rates: 8, 12, 16, 24 or 48 kHz.
    bit_rate : int
        Target bits per second (16 kbit/s: clear wideband speech).

    Examples
    --------
    >>> webm = encode_webm_opus(iter_blocks("meeting.wav", sample_rate=16_000), 16_000)
    """
    rate = _check_rate("sample_rate", sample_rate)
    if rate not in _OPUS_RATES_HZ:
        allowed = ", ".join(str(r) for r in _OPUS_RATES_HZ)
        raise ValidationError("sample_rate", rate, f"an Opus rate: {allowed} Hz")
    bits = _check_rate("bit_rate", bit_rate)
    av = _av()
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=rate, layout="mono")
        stream.bit_rate = bits
        pts = 0
        for block in blocks:
            x = np.clip(as_float32(block).reshape(-1), -1.0, 1.0)
            if not len(x):
                continue
            pcm = np.round(x * 32767.0).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, pts
            pts += len(x)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
