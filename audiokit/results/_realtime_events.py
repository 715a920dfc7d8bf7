"""The Realtime API's transcription protocol: session settings and typed server events.

A live transcription session is a WebSocket to ``wss://…/v1/realtime?intent=transcription``.
The client sends its settings (built and checked here by :func:`transcription_session`), then
``input_audio_buffer.append`` messages (base64 pcm16, 24 kHz mono); the server answers with the
events below. Two protocols carry them (:data:`REALTIME_PROTOCOLS`): the GA one sends
``session.update`` with ``{"type": "transcription", "audio": {"input": …}}``
(:func:`ga_transcription_session`) and gets ``session.created``/``session.updated``; the beta one
(header ``OpenAI-Beta: realtime=v1``) sends ``transcription_session.update`` with the flat settings
and gets ``transcription_session.created``/``updated``. Every other event is the same in both.
Both sides of audiokit use this module: the client (``audiokit.live``) to build settings and
type events, the offline engine (``audiokit.local``) to check the settings it receives with the
very same rules.

Event classes mirror the wire ``type`` names (as ``TranscriptTextDelta`` does for
``transcript.text.delta``)::

    session.created                                            SessionCreated      (GA)
    session.updated                                            SessionUpdated      (GA)
    transcription_session.created                              TranscriptionSessionCreated (beta)
    transcription_session.updated                              TranscriptionSessionUpdated (beta)
    input_audio_buffer.speech_started                          InputAudioBufferSpeechStarted
    input_audio_buffer.speech_stopped                          InputAudioBufferSpeechStopped
    input_audio_buffer.committed                               InputAudioBufferCommitted
    input_audio_buffer.cleared                                 InputAudioBufferCleared
    conversation.item.input_audio_transcription.delta          InputAudioTranscriptionDelta
    conversation.item.input_audio_transcription.completed      InputAudioTranscriptionCompleted
    conversation.item.input_audio_transcription.failed         InputAudioTranscriptionFailed
    conversation.item.input_audio_transcription.segment        InputAudioTranscriptionSegment
    error                                                      RealtimeError
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..core import SPEECH_SAMPLE_RATE as REALTIME_SAMPLE_RATE
from ..core import APIResponseError, InvalidTypeError, UnsupportedError, ValidationError
from ..records import TokenLogprob, Usage
from ..wire import normalize_language, transcription_capabilities

__all__ = [
    "INPUT_AUDIO_FORMATS",
    "LOGPROBS_INCLUDE",
    "NOISE_REDUCTION_TYPES",
    "REALTIME_PROTOCOLS",
    "REALTIME_SAMPLE_RATE",
    "SERVER_VAD",
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionFailed",
    "InputAudioTranscriptionSegment",
    "LiveEvent",
    "RealtimeError",
    "RealtimeErrorDetail",
    "SessionCreated",
    "SessionUpdated",
    "TranscriptionSessionCreated",
    "TranscriptionSessionUpdated",
    "check_turn_detection",
    "ga_transcription_session",
    "parse_server_event",
    "transcription_session",
]

INPUT_AUDIO_FORMATS = ("pcm16", "g711_ulaw", "g711_alaw")
#: The Realtime protocols: "ga" (``session.update``) and "beta" (``transcription_session.update``).
REALTIME_PROTOCOLS = ("ga", "beta")
_GA_FORMATS = {"pcm16": "audio/pcm", "g711_ulaw": "audio/pcmu", "g711_alaw": "audio/pcma"}
NOISE_REDUCTION_TYPES = ("near_field", "far_field")
LOGPROBS_INCLUDE = "item.input_audio_transcription.logprobs"
TURN_DETECTION_TYPES = ("server_vad",)  # the only type transcription sessions accept
#: The API's default turn detection (threshold 0–1, times in milliseconds).
SERVER_VAD: Mapping[str, Any] = MappingProxyType(
    {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500}
)
_TURN_DETECTION_KEYS = ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")
# Sent in the guide's example for conversation sessions; meaningless for transcription: ignored.
_IGNORED_TURN_DETECTION_KEYS = ("create_response", "interrupt_response")
MAX_PADDING_MS = 10_000  # no documented limit; a longer padding or silence is surely a mistake
MAX_SILENCE_MS = 10_000


# -- session settings ---------------------------------------------------------------------------


def check_turn_detection(value: Any, *, param: str = "turn_detection") -> dict[str, Any] | None:
    """Check a ``turn_detection`` setting; missing keys take the API's defaults.

    Returns ``None`` (turn detection off: the client commits) or the complete ``server_vad``
    dict. Raises :class:`~audiokit.ValidationError` naming ``param.key`` otherwise.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidTypeError(param, value, "None or a dict such as audiokit.SERVER_VAD")
    unknown = [k for k in value if k not in _TURN_DETECTION_KEYS + _IGNORED_TURN_DETECTION_KEYS]
    if unknown:
        raise ValidationError(
            f"{param}.{unknown[0]}",
            value[unknown[0]],
            ", ".join(_TURN_DETECTION_KEYS),
            reason="unknown key",
        )
    kind = value.get("type", "server_vad")
    if kind not in TURN_DETECTION_TYPES:
        raise ValidationError(f"{param}.type", kind, "'server_vad' (or turn_detection=None)")
    out = dict(SERVER_VAD)
    threshold = value.get("threshold", SERVER_VAD["threshold"])
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise InvalidTypeError(f"{param}.threshold", threshold, "a number from 0.0 to 1.0")
    if not 0.0 <= threshold <= 1.0:
        raise ValidationError(f"{param}.threshold", threshold, "a number from 0.0 to 1.0")
    out["threshold"] = float(threshold)
    for key, low, high in (
        ("prefix_padding_ms", 0, MAX_PADDING_MS),
        ("silence_duration_ms", 1, MAX_SILENCE_MS),
    ):
        ms = value.get(key, SERVER_VAD[key])
        allowed = f"a whole number of milliseconds from {low} to {high}"
        if isinstance(ms, bool) or not isinstance(ms, int):
            if isinstance(ms, float) and ms.is_integer():
                ms = int(ms)  # JSON has one number type: 500.0 is 500
            else:
                raise InvalidTypeError(f"{param}.{key}", ms, allowed)
        if not low <= ms <= high:
            raise ValidationError(f"{param}.{key}", ms, allowed)
        out[key] = ms
    return out


