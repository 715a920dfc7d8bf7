"""From keyword arguments to a checked, wire-ready request — before any money is spent.

Each ``*_request`` function validates its parameters against the capability table and returns an
:class:`APIRequest`: the path, the multipart fields exactly as the API expects them (arrays and
objects in the bracketed form the official SDK uses: ``include[]``, ``chunking_strategy[type]``)
or the JSON body, and the parameters to record on the result. The sync and async clients, the
batch runner and the widgets all go through here; the local server reuses the same checks.
"""

from __future__ import annotations

import base64
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..audio import AudioFile, AudioInput, to_audio_file
from ..core import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_KNOWN_SPEAKERS,
    MAX_PROMPT_TOKENS_WHISPER,
    MAX_SPEECH_INPUT_CHARS,
    SPEAKER_REFERENCE_SECONDS,
    SPEED_RANGE,
    TEMPERATURE_RANGE,
    AudioError,
    InvalidTypeError,
    UnsupportedError,
    ValidationError,
)
from ._capabilities import (
    CHUNKING_STRATEGIES,
    SPEECH_FORMATS,
    SPEECH_STREAM_FORMATS,
    TIMESTAMP_GRANULARITIES,
    TRANSCRIPTION_FORMATS,
    TRANSLATION_FORMATS,
    TRANSLATION_MODELS,
    VOICES,
    speech_capabilities,
    transcription_capabilities,
)
from ._languages import normalize_language

__all__ = [
    "APIRequest",
    "check_audio",
    "speech_request",
    "transcription_request",
    "translation_request",
]

DIARIZE_UNCHUNKED_MAX_SECONDS = 30.0  # diarization needs chunking_strategy above this
SILENCE_PEAK = 1e-4  # peak amplitude (-80 dBFS) under which audio counts as silent
VAD_KEYS = {"type", "prefix_padding_ms", "silence_duration_ms", "threshold"}


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
    stream = _check_bool("stream", stream)
    if stream and not caps.stream:
        raise UnsupportedError(
            "stream",
            stream,
            "gpt-4o-transcribe, gpt-4o-mini-transcribe, gpt-4o-transcribe-diarize",
            reason=f"{model} cannot stream",
        )
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
        raise InvalidTypeError("input", type(text).__name__, "a string of text to speak")
    if not text.strip():
        raise ValidationError("input", text, "non-empty text", reason="there is nothing to say")
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


# -- checks -----------------------------------------------------------------------------------


