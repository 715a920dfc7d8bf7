"""Pandas views of a transcript, built on demand from its typed records.

pandas is imported inside each function so that ``import audiokit`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ._transcript import Transcript

__all__ = ["segments_frame", "tokens_frame", "words_frame"]

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
]


def segments_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per segment."""
    import pandas as pd

    rows = [{c: getattr(s, c) for c in SEGMENT_COLUMNS} for s in transcript.segment_list]
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def words_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per word with its times and speaker."""
    import pandas as pd

    columns = ["word", "start", "end", "speaker", "probability"]
    rows = [{c: getattr(w, c) for c in columns} for w in transcript.word_list]
    return pd.DataFrame(rows, columns=columns)


def tokens_frame(transcript: Transcript) -> pd.DataFrame:
    """One row per token: token, logprob, prob, bytes."""
    import numpy as np
    import pandas as pd

    logprobs = np.fromiter((lp.logprob for lp in transcript.logprobs), dtype=float)
    return pd.DataFrame(
        {
            "token": [lp.token for lp in transcript.logprobs],
            "logprob": logprobs,
            "prob": np.exp(logprobs),
            "bytes": [lp.bytes for lp in transcript.logprobs],
        }
    )
