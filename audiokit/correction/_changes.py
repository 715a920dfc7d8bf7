"""Corrections as data: what changed where, and the corrected transcript built from it.

Both methods of :func:`~audiokit.correct` (``_chat``, ``_fuzzy``) end in :class:`Change` records
positioned in the original text; :func:`diff_changes` turns a chat model's rewritten text into
such changes, word by word (``difflib``). The changes are then applied to the whole text, to each
segment and to the word list alike (a change that merges words merges their timings), so the
corrected :class:`~audiokit.Transcript` stays consistent with itself; :class:`Correction` holds
it with the original and the change list.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..records import Word
from ..results import Transcript

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHANGE_COLUMNS", "Change", "Correction", "apply_changes", "diff_changes"]

CHANGE_COLUMNS = ["original", "corrected", "position", "end", "score", "method"]
_TOKEN = re.compile(r"\S+")


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


def _letters(text: str) -> str:
    """The letters and digits of ``text``, lower case: what two spellings are compared on."""
    return "".join(c for c in text.lower() if c.isalnum())


# -- differences --------------------------------------------------------------------------------


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


def apply_changes(
    transcript: Transcript, changes: Sequence[Change], *, method: str = "manual"
) -> Correction:
    """``transcript`` with ``changes`` (positioned in its text, in order) applied: a Correction.

    For edits made by hand (the transcript player); segments that do not spell out the text get
    each change by its original words. Without changes the transcript is returned as it is.
    """

    def relocate(text: str) -> list[Change]:
        found, at = [], 0
        for c in changes:
            hit = text.find(c.original, at) if c.original else -1
            if hit >= 0:
                found.append(replace(c, position=hit, end=hit + len(c.original)))
                at = hit + len(c.original)
        return found

    note = {"method": method}
    fixed = _corrected_transcript(transcript, changes, note, relocate) if changes else transcript
    return Correction(fixed, transcript, tuple(changes), (), method)