def check_audio(file: AudioFile, *, param: str = "file") -> float | None:
    """Catch corrupt or silent files before the upload; return the duration (s).

    Reads only as far as the first audible stretch: a plain PCM WAV straight from its bytes,
    other formats libsndfile reads block by block (so a long file costs about as little as a
    short one), the containers only PyAV reads (m4a, webm) in one decode. Silence is still
    judged on the whole file. Returns ``None`` when the audio cannot be decoded here (no
    PyAV): the server then judges it.
    """
    try:
        from ..audio import AudioDecodeError, wav_layout
    except ImportError:  # pragma: no cover - _codec is part of the package
        return None
    try:
        layout = wav_layout(file.data)
        if layout is not None:
            frames, rate = layout.frames, layout.rate
            audible = frames > 0 and _wav_audible(layout, file.data)
        else:
            frames, rate, audible = _scan_audible(file.data)
    except (AudioDecodeError, RuntimeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise AudioError(
            param,
            file.filename,
            "a readable audio file",
            reason=f"the {file.format} data is corrupt or unreadable ({exc})",
        ) from exc
    except ImportError:
        return None
    if frames == 0:
        raise AudioError(
            param, file.filename, "audio with at least one sample", reason="no audio samples"
        )
    if not audible:
        raise AudioError(
            param,
            file.filename,
            "audio with sound in it",
            reason="the audio is silent: there is nothing to transcribe",
        )
    return frames / rate


SCAN_SECONDS = 0.25  # first block read when looking for sound; each next block is twice as long


def _wav_audible(layout: Any, data: bytes) -> bool:
    """Whether any sample of a PCM/float WAV reaches SILENCE_PEAK (stops at the first)."""
    import numpy as np

    samples = layout.samples(data)
    full_scale = {"u1": 128, "<i2": 32768, "<i4": 2**31}.get(layout.dtype, 1.0)
    threshold = SILENCE_PEAK * full_scale
    center = 128 if layout.dtype == "u1" else 0
    step = max(1, int(layout.rate * SCAN_SECONDS)) * layout.channels
    start = 0
    while start < samples.size:
        block = samples[start : start + step]
        if block.dtype.kind == "f":
            peak = float(np.max(np.abs(block)))
            if not peak < threshold:  # NaN counts as sound: not ours to judge
                return True
        elif int(block.max()) - center >= threshold or center - int(block.min()) >= threshold:
            return True
        start += step
        step *= 2
    return False


def _scan_audible(data: bytes) -> tuple[int, int, bool]:
    """(frames, rate, audible) of any other audio, reading only until it is audible."""
    import io

    import numpy as np
    import soundfile as sf

    from ..audio import decode

    try:
        handle = sf.SoundFile(io.BytesIO(data))
    except (RuntimeError, TypeError, ValueError):  # m4a, webm, raw AAC: PyAV decodes it whole
        samples, rate = decode(data)
        audible = samples.size > 0 and not float(np.max(np.abs(samples))) < SILENCE_PEAK
        return len(samples), rate, audible
    with handle as f:
        rate, declared = int(f.samplerate), f.frames
        known = 0 < declared < 2**62  # streams may not say how long they are
        block, seen = max(1, int(rate * SCAN_SECONDS)), 0
        while True:
            x = f.read(block, dtype="float32")
            if not len(x):
                return seen, rate, False
            seen += len(x)
            if not float(np.max(np.abs(x))) < SILENCE_PEAK:
                if known:
                    return declared, rate, True
                while len(x := f.read(rate * 30, dtype="float32")):  # count the rest
                    seen += len(x)
                return seen, rate, True
            block = min(block * 2, rate * 30)


def _check_model(model: Any) -> None:
    if not isinstance(model, str) or not model.strip():
        raise InvalidTypeError("model", model, "a model name such as 'gpt-4o-mini-transcribe'")


def _check_str(param: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidTypeError(param, value, "a string")
    return value


def _check_bool(param: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidTypeError(param, value, "True or False")
    return value


def _check_choice(param: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValidationError(param, value, _join(allowed))
    return value


def _check_range(param: str, value: Any, bounds: tuple[float, float]) -> float:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidTypeError(param, value, f"a number from {low:g} to {high:g}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(param, value, f"a number from {low:g} to {high:g}")
    return float(value)


def _string_list(param: str, values: Any, allowed: Sequence[str] | None = None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise InvalidTypeError(param, values, "a list of strings")
    if allowed is not None:
        for v in values:
            _check_choice(param, v, allowed)
    return list(dict.fromkeys(values))


def _each_language(language: str) -> str:
    """``normalize_language`` for one item of ``languages``, naming that parameter."""
    try:
        return normalize_language(language)
    except ValidationError as exc:
        raise ValidationError("languages", language, exc.allowed, reason=exc.reason) from exc


def _number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``:g`` kept only 6 digits)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _format_hint(model: str, response_format: str) -> str:
    if response_format in ("srt", "vtt", "verbose_json"):
        return f"{model} does not give timestamps; use model='whisper-1' for {response_format}"
    if response_format == "diarized_json":
        return "speaker labels need model='gpt-4o-transcribe-diarize'"
    return f"{model} does not support {response_format}"


def _chunking_fields(strategy: Any) -> list[tuple[str, str]]:
    if isinstance(strategy, str):
        _check_choice("chunking_strategy", strategy, CHUNKING_STRATEGIES)
        return [("chunking_strategy", strategy)]
    allowed = (
        "'auto' or {'type': 'server_vad', 'threshold': 0-1, 'prefix_padding_ms': int, "
        "'silence_duration_ms': int}"
    )
    if not isinstance(strategy, Mapping) or strategy.get("type") != "server_vad":
        raise ValidationError("chunking_strategy", strategy, allowed)
    unknown = set(strategy) - VAD_KEYS
    if unknown:
        raise ValidationError(
            "chunking_strategy", strategy, allowed, reason=f"unknown keys {sorted(unknown)}"
        )
    fields = [("chunking_strategy[type]", "server_vad")]
    for key in ("prefix_padding_ms", "silence_duration_ms"):
        if key in strategy:
            value = strategy[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(
                    f"chunking_strategy.{key}", value, "a whole number of ms >= 0"
                )
            fields.append((f"chunking_strategy[{key}]", str(value)))
    if "threshold" in strategy:
        threshold = _check_range("chunking_strategy.threshold", strategy["threshold"], (0.0, 1.0))
        fields.append(("chunking_strategy[threshold]", _number(threshold)))
    return fields


def _known_speakers(names: Any, references: Any, caps: Any) -> tuple[list[str], list[str]]:
    names = _string_list("known_speaker_names", names)
    if references is None:
        references = []
    if isinstance(references, (str, bytes)) or not isinstance(references, (list, tuple)):
        raise InvalidTypeError(
            "known_speaker_references",
            references,
            "a list of paths, bytes or data URLs, one per name",
        )
    if not names and not references:
        return [], []
    if not caps.diarization:
        raise UnsupportedError(
            "known_speaker_names",
            names,
            "gpt-4o-transcribe-diarize",
            reason=f"{caps.model} does not label speakers",
        )
    if len(names) != len(references):
        raise ValidationError(
            "known_speaker_references",
            f"{len(references)} references",
            f"exactly one reference per name ({len(names)} names)",
        )
    if len(names) > MAX_KNOWN_SPEAKERS:
        raise ValidationError(
            "known_speaker_names", names, f"at most {MAX_KNOWN_SPEAKERS} speakers"
        )
    urls = [_speaker_data_url(ref, name) for ref, name in zip(references, names, strict=True)]
    return names, urls


def _speaker_data_url(reference: Any, name: str) -> str:
    """A known-speaker sample as a data URL, checked to last 2-10 seconds."""
    param = f"known_speaker_references[{name}]"
    if isinstance(reference, str) and reference.startswith("data:"):
        _header, _, payload = reference.partition(",")
        try:
            data = base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise ValidationError(param, reference, "a base64 data URL") from exc
        file = to_audio_file(data, param=param)
    else:
        file = to_audio_file(reference, param=param)
    duration = check_audio(file, param=param)
    low, high = SPEAKER_REFERENCE_SECONDS
    if duration is not None and not low <= duration <= high:
        raise AudioError(
            param,
            file.filename,
            f"a sample of {low:g} to {high:g} seconds",
            reason=f"the sample lasts {duration:.2f} s",
        )
    return f"data:{file.content_type};base64,{base64.b64encode(file.data).decode('ascii')}"


def _check_voice(voice: Any, caps: Any) -> str | dict[str, str]:
    if isinstance(voice, Mapping):
        voice_id = voice.get("id")
        if set(voice) != {"id"} or not isinstance(voice_id, str) or not voice_id:
            raise ValidationError("voice", voice, "a built-in voice name or {'id': 'voice_…'}")
        return {"id": voice_id}
    if not isinstance(voice, str) or not voice:
        raise InvalidTypeError("voice", voice, _join(VOICES) + " or a custom voice id")
    if voice.startswith("voice_"):
        return {"id": voice}  # a custom voice id
    if caps.known and voice not in caps.voices:
        extra = "" if voice in VOICES else " or a custom voice id ('voice_…')"
        raise ValidationError("voice", voice, f"{_join(caps.voices)} for {caps.model}{extra}")
    return voice


def _warn_long_whisper_prompt(prompt: str, *, vocabulary: bool = False) -> None:
    from ..text import count_prompt_tokens, prompt_token_source

    tokens = count_prompt_tokens(prompt)
    if tokens > MAX_PROMPT_TOKENS_WHISPER:
        counted = f"{tokens}" if prompt_token_source() == "gpt2" else f"about {tokens}"
        lost = (
            "; the vocabulary list comes first, so (part of) it is lost: shorten the list or "
            "the prompt"
            if vocabulary
            else ""
        )
        warnings.warn(
            f"prompt has {counted} tokens; whisper-1 reads only the last "
            f"{MAX_PROMPT_TOKENS_WHISPER}, the rest is ignored{lost}",
            UserWarning,
            stacklevel=4,
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
