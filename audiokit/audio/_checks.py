"""Is this audio corrupt or silent? Checked before an upload, so no money is spent on it.

:func:`check_audio` reads only as far as the first audible stretch: a plain PCM WAV straight
from its bytes (:mod:`._wav`), other formats libsndfile reads block by block, the containers only
PyAV reads in one decode (:mod:`._decode`). The request builders of :mod:`audiokit.wire` call it
on every upload (and on known-speaker samples, whose length it returns); the custom-voice
requests of :mod:`audiokit.client` call it on consent recordings and voice samples.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from ..core import AudioDecodeError, AudioError
from ._backends import _soundfile
from ._decode import decode
from ._wav import WavLayout, wav_layout

if TYPE_CHECKING:
    from ._inputs import AudioFile

__all__ = ["SCAN_SECONDS", "SILENCE_PEAK", "check_audio"]

SILENCE_PEAK = 1e-4  # peak amplitude (-80 dBFS) under which audio counts as silent
SCAN_SECONDS = 0.25  # first block read when looking for sound; each next block is twice as long


def check_audio(file: AudioFile, *, param: str = "file") -> float | None:
    """Catch corrupt or silent files before the upload; return the duration (s).

    Reads only as far as the first audible stretch: a plain PCM WAV straight from its bytes,
    other formats libsndfile reads block by block (so a long file costs about as little as a
    short one), the containers only PyAV reads (m4a, webm) in one decode. Silence is still
    judged on the whole file. Returns ``None`` when the audio cannot be decoded here (no
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
        layout = wav_layout(file.data)
        if layout is not None:
            frames, rate = layout.frames, layout.rate
            audible = frames > 0 and _wav_audible(layout, file.data)
        else:
            frames, rate, audible = _scan_audible(file.data)
    except (AudioDecodeError, RuntimeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise AudioError(
            param,
            file.filename,
            "a readable audio file",
            reason=f"the {file.format} data is corrupt or unreadable ({exc})",
        ) from exc
    except ImportError:
        return None
    if frames == 0:
        raise AudioError(
            param, file.filename, "audio with at least one sample", reason="no audio samples"
        )
    if not audible:
        raise AudioError(
            param,
            file.filename,
            "audio with sound in it",
            reason="the audio is silent: there is nothing to transcribe",
        )
    return frames / rate


def _wav_audible(layout: WavLayout, data: bytes) -> bool:
    """Whether any sample of a PCM/float WAV reaches SILENCE_PEAK (stops at the first)."""
    samples = layout.samples(data)
    full_scale = {"u1": 128, "<i2": 32768, "<i4": 2**31}.get(layout.dtype, 1.0)
    threshold = SILENCE_PEAK * full_scale
    center = 128 if layout.dtype == "u1" else 0
    step = max(1, int(layout.rate * SCAN_SECONDS)) * layout.channels
    start = 0
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


def _scan_audible(data: bytes) -> tuple[int, int, bool]:
    """(frames, rate, audible) of any other audio, reading only until it is audible."""
    sf = _soundfile()
    try:
        handle = sf.SoundFile(io.BytesIO(data))
    except (RuntimeError, TypeError, ValueError):  # m4a, webm, raw AAC: PyAV decodes it whole
        samples, rate = decode(data)
        audible = samples.size > 0 and not float(np.max(np.abs(samples))) < SILENCE_PEAK
        return len(samples), rate, audible
    with handle as f:
        rate, declared = int(f.samplerate), f.frames
        known = 0 < declared < 2**62  # streams may not say how long they are
        block, seen = max(1, int(rate * SCAN_SECONDS)), 0
        while True:
            x = f.read(block, dtype="float32")
            if not len(x):
                return seen, rate, False
            seen += len(x)
            if not float(np.max(np.abs(x))) < SILENCE_PEAK:
                if known:
                    return declared, rate, True
                while len(x := f.read(rate * 30, dtype="float32")):  # count the rest
                    seen += len(x)
                return seen, rate, True
            block = min(block * 2, rate * 30)
