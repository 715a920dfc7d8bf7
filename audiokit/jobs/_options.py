"""The options long jobs add to a call (``split``, ``chunk_seconds``, ``carry_prompt``,
``concurrency``), checked before any audio is read or any request sent.

Shared by :class:`~audiokit.jobs._long_audio.TranscriptionJob` and
:class:`~audiokit.jobs._long_text.SpeechJob`; the batch runner checks its options here too.
"""

from __future__ import annotations

from typing import Any

from ..core import InvalidTypeError, ValidationError

__all__ = ["DEFAULT_CONCURRENCY", "check_job_options"]

SPLIT_CHOICES = "'auto', True or False"
DEFAULT_CONCURRENCY = 4  # chunks (or speech pieces) in flight at once


def check_split(split: Any) -> bool | str:
    if split not in ("auto", True, False) or (split == 1 and not isinstance(split, bool)):
        raise ValidationError("split", split, SPLIT_CHOICES)
    return split


def check_concurrency(concurrency: Any) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError("concurrency", concurrency, "a whole number >= 1")
    return concurrency


def check_job_options(
    *, split: Any = "auto", chunk_seconds: Any = None, carry_prompt: Any = False,
    concurrency: Any = DEFAULT_CONCURRENCY,
) -> None:  # fmt: skip
    """Check the options :class:`TranscriptionJob` adds to ``transcribe``."""
    check_split(split)
    if chunk_seconds is not None and (
        isinstance(chunk_seconds, bool)
        or not isinstance(chunk_seconds, (int, float))
        or not chunk_seconds >= 1
    ):
        raise ValidationError("chunk_seconds", chunk_seconds, "a number of seconds >= 1")
    if not isinstance(carry_prompt, bool):
        raise InvalidTypeError("carry_prompt", carry_prompt, "True or False")
    check_concurrency(concurrency)
