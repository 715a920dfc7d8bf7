"""Audio decoding, encoding, resampling and probing.

Every other layer that touches audio bytes goes through this module: the local engine (which
wants 16 kHz mono float32 for Whisper and produces float32 from Piper), the server (which encodes
the API's ``response_format`` values), long-audio splitting (:func:`iter_blocks`) and the client
(which probes and converts recordings).

Two backends, each loaded lazily inside the function that needs it:

- **soundfile** (libsndfile, a core dependency) reads and writes WAV, FLAC, Ogg (Vorbis/Opus)
  and MP3 when the bundled libsndfile supports them.
- **PyAV** (FFmpeg, in the ``local`` extra) reads the containers libsndfile cannot (m4a/mp4,
  ADTS AAC, WebM/Matroska) and writes AAC, plus whatever this libsndfile lacks.

Samples are always ``float32`` in ``[-1, 1]``; 1-D for mono, ``(frames, channels)`` otherwise.
Unreadable input raises :class:`AudioDecodeError` (a :class:`ValueError`).

Example
-------
>>> samples, rate = decode(open("speech.m4a", "rb").read(), sample_rate=16_000)
>>> mp3_bytes = encode(samples, rate, "mp3")
"""

from __future__ import annotations

import io
import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..core import InvalidTypeError, ValidationError

__all__ = [
    "ENCODE_FORMATS",
    "AudioDecodeError",
    "AudioInfo",
    "WavLayout",
    "as_float32",
    "decode",
    "encode",
    "iter_blocks",
    "probe",
    "resample",
    "stream_resampler",
    "to_mono",
    "wav_layout",
]

_INSTALL_HINT = "pip install 'audiokit[local]'  (or: pip install av)"

# Sample rates each lossy codec accepts, in Hz. Input at another rate is resampled up to the
# nearest allowed rate (or down to the highest one).
_OPUS_RATES_HZ = (8_000, 12_000, 16_000, 24_000, 48_000)
_MP3_RATES_HZ = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
_AAC_RATES_HZ = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000)

_READ_FRAMES = 65_536  # frames per soundfile read in iter_blocks (~1.5 s at 44.1 kHz)
_RESAMPLE_CHUNK = 16_384  # output samples computed per vectorised step of the numpy resampler


