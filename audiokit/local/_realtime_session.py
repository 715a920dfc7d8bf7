"""Realtime transcription session settings: the checks, defaults and session objects.

The settings a ``transcription_session.update`` carries (or a client secret presets) are checked
here, once, for the WebSocket protocol (``_realtime``) and for ``audiokit serve``'s client-secret
endpoints (``audiokit.server``): :func:`merge_session` applies an update to the current settings
with the client's own checks (:func:`audiokit.results.transcription_session`) plus the local
engine's limits, :func:`ga_to_session` reads the GA ``client_secrets`` shape, and
:func:`session_object` / :func:`ga_session_object` render the API's session objects. A refused
setting raises :class:`SessionError`, which renders as the API's error body.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..core import SPEECH_SAMPLE_RATE as INPUT_RATE
from ..core import AudiokitError, ValidationError
from ..results import INPUT_AUDIO_FORMATS, LOGPROBS_INCLUDE, SERVER_VAD, transcription_session
from ..wire import TRANSCRIPTION_MODELS

__all__ = [
    "SESSION_MAX_S",
    "SessionError",
    "default_session",
    "ga_session_object",
    "ga_to_session",
    "merge_session",
    "new_id",
    "session_object",
]

SESSION_MAX_S = 60 * 60  # a session lasts at most an hour, as the API's
DEFAULT_MODEL = "gpt-4o-mini-transcribe"
_TOP_LEVEL_KEYS = (
    "input_audio_format",
    "input_audio_transcription",
    "turn_detection",
    "input_audio_noise_reduction",
    "include",
    "modalities",  # echoed by the API's session objects; accepted, ignored
)
_TRANSCRIPTION_KEYS = ("model", "language", "prompt")


def new_id(prefix: str) -> str:
    """A random API-style id: ``sess_…``, ``item_…``, ``event_…``."""
    return f"{prefix}_{secrets.token_hex(10)}"


class SessionError(AudiokitError):
    """A refused setting: becomes an ``error`` event (or a 400) in the API's shape."""

    def __init__(self, message: str, *, param: str | None = None, code: str = "invalid_value"):
        self.message = message
        self.param = param
        self.code = code
        super().__init__(message)

    def body(self, event_id: str | None = None) -> dict[str, Any]:
        error = {
            "type": "invalid_request_error",
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "event_id": event_id,
        }
        return error


def default_session() -> dict[str, Any]:
    """The settings of a new session: pcm16 in, the default model, server VAD."""
    return {
        "input_audio_format": "pcm16",
        "input_audio_transcription": {"model": DEFAULT_MODEL},
        "turn_detection": dict(SERVER_VAD),
        "input_audio_noise_reduction": None,
        "include": [],
    }


