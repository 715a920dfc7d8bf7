"""The Realtime API's transcription sessions, served by the local engine over a WebSocket.

``audiokit serve`` answers ``/v1/realtime?intent=transcription`` with the protocol of
``wss://api.openai.com/v1/realtime?intent=transcription`` (see ``audiokit.results._realtime_events``):

- ``transcription_session.update`` → ``transcription_session.updated``, or an ``error`` event in
  the API's shape for settings it refuses (unknown model, bad ``turn_detection``, an input format
  other than pcm16, …). The checks are the client's own (``transcription_session``), plus what
  the local engine cannot do.
- ``input_audio_buffer.append`` (base64 pcm16, 24 kHz mono) feeds server VAD: faster-whisper's
  bundled Silero VAD, run incrementally on 32 ms windows (16 kHz), honouring ``threshold``,
  ``prefix_padding_ms`` and ``silence_duration_ms``. It emits
  ``input_audio_buffer.speech_started`` / ``speech_stopped`` and commits each utterance:
  ``input_audio_buffer.committed`` with ``item_id`` and ``previous_item_id``.
- ``input_audio_buffer.commit`` / ``clear`` as in the API (without turn detection the client
  commits); ``cleared`` answers a clear.
- Each committed utterance is transcribed by Whisper in a worker thread (never on the event
  loop), one at a time per session, in order: ``conversation.item.input_audio_transcription
  .delta`` per decoded segment, then ``.completed`` (with ``logprobs`` when ``include`` asks for
  ``item.input_audio_transcription.logprobs``), or ``.failed``.

``POST /v1/realtime/transcription_sessions`` (and the GA ``POST /v1/realtime/client_secrets``)
create an ephemeral ``client_secret``: random, valid for a minute (or ``expires_after``),
accepted by the WebSocket as a Bearer token (or ``openai-insecure-api-key.<secret>``
subprotocol, as browsers send it), and presetting the session's settings.

``noise_reduction`` is accepted and echoed, but the local engine applies none.

Mounting: :func:`realtime_routes` gives the Starlette routes for ``create_app``;
:func:`realtime_endpoint` alone can be mounted as ``WebSocketRoute("/v1/realtime", …)``.
:func:`serve_in_thread` runs any ASGI app with uvicorn on 127.0.0.1 in a background thread
(tests, and :func:`local_server`, which live sessions use when no API key is set).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import MIN_COMMIT_MS, ValidationError
from ..core import REALTIME_MAX_APPEND_BYTES as MAX_APPEND_BYTES
from ..core import SPEECH_SAMPLE_RATE as INPUT_RATE
from ..results import INPUT_AUDIO_FORMATS, LOGPROBS_INCLUDE, SERVER_VAD, transcription_session
from ..wire import TRANSCRIPTION_MODELS

__all__ = [
    "RealtimeService",
    "RunningServer",
    "local_server",
    "realtime_endpoint",
    "realtime_routes",
    "serve_in_thread",
]

logger = logging.getLogger("audiokit.local.realtime")

VAD_RATE = 16_000  # Hz: Silero VAD and Whisper
VAD_WINDOW = 512  # samples at 16 kHz (32 ms): the window Silero v6 scores
VAD_CONTEXT = 64  # samples of the previous window Silero sees with each window
SAMPLES_PER_MS = VAD_RATE // 1000
MAX_BUFFER_S = 15 * 60  # uncommitted audio kept at most (without turn detection)
SESSION_MAX_S = 60 * 60  # a session lasts at most an hour, as the API's
IDLE_TIMEOUT_S = 10 * 60  # no client message for this long ends the session
SECRET_TTL_S = 60  # the API: "all tokens expire after one minute"
MAX_SECRETS = 1_000
SECRET_TTL_RANGE_S = (10, 7_200)  # client_secrets expires_after.seconds
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


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


# -- session settings ----------------------------------------------------------------------------


class SessionError(Exception):
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
    are the client's (:func:`audiokit.results._realtime_events.transcription_session`), then the local
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


# -- ephemeral secrets ---------------------------------------------------------------------------


@dataclass
class _Secret:
    expires_at: float
    config: dict[str, Any]


class SecretStore:
    """Short-lived client secrets (``ek_…``), each presetting a session's settings."""

    def __init__(self) -> None:
        self._secrets: dict[str, _Secret] = {}
        self._lock = threading.Lock()

    def create(self, config: dict[str, Any], ttl: float = SECRET_TTL_S) -> tuple[str, int]:
        now = time.time()
        with self._lock:
            self._prune(now)
            if len(self._secrets) >= MAX_SECRETS:
                raise SessionError(
                    "too many live client secrets; try again in a minute",
                    code="rate_limit_exceeded",
                )
            value = "ek_" + secrets.token_hex(16)
            expires_at = int(now + ttl)
            self._secrets[value] = _Secret(expires_at, config)
        return value, expires_at

    def get(self, value: str) -> dict[str, Any] | None:
        now = time.time()
        with self._lock:
            self._prune(now)
            found = self._secrets.get(value)
        return dict(found.config) if found is not None else None

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._secrets.items() if s.expires_at <= now]:
            del self._secrets[key]


