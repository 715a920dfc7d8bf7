"""Fixing spellings in transcripts against a vocabulary: a chat model online, fuzzy matching
offline."""

from ._correct import (
    CHANGE_COLUMNS,
    Change,
    Correction,
    acorrect,
    chat_system_prompt,
    correct,
    fuzzy_changes,
)

__all__ = [
    "CHANGE_COLUMNS",
    "Change",
    "Correction",
    "acorrect",
    "chat_system_prompt",
    "correct",
    "fuzzy_changes",
]
