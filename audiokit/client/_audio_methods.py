"""The one signature of ``transcribe``, ``translate`` and ``speak``, shared by every caller.

:class:`_AudioMethods` spells out every keyword (type, default, the ``@overload`` on ``stream``)
and the docstrings once. Its methods only gather the arguments and hand them to an I/O hook
(``_transcribe``, ``_translate``, ``_speak``) that a subclass implements:

- :class:`~audiokit.Client` (``_client.py``) with blocking HTTP: results come back directly;
- :class:`~audiokit.AsyncClient` (``_client.py``) with ``async def`` hooks: the same methods
  return awaitables (``await client.transcribe(...)``);
- the module shortcuts ``audiokit.transcribe`` etc. (``_defaults.py``), whose hooks call the
  default client's.

So ``help()``, ``inspect.signature`` and type checkers show the same options everywhere, and a
new option is added in one place. The type parameters say what each caller's methods return.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar, overload

from ..audio import AudioInput

__all__: list[str] = []  # private to client/: Client, AsyncClient and the shortcuts build on it

TranscriptT = TypeVar("TranscriptT")  # transcribe(stream=False) and translate()
TranscriptStreamT = TypeVar("TranscriptStreamT")  # transcribe(stream=True)
SpeechT = TypeVar("SpeechT")  # speak(stream=False)
SpeechStreamT = TypeVar("SpeechStreamT")  # speak(stream=True)


class _AudioMethods(ABC, Generic[TranscriptT, TranscriptStreamT, SpeechT, SpeechStreamT]):
    """``transcribe``, ``translate`` and ``speak``; subclasses supply the I/O hooks."""

    # -- the I/O hooks (Any: the asyncio client's return coroutines) --------------------------

    @abstractmethod
    def _transcribe(
        self,
        audio: AudioInput,
        model: str | None,
        params: dict[str, Any],
        options: dict[str, Any],
    ) -> Any:
        """Run one ``transcribe`` call: ``params`` go to the request (``params["stream"]`` says
        whether to stream), ``options`` to :class:`~audiokit.jobs.TranscriptionJob`."""

    @abstractmethod
    def _translate(self, audio: AudioInput, model: str | None, params: dict[str, Any]) -> Any:
        """Run one ``translate`` call with the request ``params``."""

    @abstractmethod
    def _speak(
        self,
        text: str,
        model: str | None,
        voice: str | Mapping[str, str] | None,
        params: dict[str, Any],
        stream: bool,
        split: bool | str,
    ) -> Any:
        """Run one ``speak`` call: ``params`` go to the request, ``split`` to the SpeechJob."""

    # -- transcribe ---------------------------------------------------------------------------

    @overload
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
        stream: Literal[False] = False,
        sample_rate: int | None = None,
        filename: str | None = None,
        split: bool | str = "auto",
        chunk_seconds: float | None = None,
        carry_prompt: bool = False,
        concurrency: int = 4,
        cache: Any = None,
        vocabulary: Sequence[str] | None = None,
    ) -> TranscriptT: ...
    @overload
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
        stream: Literal[True],
        sample_rate: int | None = None,
        filename: str | None = None,
        split: bool | str = "auto",
        chunk_seconds: float | None = None,
        carry_prompt: bool = False,
        concurrency: int = 4,
        cache: Any = None,
        vocabulary: Sequence[str] | None = None,
    ) -> TranscriptStreamT: ...
    @overload
    def transcribe(  # stream known only at run time
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
    ) -> TranscriptT | TranscriptStreamT: ...

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
    ) -> TranscriptT | TranscriptStreamT:
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
        sample_rate, filename
            For raw audio: the rate of an array, the name (and so the format) of bytes.
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
            On :class:`AsyncClient`, an awaitable of a Transcript or an AsyncTranscriptStream.

        Examples
        --------
        >>> t = audiokit.transcribe("talk.wav", logprobs=True)           # doctest: +SKIP
        >>> t = await audiokit.AsyncClient().transcribe("talk.wav")      # doctest: +SKIP
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
        options = dict(
            split=split,
            chunk_seconds=chunk_seconds,
            carry_prompt=carry_prompt,
            concurrency=concurrency,
            cache=cache,
        )
        return self._transcribe(audio, model, params, options)

    # -- translate ----------------------------------------------------------------------------

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
    ) -> TranscriptT:
        """Translate speech into English text (``POST /audio/translations``, whisper-1).

        Parameters
        ----------
        audio
            As for :meth:`transcribe`.
        model
            Default ``whisper-1`` (the one model that translates).
        prompt, response_format, temperature
            As in the API reference; the prompt is in English.
        sample_rate, filename
            For raw audio, as for :meth:`transcribe`.

        Returns
        -------
        Transcript
            On :class:`AsyncClient`, an awaitable of one.

        Examples
        --------
        >>> audiokit.translate("interview-de.mp3").text                    # doctest: +SKIP
        """
        params = dict(
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            sample_rate=sample_rate,
            filename=filename,
        )
        return self._translate(audio, model, params)

    # -- speak --------------------------------------------------------------------------------

    @overload
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
        stream: Literal[False] = False,
        split: bool | str = "auto",
    ) -> SpeechT: ...
    @overload
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
        stream: Literal[True],
        split: bool | str = "auto",
    ) -> SpeechStreamT: ...
    @overload
    def speak(  # stream known only at run time
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
    ) -> SpeechT | SpeechStreamT: ...

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
    ) -> SpeechT | SpeechStreamT:
        """Turn text into speech (``POST /audio/speech``).

        Parameters
        ----------
        text
            Up to 4096 characters (longer text is split, see ``split``).
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

        Returns
        -------
        Speech, SpeechStream or SpeechPieces
            On :class:`AsyncClient`, an awaitable of a Speech, an AsyncSpeechStream or an
            AsyncSpeechPieces.

        Examples
        --------
        >>> speech = audiokit.speak("Hello there!", voice="coral")        # doctest: +SKIP
        """
        params = dict(
            instructions=instructions,
            response_format=response_format,
            speed=speed,
            stream_format=stream_format,
        )
        return self._speak(text, model, voice, params, stream, split)