def check_noise_reduction(value: Any, *, param: str = "noise_reduction") -> dict[str, str] | None:
    """``None``, ``"near_field"``/``"far_field"`` or ``{"type": …}`` → the wire object."""
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, Mapping) else value
    if kind not in NOISE_REDUCTION_TYPES:
        raise ValidationError(param, value, "None, 'near_field' or 'far_field'")
    return {"type": kind}


def transcription_session(
    *,
    model: str,
    language: str | None = None,
    prompt: str | None = None,
    turn_detection: Mapping[str, Any] | None = SERVER_VAD,
    noise_reduction: str | Mapping[str, Any] | None = None,
    logprobs: bool = False,
) -> dict[str, Any]:
    """The ``session`` object of ``transcription_session.update``, checked before anything is sent.

    Unknown model names (other compatible servers) get only the model-independent checks, as
    everywhere in audiokit.

    Raises
    ------
    ValidationError
        Naming the parameter, the value and what is allowed.
    """
    if not isinstance(model, str) or not model.strip():
        raise InvalidTypeError("model", model, "a transcription model name")
    caps = transcription_capabilities(model)
    transcription: dict[str, Any] = {"model": model}
    if language is not None:
        transcription["language"] = normalize_language(language)
    if prompt is not None:
        if not isinstance(prompt, str):
            raise InvalidTypeError("prompt", prompt, "a string")
        if not caps.prompt:
            raise UnsupportedError("prompt", prompt, "None", reason=f"{model} takes no prompt")
        transcription["prompt"] = prompt
    if not isinstance(logprobs, bool):
        raise InvalidTypeError("logprobs", logprobs, "True or False")
    if logprobs and not caps.logprobs:
        with_logprobs = "gpt-4o-transcribe, gpt-4o-mini-transcribe"
        raise UnsupportedError(
            "logprobs",
            logprobs,
            f"False, or a model with logprobs ({with_logprobs})",
            reason=f"{model} gives no token log probabilities",
        )
    return {
        "input_audio_format": "pcm16",
        "input_audio_transcription": transcription,
        "turn_detection": check_turn_detection(turn_detection),
        "input_audio_noise_reduction": check_noise_reduction(noise_reduction),
        "include": [LOGPROBS_INCLUDE] if logprobs else [],
    }


