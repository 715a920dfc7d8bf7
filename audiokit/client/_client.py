"""The clients: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio).

Both take their ``transcribe``/``translate``/``speak`` signatures and docstrings from
:class:`_AudioMethods` (``_audio_methods.py``) and implement its I/O hooks, and both share
:class:`_ClientBase`: argument defaults, request building (``wire``) and result parsing. Only the
I/O differs (``SyncHTTP`` vs ``AsyncHTTP``). The backend is chosen once: the OpenAI API (or any
compatible server at ``base_url``), or the offline engine in-process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx

from ..audio import AudioInput
from ..core import (
    ENGINE_HEADER,
    WORD_PROBABILITIES_HEADER,
    Settings,
    defaults,
    resolve_settings,
)
from ..jobs import AsyncSpeechPieces, SpeechJob, SpeechPieces, TranscriptionJob
from ..results import (
    AsyncSpeechStream,
    AsyncTranscriptStream,
    Speech,
    SpeechStream,
    Transcript,
    TranscriptStream,
)
from ..wire import (
    APIRequest,
    AsyncHTTP,
    SyncHTTP,
    speech_request,
    transcription_request,
    translation_request,
)
from ._audio_methods import _AudioMethods

if TYPE_CHECKING:
    from ._voices import AsyncVoiceConsents, AsyncVoices, VoiceConsents, Voices

__all__ = ["AsyncClient", "Client"]


class _ClientBase:
    """What the two clients share: settings, request building and result parsing (no I/O)."""

    settings: Settings

    def _configure(
        self,
        api_key: str | None,
        base_url: str | None,
        organization: str | None,
        project: str | None,
        backend: str | None,
        timeout: float | None,
        max_retries: int | None,
    ) -> None:
        self.settings = resolve_settings(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            backend=backend,
            timeout=timeout,
            max_retries=max_retries,
        )

    @property
    def backend(self) -> str:
        """``"api"`` (HTTP to ``base_url``) or ``"local"`` (the offline engine in-process)."""
        return self.settings.backend

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def __repr__(self) -> str:
        where = self.base_url if self.backend == "api" else "offline engine"
        return f"{type(self).__name__}(backend={self.backend!r}, {where})"

    # -- for the layers built on the client (batch, correction) ------------------------------

    @property
    def http(self) -> Any:
        """The HTTP layer (``SyncHTTP`` / ``AsyncHTTP``): retries, error mapping, the key.

        ``client.http.request(api_request)`` sends a checked request (correction's chat call);
        ``client.http.client`` is the httpx client (a batch hooks its shared rate limit there).
        """
        return self._http

    def _local_transport(self) -> Any:
        from ..local import local_transport

        return local_transport()

    def _transcription(
        self, audio: AudioInput, model: str | None, kwargs: dict[str, Any]
    ) -> APIRequest:
        return transcription_request(audio, model=model or defaults.transcription_model, **kwargs)

    def transcription_job(
        self, audio: AudioInput, model: str | None, params: dict[str, Any], **options: Any
    ) -> TranscriptionJob:
        """Cache lookup and long-audio splitting around the one-request path (``audiokit.jobs``);
        a batch builds one job per file with it."""
        return TranscriptionJob(
            audio,
            model=model or defaults.transcription_model,
            params=params,
            endpoint="local" if self.backend == "local" else self.base_url,
            **options,
        )

    def _translation(
        self, audio: AudioInput, model: str | None, kwargs: dict[str, Any]
    ) -> APIRequest:
        return translation_request(audio, model=model or defaults.translation_model, **kwargs)

    def _speech(
        self, text: str, model: str | None, voice: Any, kwargs: dict[str, Any]
    ) -> APIRequest:
        return speech_request(
            text, model=model or defaults.speech_model, voice=voice or defaults.voice, **kwargs
        )

    def _speech_job(
        self,
        text: str,
        model: str | None,
        voice: str | Mapping[str, str] | None,
        params: dict[str, Any],
        split: bool | str,
    ) -> SpeechJob:
        """Text too long for one request becomes pieces (jobs/); the options are checked on the
        first piece, so a mistake raises before any request goes out."""
        job = SpeechJob(
            text,
            split=split,
            response_format=params["response_format"],
            stream_format=params["stream_format"],
        )
        if job.pieces is not None:
            first = self._piece_params(params, params["response_format"])
            self._speech(job.pieces[0], model, voice, first)
        return job

    @staticmethod
    def _piece_params(params: dict[str, Any], fmt: str) -> dict[str, Any]:
        """One piece of long text is a plain request (not streamed) in ``fmt``."""
        return {**params, "response_format": fmt, "stream_format": None}

    @staticmethod
    def _transcript(
        request: APIRequest, body: Any, task: str, headers: Mapping[str, str]
    ) -> Transcript:
        transcript = Transcript.from_response(
            body,
            request.response_format or "json",
            model=request.params.get("model"),
            task=task,
            params=request.params,
            engine=headers.get(ENGINE_HEADER),  # the offline engine says what really ran
        )
        return _with_word_probabilities(transcript, headers.get(WORD_PROBABILITIES_HEADER))

    @staticmethod
    def _speech_result(request: APIRequest, body: bytes, headers: Mapping[str, str]) -> Speech:
        fmt = request.response_format or "mp3"
        return Speech(
            body, format=fmt, params=dict(request.params), engine=headers.get(ENGINE_HEADER)
        )


def _with_word_probabilities(transcript: Transcript, header: str | None) -> Transcript:
    """Whisper's word probabilities, which the offline engine hands over in-process (the
    verbose_json words of the API carry none): they become ``Word.probability``, the
    confidence ``t.words``, ``t.highlight()`` and the player fall back to without logprobs."""
    words = transcript.word_list
    try:
        probabilities = [float(p) for p in header.split(",")] if header else []
    except ValueError:
        return transcript
    if not words or len(probabilities) != len(words):
        return transcript
    new = tuple(replace(w, probability=p) for w, p in zip(words, probabilities, strict=True))
    return replace(transcript, word_list=new)


class Client(
    _ClientBase, _AudioMethods[Transcript, TranscriptStream, Speech, SpeechStream | SpeechPieces]
):
    """A client for the OpenAI audio endpoints, or the offline engine.

    Parameters
    ----------
    api_key, base_url, organization, project
        Default to ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT``.
    backend : {"api", "local"}, optional
        Default: ``"api"`` when a key or base URL is set, else the offline engine.
    timeout : float
        Seconds for each HTTP request attempt in total — connect, upload and every read of the
        answer (default 600); a server dripping its answer raises ``APITimeoutError``.
    max_retries : int
        Retries on 408/409/429/5xx and connection errors, with exponential backoff that honours
        ``Retry-After`` (default 2).
    transport, http_client
        An httpx transport or client to use instead of the default (tests, proxies).

    Examples
    --------
    >>> client = audiokit.Client()                                      # doctest: +SKIP
    >>> speech = client.speak("Hello from audiokit.")                   # doctest: +SKIP
    >>> client.transcribe(speech, logprobs=True).tokens                  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        backend: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._configure(api_key, base_url, organization, project, backend, timeout, max_retries)
        if transport is None and http_client is None and self.backend == "local":
            transport = self._local_transport()
        self._http = SyncHTTP(self.settings, transport=transport, http_client=http_client)

    # -- the I/O hooks of _AudioMethods (the signatures and docs live there) -------------------

    def _transcribe(
        self,
        audio: AudioInput,
        model: str | None,
        params: dict[str, Any],
        options: dict[str, Any],
    ) -> Transcript | TranscriptStream:
        job = self.transcription_job(audio, model, params, stream=params["stream"], **options)
        if params["stream"]:
            request = self._transcription(job.audio, model, params)
            if not request.stream:  # whisper-1 ignores stream=True: the answer comes whole
                seen: dict[str, str] = {}
                body = self._http.request(request, headers=seen)
                whole = self._transcript(request, body, "transcribe", seen)
                return TranscriptStream.of_transcript(whole, request)
            seen = {}
            items, close = self._http.stream(request, headers=seen)
            return TranscriptStream(items, request, close, engine=seen.get(ENGINE_HEADER))
        return job.run_sync(
            lambda part, part_params: self.send_transcription(part, model, part_params)
        )

    def send_transcription(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        """One transcription request: no splitting, no cache (what a batch sends per file)."""
        request = self._transcription(audio, model, params)
        seen: dict[str, str] = {}
        return self._transcript(
            request, self._http.request(request, headers=seen), "transcribe", seen
        )

    def _translate(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        request = self._translation(audio, model, params)
        seen: dict[str, str] = {}
        return self._transcript(
            request, self._http.request(request, headers=seen), "translate", seen
        )

    def _speak(
        self,
        text: str,
        model: str | None,
        voice: str | Mapping[str, str] | None,
        params: dict[str, Any],
        stream: bool,
        split: bool | str,
    ) -> Speech | SpeechStream | SpeechPieces:
        job = self._speech_job(text, model, voice, params, split)
        if job.pieces is not None:

            def send(piece: str, fmt: str) -> Speech:
                request = self._speech(piece, model, voice, self._piece_params(params, fmt))
                seen: dict[str, str] = {}
                return self._speech_result(request, self._http.request(request, headers=seen), seen)

            return SpeechPieces(job, send) if stream else job.run_sync(send)
        request = self._speech(text, model, voice, params)
        if stream or request.stream:
            heard: dict[str, str] = {}
            items, close = self._http.stream(request, headers=heard)
            speech_stream = SpeechStream(
                items, request, sse=request.stream, close=close, engine=heard.get(ENGINE_HEADER)
            )
            return speech_stream if stream else speech_stream.until_done()
        seen: dict[str, str] = {}
        return self._speech_result(request, self._http.request(request, headers=seen), seen)

    @cached_property
    def voices(self) -> Voices:
        """Custom voices: ``client.voices.create(name=, audio_sample=, consent=)``."""
        from ._voices import Voices

        return Voices(self._http)

    @cached_property
    def voice_consents(self) -> VoiceConsents:
        """Consent recordings for custom voices: create, list, retrieve, update, delete."""
        from ._voices import VoiceConsents

        return VoiceConsents(self._http)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(
    _ClientBase,
    _AudioMethods[
        Awaitable[Transcript],
        Awaitable[AsyncTranscriptStream],
        Awaitable[Speech],
        Awaitable[AsyncSpeechStream | AsyncSpeechPieces],
    ],
):
    """The asyncio twin of :class:`Client`: the same methods and options, returning awaitables.

    ``await client.transcribe(...)``, ``await client.speak(...)``; streams are iterated with
    ``async for``. Close with ``await client.aclose()`` or ``async with``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        backend: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._configure(api_key, base_url, organization, project, backend, timeout, max_retries)
        if transport is None and http_client is None and self.backend == "local":
            transport = self._local_transport()
        self._http = AsyncHTTP(self.settings, transport=transport, http_client=http_client)

    # -- the I/O hooks of _AudioMethods, as coroutines ------------------------------------------

    async def _transcribe(
        self,
        audio: AudioInput,
        model: str | None,
        params: dict[str, Any],
        options: dict[str, Any],
    ) -> Transcript | AsyncTranscriptStream:
        job = self.transcription_job(audio, model, params, stream=params["stream"], **options)
        if params["stream"]:
            request = self._transcription(job.audio, model, params)
            if not request.stream:  # whisper-1 ignores stream=True: the answer comes whole
                seen: dict[str, str] = {}
                body = await self._http.request(request, headers=seen)
                whole = self._transcript(request, body, "transcribe", seen)
                return AsyncTranscriptStream.of_transcript(whole, request)
            seen = {}
            items, close = await self._http.stream(request, headers=seen)
            return AsyncTranscriptStream(items, request, close, engine=seen.get(ENGINE_HEADER))
        return await job.run_async(
            lambda part, part_params: self.send_transcription(part, model, part_params)
        )

    async def send_transcription(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        """See :meth:`Client.send_transcription`."""
        request = self._transcription(audio, model, params)
        seen: dict[str, str] = {}
        body = await self._http.request(request, headers=seen)
        return self._transcript(request, body, "transcribe", seen)

    async def _translate(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        request = self._translation(audio, model, params)
        seen: dict[str, str] = {}
        body = await self._http.request(request, headers=seen)
        return self._transcript(request, body, "translate", seen)

    async def _speak(
        self,
        text: str,
        model: str | None,
        voice: str | Mapping[str, str] | None,
        params: dict[str, Any],
        stream: bool,
        split: bool | str,
    ) -> Speech | AsyncSpeechStream | AsyncSpeechPieces:
        job = self._speech_job(text, model, voice, params, split)
        if job.pieces is not None:

            async def send(piece: str, fmt: str) -> Speech:
                request = self._speech(piece, model, voice, self._piece_params(params, fmt))
                seen: dict[str, str] = {}
                body = await self._http.request(request, headers=seen)
                return self._speech_result(request, body, seen)

            return AsyncSpeechPieces(job, send) if stream else await job.run_async(send)
        request = self._speech(text, model, voice, params)
        if stream or request.stream:
            heard: dict[str, str] = {}
            items, close = await self._http.stream(request, headers=heard)
            speech_stream = AsyncSpeechStream(
                items, request, sse=request.stream, close=close, engine=heard.get(ENGINE_HEADER)
            )
            return speech_stream if stream else await speech_stream.until_done()
        seen: dict[str, str] = {}
        body = await self._http.request(request, headers=seen)
        return self._speech_result(request, body, seen)

    @cached_property
    def voices(self) -> AsyncVoices:
        """See :attr:`Client.voices`."""
        from ._voices import AsyncVoices

        return AsyncVoices(self._http)

    @cached_property
    def voice_consents(self) -> AsyncVoiceConsents:
        """See :attr:`Client.voice_consents`."""
        from ._voices import AsyncVoiceConsents

        return AsyncVoiceConsents(self._http)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
