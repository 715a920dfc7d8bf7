"""Prompting helpers from the reference's "Prompting" and "Improving reliability" sections."""

from __future__ import annotations

import math
import re

__all__ = ["count_prompt_tokens", "previous_text_prompt"]

WHISPER_PROMPT_TOKENS = 224  # whisper-1 reads only the last 224 tokens of a prompt
_SENTENCE_START = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=\S)")

# GPT-2's pre-tokenisation pattern, with letters/numbers approximated by \w classes.
_PRETOKEN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""")


def count_prompt_tokens(prompt: str) -> int:
    """Estimate how many GPT-2 tokens ``prompt`` has (whisper-1's English tokenizer).

    Each pre-token costs one token per ~4 characters; exact for common English words, an
    over-estimate for rare ones — the safe side for a "prompt too long" warning.
    """
    return sum(
        max(1, math.ceil(len(piece.strip() or piece) / 4)) for piece in _PRETOKEN.findall(prompt)
    )


def _pretoken_cost(piece: str) -> int:
    return max(1, math.ceil(len(piece.strip() or piece) / 4))


def previous_text_prompt(text: str, max_tokens: int = WHISPER_PROMPT_TOKENS) -> str:
    """The end of ``text`` that fits in a prompt of ``max_tokens`` tokens.

    The reference advises prompting each chunk of a split recording with the transcript of the
    chunk before it, and whisper-1 reads only the final 224 tokens of a prompt. This keeps the
    last ``max_tokens`` (estimated as :func:`count_prompt_tokens` does), starting at a word
    boundary — at a sentence start when one is near the front of that tail — so the prompt
    never begins mid-word.

    Parameters
    ----------
    text : str
        The preceding transcript.
    max_tokens : int
        Token budget (default 224, whisper-1's).

    Returns
    -------
    str
        The tail, stripped; ``""`` for empty text.

    Examples
    --------
    >>> previous_text_prompt("One. Two three four.", max_tokens=4)
    'three four.'
    """
    from ._errors import ValidationError

    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise ValidationError("max_tokens", max_tokens, "a whole number of tokens >= 1")
    if not isinstance(text, str):
        raise ValidationError("text", type(text).__name__, "a string")
    pieces = [(m.start(), m.group()) for m in _PRETOKEN.finditer(text)]
    budget, start = max_tokens, len(text)
    for offset, piece in reversed(pieces):
        budget -= _pretoken_cost(piece)
        if budget < 0:
            break
        start = offset
    else:
        return text.strip()
    # move forward to a word boundary: a pre-token that begins with whitespace
    while start < len(text) and not text[start].isspace():
        start += 1
    tail = text[start:].strip()
    sentence = _SENTENCE_START.search(tail, 0, len(tail) // 3 + 1)
    return tail[sentence.end() :] if sentence else tail
