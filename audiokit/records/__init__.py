"""Result records (Segment, Word, TokenLogprob, Usage): the bottom of the result types."""

from ._records import (
    Segment,
    TokenLogprob,
    TokenLogprobs,
    TokenWindow,
    Usage,
    Word,
    float_or_none,
    merge_logprobs,
)

__all__ = [
    "Segment",
    "TokenLogprob",
    "TokenLogprobs",
    "TokenWindow",
    "Usage",
    "Word",
    "float_or_none",
    "merge_logprobs",
]
