"""Server-sent event streams: typed events, and the final result assembled from them.

A stream wraps an iterator of decoded event payloads (dicts) or raw byte chunks supplied by the
HTTP layer. The assembling logic (:class:`_TranscriptAssembler`, :class:`_SpeechAssembler`) is
shared; :class:`TranscriptStream` and :class:`AsyncTranscriptStream` differ only in how they
iterate. If the stream breaks before its done event, :class:`~audiokit.StreamError` carries
what was received (``.partial``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import APIResponseError, APIStatusError, StreamError, status_error_class
from ..records import Segment, TokenLogprob, TokenLogprobs, TokenWindow, Usage
from ._speech import Speech
from ._transcript import Transcript

__all__ = [
    "AsyncSpeechStream",
    "AsyncTranscriptStream",
    "SpeechAudioDelta",
    "SpeechAudioDone",
    "SpeechEvent",
    "SpeechStream",
    "TranscriptEvent",
    "TranscriptStream",
    "TranscriptTextDelta",
    "TranscriptTextDone",
    "TranscriptTextSegment",
    "parse_transcript_event",
]


@dataclass(frozen=True)
class TranscriptTextDelta:
    """More text: ``delta`` with its token logprobs (when asked for).

    ``logprobs`` reads as a tuple of :class:`TokenLogprob` (it is a
    :class:`~audiokit.records.TokenWindow` onto the stream's token columns when the stream made
    the event: the records are made when read).
    """

    delta: str
    logprobs: Sequence[TokenLogprob] = ()
    segment_id: str | None = None
    type: str = "transcript.text.delta"


@dataclass(frozen=True)
class TranscriptTextSegment:
    """A finished diarized segment with its speaker."""

    id: str
    start: float
    end: float
    text: str
    speaker: str | None = None
    type: str = "transcript.text.segment"


@dataclass(frozen=True)
class TranscriptTextDone:
    """The end of the stream: the whole text, all logprobs (read as a tuple, as in
    :class:`TranscriptTextDelta`), usage."""

    text: str
    logprobs: Sequence[TokenLogprob] = ()
    usage: Usage | None = None
    type: str = "transcript.text.done"


@dataclass(frozen=True)
class SpeechAudioDelta:
    """A chunk of synthesised audio (decoded from base64 for SSE streams)."""

    audio: bytes
    type: str = "speech.audio.delta"


@dataclass(frozen=True)
class SpeechAudioDone:
    """The end of a speech SSE stream, with token usage."""

    usage: Usage | None = None
    type: str = "speech.audio.done"


TranscriptEvent = TranscriptTextDelta | TranscriptTextSegment | TranscriptTextDone
_DELTA = "transcript.text.delta"
_new = object.__new__
SpeechEvent = SpeechAudioDelta | SpeechAudioDone


def _logprobs(data: Mapping[str, Any]) -> Sequence[TokenLogprob]:
    """An event's logprobs as columns, read as the tuple of records; () when there are none."""
    items = data.get("logprobs")
    if not items:
        return ()
    if type(items) is not list:
        raise APIResponseError(f"logprobs must be a list, got {type(items).__name__}")
    columns = TokenLogprobs.from_dicts(items)
    return TokenWindow(columns) if len(columns) else ()


def _raise_error_event(data: Mapping[str, Any]) -> None:
    error = data.get("error") if isinstance(data.get("error"), Mapping) else data
    status = error.get("status") or 500
    cls = status_error_class(int(status)) if isinstance(status, int) else APIStatusError
    raise cls(
        str(error.get("message") or "the server reported an error in the stream"),
        status_code=int(status) if isinstance(status, int) else 500,
        type=error.get("type"),
        code=error.get("code"),
        param=error.get("param"),
        body=dict(data),
    )


