"""How long ``Transcript.tokens`` takes for 100,000 tokens, against a baseline measured here.

Baseline: ``pd.DataFrame`` built directly from ready numpy columns of the same schema (the cost
of the frame itself). Also shown: extracting the raw columns (token, logprob, bytes) from the
records, the least any implementation must do. The target is a ratio of at most 2 against the
baseline. Run: ``python benchmarks/bench_tokens_frame.py [n_tokens]``.
"""

from __future__ import annotations

import sys
import time
from operator import attrgetter

import numpy as np
import pandas as pd

from audiokit import Segment, TokenLogprob, Transcript
from audiokit._tables import TOKEN_COLUMNS, tokens_frame

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "seven",
    "zebras",
    "quietly",
    "graze",
]


def make_transcript(n_tokens: int, *, seed: int = 0, stripped: bool = False) -> Transcript:
    """~n_tokens tokens: words split into 1-3 pieces, punctuation, 40 segments with times."""
    rng = np.random.default_rng(seed)
    tokens: list[str] = []
    seg_texts: list[str] = []
    current: list[str] = []
    per_segment = max(1, n_tokens // 40)
    while len(tokens) < n_tokens:
        word = " " + WORDS[rng.integers(len(WORDS))]
        cut = sorted(rng.choice(np.arange(2, len(word)), size=min(2, len(word) - 2), replace=False))
        pieces = [word[i:j] for i, j in zip([0, *cut], [*cut, len(word)], strict=True) if i < j]
        pieces = pieces[: rng.integers(1, 4)]
        pieces[-1] = word[sum(map(len, pieces[:-1])) :]
        if rng.random() < 0.1:
            pieces.append(",")
        tokens.extend(pieces)
        current.extend(pieces)
        if len(current) >= per_segment:
            seg_texts.append("".join(current))
            current = []
    if current:
        seg_texts.append("".join(current))
    text = "".join(tokens)
    logprobs = -rng.exponential(0.3, size=len(tokens))
    records = tuple(
        TokenLogprob(tok, float(lp), tuple(tok.encode()))
        for tok, lp in zip(tokens, logprobs, strict=True)
    )
    segments = tuple(
        Segment(id=i, start=10.0 * i, end=10.0 * (i + 1), text=s) for i, s in enumerate(seg_texts)
    )
    return Transcript(
        text=text.strip() if stripped else text, logprobs=records, segment_list=segments
    )


def best_of(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int = 100_000) -> None:
    for label, stripped in (("tokens == text", False), ("text stripped", True)):
        t = make_transcript(n, stripped=stripped)
        frame = tokens_frame(t)
        ready = {c: frame[c].to_numpy() for c in TOKEN_COLUMNS}
        ready["word_index"] = frame["word_index"].array  # same nullable arrays as the real frame
        ready["segment"] = frame["segment"].array

        def baseline(ready=ready) -> pd.DataFrame:
            return pd.DataFrame(ready, columns=TOKEN_COLUMNS, copy=False)

        def extract(t=t) -> pd.DataFrame:
            lps = t.logprobs
            lp = np.fromiter(map(attrgetter("logprob"), lps), dtype=float, count=len(lps))
            return pd.DataFrame(
                {
                    "token": list(map(attrgetter("token"), lps)),
                    "logprob": lp,
                    "prob": np.exp(lp),
                    "bytes": list(map(attrgetter("bytes"), lps)),
                }
            )

        t_base = best_of(baseline)
        t_extract = best_of(extract)
        t_ours = best_of(lambda t=t: tokens_frame(t))
        located = frame["offset"].notna().mean()
        print(f"{label}: {len(t.logprobs):,} tokens, {located:.1%} located")
        print(f"  baseline  DataFrame from ready numpy columns : {t_base * 1e3:8.2f} ms")
        print(f"  reference raw columns extracted from records : {t_extract * 1e3:8.2f} ms")
        print(f"  Transcript.tokens (align, words, segments)   : {t_ours * 1e3:8.2f} ms")
        print(f"  ratio tokens / baseline = {t_ours / t_base:.2f}  (target <= 2)")
        print(f"  ratio tokens / raw extraction = {t_ours / t_extract:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
