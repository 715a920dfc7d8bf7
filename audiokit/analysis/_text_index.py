"""Where the words of a text are: its whitespace-free runs, found once with numpy.

Every other question the analysis asks about characters (which word a token's first letter lies
in, where a span's last non-space character is) becomes a binary search over the run starts and
ends that :class:`_TextIndex` holds. Without word timestamps these runs are the words: the text's
whitespace-separated runs, each CJK ideograph or kana being a word of its own. ``_alignment``
and ``_compare`` build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WHITESPACE"]

# Every code point for which str.isspace() is true (the same set str.split() and re's \s use);
# tests check the list against the interpreter's.
WHITESPACE = (
    *range(0x09, 0x0E),
    *range(0x1C, 0x21),
    0x85,
    0xA0,
    0x1680,
    *range(0x2000, 0x200B),
    0x2028,
    0x2029,
    0x202F,
    0x205F,
    0x3000,
)
_SPACE_TABLE = np.zeros(0x3001, dtype=bool)
_SPACE_TABLE[list(WHITESPACE)] = True
_ASCII_NONSPACE = ~_SPACE_TABLE[:256]  # by byte, for texts that are ASCII (bytes >= 128 unused)
# Scripts written without spaces between words: each ideograph or kana is a word of its own.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


@dataclass(frozen=True)
class _TextIndex:
    """Where the words of a text are: its whitespace-free runs, computed once with numpy.

    Every non-space character lies in exactly one run (a CJK character is a run of its own), so
    questions about characters become binary searches over the run starts and ends.
    """

    text: str
    nonspace: np.ndarray  # bool per character
    run_start: np.ndarray  # int64, sorted
    run_end: np.ndarray  # int64, exclusive, sorted
    has_cjk: bool

    @classmethod
    def of(cls, text: str) -> _TextIndex:
        n = len(text)
        cjk = None
        if text.isascii():  # no CJK either
            nonspace, cp = _nonspace_of(text), None
        else:  # the code points serve both questions
            cp = _code_points(text)
            nonspace = _nonspace(cp)
        if cp is not None and cp.max() >= _CJK_RANGES[0][0]:
            cjk = np.zeros(n, dtype=bool)
            for lo, hi in _CJK_RANGES:
                cjk |= (cp >= lo) & (cp <= hi)
            if not cjk.any():
                cjk = None
        # a run starts at a non-space character after a space (or at the start) ...
        edge = np.empty(n + 1, dtype=bool)
        edge[0] = edge[n] = False
        edge[1:n] = nonspace[1:] != nonspace[:-1]
        if n:
            edge[0] = nonspace[0]
            edge[n] = nonspace[-1]
        if cjk is None:
            bounds = np.flatnonzero(edge)  # alternating starts and ends
            run_start, run_end = bounds[0::2], bounds[1::2]
        else:  # ... and at and after every CJK character
            starts = edge[:n] & nonspace
            ends = edge[1:] & nonspace
            starts[1:] |= nonspace[1:] & (cjk[1:] | cjk[:-1])
            ends[:-1] |= nonspace[:-1] & (cjk[:-1] | cjk[1:])
            ends[-1] |= bool(nonspace[-1])
            run_start, run_end = np.flatnonzero(starts), np.flatnonzero(ends) + 1
        return cls(
            text=text,
            nonspace=nonspace,
            run_start=run_start.astype(np.int64),
            run_end=run_end.astype(np.int64),
            has_cjk=cjk is not None,
        )

    def run_words(self) -> np.ndarray:
        """The text of every run, as an object array."""
        if not self.has_cjk:
            words = self.text.split()  # C speed; splits on exactly the characters above
            if len(words) == len(self.run_start):
                return _object_array(words)
        text = self.text
        return _object_array(
            [text[s:e] for s, e in zip(self.run_start.tolist(), self.run_end.tolist(), strict=True)]
        )

    def run_at(self, pos: np.ndarray) -> np.ndarray:
        """Run index of each character position (int array), -1 on whitespace."""
        k = np.searchsorted(self.run_start, pos, side="right") - 1
        inside = (k >= 0) & (pos >= 0)
        inside[inside] &= pos[inside] < self.run_end[k[inside]]
        return np.where(inside, k, -1)

    def first_nonspace(self, offset: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First non-space position inside each ``[offset, end)`` and the run it is in; both -1
        where there is none. One binary search serves both."""
        located = ~np.isnan(offset) & (end > offset)
        if not len(self.run_start) or not located.any():
            none = np.full(len(offset), -1, dtype=np.int64)
            return none, none.copy()
        if located.all():  # the usual case: no masking in and out
            return self._first_nonspace(offset.astype(np.int64), end)
        pos = np.full(len(offset), -1, dtype=np.int64)
        run = np.full(len(offset), -1, dtype=np.int64)
        pos[located], run[located] = self._first_nonspace(
            offset[located].astype(np.int64), end[located]
        )
        return pos, run

    def _first_nonspace(self, o: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = np.searchsorted(self.run_start, o, side="right") - 1  # the run at or before o
        inside = self.nonspace[o]  # every non-space character is in a run (o < end <= size)
        if not inside.all():  # on whitespace: the next run
            k = np.where(inside, k, k + 1)
            o = np.where(inside, o, np.append(self.run_start, len(self.text))[k])
        found = o < end
        if found.all():
            return o, k
        return np.where(found, o, -1), np.where(found, k, -1)

    def last_nonspace(self, offset: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Last non-space position inside each ``[offset, end)``; -1 where there is none."""
        pos = np.full(len(offset), -1, dtype=np.int64)
        located = ~np.isnan(offset) & (end > offset)
        if located.any() and self.text:
            e = end[located].astype(np.int64) - 1
            p = e.copy()
            space = ~self.nonspace[e]
            if space.any():  # back to the end of the previous run
                k = np.searchsorted(self.run_end, e[space], side="right") - 1
                p[space] = np.where(k >= 0, self.run_end[np.maximum(k, 0)] - 1, -1)
            p[p < offset[located]] = -1
            pos[located] = p
        return pos


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _nonspace_of(text: str) -> np.ndarray:
    """Whether each character of ``text`` is not whitespace, as a bool array."""
    if text.isascii():  # one byte per character: a quarter of the memory, one table lookup
        return _ASCII_NONSPACE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    return _nonspace(_code_points(text))


def _nonspace(cp: np.ndarray) -> np.ndarray:
    """Whether each code point is not whitespace (``not str.isspace()``), as a bool array."""
    return ~_SPACE_TABLE[np.minimum(cp, 0x3000)] | (cp > 0x3000)


def _object_array(items: list[Any]) -> np.ndarray:
    # fromiter keeps tuples as elements (assignment would treat them as rows) and is fast
    return np.fromiter(items, dtype=object, count=len(items))
