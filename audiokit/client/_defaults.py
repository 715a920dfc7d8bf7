"""Module-level shortcuts on a shared default client: ``audiokit.transcribe()`` and friends."""

from __future__ import annotations

import threading
from typing import Any

from ..core import Secret, defaults
from ._client import Client

__all__ = [
    "configure",
    "default_client",
    "default_client_options",
    "speak",
    "transcribe",
    "translate",
]

_lock = threading.Lock()
_client: Client | None = None
_client_options: dict[str, Any] = {}


def default_client() -> Client:
    """The client behind the module-level functions (created on first use)."""
    global _client
    with _lock:
        if _client is None:
            _client = Client(**_client_options)
        return _client


def default_client_options() -> dict[str, Any]:
    """The options :func:`configure` set for the default client (the key stays a Secret)."""
    with _lock:
        return dict(_client_options)


def configure(**options: Any) -> None:
    """Set defaults for the module-level functions, the magics and the widgets.

    Parameters
    ----------
    transcription_model, translation_model, speech_model, voice
        Default models and voice.
    api_key, base_url, organization, project, backend, timeout, max_retries
        Options of the default :class:`Client` (it is recreated on next use).

    Examples
    --------
    >>> audiokit.configure(voice="coral", backend="local")   # doctest: +SKIP
    """
    global _client
    model_keys = {"transcription_model", "translation_model", "speech_model", "voice"}
    for key in model_keys & options.keys():
        setattr(defaults, key, options.pop(key))
    if options:
        with _lock:
            if isinstance(options.get("api_key"), str):  # never kept in the clear
                options["api_key"] = Secret(options["api_key"])
            _client_options.update(options)
            if _client is not None:
                _client.close()
            _client = None


def transcribe(audio: Any, **params: Any) -> Any:
    """Transcribe with the default client; see :meth:`Client.transcribe`."""
    return default_client().transcribe(audio, **params)


def translate(audio: Any, **params: Any) -> Any:
    """Translate into English with the default client; see :meth:`Client.translate`."""
    return default_client().translate(audio, **params)


def speak(text: str, **params: Any) -> Any:
    """Synthesize speech with the default client; see :meth:`Client.speak`."""
    return default_client().speak(text, **params)
