"""Long audio to text: recordings past the upload or duration limit, in chunks.

:class:`TranscriptionJob` is what :meth:`Client.transcribe` and :meth:`AsyncClient.transcribe`
hand every call to. It decides, before any money is spent, whether the audio must be split
(``split="auto"``: over 25 MB, or longer than the model accepts), looks the answer up in the
transcript cache when one is given, and otherwise sends one request — or one per chunk, cut at
pauses by :func:`audiokit.jobs._chunks.split_audio` and merged by
:func:`audiokit.jobs._merge.merge_transcripts`. Chunks are transcribed concurrently (at most
``concurrency`` at a time), or, with ``carry_prompt=True``, one after another with the end of
each chunk's transcript as the next chunk's prompt — the reference's advice for keeping context
across a split, at the price of no concurrency. The decisions and the bookkeeping live in the
job; :meth:`TranscriptionJob.run_sync` and :meth:`TranscriptionJob.run_async` differ only in how
they wait (threads vs tasks).

Long text to speech is the twin job in :mod:`audiokit.jobs._long_text`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..audio import AudioFile, probe, to_audio_file
from ..core import MAX_UPLOAD_BYTES, UnsupportedError
from ..results import Transcript
from ..wire import transcription_capabilities
from ._cache import TranscriptCache, audio_digest, resolve_cache
from ._chunks import DEFAULT_CHUNK_SECONDS, AudioChunk, split_audio
from ._merge import merge_transcripts
from ._options import DEFAULT_CONCURRENCY, check_job_options

__all__ = [
    "MODEL_MAX_SECONDS",
    "TranscriptionJob",
    "check_transcription_params",
    "model_max_seconds",
]

# Longest audio a model accepts per request, in seconds. Not in the API reference: the API
# answers 400 "audio duration … is longer than 1400 seconds which is the maximum for this
# model" for the gpt-4o transcription models. whisper-1 has only the 25 MB limit.
MODEL_MAX_SECONDS = 1400.0
DURATION_MARGIN_SECONDS = 10.0  # stay this far under a duration cap (encoder padding)
MIN_CARRIED_PROMPT_TOKENS = 32  # the carried tail keeps at least this many tokens


def model_max_seconds(model: str) -> float | None:
    """The longest audio ``model`` accepts per request (``None``: no cap but the size)."""
    if isinstance(model, str) and model.startswith("gpt-4o") and "transcribe" in model:
        return MODEL_MAX_SECONDS
    return None


@cache
def _probe_tone() -> AudioFile:
    """Half a second of a quiet tone: stands in for the audio when checking parameters."""
    import numpy as np
    import soundfile as sf

    rate = 16_000
    t = np.arange(rate // 2) / rate
    buf = io.BytesIO()
    sf.write(buf, (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate, format="WAV")
    return AudioFile("check.wav", buf.getvalue(), "wav")


def check_transcription_params(model: str, params: Mapping[str, Any]) -> None:
    """Raise the ValidationError a request with ``params`` would raise — before any audio is
    decoded, so a typo fails at once rather than after splitting (or once per batch file)."""
    from ..wire import transcription_request

    checked = {k: v for k, v in params.items() if k not in ("sample_rate", "filename")}
    transcription_request(_probe_tone(), model=model, **checked)


# -- transcription ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How a recording will be split."""

    source: str | bytes
    name: str
    chunk_seconds: float
    max_seconds: float | None
    total_seconds: float | None


