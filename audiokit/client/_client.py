"""The clients: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio).

Both share :class:`_ClientBase`: argument defaults, request building (``_requests.py``) and result
parsing. Only the I/O differs (``SyncHTTP`` vs ``AsyncHTTP``). The backend is chosen once: the
OpenAI API (or any compatible server at ``base_url``), or the offline engine in-process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import httpx

from ..audio import AudioInput
from ..core import Settings, defaults, resolve_settings
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

if TYPE_CHECKING:
    from ._voices import AsyncVoiceConsents, AsyncVoices, VoiceConsents, Voices

__all__ = ["AsyncClient", "Client"]

# transcribe() options handled around the request by TranscriptionJob (_longaudio.py)
_JOB_OPTIONS = ("split", "chunk_seconds", "carry_prompt", "concurrency", "cache")


class _ClientBase:
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

    def _local_transport(self) -> Any:
        from ..local import local_transport

        return local_transport()

    def _transcription(
        self, audio: AudioInput, model: str | None, kwargs: dict[str, Any]
    ) -> APIRequest:
        return transcription_request(audio, model=model or defaults.transcription_model, **kwargs)

    def _transcription_job(
        self, audio: AudioInput, model: str | None, params: dict[str, Any], **options: Any
    ) -> TranscriptionJob:
        """Cache lookup and long-audio splitting around the one-request path (_longaudio.py)."""
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

    @staticmethod
    def _transcript(request: APIRequest, body: Any, task: str) -> Transcript:
        return Transcript.from_response(
            body,
            request.response_format or "json",
            model=request.params.get("model"),
            task=task,
            params=request.params,
        )

    @staticmethod
    def _speech_result(request: APIRequest, body: bytes) -> Speech:
        return Speech(body, format=request.response_format or "mp3", params=dict(request.params))


class Client(_ClientBase):
    """A client for the OpenAI audio endpoints, or the offline engine.

    Parameters
    ----------
    api_key, base_url, organization, project
        Default to ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT``.
    backend : {"api", "local"}, optional
        Default: ``"api"`` when a key or base URL is set, else the offline engine.
    timeout : float
        Seconds for each HTTP request (default 600).
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

    @overload
    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str | None = ...,
        stream: Literal[False] = ...,
        **params: Any,
    ) -> Transcript: ...
    @overload
    def transcribe(
        self, audio: AudioInput, *, model: str | None = ..., stream: Literal[True], **params: Any
    ) -> TranscriptStream: ...

    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: str = "json",
        temperature: float | None = None,
        timestamp_granularities: Sequence[str] | None = None,
        include: Sequence[str] | None = None,
        logprobs: bool = False,
        chunking_strategy: str | Mapping[str, Any] | None = None,
        known_speaker_names: Sequence[str] | None = None,
        known_speaker_references: Sequence[Any] | None = None,
        languages: Sequence[str] | None = None,
        keywords: Sequence[str] | None = None,
        stream: bool = False,
        sample_rate: int | None = None,
        filename: str | None = None,
        split: bool | str = "auto",
        chunk_seconds: float | None = None,
        carry_prompt: bool = False,
        concurrency: int = 4,
        cache: Any = None,
        vocabulary: Sequence[str] | None = None,
    ) -> Transcript | TranscriptStream:
        """Transcribe audio (``POST /audio/transcriptions``).

        Parameters
        ----------
        audio
            A path, bytes, a binary file object, ``(array, sample_rate)`` or a Speech.
        model
            Default ``gpt-4o-mini-transcribe`` (see ``audiokit.capabilities``).
        language
            ISO-639-1 code or English name (``"de"`` or ``"German"``).
        prompt, temperature, response_format, timestamp_granularities, include,
        chunking_strategy, known_speaker_names, known_speaker_references, languages, keywords
            As in the API reference; checked against the model before sending.
        logprobs
            Shortcut for ``include=["logprobs"]``.
        stream
            Return a :class:`TranscriptStream` of events instead of waiting.
        split : {"auto", True, False}
            Long audio. ``"auto"`` (default): audio over the 25 MB upload limit, or longer than
            the model accepts (1400 s for the gpt-4o models), is cut at pauses into chunks that
            are transcribed separately and merged (times shifted, usage summed); anything else
            is sent as is. ``True``: also split audio longer than ``chunk_seconds``. ``False``:
            never split (too-large audio raises :class:`AudioError`).
        chunk_seconds
            Target chunk length when splitting (default 600 s).
        carry_prompt
            Prompt each chunk with the end of the previous chunk's transcript, as the reference
            advises for split audio. Chunks then run one after another; by default (``False``)
            they run concurrently.
        concurrency
            Chunks transcribed at once (default 4).
        cache
            ``True``, a directory or an :class:`audiokit.TranscriptCache`: reuse a stored answer
            for the same audio content, model and parameters, and store new answers (chunks
            too, so an interrupted long transcription resumes). Off by default.
        vocabulary
            Correct spellings (product names, acronyms) sent at the start of the prompt, as
            the reference's "Improving reliability" advises: ``["ZyntriQix", "Digique Plus"]``
            becomes ``"ZyntriQix, Digique Plus."``, followed by ``prompt`` if given. Warns when
            the prompt is longer than the 224 tokens whisper-1 reads. Recorded in
            ``transcript.params["vocabulary"]``, where :func:`audiokit.correct` finds it.

        Returns
        -------
        Transcript or TranscriptStream
        """
        params = dict(
            language=language,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
            include=include,
            logprobs=logprobs,
            chunking_strategy=chunking_strategy,
            known_speaker_names=known_speaker_names,
            known_speaker_references=known_speaker_references,
            languages=languages,
            keywords=keywords,
            stream=stream,
            sample_rate=sample_rate,
            filename=filename,
        )
        if vocabulary is not None:
            params["vocabulary"] = vocabulary
        job = self._transcription_job(
            audio,
            model,
            params,
            split=split,
            chunk_seconds=chunk_seconds,
            carry_prompt=carry_prompt,
            concurrency=concurrency,
            cache=cache,
            stream=stream,
        )
        if stream:
            request = self._transcription(job.audio, model, params)
            items, close = self._http.stream(request)
            return TranscriptStream(items, request, close)
        return job.run_sync(
            lambda part, part_params: self._send_transcription(part, model, part_params)
        )

    def _send_transcription(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        request = self._transcription(audio, model, params)
        return self._transcript(request, self._http.request(request), "transcribe")

    def translate(
        self,
        audio: AudioInput,
        *,
        model: str | None = None,
        prompt: str | None = None,
        response_format: str = "json",
        temperature: float | None = None,
        sample_rate: int | None = None,
        filename: str | None = None,
    ) -> Transcript:
        """Translate speech into English text (``POST /audio/translations``, whisper-1)."""
        request = self._translation(
            audio,
            model,
            dict(
                prompt=prompt,
                response_format=response_format,
                temperature=temperature,
                sample_rate=sample_rate,
                filename=filename,
            ),
        )
        return self._transcript(request, self._http.request(request), "translate")

    @overload
    def speak(self, text: str, *, stream: Literal[False] = ..., **params: Any) -> Speech: ...
    @overload
    def speak(self, text: str, *, stream: Literal[True], **params: Any) -> SpeechStream: ...

    def speak(
        self,
        text: str,
        *,
        model: str | None = None,
        voice: str | Mapping[str, str] | None = None,
        instructions: str | None = None,
        response_format: str = "mp3",
        speed: float | None = None,
        stream_format: str | None = None,
        stream: bool = False,
        split: bool | str = "auto",
    ) -> Speech | SpeechStream | SpeechPieces:
        """Turn text into speech (``POST /audio/speech``).

        Parameters
        ----------
        text
            Up to 4096 characters.
        model
            Default ``gpt-4o-mini-tts``.
        voice
            A built-in voice (``audiokit.VOICES``) or a custom voice id (``"voice_…"``).
        instructions, response_format, speed, stream_format
            As in the API reference; checked against the model before sending.
        stream
            Return a :class:`SpeechStream` yielding audio chunks as they arrive.
        split : {"auto", True, False}
            Text over 4096 characters. ``"auto"`` or ``True`` (default): it is cut at sentence
            boundaries (long sentences at clauses, then between words), the pieces are
            synthesised concurrently and joined with a short pause into one file of
            ``response_format``, encoded once; with ``stream=True`` a :class:`SpeechPieces`
            yields each piece's audio (a complete file) as it is ready. Text that fits one
            request is sent as is. ``False``: long text raises :class:`ValidationError`.
        """
        job = SpeechJob(
            text, split=split, response_format=response_format, stream_format=stream_format
        )
        if job.pieces is not None:
            options = dict(instructions=instructions, speed=speed)
            self._speech(
                job.pieces[0], model, voice, {**options, "response_format": response_format}
            )

            def send(piece: str, fmt: str) -> Speech:
                return self.speak(
                    piece, model=model, voice=voice, response_format=fmt, split=False, **options
                )

            return SpeechPieces(job, send) if stream else job.run_sync(send)
        request = self._speech(
            text,
            model,
            voice,
            dict(
                instructions=instructions,
                response_format=response_format,
                speed=speed,
                stream_format=stream_format,
            ),
        )
        if stream or request.stream:
            items, close = self._http.stream(request)
            speech_stream = SpeechStream(items, request, sse=request.stream, close=close)
            return speech_stream if stream else speech_stream.until_done()
        return self._speech_result(request, self._http.request(request))

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


class AsyncClient(_ClientBase):
    """The asyncio twin of :class:`Client`: the same methods, as coroutines."""

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

    async def transcribe(
        self, audio: AudioInput, *, model: str | None = None, stream: bool = False, **params: Any
    ) -> Transcript | AsyncTranscriptStream:
        """See :meth:`Client.transcribe`."""
        options = {k: params.pop(k) for k in _JOB_OPTIONS if k in params}
        params["stream"] = stream
        job = self._transcription_job(audio, model, params, stream=stream, **options)
        if stream:
            request = self._transcription(job.audio, model, params)
            items, close = await self._http.stream(request)
            return AsyncTranscriptStream(items, request, close)
        return await job.run_async(
            lambda part, part_params: self._send_transcription(part, model, part_params)
        )

    async def _send_transcription(
        self, audio: AudioInput, model: str | None, params: dict[str, Any]
    ) -> Transcript:
        request = self._transcription(audio, model, params)
        return self._transcript(request, await self._http.request(request), "transcribe")

    async def translate(
        self, audio: AudioInput, *, model: str | None = None, **params: Any
    ) -> Transcript:
        """See :meth:`Client.translate`."""
        request = self._translation(audio, model, params)
        return self._transcript(request, await self._http.request(request), "translate")

    async def speak(
        self,
        text: str,
        *,
        model: str | None = None,
        voice: str | Mapping[str, str] | None = None,
        stream: bool = False,
        split: bool | str = "auto",
        **params: Any,
    ) -> Speech | AsyncSpeechStream | AsyncSpeechPieces:
        """See :meth:`Client.speak`."""
        job = SpeechJob(
            text,
            split=split,
            response_format=params.get("response_format", "mp3"),
            stream_format=params.get("stream_format"),
        )
        if job.pieces is not None:
            options = {
                k: v for k, v in params.items() if k not in ("response_format", "stream_format")
            }
            self._speech(job.pieces[0], model, voice, params)

            async def send(piece: str, fmt: str) -> Speech:
                return await self.speak(  # type: ignore[return-value]
                    piece, model=model, voice=voice, response_format=fmt, split=False, **options
                )

            return AsyncSpeechPieces(job, send) if stream else await job.run_async(send)
        request = self._speech(text, model, voice, params)
        if stream or request.stream:
            items, close = await self._http.stream(request)
            speech_stream = AsyncSpeechStream(items, request, sse=request.stream, close=close)
            return speech_stream if stream else await speech_stream.until_done()
        return self._speech_result(request, await self._http.request(request))

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
