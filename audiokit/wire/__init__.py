"""The OpenAI audio API on the wire: capabilities per model, languages, request checks and
building, HTTP with retries, SSE."""

from ._capabilities import (
    SPEECH_FORMATS,
    SPEECH_MODELS,
    TRANSCRIPTION_FORMATS,
    TRANSCRIPTION_MODELS,
    TRANSLATION_FORMATS,
    TRANSLATION_MODELS,
    VOICES,
    SpeechCapabilities,
    TranscriptionCapabilities,
    capabilities,
    transcription_capabilities,
)
from ._http import JSON_FORMATS, AsyncHTTP, SyncHTTP, retry_after
from ._languages import SUPPORTED_LANGUAGES, language_code, normalize_language
from ._requests import APIRequest, speech_request, transcription_request, translation_request
from ._sse import DONE, EventDecoder

__all__ = [
    "DONE",
    "JSON_FORMATS",
    "SPEECH_FORMATS",
    "SPEECH_MODELS",
    "SUPPORTED_LANGUAGES",
    "TRANSCRIPTION_FORMATS",
    "TRANSCRIPTION_MODELS",
    "TRANSLATION_FORMATS",
    "TRANSLATION_MODELS",
    "VOICES",
    "APIRequest",
    "AsyncHTTP",
    "EventDecoder",
    "SpeechCapabilities",
    "SyncHTTP",
    "TranscriptionCapabilities",
    "capabilities",
    "language_code",
    "normalize_language",
    "retry_after",
    "speech_request",
    "transcription_capabilities",
    "transcription_request",
    "translation_request",
]