def parse_transcript_event(data: Any) -> TranscriptEvent | None:
    """Turn one decoded SSE payload into a typed event (``None`` for unknown event types).

    Raises
    ------
    APIResponseError
        For payloads that are not objects or lack required fields.
    APIStatusError
        For an ``error`` event sent by the server.
    """
    if not isinstance(data, (dict, Mapping)):
        raise APIResponseError(f"stream event is not a JSON object: {str(data)[:120]!r}")
    kind = data.get("type")
    try:
        if kind == "transcript.text.delta":
            return TranscriptTextDelta(
                delta=str(data["delta"]),
                logprobs=_logprobs(data),
                segment_id=data.get("segment_id"),
            )
        if kind == "transcript.text.segment":
            return TranscriptTextSegment(
                id=str(data["id"]),
                start=float(data["start"]),
                end=float(data["end"]),
                text=str(data["text"]),
                speaker=data.get("speaker"),
            )
        if kind == "transcript.text.done":
            usage = data.get("usage")
            return TranscriptTextDone(
                text=str(data["text"]),
                logprobs=_logprobs(data),
                usage=Usage.from_dict(usage if isinstance(usage, Mapping) else None),
            )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise APIResponseError(f"malformed {kind} event: {exc!r} in {str(data)[:120]!r}") from exc
    if kind == "error" or "error" in data:
        _raise_error_event(data)
    return None


@dataclass
class _TranscriptAssembler:
    """Accumulates events into a Transcript."""

    request: Any
    model: str | None
    deltas: list[str] = field(default_factory=list)
    # The tokens of every delta, as columns: what a stream keeps per token is a str, a float
    # and a bytes object, none of which the cyclic garbage collector tracks (20,000 surviving
    # records made it run full collections during the stream: bench_sse.py).
    tokens: TokenLogprobs = field(default_factory=TokenLogprobs)
    segments: list[Segment] = field(default_factory=list)
    done: TranscriptTextDone | None = None
    engine: str | None = None  # what really ran, from the answer's headers
    whole: Transcript | None = None  # an answer that came whole (whisper-1 ignores stream)

    def feed(self, payload: Any) -> TranscriptEvent | None:
        if type(payload) is dict and payload.get("type") == _DELTA:
            return self._delta(payload)
        event = (
            payload if isinstance(payload, TranscriptTextDone) else parse_transcript_event(payload)
        )
        if isinstance(event, TranscriptTextDelta):
            self.deltas.append(event.delta)
            if event.logprobs:
                self.tokens.append_dicts([lp.to_dict() for lp in event.logprobs])
        elif isinstance(event, TranscriptTextSegment):
            self.segments.append(
                Segment(
                    id=event.id,
                    start=event.start,
                    end=event.end,
                    text=event.text,
                    speaker=event.speaker,
                )
            )
        elif isinstance(event, TranscriptTextDone):
            self.done = event
        return event

    def _delta(self, data: dict[str, Any]) -> TranscriptTextDelta:
        """A ``transcript.text.delta`` payload, typed and kept (the event a stream sends
        thousands of): its tokens go straight into the columns, the event gets a window."""
        try:
            delta = data["delta"]
            if type(delta) is not str:
                delta = str(delta)
            items = data.get("logprobs")
            if not items:
                logprobs: Sequence[TokenLogprob] = ()
            elif type(items) is list:
                logprobs = self.tokens.append_dicts(items)
            else:
                raise APIResponseError(f"logprobs must be a list, got {type(items).__name__}")
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise APIResponseError(
                f"malformed transcript.text.delta event: {exc!r} in {str(data)[:120]!r}"
            ) from exc
        self.deltas.append(delta)
        # The same event as TranscriptTextDelta(delta, logprobs, segment_id), without the
        # frozen dataclass's __init__ (one object.__setattr__ per field): a third of the cost.
        event = _new(TranscriptTextDelta)
        event.__dict__.update(
            delta=delta, logprobs=logprobs, segment_id=data.get("segment_id"), type=_DELTA
        )
        return event

    @property
    def text(self) -> str:
        return self.done.text if self.done else "".join(self.deltas)

    def transcript(self) -> Transcript:
        if self.whole is not None:
            return self.whole
        done = self.done
        # the done event's tokens when it has them, else a copy of the stream's (which may grow)
        columns = TokenLogprobs.of(done.logprobs) if done and done.logprobs else self.tokens[:]
        return Transcript(
            text=self.text,
            segment_list=tuple(self.segments),
            logprobs=columns if len(columns) else (),
            usage=done.usage if done else None,
            model=self.model,
            response_format=self.request.response_format or "json",
            params=dict(self.request.params),
            raw={"type": "transcript.text.done", "text": self.text} if done else None,
            engine=self.engine,
        )


