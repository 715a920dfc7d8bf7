"""Prompting helpers from the reference's "Prompting" and "Improving reliability" sections."""

from __future__ import annotations

import math
import re

__all__ = ["count_prompt_tokens"]

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
