"""How long ``Transcript.tokens`` takes for 100,000 tokens, against baselines measured here.

Three timings of the same transcript, interleaved round by round. The machine is shared, so the
figure is this process's CPU time (``time.process_time``, not affected by waiting for a core),
best of many rounds:

- ``constructor``: ``pd.DataFrame`` from ready numpy columns of the full schema — the cost of
  the frame object alone, with nothing computed;
- ``direct``: the records turned into numpy columns (token, logprob, prob, bytes) and a
  DataFrame — the least any tokens view must do, with no alignment at all;
- ``tokens``: ``Transcript.tokens`` (alignment, words, segments, times).

Target: ``tokens`` within 2x of building the frame directly from numpy columns.
Run: ``python benchmarks/bench_tokens_frame.py [n_tokens] [rounds]``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from operator import attrgetter

import numpy as np
import pandas as pd

from audiokit import Segment, TokenLogprob, Transcript
from audiokit.analysis import TOKEN_COLUMNS, tokens_frame

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


def make_transcript(n_tokens: int, *, seed: int = 0, variant: str = "exact") -> Transcript:
    """~n_tokens tokens: words cut into 1-3 pieces, some commas, 40 timed segments.

    ``variant``: "exact" (tokens add up to the text), "json" (the same without segments: the
    shape of the API's json+logprobs), "stripped" (the text is stripped),
    "split" (every "é" split into two byte tokens, as BPE does), "edited" (every 500th word of
    the text changed, so tokens must be searched for).
    """
    rng = np.random.default_rng(seed)
    words = [*WORDS, "café"] if variant == "split" else WORDS
    tokens: list[tuple[str, tuple[int, ...]]] = []
    seg_texts: list[str] = []
    current: list[str] = []
    per_segment = max(1, n_tokens // 40)
    while len(tokens) < n_tokens:
        word = " " + words[rng.integers(len(words))]
        n_pieces = min(int(rng.integers(1, 4)), len(word) - 1)
        cuts = sorted(rng.choice(np.arange(2, len(word)), size=n_pieces - 1, replace=False))
        pieces = [word[i:j] for i, j in zip([0, *cuts], [*cuts, len(word)], strict=True)]
        if rng.random() < 0.1:
            pieces.append(",")
        for piece in pieces:
            raw = piece.encode()
            if variant == "split" and "é" in piece:
                k = raw.index(b"\xc3") + 1
                tokens += [(raw[:k].decode("utf-8", "replace"), tuple(raw[:k]))]
                tokens += [(raw[k:].decode("utf-8", "replace"), tuple(raw[k:]))]
            else:
                tokens.append((piece, tuple(raw)))
        current.extend(pieces)
        if len(current) >= per_segment:
            seg_texts.append("".join(current))
            current = []
    if current:
        seg_texts.append("".join(current))
    text = "".join(seg_texts)
    if variant == "stripped":
        text = text.strip()
    elif variant == "edited":
        parts = text.split(" ")
        text = " ".join(w if i % 500 else w.upper() + "X" for i, w in enumerate(parts))
    logprobs = -rng.exponential(0.3, size=len(tokens))
    records = tuple(
        TokenLogprob(tok, float(lp), raw) for (tok, raw), lp in zip(tokens, logprobs, strict=True)
    )
    segments = tuple(
        Segment(id=i, start=10.0 * i, end=10.0 * (i + 1), text=s) for i, s in enumerate(seg_texts)
    )
    if variant == "json":
        segments = ()
    return Transcript(text=text, logprobs=records, segment_list=segments)


def direct(t: Transcript) -> pd.DataFrame:
    lps = t.logprobs
    n = len(lps)
    lp = np.fromiter(map(attrgetter("logprob"), lps), dtype=float, count=n)
    return pd.DataFrame(
        {
            "token": np.fromiter(map(attrgetter("token"), lps), dtype=object, count=n),
            "logprob": lp,
            "prob": np.exp(lp),
            "bytes": np.fromiter(map(attrgetter("bytes"), lps), dtype=object, count=n),
        },
        copy=False,
    )


def interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t0)
    return best


def main(n: int = 100_000, rounds: int = 15) -> None:
    print(f"{n:,} tokens, CPU time, best of {rounds} interleaved rounds")
    for variant in ("exact", "json", "stripped", "split", "edited"):
        t = make_transcript(n, variant=variant)
        frame = tokens_frame(t)
        ready = {c: frame[c].array for c in TOKEN_COLUMNS}
        ready["token"] = frame["token"].to_numpy()
        ready["word"] = frame["word"].to_numpy()
        best = interleaved(
            {
                "constructor": lambda r=ready: pd.DataFrame(r, columns=TOKEN_COLUMNS, copy=False),
                "direct": lambda t=t: direct(t),
                "tokens": lambda t=t: tokens_frame(t),
            },
            rounds,
        )
        located = frame["offset"].notna().mean()
        print(f"\n{variant}: {len(t.logprobs):,} tokens, {located:.2%} located")
        for name, secs in best.items():
            print(f"  {name:12s} {secs * 1e3:8.2f} ms")
        print(f"  tokens / direct      = {best['tokens'] / best['direct']:.2f}  (target <= 2)")
        print(f"  tokens / constructor = {best['tokens'] / best['constructor']:.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
