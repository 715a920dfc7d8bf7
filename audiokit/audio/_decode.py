"""Decoding audio bytes to float samples, and reading headers without decoding.

:func:`decode` turns a whole encoded file into samples; :func:`probe` reads format, rate,
channels and duration from the headers alone; :func:`_open_reader` decodes a file lazily, a
piece at a time, for :func:`~._blocks.iter_blocks`. Each tries soundfile first and falls back to
PyAV for the containers libsndfile cannot read (:mod:`._backends`); a plain PCM WAV is probed
straight from its bytes (:mod:`._wav`). Users: the local engine (16 kHz mono float32 for
Whisper), ``Speech.to_numpy``, the client (probing and converting recordings), long-audio
splitting.

Samples are always ``float32`` in ``[-1, 1]``; 1-D for mono, ``(frames, channels)`` otherwise.
Unreadable input raises :class:`~audiokit.core.AudioDecodeError` (a :class:`ValueError`).

Example
-------
>>> samples, rate = decode(open("speech.m4a", "rb").read(), sample_rate=16_000)
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core import AudioDecodeError
from ._backends import (
    _INSTALL_HINT,
    _READ_FRAMES,
    _as_buffer,
    _av,
    _check_rate,
    _have_av,
    _soundfile,
    to_mono,
)
from ._resample import resample, stream_resampler
from ._wav import wav_layout

__all__ = ["AudioInfo", "decode", "probe"]


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
    need, so probing a three-hour recording costs no memory. (An upload's
    :attr:`AudioFile.info` is the same, read in the open the silence check makes.)

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
    return _sf_info(info, info.frames)


def _sf_info(info: Any, frames: int) -> AudioInfo:
    """The AudioInfo of what libsndfile opened (``sf.info(...)`` or an open ``SoundFile``)."""
    name = _SF_FORMAT_NAMES.get(info.format, info.format.lower())
    if name == "ogg" and info.subtype == "OPUS":
        name = "opus"
    duration = frames / info.samplerate if info.samplerate else None
    return AudioInfo(name, int(info.samplerate), int(info.channels), duration)


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
    while True:
        out = _read_frames(f, _READ_FRAMES)
        if not len(out):
            return
        yield out


def _read_frames(f: Any, frames: int) -> np.ndarray:
    """Up to ``frames`` (frames, channels) float32 frames of an open SoundFile, never seeking
    (see :func:`_sequential_reads`); empty at the end."""
    sf = _soundfile()
    snd, ffi, handle = getattr(sf, "_snd", None), getattr(sf, "_ffi", None), f.__dict__.get("_file")
    out = np.empty((frames, f.channels), dtype=np.float32)
    if snd is not None and ffi is not None and handle is not None:
        n = snd.sf_readf_float(handle, ffi.cast("float *", out.ctypes.data), frames)
    else:  # pragma: no cover - only with a soundfile that renamed its internals
        n = len(f.read(out=out))
    return out[: max(0, n)]


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
    if not isinstance(source, str):
        wav_layout(source)  # a forged WAV header is refused here, before the decoders see it
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