class _TranscriptStreamBase:
    def __init__(
        self, request: Any, close: Callable[[], Any] | None = None, engine: str | None = None
    ) -> None:
        self._assembler = _TranscriptAssembler(request, request.params.get("model"), engine=engine)
        self._close = close

    @classmethod
    def of_transcript(cls, transcript: Transcript, request: Any) -> Any:
        """A finished answer as a stream of its one ``transcript.text.done`` event, for a
        model that ignores ``stream=True`` (whisper-1): ``.transcript`` is the whole result
        (segments, words and all), as the request's ``response_format`` gave it."""
        done = TranscriptTextDone(
            text=transcript.text, logprobs=transcript.logprobs, usage=transcript.usage
        )
        stream = cls(_one(done) if cls is AsyncTranscriptStream else iter([done]), request)
        stream._assembler.whole = transcript
        return stream

    @property
    def text(self) -> str:
        """The text received so far."""
        return self._assembler.text

    @property
    def finished(self) -> bool:
        return self._assembler.done is not None

    @property
    def transcript(self) -> Transcript:
        """The final transcript (once the stream is consumed)."""
        if not self.finished:
            raise RuntimeError(
                "the stream is not finished: iterate over it first, or call until_done()"
            )
        return self._assembler.transcript()

    def _broken(self, exc: StreamError | None) -> StreamError:
        message = exc.message if exc else "the stream ended before transcript.text.done"
        return StreamError(
            f"{message} (kept {len(self.text)} characters received so far)",
            partial=self._assembler.transcript(),
            request_id=exc.request_id if exc else None,
        )


