"""Configuration: arguments first, then the environment, then defaults — and the key kept secret.

Environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT`` (or
``OPENAI_PROJECT_ID``), ``AUDIOKIT_BACKEND`` (``api`` or ``local``), and the default models and
voice ``AUDIOKIT_TRANSCRIPTION_MODEL``, ``AUDIOKIT_TRANSLATION_MODEL``, ``AUDIOKIT_SPEECH_MODEL``,
``AUDIOKIT_VOICE``.

Backend choice: ``backend="api"`` talks HTTP to ``base_url``; ``backend="local"`` runs the offline
engine in-process. When neither is given, a key or a base URL means ``api``, nothing means
``local`` (said once, in one line).
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, fields
from typing import Any

from ._errors import ValidationError

__all__ = [
    "BACKENDS",
    "DEFAULT_BASE_URL",
    "Defaults",
    "Secret",
    "Settings",
    "defaults",
    "resolve_settings",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_BASE_URL = "http://audiokit.local/v1"  # in-process: never reaches the network
BACKENDS = ("api", "local")
DEFAULT_TIMEOUT = 600.0  # seconds: long uploads and long audio take minutes
DEFAULT_MAX_RETRIES = 2


class Secret:
    """A string that never shows itself: repr, str and format all give ``'***'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("an API key is not pickled (it would end up in a file)")


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings of a client."""

    backend: str
    base_url: str
    api_key: Secret | None = None
    organization: str | None = None
    project: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES


@dataclass
class Defaults:
    """Default models and voice, shared by the library, the magics and the widgets."""

    transcription_model: str = "gpt-4o-mini-transcribe"
    translation_model: str = "whisper-1"
    speech_model: str = "gpt-4o-mini-tts"
    voice: str = "alloy"

    @classmethod
    def from_env(cls) -> Defaults:
        found = {f.name: os.environ.get(f"AUDIOKIT_{f.name.upper()}") for f in fields(cls)}
        return cls(**{k: v for k, v in found.items() if v})


defaults = Defaults.from_env()
_announced_local = False


def resolve_settings(
    *,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    organization: str | None = None,
    project: str | None = None,
    backend: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
) -> Settings:
    """Combine arguments and environment into :class:`Settings`."""
    env = os.environ
    if isinstance(api_key, Secret):  # audiokit.configure() keeps the key wrapped
        api_key = api_key.get_secret_value()
    key = api_key if api_key is not None else env.get("OPENAI_API_KEY") or None
    url = base_url or env.get("OPENAI_BASE_URL") or None
    backend = backend or env.get("AUDIOKIT_BACKEND") or None
    if backend is not None and backend not in BACKENDS:
        raise ValidationError("backend", backend, "'api' or 'local'")
    if backend is None:
        backend = "api" if (key or url) else "local"
        if backend == "local":
            _announce_local()
    if max_retries is not None and (
        isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
    ):
        raise ValidationError("max_retries", max_retries, "a whole number >= 0")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout < math.inf
    ):
        raise ValidationError("timeout", timeout, "a number of seconds > 0")
    if url is not None and (
        not isinstance(url, str) or not url.lower().startswith(("http://", "https://"))
    ):
        raise ValidationError("base_url", url, "an http:// or https:// URL")
    return Settings(
        backend=backend,
        base_url=(url or DEFAULT_BASE_URL) if backend == "api" else LOCAL_BASE_URL,
        api_key=Secret(key) if key and backend == "api" else None,
        organization=organization or env.get("OPENAI_ORG_ID") or None,
        project=project or env.get("OPENAI_PROJECT") or env.get("OPENAI_PROJECT_ID") or None,
        timeout=float(timeout) if timeout is not None else DEFAULT_TIMEOUT,
        max_retries=max_retries if max_retries is not None else DEFAULT_MAX_RETRIES,
    )


def _announce_local() -> None:
    global _announced_local
    if not _announced_local:
        _announced_local = True
        print(
            "audiokit: no OPENAI_API_KEY or base_url set: using the offline local engine "
            "(Whisper tiny.en + Piper).",
            file=sys.stderr,
        )
