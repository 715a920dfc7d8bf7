"""From keyword arguments to a checked, wire-ready request — before any money is spent.

Each ``*_request`` function validates its parameters against the capability table and returns an
:class:`APIRequest`: the path, the multipart fields exactly as the API expects them (arrays and
objects in the bracketed form the official SDK uses: ``include[]``, ``chunking_strategy[type]``)
or the JSON body, and the parameters to record on the result. The parameter checks live in
:mod:`._checks`; before an upload the audio is checked to be readable and not silent
(:func:`audiokit.audio.check_audio`). The sync and async clients, the batch runner and the
widgets all go through here; the local server reuses the same checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..audio import AudioFile, AudioInput, check_audio, to_audio_file
from ..core import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_SPEECH_INPUT_CHARS,
    SPEED_RANGE,
    TEMPERATURE_RANGE,
    InvalidTypeError,
    UnsupportedError,
    ValidationError,
)
from ._capabilities import (
    SPEECH_FORMATS,
    SPEECH_STREAM_FORMATS,
    TIMESTAMP_GRANULARITIES,
    TRANSCRIPTION_FORMATS,
    TRANSLATION_FORMATS,
    TRANSLATION_MODELS,
    speech_capabilities,
    transcription_capabilities,
)
from ._checks import (
    _check_choice,
    _check_model,
    _check_range,
    _check_str,
    _check_stream,
    _check_text,
    _check_voice,
    _chunking_fields,
    _each_language,
    _format_hint,
    _join,
    _known_speakers,
    _number,
    _string_list,
    _warn_long_whisper_prompt,
)
from ._languages import normalize_language

__all__ = [
    "APIRequest",
    "speech_request",
    "transcription_request",
    "translation_request",
]

DIARIZE_UNCHUNKED_MAX_SECONDS = 30.0  # diarization needs chunking_strategy above this


@dataclass(frozen=True)
class APIRequest:
    """A checked request, ready for any backend."""

    method: str
    path: str
    data: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, AudioFile], ...] = ()
    json: dict[str, Any] | None = None
    stream: bool = False
    response_format: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()  # URL query parameters (GET list endpoints)


# -- speech to text ---------------------------------------------------------------------------


def transcription_request(
    audio: AudioInput,
    *,
    model: str,
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
    vocabulary: Sequence[str] | None = None,
) -> APIRequest:
    """Check every parameter of ``POST /audio/transcriptions`` and build the request.

    ``vocabulary`` (correct spellings) is not an API field: it becomes the start of ``prompt``
    (see :func:`audiokit.text._prompting.vocabulary_prompt`) and is recorded in ``params``.
    """
    _check_model(model)
    caps = transcription_capabilities(model)
    terms: list[str] = []
    if vocabulary is not None:
        from ..text import vocabulary_prompt, vocabulary_terms

        terms = vocabulary_terms(vocabulary)
        if not caps.prompt:
            raise UnsupportedError(
                "vocabulary", terms, "no prompt for this model", reason=f"{model} takes no prompt"
            )
        prompt = vocabulary_prompt(terms, prompt=prompt)
    _check_choice("response_format", response_format, TRANSCRIPTION_FORMATS)
    if caps.known and response_format not in caps.response_formats:
        raise UnsupportedError(
            "response_format",
            response_format,
            f"{_join(caps.response_formats)} for {model}",
            reason=_format_hint(model, response_format),
        )
    include = _string_list("include", include, ("logprobs",))
    if logprobs and "logprobs" not in include:
        include.append("logprobs")
    if "logprobs" in include:
        if not caps.logprobs:
            raise UnsupportedError(
                "include",
                include,
                "logprobs only with gpt-4o-transcribe, gpt-4o-mini-transcribe "
                "and gpt-4o-mini-transcribe-2025-12-15",
                reason=f"{model} does not return logprobs",
            )
        if response_format != "json":
            raise UnsupportedError(
                "include",
                include,
                "logprobs only with response_format='json'",
                reason=f"logprobs cannot be combined with {response_format}",
            )
    granularities = _string_list(
        "timestamp_granularities", timestamp_granularities, TIMESTAMP_GRANULARITIES
    )
    if granularities:
        if not caps.timestamp_granularities:
            raise UnsupportedError(
                "timestamp_granularities",
                granularities,
                "whisper-1 only",
                reason=f"{model} does not give timestamps",
            )
        if response_format != "verbose_json":
            raise ValidationError(
                "timestamp_granularities", granularities, "only with response_format='verbose_json'"
            )
    stream = _check_stream(stream, caps)  # whisper-1 ignores it, as the API does
    if prompt is not None:
        _check_str("prompt", prompt)
        if not caps.prompt:
            raise UnsupportedError(
                "prompt",
                prompt,
                "no prompt for this model",
                reason=f"{model} does not take a prompt",
            )
        if model == "whisper-1":
            _warn_long_whisper_prompt(prompt, vocabulary=bool(terms))
    fields: list[tuple[str, str]] = [("model", model)]
    if language is not None:
        fields.append(("language", normalize_language(language)))
    if prompt is not None:
        fields.append(("prompt", prompt))
    fields.append(("response_format", response_format))
    if temperature is not None:
        fields.append(
            ("temperature", _number(_check_range("temperature", temperature, TEMPERATURE_RANGE)))
        )
    fields += [("timestamp_granularities[]", g) for g in granularities]
    fields += [("include[]", i) for i in include]
    if chunking_strategy is not None:
        if not caps.chunking_strategy:
            raise UnsupportedError("chunking_strategy", chunking_strategy, "not for this model")
        fields += _chunking_fields(chunking_strategy)
    names, references = _known_speakers(known_speaker_names, known_speaker_references, caps)
    fields += [("known_speaker_names[]", n) for n in names]
    fields += [("known_speaker_references[]", r) for r in references]
    for param, values in (("languages", languages), ("keywords", keywords)):
        items = _string_list(param, values)
        if items and not caps.keywords:
            raise UnsupportedError(
                param, items, "gpt-transcribe only", reason=f"{model} does not take {param}"
            )
        normalize = _each_language if param == "languages" else str
        fields += [(f"{param}[]", normalize(v)) for v in items]
    if stream:
        fields.append(("stream", "true"))
    file = to_audio_file(audio, sample_rate=sample_rate, filename=filename)
    duration = check_audio(file)
    if (
        caps.diarization
        and caps.known
        and chunking_strategy is None
        and duration is not None
        and duration > DIARIZE_UNCHUNKED_MAX_SECONDS
    ):
        raise ValidationError(
            "chunking_strategy",
            None,
            "'auto' or a server_vad object",
            reason=f"{model} needs chunking_strategy for audio over "
            f"{DIARIZE_UNCHUNKED_MAX_SECONDS:.0f} s (this is {duration:.1f} s)",
        )
    params = _recorded(fields, exclude=("known_speaker_references[]",))
    if terms:
        params["vocabulary"] = terms
    return APIRequest(
        "POST",
        "/audio/transcriptions",
        data=tuple(fields),
        files=(("file", file),),
        stream=stream,
        response_format=response_format,
        params=params,
    )


def translation_request(
    audio: AudioInput,
    *,
    model: str = "whisper-1",
    prompt: str | None = None,
    response_format: str = "json",
    temperature: float | None = None,
    sample_rate: int | None = None,
    filename: str | None = None,
) -> APIRequest:
    """Check every parameter of ``POST /audio/translations`` and build the request."""
    _check_model(model)
    caps = transcription_capabilities(model)
    if caps.known and not caps.translation:
        raise UnsupportedError(
            "model", model, _join(TRANSLATION_MODELS), reason=f"{model} cannot translate"
        )
    _check_choice("response_format", response_format, TRANSLATION_FORMATS)
    fields: list[tuple[str, str]] = [("model", model)]
    if prompt is not None:
        fields.append(("prompt", _check_str("prompt", prompt)))
        if model == "whisper-1":
            _warn_long_whisper_prompt(prompt)
    fields.append(("response_format", response_format))
    if temperature is not None:
        fields.append(
            ("temperature", _number(_check_range("temperature", temperature, TEMPERATURE_RANGE)))
        )
    file = to_audio_file(audio, sample_rate=sample_rate, filename=filename)
    check_audio(file)
    return APIRequest(
        "POST",
        "/audio/translations",
        data=tuple(fields),
        files=(("file", file),),
        response_format=response_format,
        params=_recorded(fields),
    )


# -- text to speech ---------------------------------------------------------------------------


def speech_request(
    text: str,
    *,
    model: str,
    voice: str | Mapping[str, str],
    instructions: str | None = None,
    response_format: str = "mp3",
    speed: float | None = None,
    stream_format: str | None = None,
    max_chars: int | None = MAX_SPEECH_INPUT_CHARS,
) -> APIRequest:
    """Check every parameter of ``POST /audio/speech`` and build the JSON body."""
    _check_model(model)
    caps = speech_capabilities(model)
    if not isinstance(text, str):
        raise InvalidTypeError("input", text, "a string of text to speak")
    if not text.strip():
        raise ValidationError("input", text, "non-empty text", reason="there is nothing to say")
    _check_text("input", text)
    if max_chars is not None and len(text) > max_chars:
        raise ValidationError(
            "input",
            text,
            f"at most {max_chars} characters per request "
            "(pass split=True to speak longer text in pieces)",
            reason=f"the text has {len(text)} characters",
        )
    body: dict[str, Any] = {"model": model, "input": text, "voice": _check_voice(voice, caps)}
    if instructions is not None:
        _check_str("instructions", instructions)
        _check_text("instructions", instructions)
        if caps.known and not caps.instructions:
            raise UnsupportedError(
                "instructions",
                instructions,
                "gpt-4o-mini-tts models",
                reason=f"{model} does not take instructions",
            )
        if len(instructions) > MAX_INSTRUCTIONS_CHARS:
            raise ValidationError(
                "instructions", instructions, f"at most {MAX_INSTRUCTIONS_CHARS} characters"
            )
        body["instructions"] = instructions
    _check_choice("response_format", response_format, SPEECH_FORMATS)
    body["response_format"] = response_format
    if speed is not None:
        speed = _check_range("speed", speed, SPEED_RANGE)
        if caps.known and not caps.speed and speed != 1.0:
            raise UnsupportedError(
                "speed",
                speed,
                "tts-1 and tts-1-hd (speed does not work with "
                f"{model}; use instructions such as 'speak quickly')",
                reason=f"{model} ignores speed",
            )
        body["speed"] = speed
    if stream_format is not None:
        _check_choice("stream_format", stream_format, SPEECH_STREAM_FORMATS)
        if stream_format == "sse" and caps.known and not caps.sse:
            raise UnsupportedError(
                "stream_format",
                stream_format,
                "audio for tts-1 and tts-1-hd",
                reason=f"{model} cannot stream SSE",
            )
        body["stream_format"] = stream_format
    params = {k: v for k, v in body.items() if k != "input"}
    return APIRequest(
        "POST",
        "/audio/speech",
        json=body,
        stream=stream_format == "sse",
        response_format=response_format,
        params=params,
    )


def _recorded(fields: list[tuple[str, str]], exclude: Sequence[str] = ()) -> dict[str, Any]:
    """The request fields as parameters, arrays regrouped (``include[]`` → ``include``)."""
    params: dict[str, Any] = {}
    for key, value in fields:
        if key in exclude:
            continue
        if key.endswith("[]"):
            params.setdefault(key[:-2], []).append(value)
        elif "[" in key:
            outer, inner = key[:-1].split("[", 1)
            params.setdefault(outer, {})[inner] = value
        else:
            params[key] = value
    return params
