"""Live transcription of ongoing audio: a Realtime API transcription session over a WebSocket.

``audiokit.live(source)`` streams audio to ``wss://…/v1/realtime?intent=transcription`` while it
is being recorded (or plays a file in real time) and yields typed events as the server detects
and transcribes each utterance; ``audiokit.alive(source)`` is the asyncio twin. When the audio
ends, the session waits for the last transcriptions and the result is a
:class:`~audiokit.Transcript` with one segment per utterance.

How the pieces fit:

- ``_realtime_events`` builds and checks the session settings and types the server's events.
- :class:`_Source` turns any audio input (file, bytes, a Speech, arrays, an iterator or async
  iterator of chunks, an :class:`AudioFeed` filled by a microphone or the live-captions widget)
  into pcm16 24 kHz mono chunks, resampling as it goes.
- :class:`_Utterances` keeps the state of every item (speech times, deltas, final text) and
  orders them by the ``committed`` events' ``previous_item_id`` chain, so completions arriving
  out of order still give the utterances in spoken order.
- :class:`_LiveRun` is the one implementation of the protocol (asyncio + ``websockets``): connect,
  ``transcription_session.update`` (and wait for ``transcription_session.updated`` — a refused
  setting fails here, before any audio is sent), then a sender task appends audio while the
  receiver yields events. At the end of the audio: with server VAD, a little silence lets the
  VAD close the last utterance and ``input_audio_buffer.clear`` serves as a barrier (the server
  answers it after handling everything before it); without turn detection the client commits.
  Then it waits until every committed item is completed or failed.
- :class:`AsyncLiveSession` iterates ``_LiveRun`` directly; :class:`LiveSession` runs it on a
  private event loop in a background thread, so it works in Jupyter (whose own loop is busy)
  and its ``stop()`` can be called from any thread.

Offline (no API key), the session talks to the same protocol served by the local engine
(``audiokit.local._realtime``), started on 127.0.0.1 in a background thread on first use.

Bounds: connecting waits ``CONNECT_TIMEOUT_S``; every wait for an expected answer is limited
by ``timeout``; audio stops after ``max_duration`` seconds and the session is abandoned
(:class:`~audiokit.LiveSessionError`, with what was transcribed) ``timeout`` seconds later.
The API key goes only into the handshake's ``Authorization`` header; the WebSocket library's
debug log of that header is redacted.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import logging
import math
import os
import queue
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..core import (
    MIN_COMMIT_MS,
    USER_AGENT,
    APIConnectionError,
    APIError,
    APIResponseError,
    APITimeoutError,
    AudioError,
    InvalidTypeError,
    LiveSessionError,
    ValidationError,
    defaults,
    status_error_class,
)
from ..records import Segment, TokenLogprob, Usage
from ..results import (
    REALTIME_SAMPLE_RATE,
    SERVER_VAD,
    InputAudioBufferCleared,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionFailed,
    LiveEvent,
    RealtimeError,
    RealtimeErrorDetail,
    Transcript,
    TranscriptionSessionUpdated,
    parse_server_event,
    transcription_session,
)

__all__ = ["AsyncLiveSession", "AudioFeed", "LiveSession", "Utterance", "alive", "live"]

logger = logging.getLogger("audiokit.live")

CHUNK_MS = 100  # audio per input_audio_buffer.append: small enough for a responsive VAD
BYTES_PER_MS = REALTIME_SAMPLE_RATE * 2 // 1000  # pcm16 mono at 24 kHz: 48 bytes a millisecond
FLUSH_EXTRA_MS = 200  # silence beyond silence_duration_ms sent at the end, so VAD closes the turn
CONNECT_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 5.0
PING_INTERVAL_S = 20.0  # keepalive pings notice a dead connection while nobody speaks
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_DURATION_S = 3600.0
FEED_MAX_BUFFERED_S = 120.0  # audio an AudioFeed holds for a session that is not reading
FEED_POLL_S = 0.02
ON_ERROR = ("raise", "event")
_END = object()


# -- audio in ------------------------------------------------------------------------------------


class AudioFeed:
    """Audio pushed from another thread (a microphone callback, a widget) into a live session.

    Parameters
    ----------
    sample_rate : int
        Rate of the pushed audio in Hz (resampled to 24 kHz for the session).

    ``push(samples)`` takes a float or int16 numpy array (mono, or ``(frames, channels)``) or
    raw pcm16 little-endian ``bytes``; ``close()`` ends the audio (the session then finishes
    its last transcriptions). Thread-safe.

    Examples
    --------
    >>> feed = audiokit.AudioFeed(sample_rate=48_000)                     # doctest: +SKIP
    >>> session = audiokit.live(feed)         # push() from the recording callback  # doctest: +SKIP
    """

    def __init__(self, sample_rate: int = REALTIME_SAMPLE_RATE) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
            raise InvalidTypeError("sample_rate", sample_rate, "a positive whole number of Hz")
        self.sample_rate = sample_rate
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._buffered = 0  # samples waiting
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def push(self, audio: np.ndarray | bytes | bytearray | memoryview) -> None:
        """Add audio; raises :class:`~audiokit.AudioError` if the feed is closed or overfull."""
        if isinstance(audio, (bytes, bytearray, memoryview)):
            samples = len(audio) // 2
        elif isinstance(audio, np.ndarray):
            samples = len(audio)
        else:
            raise InvalidTypeError("audio", audio, "a numpy array or pcm16 bytes")
        with self._lock:
            if self._closed:
                raise AudioError("audio", "<chunk>", "nothing", reason="the feed is closed")
            if self._buffered + samples > FEED_MAX_BUFFERED_S * self.sample_rate:
                raise AudioError(
                    "audio",
                    "<chunk>",
                    "a session that reads the feed",
                    reason=f"over {FEED_MAX_BUFFERED_S:.0f} s of audio is waiting; "
                    "is the live session running?",
                )
            self._buffered += samples
            self._queue.put((audio, samples))

    def close(self) -> None:
        """End of audio."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_END)

    async def _chunks(self) -> AsyncIterator[Any]:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                await asyncio.sleep(FEED_POLL_S)
                continue
            if item is _END:
                return
            audio, samples = item
            with self._lock:
                self._buffered -= samples
            yield audio

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"AudioFeed(sample_rate={self.sample_rate}, {state})"