class TranscriptStream(_TranscriptStreamBase):
    """Iterate for typed events; ``.transcript`` afterwards. Use as a context manager."""

    def __init__(
        self,
        payloads: Iterator[Any],
        request: Any,
        close: Callable[[], Any] | None = None,
        *,
        engine: str | None = None,
    ):
        super().__init__(request, close, engine)
        self._payloads = payloads

    def __iter__(self) -> Iterator[TranscriptEvent]:
        assembler = self._assembler
        try:
            for payload in self._payloads:
                event = assembler.feed(payload)
                if event is not None:
                    yield event
                if assembler.done is not None:  # self.finished, on the path of every event
                    break
        except StreamError as exc:
            raise self._broken(exc) from exc
        finally:
            self.close()
        if not self.finished:
            raise self._broken(None)

    def until_done(self) -> Transcript:
        """Consume the rest of the stream and return the final transcript."""
        for _ in self:
            pass
        return self.transcript

    def close(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self) -> TranscriptStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTranscriptStream(_TranscriptStreamBase):
    """``async for`` typed events; ``.transcript`` afterwards."""

    def __init__(
        self,
        payloads: AsyncIterator[Any],
        request: Any,
        close: Callable[[], Any] | None = None,
        *,
        engine: str | None = None,
    ):
        super().__init__(request, close, engine)
        self._payloads = payloads

    async def __aiter__(self) -> AsyncIterator[TranscriptEvent]:
        assembler = self._assembler
        try:
            async for payload in self._payloads:
                event = assembler.feed(payload)
                if event is not None:
                    yield event
                if assembler.done is not None:
                    break
        except StreamError as exc:
            raise self._broken(exc) from exc
        finally:
            await self.aclose()
        if not self.finished:
            raise self._broken(None)

    async def until_done(self) -> Transcript:
        async for _ in self:
            pass
        return self.transcript

    async def aclose(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            await close()

    async def __aenter__(self) -> AsyncTranscriptStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _one(item: Any) -> AsyncIterator[Any]:
    yield item


@dataclass
class _SpeechAssembler:
    request: Any
    sse: bool
    chunks: list[bytes] = field(default_factory=list)
    usage: Usage | None = None
    done: bool = False
    engine: str | None = None  # what really spoke, from the answer's headers

    def feed(self, item: Any) -> SpeechEvent | None:
        if not self.sse:
            self.chunks.append(item)
            return SpeechAudioDelta(audio=item)
        if not isinstance(item, Mapping):
            raise APIResponseError(f"speech stream event is not a JSON object: {str(item)[:120]!r}")
        kind = item.get("type")
        if kind == "speech.audio.delta":
            try:
                audio = base64.b64decode(item["audio"], validate=True)
            except (KeyError, TypeError, binascii.Error) as exc:
                raise APIResponseError(f"malformed speech.audio.delta event: {exc!r}") from exc
            self.chunks.append(audio)
            return SpeechAudioDelta(audio=audio)
        if kind == "speech.audio.done":
            usage = item.get("usage")
            self.usage = Usage.from_dict(usage if isinstance(usage, Mapping) else None)
            self.done = True
            return SpeechAudioDone(usage=self.usage)
        if kind == "error" or "error" in item:
            _raise_error_event(item)
        return None

    def speech(self) -> Speech:
        return Speech(
            b"".join(self.chunks),
            format=self.request.response_format or "mp3",
            params=dict(self.request.params),
            usage=self.usage,
            engine=self.engine,
        )


class _SpeechStreamBase:
    def __init__(
        self, request: Any, sse: bool, close: Callable[[], Any] | None, engine: str | None = None
    ) -> None:
        self._assembler = _SpeechAssembler(request, sse, engine=engine)
        self._close = close
        self._exhausted = False

    @property
    def speech(self) -> Speech:
        """All audio received, as one :class:`Speech` (once the stream is consumed)."""
        if not self._exhausted:
            raise RuntimeError("the stream is not finished: iterate over it first")
        return self._assembler.speech()

    def _check_end(self) -> None:
        self._exhausted = True
        if self._assembler.sse and not self._assembler.done:
            raise StreamError(
                "the speech stream ended before speech.audio.done", partial=self._assembler.speech()
            )

    def _broken(self, exc: StreamError) -> StreamError:
        return StreamError(exc.message, partial=self._assembler.speech(), request_id=exc.request_id)


class SpeechStream(_SpeechStreamBase):
    """Iterate for :class:`SpeechAudioDelta` chunks as they arrive; ``.speech`` afterwards."""

    def __init__(
        self,
        items: Iterator[Any],
        request: Any,
        *,
        sse: bool,
        close: Callable[[], Any] | None = None,
        engine: str | None = None,
    ):
        super().__init__(request, sse, close, engine)
        self._items = items

    def __iter__(self) -> Iterator[SpeechEvent]:
        try:
            for item in self._items:
                event = self._assembler.feed(item)
                if event is not None:
                    yield event
                if self._assembler.done:
                    break
        except StreamError as exc:
            raise self._broken(exc) from exc
        finally:
            self.close()
        self._check_end()

    def iter_bytes(self) -> Iterator[bytes]:
        """Just the audio bytes, chunk by chunk."""
        for event in self:
            if isinstance(event, SpeechAudioDelta):
                yield event.audio

    def until_done(self) -> Speech:
        for _ in self:
            pass
        return self.speech

    def close(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self) -> SpeechStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSpeechStream(_SpeechStreamBase):
    """``async for`` audio chunks; ``.speech`` afterwards."""

    def __init__(
        self,
        items: AsyncIterator[Any],
        request: Any,
        *,
        sse: bool,
        close: Callable[[], Any] | None = None,
        engine: str | None = None,
    ):
        super().__init__(request, sse, close, engine)
        self._items = items

    async def __aiter__(self) -> AsyncIterator[SpeechEvent]:
        try:
            async for item in self._items:
                event = self._assembler.feed(item)
                if event is not None:
                    yield event
                if self._assembler.done:
                    break
        except StreamError as exc:
            raise self._broken(exc) from exc
        finally:
            await self.aclose()
        self._check_end()

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        async for event in self:
            if isinstance(event, SpeechAudioDelta):
                yield event.audio

    async def until_done(self) -> Speech:
        async for _ in self:
            pass
        return self.speech

    async def aclose(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            await close()

    async def __aenter__(self) -> AsyncSpeechStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
