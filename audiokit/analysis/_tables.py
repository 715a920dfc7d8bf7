"""Pandas views of a transcript, built on demand from its typed records.

The numbers come from ``_alignment`` and ``_confidence`` as numpy columns (token alignment, word
aggregation, segment quality flags); this module only wraps them in DataFrames. pandas is
imported inside each function so that ``import audiokit`` stays light.

Offsets (``offset``, ``end_offset``) are floats so that a token or word that could not be located
in the text can be NaN. Indices into other views (``word_index``, ``segment``) use pandas'
nullable ``Int64``: ``<NA>`` means "none".
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
_INDEX_COLUMNS = ("word_index", "segment")
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
    """
    from ._confidence import word_columns

    columns = vars(word_columns(transcript))
    columns["word"] = _strings(columns["word"])
    return _frame(columns, WORD_COLUMNS)


@provides("tokens")
def tokens_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per token: probability, character offsets, word, segment and time."""
    from ._alignment import token_columns

    columns = vars(token_columns(transcript))
    columns["token"] = _strings(columns["token"])
    # each word's text once, then a take: much cheaper than checking 100,000 strings
    columns["word"] = _strings(columns.pop("words")).take(columns["word_index"], allow_fill=True)
    return _frame(columns, TOKEN_COLUMNS)


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An array of pandas' default string dtype (``str`` in pandas 3, object before)."""
    import pandas as pd

    return pd.array(values, dtype=pd.Series([""]).dtype)


def _frame(columns: dict[str, Any], order: list[str]) -> pd.DataFrame:
    import pandas as pd

    data = {}
    for name in order:
        values = columns[name]
        if name in _INDEX_COLUMNS:
            values = pd.arrays.IntegerArray(values, values < 0)
        elif name == "time_source":
            values = pd.Categorical.from_codes(values, categories=list(TIME_SOURCES))
        data[name] = values
    return pd.DataFrame(data, columns=order, copy=False)
