"""The Realtime API's transcription sessions, served by the local engine over any transport.

This is the protocol of ``wss://api.openai.com/v1/realtime?intent=transcription`` (see
``audiokit.results._realtime_events``), independent of how messages travel: ``audiokit serve``
(``audiokit.server``) checks the caller and adapts a WebSocket to :class:`RealtimeService`, which
runs one :class:`_TranscriptionSession` per connection over two callables (send a text message,
receive the next one). The session's settings and their checks are in ``_realtime_session``,
server VAD in ``_vad``.

- Both protocols: GA ``session.update`` (``{"type": "transcription", "audio": {"input": …}}``)
  → ``session.updated``, and beta ``transcription_session.update`` →
  ``transcription_session.updated``; the session answers in the protocol of the last update it
  got, and opens (``session.created`` or ``transcription_session.created``) in the one the
  transport saw in the handshake (``OpenAI-Beta: realtime=v1``: beta). Refused settings (unknown
  model, bad ``turn_detection``, an input format other than pcm16, …) get an ``error`` event in
  the API's shape. The checks are the client's own (``transcription_session``), plus what the
  local engine cannot do.
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

Bounds: a session lasts at most an hour and ends after ten minutes without a client message. A
message that is not JSON (or nested too deep for the parser) gets an ``error`` event; an append
holds at most 15 MiB of audio (larger: an ``error`` event). With server VAD a turn lasts at most
``MAX_TURN_S``: at the cap it is committed as if VAD had heard its end (``speech_stopped`` at the
cap), and a new turn starts at once if speech goes on. Without turn detection the uncommitted
audio is capped at ``MAX_BUFFER_S`` (an ``error`` event; the buffer is cleared). Committed audio
waiting for Whisper is capped at ``MAX_QUEUED_S``: past it the session stops reading the
client's messages until Whisper catches up (the WebSocket's flow control slows the sender), so
nothing is dropped and memory stays bounded whatever the client sends.
``noise_reduction`` is accepted and echoed, but the local engine applies none.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import MIN_COMMIT_MS
from ..core import REALTIME_MAX_APPEND_BYTES as MAX_APPEND_BYTES
from ..core import SPEECH_SAMPLE_RATE as INPUT_RATE
from ..results import LOGPROBS_INCLUDE
from ._auth import key_matches
from ._realtime_session import (
    SESSION_MAX_S,
    SessionError,
    default_session,
    ga_session_object,
    merge_ga_session,
    merge_session,
    new_id,
    session_object,
)
from ._vad import (
    SAMPLES_PER_MS,
    VAD_RATE,
    VAD_WINDOW,
    AudioBuffer,
    SileroStream,
    TurnDetector,
    silero,
)

__all__ = ["REALTIME_MAX_MESSAGE_BYTES", "RealtimeService"]

logger = logging.getLogger("audiokit.local.realtime")

MAX_BUFFER_S = 15 * 60  # uncommitted audio kept at most (without turn detection)
MAX_TURN_S = 60  # server VAD commits a turn this long as if it had heard its end
MAX_QUEUED_S = 5 * 60  # committed audio waiting for Whisper before the session stops reading
# The largest WebSocket message a transport should let through: a 15 MiB append is ~20 MiB of
# base64; up to this size a larger one still gets an error event, beyond it a close (1009).
REALTIME_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
IDLE_TIMEOUT_S = 10 * 60  # no client message for this long ends the session

Receive = Callable[[], Awaitable["str | bytes | None"]]  # the next message; None: client gone
SendText = Callable[[str], Awaitable[None]]  # one text message to the client


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
    session_id: str = field(default_factory=lambda: new_id("sess"))
    created_at: float = field(default_factory=time.time)
    protocol: str = "ga"  # "ga" or "beta": how the session objects and their events are named

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
        self.queued = 0  # samples committed and not yet transcribed
        self._drained = asyncio.Event()  # set whenever a transcription finishes

    # -- helpers ---------------------------------------------------------------------------------

    async def emit(self, kind: str, **fields: Any) -> None:
        await self.send({"type": kind, "event_id": new_id("event"), **fields})

    async def error(self, problem: SessionError, event_id: str | None = None) -> None:
        await self.emit("error", error=problem.body(event_id))

    @property
    def expires_at(self) -> int:
        return int(self.created_at + SESSION_MAX_S)

    def session(self) -> dict[str, Any]:
        render = ga_session_object if self.protocol == "ga" else session_object
        return render(self.session_id, self.config, self.expires_at)

    def session_event(self, stage: str) -> str:
        """The name of the ``created``/``updated`` event in this session's protocol."""
        return f"session.{stage}" if self.protocol == "ga" else f"transcription_session.{stage}"

    def _configure_vad(self) -> None:
        td = self.config.get("turn_detection")
        if td is None:
            self._detector = None
            return
        if self._vad is None:
            self._vad = SileroStream(silero())
            # windows are numbered from the start of the session's audio
            self._vad.windows = self.received // VAD_WINDOW
        self._detector = TurnDetector(float(td["threshold"]), int(td["silence_duration_ms"]))

    # -- client events ---------------------------------------------------------------------------

    async def handle(self, message: str | bytes) -> None:
        try:
            event = json.loads(message)
        except (ValueError, UnicodeDecodeError, RecursionError):  # also too deep, too many digits
            await self.error(
                SessionError(
                    "The message is not valid JSON (or nested too deeply to read).",
                    code="invalid_json",
                )
            )
            return
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            await self.error(
                SessionError("The 'type' field is missing.", param="type", code="invalid_event")
            )
            return
        event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
        handler = {
            "session.update": self._update_ga,
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

    async def _update_ga(self, event: dict[str, Any]) -> None:
        self.protocol = "ga"
        await self._apply(merge_ga_session(self.config, event.get("session")))

    async def _update(self, event: dict[str, Any]) -> None:
        self.protocol = "beta"
        update = event.get("session")
        if update is None:  # the guide's example puts the settings at the top level
            update = {k: v for k, v in event.items() if k not in ("type", "event_id")}
        await self._apply(merge_session(self.config, update))

    async def _apply(self, config: dict[str, Any]) -> None:
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
            await asyncio.to_thread(silero)  # first load imports faster-whisper: off the loop
        self.config = config
        if self._detector is not None and self._detector.speaking:
            self._detector.reset()  # new VAD settings start from silence
            self._speech_item = None
        self._configure_vad()
        await self.emit(self.session_event("updated"), session=self.session())

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
                window = first + offset
                turn = self._detector.step(float(prob), window)
                if turn is not None:
                    await self._turn(*turn)
                elif self._speech_item is not None:
                    end_ms = (window + 1) * VAD_WINDOW // SAMPLES_PER_MS
                    if end_ms - self._speech_start_ms >= MAX_TURN_S * 1000:
                        self._detector.reset()  # a forced end of turn; speech may start again
                        await self._turn("stop", end_ms)
            if not self._detector.speaking:  # keep only what a prefix padding may need
                padding = int(self.config["turn_detection"]["prefix_padding_ms"])
                self.buffer.drop_before(self._vad.windows * VAD_WINDOW - padding * SAMPLES_PER_MS)

    async def _turn(self, kind: str, ms: int) -> None:
        if kind == "start":
            padding = int(self.config["turn_detection"]["prefix_padding_ms"])
            self._speech_item = new_id("item")
            self._speech_start_ms = max(ms - padding, self.buffer.start // SAMPLES_PER_MS)
            await self.emit(
                "input_audio_buffer.speech_started",
                audio_start_ms=self._speech_start_ms,
                item_id=self._speech_item,
            )
            return
        item_id = self._speech_item or new_id("item")
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
            item_id, begin = new_id("item"), self.buffer.start
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
        self.queued += len(samples)
        self.jobs.put_nowait(_Job(item_id, samples))

    async def room(self, worker: asyncio.Task[None]) -> None:
        """Wait while more than ``MAX_QUEUED_S`` of committed audio waits for Whisper."""
        while self.queued > MAX_QUEUED_S * VAD_RATE and not worker.done():
            self._drained.clear()
            waiting = asyncio.ensure_future(self._drained.wait())
            await asyncio.wait({waiting, worker}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()

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
            try:
                await self._transcribe(job)
            finally:
                self.queued -= len(job.samples)
                self._drained.set()

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

    # -- the connection --------------------------------------------------------------------------

    async def run(self, receive: Receive, close: Callable[[], Awaitable[None]]) -> None:
        """Handle client messages until the client leaves or the session ends.

        ``receive()`` gives the next text or binary message, ``None`` once the client is gone.
        ``close()`` ends the connection normally; it is called only when the session ends itself
        (its maximum duration, or no client message for ``IDLE_TIMEOUT_S``).
        """
        worker = asyncio.create_task(self.transcribe_forever())
        deadline = self.created_at + SESSION_MAX_S
        try:
            while True:
                left = deadline - time.time()
                if left <= 0:
                    await self.error(
                        SessionError(
                            f"Your session hit the maximum duration of {SESSION_MAX_S // 60} "
                            "minutes.",
                            code="session_expired",
                        )
                    )
                    break
                await self.room(worker)  # flow control: read no more while Whisper is behind
                if worker.done():
                    return
                try:
                    data = await asyncio.wait_for(receive(), min(left, IDLE_TIMEOUT_S))
                except asyncio.TimeoutError:
                    if left <= IDLE_TIMEOUT_S:
                        continue  # the session deadline: reported above
                    await self.error(
                        SessionError(
                            f"no client event for {IDLE_TIMEOUT_S} s; closing", code="idle_timeout"
                        )
                    )
                    break
                if data is None:
                    return
                await self.handle(data)
                if worker.done():  # the client went away while an event was being sent
                    return
            await close()
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)


def _token(token: Any) -> dict[str, Any]:
    text, logprob, raw = token
    return {"token": text, "logprob": min(0.0, float(logprob)), "bytes": list(raw)}


class RealtimeService:
    """Realtime transcription sessions over a :class:`~audiokit.local._app.LocalApp`.

    The sessions use the app's Whisper engine; the app's API key is the one a caller must
    present (:meth:`key_ok`). A transport (``audiokit serve``'s WebSocket endpoint) checks the
    caller, then calls :meth:`start` and runs the session it returns.

    Parameters
    ----------
    local_app
        Default: the process-wide local app. When it has an API key, the server's WebSocket and
        secret routes need ``Authorization: Bearer <key>`` (the WebSocket also accepts a live
        client secret).
    """

    def __init__(self, local_app: Any = None) -> None:
        if local_app is None:
            from ._shared import local_app as shared

            local_app = shared()
        self.local_app = local_app

    @property
    def api_key(self) -> str | None:
        return getattr(self.local_app, "_api_key", None)

    def whisper(self) -> Any:
        """The app's Whisper engine (created on first use)."""
        return self.local_app.whisper

    def key_ok(self, token: str | None) -> bool:
        """Whether ``token`` is the app's API key (any token is when the app has none)."""
        return key_matches(self.api_key, token)

    async def start(
        self, send_text: SendText, preset: dict[str, Any] | None = None, protocol: str = "ga"
    ) -> _TranscriptionSession:
        """A new session, announced (``session.created``, or ``transcription_session.created``
        with ``protocol="beta"``); then ``run`` it.

        ``preset`` holds the settings a client secret carried; ``send_text`` sends one text
        message (the events go out one at a time, as JSON).
        """
        lock = asyncio.Lock()

        async def send(event: dict[str, Any]) -> None:
            async with lock:
                await send_text(json.dumps(event))

        session = _TranscriptionSession(send, self.whisper, protocol=protocol)
        if preset is not None:
            session.config = preset
        if session.config.get("turn_detection") is not None:
            await asyncio.to_thread(silero)
        session._configure_vad()
        await session.emit(session.session_event("created"), session=session.session())
        return session
