"""Soak `audiokit serve`: minutes of mixed concurrent traffic, then what was served and what broke.

Run on demand:  nice -n 10 python benchmarks/soak.py --seconds 120
(or ``--base-url http://127.0.0.1:8000 --api-key KEY [--pid PID]`` against a running server).

Without ``--base-url`` it starts ``audiokit serve --api-key <random>`` on 127.0.0.1 (a free
port) and stops it at the end. ``--workers`` threads then loop until ``--seconds`` have passed,
each picking a kind of request at random (weighted):

- ``json``, ``verbose_json``, ``stream``: transcriptions of a short clip (JSON, verbose JSON with
  word timestamps, SSE read to its ``transcript.text.done``);
- ``speech``: a sentence as mp3;
- ``realtime``: a WebSocket transcription session — update, append the clip, commit, wait for
  the transcript;
- ``oversized`` (413: a 30 MB ``Content-Length``, only its start sent), ``malformed`` (400: bytes
  that are not audio, a bad voice), ``wrong_key`` (401), ``evil_origin`` (403).

Each answer is *expected* (the status the kind should get: 200, or its 4xx) or *unexpected*
(another status, any 5xx, a connection error or timeout). Printed: requests per kind,
unexpected ones by what went wrong, p50/p99 latency per kind, and the server's RSS (``VmRSS``
in ``/proc/<pid>/status``) at the start and the end. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SENTENCE = "Please send the quarterly report to the finance team before Friday."
REQUEST_TIMEOUT_S = 120.0
WEIGHTS = {
    "json": 3,
    "verbose_json": 2,
    "stream": 2,
    "speech": 3,
    "realtime": 1,
    "oversized": 1,
    "malformed": 2,
    "wrong_key": 2,
    "evil_origin": 1,
}
EXPECTED = {"oversized": 413, "malformed": 400, "wrong_key": 401, "evil_origin": 403}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | None) -> str:
    if pid is None:
        return "n/a (give --pid)"
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f)
    except OSError:
        return "n/a"
    rss, peak = (int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
    return f"{rss:.0f} MB (peak so far {peak:.0f} MB)"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    expected: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if problem is None:
                self.expected[kind] += 1
            else:
                self.unexpected[(kind, problem)] += 1


class Traffic:
    """One request of each kind; returns ``None`` when the answer was the expected one, else
    what was wrong (``"500"``, ``"ReadTimeout"``, …)."""

    def __init__(self, base: str, key: str, wav: bytes, pcm: bytes) -> None:
        self.base, self.key, self.wav, self.pcm = base, key, wav, pcm
        self.auth = {"Authorization": f"Bearer {key}"}

    def _status(self, answer: httpx.Response, want: int) -> str | None:
        return None if answer.status_code == want else str(answer.status_code)

    def _transcribe(self, http: httpx.Client, data: dict[str, Any], file: bytes) -> httpx.Response:
        return http.post(
            f"{self.base}/v1/audio/transcriptions",
            headers=self.auth,
            data=data,
            files={"file": ("clip.wav", file, "audio/wav")},
        )

    def json(self, http: httpx.Client) -> str | None:
        answer = self._transcribe(http, {"model": "gpt-4o-mini-transcribe"}, self.wav)
        return self._status(answer, 200) or (None if answer.json().get("text") else "no text")

    def verbose_json(self, http: httpx.Client) -> str | None:
        data = {
            "model": "whisper-1",
            "response_format": "verbose_json",
            "timestamp_granularities[]": "word",
        }
        answer = self._transcribe(http, data, self.wav)
        return self._status(answer, 200) or (None if answer.json().get("words") else "no words")

    def stream(self, http: httpx.Client) -> str | None:
        data = {"model": "gpt-4o-mini-transcribe", "stream": "true"}
        files = {"file": ("clip.wav", self.wav, "audio/wav")}
        url = f"{self.base}/v1/audio/transcriptions"
        with http.stream("POST", url, headers=self.auth, data=data, files=files) as answer:
            if answer.status_code != 200:
                return str(answer.status_code)
            for line in answer.iter_lines():
                if line.startswith("data:") and "transcript.text.done" in line:
                    return None
        return "stream ended before transcript.text.done"

    def speech(self, http: httpx.Client) -> str | None:
        body = {"model": "tts-1", "input": SENTENCE, "voice": "alloy", "response_format": "mp3"}
        answer = http.post(f"{self.base}/v1/audio/speech", headers=self.auth, json=body)
        return self._status(answer, 200) or (None if answer.content else "empty audio")

    def realtime(self, http: httpx.Client) -> str | None:
        return asyncio.run(asyncio.wait_for(self._session(), REQUEST_TIMEOUT_S))

    async def _session(self) -> str | None:
        from websockets.asyncio.client import connect

        url = self.base.replace("http", "ws", 1) + "/v1/realtime?intent=transcription"
        update = {
            "type": "session.update",
            "session": {"type": "transcription", "audio": {"input": {"turn_detection": None}}},
        }
        async with connect(url, additional_headers=self.auth, max_size=None) as ws:
            await ws.send(json.dumps(update))
            step = 24_000  # 0.5 s of pcm16 at 24 kHz
            for start in range(0, len(self.pcm), step):
                chunk = base64.b64encode(self.pcm[start : start + step]).decode()
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk}))
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            async for message in ws:
                event = json.loads(message)
                if event["type"] == "error":
                    return f"error event {event['error'].get('code')}"
                if event["type"] == "conversation.item.input_audio_transcription.completed":
                    return None if event.get("transcript") else "empty transcript"
        return "closed before the transcript"

    def oversized(self, http: httpx.Client) -> str | None:
        host, port = self.base.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=REQUEST_TIMEOUT_S) as sock:
            head = (
                f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {self.key}\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {30 * 1000 * 1000}\r\n\r\n"
            )
            sock.sendall(head.encode() + b"--x\r\n" + b"0" * 65536)
            status = sock.recv(4096).split(b"\r\n", 1)[0].split()
        got = int(status[1]) if len(status) > 1 else 0
        return None if got == 413 else str(got or "no answer")

    def malformed(self, http: httpx.Client) -> str | None:
        if random.random() < 0.5:
            answer = self._transcribe(http, {"model": "whisper-1"}, os.urandom(20_000))
        else:
            body = {"model": "tts-1", "input": SENTENCE, "voice": "no-such-voice"}
            answer = http.post(f"{self.base}/v1/audio/speech", headers=self.auth, json=body)
        return self._status(answer, 400)

    def wrong_key(self, http: httpx.Client) -> str | None:
        answer = http.post(
            f"{self.base}/v1/audio/transcriptions",
            headers={"Authorization": "Bearer sk-wrong-key"},
            data={"model": "whisper-1"},
            files={"file": ("clip.wav", self.wav, "audio/wav")},
        )
        return self._status(answer, 401)

    def evil_origin(self, http: httpx.Client) -> str | None:
        headers = {**self.auth, "Origin": "https://evil.example"}
        answer = http.get(f"{self.base}/v1/models", headers=headers)
        return self._status(answer, 403)


def worker(traffic: Traffic, tally: Tally, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            call: Callable[[httpx.Client], str | None] = getattr(traffic, kind)
            started = time.perf_counter()
            try:
                problem = call(http)
            except Exception as exc:  # a connection error, a timeout: unexpected, counted
                problem = type(exc).__name__
            tally.record(kind, time.perf_counter() - started, problem)


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(tally: Tally, elapsed: float, rss: tuple[str, str]) -> None:
    total = sum(len(v) for v in tally.latencies.values())
    unexpected = sum(tally.unexpected.values())
    print(f"served {total} requests in {elapsed:.0f} s ({total / elapsed:.2f}/s)")
    print(f"expected answers: {total - unexpected}, unexpected: {unexpected}\n")
    print(f"{'kind':<13} {'wanted':>6} {'count':>6} {'expected':>9} {'unexpected':>10}"
          f" {'p50 ms':>8} {'p99 ms':>8}")  # fmt: skip
    for kind in WEIGHTS:
        values = sorted(tally.latencies.get(kind, []))
        if not values:
            continue
        bad = sum(n for (k, _), n in tally.unexpected.items() if k == kind)
        p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
        wanted = EXPECTED.get(kind, 200)
        print(f"{kind:<13} {wanted:>6} {len(values):>6} {tally.expected[kind]:>9} {bad:>10}"
              f" {p50:>8.0f} {p99:>8.0f}")  # fmt: skip
    if tally.unexpected:
        print("\nunexpected, by kind and what went wrong:")
        for (kind, problem), n in sorted(tally.unexpected.items()):
            print(f"  {kind}: {problem} x{n}")
    print(f"\nserver RSS at start: {rss[0]}\nserver RSS at end:   {rss[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="how long (default 180)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--base-url", default=None, help="a running server (default: start one)")
    parser.add_argument("--api-key", default=None, help="its key (with --base-url)")
    parser.add_argument("--pid", type=int, default=None, help="its pid, for RSS (--base-url)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    proc = log = None
    if args.base_url is None:
        key, port = "sk-soak-" + secrets.token_hex(8), _free_port()
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed at the end; a pipe could fill
        proc = subprocess.Popen(
            [sys.executable, "-m", "audiokit", "serve", "--port", str(port), "--api-key", key],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        base, pid = f"http://127.0.0.1:{port}", proc.pid
    else:
        key, base, pid = args.api_key or "", args.base_url.rstrip("/"), args.pid
    if base.removeprefix("http://").split(":")[0] not in ("127.0.0.1", "localhost"):
        parser.error("--base-url must be on 127.0.0.1 or localhost")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(timeout=REQUEST_TIMEOUT_S, headers=auth) as http:
            speech = {"model": "tts-1", "input": SENTENCE, "voice": "alloy"}
            wav = http.post(f"{base}/v1/audio/speech", json={**speech, "response_format": "wav"})
            pcm = http.post(f"{base}/v1/audio/speech", json={**speech, "response_format": "pcm"})
            wav.raise_for_status()
            pcm.raise_for_status()
        traffic = Traffic(base, key, wav.content, pcm.content)
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
            traffic.json(http)  # the Whisper model loaded
        rss_start = rss_mb(pid)
        print(f"soaking {base} for {args.seconds:.0f} s with {args.workers} workers "
              f"(clip {len(pcm.content) / 48_000:.1f} s)\n", flush=True)  # fmt: skip
        tally, started = Tally(), time.monotonic()
        threads = [
            threading.Thread(
                target=worker, args=(traffic, tally, started + args.seconds, args.seed + i)
            )
            for i in range(args.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.seconds + 2 * REQUEST_TIMEOUT_S)  # bounded: every request times out
        report(tally, time.monotonic() - started, (rss_start, rss_mb(pid)))
        if proc is not None and proc.poll() is not None:
            print("the server exited during the soak")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log is not None:
            log.close()


if __name__ == "__main__":
    main()
