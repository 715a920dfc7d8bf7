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
This module only re-exports the public API.
"""

from . import notebook  # noqa: F401  (registers the display views of results: results/_views.py)
from ._version import __version__
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
    Speech,
    SpeechAudioDelta,
    SpeechAudioDone,
    SpeechStream,
    Transcript,
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


def load_ipython_extension(ipython):
    """``%load_ext audiokit``: register the magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
