"""Rows for the bench modules that do not define ``rows(quick)`` themselves.

``python -m benchmarks`` asks each bench module for ``rows(quick)``; where a module has none,
the function of the same name here measures the figure with that module's own pieces. A module
that gains its own ``rows`` wins over these.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Row = tuple[str, float, "float | None", "bool | None"]


def interleaved_medians(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median seconds of each function over ``rounds`` rounds, the order flipped each round."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    items = list(fns.items())
    for r in range(rounds):
        for name, fn in items[:: 1 if r % 2 == 0 else -1]:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def tokens(quick: bool) -> list[Row]:
    """``Transcript.tokens`` for 100k tokens vs building the columns straight from numpy."""
    import bench_tokens_frame as bench

    from audiokit.analysis import tokens_frame

    target = 2.0
    out: list[Row] = []
    for variant in ("json",) if quick else ("json", "exact"):
        t = bench.make_transcript(50_000 if quick else 100_000, variant=variant)
        best = bench.interleaved(
            {"direct": lambda t=t: bench.direct(t), "tokens": lambda t=t: tokens_frame(t)},
            5 if quick else 15,
        )
        ratio = best["tokens"] / best["direct"]
        out.append((f"tokens DataFrame ({variant}), CPU, vs numpy columns", ratio, target,
                    ratio <= target))  # fmt: skip
    return out


def local(quick: bool) -> list[Row]:
    """Offline transcription (``Client(backend="local")``) vs bare faster-whisper, same model."""
    import bench_local
    from faster_whisper import WhisperModel

    import audiokit
    from audiokit.audio import encode, resample
    from audiokit.local import PiperEngine
    from audiokit.local._whisper import _bundled_model_path

    target = 1.10
    piper = PiperEngine().load()
    text = bench_local.STORY if not quick else bench_local.STORY.split(". ")[0] + "."
    audio = piper.synthesize(text)
    wav = encode(audio, piper.sample_rate, "wav")
    samples = resample(audio, piper.sample_rate, 16_000)
    client = audiokit.Client(backend="local")
    model = WhisperModel(str(_bundled_model_path()), device="cpu", compute_type="int8")

    def ours() -> str:
        return client.transcribe(wav).text

    def bare() -> str:
        segments, _ = model.transcribe(samples, beam_size=1, vad_filter=False)
        return "".join(s.text for s in segments)

    ours(), bare()  # warm up (the engine loads its model once)
    found = interleaved_medians({"ours": ours, "bare": bare}, 3 if quick else 7)
    ratio = found["ours"] / found["bare"]
    client.close()
    return [("offline transcription vs bare faster-whisper", ratio, target, ratio <= target)]


def server(quick: bool) -> list[Row]:
    """``audiokit serve``: 8 requests from 8 concurrent clients vs the same 8 one by one (time)."""
    import httpx

    import audiokit

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, "-m", "audiokit", "serve", "--port", str(port), "--host", "127.0.0.1"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    requests, target = 8, 1.0
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
        client.transcribe(clip)  # the server loads its model

        def batch(workers: int) -> None:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(lambda _: client.transcribe(clip), range(requests)))

        found = interleaved_medians(
            {"sequential": lambda: batch(1), "concurrent": lambda: batch(requests)},
            1 if quick else 3,
        )
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    ratio = found["concurrent"] / found["sequential"]
    what = f"offline server, {requests} concurrent vs sequential (time)"
    return [(what, ratio, target, ratio <= target)]
