"""A response body with 100,000 logprobs to ``Transcript.tokens``, against a baseline measured here.

Per shape of transcript, interleaved round by round, CPU time of this process
(``time.process_time``, not affected by waiting for a core on a shared machine), median of the
rounds:

- ``baseline``: the decoded JSON body's ``logprobs`` dicts turned straight into the same token,
  logprob, prob and bytes columns (``bytes`` objects, as the view has them) and a DataFrame with
  numpy/pandas -- the least any tokens view must do, with no alignment at all;
- ``end to end``: ``Transcript.from_response(body, ...).tokens`` -- parsing, alignment with
  the text, words, segments, times;
- ``tokens``: ``.tokens`` alone of an already parsed transcript.

Target: end to end within 1.5x of the baseline, every shape.
Run: ``python benchmarks/bench_tokens_frame.py [n_tokens] [rounds]``; :func:`rows` gives the
figures as ``(what, ratio, target, passed)`` rows.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from audiokit import Segment, TokenLogprob, Transcript
from audiokit.analysis import tokens_frame

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


TARGET = 1.5
SHAPES = ("json", "exact", "stripped", "split", "edited")


def response_body(t: Transcript) -> dict[str, object]:
    """The API's body for ``t``: json+logprobs, or verbose_json when it has segments."""
    body: dict[str, object] = {"text": t.text, "logprobs": [lp.to_dict() for lp in t.logprobs]}
    if t.segment_list:
        body["segments"] = [
            {"id": s.id, "start": s.start, "end": s.end, "text": s.text} for s in t.segment_list
        ]
    return body


def baseline(body: dict[str, object]) -> pd.DataFrame:
    items = body["logprobs"]
    assert isinstance(items, list)
    lp = np.array([d["logprob"] for d in items], dtype=float)
    return pd.DataFrame(
        {
            "token": pd.array([d["token"] for d in items], dtype=pd.Series([""]).dtype),
            "logprob": lp,
            "prob": np.exp(lp),
            "bytes": np.fromiter((bytes(d["bytes"]) for d in items), dtype=object),
        },
        copy=False,
    )


def end_to_end(body: dict[str, object]) -> pd.DataFrame:
    fmt = "verbose_json" if "segments" in body else "json"
    return Transcript.from_response(body, fmt).tokens


def interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            times[name].append(time.process_time() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def measure(n: int = 100_000, rounds: int = 15) -> dict[str, dict[str, float]]:
    """Median CPU seconds of baseline / end to end / tokens alone, per shape."""
    out = {}
    for variant in SHAPES:
        t = make_transcript(n, variant=variant)
        body = response_body(t)
        parsed = Transcript.from_response(body, "verbose_json" if t.segment_list else "json")
        frame = end_to_end(body)
        columns = ["token", "logprob", "prob", "bytes"]
        pd.testing.assert_frame_equal(frame[columns], baseline(body))  # the same columns
        out[variant] = interleaved(
            {
                "baseline": lambda b=body: baseline(b),
                "end to end": lambda b=body: end_to_end(b),
                "tokens": lambda p=parsed: tokens_frame(p),
            },
            rounds,
        )
        out[variant]["located"] = float(frame["offset"].notna().mean())
    return out


def rows(quick: bool = False) -> list[tuple[str, float, float, bool]]:
    """``(what, ratio, target, passed)`` per shape: end to end / baseline."""
    figures = measure(20_000 if quick else 100_000, 5 if quick else 15)
    result = []
    for variant, f in figures.items():
        ratio = f["end to end"] / f["baseline"]
        what = f"tokens frame from a JSON body, {variant}, vs building the columns directly"
        result.append((what, round(ratio, 2), TARGET, ratio <= TARGET))
    return result


def main(n: int = 100_000, rounds: int = 15) -> None:
    print(f"{n:,} tokens, CPU time, median of {rounds} interleaved rounds")
    for variant, f in measure(n, rounds).items():
        print(f"\n{variant}: {f['located']:.2%} of tokens located in the text")
        for name in ("baseline", "end to end", "tokens"):
            print(f"  {name:12s} {f[name] * 1e3:8.2f} ms")
        ratio = f["end to end"] / f["baseline"]
        print(f"  end to end / baseline = {ratio:.2f}  (target <= {TARGET})")
        print(f"  tokens / baseline     = {f['tokens'] / f['baseline']:.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