class TranscriptionJob:
    """One ``transcribe`` call: cache lookup, split decision, chunk requests, merge.

    Parameters
    ----------
    audio
        Any audio input; file objects, arrays and Speech are read once, here.
    model
        The resolved model name.
    params
        The other request parameters (as for ``transcription_request``).
    endpoint
        ``"local"`` or the server's base URL: part of the cache key.
    split, chunk_seconds, carry_prompt, concurrency, cache, cache_dir, stream
        As documented on :meth:`audiokit.Client.transcribe`.
    """

    def __init__(
        self,
        audio: Any,
        *,
        model: str,
        params: Mapping[str, Any],
        endpoint: str,
        split: bool | str = "auto",
        chunk_seconds: float | None = None,
        carry_prompt: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        cache: Any = None,
        cache_dir: str | os.PathLike[str] | None = None,
        stream: bool = False,
    ) -> None:
        check_job_options(
            split=split, chunk_seconds=chunk_seconds, carry_prompt=carry_prompt,
            concurrency=concurrency,
        )  # fmt: skip
        self.split = split
        self.concurrency = concurrency
        self._whole: str | None = None
        self._known_miss = False  # cached() already looked and found nothing
        self.seconds: float | None = None  # the audio's length, when it was probed
        self.model = model
        self.params = dict(params)
        self.endpoint = endpoint
        self.chunk_seconds = float(chunk_seconds) if chunk_seconds else None
        self.carry_prompt = carry_prompt
        self.cache: TranscriptCache | None = None if stream else resolve_cache(cache, cache_dir)
        if stream and split is True:
            raise UnsupportedError(
                "split", split, "split=False or 'auto' with stream=True", reason="a stream of "
                "a split recording is not supported; stream=False transcribes chunks concurrently"
            )  # fmt: skip
        if carry_prompt and not transcription_capabilities(model).prompt:
            raise UnsupportedError(
                "carry_prompt", True, "a model that takes a prompt", reason=f"{model} has none"
            )
        self.audio = self._replayable(audio)
        self.plan = None if (stream or split is False) else self._plan()
        if self.plan is not None:
            check_transcription_params(model, self.params)

    # -- deciding -----------------------------------------------------------------------------

    def _replayable(self, audio: Any) -> Any:
        """The input in a form that can be read more than once (paths stay paths)."""
        if isinstance(audio, (str, os.PathLike, AudioFile, bytes)):
            return audio
        if self.split is False and self.cache is None:
            return audio  # the plain path: nothing here reads it
        return to_audio_file(
            audio,
            sample_rate=self.params.get("sample_rate"),
            filename=self.params.get("filename"),
            max_bytes=None,
        )

    def _upload(self, audio: Any) -> AudioFile | None:
        """The AudioFile the request would make of ``audio`` (``None`` if it is not audio: the
        request then reports that, after checking the parameters)."""
        try:
            return to_audio_file(
                audio,
                sample_rate=self.params.get("sample_rate"),
                filename=self.params.get("filename"),
                max_bytes=None,
            )
        except (ValueError, OSError):  # AudioError and InvalidTypeError are ValueErrors
            return None

    def _plan(self) -> _Plan | None:
        audio = self.audio
        if isinstance(audio, (str, os.PathLike)):
            path = Path(audio).expanduser()
            if not path.is_file():
                return None  # the request itself reports the missing file
            source: str | bytes | AudioFile = str(path)
            size, name = path.stat().st_size, path.name
            if size <= MAX_UPLOAD_BYTES:  # the request would read it whole: read it once, here
                source = self._upload(audio) or source
        else:
            is_file = isinstance(audio, AudioFile)
            name = audio.filename if is_file else "audio"
            source = self._upload(audio) or (audio.data if is_file else bytes(audio))
            size = len(source.data if isinstance(source, AudioFile) else source)
        if isinstance(source, AudioFile):
            # The request gets this very AudioFile: its info comes from the scan that the
            # silence check before the upload then reuses (one open of the file in all).
            self.audio = source
        cap = model_max_seconds(self.model)
        max_seconds = cap - DURATION_MARGIN_SECONDS if cap else None
        target = self.chunk_seconds or DEFAULT_CHUNK_SECONDS
        if max_seconds:
            target = min(target, max_seconds)
        try:
            info = source.info if isinstance(source, AudioFile) else probe(source)
            total = self.seconds = info.duration
        except (ValueError, OSError, RuntimeError):
            return None  # not audio we can read: the request reports it properly
        if isinstance(source, AudioFile):
            source = source.data
        too_big = size > MAX_UPLOAD_BYTES
        too_long = total is not None and max_seconds is not None and total > max_seconds
        if self.split == "auto" and not (too_big or too_long):
            return None
        if self.split is True and not too_big and total is not None and total <= target:
            return None
        return _Plan(source, name, target, max_seconds, total)

    def _chunks(self) -> Iterator[AudioChunk]:
        plan = self.plan
        assert plan is not None
        return split_audio(
            plan.source,
            chunk_seconds=plan.chunk_seconds,
            max_seconds=plan.max_seconds,
            total_seconds=plan.total_seconds,
            name=plan.name,
        )

    def _chunk_params(self, previous: Transcript | None) -> dict[str, Any]:
        params = {k: v for k, v in self.params.items() if k not in ("sample_rate", "filename")}
        if self.carry_prompt and previous is not None and previous.text.strip():
            from ..text import WHISPER_PROMPT_TOKENS, count_prompt_tokens
            from ..text import previous_text_prompt as tail_of

            own = params.get("prompt") or ""
            used = own
            if params.get("vocabulary"):  # the request puts the vocabulary list first
                from ..text import vocabulary_prompt

                used = vocabulary_prompt(params["vocabulary"], prompt=own)
            budget = max(
                MIN_CARRIED_PROMPT_TOKENS,
                WHISPER_PROMPT_TOKENS - (count_prompt_tokens(used) + 1 if used else 0),
            )
            tail = tail_of(previous.text, max_tokens=budget)
            params["prompt"] = f"{own} {tail}" if own else tail
        return params

    # -- caching ------------------------------------------------------------------------------

    def _key(self, audio: Any, params: Mapping[str, Any], *, whole: bool) -> str | None:
        if self.cache is None:
            return None
        keyed = {**params, "model": self.model}
        if whole and self.plan is not None:
            keyed["split"] = {"chunk_seconds": self.plan.chunk_seconds, "carry": self.carry_prompt}
        return self.cache.key(
            audio=audio_digest(audio), task="transcribe", endpoint=self.endpoint, params=keyed
        )

    def _whole_key(self) -> str | None:
        if self._whole is None:
            self._whole = self._key(self.audio, self.params, whole=self.plan is not None) or ""
        return self._whole or None

    def cached(self) -> Transcript | None:
        """The stored answer for the whole input, if the cache has one (reads the audio once
        to hash it; blocking)."""
        if self._known_miss:
            return None
        hit = self._lookup(self._whole_key())
        self._known_miss = hit is None
        return hit

    def _lookup(self, key: str | None) -> Transcript | None:
        return self.cache.get(key) if (self.cache is not None and key) else None

    def _store(self, key: str | None, transcript: Transcript) -> None:
        if self.cache is not None and key:
            self.cache.store(key, transcript)  # a failed write warns, never raises

    # -- merging ------------------------------------------------------------------------------

    def _merge(self, parts: list[tuple[AudioChunk, Transcript]]) -> Transcript:
        if not parts:
            from ..core import AudioError

            raise AudioError(
                "file", self.plan.name if self.plan else "audio", "audio with sound in it",
                reason="every chunk of the recording is silent",
            )  # fmt: skip
        parts.sort(key=lambda pair: pair[0].index)
        # the first chunk sent never carries a previous text: its parameters are what one
        # request for the whole would have recorded
        params = dict(parts[0][1].params)
        params["chunks"] = [[round(c.start, 3), round(c.end, 3)] for c, _ in parts]
        total = self.plan.total_seconds if self.plan else None
        return merge_transcripts(
            [(chunk.start, t) for chunk, t in parts],
            duration=total or parts[-1][0].end,
            params=params,
        )

    @staticmethod
    def _annotate(exc: BaseException, chunk: AudioChunk) -> None:
        if hasattr(exc, "add_note"):
            exc.add_note(
                f"while transcribing chunk {chunk.index} ({chunk.start:.1f}-{chunk.end:.1f} s)"
            )

    # -- running (blocking) -------------------------------------------------------------------

    def _send_sync(self, send: Callable[..., Transcript], audio: Any, params: dict) -> Transcript:
        key = self._key(audio, params, whole=False)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        transcript = send(audio, params)
        self._store(key, transcript)
        return transcript

    def run_sync(self, send: Callable[[Any, dict[str, Any]], Transcript]) -> Transcript:
        """Run with a blocking ``send(audio, params) -> Transcript`` (one request, no split)."""
        hit = self.cached()
        if hit is not None:
            return hit
        if self.plan is None:
            transcript = send(self.audio, self.params)
            self._store(self._whole_key(), transcript)
            return transcript
        parts: list[tuple[AudioChunk, Transcript]] = []
        if self.carry_prompt or self.concurrency == 1:
            previous = None
            for chunk in self._chunks():
                try:
                    previous = self._send_sync(send, chunk.file, self._chunk_params(previous))
                except Exception as exc:
                    self._annotate(exc, chunk)
                    raise
                parts.append((chunk, previous))
        else:
            self._run_threads(send, parts)
        merged = self._merge(parts)
        self._store(self._whole_key(), merged)
        return merged

    def _run_threads(self, send: Callable[..., Transcript], parts: list) -> None:
        params = self._chunk_params(None)
        pending: dict[concurrent.futures.Future[Transcript], AudioChunk] = {}

        def collect(done: set[concurrent.futures.Future[Transcript]]) -> None:
            for future in done:
                chunk = pending.pop(future)
                try:
                    parts.append((chunk, future.result()))
                except Exception as exc:
                    self._annotate(exc, chunk)
                    raise

        pool = concurrent.futures.ThreadPoolExecutor(self.concurrency, "audiokit-chunk")
        try:
            for chunk in self._chunks():
                while len(pending) >= self.concurrency:
                    done, _ = concurrent.futures.wait(
                        pending, return_when=concurrent.futures.FIRST_COMPLETED
                    )
                    collect(done)
                pending[pool.submit(self._send_sync, send, chunk.file, params)] = chunk
            while pending:
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_EXCEPTION
                )
                collect(done)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- running (asyncio) --------------------------------------------------------------------

    async def _send_async(
        self, send: Callable[..., Awaitable[Transcript]], audio: Any, params: dict
    ) -> Transcript:
        key = await asyncio.to_thread(self._key, audio, params, whole=False)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        transcript = await send(audio, params)
        self._store(key, transcript)
        return transcript

    async def run_async(
        self, send: Callable[[Any, dict[str, Any]], Awaitable[Transcript]]
    ) -> Transcript:
        """Run with a coroutine ``send(audio, params) -> Transcript``; decoding, encoding and
        hashing happen in worker threads so the event loop keeps running."""
        hit = None if self._known_miss else await asyncio.to_thread(self.cached)
        if hit is not None:
            return hit
        if self.plan is None:
            transcript = await send(self.audio, self.params)
            self._store(self._whole_key(), transcript)
            return transcript
        parts: list[tuple[AudioChunk, Transcript]] = []
        chunks = self._chunks()
        done_marker = object()
        pending: dict[asyncio.Task[Transcript], AudioChunk] = {}

        def collect(done: set[asyncio.Task[Transcript]]) -> None:
            for task in done:
                chunk = pending.pop(task)
                try:
                    parts.append((chunk, task.result()))
                except Exception as exc:
                    self._annotate(exc, chunk)
                    raise

        sequential = self.carry_prompt or self.concurrency == 1
        previous: Transcript | None = None
        try:
            while True:
                chunk = await asyncio.to_thread(next, chunks, done_marker)
                if chunk is done_marker:
                    break
                if sequential:
                    try:
                        previous = await self._send_async(
                            send, chunk.file, self._chunk_params(previous)
                        )
                    except Exception as exc:
                        self._annotate(exc, chunk)
                        raise
                    parts.append((chunk, previous))
                    continue
                while len(pending) >= self.concurrency:
                    done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    collect(done)
                task = asyncio.create_task(
                    self._send_async(send, chunk.file, self._chunk_params(None))
                )
                pending[task] = chunk
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                collect(done)
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        merged = self._merge(parts)
        self._store(self._whole_key(), merged)
        return merged
