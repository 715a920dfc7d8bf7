"""Per-token log probabilities read off CTranslate2's own decoding (see ``_whisper``'s docstring).

``ScoringModel`` wraps a ``ctranslate2.models.Whisper`` so that each ``generate`` also asks for
the vocabulary logits of every step and keeps only ``log_softmax(logits)[token]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__: list[str] = []  # helpers of ._whisper only: nothing here is the package's API

_STEPS_PER_BLOCK = 32  # decoding steps whose vocabulary logits are normalised at once (6.6 MB)


class ScoredGeneration:
    """The parts of a CTranslate2 ``WhisperGenerationResult`` faster-whisper reads, plus the
    log probability of each decoding step of the first hypothesis (the one it keeps).

    ``token_logprobs[i]`` belongs to ``sequences_ids[0][i]``; one more entry follows for the
    end-of-text step when decoding stopped there, so their sum is the sequence's cumulative
    log probability. The vocabulary-sized logits (51,864 floats a step) are dropped at once.
    """

    __slots__ = ("no_speech_prob", "scores", "sequences_ids", "token_logprobs")

    def __init__(self, result: Any, eot: int) -> None:
        self.sequences_ids = result.sequences_ids
        self.scores = result.scores
        self.no_speech_prob = result.no_speech_prob
        steps = result.logits[0] if result.logits else []
        tokens = [*result.sequences_ids[0], eot][: len(steps)]
        self.token_logprobs = log_softmax_at(steps, tokens)


def log_softmax_at(steps: Sequence[Any], tokens: Sequence[int]) -> list[float]:
    """``log_softmax(steps[i])[tokens[i]]`` for every step: a vectorised logsumexp over
    (steps, vocabulary) blocks of ``_STEPS_PER_BLOCK`` rows, so memory stays a few MB."""
    out: list[float] = []
    for lo in range(0, len(tokens), _STEPS_PER_BLOCK):
        ids = np.asarray(tokens[lo : lo + _STEPS_PER_BLOCK])
        x = np.stack(
            [np.asarray(step, dtype=np.float32).reshape(-1) for step in steps[lo : lo + len(ids)]]
        )
        top = x.max(axis=1, keepdims=True)
        np.subtract(x, top, out=x)
        picked = x[np.arange(len(ids)), ids].astype(np.float64)
        np.exp(x, out=x)
        out += (picked - np.log(x.sum(axis=1, dtype=np.float64))).tolist()
    return out


class ScoringModel:
    """Wraps a ``ctranslate2.models.Whisper`` so that ``generate`` also returns logits."""

    def __init__(self, model: Any, eot: int) -> None:
        self._model = model
        self._eot = eot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, features: Any, prompts: Any, **kwargs: Any) -> list[ScoredGeneration]:
        if kwargs.get("beam_size", 1) != 1:  # CTranslate2 has no logits for beam search
            raise RuntimeError("per-token log probabilities need beam_size=1")
        results = self._model.generate(features, prompts, return_logits_vocab=True, **kwargs)
        return [ScoredGeneration(r, self._eot) for r in results]