def ga_transcription_session(session: Mapping[str, Any]) -> dict[str, Any]:
    """The GA ``session`` of ``session.update`` for settings made by :func:`transcription_session`.

    The same settings, placed as the GA protocol places them::

        {"type": "transcription", "include": [...], "audio": {"input": {"format": {"type":
         "audio/pcm", "rate": 24000}, "transcription": {...}, "turn_detection": {...},
         "noise_reduction": {...}}}}
    """
    fmt = session.get("input_audio_format", "pcm16")
    ga_format: dict[str, Any] = {"type": _GA_FORMATS.get(fmt, fmt)}
    if fmt == "pcm16":
        ga_format["rate"] = REALTIME_SAMPLE_RATE
    return {
        "type": "transcription",
        "audio": {
            "input": {
                "format": ga_format,
                "transcription": dict(session["input_audio_transcription"]),
                "turn_detection": session.get("turn_detection"),
                "noise_reduction": session.get("input_audio_noise_reduction"),
            }
        },
        "include": list(session.get("include") or []),
    }


# -- typed server events ------------------------------------------------------------------------


@dataclass(frozen=True)
class RealtimeErrorDetail:
    """What went wrong, as the server said: ``type``, ``message``, ``code``, ``param``."""

    type: str
    message: str
    code: str | None = None
    param: str | None = None
    event_id: str | None = None  # the client event that caused it

    @classmethod
    def from_dict(cls, data: Any) -> RealtimeErrorDetail:
        data = data if isinstance(data, Mapping) else {}
        return cls(
            type=str(data.get("type") or "error"),
            message=str(data.get("message") or "the server reported an error"),
            code=data.get("code"),
            param=data.get("param"),
            event_id=data.get("event_id"),
        )


@dataclass(frozen=True)
class SessionCreated:
    """GA: the session opened with the server's default settings (its first event)."""

    session: Mapping[str, Any]
    event_id: str | None = None
    type: str = "session.created"


@dataclass(frozen=True)
class SessionUpdated:
    """GA: the server accepted the session settings (``session`` is its view of them)."""

    session: Mapping[str, Any]
    event_id: str | None = None
    type: str = "session.updated"


@dataclass(frozen=True)
class TranscriptionSessionCreated:
    """Beta: the session opened with the server's default settings (its first event)."""

    session: Mapping[str, Any]
    event_id: str | None = None
    type: str = "transcription_session.created"


@dataclass(frozen=True)
class TranscriptionSessionUpdated:
    """Beta: the server accepted the session settings (``session`` is its view of them)."""

    session: Mapping[str, Any]
    event_id: str | None = None
    type: str = "transcription_session.updated"


@dataclass(frozen=True)
class InputAudioBufferSpeechStarted:
    """Server VAD heard speech; ``audio_start_ms`` includes the prefix padding."""

    item_id: str
    audio_start_ms: int
    event_id: str | None = None
    type: str = "input_audio_buffer.speech_started"


@dataclass(frozen=True)
class InputAudioBufferSpeechStopped:
    """Server VAD heard the end of speech; ``audio_end_ms`` includes the silence duration."""

    item_id: str
    audio_end_ms: int
    event_id: str | None = None
    type: str = "input_audio_buffer.speech_stopped"


@dataclass(frozen=True)
class InputAudioBufferCommitted:
    """An utterance became item ``item_id``, placed after ``previous_item_id``."""

    item_id: str
    previous_item_id: str | None = None
    event_id: str | None = None
    type: str = "input_audio_buffer.committed"


@dataclass(frozen=True)
class InputAudioBufferCleared:
    """The input buffer was emptied (answer to ``input_audio_buffer.clear``)."""

    event_id: str | None = None
    type: str = "input_audio_buffer.cleared"


@dataclass(frozen=True)
class InputAudioTranscriptionDelta:
    """More text of item ``item_id``, with token logprobs when they were asked for."""

    item_id: str
    delta: str
    logprobs: tuple[TokenLogprob, ...] = ()
    content_index: int = 0
    event_id: str | None = None
    type: str = "conversation.item.input_audio_transcription.delta"


@dataclass(frozen=True)
class InputAudioTranscriptionCompleted:
    """The finished transcript of item ``item_id``."""

    item_id: str
    transcript: str
    logprobs: tuple[TokenLogprob, ...] = ()
    usage: Usage | None = None
    content_index: int = 0
    event_id: str | None = None
    type: str = "conversation.item.input_audio_transcription.completed"


@dataclass(frozen=True)
class InputAudioTranscriptionFailed:
    """Item ``item_id`` could not be transcribed (the session goes on)."""

    item_id: str
    error: RealtimeErrorDetail
    content_index: int = 0
    event_id: str | None = None
    type: str = "conversation.item.input_audio_transcription.failed"


@dataclass(frozen=True)
class InputAudioTranscriptionSegment:
    """A diarized segment of item ``item_id`` (start/end in seconds within the item)."""

    item_id: str
    id: str
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    content_index: int = 0
    event_id: str | None = None
    type: str = "conversation.item.input_audio_transcription.segment"


