"""Which decoding of a 30-second window to keep: Whisper's temperature fallback, loop-aware.

Whisper (openai/whisper and faster-whisper alike) re-decodes a window at a higher temperature
when its text's gzip compression ratio exceeds 2.4, taking a compressible text as the sign of
a decoding loop. Speech that really repeats itself — a refrain, a list read back, the same clip
played again and again — compresses just as well: the fallback then throws away a correct
greedy transcript for a sampled one that drops or garbles repetitions, differently on every run.

Here a compressible candidate counts as a loop only if it also *behaves* like one: the decoder
ran to its length limit without ending, a single timestamped segment is by itself that
repetitive (a phrase stuck inside one sentence), or its timestamps run past the end of the
audio the window holds (text repeated over the silence after the last words). Repeated
sentences, each its own segment at its own time, pass. Every other rule — the log-probability
and no-speech thresholds, which candidate wins when all fail — is faster-whisper's own (1.x
``WhisperModel.generate_with_fallback``), and each candidate is still decoded by faster-whisper
itself, one temperature at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__: list[str] = []  # helpers of ._whisper only: nothing here is the package's API

TIME_PRECISION = 0.02  # seconds per Whisper timestamp token
PAST_THE_AUDIO = 1.0  # seconds a timestamp may run past the window's audio before it is a loop


class Candidate(NamedTuple):
    """One decoding of a window, as faster-whisper's ``generate_with_fallback`` returns it."""

    result: Any  # ctranslate2 WhisperGenerationResult
    avg_logprob: float
    temperature: float
    compression_ratio: float


def _segments(tokens: Sequence[int], timestamp_begin: int) -> list[list[int]]:
    """The text tokens between timestamp tokens (all of them when there are no timestamps)."""
    parts: list[list[int]] = [[]]
    for token in tokens:
        if token >= timestamp_begin:
            if parts[-1]:
                parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def audible_seconds(features: np.ndarray, seconds_per_frame: float) -> float:
    """How much audio a window's log-mel ``features`` hold, before the encoder's padding.

    faster-whisper pads the last window to 30 s with ``np.pad`` (exact zeros), and no frame of a
    real normalised log-mel spectrogram is all zeros (digital silence maps to -1.5).
    """
    frames = np.flatnonzero(np.any(features != 0, axis=tuple(range(features.ndim - 1))))
    return (int(frames[-1]) + 1 if len(frames) else 0) * seconds_per_frame


def is_loop(
    tokens: Sequence[int],
    tokenizer: Any,
    *,
    threshold: float,
    hit_length_limit: bool,
    compression_ratio: Callable[[str], float],
    audio_seconds: float | None = None,
) -> bool:
    """Whether a candidate whose whole text compresses past ``threshold`` is a decoding loop.

    ``audio_seconds`` is how much audio the window holds (None: unknown, not checked).
    """
    if hit_length_limit:
        return True
    begin = tokenizer.timestamp_begin
    last = max((t for t in tokens if t >= begin), default=begin)
    if (
        audio_seconds is not None
        and (last - begin) * TIME_PRECISION > audio_seconds + PAST_THE_AUDIO
    ):
        return True
    return any(
        compression_ratio(tokenizer.decode(part).strip()) > threshold
        for part in _segments(tokens, tokenizer.timestamp_begin)
    )


def without_previous_text(prompt: Sequence[int], tokenizer: Any) -> list[int]:
    """``prompt`` minus the previous text (and initial prompt) faster-whisper conditions on."""
    if not prompt or prompt[0] != tokenizer.sot_prev or tokenizer.sot not in prompt:
        return list(prompt)
    return list(prompt[list(prompt).index(tokenizer.sot) :])


def decode_window(
    decode: Callable[[Sequence[int], Any], tuple[Any, float, float, float]],
    prompt: Sequence[int],
    tokenizer: Any,
    options: Any,
    *,
    max_length: int,
    compression_ratio: Callable[[str], float],
    audio_seconds: float | None = None,
) -> Candidate:
    """Decode one window at rising temperatures until a candidate passes; return the one kept.

    ``decode(prompt, options)`` is faster-whisper's own ``generate_with_fallback`` for the
    window; it is called with one temperature at a time and no thresholds, so it returns that
    candidate. A loop is first decoded again at the same temperature without the previous
    text, which is what usually primes it (Whisper repeats what it was just shown), and the
    rest of the window's candidates go without it too.
    """
    ratio_threshold = options.compression_ratio_threshold
    logprob_threshold = options.log_prob_threshold
    single = dataclasses.replace(options, compression_ratio_threshold=None, log_prob_threshold=None)

    def judge(candidate: Candidate, prompt: Sequence[int]) -> tuple[bool, bool]:
        """(needs a fallback, is a loop): faster-whisper's tests, with the loop test above."""
        tokens = candidate.result.sequences_ids[0]
        limit = len(prompt) + options.max_new_tokens if options.max_new_tokens else max_length
        looping = (
            ratio_threshold is not None
            and candidate.compression_ratio > ratio_threshold
            and is_loop(
                tokens,
                tokenizer,
                threshold=ratio_threshold,
                hit_length_limit=len(prompt) + len(tokens) + 1 >= limit,
                compression_ratio=compression_ratio,
                audio_seconds=audio_seconds,
            )
        )
        needs_fallback = looping
        if logprob_threshold is not None and candidate.avg_logprob < logprob_threshold:
            needs_fallback = True
            if (
                options.no_speech_threshold is not None
                and candidate.result.no_speech_prob > options.no_speech_threshold
            ):
                needs_fallback = False  # silence: improbable text is expected
        return needs_fallback, looping

    bare = without_previous_text(prompt, tokenizer)
    tried: list[Candidate] = []
    not_looping: list[Candidate] = []
    temperature = 0.0
    for temperature in options.temperatures:
        while True:
            result, avg_logprob, _, ratio = decode(
                prompt, dataclasses.replace(single, temperatures=[temperature])
            )
            candidate = Candidate(result, avg_logprob, temperature, ratio)
            tried.append(candidate)
            needs_fallback, looping = judge(candidate, prompt)
            if not looping:
                not_looping.append(candidate)
            if not needs_fallback:
                return candidate
            if not (looping and len(bare) < len(prompt)):
                break
            prompt = bare  # decode this temperature again, without what primed the loop
    best = max(not_looping or tried, key=lambda c: c.avg_logprob)
    return best._replace(temperature=temperature)  # the last temperature, as faster-whisper