class _Pcm16Chunker:
    """Float/int16 arrays or pcm16 bytes at any rate → pcm16 24 kHz chunks of a fixed size."""

    def __init__(self, sample_rate: int, chunk_ms: int) -> None:
        from ..audio import stream_resampler

        self.sample_rate = sample_rate
        self._resampler = (
            stream_resampler(sample_rate, REALTIME_SAMPLE_RATE)
            if sample_rate != REALTIME_SAMPLE_RATE
            else None
        )
        self._chunk_bytes = chunk_ms * BYTES_PER_MS
        self._pending = bytearray()
        self._odd = b""  # a byte of pcm16 input split across chunks

    def push(self, audio: Any) -> list[bytes]:
        samples = self._samples(audio)
        if self._resampler is not None and len(samples):
            samples = self._resampler.push(samples)
        return self._take(samples, final=False)

    def flush(self) -> list[bytes]:
        tail = self._resampler.flush() if self._resampler is not None else np.zeros(0, np.float32)
        return self._take(tail, final=True)

    def _samples(self, audio: Any) -> np.ndarray:
        from ..audio import as_float32, to_mono

        if isinstance(audio, (bytes, bytearray, memoryview)):
            data = self._odd + bytes(audio)
            cut = len(data) - len(data) % 2
            self._odd = data[cut:]
            return np.frombuffer(data[:cut], dtype="<i2").astype(np.float32) / 32768.0
        if not isinstance(audio, np.ndarray):
            raise InvalidTypeError(
                "source", type(audio).__name__, "chunks that are numpy arrays or pcm16 bytes"
            )
        if audio.ndim == 2 and audio.shape[0] < audio.shape[1] and audio.shape[0] <= 8:
            audio = audio.T  # (channels, frames) → (frames, channels)
        samples = to_mono(as_float32(audio))
        if not np.all(np.isfinite(samples)):
            raise AudioError("source", "a chunk with NaN or infinity", "finite samples")
        return samples

    def _take(self, samples: np.ndarray, *, final: bool) -> list[bytes]:
        if len(samples):
            pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
            self._pending += pcm.tobytes()
        size = self._chunk_bytes
        cut = len(self._pending) if final else len(self._pending) - len(self._pending) % size
        out = [bytes(self._pending[i : i + size]) for i in range(0, cut, size)]
        del self._pending[:cut]
        return out


