"""Pandas views of a transcript, built on demand from its typed records.

The numbers come from ``_alignment`` and ``_confidence`` as numpy columns (token alignment, word
aggregation, segment quality flags); this module only wraps them in DataFrames. pandas is
imported inside each function so that ``import audiokit`` stays light.

The frames' contract
--------------------
- Column order is that of :data:`TOKEN_COLUMNS` / :data:`WORD_COLUMNS`. The columns a view is
  about are always there; the ones that describe what only some transcripts have (times,
  segments, speakers, server word probabilities: :data:`OPTIONAL_COLUMNS`) are left out when
  they are empty in every row, so a json transcript shows no columns of NaN. Code that works
  on any transcript asks ``"start" in frame`` (or ``frame.get("start")``).
- Character offsets (``offset``, ``end_offset``) and indices into other views
  (``word_index``, ``segment``) are pandas' nullable ``Int64``: ``<NA>`` means "not in the text"
  or "none". They are nullable whatever the data, so a column's dtype does not depend on whether
  this transcript happened to have a missing value. Counts (``n_tokens``) are ``int64``.
- ``bytes`` holds each token's UTF-8 bytes as a Python ``bytes`` object (``b' knee'``; None when
  the server sent none): one short value per row in the notebook, and what ``.str.decode``,
  ``len`` and comparisons with a literal work on. ``TokenLogprob.bytes`` keeps the API's
  integers.
- ``time_source`` is a Categorical of ``"word"`` and ``"segment"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..results import provides
from ._alignment import TIME_SOURCES

if TYPE_CHECKING:
    import pandas as pd

    from ..results import Transcript

__all__ = [
    "OPTIONAL_COLUMNS",
    "SEGMENT_COLUMNS",
    "TOKEN_COLUMNS",
    "WORD_COLUMNS",
    "segments_frame",
    "tokens_frame",
    "words_frame",
]

SEGMENT_COLUMNS = [
    "id",
    "start",
    "end",
    "text",
    "speaker",
    "avg_logprob",
    "compression_ratio",
    "no_speech_prob",
    "temperature",
    "suspect",
    "flags",
]
TOKEN_COLUMNS = [
    "token",
    "logprob",
    "prob",
    "bytes",
    "offset",
    "end_offset",
    "word_index",
    "word",
    "segment",
    "start",
    "end",
    "time_source",
]
WORD_COLUMNS = [
    "word",
    "start",
    "end",
    "speaker",
    "confidence",
    "prob_min",
    "prob_mean",
    "logprob",
    "n_tokens",
    "probability",
    "offset",
    "end_offset",
    "segment",
    "time_source",
]
# Left out of the token and word views when empty in every row (see the module docstring).
OPTIONAL_COLUMNS = frozenset({"segment", "start", "end", "time_source", "speaker", "probability"})
_INDEX_COLUMNS = ("word_index", "segment")
_OFFSET_COLUMNS = ("offset", "end_offset")
_QUALITY = ("avg_logprob", "compression_ratio", "no_speech_prob")


@provides("segments")
def segments_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per segment, with whisper's quality figures and flags.

    ``suspect`` is true when any of the reference's checks fails; ``flags`` names which:
    ``low_logprob`` (avg_logprob < -1), ``repetitive`` (compression_ratio > 2.4), ``no_speech``
    (no_speech_prob > 0.6 and avg_logprob < -1). Segments without those figures never flag.
    """
    import pandas as pd

    from ._confidence import segment_flags

    raw = SEGMENT_COLUMNS[:-2]
    rows = [{c: getattr(s, c) for c in raw} for s in transcript.segment_list]
    frame = pd.DataFrame(rows, columns=raw)
    quality = [frame[c].to_numpy(dtype=float, na_value=np.nan) for c in _QUALITY]
    frame["suspect"], frame["flags"] = segment_flags(*quality)
    frame["suspect"] = frame["suspect"].astype(bool)
    return frame


@provides("words")
def words_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per word: times, speaker and confidence aggregated from its tokens.

    ``confidence`` is the least probable token's probability (``prob_min``); see
    :mod:`audiokit.analysis._confidence` for why, and :mod:`audiokit.analysis._alignment` for how
    words are found.

    Always there: ``word``, ``confidence``, ``prob_min``, ``prob_mean``, ``logprob`` (float; NaN
    for a word without tokens), ``n_tokens`` (int64), ``offset``/``end_offset`` (Int64, <NA> for
    a timestamped word not found in the text). Only when some word has one: ``start``/``end``
    (float seconds), ``speaker``, ``probability`` (as the server reported it), ``segment``
    (Int64), ``time_source`` (Categorical).
    """
    from ._confidence import word_columns

    columns = vars(word_columns(transcript))
    columns["word"] = _strings(columns["word"])
    return _frame(columns, WORD_COLUMNS)


@provides("tokens")
def tokens_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per token: probability, character offsets, word, segment and time.

    Always there: ``token``, ``logprob``, ``prob`` (float), ``bytes`` (``bytes`` or None),
    ``offset``/``end_offset`` (Int64 character positions in ``text``, <NA> for a token not found
    there), ``word_index`` (Int64 row of ``.words``), ``word``. Only when some token has one:
    ``segment`` (Int64 row of ``.segments``), ``start``/``end`` (float seconds) and
    ``time_source`` (Categorical: ``"word"`` or ``"segment"``).
    """
    from ._alignment import token_columns

    columns = vars(token_columns(transcript))
    columns["token"] = _strings(columns["token"])
    # each word's text once, then a take: much cheaper than checking 100,000 strings
    columns["word"] = _strings(columns.pop("words")).take(columns["word_index"], allow_fill=True)
    return _frame(columns, TOKEN_COLUMNS)


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An array of pandas' default string dtype (``str`` in pandas 3, object before).

    ``values`` is an object array of str made for this view: pandas may keep it (no copy).
    """
    import pandas as pd

    return pd.array(values, dtype=pd.Series([""]).dtype, copy=False)


def _has_values(values: np.ndarray, name: str) -> bool:
    """Whether any row of a raw column holds a value (codes and indices: -1 is none)."""
    if name in _INDEX_COLUMNS or name == "time_source":
        return bool((values >= 0).any())
    if values.dtype == object:
        return any(v is not None and v == v for v in values.tolist())  # NaN != NaN
    return not np.isnan(values).all()


def _frame(columns: dict[str, Any], order: list[str]) -> pd.DataFrame:
    import pandas as pd

    data = {}
    for name in order:
        values = columns[name]
        if name in OPTIONAL_COLUMNS and not _has_values(values, name):
            continue
        if name in _INDEX_COLUMNS:
            values = pd.arrays.IntegerArray(values, values < 0)
        elif name in _OFFSET_COLUMNS:
            missing = np.isnan(values)
            if missing.any():
                values = np.where(missing, 0, values)
            values = pd.arrays.IntegerArray(values.astype(np.int64), missing)
        elif name == "time_source":
            values = pd.Categorical.from_codes(values, categories=list(TIME_SOURCES))
        data[name] = values
    return pd.DataFrame(data, columns=list(data), copy=False)