# -- voice activity ------------------------------------------------------------------------------


def _silero() -> Any:
    """faster-whisper's bundled Silero VAD (ONNX), loaded once."""
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session


class SileroStream:
    """Silero VAD run incrementally: push 16 kHz samples, get one probability per 32 ms window.

    The same computation as ``faster_whisper.vad.SileroVADModel`` on the whole audio (each
    window sees the last 64 samples of the previous one; the LSTM state carries over), so a
    stream gives the probabilities of the complete recording.
    """

    def __init__(self, session: Any) -> None:
        self._session = session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(VAD_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.windows = 0  # windows scored so far

    def push(self, samples: np.ndarray) -> np.ndarray:
        data = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        count = len(data) // VAD_WINDOW
        self._pending = data[count * VAD_WINDOW :]
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = data[: count * VAD_WINDOW].reshape(count, VAD_WINDOW)
        contexts = np.concatenate([self._context[None, :], windows[:-1, -VAD_CONTEXT:]])
        self._context = windows[-1, -VAD_CONTEXT:].copy()
        batch = np.concatenate([contexts, windows], axis=1)
        probs, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self.windows += count
        return np.asarray(probs, dtype=np.float32).reshape(-1)


class TurnDetector:
    """Server VAD's turns from window probabilities: where speech starts and where it stops.

    Speech starts at the first window scoring ``threshold`` or more, and stops once windows
    below ``threshold - 0.15`` (Silero's hysteresis) have lasted ``silence_duration_ms``.
    Times are milliseconds of the session's audio; the caller applies the prefix padding.
    """

    def __init__(self, threshold: float, silence_duration_ms: int) -> None:
        self.threshold = threshold
        self.neg_threshold = max(threshold - 0.15, 0.01)
        self.silence_ms = silence_duration_ms
        self.speaking = False
        self._silence_from: int | None = None

    def step(self, prob: float, window: int) -> tuple[str, int] | None:
        """Window number ``window`` scored ``prob``: ``("start", ms)``, ``("stop", ms)`` or None."""
        start_ms = window * VAD_WINDOW // SAMPLES_PER_MS
        end_ms = (window + 1) * VAD_WINDOW // SAMPLES_PER_MS
        if not self.speaking:
            if prob >= self.threshold:
                self.speaking, self._silence_from = True, None
                return ("start", start_ms)
            return None
        if prob >= self.threshold:
            self._silence_from = None
        elif prob < self.neg_threshold:
            if self._silence_from is None:
                self._silence_from = start_ms
            if end_ms - self._silence_from >= self.silence_ms:
                self.reset()
                return ("stop", end_ms)
        return None

    def reset(self) -> None:
        self.speaking, self._silence_from = False, None


class AudioBuffer:
    """The uncommitted input audio (16 kHz), addressed by absolute sample index."""

    def __init__(self) -> None:
        self.start = 0  # absolute index of the first sample held
        self._chunks: list[np.ndarray] = []
        self._size = 0

    @property
    def end(self) -> int:
        return self.start + self._size

    def append(self, samples: np.ndarray) -> None:
        if len(samples):
            self._chunks.append(samples)
            self._size += len(samples)

    def take(self, begin: int, end: int) -> np.ndarray:
        """Samples ``[begin, end)`` (clamped to what is held); drops everything before ``end``."""
        data = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        lo, hi = (
            max(begin, self.start) - self.start,
            max(min(end, self.end), self.start) - self.start,
        )
        out = data[lo:hi].copy() if hi > lo else np.zeros(0, np.float32)
        self.drop_before(end, data)
        return out

    def drop_before(self, index: int, data: np.ndarray | None = None) -> None:
        cut = min(max(index - self.start, 0), self._size)
        if cut == 0:
            return
        if data is None:
            data = np.concatenate(self._chunks)
        rest = data[cut:]
        self._chunks = [rest] if len(rest) else []
        self._size = len(rest)
        self.start += cut

    def clear(self) -> None:
        self.drop_before(self.end)


# -- one WebSocket session -----------------------------------------------------------------------


@dataclass
class _Job:
    item_id: str
    samples: np.ndarray


@dataclass
class _TranscriptionSession:
    """The state of one connection, driven by the client's events."""

    send: Callable[[dict[str, Any]], Any]  # async: one server event
    whisper: Callable[[], Any]  # the WhisperEngine (created lazily)
    config: dict[str, Any] = field(default_factory=default_session)
    session_id: str = field(default_factory=lambda: _new_id("sess"))
    created_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        from ..audio import stream_resampler

        self.buffer = AudioBuffer()
        self.received = 0  # samples (16 kHz) of input so far: the session's clock
        self._resampler = stream_resampler(INPUT_RATE, VAD_RATE)
        self._vad: SileroStream | None = None
        self._detector: TurnDetector | None = None
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._last_item: str | None = None
        self._odd = b""
        self.jobs: asyncio.Queue[_Job] = asyncio.Queue()

    # -- helpers ---------------------------------------------------------------------------------

    async def emit(self, kind: str, **fields: Any) -> None:
        await self.send({"type": kind, "event_id": _new_id("event"), **fields})

    async def error(self, problem: SessionError, event_id: str | None = None) -> None:
        await self.emit("error", error=problem.body(event_id))

    @property
    def expires_at(self) -> int:
        return int(self.created_at + SESSION_MAX_S)

    def session(self) -> dict[str, Any]:
        return session_object(self.session_id, self.config, self.expires_at)

    def _configure_vad(self) -> None:
        td = self.config.get("turn_detection")
        if td is None:
            self._detector = None
            return
        if self._vad is None:
            self._vad = SileroStream(_silero())
            # windows are numbered from the start of the session's audio
            self._vad.windows = self.received // VAD_WINDOW
        self._detector = TurnDetector(float(td["threshold"]), int(td["silence_duration_ms"]))

    # -- client events ---------------------------------------------------------------------------

    async def handle(self, message: str | bytes) -> None:
        try:
            event = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            await self.error(SessionError("The message is not valid JSON.", code="invalid_json"))
            return
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            await self.error(
                SessionError("The 'type' field is missing.", param="type", code="invalid_event")
            )
            return
        event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
        handler = {
            "transcription_session.update": self._update,
            "input_audio_buffer.append": self._append,
            "input_audio_buffer.commit": self._commit_request,
            "input_audio_buffer.clear": self._clear,
        }.get(event["type"])
        if handler is None:
            await self.error(
                SessionError(
                    f"Invalid value: {event['type']!r} is not a client "
                    "event of transcription sessions",
                    param="type",
                    code="invalid_event",
                ),
                event_id,
            )
            return
        try:
            await handler(event)
        except SessionError as problem:
            await self.error(problem, event_id)

    async def _update(self, event: dict[str, Any]) -> None:
        update = event.get("session")
        if update is None:  # the guide's example puts the settings at the top level
            update = {k: v for k, v in event.items() if k not in ("type", "event_id")}
        config = merge_session(self.config, update)
        language = config["input_audio_transcription"].get("language")
        if language is not None:
            engine = self.whisper()
            languages = await asyncio.to_thread(lambda: engine.languages)
            if language not in languages:
                raise SessionError(
                    f"language {language!r} is not available in the local "
                    f"Whisper model; it knows: {', '.join(languages[:20])}",
                    param="session.input_audio_transcription.language",
                    code="unsupported_value",
                )
        if config.get("turn_detection") is not None and self._vad is None:
            await asyncio.to_thread(_silero)  # first load imports faster-whisper: off the loop
        self.config = config
        if self._detector is not None and self._detector.speaking:
            self._detector.reset()  # new VAD settings start from silence
            self._speech_item = None
        self._configure_vad()
        await self.emit("transcription_session.updated", session=self.session())

    async def _append(self, event: dict[str, Any]) -> None:
        audio = event.get("audio")
        if not isinstance(audio, str):
            raise SessionError(
                "'audio' must be a base64 string", param="audio", code="invalid_event"
            )
        if len(audio) > MAX_APPEND_BYTES * 4 // 3 + 4:
            raise SessionError("an append may hold at most 15 MiB of audio", param="audio")
        try:
            data = self._odd + base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise SessionError("'audio' is not valid base64", param="audio") from None
        cut = len(data) - len(data) % 2
        self._odd = data[cut:]
        pcm = np.frombuffer(data[:cut], dtype="<i2").astype(np.float32) / 32768.0
        samples = self._resampler.push(pcm) if len(pcm) else pcm
        if (
            self._detector is None
            and self.buffer.end - self.buffer.start + len(samples) > MAX_BUFFER_S * VAD_RATE
        ):
            self.buffer.clear()
            raise SessionError(
                f"the input audio buffer is over {MAX_BUFFER_S // 60} minutes; "
                "it was cleared (commit more often)",
                code="input_audio_buffer_too_large",
            )
        self.buffer.append(samples)
        self.received += len(samples)
        if self._detector is not None and self._vad is not None:
            first = self._vad.windows
            for offset, prob in enumerate(self._vad.push(samples)):
                turn = self._detector.step(float(prob), first + offset)
                if turn is not None:
                    await self._turn(*turn)
            if not self._detector.speaking:  # keep only what a prefix padding may need
                padding = int(self.config["turn_detection"]["prefix_padding_ms"])
                self.buffer.drop_before(self._vad.windows * VAD_WINDOW - padding * SAMPLES_PER_MS)

    async def _turn(self, kind: str, ms: int) -> None:
        if kind == "start":
            padding = int(self.config["turn_detection"]["prefix_padding_ms"])
            self._speech_item = _new_id("item")
            self._speech_start_ms = max(ms - padding, self.buffer.start // SAMPLES_PER_MS)
            await self.emit(
                "input_audio_buffer.speech_started",
                audio_start_ms=self._speech_start_ms,
                item_id=self._speech_item,
            )
            return
        item_id = self._speech_item or _new_id("item")
        self._speech_item = None
        await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=ms, item_id=item_id)
        samples = self.buffer.take(self._speech_start_ms * SAMPLES_PER_MS, ms * SAMPLES_PER_MS)
        await self._committed(item_id, samples)

    async def _commit_request(self, event: dict[str, Any]) -> None:
        if self._detector is not None and self._speech_item is not None:
            item_id, begin = self._speech_item, self._speech_start_ms * SAMPLES_PER_MS
            self._detector.reset()
            self._speech_item = None
        else:
            item_id, begin = _new_id("item"), self.buffer.start
        held_ms = (self.buffer.end - max(begin, self.buffer.start)) / SAMPLES_PER_MS
        if held_ms < MIN_COMMIT_MS:
            raise SessionError(
                f"Error committing input audio buffer: buffer too small. Expected "
                f"at least {MIN_COMMIT_MS}ms of audio, but buffer only has "
                f"{held_ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        await self._committed(item_id, self.buffer.take(begin, self.buffer.end))

    async def _committed(self, item_id: str, samples: np.ndarray) -> None:
        previous, self._last_item = self._last_item, item_id
        await self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        self.jobs.put_nowait(_Job(item_id, samples))

    async def _clear(self, event: dict[str, Any]) -> None:
        self.buffer.clear()
        if self._detector is not None:
            self._detector.reset()
        self._speech_item = None
        await self.emit("input_audio_buffer.cleared")

    # -- transcription ---------------------------------------------------------------------------

    async def transcribe_forever(self) -> None:
        """Transcribe committed items one by one, in commit order."""
        while True:
            job = await self.jobs.get()
            await self._transcribe(job)

    async def _transcribe(self, job: _Job) -> None:
        transcription = self.config["input_audio_transcription"]
        want_logprobs = LOGPROBS_INCLUDE in self.config["include"]
        common = {"item_id": job.item_id, "content_index": 0}
        try:
            engine = self.whisper()
            segments = await asyncio.to_thread(
                engine.transcribe,
                job.samples,
                language=transcription.get("language"),
                prompt=transcription.get("prompt") or None,
                logprobs=want_logprobs,
            )
            texts: list[str] = []
            tokens: list[dict[str, Any]] = []
            while (segment := await asyncio.to_thread(next, segments, None)) is not None:
                text = segment.text if texts else segment.text.lstrip()
                if not text:
                    continue
                texts.append(text)
                delta: dict[str, Any] = {"delta": text}
                if want_logprobs:
                    delta["logprobs"] = [_token(t) for t in segment.token_logprobs]
                    tokens += delta["logprobs"]
                await self.emit(
                    "conversation.item.input_audio_transcription.delta", **common, **delta
                )
        except Exception as exc:  # an engine failure fails this item, not the session
            logger.exception("local realtime: transcription of %s failed", job.item_id)
            await self.emit(
                "conversation.item.input_audio_transcription.failed",
                **common,
                error={
                    "type": "transcription_error",
                    "code": "engine_error",
                    "message": f"{type(exc).__name__}: {exc}",
                    "param": None,
                },
            )
            return
        completed: dict[str, Any] = {
            "transcript": "".join(texts).strip(),
            "usage": {"type": "duration", "seconds": round(len(job.samples) / VAD_RATE, 3)},
        }
        if want_logprobs:
            completed["logprobs"] = tokens
        await self.emit(
            "conversation.item.input_audio_transcription.completed", **common, **completed
        )


def _token(token: Any) -> dict[str, Any]:
    text, logprob, raw = token
    return {"token": text, "logprob": min(0.0, float(logprob)), "bytes": list(raw)}


# -- the service: routes, auth, secrets ------------------------------------------------------------


class RealtimeService:
    """The realtime routes over a :class:`~audiokit.local._app.LocalApp` (its Whisper, its key).

    Parameters
    ----------
    local_app
        Default: the process-wide local app. When it has an API key, the WebSocket and the
        secret routes need ``Authorization: Bearer <key>`` (the WebSocket also accepts a live
        client secret).
    """

    def __init__(self, local_app: Any = None) -> None:
        if local_app is None:
            from . import local_app as shared

            local_app = shared()
        self.local_app = local_app
        self.secrets = SecretStore()

    @property
    def api_key(self) -> str | None:
        return getattr(self.local_app, "_api_key", None)

    def _whisper(self) -> Any:
        return self.local_app.whisper

    def _key_ok(self, token: str | None) -> bool:
        key = self.api_key
        return key is None or (token is not None and hmac.compare_digest(token, key))

    # -- HTTP: client secrets --------------------------------------------------------------------

    async def transcription_sessions(self, request: Any) -> Any:
        """``POST /v1/realtime/transcription_sessions``: a session object with a client secret."""
        problem = await self._http_checks(request)
        if problem is not None:
            return problem
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return body
        secret = body.pop("client_secret", None)  # the SDK's {"expires_after": {...}}
        try:
            ttl = SECRET_TTL_S
            if secret is not None:
                expires_after = secret.get("expires_after") if isinstance(secret, dict) else None
                ttl = _ttl(expires_after) if expires_after is not None else SECRET_TTL_S
            config = merge_session(default_session(), body)
            value, expires_at = self.secrets.create(config, ttl)
        except SessionError as exc:
            return self._http_error(exc)
        created = session_object(_new_id("sess"), config, int(time.time()) + SESSION_MAX_S)
        return self._json({**created, "client_secret": {"value": value, "expires_at": expires_at}})

    async def client_secrets(self, request: Any) -> Any:
        """``POST /v1/realtime/client_secrets`` (GA): a secret for a transcription session."""
        problem = await self._http_checks(request)
        if problem is not None:
            return problem
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return body
        try:
            ttl = _ttl(body.get("expires_after"))
            config = ga_to_session(body.get("session") or {"type": "transcription"})
            value, expires_at = self.secrets.create(config, ttl)
        except SessionError as exc:
            return self._http_error(exc)
        session = ga_session_object(_new_id("sess"), config, int(time.time()) + SESSION_MAX_S)
        return self._json({"value": value, "expires_at": expires_at, "session": session})

    async def _http_checks(self, request: Any) -> Any:
        if not self._key_ok(_bearer(request.headers.get("authorization"))):
            return self._http_error(
                SessionError(
                    "Incorrect or missing API key for this audiokit server.", code="invalid_api_key"
                ),
                401,
            )
        return None

    async def _json_body(self, request: Any) -> Any:
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._http_error(SessionError("the request body is not valid JSON"))
        if not isinstance(body, dict):
            return self._http_error(SessionError("the request body must be a JSON object"))
        return body

    @staticmethod
    def _json(data: Any, status: int = 200) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse(data, status_code=status)

    def _http_error(self, problem: SessionError, status: int = 400) -> Any:
        body = problem.body()
        body.pop("event_id")
        if problem.code == "rate_limit_exceeded":
            status = 429
        return self._json({"error": body}, status)

    # -- the WebSocket ---------------------------------------------------------------------------

    async def websocket(self, websocket: Any) -> None:
        """The ``/v1/realtime?intent=transcription`` WebSocket endpoint (Starlette)."""
        intent = websocket.query_params.get("intent")
        if intent != "transcription":
            await self._deny(
                websocket,
                400,
                SessionError(
                    "the local engine serves transcription sessions only: connect to "
                    "/v1/realtime?intent=transcription",
                    param="intent",
                ),
            )
            return
        offered = list(websocket.scope.get("subprotocols") or [])
        token = _bearer(websocket.headers.get("authorization"))
        for proto in offered:
            if proto.startswith("openai-insecure-api-key."):
                token = token or proto.removeprefix("openai-insecure-api-key.")
        preset = self.secrets.get(token) if token and token.startswith("ek_") else None
        if preset is None and not self._key_ok(token):
            await self._deny(
                websocket,
                401,
                SessionError(
                    "Incorrect or missing API key (or an expired client secret) for this audiokit "
                    "server.",
                    code="invalid_api_key",
                ),
            )
            return
        await websocket.accept(subprotocol="realtime" if "realtime" in offered else None)
        await self._serve(websocket, preset)

    async def _deny(self, websocket: Any, status: int, problem: SessionError) -> None:
        body = problem.body()
        body.pop("event_id")
        try:
            await websocket.send_denial_response(self._json({"error": body}, status))
        except RuntimeError:  # a server without the denial extension: close before accepting
            await websocket.close(code=1008, reason=problem.message[:120])

    async def _serve(self, websocket: Any, preset: dict[str, Any] | None) -> None:
        lock = asyncio.Lock()

        async def send(event: dict[str, Any]) -> None:
            async with lock:
                await websocket.send_text(json.dumps(event))

        session = _TranscriptionSession(send, self._whisper)
        if preset is not None:
            session.config = preset
        if session.config.get("turn_detection") is not None:
            await asyncio.to_thread(_silero)
        session._configure_vad()
        await session.emit("transcription_session.created", session=session.session())
        worker = asyncio.create_task(session.transcribe_forever())
        deadline = session.created_at + SESSION_MAX_S
        try:
            while True:
                left = deadline - time.time()
                if left <= 0:
                    await session.error(
                        SessionError(
                            f"Your session hit the maximum duration of {SESSION_MAX_S // 60} "
                            "minutes.",
                            code="session_expired",
                        )
                    )
                    break
                receive = websocket.receive()
                try:
                    message = await asyncio.wait_for(receive, min(left, IDLE_TIMEOUT_S))
                except asyncio.TimeoutError:
                    if left <= IDLE_TIMEOUT_S:
                        continue  # the session deadline: reported above
                    await session.error(
                        SessionError(
                            f"no client event for {IDLE_TIMEOUT_S} s; closing", code="idle_timeout"
                        )
                    )
                    break
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                await session.handle(data)
                if worker.done():  # the client went away while an event was being sent
                    return
            await websocket.close(code=1000)
        except Exception as exc:
            if _is_disconnect(exc):
                return
            raise
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    def routes(self) -> list[Any]:
        """Starlette routes: the WebSocket and the two client-secret endpoints."""
        from starlette.routing import Route, WebSocketRoute

        return [
            WebSocketRoute("/v1/realtime", self.websocket),
            Route(
                "/v1/realtime/transcription_sessions", self.transcription_sessions, methods=["POST"]
            ),
            Route("/v1/realtime/client_secrets", self.client_secrets, methods=["POST"]),
        ]


def _is_disconnect(exc: BaseException) -> bool:
    from starlette.websockets import WebSocketDisconnect

    return isinstance(exc, WebSocketDisconnect) or type(exc).__name__ in (
        "ClientDisconnected",
        "ConnectionClosed",
        "ConnectionClosedError",
        "ConnectionClosedOK",
    )


def _bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _ttl(expires_after: Any) -> float:
    if expires_after is None:
        return 600.0  # client_secrets' default: ten minutes
    low, high = SECRET_TTL_RANGE_S
    seconds = expires_after.get("seconds", 600) if isinstance(expires_after, Mapping) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not low <= seconds <= high:
        raise SessionError(
            f"expires_after.seconds must be a whole number from {low} to {high}",
            param="expires_after.seconds",
        )
    return float(seconds)


def realtime_routes(local_app: Any = None) -> list[Any]:
    """The realtime routes for ``audiokit serve``'s Starlette app (see :class:`RealtimeService`)."""
    return RealtimeService(local_app).routes()


_default_service: RealtimeService | None = None
_default_lock = threading.Lock()


async def realtime_endpoint(websocket: Any) -> None:
    """Mountable as ``WebSocketRoute("/v1/realtime", realtime_endpoint)`` (shared local app)."""
    global _default_service
    with _default_lock:
        if _default_service is None:
            _default_service = RealtimeService()
    await _default_service.websocket(websocket)


# -- running in a thread ---------------------------------------------------------------------------


class RunningServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread; ``stop()`` ends it."""

    def __init__(
        self, server: Any, thread: threading.Thread, sock: socket.socket, api_key: str | None
    ) -> None:
        self._server = server
        self._thread = thread
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.api_key = api_key

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer({self.url!r}, {'running' if self.running else 'stopped'})"


def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    startup_timeout: float = 30.0,
) -> RunningServer:
    """Serve ``app`` with uvicorn on ``host:port`` (0: a free port) in a daemon thread.

    ``api_key`` is only remembered on the result (for clients); the app enforces its own.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        ws_max_size=16 * 1024 * 1024,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="audiokit-serve", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the local server did not start")
        time.sleep(0.01)
    return RunningServer(server, thread, sock, api_key)


_local: RunningServer | None = None
_local_lock = threading.Lock()


def local_server() -> RunningServer:
    """The process's own ``audiokit serve`` on 127.0.0.1 (started on first use, random key).

    Live sessions use it when no API key is set: the same protocol and code as a real server,
    reachable only with a key that never leaves this process.
    """
    global _local
    with _local_lock:
        if _local is None or not _local.running:
            from ..server import create_app
            from ._app import LocalApp

            key = secrets.token_urlsafe(32)
            _local = serve_in_thread(create_app(LocalApp(api_key=key)), api_key=key)
        return _local