class _Source:
    """Any supported audio input, checked at once, read later as pcm16 24 kHz chunks."""

    def __init__(self, source: Any, *, sample_rate: int | None, chunk_ms: int) -> None:
        self.chunk_ms = chunk_ms
        self._kind, self._value, self.sample_rate = self._classify(source, sample_rate)

    @staticmethod
    def _classify(source: Any, sample_rate: int | None) -> tuple[str, Any, int]:
        from ..audio import AudioFile, is_array, to_audio_file

        if sample_rate is not None and (
            isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0
        ):
            raise InvalidTypeError("sample_rate", sample_rate, "a positive whole number of Hz")
        if isinstance(source, AudioFeed):
            return "feed", source, source.sample_rate
        if isinstance(source, (str, os.PathLike)):
            if not os.path.isfile(source):
                raise AudioError(
                    "source", str(source), "a path to an existing audio file", reason="no such file"
                )
            return "file", os.fspath(source), REALTIME_SAMPLE_RATE
        if (
            isinstance(source, (bytes, bytearray, memoryview, AudioFile))
            or hasattr(source, "read")
            or (hasattr(source, "data") and hasattr(source, "to_numpy"))  # a Speech
        ):
            return (
                "file",
                to_audio_file(source, param="source", max_bytes=None).data,
                REALTIME_SAMPLE_RATE,
            )
        if isinstance(source, tuple) and len(source) == 2 and is_array(source[0]):
            source, sample_rate = source
        if is_array(source):
            if sample_rate is None:
                raise InvalidTypeError(
                    "sample_rate",
                    None,
                    "the array's sample rate in Hz",
                    reason="a numpy array needs sample_rate=",
                )
            if np.asarray(source).size == 0:
                raise AudioError("source", "empty array", "at least one sample")
            return "array", source, sample_rate
        if hasattr(source, "__aiter__"):
            return "async", source, sample_rate or REALTIME_SAMPLE_RATE
        if isinstance(source, Iterable) and not isinstance(source, (str, Mapping)):
            return "iter", source, sample_rate or REALTIME_SAMPLE_RATE
        raise InvalidTypeError(
            "source",
            type(source).__name__,
            "a path, bytes, a Speech, (array, sample_rate), an (async) iterable of arrays or "
            "pcm16 bytes with sample_rate=, or an audiokit.AudioFeed",
        )

    @property
    def is_live(self) -> bool:
        """Whether the audio arrives by itself in real time (no pacing needed)."""
        return self._kind in ("feed", "async", "iter")

    def close(self) -> None:
        if self._kind == "feed":
            self._value.close()

    async def chunks(self) -> AsyncIterator[bytes]:
        """pcm16 24 kHz chunks of ``chunk_ms`` (the last one shorter)."""
        loop = asyncio.get_running_loop()
        chunker = _Pcm16Chunker(self.sample_rate, self.chunk_ms)
        if self._kind == "file":
            from ..audio import iter_blocks

            blocks = await loop.run_in_executor(
                None,
                lambda: iter_blocks(
                    self._value,
                    sample_rate=REALTIME_SAMPLE_RATE,
                    block_seconds=max(1.0, self.chunk_ms / 1000),
                ),
            )
            pieces: Any = _threaded(blocks, loop)
        elif self._kind == "array":
            pieces = _one(self._value)
        elif self._kind == "feed":
            pieces = self._value._chunks()
        elif self._kind == "async":
            pieces = self._value
        else:
            pieces = _threaded(iter(self._value), loop)
        async for piece in pieces:
            for chunk in chunker.push(piece):
                yield chunk
        for chunk in chunker.flush():
            yield chunk


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


