"""Per-request overhead of audiokit's client over bare httpx, against a loopback server.

Run on demand:  python benchmarks/bench_overhead.py [--requests 200] [--rounds 5] [--seconds 10]

Both clients send the same requests to the same server (``_loopback.py``, its own process):

- transcription: a ``--seconds`` long 16 kHz 16-bit WAV (and the same audio as mp3) uploaded as
  multipart with ``model`` and ``response_format``; bare httpx then ``json.loads`` the answer,
  audiokit builds a ``Transcript`` (after its checks: the model's capabilities, the audio is
  readable and not silent, the long-audio planner);
- speech: a JSON body; the server answers 3 s of WAV; bare httpx reads ``.content``, audiokit
  builds a ``Speech``.

Sync (``Client`` vs ``httpx.Client``) and async (``AsyncClient`` vs ``httpx.AsyncClient``, wav and
mp3),
one request at a time on a kept-alive connection. Each request is timed on its own, the two
clients alternating call by call (and which goes first), ``--requests`` x ``--rounds`` calls
each; the figures are the median times per request (robust against the other tenants of a
shared machine) and their ratio audiokit / httpx, with the ratio of the lower quartiles as a
second opinion. Target: <= 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import time
from collections.abc import Awaitable, Callable
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


def run_sync(
    label: str, ours: Callable[[], Any], raw: Callable[[], Any], n: int, rounds: int
) -> dict:
    for _ in range(10):  # warm up both (connections, imports, caches)
        ours()
        raw()
    t_ours, t_raw = [], []
    clock = time.perf_counter
    for i in range(n * rounds):  # one call of each, alternating which goes first
        for fn, sink in ((ours, t_ours), (raw, t_raw))[:: 1 if i % 2 == 0 else -1]:
            start = clock()
            fn()
            sink.append(clock() - start)
    return report(label, t_ours, t_raw)


async def run_async(
    label: str,
    ours: Callable[[], Awaitable[Any]],
    raw: Callable[[], Awaitable[Any]],
    n: int,
    rounds: int,
) -> dict:
    for _ in range(10):
        await ours()
        await raw()
    t_ours, t_raw = [], []
    clock = time.perf_counter
    for i in range(n * rounds):
        for fn, sink in ((ours, t_ours), (raw, t_raw))[:: 1 if i % 2 == 0 else -1]:
            start = clock()
            await fn()
            sink.append(clock() - start)
    return report(label, t_ours, t_raw)


def report(label: str, t_ours: list[float], t_raw: list[float]) -> dict:
    """Medians of per-request times (robust to the other tenants of a shared machine)."""
    ours, raw = statistics.median(t_ours), statistics.median(t_raw)
    q_ours = statistics.quantiles(t_ours, n=4)[0]
    q_raw = statistics.quantiles(t_raw, n=4)[0]
    row = {
        "case": label,
        "audiokit_ms": ours * 1e3,
        "httpx_ms": raw * 1e3,
        "overhead_ms": (ours - raw) * 1e3,
        "ratio": ours / raw,
        "ratio_q1": q_ours / q_raw,
    }
    print(
        f"{label:<24} audiokit {row['audiokit_ms']:7.3f} ms   httpx {row['httpx_ms']:7.3f} ms   "
        f"+{row['overhead_ms']:6.3f} ms   ratio {row['ratio']:.3f} "
        f"(lower quartiles: {row['ratio_q1']:.3f})",
        flush=True,
    )
    return row


TARGET = 1.10


def measure(n: int, rounds: int, seconds: float = 10.0, *, speech_cases: bool = True) -> list[dict]:
    """One row per case (``report``): transcription wav/mp3 and speech, sync and async."""
    wav = wav_bytes(seconds, 16_000)
    mp3 = mp3_bytes(seconds, 16_000)
    speech = wav_bytes(3.0, 24_000)
    text = "The quick brown fox jumped over the lazy dog."
    model = "gpt-4o-mini-transcribe"
    uploads = {"wav": ("audio.wav", wav, "audio/wav"), "mp3": ("audio.mp3", mp3, "audio/mpeg")}
    print(f"upload: {len(wav):,} bytes wav / {len(mp3):,} bytes mp3 ({seconds:g} s); "
          f"speech answer: {len(speech):,} bytes; {rounds} rounds x {n} requests")  # fmt: skip
    speech_body = {"model": "gpt-4o-mini-tts", "input": text, "voice": "alloy",
                   "response_format": "wav"}  # fmt: skip

    rows = []
    with LoopbackServer(speech=speech) as base:
        key = "sk-bench-not-a-key"
        client = audiokit.Client(api_key=key, base_url=base, max_retries=0)
        raw = httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=600)

        def raw_transcribe(fmt: str) -> Callable[[], Any]:
            def call() -> Any:
                r = raw.post(
                    f"{base}/audio/transcriptions",
                    data={"model": model, "response_format": "json"},
                    files={"file": uploads[fmt]},
                )
                r.raise_for_status()
                return json.loads(r.content)

            return call

        def raw_speak() -> bytes:
            r = raw.post(f"{base}/audio/speech", json=speech_body)
            r.raise_for_status()
            return r.content

        sync_cases = [
            (f"transcribe {fmt} (sync)",
             lambda d=uploads[fmt][1]: client.transcribe(d, model=model), raw_transcribe(fmt))
            for fmt in uploads
        ]  # fmt: skip
        if speech_cases:
            sync_cases.append(
                ("speak wav (sync)", lambda: client.speak(text, response_format="wav"), raw_speak)
            )
        for label, ours, bare in sync_cases:
            rows.append(run_sync(label, ours, bare, n, rounds))
        client.close()
        raw.close()

        async def async_cases() -> None:
            aclient = audiokit.AsyncClient(api_key=key, base_url=base, max_retries=0)
            araw = httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=600)

            def raw_t(fmt: str) -> Callable[[], Awaitable[Any]]:
                async def call() -> Any:
                    r = await araw.post(
                        f"{base}/audio/transcriptions",
                        data={"model": model, "response_format": "json"},
                        files={"file": uploads[fmt]},
                    )
                    r.raise_for_status()
                    return json.loads(r.content)

                return call

            async def raw_s() -> bytes:
                r = await araw.post(f"{base}/audio/speech", json=speech_body)
                r.raise_for_status()
                return r.content

            cases = [
                (f"transcribe {fmt} (async)",
                 lambda d=uploads[fmt][1]: aclient.transcribe(d, model=model), raw_t(fmt))
                for fmt in uploads
            ]  # fmt: skip
            if speech_cases:
                cases.append(
                    ("speak wav (async)", lambda: aclient.speak(text, response_format="wav"), raw_s)
                )
            for label, ours_a, bare_a in cases:
                rows.append(await run_async(label, ours_a, bare_a, n, rounds))
            await aclient.aclose()
            await araw.aclose()

        asyncio.run(async_cases())
    return rows


def rows(quick: bool = False) -> list[tuple[str, float, float, bool]]:
    """``(what, ratio, target, passed)`` per transcription case: audiokit / bare httpx."""
    found = measure(60 if quick else 200, 2 if quick else 5, speech_cases=False)
    return [
        (f"{row['case']}, 10 s upload, vs bare httpx", row["ratio"], TARGET, row["ratio"] <= TARGET)
        for row in found
    ]


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
