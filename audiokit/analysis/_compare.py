"""Compare a transcript with another one of the same audio, or with a reference text.

Words are normalised (lower case, punctuation removed, dashes splitting words) and aligned with a
Levenshtein dynamic programme: the minimum number of substitutions, deletions and insertions that
turn the reference into the hypothesis, which is what the word error rate (WER) counts. When the
hypothesis is a :class:`Transcript` with confidence figures, each aligned word keeps its
confidence, so one can see whether low confidence predicts the errors.

The programme fills a full ``(n+1) x (m+1)`` table, one numpy row at a time (the insertion
recurrence along a row is a running minimum). Inputs beyond :data:`MAX_CELLS` cells are first
cut at long exact runs of common words (``difflib``) and the gaps aligned separately; that stays
exact in practice but is no longer guaranteed minimal.
"""

from __future__ import annotations

import difflib
import html
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core import InvalidTypeError, ValidationError
from ..results import provides

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..results import Transcript

__all__ = ["MAX_CELLS", "OPS", "Comparison", "align_words", "compare", "normalize_words"]

OPS = ("match", "substitution", "insertion", "deletion")
MAX_CELLS = 20_000_000  # DP table cells (int32: 80 MB) before the input is cut at anchors
_MATCH, _SUB, _INS, _DEL = range(4)


# -- normalisation ----------------------------------------------------------------------------


def _normalize(word: str) -> list[str]:
    out = []
    for ch in word.lower():
        cat = unicodedata.category(ch)
        if cat == "Pd":  # "well-known" -> "well known"
            out.append(" ")
        elif not cat.startswith("P"):
            out.append(ch)
    return "".join(out).split()


def normalize_words(words: list[str]) -> tuple[list[str], list[int]]:
    """Normalised words and, for each, the index of the original word it came from.

    >>> normalize_words(["Well-known,", "—", "Fox."])
    (['well', 'known', 'fox'], [0, 0, 2])
    """
    norm: list[str] = []
    source: list[int] = []
    for i, w in enumerate(words):
        for piece in _normalize(w):
            norm.append(piece)
            source.append(i)
    return norm, source


# -- alignment --------------------------------------------------------------------------------