class AudioDecodeError(ValueError):
    """The bytes are not audio that soundfile or PyAV can decode."""


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe` learns from a file's headers.

    Attributes
    ----------
    format : str
        Short name: ``wav``, ``flac``, ``mp3``, ``ogg`` (Vorbis), ``opus``, ``aac`` (ADTS),
        ``mp4`` (m4a/mp4/mov), ``webm`` (WebM/Matroska), or the lower-case container name.
    sample_rate : int
        Samples per second of the first audio stream.
    channels : int
        Number of channels.
    duration : float | None
        Seconds; ``None`` if neither the headers nor the packet timestamps tell.
    """

    format: str
    sample_rate: int
    channels: int
    duration: float | None


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

# soundfile's major format (and Ogg subtype) -> AudioInfo.format
_SF_FORMAT_NAMES = {"WAV": "wav", "WAVEX": "wav", "FLAC": "flac", "MP3": "mp3", "OGG": "ogg"}
# FFmpeg demuxer name -> AudioInfo.format
_AV_FORMAT_NAMES = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "matroska,webm": "webm",
    "aac": "aac",
    "mp3": "mp3",
    "ogg": "ogg",
    "wav": "wav",
    "flac": "flac",
}


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


@cache
def _sf_can_write(fmt: str, subtype: str) -> bool:
    sf = _soundfile()
    return fmt in sf.available_formats() and subtype in sf.available_subtypes(fmt)


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


def _pick_rate(rate: int, allowed: tuple[int, ...] | None) -> int:
    if allowed is None or rate in allowed:
        return rate
    higher = [r for r in allowed if r >= rate]
    return min(higher) if higher else max(allowed)


# --------------------------------------------------------------------------------------------
# resampling
#
# Choice: PyAV's AudioResampler (FFmpeg's libswresample) when PyAV is installed, a numpy
# polyphase windowed-sinc filter otherwise. libswresample is C, stateful (so iter_blocks can
# stream through it with no seams) and what FFmpeg itself uses; on this machine it resamples
# 22.05 -> 16 kHz about 10x faster than the numpy path (see benchmarks/bench_local.py). But PyAV
# lives in the ``local`` extra, and the client must still resample with only the core
# dependencies, so the numpy path is a real implementation rather than a stopgap: a Kaiser-
# windowed sinc (16 zero crossings, ~80 dB stop band, cut-off at 95 % of the lower Nyquist
# rate), evaluated per output sample at its exact rational position, also streaming. Tests
# check that both paths agree with each other and with the expected tone.


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


# --------------------------------------------------------------------------------------------
# decoding


def _decode_soundfile(buf: io.BytesIO) -> tuple[np.ndarray, int]:
    sf = _soundfile()
    frames, rate = sf.read(buf, dtype="float32", always_2d=True)
    return frames, int(rate)


def _decode_av(buf: io.BytesIO, *, mono: bool, sample_rate: int | None) -> tuple[np.ndarray, int]:
    av = _av()
    with av.open(buf, mode="r") as container:
        if not container.streams.audio:
            raise AudioDecodeError("the data holds no audio stream")
        stream = container.streams.audio[0]
        rate = sample_rate or stream.codec_context.sample_rate
        channels = 1 if mono else stream.codec_context.channels
        layout = "mono" if mono else stream.codec_context.layout.name
        resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
        pieces = []
        for frame in container.decode(stream):
            pieces += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
        pieces += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
    frames = np.concatenate(pieces) if pieces else np.zeros((0, channels), dtype=np.float32)
    return (frames[:, 0].copy() if mono else frames), int(rate)


def decode(
    data: bytes, *, sample_rate: int | None = None, mono: bool = True
) -> tuple[np.ndarray, int]:
    """Decode audio bytes (wav, flac, ogg, opus, mp3, m4a/mp4, aac, webm) to float samples.

    Parameters
    ----------
    data : bytes
        The whole encoded file.
    sample_rate : int, optional
        Resample to this rate; by default keep the file's rate.
    mono : bool
        Average the channels to one 1-D array (default). With ``False`` the result is
        ``(frames, channels)``, even for a mono file.

    Returns
    -------
    samples : numpy.ndarray
        float32 in [-1, 1].
    rate : int
        The rate of ``samples`` (``sample_rate`` if given).

    Raises
    ------
    AudioDecodeError
        Neither soundfile nor PyAV can read the data (or PyAV is missing and would be needed).

    Examples
    --------
    >>> samples, rate = decode(wav_bytes, sample_rate=16_000)
    """
    if sample_rate is not None:
        sample_rate = _check_rate("sample_rate", sample_rate)
    buf = _as_buffer(data)
    try:
        frames, rate = _decode_soundfile(buf)
    except (RuntimeError, TypeError, ValueError) as sf_exc:
        if not _have_av():
            raise AudioDecodeError(
                f"soundfile cannot decode this audio ({sf_exc}); containers such as m4a, mp4, "
                f"aac and webm need PyAV, which is not installed: {_INSTALL_HINT}"
            ) from sf_exc
        av = _av()
        buf.seek(0)
        try:
            return _decode_av(buf, mono=mono, sample_rate=sample_rate)
        except (av.FFmpegError, ValueError, RuntimeError, IndexError) as av_exc:
            if isinstance(av_exc, AudioDecodeError):
                raise
            raise AudioDecodeError(
                f"cannot decode audio: not a format soundfile or FFmpeg recognises ({av_exc})"
            ) from av_exc
    samples = to_mono(frames) if mono else frames
    if sample_rate is not None and sample_rate != rate:
        samples, rate = resample(samples, rate, sample_rate), sample_rate
    return samples, rate


# --------------------------------------------------------------------------------------------
# probing


def _probe_av(buf: io.BytesIO | str) -> AudioInfo:
    av = _av()
    with av.open(buf, mode="r") as container:
        if not container.streams.audio:
            raise AudioDecodeError("the data holds no audio stream")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        duration: float | None = None
        # Raw ADTS has no length field (FFmpeg's figure is a bitrate guess, ~2 % off): count.
        if container.format.name != "aac" and stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.format.name != "aac" and container.duration is not None:
            duration = container.duration / av.time_base
        elif stream.time_base:  # walk the packets (demux only, no decoding), add durations
            ticks = sum(p.duration or 0 for p in container.demux(stream))
            duration = float(ticks * stream.time_base) if ticks else None
        name = _AV_FORMAT_NAMES.get(container.format.name, container.format.name.split(",")[0])
        if name == "ogg" and ctx.name == "opus":
            name = "opus"
        return AudioInfo(name, int(ctx.sample_rate), int(ctx.channels), duration)


def probe(data: bytes | str | os.PathLike[str]) -> AudioInfo:
    """Read format, rate, channels and duration from the headers, without decoding the audio.

    ``data`` is the encoded file's bytes or a path; a path is read only as far as the headers
    need, so probing a three-hour recording costs no memory.

    Examples
    --------
    >>> probe(wav_bytes)
    AudioInfo(format='wav', sample_rate=22050, channels=1, duration=2.0)
    """
    buf: io.BytesIO | str
    if isinstance(data, (str, os.PathLike)):
        buf = os.fspath(data)
        if not Path(buf).is_file():
            raise FileNotFoundError(f"no such audio file: {buf}")
    else:
        layout = wav_layout(data)
        if layout is not None:  # plain PCM WAV: the header says it all, no libsndfile needed
            return AudioInfo("wav", layout.rate, layout.channels, layout.frames / layout.rate)
        buf = _as_buffer(data)
    sf = _soundfile()
    try:
        info = sf.info(buf)
    except (RuntimeError, TypeError, ValueError) as sf_exc:
        if not _have_av():
            raise AudioDecodeError(
                f"soundfile cannot read this audio ({sf_exc}); other containers need PyAV: "
                f"{_INSTALL_HINT}"
            ) from sf_exc
        av = _av()
        if isinstance(buf, io.BytesIO):
            buf.seek(0)
        try:
            return _probe_av(buf)
        except (av.FFmpegError, ValueError, RuntimeError) as av_exc:
            if isinstance(av_exc, AudioDecodeError):
                raise
            raise AudioDecodeError(f"cannot read audio headers ({av_exc})") from av_exc
    name = _SF_FORMAT_NAMES.get(info.format, info.format.lower())
    if name == "ogg" and info.subtype == "OPUS":
        name = "opus"
    duration = info.frames / info.samplerate if info.samplerate else None
    return AudioInfo(name, int(info.samplerate), int(info.channels), duration)


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
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def wav_layout(data: bytes | bytearray | memoryview) -> WavLayout | None:
    """Parse a RIFF/WAVE header; ``None`` unless it is plain 8/16/32-bit PCM or float.

    A fast path for the commonest upload (what numpy arrays and recorders produce): probing and
    checking such a file needs no decoder at all. Anything unusual (24-bit, compressed, RF64,
    odd chunk layouts) returns ``None`` and goes through libsndfile as before.
    """
    view = memoryview(data)
    if len(view) < 44 or view[:4] != b"RIFF" or view[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(view):
        chunk, size = bytes(view[pos : pos + 4]), int.from_bytes(view[pos + 4 : pos + 8], "little")
        body = pos + 8
        if chunk == b"fmt ":
            if size < 16 or body + size > len(view):
                return None
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", view, body)
            if tag == _WAVE_FORMAT_EXTENSIBLE and size >= 26:
                (tag,) = struct.unpack_from("<H", view, body + 24)  # the sub-format's code
            fmt = (_WAV_DTYPES.get((tag, bits)), channels, rate)
        elif chunk == b"data":
            if fmt is None or fmt[0] is None or not fmt[1] or not fmt[2]:
                return None
            dtype, channels, rate = fmt
            width = np.dtype(dtype).itemsize * channels
            frames = min(size, len(view) - body) // width
            return WavLayout(rate, channels, dtype, body, frames)
        pos = body + size + (size & 1)
    return None


# --------------------------------------------------------------------------------------------
# encoding


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


# --------------------------------------------------------------------------------------------
# incremental reading


def _sequential_reads(f: Any) -> Iterator[np.ndarray]:
    """(frames, channels) float32 pieces of an open SoundFile, read front to back.

    ``SoundFile.read``/``blocks`` seek after every call to track their position, and each seek
    resets libsndfile's MP3 decoder (mpg123) and loses its bit reservoir: the next frames
    decode wrong (``part2_3_length too large``; up to 0.18 off in our tests). So this calls
    ``sf_readf_float`` itself, never seeking. Those are soundfile internals; if a future
    soundfile lacks them we fall back to ``read`` (exact for WAV/FLAC, not for MP3).
    """
    sf = _soundfile()
    snd, ffi, handle = getattr(sf, "_snd", None), getattr(sf, "_ffi", None), f.__dict__.get("_file")
    while True:
        out = np.empty((_READ_FRAMES, f.channels), dtype=np.float32)
        if snd is not None and ffi is not None and handle is not None:
            n = snd.sf_readf_float(handle, ffi.cast("float *", out.ctypes.data), _READ_FRAMES)
        else:  # pragma: no cover - only with a soundfile that renamed its internals
            n = len(f.read(out=out))
        if n <= 0:
            return
        yield out[:n]


def _read_sf(handle: Any, sample_rate: int) -> Iterator[np.ndarray]:
    with handle as f:
        resampler = None
        if int(f.samplerate) != sample_rate:
            resampler = stream_resampler(int(f.samplerate), sample_rate)
        for block in _sequential_reads(f):
            mono = to_mono(block)
            yield resampler.push(mono) if resampler else mono
        if resampler is not None:
            yield resampler.flush()


def _read_av(container: Any, sample_rate: int) -> Iterator[np.ndarray]:
    av = _av()
    with container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        try:
            for frame in container.decode(container.streams.audio[0]):
                for f in resampler.resample(frame):
                    yield f.to_ndarray().reshape(-1)
        except av.FFmpegError as exc:
            raise AudioDecodeError(f"the audio stream is corrupt ({exc})") from exc
        for f in resampler.resample(None):
            yield f.to_ndarray().reshape(-1)


def _open_reader(source: str | bytes, sample_rate: int) -> Iterator[np.ndarray]:
    """Open ``source`` now (so errors surface at once); read it lazily, a piece at a time."""
    sf = _soundfile()
    try:
        handle = sf.SoundFile(source if isinstance(source, str) else io.BytesIO(source))
    except (RuntimeError, TypeError, ValueError) as sf_exc:
        if not _have_av():
            raise AudioDecodeError(
                f"soundfile cannot read this audio ({sf_exc}); other containers need PyAV: "
                f"{_INSTALL_HINT}"
            ) from sf_exc
    else:
        return _read_sf(handle, sample_rate)
    av = _av()
    try:
        container = av.open(source if isinstance(source, str) else io.BytesIO(source), mode="r")
    except (av.FFmpegError, ValueError, RuntimeError) as exc:
        raise AudioDecodeError(f"cannot decode audio ({exc})") from exc
    if not container.streams.audio:
        container.close()
        raise AudioDecodeError("the data holds no audio stream")
    return _read_av(container, sample_rate)


def iter_blocks(
    source: str | os.PathLike[str] | bytes,
    *,
    sample_rate: int = 16_000,
    block_seconds: float = 60.0,
) -> Iterator[np.ndarray]:
    """Yield a long recording as consecutive mono float32 blocks, decoding as it goes.

    Memory stays bounded by about one block plus one read buffer, whatever the file's length,
    so a three-hour file can be fed to Whisper a minute at a time. The resampler keeps its
    state across blocks, so the concatenated blocks equal a one-shot decode (no seams).

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A file path, or the encoded file's bytes.
    sample_rate : int
        Rate of the yielded samples (16 kHz, Whisper's, by default).
    block_seconds : float
        Length of every block but the last, which holds the rest.

    Yields
    ------
    numpy.ndarray
        1-D float32 blocks of ``round(block_seconds * sample_rate)`` samples.

    Examples
    --------
    >>> for block in iter_blocks("meeting.mp3", block_seconds=30):
    ...     handle(block)
    """
    rate = _check_rate("sample_rate", sample_rate)
    if not block_seconds > 0:
        raise ValidationError("block_seconds", block_seconds, "a number of seconds > 0")
    block = max(1, round(block_seconds * rate))
    if isinstance(source, (bytes, bytearray, memoryview)):
        src: str | bytes = bytes(_as_buffer(source).getbuffer())
    elif isinstance(source, (str, os.PathLike)):
        src = os.fspath(source)
        if not Path(src).is_file():
            raise FileNotFoundError(f"no such audio file: {src}")
    else:
        raise InvalidTypeError("source", source, "a file path or the file's bytes")
    return _blocks(_open_reader(src, rate), block)


def _blocks(pieces: Iterator[np.ndarray], block: int) -> Iterator[np.ndarray]:
    pending: list[np.ndarray] = []
    size = 0
    for piece in pieces:
        if len(piece) == 0:
            continue
        pending.append(piece)
        size += len(piece)
        if size >= block:
            joined = np.concatenate(pending)
            cut = (size // block) * block
            for start in range(0, cut, block):
                yield joined[start : start + block].copy()
            rest = joined[cut:]
            pending, size = ([rest], len(rest)) if len(rest) else ([], 0)
    if size:
        yield np.concatenate(pending)
