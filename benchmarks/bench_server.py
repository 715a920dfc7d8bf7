"""Throughput of `audiokit serve`: 8 concurrent short transcriptions against 8 sequential.

Run on demand:  python benchmarks/bench_server.py [--requests 8] [--rounds 3]
Starts the server on 127.0.0.1 (a free port), synthesises a short clip with the local voice,
then, round by round, times the batch sent one request after another and all at once
(``--requests`` clients). Prints requests/s and the speed-up (median of the rounds);
:func:`rows` gives it as a ``(what, ratio, target, passed)`` row. Target: >= 1.3x.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

import audiokit

TARGET = 1.3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(requests: int = 8, rounds: int = 3) -> dict[str, float]:
    """Median seconds for ``requests`` transcriptions sequentially and concurrently."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiokit", "serve", "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        clip = audiokit.Client(backend="local").speak(
            "The quick brown fox jumps over the lazy dog near the river bank.",
            response_format="wav",
        )
        client = audiokit.Client(base_url=f"{base}/v1", api_key="bench")
        client.transcribe(clip)  # warm the model up

        def one(_: int) -> None:
            client.transcribe(clip)

        times: dict[int, list[float]] = {1: [], requests: []}
        for _ in range(rounds):
            for workers in times:
                started = time.perf_counter()
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(one, range(requests)))
                times[workers].append(time.perf_counter() - started)
        return {
            "sequential": statistics.median(times[1]),
            "concurrent": statistics.median(times[requests]),
            "clip": clip.duration,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def rows(quick: bool = False) -> list[tuple[str, float, str, bool]]:
    """``(what, ratio, target, passed)``: throughput of 8 concurrent / 8 sequential requests."""
    f = measure(8, 1 if quick else 3)
    ratio = f["sequential"] / f["concurrent"]
    what = "audiokit serve: 8 concurrent short transcriptions / 8 sequential (throughput)"
    return [(what, round(ratio, 2), f"≥ {TARGET:.2f}", ratio >= TARGET)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    f = measure(args.requests, args.rounds)
    n = args.requests
    print(f"load average: {os.getloadavg()}, clip {f['clip']:.1f} s, median of {args.rounds}")
    print(f"sequential:    {n / f['sequential']:.2f} requests/s ({f['sequential']:.2f} s for {n})")
    print(f"concurrent {n}: {n / f['concurrent']:.2f} requests/s ({f['concurrent']:.2f} s)")
    print(f"throughput {n} concurrent / sequential: {f['sequential'] / f['concurrent']:.2f}x")


if __name__ == "__main__":
    main()
