"""Live transcription of ongoing audio: a Realtime API transcription session over a WebSocket.

``audiokit.live(source)`` streams audio to ``wss://…/v1/realtime?intent=transcription`` while it
is being recorded (or plays a file in real time) and yields typed events as the server detects
and transcribes each utterance; ``audiokit.alive(source)`` is the asyncio twin. When the audio
ends, the session waits for the last transcriptions and the result is a
:class:`~audiokit.Transcript` with one segment per utterance.

How the pieces fit:

- ``audiokit.results`` (``_realtime_events``) builds and checks the session settings and types
  the server's events.
- ``_sources._Source`` turns any audio input (file, bytes, a Speech, arrays, an iterator or
  async iterator of chunks, an :class:`AudioFeed` (``_feed``) filled by a microphone or the
  live-captions widget) into pcm16 24 kHz mono chunks, resampling as it goes.
- ``_utterances._Utterances`` keeps the state of every item (speech times, deltas, final text)
  and orders them by the ``committed`` events' ``previous_item_id`` chain, so completions
  arriving out of order still give the utterances in spoken order.
- ``_connection`` finds where to connect and opens the WebSocket.
- ``_run._LiveRun`` is the one implementation of the protocol (asyncio + ``websockets``):
  connect, send the settings (GA ``session.update``, or beta ``transcription_session.update``
  with ``protocol="beta"``) and wait for the server's ``…updated`` — a refused setting fails
  here, before any audio is sent — then a sender task appends audio while
  the receiver yields events. At the end of the audio: with server VAD, a little silence lets
  the VAD close the last utterance and ``input_audio_buffer.clear`` serves as a barrier (the
  server answers it after handling everything before it); without turn detection the client
  commits. Then it waits until every committed item is completed or failed.
- Here, :class:`AsyncLiveSession` iterates ``_LiveRun`` directly; :class:`LiveSession` runs it
  on a private event loop in a background thread, so it works in Jupyter (whose own loop is
  busy) and its ``stop()`` can be called from any thread.

Offline (no API key), the session talks to the same protocol served by the local engine
(``audiokit.server.local_server``), started on 127.0.0.1 in a background thread on first use.

Bounds: connecting waits ``_connection.CONNECT_TIMEOUT_S``; every wait for an expected answer is
limited by ``timeout``; audio stops after ``max_duration`` seconds and the session is abandoned
(:class:`~audiokit.LiveSessionError`, with what was transcribed) ``timeout`` seconds later.
The API key goes only into the handshake's ``Authorization`` header; the WebSocket library's
debug log of that header is redacted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from ..core import InvalidTypeError, ValidationError, defaults
from ..results import (
    REALTIME_PROTOCOLS,
    SERVER_VAD,
    LiveEvent,
    Transcript,
    transcription_session,
)
from ._limits import CHUNK_MS, CLOSE_TIMEOUT_S
from ._run import _LiveRun, _Options
from ._sources import _Source
from ._utterances import Utterance

__all__ = ["AsyncLiveSession", "LiveSession", "alive", "live"]

logger = logging.getLogger("audiokit.live")

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_DURATION_S = 3600.0
ON_ERROR = ("raise", "event")


class _LiveSessionBase:
    _run: _LiveRun

    @property
    def transcript(self) -> Transcript:
        """The finished utterances so far (all of them once the session has finished)."""
        return self._run.utterances.transcript()

    @property
    def text(self) -> str:
        """All text so far in spoken order, including utterances still being transcribed."""
        return self._run.utterances.text

    @property
    def utterances(self) -> list[Utterance]:
        """Every item of the session, in spoken order."""
        return self._run.utterances.ordered()

    @property
    def session(self) -> Mapping[str, Any] | None:
        """The session settings as the server confirmed them (``session.updated``: the GA shape;
        ``transcription_session.updated`` with ``protocol="beta"``)."""
        return self._run.utterances.server_session

    @property
    def finished(self) -> bool:
        """True once every utterance has been transcribed and the connection closed cleanly."""
        return self._run.finished

    def stop(self) -> None:
        """End the audio now (from any thread); pending transcriptions still arrive."""
        self._run.stop()

    def __repr__(self) -> str:
        state = "finished" if self.finished else "failed" if self._run.failed else "open"
        done = sum(1 for u in self.utterances if u.status == "completed")
        return (
            f"{type(self).__name__}(model={self._run.options.model!r}, {state}, "
            f"{done} utterance{'s' * (done != 1)})"
        )


class AsyncLiveSession(_LiveSessionBase):
    """A live transcription session for asyncio: ``async for event in session``.

    Created by :func:`audiokit.alive`. Iterate once; then ``session.transcript`` is the result.
    """

    def __init__(self, run: _LiveRun) -> None:
        self._run = run
        self._iterating = False

    async def __aiter__(self) -> AsyncIterator[LiveEvent]:
        if self._iterating:
            raise RuntimeError("a live session can be iterated only once")
        self._iterating = True
        events = self._run.events()
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()
            self._run.source.close()

    async def until_done(self) -> Transcript:
        """Consume the events; return the final transcript."""
        async for _ in self:
            pass
        return self.transcript

    async def aclose(self) -> None:
        self.stop()

    async def __aenter__(self) -> AsyncLiveSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class LiveSession(_LiveSessionBase):
    """A live transcription session: iterate for typed events; ``.transcript`` at the end.

    Created by :func:`audiokit.live`. The protocol runs on a private event loop in a background
    thread (so it works inside Jupyter); iteration hands its events over one by one. Iterate
    once; ``until_done()`` consumes the events and returns the :class:`~audiokit.Transcript`.
    """

    def __init__(self, run: _LiveRun) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._events: Any = None  # the async generator of _LiveRun.events()
        self._step: asyncio.Task[Any] | None = None  # the anext() in flight
        self._iterating = False
        self._closing = False

    def _start(self) -> None:
        with self._lock:
            if self._iterating:
                raise RuntimeError("a live session can be iterated only once")
            self._iterating = True
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="audiokit-live", daemon=True
            )
            self._thread.start()
            self._events = self._run.events()

    async def _next(self) -> LiveEvent:
        self._step = asyncio.current_task()
        try:
            return await anext(self._events)
        finally:
            self._step = None

    def __iter__(self) -> Iterator[LiveEvent]:
        self._start()
        assert self._loop is not None
        try:
            while True:
                future = asyncio.run_coroutine_threadsafe(self._next(), self._loop)
                try:
                    event = future.result()
                except StopAsyncIteration:
                    return
                except concurrent.futures.CancelledError:
                    if self._closing:  # close() from another thread: a quiet end
                        return
                    raise
                except BaseException:  # e.g. KeyboardInterrupt while waiting
                    future.cancel()
                    raise
                yield event
        finally:
            self._shutdown()

    def until_done(self) -> Transcript:
        """Consume the events; return the final transcript."""
        for _ in self:
            pass
        return self.transcript

    async def _aclose(self, events: Any) -> None:
        step = self._step
        if step is not None and not step.done():  # another thread is waiting for an event
            step.cancel()
            await asyncio.wait([step])
        await events.aclose()  # runs the session's cleanup: tasks cancelled, WebSocket closed

    def _shutdown(self) -> None:
        with self._lock:
            loop, thread, events = self._loop, self._thread, self._events
            self._loop = self._thread = self._events = None
        self._run.source.close()
        if loop is None or thread is None:
            return
        if events is not None:
            closing = asyncio.run_coroutine_threadsafe(self._aclose(events), loop)
            try:
                closing.result(CLOSE_TIMEOUT_S + 5)
            except concurrent.futures.TimeoutError:
                logger.warning("live session: the connection did not close in time")
            except Exception:  # closing a broken connection: the error was already raised
                pass
        drain = asyncio.run_coroutine_threadsafe(loop.shutdown_default_executor(), loop)
        with contextlib.suppress(Exception):  # a user iterator stuck in next(): a daemon thread
            drain.result(CLOSE_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_TIMEOUT_S)
        if not thread.is_alive():
            loop.close()

    def close(self) -> None:
        """Stop the audio and abandon the session now, from any thread.

        Events not yet iterated are dropped; an iteration in another thread ends quietly.
        """
        self._closing = True
        self.stop()
        self._shutdown()

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _prepare(
    source: Any,
    *,
    model: str | None,
    language: str | None,
    prompt: str | None,
    turn_detection: Mapping[str, Any] | None,
    noise_reduction: str | Mapping[str, Any] | None,
    logprobs: bool,
    realtime: bool,
    sample_rate: int | None,
    client: Any,
    chunk_ms: int,
    timeout: float,
    max_duration: float,
    on_error: str,
    protocol: str,
) -> _LiveRun:
    model = model or defaults.transcription_model
    session = transcription_session(
        model=model,
        language=language,
        prompt=prompt,
        turn_detection=turn_detection,
        noise_reduction=noise_reduction,
        logprobs=logprobs,
    )
    if not isinstance(realtime, bool):
        raise InvalidTypeError("realtime", realtime, "True or False")
    if isinstance(chunk_ms, bool) or not isinstance(chunk_ms, int) or not 10 <= chunk_ms <= 5000:
        raise ValidationError("chunk_ms", chunk_ms, "a whole number of milliseconds, 10 to 5000")
    for name, value in (("timeout", timeout), ("max_duration", max_duration)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValidationError(name, value, "a number of seconds > 0")
    if on_error not in ON_ERROR:
        raise ValidationError("on_error", on_error, "'raise' or 'event'")
    if protocol not in REALTIME_PROTOCOLS:
        raise ValidationError("protocol", protocol, "'ga' (the default) or 'beta'")
    if client is None:
        from ..client import default_client

        client = default_client()
    elif getattr(client, "settings", None) is None:
        raise InvalidTypeError("client", client, "an audiokit.Client or AsyncClient")
    options = _Options(
        model=model,
        session=session,
        realtime=realtime,
        timeout=float(timeout),
        max_duration=float(max_duration),
        on_error=on_error,
        protocol=protocol,
    )
    return _LiveRun(_Source(source, sample_rate=sample_rate, chunk_ms=chunk_ms), options, client)


def live(
    source: Any,
    *,
    model: str | None = None,
    language: str | None = None,
    prompt: str | None = None,
    turn_detection: Mapping[str, Any] | None = SERVER_VAD,
    noise_reduction: str | Mapping[str, Any] | None = None,
    logprobs: bool = False,
    realtime: bool = False,
    sample_rate: int | None = None,
    client: Any = None,
    chunk_ms: int = CHUNK_MS,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_duration: float = DEFAULT_MAX_DURATION_S,
    on_error: str = "raise",
    protocol: str = "ga",
) -> LiveSession:
    """Transcribe ongoing audio live (Realtime API transcription session).

    Parameters
    ----------
    source
        The audio: a path, ``bytes`` of a file, a :class:`~audiokit.Speech`, a binary file;
        ``(array, sample_rate)`` or an array with ``sample_rate=``; an iterable or async
        iterable of chunks (numpy arrays, or pcm16 little-endian ``bytes``) at
        ``sample_rate`` (default 24 kHz); or an :class:`AudioFeed` (a microphone, the
        live-captions widget). It is resampled to pcm16 24 kHz mono.
    model
        Transcription model (default ``audiokit.defaults.transcription_model``).
    language, prompt
        As for :func:`audiokit.transcribe`.
    turn_detection
        Server VAD settings (``{"type": "server_vad", "threshold": 0.5, "prefix_padding_ms":
        300, "silence_duration_ms": 500}``, missing keys take these defaults), or ``None``:
        no turn detection, the whole audio is committed as one utterance at the end.
    noise_reduction
        ``None``, ``"near_field"`` (headsets) or ``"far_field"`` (laptop/room microphones).
    logprobs
        Ask for token log probabilities (``Transcript.tokens``, coloured captions).
    realtime
        Send a file or array no faster than real time, as if it were being recorded. By
        default it is sent as fast as the connection allows.
    client
        An :class:`~audiokit.Client` (its key and base URL are used); default: the shared
        client — the offline engine when no API key is set.
    chunk_ms
        Milliseconds of audio per ``input_audio_buffer.append`` (default 100).
    timeout
        Seconds to wait for each answer the session needs (the settings' confirmation, the
        last transcriptions); also the grace period after ``max_duration``.
    max_duration
        Seconds after which the audio is ended (default one hour).
    on_error
        ``"raise"`` (default): a server ``error`` event raises
        :class:`~audiokit.LiveSessionError`; ``"event"``: it is yielded as a
        :class:`RealtimeError` and the session goes on (refused settings always raise).
    protocol
        ``"ga"`` (default): the Realtime API's GA protocol (``session.update`` with
        ``{"type": "transcription", "audio": {"input": …}}``, answered by ``session.updated``);
        ``"beta"``: the beta one (``OpenAI-Beta: realtime=v1``, ``transcription_session.update``)
        for servers that speak only that. Every other event is the same in both.

    Returns
    -------
    LiveSession
        Iterate it for typed events (``InputAudioBufferSpeechStarted``, ``…Committed``,
        ``InputAudioTranscriptionDelta``, ``…Completed``, …); ``session.transcript`` is the
        :class:`~audiokit.Transcript`, one segment per utterance, in spoken order.

    Raises
    ------
    ValidationError
        For a bad parameter, before connecting.
    LiveSessionError
        When the server refuses the settings, reports an error, stops answering, or the
        connection drops; ``.partial`` holds the utterances finished before.

    Examples
    --------
    >>> session = audiokit.live("meeting.wav", realtime=True)          # doctest: +SKIP
    >>> for event in session:                                           # doctest: +SKIP
    ...     if event.type == "conversation.item.input_audio_transcription.completed":
    ...         print(event.transcript)
    >>> session.transcript.to_srt()                                     # doctest: +SKIP
    """
    return LiveSession(
        _prepare(
            source,
            model=model,
            language=language,
            prompt=prompt,
            turn_detection=turn_detection,
            noise_reduction=noise_reduction,
            logprobs=logprobs,
            realtime=realtime,
            sample_rate=sample_rate,
            client=client,
            chunk_ms=chunk_ms,
            timeout=timeout,
            max_duration=max_duration,
            on_error=on_error,
            protocol=protocol,
        )
    )


def alive(
    source: Any,
    *,
    model: str | None = None,
    language: str | None = None,
    prompt: str | None = None,
    turn_detection: Mapping[str, Any] | None = SERVER_VAD,
    noise_reduction: str | Mapping[str, Any] | None = None,
    logprobs: bool = False,
    realtime: bool = False,
    sample_rate: int | None = None,
    client: Any = None,
    chunk_ms: int = CHUNK_MS,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_duration: float = DEFAULT_MAX_DURATION_S,
    on_error: str = "raise",
    protocol: str = "ga",
) -> AsyncLiveSession:
    """The asyncio twin of :func:`live`: ``async for event in audiokit.alive(source)``.

    Examples
    --------
    >>> async for event in audiokit.alive(mic_chunks(), sample_rate=48_000):  # doctest: +SKIP
    ...     print(event.type)
    """
    return AsyncLiveSession(
        _prepare(
            source,
            model=model,
            language=language,
            prompt=prompt,
            turn_detection=turn_detection,
            noise_reduction=noise_reduction,
            logprobs=logprobs,
            realtime=realtime,
            sample_rate=sample_rate,
            client=client,
            chunk_ms=chunk_ms,
            timeout=timeout,
            max_duration=max_duration,
            on_error=on_error,
            protocol=protocol,
        )
    )