def merge_session(current: Mapping[str, Any], update: Any) -> dict[str, Any]:
    """Apply a ``transcription_session.update`` to ``current``; check the result.

    Present keys replace the current ones (``turn_detection: null`` turns VAD off). The checks
    are the client's (:func:`audiokit.results.transcription_session`), then the local
    engine's own limits.
    """
    if not isinstance(update, Mapping):
        raise SessionError("'session' must be an object", param="session", code="invalid_type")
    unknown = [k for k in update if k not in _TOP_LEVEL_KEYS]
    if unknown:
        raise SessionError(
            f"Unknown parameter: 'session.{unknown[0]}'.",
            param=f"session.{unknown[0]}",
            code="unknown_parameter",
        )
    merged = {**current, **{k: v for k, v in update.items() if k != "modalities"}}
    fmt = merged.get("input_audio_format")
    if fmt not in INPUT_AUDIO_FORMATS:
        raise SessionError(
            f"Invalid value: {fmt!r}. Supported values are: "
            + ", ".join(repr(f) for f in INPUT_AUDIO_FORMATS)
            + ".",
            param="session.input_audio_format",
        )
    if fmt != "pcm16":
        raise SessionError(
            f"input_audio_format {fmt!r} is not supported by the local engine; "
            "send 'pcm16' (24 kHz mono)",
            param="session.input_audio_format",
            code="unsupported_value",
        )
    transcription = merged.get("input_audio_transcription") or {}
    if not isinstance(transcription, Mapping):
        raise SessionError(
            "'input_audio_transcription' must be an object",
            param="session.input_audio_transcription",
            code="invalid_type",
        )
    extra = [k for k in transcription if k not in _TRANSCRIPTION_KEYS]
    if extra:
        raise SessionError(
            f"Unknown parameter: 'session.input_audio_transcription.{extra[0]}'.",
            param=f"session.input_audio_transcription.{extra[0]}",
            code="unknown_parameter",
        )
    model = transcription.get("model") or DEFAULT_MODEL
    if model not in TRANSCRIPTION_MODELS:
        raise SessionError(
            f"Invalid model {model!r}: the local engine serves "
            + ", ".join(TRANSCRIPTION_MODELS)
            + " (all with its Whisper model)",
            param="session.input_audio_transcription.model",
        )
    include = merged.get("include") or []
    if not isinstance(include, list) or any(i != LOGPROBS_INCLUDE for i in include):
        raise SessionError(
            f"Invalid value in include: {include!r}; allowed: ['{LOGPROBS_INCLUDE}']",
            param="session.include",
        )
    try:
        checked = transcription_session(
            model=model,
            language=transcription.get("language") or None,  # "" means detect, as in the guide
            prompt=transcription.get("prompt") or None,
            turn_detection=merged.get("turn_detection"),
            noise_reduction=merged.get("input_audio_noise_reduction"),
            logprobs=LOGPROBS_INCLUDE in include,
        )
    except ValidationError as exc:
        param = {"noise_reduction": "input_audio_noise_reduction", "logprobs": "include"}.get(
            exc.param, exc.param
        )
        if param in ("model", "language", "prompt"):
            param = f"input_audio_transcription.{param}"
        code = "unsupported_value" if type(exc).__name__ == "UnsupportedError" else "invalid_value"
        raise SessionError(str(exc), param=f"session.{param}", code=code) from None
    return checked


def session_object(session_id: str, config: Mapping[str, Any], expires_at: int) -> dict[str, Any]:
    """The API's transcription session object for ``config``."""
    transcription = config["input_audio_transcription"]
    return {
        "id": session_id,
        "object": "realtime.transcription_session",
        "expires_at": expires_at,
        "modalities": ["text"],
        "input_audio_format": config["input_audio_format"],
        "input_audio_transcription": {
            "model": transcription["model"],
            "language": transcription.get("language"),
            "prompt": transcription.get("prompt", ""),
        },
        "turn_detection": config["turn_detection"],
        "input_audio_noise_reduction": config["input_audio_noise_reduction"],
        "include": list(config["include"]),
    }


def ga_to_session(ga: Any) -> dict[str, Any]:
    """A GA ``client_secrets`` transcription session → the beta session settings."""
    if not isinstance(ga, Mapping) or ga.get("type") != "transcription":
        raise SessionError(
            "the local engine serves transcription sessions only: "
            "session.type must be 'transcription'",
            param="session.type",
            code="unsupported_value",
        )
    audio_in = ((ga.get("audio") or {}).get("input")) or {}
    update: dict[str, Any] = {}
    fmt = audio_in.get("format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, Mapping) else fmt
        update["input_audio_format"] = {
            "audio/pcm": "pcm16",
            "audio/pcmu": "g711_ulaw",
            "audio/pcma": "g711_alaw",
        }.get(kind, kind)
    if "transcription" in audio_in:
        update["input_audio_transcription"] = audio_in["transcription"]
    if "noise_reduction" in audio_in:
        update["input_audio_noise_reduction"] = audio_in["noise_reduction"]
    if "turn_detection" in audio_in:
        td = audio_in["turn_detection"]
        update["turn_detection"] = (
            {k: v for k, v in td.items() if k != "idle_timeout_ms"}
            if isinstance(td, Mapping)
            else td
        )
    if "include" in ga:
        update["include"] = ga["include"]
    return merge_session(default_session(), update)


def ga_session_object(
    session_id: str, config: Mapping[str, Any], expires_at: int
) -> dict[str, Any]:
    """The GA ``client_secrets`` session object for ``config``."""
    beta = session_object(session_id, config, expires_at)
    return {
        "type": "transcription",
        "id": session_id,
        "object": "realtime.transcription_session",
        "expires_at": expires_at,
        "include": beta["include"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": INPUT_RATE},
                "transcription": beta["input_audio_transcription"],
                "noise_reduction": beta["input_audio_noise_reduction"],
                "turn_detection": beta["turn_detection"],
            }
        },
    }
