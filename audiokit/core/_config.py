"""Configuration: arguments first, then the environment, then defaults — and the key kept secret.

Environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT`` (or
``OPENAI_PROJECT_ID``), ``AUDIOKIT_BACKEND`` (``api`` or ``local``), and the default models and
voice ``AUDIOKIT_TRANSCRIPTION_MODEL``, ``AUDIOKIT_TRANSLATION_MODEL``, ``AUDIOKIT_SPEECH_MODEL``,
``AUDIOKIT_VOICE``.

Backend choice: ``backend="api"`` talks HTTP to ``base_url``; ``backend="local"`` runs the offline
engine in-process. When neither is given, a key or a base URL means ``api``, nothing means
``local``: said once on the ``audiokit`` logger (INFO; the library prints nothing itself), and
every offline result shows what ran (``Transcript.engine``, ``Speech.engine``).
"""

from __future__ import annotations

import logging
import math
import os
import re
import traceback
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, fields
from typing import Any

from ._errors import ValidationError

__all__ = [
    "BACKENDS",
    "DEFAULT_BASE_URL",
    "MIN_SECRET_CHARS",
    "Defaults",
    "Secret",
    "Settings",
    "ascrubbed",
    "defaults",
    "forget_locals",
    "redact_logs",
    "resolve_settings",
    "scrubbed",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_BASE_URL = "http://audiokit.local/v1"  # in-process: never reaches the network
BACKENDS = ("api", "local")
DEFAULT_TIMEOUT = 600.0  # seconds: long uploads and long audio take minutes
DEFAULT_MAX_RETRIES = 2
# A key shorter than this is no secret worth hiding (``api_key="e"`` against a test server):
# redacting every bare occurrence of it would garble the server's messages. Shorter keys are
# still redacted where they appear as a credential, after ``Bearer ``.
MIN_SECRET_CHARS = 8
# What may continue a bearer token (RFC 6750 b64token): a short key followed by one of these
# is only the start of another word, not the key.
_TOKEN_CHARS = r"A-Za-z0-9\-_~+/="  # not ".": "Bearer e." ends a sentence


class Secret:
    """A string that never shows itself: repr, str and format all give ``'***'``."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def redact(self, value: Any) -> Any:
        """``value`` (text, or dicts and lists of it, keys too) with the key shown as ``***``.

        The key is replaced where it appears as a credential (``Bearer <key>``, any length)
        and, when it is at least :data:`MIN_SECRET_CHARS` long, wherever it appears; a shorter
        key elsewhere is left alone so the server's message is never garbled.
        """
        key = self._value
        if not key:
            return value
        if isinstance(value, str):
            if len(key) >= MIN_SECRET_CHARS:
                return value.replace(key, "***")
            return re.sub(rf"(?i)(bearer\s+){re.escape(key)}(?![{_TOKEN_CHARS}])", r"\1***", value)
        if isinstance(value, dict):
            return {self.redact(k): self.redact(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.redact(v) for v in value)
        return value

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


class _RedactSecrets(logging.Filter):
    """Rewrites a log record that shows a key in use: httpx logs the reason phrase at INFO and
    httpcore the response headers at DEBUG, and a server may echo the key in either."""

    def __init__(self) -> None:
        super().__init__("audiokit-redact")
        # By identity: equal Secrets of two clients are two entries (a WeakSet would keep one
        # and drop both when the first client goes).
        self.refs: dict[int, weakref.ref[Secret]] = {}

    def add(self, secret: Secret) -> None:
        key = id(secret)  # the callback must not hold the secret itself
        self.refs[key] = weakref.ref(secret, lambda _: self.refs.pop(key, None))

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [s for s in (ref() for ref in list(self.refs.values())) if s is not None]
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's to report, not ours
            return True
        clean = message
        for secret in secrets:
            clean = secret.redact(clean)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_REDACT = _RedactSecrets()


def redact_logs(secret: Secret, loggers: tuple[str, ...]) -> None:
    """Keep ``secret`` out of what ``loggers`` log (for as long as the Secret is alive).

    A filter on a logger sees only the records logged on that very logger, so name each
    module logger (``httpcore.http11``, not ``httpcore``).
    """
    if not secret:
        return
    _REDACT.add(secret)
    for name in loggers:
        log = logging.getLogger(name)
        if _REDACT not in log.filters:
            log.addFilter(_REDACT)


def forget_locals(error: BaseException) -> BaseException:
    """``error``, its cause and context with the local variables of their finished traceback
    frames dropped: a raw body or header that echoes the key must not be printed by
    ``%xmode Verbose`` or kept alive by a saved traceback. Frames still running are kept."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]
    return error


def scrubbed(items: Iterator[Any]) -> Iterator[Any]:
    """``items`` (a stream's), with :func:`forget_locals` applied to the error that ends it."""
    try:
        yield from items
    except Exception as error:
        forget_locals(error)
        raise


async def ascrubbed(items: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """:func:`scrubbed` for an async stream."""
    try:
        async for item in items:
            yield item
    except Exception as error:
        forget_locals(error)
        raise


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
        logging.getLogger("audiokit").info(
            "no OPENAI_API_KEY or base_url set: using the offline local engine "
            "(Whisper + Piper; AUDIOKIT_WHISPER_MODEL picks base or tiny.en)"
        )
