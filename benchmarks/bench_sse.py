"""Server-sent events consumed per second: audiokit's TranscriptStream vs a bare httpx-sse loop.

Run on demand:  python benchmarks/bench_sse.py [--events 20000] [--rounds 5]

The loopback server (``_loopback.py``, its own process) answers a streaming transcription with
``--events`` ``transcript.text.delta`` events carrying logprobs, as the API sends them, and a
``transcript.text.done``. Baseline, measured in the same run: the same POST with bare httpx,
``httpx_sse.EventSource(...).iter_sse()`` and ``json.loads`` of every event's data — the least
any client must do. audiokit: ``client.transcribe(..., stream=True)`` iterated to the end, which
also types every event (``TranscriptTextDelta`` with ``TokenLogprob``\\ s) and assembles the
final ``Transcript``. Rounds alternate which client goes first; the figure is the best round of
each (events per second) and their ratio.
"""

from __future__ import annotations

import argparse
import io
import json
import time

import httpx
import numpy as np
import soundfile as sf
from _loopback import LoopbackServer
from httpx_sse import EventSource

import audiokit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    t = np.arange(16_000) / 16_000
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16_000, format="WAV")
    wav = buf.getvalue()
    model = "gpt-4o-mini-transcribe"
    key = "sk-bench-not-a-key"

    with LoopbackServer(events=args.events) as base:
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

        assert ours() == bare() == args.events + 1  # warm up, and both see every event
        best = {"audiokit": 0.0, "httpx-sse": 0.0}
        for r in range(args.rounds):
            for name, fn in [("audiokit", ours), ("httpx-sse", bare)][:: 1 if r % 2 == 0 else -1]:
                start = time.perf_counter()
                n = fn()
                rate = n / (time.perf_counter() - start)
                best[name] = max(best[name], rate)
        client.close()
        raw.close()

    ratio = best["audiokit"] / best["httpx-sse"]
    print(f"{args.events + 1:,} events per stream, best of {args.rounds} rounds")
    print(f"audiokit TranscriptStream : {best['audiokit']:10,.0f} events/s")
    print(f"bare httpx-sse + json     : {best['httpx-sse']:10,.0f} events/s")
    print(f"ratio audiokit / bare     : {ratio:.3f}")


if __name__ == "__main__":
    main()
