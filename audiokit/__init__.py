"""audiokit: speech in Jupyter — transcription, translation and text-to-speech.

Over the OpenAI audio API (or any compatible server), or fully offline on a bundled local
engine when no API key is set.

>>> import audiokit
>>> speech = audiokit.speak("Hello from audiokit.")          # doctest: +SKIP
>>> transcript = audiokit.transcribe(speech, logprobs=True)  # doctest: +SKIP
>>> transcript.tokens                                        # doctest: +SKIP

Layout: ``_client`` (Client/AsyncClient) → ``_requests`` (checks, wire format) → ``_http``
(retries, errors, SSE) → a backend (the API, or ``_local`` in-process). Results live in
``_transcript`` and ``_speech``; ``_formats``, ``_tables`` and ``_display`` view them.
"""

from ._api import configure, default_client, speak, transcribe, translate
from ._audio import AudioFile
from ._batch import BatchItem, BatchResult, atranscribe_many, transcribe_many
from ._cache import TranscriptCache
from ._capabilities import (
    MAX_UPLOAD_BYTES,
    SPEECH_FORMATS,
    SPEECH_MODELS,
    TRANSCRIPTION_FORMATS,
    TRANSCRIPTION_MODELS,
    VOICES,
    capabilities,
)
from ._client import AsyncClient, Client
from ._compare import Comparison, compare
from ._config import defaults
from ._correct import Correction, acorrect, correct
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AudioError,
    AudiokitError,
    AuthenticationError,
    BadRequestError,
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
)
from ._formats import load_transcript
from ._languages import SUPPORTED_LANGUAGES, normalize_language
from ._live import AsyncLiveSession, AudioFeed, LiveSession, Utterance, alive, live
from ._longaudio import AsyncSpeechPieces, SpeechPieces
from ._prompting import count_prompt_tokens, previous_text_prompt, vocabulary_prompt
from ._realtime_events import (
    SERVER_VAD,
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
    TranscriptionSessionUpdated,
)
from ._speech import Speech
from ._streaming import (
    AsyncSpeechStream,
    AsyncTranscriptStream,
    SpeechAudioDelta,
    SpeechAudioDone,
    SpeechStream,
    TranscriptStream,
    TranscriptTextDelta,
    TranscriptTextDone,
    TranscriptTextSegment,
)
from ._transcript import Segment, TokenLogprob, Transcript, Usage, Word
from ._voices import DeletedVoiceConsent, Voice, VoiceConsent

__version__ = "0.1.0"

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
    "AudioError",
    "AudioFeed",
    "AudioFile",
    "AudiokitError",
    "AuthenticationError",
    "BadRequestError",
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
    from ._magics import load_ipython_extension as load

    load(ipython)