@dataclass(frozen=True)
class RealtimeError:
    """A server ``error`` event (yielded only with ``on_error="event"``; else raised)."""

    error: RealtimeErrorDetail
    event_id: str | None = None
    type: str = "error"


LiveEvent = (
    SessionCreated
    | SessionUpdated
    | TranscriptionSessionCreated
    | TranscriptionSessionUpdated
    | InputAudioBufferSpeechStarted
    | InputAudioBufferSpeechStopped
    | InputAudioBufferCommitted
    | InputAudioBufferCleared
    | InputAudioTranscriptionDelta
    | InputAudioTranscriptionCompleted
    | InputAudioTranscriptionFailed
    | InputAudioTranscriptionSegment
    | RealtimeError
)


def _logprobs(data: Mapping[str, Any]) -> tuple[TokenLogprob, ...]:
    items = data.get("logprobs") or ()
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"logprobs must be a list, got {type(items).__name__}")
    return tuple(TokenLogprob.from_dict(lp) for lp in items if isinstance(lp, Mapping))


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _session_event(cls: Any) -> Any:
    return lambda d: cls(session=dict(d["session"]), event_id=d.get("event_id"))


_PARSERS: dict[str, Any] = {
    "session.created": _session_event(SessionCreated),
    "session.updated": _session_event(SessionUpdated),
    "transcription_session.created": _session_event(TranscriptionSessionCreated),
    "transcription_session.updated": _session_event(TranscriptionSessionUpdated),
    "input_audio_buffer.speech_started": lambda d: InputAudioBufferSpeechStarted(
        item_id=str(d["item_id"]),
        audio_start_ms=int(d["audio_start_ms"]),
        event_id=d.get("event_id"),
    ),
    "input_audio_buffer.speech_stopped": lambda d: InputAudioBufferSpeechStopped(
        item_id=str(d["item_id"]), audio_end_ms=int(d["audio_end_ms"]), event_id=d.get("event_id")
    ),
    "input_audio_buffer.committed": lambda d: InputAudioBufferCommitted(
        item_id=str(d["item_id"]),
        previous_item_id=d.get("previous_item_id"),
        event_id=d.get("event_id"),
    ),
    "input_audio_buffer.cleared": lambda d: InputAudioBufferCleared(event_id=d.get("event_id")),
    "conversation.item.input_audio_transcription.delta": lambda d: InputAudioTranscriptionDelta(
        item_id=str(d["item_id"]),
        delta=str(d.get("delta") or ""),
        logprobs=_logprobs(d),
        content_index=int(d.get("content_index") or 0),
        event_id=d.get("event_id"),
    ),
    "conversation.item.input_audio_transcription.completed": lambda d: (
        InputAudioTranscriptionCompleted(
            item_id=str(d["item_id"]),
            transcript=str(d["transcript"]),
            logprobs=_logprobs(d),
            usage=Usage.from_dict(d["usage"] if isinstance(d.get("usage"), Mapping) else None),
            content_index=int(d.get("content_index") or 0),
            event_id=d.get("event_id"),
        )
    ),
    "conversation.item.input_audio_transcription.failed": lambda d: InputAudioTranscriptionFailed(
        item_id=str(d["item_id"]),
        error=RealtimeErrorDetail.from_dict(d.get("error")),
        content_index=int(d.get("content_index") or 0),
        event_id=d.get("event_id"),
    ),
    "conversation.item.input_audio_transcription.segment": lambda d: InputAudioTranscriptionSegment(
        item_id=str(d["item_id"]),
        id=str(d["id"]),
        text=str(d["text"]),
        speaker=d.get("speaker"),
        start=_optional_float(d.get("start")),
        end=_optional_float(d.get("end")),
        content_index=int(d.get("content_index") or 0),
        event_id=d.get("event_id"),
    ),
    "error": lambda d: RealtimeError(
        error=RealtimeErrorDetail.from_dict(d.get("error")), event_id=d.get("event_id")
    ),
}


def parse_server_event(data: Any) -> LiveEvent | None:
    """One decoded server message → a typed event; ``None`` for types audiokit does not use.

    Raises
    ------
    APIResponseError
        For a message that is not a JSON object or lacks a required field.
    """
    if not isinstance(data, Mapping):
        raise APIResponseError(f"realtime event is not a JSON object: {str(data)[:120]!r}")
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        return None
    try:
        return parser(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise APIResponseError(f"malformed {kind} event: {exc!r} in {str(data)[:160]!r}") from exc
