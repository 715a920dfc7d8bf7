"""Concurrency efficiency of ``audiokit.transcribe_many`` against a server with fixed latency.

Run on demand:  python benchmarks/bench_batch.py [--files 100] [--latency 0.2] [--concurrency 8]

A tiny threaded HTTP server on 127.0.0.1, in its own process (so it does not compete with the
client for the GIL), answers every ``POST /v1/audio/transcriptions`` after sleeping
``--latency`` seconds (it reads the upload, never transcribes), so the ideal time of a batch is
``files * latency / concurrency``. The batch is timed at concurrency 1 and at
``--concurrency``; efficiency = ideal time / measured time (1.0 = no overhead at all). As a
baseline measured in the same run, the same uploads are sent with bare ``httpx`` at the same
concurrency: the best any client could do on this machine. Then the batch is run with the
cache on, twice: the re-run must make no request.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

import audiokit


class LatencyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.requests = 0
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def serve(latency: float, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    server = LatencyServer(latency)
    ready.put(server.base_url)
    server.serve_forever()


def start_server(latency: float) -> tuple[multiprocessing.Process, str]:
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(target=serve, args=(latency, ready), daemon=True)
    process.start()
    return process, ready.get(timeout=30)


def requests_served(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/count").text)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API server
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)

    def do_POST(self) -> None:
        server: LatencyServer = self.server  # type: ignore[assignment]
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with server.lock:
            server.requests += 1
        time.sleep(server.latency)
        body = json.dumps({"text": "ok", "usage": {"type": "duration", "seconds": 1}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        server: LatencyServer = self.server  # type: ignore[assignment]
        body = str(server.requests).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def make_files(folder: Path, count: int) -> list[str]:
    """``count`` distinct half-second tones as WAV files."""
    rate = 16_000
    t = np.arange(rate // 2) / rate
    paths = []
    for i in range(count):
        buf = io.BytesIO()
        sf.write(buf, (0.2 * np.sin(2 * np.pi * (200 + 7 * i) * t)).astype(np.float32), rate,
                 format="WAV")  # fmt: skip
        path = folder / f"clip{i:03d}.wav"
        path.write_bytes(buf.getvalue())
        paths.append(str(path))
    return paths


def run(files: list[str], base_url: str, concurrency: int, **options: object) -> float:
    client = audiokit.AsyncClient(base_url=base_url, api_key="bench-not-a-key")
    started = time.perf_counter()
    result = audiokit.transcribe_many(files, client=client, concurrency=concurrency,
                                      model="whisper-1", progress=False, **options)  # fmt: skip
    elapsed = time.perf_counter() - started
    assert result.ok == len(files), result
    return elapsed


def run_bare_httpx(files: list[str], base_url: str, concurrency: int) -> float:
    """The same uploads with plain httpx: no checks, no cache, no bookkeeping."""
    uploads = [Path(f).read_bytes() for f in files]

    async def go() -> None:
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(data: bytes) -> None:
                async with gate:
                    response = await client.post(
                        f"{base_url}/audio/transcriptions",
                        data={"model": "whisper-1"},
                        files={"file": ("clip.wav", data, "audio/wav")},
                    )
                    response.raise_for_status()

            await asyncio.gather(*(one(d) for d in uploads))

    started = time.perf_counter()
    asyncio.run(go())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    process, base_url = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = make_files(Path(tmp), args.files)
            run(files[:4], base_url, 4, cache=False)  # warm-up: imports, first connections

            results = {}
            for concurrency in (1, args.concurrency):
                elapsed = run(files, base_url, concurrency, cache=False)
                ideal = args.files * args.latency / concurrency
                results[concurrency] = elapsed
                print(f"transcribe_many concurrency {concurrency:2d}: {elapsed:6.2f} s  "
                      f"(ideal {ideal:6.2f} s)  efficiency {ideal / elapsed:.3f}")  # fmt: skip
            bare = run_bare_httpx(files, base_url, args.concurrency)
            ideal = args.files * args.latency / args.concurrency
            print(f"bare httpx      concurrency {args.concurrency:2d}: {bare:6.2f} s  "
                  f"(ideal {ideal:6.2f} s)  efficiency {ideal / bare:.3f}")  # fmt: skip
            tn = results[args.concurrency]
            print(f"speed-up {results[1] / tn:.2f}x of an ideal {args.concurrency}x; "
                  f"transcribe_many / bare httpx time: {tn / bare:.3f}")  # fmt: skip

            cache_dir = Path(tmp) / "cache"
            before = requests_served(base_url)
            first = run(files, base_url, args.concurrency, cache_dir=cache_dir)
            sent = requests_served(base_url) - before
            again = run(files, base_url, args.concurrency, cache_dir=cache_dir)
            resent = requests_served(base_url) - before - sent
            print(f"cache: first run {first:.2f} s ({sent} requests), "
                  f"re-run {again:.2f} s ({resent} requests)")  # fmt: skip
    finally:
        process.terminate()


if __name__ == "__main__":
    main()
