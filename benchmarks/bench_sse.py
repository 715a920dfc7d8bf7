"""Server-sent events consumed per second: audiokit's TranscriptStream vs a bare httpx-sse loop.

Run on demand:  python benchmarks/bench_sse.py [--events 20000] [--rounds 5]

The loopback server (``_loopback.py``, its own process) answers a streaming transcription with
``--events`` ``transcript.text.delta`` events carrying logprobs, as the API sends them, and a
``transcript.text.done``. Baseline, measured in the same run: the same POST with bare httpx,
``httpx_sse.EventSource(...).iter_sse()`` and ``json.loads`` of every event's data — the least
any client must do. audiokit: ``client.transcribe(..., stream=True)`` iterated to the end, which
also types every event (``TranscriptTextDelta``, its logprobs a ``TokenWindow`` that reads as
``TokenLogprob`` records) and assembles the final ``Transcript``. Rounds alternate which client
goes first; the figures are the median times of each over the rounds and their ratio (target:
audiokit / bare <= 1.0).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time

import httpx
import numpy as np
import soundfile as sf
from _loopback import LoopbackServer
from httpx_sse import EventSource

import audiokit

TARGET = 1.0


def measure(events: int, rounds: int) -> dict[str, float]:
    """Median seconds per stream of ``events`` deltas: ``audiokit`` and ``httpx-sse``."""
    t = np.arange(16_000) / 16_000
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16_000, format="WAV")
    wav = buf.getvalue()
    model = "gpt-4o-mini-transcribe"
    key = "sk-bench-not-a-key"

    with LoopbackServer(events=events) as base:
        client = audiokit.Client(api_key=key, base_url=base, max_retries=0)
        raw = httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=600)

        def ours() -> int:
            with client.transcribe(wav, model=model, stream=True, logprobs=True) as stream:
                n = sum(1 for _ in stream)
                assert stream.transcript.text
            return n

        def bare() -> int:
            n = 0
            with raw.stream(
                "POST",
                f"{base}/audio/transcriptions",
                data={"model": model, "response_format": "json", "include[]": "logprobs",
                      "stream": "true"},
                files={"file": ("audio.wav", wav, "audio/wav")},
                headers={"Accept": "text/event-stream"},
            ) as response:  # fmt: skip
                for sse in EventSource(response).iter_sse():
                    json.loads(sse.data)
                    n += 1
            return n

        assert ours() == bare() == events + 1  # warm up, and both see every event
        times: dict[str, list[float]] = {"audiokit": [], "httpx-sse": []}
        for r in range(rounds):
            for name, fn in [("audiokit", ours), ("httpx-sse", bare)][:: 1 if r % 2 == 0 else -1]:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        client.close()
        raw.close()
    return {name: statistics.median(t) for name, t in times.items()}


def rows(quick: bool = False) -> list[tuple[str, float, float, bool]]:
    """``(what, ratio, target, passed)``: stream time, audiokit / httpx-sse + json.loads."""
    found = measure(20_000, 5 if quick else 11)
    ratio = found["audiokit"] / found["httpx-sse"]
    what = "SSE: 20k deltas with logprobs, time vs httpx_sse + json.loads"
    return [(what, ratio, TARGET, ratio <= TARGET)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    found = measure(args.events, args.rounds)
    n = args.events + 1
    print(f"{n:,} events per stream, median of {args.rounds} rounds")
    print(f"audiokit TranscriptStream : {n / found['audiokit']:10,.0f} events/s")
    print(f"bare httpx-sse + json     : {n / found['httpx-sse']:10,.0f} events/s")
    print(f"time ratio audiokit / bare: {found['audiokit'] / found['httpx-sse']:.3f}"
          f"  (target <= {TARGET})")  # fmt: skip


if __name__ == "__main__":
    main()
