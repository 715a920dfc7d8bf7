"""audiokit: speech in Jupyter — transcription, translation and text-to-speech.

Over the OpenAI audio API (or any compatible server), or fully offline on a bundled local
engine when no API key is set.

>>> import audiokit
>>> speech = audiokit.speak("Hello from audiokit.")          # doctest: +SKIP
>>> transcript = audiokit.transcribe(speech, logprobs=True)  # doctest: +SKIP
>>> transcript.tokens                                        # doctest: +SKIP

The layers, bottom to top, are subpackages (``core``, ``records``, ``audio``, ``wire``, ``results``,
``text``, ``analysis``, ``jobs``, ``local``, ``server``, ``client``, ``batch``, ``correction``,
``live``, ``notebook``, ``widgets``, ``magics``, ``cli``); ``docs/ARCHITECTURE.md`` draws them.
This module only re-exports the public API, lazily (PEP 562): ``import audiokit`` loads no
layer; a name's layer is imported the first time the name is used, so a script that only
transcribes never loads the live session, the batch runner or the notebook display.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the names below, for type checkers and IDEs; at run time see __getattr__
    from .analysis import Comparison, compare
    from .audio import AudioFile
    from .batch import BatchItem, BatchResult, atranscribe_many, transcribe_many
    from .client import (
        AsyncClient,
        Client,
        DeletedVoiceConsent,
        Voice,
        VoiceConsent,
        configure,
        default_client,
        speak,
        transcribe,
        translate,
    )
    from .core import (
        MAX_UPLOAD_BYTES,
        APIConnectionError,
        APIError,
        APIResponseError,
        APIStatusError,
        APITimeoutError,
        AudioDecodeError,
        AudioError,
        AudiokitError,
        AuthenticationError,
        BadRequestError,
        BatchInterrupted,
        ConflictError,
        InternalServerError,
        InvalidTypeError,
        LiveSessionError,
        NotFoundError,
        ParseError,
        PermissionDeniedError,
        RateLimitError,
        RequestTooLargeError,
        StreamError,
        UnprocessableEntityError,
        UnsupportedError,
        UnsupportedMediaTypeError,
        ValidationError,
        defaults,
    )
    from .correction import Correction, acorrect, correct
    from .jobs import AsyncSpeechPieces, SpeechPieces, TranscriptCache
    from .live import AsyncLiveSession, AudioFeed, LiveSession, Utterance, alive, live
    from .records import Segment, TokenLogprob, Usage, Word
    from .results import (
        SERVER_VAD,
        AsyncSpeechStream,
        AsyncTranscriptStream,
        InputAudioBufferCleared,
        InputAudioBufferCommitted,
        InputAudioBufferSpeechStarted,
        InputAudioBufferSpeechStopped,
        InputAudioTranscriptionCompleted,
        InputAudioTranscriptionDelta,
        InputAudioTranscriptionFailed,
        InputAudioTranscriptionSegment,
        RealtimeError,
        RealtimeErrorDetail,
        SessionCreated,
        SessionUpdated,
        Speech,
        SpeechAudioDelta,
        SpeechAudioDone,
        SpeechStream,
        Transcript,
        TranscriptionSessionCreated,
        TranscriptionSessionUpdated,
        TranscriptStream,
        TranscriptTextDelta,
        TranscriptTextDone,
        TranscriptTextSegment,
        load_transcript,
    )
    from .text import count_prompt_tokens, previous_text_prompt, vocabulary_prompt
    from .wire import (
        SPEECH_FORMATS,
        SPEECH_MODELS,
        SUPPORTED_LANGUAGES,
        TRANSCRIPTION_FORMATS,
        TRANSCRIPTION_MODELS,
        VOICES,
        capabilities,
        normalize_language,
    )

__all__ = [
    "MAX_UPLOAD_BYTES",
    "SERVER_VAD",
    "SPEECH_FORMATS",
    "SPEECH_MODELS",
    "SUPPORTED_LANGUAGES",
    "TRANSCRIPTION_FORMATS",
    "TRANSCRIPTION_MODELS",
    "VOICES",
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncLiveSession",
    "AsyncSpeechPieces",
    "AsyncSpeechStream",
    "AsyncTranscriptStream",
    "AudioDecodeError",
    "AudioError",
    "AudioFeed",
    "AudioFile",
    "AudiokitError",
    "AuthenticationError",
    "BadRequestError",
    "BatchInterrupted",
    "BatchItem",
    "BatchResult",
    "Client",
    "Comparison",
    "ConflictError",
    "Correction",
    "DeletedVoiceConsent",
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionFailed",
    "InputAudioTranscriptionSegment",
    "InternalServerError",
    "InvalidTypeError",
    "LiveSession",
    "LiveSessionError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "RateLimitError",
    "RealtimeError",
    "RealtimeErrorDetail",
    "RequestTooLargeError",
    "Segment",
    "SessionCreated",
    "SessionUpdated",
    "Speech",
    "SpeechAudioDelta",
    "SpeechAudioDone",
    "SpeechPieces",
    "SpeechStream",
    "StreamError",
    "TokenLogprob",
    "Transcript",
    "TranscriptCache",
    "TranscriptStream",
    "TranscriptTextDelta",
    "TranscriptTextDone",
    "TranscriptTextSegment",
    "TranscriptionSessionCreated",
    "TranscriptionSessionUpdated",
    "UnprocessableEntityError",
    "UnsupportedError",
    "UnsupportedMediaTypeError",
    "Usage",
    "Utterance",
    "ValidationError",
    "Voice",
    "VoiceConsent",
    "Word",
    "__version__",
    "acorrect",
    "alive",
    "atranscribe_many",
    "capabilities",
    "compare",
    "configure",
    "correct",
    "count_prompt_tokens",
    "default_client",
    "defaults",
    "live",
    "load_transcript",
    "normalize_language",
    "previous_text_prompt",
    "speak",
    "transcribe",
    "transcribe_many",
    "translate",
    "vocabulary_prompt",
]

# layer -> the public names it provides
_EXPORTS: dict[str, tuple[str, ...]] = {
    "analysis": (
        "Comparison",
        "compare",
    ),
    "audio": ("AudioFile",),
    "batch": (
        "BatchItem",
        "BatchResult",
        "atranscribe_many",
        "transcribe_many",
    ),
    "client": (
        "AsyncClient",
        "Client",
        "DeletedVoiceConsent",
        "Voice",
        "VoiceConsent",
        "configure",
        "default_client",
        "speak",
        "transcribe",
        "translate",
    ),
    "core": (
        "MAX_UPLOAD_BYTES",
        "APIConnectionError",
        "APIError",
        "APIResponseError",
        "APIStatusError",
        "APITimeoutError",
        "AudioDecodeError",
        "AudioError",
        "AudiokitError",
        "AuthenticationError",
        "BadRequestError",
        "BatchInterrupted",
        "ConflictError",
        "InternalServerError",
        "InvalidTypeError",
        "LiveSessionError",
        "NotFoundError",
        "ParseError",
        "PermissionDeniedError",
        "RateLimitError",
        "RequestTooLargeError",
        "StreamError",
        "UnprocessableEntityError",
        "UnsupportedError",
        "UnsupportedMediaTypeError",
        "ValidationError",
        "defaults",
    ),
    "correction": (
        "Correction",
        "acorrect",
        "correct",
    ),
    "jobs": (
        "AsyncSpeechPieces",
        "SpeechPieces",
        "TranscriptCache",
    ),
    "live": (
        "AsyncLiveSession",
        "AudioFeed",
        "LiveSession",
        "Utterance",
        "alive",
        "live",
    ),
    "records": (
        "Segment",
        "TokenLogprob",
        "Usage",
        "Word",
    ),
    "results": (
        "SERVER_VAD",
        "AsyncSpeechStream",
        "AsyncTranscriptStream",
        "InputAudioBufferCleared",
        "InputAudioBufferCommitted",
        "InputAudioBufferSpeechStarted",
        "InputAudioBufferSpeechStopped",
        "InputAudioTranscriptionCompleted",
        "InputAudioTranscriptionDelta",
        "InputAudioTranscriptionFailed",
        "InputAudioTranscriptionSegment",
        "RealtimeError",
        "RealtimeErrorDetail",
        "SessionCreated",
        "SessionUpdated",
        "Speech",
        "SpeechAudioDelta",
        "SpeechAudioDone",
        "SpeechStream",
        "Transcript",
        "TranscriptionSessionCreated",
        "TranscriptionSessionUpdated",
        "TranscriptStream",
        "TranscriptTextDelta",
        "TranscriptTextDone",
        "TranscriptTextSegment",
        "load_transcript",
    ),
    "text": (
        "count_prompt_tokens",
        "previous_text_prompt",
        "vocabulary_prompt",
    ),
    "wire": (
        "SPEECH_FORMATS",
        "SPEECH_MODELS",
        "SUPPORTED_LANGUAGES",
        "TRANSCRIPTION_FORMATS",
        "TRANSCRIPTION_MODELS",
        "VOICES",
        "capabilities",
        "normalize_language",
    ),
}
_LAYER_OF = {name: layer for layer, names in _EXPORTS.items() for name in names}
_LAYERS = ("core", "records", "audio", "text", "wire", "results", "analysis", "jobs", "local",
           "server", "client", "batch", "correction", "live", "notebook", "widgets", "magics",
           "cli")  # fmt: skip


def __getattr__(name: str) -> Any:
    layer = _LAYER_OF.get(name)
    if layer is not None:
        value = getattr(importlib.import_module(f".{layer}", __name__), name)
        globals()[name] = value  # next time, a plain module attribute
        return value
    if name in _LAYERS:  # ``audiokit.core`` before anything imported it
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """The package module, kept from letting a subpackage shadow the public name it shares.

    Importing ``audiokit.live`` (the layer) binds the module as the package attribute ``live``,
    which would hide the function ``audiokit.live`` that ``__getattr__`` serves lazily; an eager
    ``from .live import live`` used to overwrite that binding, a lazy export cannot.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return  # the layer stays in sys.modules; the public name keeps its meaning
        super().__setattr__(name, value)


_SHADOWED = frozenset(_LAYER_OF) & frozenset(_LAYERS)
sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def load_ipython_extension(ipython):
    """``%load_ext audiokit``: register the magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