async def _threaded(iterator: Iterator[Any], loop: asyncio.AbstractEventLoop) -> AsyncIterator[Any]:
    """A blocking iterator read in the loop's executor, so decoding never stalls the loop."""
    while True:
        item = await loop.run_in_executor(None, next, iterator, _END)
        if item is _END:
            return
        yield item


# -- utterances and the transcript ---------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    """One item of the session: an utterance, from speech start to its final transcript.

    Attributes
    ----------
    item_id, previous_item_id : str
        The server's item ids (the order of utterances follows ``previous_item_id``).
    start, end : float | None
        Seconds from the start of the session's audio (server VAD's ``audio_start_ms`` /
        ``audio_end_ms``, which include the prefix padding and the closing silence).
    text : str
        The transcript so far (deltas), then the final one.
    logprobs : tuple of TokenLogprob
        Token log probabilities, when asked for.
    status : str
        ``"speaking"``, ``"committed"`` (being transcribed), ``"completed"`` or ``"failed"``.
    """

    item_id: str
    previous_item_id: str | None = None
    start: float | None = None
    end: float | None = None
    text: str = ""
    logprobs: tuple[TokenLogprob, ...] = ()
    status: str = "speaking"
    error: RealtimeErrorDetail | None = None
    usage: Usage | None = None

    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed")

    @property
    def confidence(self) -> float | None:
        """Mean token probability (0–1), when logprobs were asked for."""
        if not self.logprobs:
            return None
        return sum(math.exp(lp.logprob) for lp in self.logprobs) / len(self.logprobs)


class _Utterances:
    """The items of a session, updated by events, in spoken order; builds the Transcript."""

    def __init__(self, *, model: str, language: str | None, params: Mapping[str, Any]) -> None:
        self.model = model
        self.language = language
        self.params = dict(params)
        self._items: dict[str, Utterance] = {}
        self._arrival: list[str] = []
        self._committed: set[str] = set()
        self.server_session: Mapping[str, Any] | None = None
        self.audio_ms = 0.0  # source audio sent so far

    def _get(self, item_id: str) -> Utterance:
        if item_id not in self._items:
            self._items[item_id] = Utterance(item_id)
            self._arrival.append(item_id)
        return self._items[item_id]

    def _set(self, item_id: str, **changes: Any) -> None:
        self._items[item_id] = replace(self._get(item_id), **changes)

    def feed(self, event: LiveEvent, *, marks: tuple[float, float] | None = None) -> None:
        if isinstance(event, InputAudioBufferSpeechStarted):
            self._set(event.item_id, start=event.audio_start_ms / 1000)
        elif isinstance(event, InputAudioBufferSpeechStopped):
            self._set(event.item_id, end=event.audio_end_ms / 1000)
        elif isinstance(event, InputAudioBufferCommitted):
            item = self._get(event.item_id)
            start, end = item.start, item.end
            if marks is not None:  # a commit of ours: times from the audio we had sent
                start = marks[0] if start is None else start
                end = marks[1] if end is None else end
            self._committed.add(event.item_id)
            self._set(
                event.item_id,
                previous_item_id=event.previous_item_id,
                start=start,
                end=end,
                status=item.status if item.done else "committed",
            )
        elif isinstance(event, InputAudioTranscriptionDelta):
            item = self._get(event.item_id)
            if not item.done:
                self._set(
                    event.item_id,
                    text=item.text + event.delta,
                    logprobs=item.logprobs + event.logprobs,
                    status="committed",
                )
        elif isinstance(event, InputAudioTranscriptionCompleted):
            item = self._get(event.item_id)
            self._set(
                event.item_id,
                text=event.transcript,
                logprobs=event.logprobs or item.logprobs,
                usage=event.usage,
                status="completed",
            )
        elif isinstance(event, InputAudioTranscriptionFailed):
            self._set(event.item_id, error=event.error, status="failed")

    def ordered(self) -> list[Utterance]:
        """Items in spoken order: the ``previous_item_id`` chain, whatever the arrival order."""
        children: dict[str, list[str]] = {}
        roots: list[str] = []
        for item_id in self._arrival:
            if item_id not in self._committed:
                continue
            prev = self._items[item_id].previous_item_id
            if prev is not None and prev in self._committed and prev != item_id:
                children.setdefault(prev, []).append(item_id)
            else:
                roots.append(item_id)
        order: list[str] = []
        seen: set[str] = set()
        stack = list(reversed(roots))
        while stack:  # iterative depth-first walk: long sessions have long chains
            item_id = stack.pop()
            if item_id in seen:
                continue
            seen.add(item_id)
            order.append(item_id)
            stack.extend(reversed(children.get(item_id, [])))
        order += [i for i in self._arrival if i not in seen]  # a cycle, or not committed yet
        return [self._items[i] for i in order]

    @property
    def pending(self) -> int:
        """Committed items whose transcription has not finished."""
        return sum(1 for i in self._committed if self._items[i].status == "committed")

    @property
    def text(self) -> str:
        """Everything heard so far, finished or not, in order."""
        return " ".join(u.text.strip() for u in self.ordered() if u.text.strip())

    def transcript(self) -> Transcript:
        done = [u for u in self.ordered() if u.status == "completed" and u.text.strip()]
        segments = tuple(
            Segment(
                id=i,
                start=u.start,
                end=u.end,
                text=u.text.strip(),
                avg_logprob=(
                    sum(lp.logprob for lp in u.logprobs) / len(u.logprobs) if u.logprobs else None
                ),
            )
            for i, u in enumerate(done)
        )
        usages = [u.usage for u in done if u.usage is not None]
        usage = sum(usages[1:], usages[0]) if usages else None
        raw = {
            "object": "realtime.transcription_session",
            "session": dict(self.server_session or {}),
            "items": [_utterance_dict(u) for u in self.ordered()],
        }
        return Transcript(
            text=" ".join(s.text for s in segments),
            language=self.language,
            duration=round(self.audio_ms / 1000, 3),
            segment_list=segments,
            logprobs=tuple(lp for u in done for lp in u.logprobs),
            usage=usage,
            model=self.model,
            task="transcribe",
            response_format="json",
            params=self.params,
            raw=raw,
        )


def _utterance_dict(u: Utterance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item_id": u.item_id,
        "previous_item_id": u.previous_item_id,
        "start": u.start,
        "end": u.end,
        "transcript": u.text,
        "status": u.status,
    }
    if u.logprobs:
        out["logprobs"] = [lp.to_dict() for lp in u.logprobs]
    if u.usage is not None:
        out["usage"] = u.usage.to_dict()
    if u.error is not None:
        out["error"] = {"type": u.error.type, "code": u.error.code, "message": u.error.message}
    return out


# -- the connection ------------------------------------------------------------------------------


class _RedactAuthorization(logging.Filter):
    """websockets logs handshake headers at DEBUG: never the key."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 2
            and str(args[0]).lower()
            in (
                "authorization",
                "sec-websocket-protocol",
            )
        ):
            record.args = (args[0], "***")
        return True


