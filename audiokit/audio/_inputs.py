"""Audio input: whatever the user hands us becomes an :class:`AudioFile` ready to upload.

Accepted: a path, ``bytes``, a binary file object (named or an unnamed ``BytesIO``), a
``(numpy_array, sample_rate)`` pair or an array with ``sample_rate=``, or a
:class:`~audiokit.Speech`. The container is recognised from the bytes themselves, so an unnamed
buffer still gets a proper filename and content type. Arrays are encoded losslessly (WAV; float
data stays float).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Union

from ..core import (
    MAX_UPLOAD_BYTES,
    SPEECH_SAMPLE_RATE,
    UPLOAD_EXTENSIONS,
    AudioDecodeError,
    AudioError,
    InvalidTypeError,
)
from ._checks import AudioScan, scan_audio
from ._decode import AudioInfo, probe

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AudioFile", "AudioInput", "is_array", "sniff_format", "to_audio_file"]

AudioInput = Union[
    str, os.PathLike, bytes, bytearray, memoryview, BinaryIO, tuple, "np.ndarray", Any
]

_AV_ONLY_FORMATS = ("m4a", "mp4", "webm")  # what libsndfile cannot open (PyAV reads them)

CONTENT_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "opus": "audio/ogg",
    "mpeg": "audio/mpeg",
    "mpga": "audio/mpeg",
    "pcm": "audio/pcm",
}


@dataclass(frozen=True, repr=False)
class AudioFile:
    """Audio bytes with the name and type to upload them under."""

    filename: str
    data: bytes
    format: str

    @property
    def scan(self) -> AudioScan:
        """One look at the samples: the header's format, rate and length, and whether any of
        it is audible (:func:`~audiokit.audio.scan_audio`), read as far as the first audible
        stretch. Made on first use and kept: the long-audio planner (through :attr:`info`) and
        the check before the upload share it, so a file is opened once per request."""
        scan = self.__dict__.get("_scan")
        if scan is None:
            scan = scan_audio(self)
            # frozen, and the bytes cannot change: a value derived from them stays true
            object.__setattr__(self, "_scan", scan)
        return scan

    @property
    def info(self) -> AudioInfo:
        """What :func:`~audiokit.audio.probe` reports of the data, read in the open that
        :attr:`scan` makes where libsndfile reads the format (one open serves the long-audio
        planner and the silence check); m4a, mp4 and webm, which PyAV decodes whole to scan,
        are probed from their headers."""
        if self.format not in _AV_ONLY_FORMATS:
            info = self.scan.info
            if info is not None:
                return info
        return probe(self.data)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.format, "application/octet-stream")

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"AudioFile({self.filename!r}, {self.format}, {self.size:,} bytes)"


def sniff_format(data: bytes) -> str | None:
    """Recognise an audio container from its first bytes; ``None`` if it is not one we know."""
    head = data[:64]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"  # Matroska/WebM (EBML header)
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom", b"dash") else "mp4"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:
            return "aac"  # ADTS
        if head[1] & 0xE0 == 0xE0:
            return "mp3"  # MPEG audio frame sync
    return None


def to_audio_file(
    audio: AudioInput,
    *,
    sample_rate: int | None = None,
    filename: str | None = None,
    param: str = "file",
    max_bytes: int | None = MAX_UPLOAD_BYTES,
) -> AudioFile:
    """Turn any supported audio input into an :class:`AudioFile`.

    Raises
    ------
    InvalidTypeError
        For input of an unsupported type.
    AudioError
        For empty data, data that is not a recognisable audio container, or data over
        ``max_bytes``.
    """
    data, name = _read(audio, sample_rate=sample_rate, param=param)
    if not data:
        reason = "the audio is empty (0 bytes)"
        if _read_to_end(audio):
            reason += "; the file object was already read to its end: call .seek(0) first"
        raise AudioError(param, audio, "a non-empty audio file", reason=reason)
    fmt = sniff_format(data)
    if fmt is None:
        reason = "not a recognisable audio file"
        if _looks_like_text(data):
            reason += " (it looks like text)"
        shown = name or f"<{len(data):,} bytes>"  # the name, never the content
        raise AudioError(param, shown, ", ".join(UPLOAD_EXTENSIONS), reason=reason)
    if fmt not in UPLOAD_EXTENSIONS:  # raw ADTS AAC: the API refuses .aac uploads
        data, fmt = _to_flac(data, fmt, name, param), "flac"
    if max_bytes is not None and len(data) > max_bytes:
        raise AudioError(
            param,
            name or f"<{len(data):,} bytes>",
            f"at most {max_bytes / 1024 / 1024:.0f} MB per upload (transcribe with "
            "split='auto', the default, cuts longer audio at pauses)",
            reason=f"the file is {len(data) / 1024 / 1024:.1f} MB",
        )
    upload_name = filename or _upload_name(name, fmt)
    if (
        isinstance(audio, AudioFile)
        and audio.data is data
        and (audio.format, audio.filename) == (fmt, upload_name)
    ):
        return audio  # unchanged: keeps its scan
    return AudioFile(upload_name, data, fmt)


def _read(audio: Any, *, sample_rate: int | None, param: str) -> tuple[bytes, str | None]:
    if isinstance(audio, AudioFile):
        return audio.data, audio.filename
    if isinstance(audio, (str, os.PathLike)):
        path = Path(audio).expanduser()
        if not path.is_file():
            raise AudioError(
                param, str(audio), "a path to an existing audio file", reason="no such file"
            )
        return path.read_bytes(), path.name
    if isinstance(audio, (bytes, bytearray, memoryview)):
        return bytes(audio), None
    if hasattr(audio, "data") and hasattr(audio, "format") and hasattr(audio, "to_numpy"):
        if audio.format == "pcm":  # headerless: wrap the same samples in a WAV header
            return _pcm_wav(bytes(audio.data)), "speech.wav"
        return bytes(audio.data), f"speech.{audio.format}"  # a Speech result
    if isinstance(audio, tuple) and len(audio) == 2 and is_array(audio[0]):
        return _encode_array(audio[0], audio[1], param), "audio.wav"
    if is_array(audio):
        if sample_rate is None:
            raise InvalidTypeError(
                param,
                "numpy array",
                "(array, sample_rate) or sample_rate=...",
                reason="a numpy array needs its sample rate",
            )
        return _encode_array(audio, sample_rate, param), "audio.wav"
    if hasattr(audio, "read"):
        data = audio.read()
        if isinstance(data, str):
            raise InvalidTypeError(param, audio, "a file opened in binary mode ('rb')")
        name = getattr(audio, "name", None)
        return bytes(data), os.path.basename(name) if isinstance(name, str) else None
    raise InvalidTypeError(
        param,
        audio,
        "a path, bytes, a binary file object, (numpy array, sample_rate) or a Speech",
    )


def is_array(value: Any) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "dtype")


def _encode_array(samples: Any, sample_rate: Any, param: str) -> bytes:
    import numpy as np
    import soundfile as sf

    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise InvalidTypeError("sample_rate", sample_rate, "a positive integer (Hz)")
    array = np.asarray(samples)
    if array.size == 0:
        raise AudioError(param, "empty array", "at least one sample", reason="no samples")
    if array.ndim == 2 and array.shape[0] < array.shape[1] and array.shape[0] <= 8:
        array = array.T  # (channels, frames) → (frames, channels)
    if array.ndim not in (1, 2):
        raise InvalidTypeError(param, f"array of shape {array.shape}", "(frames,) or (frames, ch)")
    subtype = {"int16": "PCM_16", "int32": "PCM_32"}.get(str(array.dtype))
    if array.dtype in (np.int8, np.uint8):  # soundfile writes 8-bit PCM from int16 only: exact
        offset = 128 if array.dtype == np.uint8 else 0
        array, subtype = (array.astype(np.int16) - offset) << 8, "PCM_U8"
    # Lossless: integers keep their width, floats stay float.
    if subtype is None:
        if array.dtype.kind != "f":
            raise InvalidTypeError(
                param,
                f"array of dtype {array.dtype}",
                "float samples in [-1, 1], or int8, int16, int32 or uint8 PCM",
            )
        if not np.isfinite(array).all():
            raise AudioError(param, "array", "finite samples", reason="it holds NaN or inf")
        array = array.astype(np.float32)  # float64 → float32: 24-bit precision, half the size
        subtype = "FLOAT"
    buffer = io.BytesIO()
    sf.write(buffer, array, int(sample_rate), format="WAV", subtype=subtype)
    return buffer.getvalue()


_SAME_CONTAINER = {"mp3": ("mp3", "mpeg", "mpga"), "m4a": ("m4a", "mp4"), "mp4": ("mp4", "m4a")}


def _upload_name(name: str | None, fmt: str) -> str:
    """A filename whose extension matches the container actually in the bytes."""
    stem, dot, ext = (name or "audio").rpartition(".")
    if not dot:
        stem, ext = name or "audio", ""
    if ext.lower() in _SAME_CONTAINER.get(fmt, (fmt,)):
        return f"{stem}.{ext}"
    return f"{stem}.{fmt}"


def _pcm_wav(data: bytes) -> bytes:
    """The API's pcm (24 kHz, 16-bit little-endian, mono) as a WAV file, sample for sample."""
    import numpy as np
    import soundfile as sf

    samples = np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2")
    buffer = io.BytesIO()
    sf.write(buffer, samples, SPEECH_SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _to_flac(data: bytes, fmt: str, name: str | None, param: str) -> bytes:
    """Audio in a container the API does not take (raw AAC), re-encoded as FLAC."""
    from ._decode import decode
    from ._encode import encode

    try:
        samples, rate = decode(data, mono=False)
    except (AudioDecodeError, ImportError) as exc:
        raise AudioError(
            param,
            name or f"<{fmt} data>",
            ", ".join(UPLOAD_EXTENSIONS),
            reason=f"the API does not accept {fmt} files and this one cannot be converted ({exc})",
        ) from exc
    return encode(samples, rate, "flac")


def _read_to_end(audio: Any) -> bool:
    """A file object whose position is past its start (read before)."""
    try:
        return hasattr(audio, "read") and audio.tell() > 0
    except (AttributeError, OSError, ValueError):
        return False


def _looks_like_text(data: bytes) -> bool:
    sample = data[:512]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
