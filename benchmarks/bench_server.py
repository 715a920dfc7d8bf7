"""Throughput of `audiokit serve`: 8 concurrent short transcriptions against 8 sequential.

Run on demand:  python benchmarks/bench_server.py [--requests 8] [--rounds 3] [SERVE OPTIONS]
Starts the server on 127.0.0.1 (a free port; options such as ``--workers 1`` or
``--max-batch 1`` are passed to ``audiokit serve``), synthesises a short clip with the local
voice, then, round by round, times the batch sent one request after another and all at once
(``--requests`` clients). Prints requests/s, the speed-up (median of the rounds) and the
server's CPU seconds per request in each mode (the figure that holds on a loaded machine);
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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx

import audiokit

TARGET = 1.3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(requests: int = 8, rounds: int = 3, serve_args: Sequence[str] = ()) -> dict[str, float]:
    """Median seconds (and server CPU seconds) for ``requests`` transcriptions sequentially
    and concurrently."""
    port = _free_port()
    command = [sys.executable, "-m", "audiokit", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", *serve_args],
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
        cpu: dict[int, list[float]] = {1: [], requests: []}
        for _ in range(rounds):
            for workers in times:
                started, cpu_before = time.perf_counter(), _cpu_seconds(proc.pid)
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(one, range(requests)))
                times[workers].append(time.perf_counter() - started)
                cpu[workers].append(_cpu_seconds(proc.pid) - cpu_before)
        return {
            "sequential": statistics.median(times[1]),
            "concurrent": statistics.median(times[requests]),
            "sequential_cpu": statistics.median(cpu[1]) / requests,
            "concurrent_cpu": statistics.median(cpu[requests]) / requests,
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
    args, serve_args = parser.parse_known_args()
    load_before = os.getloadavg()
    f = measure(args.requests, args.rounds, serve_args)
    n = args.requests
    print(f"load average before: {load_before}, clip {f['clip']:.1f} s, median of {args.rounds}")
    print(f"sequential:    {n / f['sequential']:.2f} requests/s ({f['sequential']:.2f} s for {n})")
    print(f"concurrent {n}: {n / f['concurrent']:.2f} requests/s ({f['concurrent']:.2f} s)")
    print(f"throughput {n} concurrent / sequential: {f['sequential'] / f['concurrent']:.2f}x")
    seq_cpu, conc_cpu = f["sequential_cpu"], f["concurrent_cpu"]
    print(f"server CPU per request: sequential {seq_cpu:.2f} s, concurrent {conc_cpu:.2f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
