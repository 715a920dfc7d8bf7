"""Module-level shortcuts on a shared default client: ``audiokit.transcribe()`` and friends.

:func:`configure` sets the default client's options; :func:`default_client` makes it on first
use. ``transcribe``, ``translate`` and ``speak`` are bound methods of a private
:class:`_AudioMethods` subclass (``_audio_methods.py``) whose I/O hooks call the default client's,
so they carry :class:`Client`'s signatures, overloads and docstrings without repeating them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ..audio import AudioInput
from ..core import Secret, defaults
from ..jobs import SpeechPieces
from ..results import Speech, SpeechStream, Transcript, TranscriptStream
from ._audio_methods import _AudioMethods
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


class _DefaultClientMethods(
    _AudioMethods[Transcript, TranscriptStream, Speech, SpeechStream | SpeechPieces]
):
    """The module shortcuts: the client's signatures, run on :func:`default_client`.

    The default client is looked up on every call, since :func:`configure` replaces it.
    """

    def _transcribe(
        self,
        audio: AudioInput,
        model: str | None,
        params: dict[str, Any],
        options: dict[str, Any],
    ) -> Transcript | TranscriptStream:
        return default_client()._transcribe(audio, model, params, options)

    def _translate(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        return default_client()._translate(audio, model, params)

    def _speak(
        self,
        text: str,
        model: str | None,
        voice: str | Mapping[str, str] | None,
        params: dict[str, Any],
        stream: bool,
        split: bool | str,
    ) -> Speech | SpeechStream | SpeechPieces:
        return default_client()._speak(text, model, voice, params, stream, split)


# Bound methods: help(audiokit.transcribe) and type checkers see Client.transcribe's signature,
# overloads and docstring.
_shortcuts = _DefaultClientMethods()
transcribe = _shortcuts.transcribe
translate = _shortcuts.translate
speak = _shortcuts.speak
