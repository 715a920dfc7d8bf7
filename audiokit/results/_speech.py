"""Text-to-speech results: :class:`Speech`, audio bytes that know their format."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import SPEECH_SAMPLE_RATE as PCM_SAMPLE_RATE
from ..core import ValidationError
from ..records import Usage
from ..wire import SPEECH_FORMATS
from ._summary import speech_repr
from ._views import view

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MIME_TYPES", "PCM_SAMPLE_RATE", "Speech"]


MIME_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",  # Opus in an Ogg container
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/L16;rate=24000;channels=1",
}
_EXTENSIONS = {"opus": "ogg", "pcm": "pcm"}


@dataclass(frozen=True, repr=False)
class Speech:
    """Synthesised audio.

    Attributes
    ----------
    data : bytes
        The audio exactly as received.
    format : str
        One of mp3, opus, aac, flac, wav, pcm.
    params : dict
        The request parameters that produced it (never the API key).
    usage : Usage | None
        Token usage, when the server reported it (SSE streams).
    engine : str | None
        What really spoke, when the server said: audiokit's offline engine answers every voice
        and model with its one local Piper voice and reports it, e.g.
        ``"Piper en_US-joe-medium"``; displays then read ``coral → offline voice
        en_US-joe-medium``. ``None`` for the OpenAI API, where ``params`` is what ran.

    Examples
    --------
    >>> speech = audiokit.speak("Hello there!", voice="coral")   # doctest: +SKIP
    >>> speech.save("hello.mp3"); speech.duration                 # doctest: +SKIP
    """

    data: bytes
    format: str = "mp3"
    params: Mapping[str, Any] = field(default_factory=dict)
    usage: Usage | None = None
    engine: str | None = None

    @property
    def content_type(self) -> str:
        return MIME_TYPES.get(self.format, "application/octet-stream")

    @property
    def file_extension(self) -> str:
        return _EXTENSIONS.get(self.format, self.format)

    @property
    def sample_rate(self) -> int:
        if self.format == "pcm":
            return PCM_SAMPLE_RATE
        return self.to_numpy()[1]

    @property
    def duration(self) -> float | None:
        """Length in seconds (decoded once; ``None`` if the bytes cannot be decoded)."""
        if self.format == "pcm":
            return len(self.data) / 2 / PCM_SAMPLE_RATE
        try:
            samples, rate = self.to_numpy()
        except Exception:  # undecodable bytes still display; they just have no duration
            return None
        return len(samples) / rate

    def to_numpy(self) -> tuple[np.ndarray, int]:
        """Decode to float32 mono samples in [-1, 1] and their sample rate."""
        import numpy as np

        if self.format == "pcm":
            usable = len(self.data) - len(self.data) % 2
            pcm = np.frombuffer(self.data[:usable], dtype="<i2")
            return pcm.astype(np.float32) / 32768.0, PCM_SAMPLE_RATE
        from ..audio import decode

        return decode(self.data)

    def to_data_url(self) -> str:
        """A ``data:`` URL that browsers can play (pcm is wrapped as WAV for that)."""
        data, mime = self.data, self.content_type
        if self.format == "pcm":
            data, mime = self._as_wav(), "audio/wav"
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def save(self, path: str | Path) -> Path:
        """Write the audio. An extension of another format transcodes (``.wav`` from mp3)."""
        path = Path(path)
        target = path.suffix.lower().lstrip(".") or self.file_extension
        target = {"ogg": "opus"}.get(target, target)
        if target == self.format:
            path.write_bytes(self.data)
        elif target in SPEECH_FORMATS:
            from ..audio import encode

            samples, rate = self.to_numpy()
            path.write_bytes(encode(samples, rate, target))
        else:
            raise ValidationError(
                "path",
                str(path),
                ", ".join(f".{f}" for f in SPEECH_FORMATS),
                reason="unknown audio file extension",
            )
        return path

    def _as_wav(self) -> bytes:
        import io

        import soundfile as sf

        samples, rate = self.to_numpy()
        buffer = io.BytesIO()
        sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
        return buffer.getvalue()

    def play(self) -> Any:
        """An IPython display object that starts playing at once (autoplay)."""
        return view("speech_player")(self, autoplay=True)

    def __repr__(self) -> str:
        return speech_repr(self)

    def _repr_html_(self) -> str:
        return view("speech_html")(self)
