"""What each known model accepts, taken from the API reference (shared/seeds, openapi.yaml).

The table drives the checks made before any request is sent (``_validation.py``), the options the
widgets offer, and the local engine's own checks. Unknown model names belong to other
OpenAI-compatible servers: they get only the model-independent checks.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SPEECH_FORMATS",
    "SPEECH_MODELS",
    "TRANSCRIPTION_FORMATS",
    "TRANSCRIPTION_MODELS",
    "TRANSLATION_FORMATS",
    "TRANSLATION_MODELS",
    "VOICES",
    "SpeechCapabilities",
    "TranscriptionCapabilities",
    "capabilities",
    "transcription_capabilities",
]


TRANSCRIPTION_FORMATS = ("json", "text", "srt", "verbose_json", "vtt", "diarized_json")
TRANSLATION_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
SPEECH_STREAM_FORMATS = ("audio", "sse")
TIMESTAMP_GRANULARITIES = ("word", "segment")
CHUNKING_STRATEGIES = ("auto",)  # or a server_vad object

# Built-in voices: the reference lists the first eleven, openapi.yaml adds marin and cedar.
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
# tts-1 and tts-1-hd predate ballad, verse, marin and cedar.
_TTS1_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")


@dataclass(frozen=True)
class TranscriptionCapabilities:
    """What a speech-to-text model accepts."""

    model: str
    response_formats: tuple[str, ...]
    logprobs: bool = False
    stream: bool = False
    timestamp_granularities: bool = False
    prompt: bool = True
    diarization: bool = False  # known_speaker_* and diarized_json
    chunking_strategy: bool = True
    keywords: bool = False  # `languages` and `keywords` (gpt-transcribe)
    translation: bool = False
    known: bool = True  # False for models not in the table: only generic checks apply


@dataclass(frozen=True)
class SpeechCapabilities:
    """What a text-to-speech model accepts."""

    model: str
    voices: tuple[str, ...] = VOICES
    instructions: bool = True
    speed: bool = True
    sse: bool = True
    response_formats: tuple[str, ...] = SPEECH_FORMATS
    known: bool = True


_GPT4O = dict(response_formats=("json", "text"), logprobs=True, stream=True)

TRANSCRIPTION_MODELS: dict[str, TranscriptionCapabilities] = {
    "whisper-1": TranscriptionCapabilities(
        "whisper-1",
        response_formats=("json", "text", "srt", "verbose_json", "vtt"),
        timestamp_granularities=True,
        translation=True,
    ),
    "gpt-4o-transcribe": TranscriptionCapabilities("gpt-4o-transcribe", **_GPT4O),
    "gpt-4o-mini-transcribe": TranscriptionCapabilities("gpt-4o-mini-transcribe", **_GPT4O),
    "gpt-4o-mini-transcribe-2025-12-15": TranscriptionCapabilities(
        "gpt-4o-mini-transcribe-2025-12-15", **_GPT4O
    ),
    "gpt-4o-transcribe-diarize": TranscriptionCapabilities(
        "gpt-4o-transcribe-diarize",
        response_formats=("json", "text", "diarized_json"),
        stream=True,
        prompt=False,
        diarization=True,
    ),
    "gpt-transcribe": TranscriptionCapabilities(
        "gpt-transcribe", response_formats=("json", "text"), stream=True, keywords=True
    ),
}
TRANSLATION_MODELS = ("whisper-1",)

SPEECH_MODELS: dict[str, SpeechCapabilities] = {
    "tts-1": SpeechCapabilities("tts-1", voices=_TTS1_VOICES, instructions=False, sse=False),
    "tts-1-hd": SpeechCapabilities("tts-1-hd", voices=_TTS1_VOICES, instructions=False, sse=False),
    # The reference: speed "does not work with gpt-4o-mini-tts".
    "gpt-4o-mini-tts": SpeechCapabilities("gpt-4o-mini-tts", speed=False),
    "gpt-4o-mini-tts-2025-12-15": SpeechCapabilities("gpt-4o-mini-tts-2025-12-15", speed=False),
}


def capabilities(model: str) -> TranscriptionCapabilities | SpeechCapabilities:
    """Look up what ``model`` accepts.

    Unknown names give a permissive transcription entry with ``known=False``.

    Examples
    --------
    >>> capabilities("whisper-1").timestamp_granularities
    True
    >>> capabilities("tts-1").instructions
    False
    """
    if model in SPEECH_MODELS:
        return SPEECH_MODELS[model]
    return transcription_capabilities(model)


def transcription_capabilities(model: str) -> TranscriptionCapabilities:
    """Capabilities of a speech-to-text model; permissive for unknown names."""
    found = TRANSCRIPTION_MODELS.get(model)
    if found is not None:
        return found
    return TranscriptionCapabilities(
        model,
        response_formats=TRANSCRIPTION_FORMATS,
        logprobs=True,
        stream=True,
        timestamp_granularities=True,
        diarization=True,
        keywords=True,
        translation=True,
        known=False,
    )


def speech_capabilities(model: str) -> SpeechCapabilities:
    """Capabilities of a text-to-speech model; permissive for unknown names."""
    found = SPEECH_MODELS.get(model)
    if found is not None:
        return found
    return SpeechCapabilities(model, known=False)
