"""Realtime transcription session settings: the checks, defaults and session objects.

The settings a ``transcription_session.update`` carries (or a client secret presets) are checked
here, once, for the WebSocket protocol (``_realtime``) and for ``audiokit serve``'s client-secret
endpoints (``audiokit.server``): :func:`merge_session` applies an update to the current settings
with the client's own checks (:func:`audiokit.results.transcription_session`) plus the local
engine's limits, :func:`merge_ga_session` reads the GA shape (``session.update``,
``client_secrets``), and
:func:`session_object` / :func:`ga_session_object` render the API's session objects. A refused
setting raises :class:`SessionError`, which renders as the API's error body.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..core import SPEECH_SAMPLE_RATE as INPUT_RATE
from ..core import AudiokitError, ValidationError
from ..results import (
    INPUT_AUDIO_FORMATS,
    LOGPROBS_INCLUDE,
    SERVER_VAD,
    ga_transcription_session,
    transcription_session,
)
from ..wire import TRANSCRIPTION_MODELS

__all__ = [
    "SESSION_MAX_S",
    "SessionError",
    "default_session",
    "ga_session_object",
    "ga_to_session",
    "merge_ga_session",
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


_GA_PARAMS = (  # beta setting → where a GA session.update holds it
    ("session.input_audio_format", "session.audio.input.format"),
    ("session.input_audio_transcription", "session.audio.input.transcription"),
    ("session.turn_detection", "session.audio.input.turn_detection"),
    ("session.input_audio_noise_reduction", "session.audio.input.noise_reduction"),
)
_GA_FORMATS = {"audio/pcm": "pcm16", "audio/pcmu": "g711_ulaw", "audio/pcma": "g711_alaw"}
_GA_INPUT_KEYS = ("format", "transcription", "turn_detection", "noise_reduction")
_GA_ONLY_TRANSCRIPTION_KEYS = ("delay", "keywords", "languages")  # other models' options


def merge_ga_session(current: Mapping[str, Any], ga: Any) -> dict[str, Any]:
    """Apply a GA ``session.update`` (``{"type": "transcription", "audio": {"input": …}}``).

    Present keys replace the current ones, as in the API; the checks are :func:`merge_session`'s,
    with errors naming the GA parameter (``session.audio.input.turn_detection.threshold``).
    """
    if not isinstance(ga, Mapping):
        raise SessionError("'session' must be an object", param="session", code="invalid_type")
    if "type" not in ga:
        raise SessionError(
            "Missing required parameter: 'session.type'.",
            param="session.type",
            code="missing_required_parameter",
        )
    if ga.get("type") != "transcription":
        raise SessionError(
            "the local engine serves transcription sessions only: "
            "session.type must be 'transcription'",
            param="session.type",
            code="unsupported_value",
        )
    for key in ga:
        if key not in ("type", "audio", "include"):
            raise SessionError(
                f"Unknown parameter: 'session.{key}'.",
                param=f"session.{key}",
                code="unknown_parameter",
            )
    audio = ga.get("audio") or {}
    audio_in = audio.get("input") if isinstance(audio, Mapping) else None
    audio_in = audio_in or {}
    if not isinstance(audio, Mapping) or not isinstance(audio_in, Mapping):
        raise SessionError(
            "'session.audio.input' must be an object",
            param="session.audio.input",
            code="invalid_type",
        )
    extra = [k for k in audio if k != "input"] + [k for k in audio_in if k not in _GA_INPUT_KEYS]
    if extra:
        where = "audio" if extra[0] in audio and extra[0] != "input" else "audio.input"
        raise SessionError(
            f"Unknown parameter: 'session.{where}.{extra[0]}'.",
            param=f"session.{where}.{extra[0]}",
            code="unknown_parameter",
        )
    update: dict[str, Any] = {}
    if "format" in audio_in:
        fmt = audio_in["format"]
        kind = fmt.get("type", "audio/pcm") if isinstance(fmt, Mapping) else fmt
        rate = fmt.get("rate", INPUT_RATE) if isinstance(fmt, Mapping) else INPUT_RATE
        if kind == "audio/pcm" and rate != INPUT_RATE:
            raise SessionError(
                f"Invalid value: {rate!r}. Supported values are: {INPUT_RATE}.",
                param="session.audio.input.format.rate",
            )
        update["input_audio_format"] = _GA_FORMATS.get(kind, kind)
    if "transcription" in audio_in:
        transcription = audio_in["transcription"]
        if isinstance(transcription, Mapping):
            for key in _GA_ONLY_TRANSCRIPTION_KEYS:
                if key in transcription:
                    raise SessionError(
                        f"'{key}' is not supported by the local engine (Whisper); "
                        "send model, language and prompt",
                        param=f"session.audio.input.transcription.{key}",
                        code="unsupported_value",
                    )
        update["input_audio_transcription"] = transcription
    if "noise_reduction" in audio_in:
        update["input_audio_noise_reduction"] = audio_in["noise_reduction"]
    if "turn_detection" in audio_in:
        td = audio_in["turn_detection"]
        if isinstance(td, Mapping) and td.get("type") == "semantic_vad":
            raise SessionError(
                "semantic_vad is not supported by the local engine; "
                "use {'type': 'server_vad'} or null",
                param="session.audio.input.turn_detection.type",
                code="unsupported_value",
            )
        update["turn_detection"] = (
            {k: v for k, v in td.items() if k != "idle_timeout_ms"}
            if isinstance(td, Mapping)
            else td
        )
    if "include" in ga:
        update["include"] = ga["include"]
    try:
        return merge_session(current, update)
    except SessionError as exc:
        param = exc.param or ""
        for beta, ga_name in _GA_PARAMS:
            if param == beta or param.startswith(beta + "."):
                exc.param = ga_name + param[len(beta) :]
                break
        raise


def ga_to_session(ga: Any) -> dict[str, Any]:
    """A GA ``client_secrets`` transcription session → the session settings."""
    return merge_ga_session(default_session(), ga)


def ga_session_object(
    session_id: str, config: Mapping[str, Any], expires_at: int
) -> dict[str, Any]:
    """The GA transcription session object for ``config`` (``session.created``/``updated``,
    ``client_secrets``)."""
    ga = ga_transcription_session(session_object(session_id, config, expires_at))
    return {
        "type": "transcription",
        "id": session_id,
        "object": "realtime.transcription_session",
        "expires_at": expires_at,
        "audio": ga["audio"],
        "include": ga["include"],
    }
