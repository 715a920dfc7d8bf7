"""Analysis of transcripts: token and word confidence, DataFrame tables, comparison with a
reference."""

from ._alignment import TIME_SOURCES, TokenColumns, align_tokens, token_columns, word_spans
from ._compare import MAX_CELLS, OPS, Comparison, align_words, compare, normalize_words
from ._confidence import (
    COMPRESSION_RATIO_THRESHOLD,
    LOGPROB_THRESHOLD,
    NO_SPEECH_THRESHOLD,
    WordColumns,
    check_threshold,
    confidence_units,
    floats,
    low_confidence,
    segment_flags,
    word_columns,
)
from ._tables import (
    OPTIONAL_COLUMNS,
    SEGMENT_COLUMNS,
    TOKEN_COLUMNS,
    WORD_COLUMNS,
    segments_frame,
    tokens_frame,
    words_frame,
)
from ._text_index import WHITESPACE

__all__ = [
    "COMPRESSION_RATIO_THRESHOLD",
    "LOGPROB_THRESHOLD",
    "MAX_CELLS",
    "NO_SPEECH_THRESHOLD",
    "OPS",
    "OPTIONAL_COLUMNS",
    "SEGMENT_COLUMNS",
    "TIME_SOURCES",
    "TOKEN_COLUMNS",
    "WHITESPACE",
    "WORD_COLUMNS",
    "Comparison",
    "TokenColumns",
    "WordColumns",
    "align_tokens",
    "align_words",
    "check_threshold",
    "compare",
    "confidence_units",
    "floats",
    "low_confidence",
    "normalize_words",
    "segment_flags",
    "segments_frame",
    "token_columns",
    "tokens_frame",
    "word_columns",
    "word_spans",
    "words_frame",
]
