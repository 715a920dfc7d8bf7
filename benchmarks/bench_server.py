"""Throughput of `audiokit serve` with 1 vs 4 concurrent transcription requests.

Run on demand:  python benchmarks/bench_server.py [--requests 8]
Starts the server on 127.0.0.1 (a free port), synthesises a short clip with the local voice,
then times the same batch sequentially and with 4 workers. Prints requests/s and the speed-up.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

import audiokit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=8)
    args = parser.parse_args()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiokit", "serve", "--port", str(port), "--host", "127.0.0.1"],
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

        timings = {}
        for workers in (1, 4):
            started = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(one, range(args.requests)))
            timings[workers] = time.perf_counter() - started
        for workers, seconds in timings.items():
            print(
                f"concurrency {workers}: {args.requests / seconds:.2f} requests/s "
                f"({seconds:.2f} s for {args.requests}, clip {clip.duration:.1f} s)"
            )
        print(f"speed-up 4 vs 1: {timings[1] / timings[4]:.2f}x on {os.cpu_count()} cores")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
