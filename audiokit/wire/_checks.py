"""Parameter checks for the request builders: types, choices, ranges, lists, voices, speakers.

Each check names the parameter, the value and what is allowed (``ValidationError`` /
``InvalidTypeError`` / ``UnsupportedError``), so a bad argument fails before anything is sent.
The structured parameters are checked and flattened into multipart fields here too:
``chunking_strategy`` (``'auto'`` or a ``server_vad`` object) and the known speakers (names plus
2-10 s reference samples, sent as data URLs). :mod:`._requests` builds the requests from these.
"""

from __future__ import annotations

import base64
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from ..audio import check_audio, to_audio_file
from ..core import (
    MAX_KNOWN_SPEAKERS,
    MAX_PROMPT_TOKENS_WHISPER,
    SPEAKER_REFERENCE_SECONDS,
    AudioError,
    InvalidTypeError,
    UnsupportedError,
    ValidationError,
)
from ._capabilities import CHUNKING_STRATEGIES, VOICES
from ._languages import normalize_language

__all__: list[str] = []  # helpers of ._requests only: nothing here is the package's API

VAD_KEYS = {"type", "prefix_padding_ms", "silence_duration_ms", "threshold"}
_PACKAGE_DIR = __file__.rsplit("/wire/", 1)[0]  # frames under it are audiokit's, not the caller's
_stream_warned = False  # the whisper-1 stream warning is given once per process


def _check_model(model: Any) -> None:
    if not isinstance(model, str) or not model.strip():
        raise InvalidTypeError("model", model, "a model name such as 'gpt-4o-mini-transcribe'")


def _check_stream(stream: Any, caps: Any) -> bool:
    """Whether the request streams. The reference: streaming "is not supported for the
    whisper-1 model and will be ignored" — so it is ignored (the answer comes whole, and the
    client hands it over as a stream of its final event), with a warning once per process."""
    global _stream_warned
    stream = _check_bool("stream", stream)
    if not stream or caps.stream:
        return stream
    if not _stream_warned:
        _stream_warned = True
        warnings.warn(
            f"stream=True is ignored for {caps.model} (it does not stream): the transcript "
            "comes whole, as a stream of one transcript.text.done event; use "
            "gpt-4o-mini-transcribe or gpt-4o-transcribe to get text as it is produced",
            UserWarning,
            stacklevel=_caller_level(),
        )
    return False


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside audiokit: a warning names the user's line,
    whichever entry point (client, shortcut, magic, widget) they came through."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _check_str(param: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidTypeError(param, value, "a string")
    return value


def _check_text(param: str, text: str) -> str:
    """Refuse what no speech can be made of and UTF-8 cannot carry: NUL, lone surrogates."""
    if "\x00" in text:
        raise ValidationError(
            param, text, "text without NUL characters", reason=f"NUL at {text.index(chr(0))}"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            param,
            text,
            "text that is valid Unicode",
            reason=f"it holds a lone surrogate ({text[exc.start]!a}) at {exc.start}",
        ) from None
    return text


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

    tail = prompt[-32 * MAX_PROMPT_TOKENS_WHISPER :]  # bounded cost for a prompt of any size
    tokens = count_prompt_tokens(tail)
    if tokens > MAX_PROMPT_TOKENS_WHISPER:
        counted = f"{tokens}" if prompt_token_source() == "gpt2" else f"about {tokens}"
        if len(tail) < len(prompt):
            counted = f"more than {tokens}"
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
