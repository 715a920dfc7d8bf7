"""The protocol of one live session: connect, configure, send audio, yield events, finish.

``_LiveRun`` is its one implementation (asyncio + ``websockets``), driven by both sessions in
``_session``; it reads ``_sources._Source``, opens ``_connection._connect`` and keeps the
items in ``_utterances._Utterances``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import math
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ..core import MIN_COMMIT_MS, APIError, APIResponseError, LiveSessionError, ValidationError
from ..results import (
    InputAudioBufferCleared,
    InputAudioBufferCommitted,
    LiveEvent,
    RealtimeError,
    SessionUpdated,
    TranscriptionSessionUpdated,
    ga_transcription_session,
    parse_server_event,
)
from ._connection import _connect, _target
from ._limits import _END, BYTES_PER_MS, CHUNK_MS
from ._sources import _Source
from ._utterances import _Utterances

__all__: list[str] = []

logger = logging.getLogger("audiokit.live")

FLUSH_EXTRA_MS = 200  # silence beyond silence_duration_ms sent at the end, so VAD closes the turn


@dataclass(frozen=True)
class _Options:
    model: str
    session: dict[str, Any]
    realtime: bool
    timeout: float
    max_duration: float
    on_error: str
    protocol: str = "ga"

    def session_update(self) -> dict[str, Any]:
        """The client event that sets the session, in this protocol."""
        if self.protocol == "beta":
            return {"type": "transcription_session.update", "session": self.session}
        return {"type": "session.update", "session": ga_transcription_session(self.session)}


class _LiveRun:
    """One session: connect, configure, send audio, yield events, finish. Used once."""

    def __init__(self, source: _Source, options: _Options, client: Any) -> None:
        self.source = source
        self.options = options
        self._client = client
        self.utterances = _Utterances(
            model=options.model,
            language=options.session["input_audio_transcription"].get("language"),
            params={"model": options.model, **options.session},
        )
        self.finished = False
        self.failed: BaseException | None = None
        self._stop_requested = threading.Event()  # stop() may come from any thread
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event_counter = 0
        self._commit_marks: deque[tuple[str, float, float]] = deque()  # our commits not acked
        self._clears: set[str] = set()  # our clears not acked
        self._uncommitted_from_ms = 0.0

    # -- control --------------------------------------------------------------------------------

    def stop(self) -> None:
        """End the audio now (thread-safe); the session still finishes its transcriptions."""
        self._stop_requested.set()
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wakeup.set)

    def _event_id(self) -> str:
        self._event_counter += 1
        return f"event_audiokit_{self._event_counter}"

    async def _send(self, ws: Any, message: dict[str, Any]) -> str:
        event_id = message.setdefault("event_id", self._event_id())
        await ws.send(json.dumps(message))
        return event_id

    # -- the session ----------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[LiveEvent]:
        loop = asyncio.get_running_loop()
        self._loop, self._wakeup = loop, asyncio.Event()
        if self._stop_requested.is_set():
            self._wakeup.set()
        started = loop.time()
        self._soft_deadline = started + self.options.max_duration
        self._hard_deadline = self._soft_deadline + self.options.timeout
        target = await asyncio.to_thread(_target, self._client, self.options.protocol)
        ws = await _connect(target)
        sender: asyncio.Task[None] | None = None
        receiving: asyncio.Future[Any] | None = None
        try:
            update = self.options.session_update()
            await self._send(ws, update)
            updated = update["type"].replace(".update", ".updated")
            while True:  # nothing is sent before the server accepts the settings
                event = self._handle(await self._receive(ws, updated))
                if isinstance(event, (SessionUpdated, TranscriptionSessionUpdated)):
                    self.utterances.server_session = event.session
                    yield event
                    break
            sender = asyncio.create_task(self._send_audio(ws), name="audiokit-live-sender")
            while not self._done(sender):
                if receiving is None:
                    receiving = asyncio.ensure_future(ws.recv())
                waits: set[asyncio.Future[Any]] = {receiving}
                if not sender.done():
                    waits.add(sender)
                    timeout = self._hard_deadline - loop.time()
                else:
                    timeout = min(self.options.timeout, self._hard_deadline - loop.time())
                done, _ = await asyncio.wait(
                    waits, timeout=max(0.0, timeout), return_when=asyncio.FIRST_COMPLETED
                )
                if sender in done:
                    self._sender_result(sender)
                if receiving in done:
                    message, receiving = self._received(receiving), None
                    event = self._handle(message)
                    if event is not None:
                        yield event
                elif not done:
                    raise self._timed_out()
            self.finished = True
        except (APIError, ValidationError) as exc:  # LiveSessionError is an APIError
            self.failed = exc
            raise
        finally:
            for task in (sender, receiving):
                if task is not None and not task.done():
                    task.cancel()
            if sender is not None:
                await asyncio.gather(sender, return_exceptions=True)
            if receiving is not None:
                await asyncio.gather(receiving, return_exceptions=True)
            await ws.close()

    def _done(self, sender: asyncio.Task[None]) -> bool:
        return (
            sender.done()
            and not self._clears
            and not self._commit_marks
            and self.utterances.pending == 0
        )

    async def _receive(self, ws: Any, waiting_for: str) -> Any:
        try:
            message = await asyncio.wait_for(ws.recv(), self.options.timeout)
        except asyncio.TimeoutError:
            raise self._error(
                f"no {waiting_for} from the server within {self.options.timeout:g} s"
            ) from None
        except Exception as exc:
            raise self._dropped(exc) from exc
        return message

    def _received(self, receiving: asyncio.Future[Any]) -> Any:
        try:
            return receiving.result()
        except Exception as exc:
            raise self._dropped(exc) from exc

    def _sender_result(self, sender: asyncio.Task[None]) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            sender.result()
        except ConnectionClosed as exc:
            raise self._dropped(exc) from exc

    def _handle(self, message: Any) -> LiveEvent | None:
        try:
            event = parse_server_event(json.loads(message))
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as exc:
            raise self._error(
                f"the server sent a message that is not JSON: {str(message)[:120]!r}"
            ) from exc
        except APIResponseError as exc:
            raise self._error(str(exc)) from exc
        if isinstance(event, RealtimeError):
            detail = event.error
            if self.options.on_error == "raise" or not self.utterances.server_session:
                hint = ""
                if not self.utterances.server_session and "session.update" in detail.message:
                    hint = f" (this server may speak only the other protocol: {self._other()})"
                raise self._error(
                    f"the server reported an error: {detail.message}{hint}",
                    type=detail.type,
                    code=detail.code,
                    param=detail.param,
                    event_id=detail.event_id,
                )
            logger.warning("live session: server error %s: %s", detail.code, detail.message)
            self._clears.discard(detail.event_id or "")
            marks = [m for m in self._commit_marks if m[0] != detail.event_id]
            self._commit_marks = deque(marks)
            return event
        marks = None
        if isinstance(event, InputAudioBufferCleared) and self._clears:
            self._clears.pop()
        elif isinstance(event, InputAudioBufferCommitted) and self._commit_marks:
            _, start_ms, end_ms = self._commit_marks.popleft()
            marks = (start_ms / 1000, end_ms / 1000)
        if event is not None:
            self.utterances.feed(event, marks=marks)
        return event

    async def _send_audio(self, ws: Any) -> None:
        loop = asyncio.get_running_loop()
        pace = self.options.realtime
        started = loop.time()
        chunks = self.source.chunks()
        try:
            while True:
                chunk = await self._next_chunk(chunks)
                if chunk is _END:
                    break
                await self._send(
                    ws,
                    {
                        "type": "input_audio_buffer.append",
                        "audio": base64.b64encode(chunk).decode("ascii"),
                    },
                )
                self.utterances.audio_ms += len(chunk) / BYTES_PER_MS
                if pace:
                    ahead = started + self.utterances.audio_ms / 1000 - loop.time()
                    if ahead > 0:
                        await self._sleep(ahead)
        finally:
            await chunks.aclose()
        await self._end_of_audio(ws)

    async def _next_chunk(self, chunks: AsyncIterator[bytes]) -> Any:
        """The next chunk, or _END when the audio ends, stop() is called or time is up."""
        assert self._wakeup is not None
        if self._wakeup.is_set():
            return _END
        loop = asyncio.get_running_loop()
        left = self._soft_deadline - loop.time()
        if left <= 0:
            logger.warning(
                "live session: max_duration (%g s) reached; ending the audio",
                self.options.max_duration,
            )
            return _END
        getting = asyncio.ensure_future(anext(chunks, _END))
        waking = asyncio.ensure_future(self._wakeup.wait())
        done, _ = await asyncio.wait(
            {getting, waking}, timeout=left, return_when=asyncio.FIRST_COMPLETED
        )
        waking.cancel()
        if getting not in done:
            getting.cancel()
        await asyncio.gather(waking, getting, return_exceptions=True)  # nothing left pending
        return getting.result() if getting in done else _END

    async def _sleep(self, seconds: float) -> None:
        assert self._wakeup is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)

    async def _end_of_audio(self, ws: Any) -> None:
        session = self.options.session
        audio_ms = self.utterances.audio_ms
        turn_detection = session.get("turn_detection")
        if turn_detection is None:
            if audio_ms - self._uncommitted_from_ms >= MIN_COMMIT_MS:
                event_id = self._event_id()
                self._commit_marks.append((event_id, self._uncommitted_from_ms, audio_ms))
                await self._send(ws, {"type": "input_audio_buffer.commit", "event_id": event_id})
                self._uncommitted_from_ms = audio_ms
            return
        # Silence so server VAD closes a turn still open, then a clear the server answers only
        # after everything sent before it: the end of speech detection for this audio.
        silence_ms = int(turn_detection["silence_duration_ms"]) + FLUSH_EXTRA_MS
        zeros = bytes(CHUNK_MS * BYTES_PER_MS)
        for _ in range(math.ceil(silence_ms / CHUNK_MS)):
            await self._send(
                ws,
                {
                    "type": "input_audio_buffer.append",
                    "audio": base64.b64encode(zeros).decode("ascii"),
                },
            )
        event_id = self._event_id()
        self._clears.add(event_id)
        await self._send(ws, {"type": "input_audio_buffer.clear", "event_id": event_id})

    def _other(self) -> str:
        other = "beta" if self.options.protocol == "ga" else "ga"
        return f"try protocol={other!r}"

    # -- errors ---------------------------------------------------------------------------------

    def _error(self, message: str, **details: Any) -> LiveSessionError:
        partial = self.utterances.transcript()
        kept = len(partial.segment_list)
        return LiveSessionError(
            f"{message} (kept {kept} finished utterance{'s' * (kept != 1)})",
            partial=partial,
            **details,
        )

    def _dropped(self, exc: BaseException) -> LiveSessionError:
        from websockets.exceptions import ConnectionClosed

        if isinstance(exc, ConnectionClosed):
            code = exc.rcvd.code if exc.rcvd is not None else 1006
            reason = f": {exc.rcvd.reason}" if exc.rcvd is not None and exc.rcvd.reason else ""
            return self._error(
                f"the connection closed before the session finished (code {code}{reason})",
                close_code=code,
            )
        return self._error(f"the connection failed: {type(exc).__name__}: {exc}")

    def _timed_out(self) -> LiveSessionError:
        assert self._loop is not None
        if self._loop.time() >= self._hard_deadline:
            return self._error(
                f"the session ran past max_duration={self.options.max_duration:g}"
                f" s + timeout={self.options.timeout:g} s"
            )
        waiting = (
            f"{self.utterances.pending} transcription(s)"
            if self.utterances.pending
            else "the end of the input audio"
        )
        return self._error(
            f"no answer from the server for {self.options.timeout:g} s while waiting for {waiting}"
        )