def _websocket_logger() -> logging.Logger:
    log = logging.getLogger("audiokit.live.websocket")
    if not any(isinstance(f, _RedactAuthorization) for f in log.filters):
        log.addFilter(_RedactAuthorization())
    return log


def realtime_url(base_url: str) -> str:
    """``https://host/v1`` → ``wss://host/v1/realtime?intent=transcription``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValidationError("base_url", base_url, "an http(s):// or ws(s):// URL")
    path = parts.path.rstrip("/") + "/realtime"
    return urlunsplit((scheme, parts.netloc, path, "intent=transcription", ""))


@dataclass(frozen=True)
class _Target:
    url: str
    headers: dict[str, str]
    proxy: Any = True

    def __repr__(self) -> str:  # the headers hold the key
        return f"_Target({self.url!r})"


def _target(client: Any) -> _Target:
    """Where to connect and the handshake headers, from an audiokit Client's settings."""
    settings = getattr(client, "settings", None)
    if settings is None:
        raise InvalidTypeError("client", client, "an audiokit.Client or AsyncClient")
    headers = {"OpenAI-Beta": "realtime=v1"}
    if settings.backend == "local":
        from ..local import local_server

        server = local_server()
        headers["Authorization"] = f"Bearer {server.api_key}"
        return _Target(realtime_url(server.url + "/v1"), headers, proxy=None)
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    if settings.organization:
        headers["OpenAI-Organization"] = settings.organization
    if settings.project:
        headers["OpenAI-Project"] = settings.project
    return _Target(realtime_url(settings.base_url), headers)


