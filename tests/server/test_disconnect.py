"""A transcription whose client has gone away stops: the server does not keep a core busy for
nobody.

A real ``audiokit serve`` subprocess on 127.0.0.1 gets five minutes of speech (Piper's voice,
16 kHz mono WAV, under the 25 MB limit) over a raw socket, which closes a second after the
upload — for a whole answer (JSON) and for a streamed one (SSE). The server's own CPU time
(``/proc/<pid>/stat``, every thread) must then fall back to idle having spent a small part of
what the whole transcription costs — a cost measured on the same server, from a full
transcription of one fifth of the audio.
"""

from __future__ import annotations

import io
import os
import socket
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from _tools import require
from conftest import ServeProcess

from audiokit.audio import resample

RATE = 16_000
SECONDS = 300
PARAGRAPH = (
    "The quarterly report is due on Friday, and the finance team still needs the numbers from "
    "every region. Please send your figures by Wednesday so that we have time to check them. "
    "If anything is unclear, ask before the meeting rather than after it."
)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """Five minutes of speech, float32 at 16 kHz: the paragraph spoken again and again."""
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    once = resample(piper.synthesize(PARAGRAPH), piper.sample_rate, RATE)
    once = np.concatenate([once, np.zeros(RATE // 2, np.float32)])
    return np.tile(once, SECONDS * RATE // len(once) + 1)[: SECONDS * RATE]


def wav(samples: np.ndarray) -> bytes:
    import soundfile

    out = io.BytesIO()
    soundfile.write(out, samples, RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


def form(audio: bytes, *, stream: bool = False) -> tuple[str, bytes]:
    boundary = "audiokit-disconnect-test"
    options = [("model", "whisper-1"), ("language", "en")]
    if stream:  # whisper-1 ignores stream=true: a model that streams
        options = [("model", "gpt-4o-mini-transcribe"), ("language", "en"), ("stream", "true")]
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in options
    )
    head = (
        f'{fields}--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n'
    )
    body = head.encode() + audio + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    require(os.path.exists("/proc/self/stat"), "CPU time comes from Linux's /proc")
    with ServeProcess() as served:
        yield served


def transcribe(server: ServeProcess, audio: bytes) -> str:
    content_type, body = form(audio)
    answer = httpx.post(
        f"{server.url}/v1/audio/transcriptions",
        content=body,
        headers={"content-type": content_type},
        timeout=600,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["text"]


def settle(
    server: ServeProcess, *, window: float = 2.0, idle: float = 0.2, bound: float = 90.0
) -> tuple[float, float]:
    """Wait until the server spends under ``idle`` CPU seconds per second over ``window``
    seconds (at most ``bound`` seconds); returns (CPU seconds spent, the last window's rate)."""
    start = server.cpu_seconds()
    deadline = time.monotonic() + bound
    rate = float("inf")
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(window)
        rate = (server.cpu_seconds() - before) / window
        if rate < idle:
            break
    return server.cpu_seconds() - start, rate


@pytest.fixture(scope="module")
def full_cost(server: ServeProcess, speech: np.ndarray) -> float:
    """CPU seconds the whole five minutes would cost: a fifth of them, transcribed, times 5."""
    transcribe(server, wav(speech[: 5 * RATE]))  # the model loaded, the server warm
    settle(server)
    before = server.cpu_seconds()
    assert "quarterly report" in transcribe(server, wav(speech[: SECONDS * RATE // 5])).lower()
    return (server.cpu_seconds() - before) * 5


@pytest.mark.parametrize("stream", [False, True], ids=["json", "streamed"])
def test_the_work_stops_when_the_client_goes_away(
    server: ServeProcess, speech: np.ndarray, full_cost: float, stream: bool
) -> None:
    audio = wav(speech)
    assert len(audio) < 25 * 1000 * 1000
    content_type, body = form(audio, stream=stream)
    head = (
        f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    settle(server)
    at_start = server.cpu_seconds()
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(head + body)
        time.sleep(1.0)  # the server is transcribing; the client gives up
    before_close = server.cpu_seconds() - at_start
    spent, rate = settle(server)

    assert rate < 0.2, f"the server still spends {rate:.2f} CPU s/s after the client left"
    assert before_close + spent < 0.5 * full_cost, (
        f"{before_close + spent:.1f} CPU s spent on an abandoned request; the whole "
        f"transcription costs about {full_cost:.1f} CPU s"
    )
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
