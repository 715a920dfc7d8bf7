"""Batches on an executor with the offline engine: 1 vs 2 workers, and the executor's overhead.

Run on demand:  python benchmarks/bench_executor.py [--files 8] [--rounds 3] [--dask]

Piper speaks ``--files`` short sentences (about 2-3 s each); each case transcribes all of them
offline (Whisper tiny.en, ``cache=False``) and prints files per second, the median of
``--rounds`` rounds, the cases interleaved within each round so machine load hits them alike.
Every worker pool is started and warmed (its model loaded) before timing, as a notebook session
would have it after the first batch.

Cases:
- in-process ``transcribe_many`` at concurrency 1 and 2 (the baseline: no executor);
- ``executor=ProcessPoolExecutor(1)`` at concurrency 1 and ``ProcessPoolExecutor(2)`` at
  concurrency 2 (files/s on 1 vs 2 workers; the 1-worker case against in-process concurrency 1
  is the executor path's overhead: pickling the upload and the transcript, one process hop);
- with ``--dask``: a ``LocalCluster`` of 2 worker processes (1 thread each) at concurrency 2.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import audiokit

SENTENCES = [
    "The small boat sailed over the hill.",
    "Fresh bread is sold at the corner shop.",
    "The meeting starts at ten tomorrow.",
    "Our dog likes to swim in the lake.",
    "Please close the window before you leave.",
    "The train to the city was late again.",
    "She painted the fence a bright blue.",
    "We planted tomatoes in the garden today.",
]


def make_files(folder: Path, count: int) -> list[str]:
    files = []
    with audiokit.Client(backend="local") as client:
        for i in range(count):
            path = folder / f"{i:03d}.wav"
            client.speak(SENTENCES[i % len(SENTENCES)], response_format="wav").save(path)
            files.append(str(path))
    return files


def run(files: list[str], **options: Any) -> float:
    """Seconds for one batch (every file must succeed)."""
    started = time.perf_counter()
    result = audiokit.transcribe_many(
        files, model="whisper-1", progress=False, cache=False, **options
    )
    seconds = time.perf_counter() - started
    assert result.ok == len(files), result.errors
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dask", action="store_true", help="also a 2-worker LocalCluster")
    args = parser.parse_args()

    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp), args.files)
        local = audiokit.Client(backend="local")
        one = concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn)
        two = concurrent.futures.ProcessPoolExecutor(2, mp_context=spawn)
        cases: dict[str, Callable[[], float]] = {
            "in-process, concurrency 1": lambda: run(files, client=local, concurrency=1),
            "in-process, concurrency 2": lambda: run(files, client=local, concurrency=2),
            "ProcessPool 1 worker, concurrency 1": lambda: run(files, executor=one, concurrency=1),
            "ProcessPool 2 workers, concurrency 2": lambda: run(files, executor=two, concurrency=2),
        }
        cluster = dask_client = None
        if args.dask:
            from dask.distributed import Client, LocalCluster

            cluster = LocalCluster(
                processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                dashboard_address=None,
            )  # fmt: skip
            dask_client = Client(cluster)
            cases["Dask LocalCluster 2 workers, concurrency 2"] = lambda: run(
                files, executor=dask_client, concurrency=2
            )
        try:
            for case in cases.values():  # warm: models loaded in every process
                case()
            times: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(args.rounds):
                for name, case in cases.items():
                    times[name].append(case())
        finally:
            one.shutdown()
            two.shutdown()
            if dask_client is not None:
                dask_client.close()
                cluster.close()  # type: ignore[union-attr]
            local.close()

    rate = {name: args.files / statistics.median(t) for name, t in times.items()}
    print(f"{args.files} files, median of {args.rounds} rounds, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'case':<45} {'files/s':>8}")
    for name, value in rate.items():
        print(f"{name:<45} {value:>8.2f}")
    base1, base2 = rate["in-process, concurrency 1"], rate["in-process, concurrency 2"]
    pool1, pool2 = (
        rate["ProcessPool 1 worker, concurrency 1"],
        rate["ProcessPool 2 workers, concurrency 2"],
    )
    print(f"2 workers / 1 worker (ProcessPool):           {pool2 / pool1:.2f}x")
    print(f"executor overhead, 1 worker vs in-process c1: {base1 / pool1:.2f}x time")
    print(f"executor, 2 workers vs in-process c2:         {pool2 / base2:.2f}x files/s")
    if args.dask:
        dask2 = rate["Dask LocalCluster 2 workers, concurrency 2"]
        print(f"Dask 2 workers vs in-process c2:              {dask2 / base2:.2f}x files/s")


if __name__ == "__main__":
    main()