def _status_error(response: Any) -> APIError:
    status = int(response.status_code)
    body_bytes = bytes(response.body or b"")
    try:
        body: Any = json.loads(body_bytes) if body_bytes else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = body_bytes.decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = error.get("message") or (body if isinstance(body, str) and body else None)
    return status_error_class(status)(
        str(message or f"the server refused the realtime WebSocket (HTTP {status})"),
        status_code=status,
        type=error.get("type"),
        code=error.get("code"),
        param=error.get("param"),
        request_id=response.headers.get("x-request-id"),
        body=body,
    )


async def _connect(target: _Target) -> Any:
    """Open the WebSocket; handshake failures become audiokit errors, once, here."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

    safe = target.url.split("?", 1)[0]
    try:
        return await connect(
            target.url,
            additional_headers=target.headers,
            user_agent_header=USER_AGENT,
            proxy=target.proxy,
            compression=None,  # base64 audio barely compresses; spare the CPU
            open_timeout=CONNECT_TIMEOUT_S,
            ping_interval=PING_INTERVAL_S,
            ping_timeout=PING_INTERVAL_S,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=MAX_MESSAGE_BYTES,
            logger=_websocket_logger(),
        )
    except InvalidStatus as exc:
        raise _status_error(exc.response) from None
    except InvalidURI as exc:
        raise ValidationError("base_url", safe, "an http(s):// URL", reason=str(exc)) from None
    except (TimeoutError, asyncio.TimeoutError) as exc:  # one class from Python 3.11
        raise APITimeoutError(
            f"no WebSocket handshake from {safe} within {CONNECT_TIMEOUT_S:.0f} s"
        ) from exc
    except (OSError, InvalidHandshake) as exc:
        raise APIConnectionError(f"cannot open the realtime WebSocket to {safe}: {exc}") from exc


# -- the protocol --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    model: str
    session: dict[str, Any]
    realtime: bool
    timeout: float
    max_duration: float
    on_error: str


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
        target = await asyncio.to_thread(_target, self._client)
        ws = await _connect(target)
        sender: asyncio.Task[None] | None = None
        receiving: asyncio.Future[Any] | None = None
        try:
            await self._send(
                ws, {"type": "transcription_session.update", "session": self.options.session}
            )
            while True:  # nothing is sent before the server accepts the settings
                event = self._handle(await self._receive(ws, "transcription_session.updated"))
                if isinstance(event, TranscriptionSessionUpdated):
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
                raise self._error(
                    f"the server reported an error: {detail.message}",
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


# -- the sessions ------------------------------------------------------------------------------


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
        """The session settings as the server confirmed them (``transcription_session.updated``)."""
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


# -- the public functions ---------------------------------------------------------------------


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
        )
    )
