"""Fixing spellings in transcripts against a vocabulary: a chat model online, fuzzy matching
offline."""

from ._changes import CHANGE_COLUMNS, Change, Correction, apply_changes, diff_changes
from ._chat import chat_system_prompt
from ._correct import acorrect, correct
from ._fuzzy import fuzzy_changes

__all__ = [
    "CHANGE_COLUMNS",
    "Change",
    "Correction",
    "acorrect",
    "apply_changes",
    "chat_system_prompt",
    "correct",
    "diff_changes",
    "fuzzy_changes",
]
