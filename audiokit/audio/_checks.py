"""Is this audio corrupt or silent? Checked before an upload, so no money is spent on it.

:func:`scan_audio` looks at the samples once, reading only as far as the first audible stretch:
a plain PCM WAV straight from its bytes (:mod:`._wav`), an MP3 from its frame headers and a few
frames through an FFmpeg decoder kept open (:mod:`._mpeg`; libsndfile's verdict when that does
not clearly hear sound), other formats libsndfile reads block by block from one open (which also
gives the header's format, rate and length), the containers only PyAV reads in one decode
(:mod:`._decode`). An :class:`~._inputs.AudioFile` keeps its scan
(:attr:`~._inputs.AudioFile.scan`), so the long-audio planner (``AudioFile.info``) and
:func:`check_audio` share it. The request builders of :mod:`audiokit.wire` call
:func:`check_audio` on every upload (and on known-speaker samples, whose length it returns); the
custom-voice requests of :mod:`audiokit.client` call it on consent recordings and voice samples.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..core import AudioDecodeError, AudioError
from ._backends import _soundfile
from ._decode import AudioInfo, _read_frames, _sf_info, decode
from ._mpeg import clearly_audible, mpeg_layout
from ._wav import _WIDTHS, WavLayout, wav_layout

if TYPE_CHECKING:
    from ._inputs import AudioFile

__all__ = ["SCAN_SECONDS", "SILENCE_PEAK", "AudioScan", "check_audio", "scan_audio"]

SILENCE_PEAK = 1e-4  # peak amplitude (-80 dBFS) under which audio counts as silent
# First block read when looking for sound (each next block is twice as long): under one MP3
# frame (576 or 1152 samples), so audio that is audible from the start costs one short decode.
SCAN_SECONDS = 0.02
MAX_SCAN_BLOCK_SECONDS = 30.0  # blocks stop growing here (bounded memory on long files)
_FULL_SCALE = {"u1": 128, "<i2": 32768, "<i4": 2**31}  # integer WAV samples; floats: 1.0
PYTHON_SCAN_SAMPLES = 128  # looked at in Python first (audio is audible from the start, mostly)
_ARRAY_CODES = {"u1": "B", "<i2": "h", "<i4": "i", "<f4": "f", "<f8": "d"}  # little-endian


class AudioScan(NamedTuple):
    """What one look at an upload's samples found (:func:`scan_audio`)."""

    info: AudioInfo | None  # what probe() would report; None after a whole decode by PyAV
    frames: int  # samples per channel: the header's count, or counted where it has none
    sample_rate: int
    audible: bool  # some sample reaches SILENCE_PEAK

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def scan_audio(file: AudioFile) -> AudioScan:
    """Read ``file`` only as far as the first audible stretch (the whole file if it is silent).

    Use :attr:`AudioFile.scan`, which keeps the result. Raises what the decoders raise
    (:class:`~audiokit.core.AudioDecodeError`, libsndfile's ``RuntimeError``) for data they
    cannot read.
    """
    data = file.data
    layout = wav_layout(data)
    if layout is not None:
        frames, rate = layout.frames, layout.rate
        info = AudioInfo("wav", rate, layout.channels, frames / rate)
        return AudioScan(info, frames, rate, frames > 0 and _wav_audible(layout, data))
    mpeg = mpeg_layout(data)
    if mpeg is None:
        return _scan_audible(data)
    info = AudioInfo("mp3", mpeg.rate, mpeg.channels, mpeg.frames / mpeg.rate)
    if clearly_audible(data, mpeg, SILENCE_PEAK):  # no libsndfile open (see ._mpeg)
        return AudioScan(info, mpeg.frames, mpeg.rate, True)
    scan = _scan_audible(data)  # silent, barely audible, or no PyAV: libsndfile's verdict
    # the length from the headers: libsndfile only estimates it for an MP3 without a Xing frame
    return scan._replace(info=info, frames=mpeg.frames) if scan.frames else scan