def _dp(r: np.ndarray, h: np.ndarray) -> list[tuple[int, int, int]]:
    """Minimal edit script between two int sequences: (op, ref position, hyp position)."""
    import numpy as np

    n, m = len(r), len(h)
    if n == 0 or m == 0:
        return [(_INS, -1, j) for j in range(m)] + [(_DEL, i, -1) for i in range(n)]
    ar = np.arange(m + 1, dtype=np.int32)
    table = np.empty((n + 1, m + 1), dtype=np.int32)
    table[0] = ar
    for i in range(1, n + 1):
        prev = table[i - 1]
        row = np.empty(m + 1, dtype=np.int32)
        row[0] = i
        np.minimum(prev[:-1] + (h != r[i - 1]), prev[1:] + 1, out=row[1:])
        # insertions along the row: row[j] = min over k <= j of row[k] + (j - k)
        table[i] = np.minimum.accumulate(row - ar) + ar
    ops: list[tuple[int, int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:  # prefer the diagonal, then deletion, then insertion
        if i > 0 and j > 0:
            same = r[i - 1] == h[j - 1]
            if table[i, j] == table[i - 1, j - 1] + (not same):
                ops.append((_MATCH if same else _SUB, i - 1, j - 1))
                i, j = i - 1, j - 1
                continue
        if i > 0 and table[i, j] == table[i - 1, j] + 1:
            ops.append((_DEL, i - 1, -1))
            i -= 1
        else:
            ops.append((_INS, -1, j - 1))
            j -= 1
    ops.reverse()
    return ops


def _align_ids(r: np.ndarray, h: np.ndarray, max_cells: int) -> list[tuple[int, int, int]]:
    if (len(r) + 1) * (len(h) + 1) <= max_cells:
        return _dp(r, h)
    matcher = difflib.SequenceMatcher(None, r.tolist(), h.tolist(), autojunk=False)
    ops: list[tuple[int, int, int]] = []
    i = j = 0
    for a, b, size in matcher.get_matching_blocks():
        ops += _align_gap(r, h, i, a, j, b, max_cells)
        ops += [(_MATCH, a + k, b + k) for k in range(size)]
        i, j = a + size, b + size
    return ops


def _align_gap(
    r: np.ndarray, h: np.ndarray, i0: int, i1: int, j0: int, j1: int, max_cells: int
) -> list[tuple[int, int, int]]:
    if (i1 - i0 + 1) * (j1 - j0 + 1) <= max_cells:
        return [
            (op, i + i0 if i >= 0 else -1, j + j0 if j >= 0 else -1)
            for op, i, j in _dp(r[i0:i1], h[j0:j1])
        ]
    # a gap too large to tabulate (nothing in common for a long stretch): pair by position
    k = min(i1 - i0, j1 - j0)
    ops = [(_MATCH if r[i0 + t] == h[j0 + t] else _SUB, i0 + t, j0 + t) for t in range(k)]
    ops += [(_DEL, i, -1) for i in range(i0 + k, i1)]
    ops += [(_INS, -1, j) for j in range(j0 + k, j1)]
    return ops


def align_words(
    reference: list[str], hypothesis: list[str], *, max_cells: int = MAX_CELLS
) -> list[tuple[str, int, int]]:
    """Levenshtein alignment of two word lists: ``(op, ref position, hyp position)``, -1 = none.

    >>> align_words(["a", "b", "c"], ["a", "x", "c", "d"])
    [('match', 0, 0), ('substitution', 1, 1), ('match', 2, 2), ('insertion', -1, 3)]
    """
    import numpy as np

    vocab: dict[str, int] = {}
    r = np.array([vocab.setdefault(w, len(vocab)) for w in reference], dtype=np.int64)
    h = np.array([vocab.setdefault(w, len(vocab)) for w in hypothesis], dtype=np.int64)
    return [(OPS[op], i, j) for op, i, j in _align_ids(r, h, max_cells)]


# -- inputs -----------------------------------------------------------------------------------


@dataclass
class _Side:
    words: list[str]
    rows: np.ndarray  # each word's row in the transcript's .words
    confidence: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _side(value: Any, param: str) -> _Side:
    import numpy as np

    from ..results import Transcript
    from ._confidence import word_columns
    from ._text_index import _TextIndex

    if isinstance(value, Transcript):
        cols = word_columns(value)
        keep = np.ones(len(cols.word), dtype=bool)
        if value.speakers and (cols.segment >= 0).any():
            keep = cols.segment >= 0  # diarized text: drop the "A:" labels between turns
        return _Side(
            cols.word[keep].tolist(),
            np.flatnonzero(keep),
            cols.confidence[keep],
            cols.start[keep],
            cols.end[keep],
        )
    if isinstance(value, str):
        index = _TextIndex.of(value)
        words = index.run_words().tolist()
        nan = np.full(len(words), np.nan)
        return _Side(words, np.arange(len(words)), nan, nan, nan)
    raise InvalidTypeError(param, value, "a Transcript or a str")


# -- result -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Comparison:
    """How a hypothesis transcript differs from a reference, word by word.

    Attributes
    ----------
    alignment : pandas.DataFrame
        One row per aligned pair: ``op`` (match, substitution, insertion, deletion),
        ``ref_word``/``hyp_word`` (as written), ``ref_norm``/``hyp_norm`` (as compared),
        ``ref_index``/``hyp_index`` (row in that side's ``.words``; <NA> for the missing side),
        ``hyp_confidence``, ``ref_confidence``, ``hyp_start``, ``hyp_end`` (NaN when unknown).
    matches, substitutions, insertions, deletions : int
        Counts of each operation.
    n_reference, n_hypothesis : int
        Normalised words on each side.
    wer : float
        ``(substitutions + deletions + insertions) / n_reference``; 0 for two empty texts, inf
        for an empty reference against a non-empty hypothesis.

    Examples
    --------
    >>> c = audiokit.compare(transcript, "the reference text")     # doctest: +SKIP
    >>> c.wer, c.substitutions                                     # doctest: +SKIP
    >>> c.confidence_by_op()                                       # doctest: +SKIP
    """

    alignment: pd.DataFrame = field(repr=False)
    matches: int
    substitutions: int
    insertions: int
    deletions: int
    n_reference: int
    n_hypothesis: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.insertions + self.deletions

    @property
    def wer(self) -> float:
        if self.n_reference == 0:
            return 0.0 if self.n_hypothesis == 0 else float("inf")
        return self.errors / self.n_reference

    def confidence_by_op(self, threshold: float = 0.5) -> pd.DataFrame:
        """Hypothesis confidence per kind of operation.

        Columns: ``n`` (rows), ``mean_confidence``, ``median_confidence`` and ``below_threshold``
        (share of rows with confidence under ``threshold``), over rows with a confidence.
        Deletions have no hypothesis word, hence no confidence.
        """
        import pandas as pd

        from ._confidence import check_threshold

        threshold = check_threshold(threshold)
        a = self.alignment
        conf = a["hyp_confidence"]
        grouped = pd.DataFrame(
            {"op": a["op"], "confidence": conf, "low": (conf < threshold).where(conf.notna())}
        ).groupby("op", observed=False)
        out = pd.DataFrame(
            {
                "n": grouped.size(),
                "mean_confidence": grouped["confidence"].mean(),
                "median_confidence": grouped["confidence"].median(),
                "below_threshold": grouped["low"].mean(),
            }
        )
        return out.reindex(list(OPS)).fillna({"n": 0}).astype({"n": int})

    def error_rate_by_confidence(
        self, bins: tuple[float, ...] | list[float] = (0.0, 0.5, 0.8, 0.95, 1.0)
    ) -> pd.DataFrame:
        """How often hypothesis words are wrong (substituted or inserted), per confidence bin.

        A useful confidence has a high error rate in the low bins and a low one near 1.
        """
        import numpy as np
        import pandas as pd

        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
            raise ValidationError("bins", bins, "two or more increasing numbers")
        a = self.alignment[self.alignment["hyp_index"].notna()]
        wrong = a["op"].isin(["substitution", "insertion"])
        binned = pd.cut(a["hyp_confidence"], edges, include_lowest=True)
        grouped = wrong.groupby(binned, observed=False)
        out = pd.DataFrame({"n": grouped.size(), "errors": grouped.sum().astype(int)})
        out["error_rate"] = out["errors"] / out["n"].where(out["n"] > 0)
        out.index.name = "confidence"
        return out

    def __repr__(self) -> str:
        return (
            f"Comparison(wer={self.wer:.3f}, substitutions={self.substitutions}, "
            f"deletions={self.deletions}, insertions={self.insertions}, "
            f"n_reference={self.n_reference})"
        )

    def _repr_html_(self) -> str:
        """The hypothesis against the reference: deletions struck, insertions underlined,
        substitutions as ``reference→hypothesis``."""
        parts = []
        for op, ref, hyp in zip(
            self.alignment["op"],
            self.alignment["ref_norm"],
            self.alignment["hyp_norm"],
            strict=True,
        ):
            ref, hyp = html.escape(str(ref)), html.escape(str(hyp))
            if op == "match":
                parts.append(hyp)
            elif op == "substitution":
                parts.append(
                    f"<span style='background:#ffd7a8;color:#111' title='substitution'>"
                    f"<s>{ref}</s>→{hyp}</span>"
                )
            elif op == "deletion":
                parts.append(f"<s style='background:#ffb3b3;color:#111' title='deletion'>{ref}</s>")
            else:
                parts.append(
                    f"<u style='background:#b8e6b8;color:#111' title='insertion'>{hyp}</u>"
                )
        head = html.escape(repr(self))
        return (
            f"<div class='audiokit-comparison'><div style='font-size:0.85em;opacity:0.8'>{head}"
            f"</div><div style='line-height:1.8'>{' '.join(parts)}</div></div>"
        )


@provides("compare")
def compare(
    hypothesis: Transcript | str, reference: Transcript | str, *, max_cells: int = MAX_CELLS
) -> Comparison:
    """Align ``hypothesis`` with ``reference`` word by word and count the errors (WER).

    Parameters
    ----------
    hypothesis : Transcript or str
        The transcript under test (its word confidence is carried into the alignment).
    reference : Transcript or str
        What was said (a reference text), or another model's transcript of the same audio.
    max_cells : int, optional
        Largest DP table before long inputs are cut at runs of common words.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> c = compare("the cat sat on a mat", "The cat sat on the mat.")
    >>> c.wer, c.substitutions
    (0.16666666666666666, 1)
    """
    import numpy as np
    import pandas as pd

    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise ValidationError("max_cells", max_cells, "a positive integer")
    hyp = _side(hypothesis, "hypothesis")
    ref = _side(reference, "reference")
    ref_norm, ref_src = normalize_words(ref.words)
    hyp_norm, hyp_src = normalize_words(hyp.words)
    script = align_words(ref_norm, hyp_norm, max_cells=max_cells)

    n = len(script)
    op = np.array([s[0] for s in script], dtype=object)
    ri = np.array([s[1] for s in script], dtype=np.int64)
    hi = np.array([s[2] for s in script], dtype=np.int64)
    # position in the normalised words -> position in the side's words (-1: none)
    ref_pos = np.append(np.asarray(ref_src, dtype=np.int64), -1)[ri] if n else ri
    hyp_pos = np.append(np.asarray(hyp_src, dtype=np.int64), -1)[hi] if n else hi
    ref_index = np.append(ref.rows, -1)[ref_pos] if n else ri
    hyp_index = np.append(hyp.rows, -1)[hyp_pos] if n else hi

    def pick(values: list[Any] | np.ndarray, index: np.ndarray, missing: Any) -> np.ndarray:
        arr = np.append(np.asarray(values, dtype=object), missing)
        return arr[index] if n else np.empty(0, dtype=object)

    def pick_float(values: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.append(values.astype(float), np.nan)[index] if n else np.empty(0)

    alignment = pd.DataFrame(
        {
            "op": pd.Categorical(op, categories=list(OPS)),
            "ref_word": pick(ref.words, ref_pos, None),
            "hyp_word": pick(hyp.words, hyp_pos, None),
            "ref_norm": pick(ref_norm, ri, None),
            "hyp_norm": pick(hyp_norm, hi, None),
            "ref_index": pd.arrays.IntegerArray(ref_index, ref_index < 0),
            "hyp_index": pd.arrays.IntegerArray(hyp_index, hyp_index < 0),
            "hyp_confidence": pick_float(hyp.confidence, hyp_pos),
            "ref_confidence": pick_float(ref.confidence, ref_pos),
            "hyp_start": pick_float(hyp.start, hyp_pos),
            "hyp_end": pick_float(hyp.end, hyp_pos),
        }
    )
    counts = {name: int((op == name).sum()) for name in OPS}
    return Comparison(
        alignment=alignment,
        matches=counts["match"],
        substitutions=counts["substitution"],
        insertions=counts["insertion"],
        deletions=counts["deletion"],
        n_reference=len(ref_norm),
        n_hypothesis=len(hyp_norm),
    )
