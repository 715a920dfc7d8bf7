"""Per-request overhead of audiokit's client over bare httpx, against a loopback server.

Run on demand:  python benchmarks/bench_overhead.py [--requests 200] [--rounds 5] [--seconds 10]

Both clients send the same requests to the same server (``_loopback.py``, its own process):

- transcription: a ``--seconds`` long 16 kHz 16-bit WAV (and the same audio as mp3) uploaded as
  multipart with ``model`` and ``response_format``; bare httpx then ``json.loads`` the answer,
  audiokit builds a ``Transcript`` (after its checks: the model's capabilities, the audio is
  readable and not silent, the long-audio planner);
- speech: a JSON body; the server answers 3 s of WAV; bare httpx reads ``.content``, audiokit
  builds a ``Speech``.

Sync (``Client`` vs ``httpx.Client``) and async (``AsyncClient`` vs ``httpx.AsyncClient``), one
timing loop for both (``run``), one request at a time on a kept-alive connection. Each request
is timed on its own, the two clients alternating call by call (and which goes first),
``--requests`` x ``--rounds`` calls each; the figures are the median times per request (robust
against the other tenants of a shared machine) and their ratio audiokit / httpx, with the ratio
of the lower quartiles and the ratio of this process's mean CPU time per request
(``time.process_time``: waiting for a core or for the server does not count) as second
opinions. Target: <= 1.10 (the median wall time).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import io
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import numpy as np
import soundfile as sf
from _loopback import LoopbackServer

import audiokit


def speechlike(seconds: float, rate: int) -> np.ndarray:
    """A tone with harmonics and a syllable-rate envelope, plus a little noise."""
    t = np.arange(round(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((180, 360, 540), start=1))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))
    noise = np.random.default_rng(0).normal(0, 0.01, len(t))
    return (0.3 * voice * envelope + noise).astype(np.float32)


def wav_bytes(seconds: float, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, speechlike(seconds, rate), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def mp3_bytes(seconds: float, rate: int) -> bytes:
    from audiokit.audio import encode

    return encode(speechlike(seconds, rate), rate, "mp3")


async def run(
    label: str, ours: Callable[[], Any], raw: Callable[[], Any], n: int, rounds: int
) -> dict:
    """Time ``ours`` against ``raw``, call by call; either may return an awaitable (async)."""

    async def call(fn: Callable[[], Any]) -> None:
        result = fn()
        if inspect.isawaitable(result):
            await result

    for _ in range(10):  # warm up both (connections, imports, caches)
        await call(ours)
        await call(raw)
    times: dict[str, list[float]] = {"ours": [], "raw": [], "ours_cpu": [], "raw_cpu": []}
    clock, cpu = time.perf_counter, time.process_time
    for i in range(n * rounds):  # one call of each, alternating which goes first
        for name, fn in (("ours", ours), ("raw", raw))[:: 1 if i % 2 == 0 else -1]:
            start, start_cpu = clock(), cpu()
            await call(fn)
            times[name].append(clock() - start)
            times[f"{name}_cpu"].append(cpu() - start_cpu)
    return report(label, times)


def report(label: str, times: dict[str, list[float]]) -> dict:
    """Medians of per-request times (robust to the other tenants of a shared machine), and the
    mean CPU time of this process per request (the server is another process)."""
    ours, raw = statistics.median(times["ours"]), statistics.median(times["raw"])
    q_ours = statistics.quantiles(times["ours"], n=4)[0]
    q_raw = statistics.quantiles(times["raw"], n=4)[0]
    cpu_ours, cpu_raw = statistics.fmean(times["ours_cpu"]), statistics.fmean(times["raw_cpu"])
    row = {
        "case": label,
        "audiokit_ms": ours * 1e3,
        "httpx_ms": raw * 1e3,
        "overhead_ms": (ours - raw) * 1e3,
        "ratio": ours / raw,
        "ratio_q1": q_ours / q_raw,
        "audiokit_cpu_ms": cpu_ours * 1e3,
        "httpx_cpu_ms": cpu_raw * 1e3,
        "ratio_cpu": cpu_ours / cpu_raw,
    }
    print(
        f"{label:<24} audiokit {row['audiokit_ms']:7.3f} ms   httpx {row['httpx_ms']:7.3f} ms   "
        f"+{row['overhead_ms']:6.3f} ms   ratio {row['ratio']:.3f} "
        f"(lower quartiles: {row['ratio_q1']:.3f}; CPU {row['audiokit_cpu_ms']:.3f} / "
        f"{row['httpx_cpu_ms']:.3f} ms = {row['ratio_cpu']:.3f})",
        flush=True,
    )
    return row


TARGET = 1.10
MODEL = "gpt-4o-mini-transcribe"
TEXT = "The quick brown fox jumped over the lazy dog."
SPEECH_BODY = {
    "model": "gpt-4o-mini-tts",
    "input": TEXT,
    "voice": "alloy",
    "response_format": "wav",
}


def measure(n: int, rounds: int, seconds: float = 10.0, *, speech_cases: bool = True) -> list[dict]:
    """One row per case (``report``): transcription wav/mp3 and speech, sync and async."""
    wav = wav_bytes(seconds, 16_000)
    mp3 = mp3_bytes(seconds, 16_000)
    speech = wav_bytes(3.0, 24_000)
    uploads = {"wav": ("audio.wav", wav, "audio/wav"), "mp3": ("audio.mp3", mp3, "audio/mpeg")}
    print(f"upload: {len(wav):,} bytes wav / {len(mp3):,} bytes mp3 ({seconds:g} s); "
          f"speech answer: {len(speech):,} bytes; {rounds} rounds x {n} requests")  # fmt: skip
    with LoopbackServer(speech=speech) as base:
        return [
            row
            for mode in ("sync", "async")
            for row in asyncio.run(_measure_mode(mode, base, uploads, n, rounds, speech_cases))
        ]


async def _measure_mode(
    mode: str, base: str, uploads: dict, n: int, rounds: int, speech_cases: bool
) -> list[dict]:
    """The cases of one mode: ``Client`` vs ``httpx.Client``, or the two async clients."""
    key = "sk-bench-not-a-key"
    sync = mode == "sync"
    client = (audiokit.Client if sync else audiokit.AsyncClient)(
        api_key=key, base_url=base, max_retries=0
    )
    raw = (httpx.Client if sync else httpx.AsyncClient)(
        headers={"Authorization": f"Bearer {key}"}, timeout=600
    )

    def finish(response: Any, decode: Callable[[httpx.Response], Any]) -> Any:
        response.raise_for_status()
        return decode(response)

    def bare(post: Callable[[], Any], decode: Callable[[httpx.Response], Any]) -> Any:
        """``post()`` then ``decode`` its response, as a plain call or a coroutine."""
        if sync:
            return lambda: finish(post(), decode)

        async def call() -> Any:
            return finish(await post(), decode)

        return call

    cases = []
    for fmt, upload in uploads.items():
        post = partial(
            raw.post,
            f"{base}/audio/transcriptions",
            data={"model": MODEL, "response_format": "json"},
            files={"file": upload},
        )
        ours = partial(client.transcribe, upload[1], model=MODEL)
        cases.append(
            (f"transcribe {fmt} ({mode})", ours, bare(post, lambda r: json.loads(r.content)))
        )
    if speech_cases:
        post = partial(raw.post, f"{base}/audio/speech", json=SPEECH_BODY)
        ours = partial(client.speak, TEXT, response_format="wav")
        cases.append((f"speak wav ({mode})", ours, bare(post, lambda r: r.content)))
    rows = [await run(label, ours, bare_call, n, rounds) for label, ours, bare_call in cases]
    if sync:
        client.close()
        raw.close()
    else:
        await client.aclose()
        await raw.aclose()
    return rows


def rows(quick: bool = False) -> list[tuple[str, float, float | None, bool | None]]:
    """``(what, ratio, target, passed)`` per transcription case: audiokit / bare httpx, in wall
    time (the target), then in CPU time (information: the second opinion on a busy machine)."""
    found = measure(60 if quick else 200, 2 if quick else 5, speech_cases=False)
    wall = [
        (f"{row['case']}, 10 s upload, vs bare httpx", row["ratio"], TARGET, row["ratio"] <= TARGET)
        for row in found
    ]
    cpu = [
        (f"{row['case']}, CPU time, vs bare httpx (not a target)", row["ratio_cpu"], None, None)
        for row in found
    ]
    return wall + cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the upload")
    args = parser.parse_args()
    found = measure(args.requests, args.rounds, args.seconds)
    worst = max(r["ratio"] for r in found)
    print(f"worst ratio {worst:.3f} (target <= {TARGET:.2f})")


if __name__ == "__main__":
    main()