def check_audio(file: AudioFile, *, param: str = "file") -> float | None:
    """Catch corrupt or silent files before the upload; return the duration (s).

    Reads only as far as the first audible stretch: a plain PCM WAV straight from its bytes,
    other formats libsndfile reads block by block (so a long file costs about as little as a
    short one), the containers only PyAV reads (m4a, webm) in one decode. Silence is still
    judged on the whole file. The look is :attr:`AudioFile.scan`: made once per file, and
    shared with the long-audio planner. Returns ``None`` when the audio cannot be decoded here (no
    PyAV): the server then judges it.

    Parameters
    ----------
    file : AudioFile
        The upload, as :func:`to_audio_file` made it.
    param : str
        The parameter named in the error.

    Returns
    -------
    float or None
        The duration in seconds, or ``None`` if it could not be decoded without PyAV.

    Raises
    ------
    AudioError
        The data is corrupt, holds no samples, or is silent.

    Examples
    --------
    >>> check_audio(to_audio_file("speech.wav"))  # doctest: +SKIP
    2.0
    """
    try:
        scan = file.scan
    except (AudioDecodeError, RuntimeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise AudioError(
            param,
            file.filename,
            "a readable audio file",
            reason=f"the {file.format} data is corrupt or unreadable ({exc})",
        ) from exc
    except ImportError:
        return None
    if scan.frames == 0:
        raise AudioError(
            param, file.filename, "audio with at least one sample", reason="no audio samples"
        )
    if not scan.audible:
        raise AudioError(
            param,
            file.filename,
            "audio with sound in it",
            reason="the audio is silent: there is nothing to transcribe",
        )
    return scan.duration


def _wav_audible(layout: WavLayout, data: bytes) -> bool:
    """Whether any sample of a PCM/float WAV reaches SILENCE_PEAK (stops at the first)."""
    threshold = SILENCE_PEAK * _FULL_SCALE.get(layout.dtype, 1.0)
    center = 128 if layout.dtype == "u1" else 0
    step = max(1, int(layout.rate * SCAN_SECONDS)) * layout.channels
    start = 0
    first = _first_block_audible(layout, data, PYTHON_SCAN_SAMPLES, threshold, center)
    if first is not None:  # the first samples, looked at without numpy
        if first:
            return True
        start = PYTHON_SCAN_SAMPLES
    samples = layout.samples(data)
    while start < samples.size:
        block = samples[start : start + step]
        if block.dtype.kind == "f":
            peak = float(np.max(np.abs(block)))
            if not peak < threshold:  # NaN counts as sound: not ours to judge
                return True
        elif int(block.max()) - center >= threshold or center - int(block.min()) >= threshold:
            return True
        start += step
        step *= 2
    return False


def _first_block_audible(
    layout: WavLayout, data: bytes, count: int, threshold: float, center: int
) -> bool | None:
    """:func:`_wav_audible` for the first ``count`` samples, read as a memoryview: a cold
    numpy call (the first thing after a request's network wait) costs more than a few hundred
    samples in Python. ``None`` where the machine's byte order is not the file's."""
    code = _ARRAY_CODES.get(layout.dtype)
    if code is None or sys.byteorder != "little":
        return None
    width = _WIDTHS[layout.dtype]
    count = min(count, layout.frames * layout.channels)
    view = memoryview(data)[layout.offset : layout.offset + count * width].cast(code)
    if not len(view):
        return False
    if code in "fd":
        total = sum(view)
        if total != total:  # NaN (or inf - inf) counts as sound: not ours to judge
            return True
    return max(view) - center >= threshold or center - min(view) >= threshold


def _scan_audible(data: bytes) -> AudioScan:
    """The scan of any other audio, reading only until it is audible."""
    sf = _soundfile()
    try:
        handle = sf.SoundFile(io.BytesIO(data))
    except (RuntimeError, TypeError, ValueError):  # m4a, webm, raw AAC: PyAV decodes it whole
        samples, rate = decode(data)
        audible = samples.size > 0 and not float(np.max(np.abs(samples))) < SILENCE_PEAK
        return AudioScan(None, len(samples), rate, audible)
    with handle as f:
        rate, declared = int(f.samplerate), f.frames
        known = 0 < declared < 2**62  # streams may not say how long they are
        block, seen, most = max(1, int(rate * SCAN_SECONDS)), 0, int(rate * MAX_SCAN_BLOCK_SECONDS)
        while True:
            x = _read_frames(f, block)
            if not len(x):
                return AudioScan(_sf_info(f, seen), seen, rate, False)
            seen += len(x)
            if not float(np.max(np.abs(x))) < SILENCE_PEAK:
                if not known:
                    while len(x := _read_frames(f, most)):  # count the rest
                        seen += len(x)
                frames = declared if known else seen
                return AudioScan(_sf_info(f, frames), frames, rate, True)
            block = min(block * 2, most)
