"""`audiokit serve` under hostile requests: the key before the body, bodies capped as they
arrive, one check of the key everywhere.

Each server is a real ``audiokit serve`` subprocess on 127.0.0.1 and every request goes over a
raw socket, so chunked bodies without ``Content-Length`` and half-sent bodies are what the
server really sees. Memory is the server's own high-water mark (``VmHWM`` in
``/proc/<pid>/status``) on a server that has done nothing else, so no earlier peak can hide a
new one.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
from collections.abc import Iterator

import httpx
import pytest
from conftest import ServeProcess

KEY = "sk-limits-test-key"
MB = 1024 * 1024


def peak_mb(served: ServeProcess) -> float:
    return served.memory_mb("VmHWM")


@pytest.fixture(scope="module")
def open_server() -> Iterator[ServeProcess]:
    served = ServeProcess()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[ServeProcess]:
    served = ServeProcess("--api-key", KEY)
    yield served
    served.stop()


def send(
    port: int,
    path: str,
    headers: dict[str, str | bytes],
    *,
    total: int = 0,
    chunked: bool = False,
    body: bytes = b"",
    timeout: float = 30.0,
) -> tuple[int, bytes, int]:
    """POST ``body``, then up to ``total`` more bytes in 1 MiB pieces (chunked or plain),
    stopping as soon as the server answers. Returns (status, response body, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    head = [f"POST {path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    for name, value in headers.items():
        raw = value if isinstance(value, bytes) else value.encode()
        head.append(name.encode() + b": " + raw)
    if chunked:
        head.append(b"Transfer-Encoding: chunked")
    sent = 0
    with sock:
        sock.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        piece = b"0" * MB
        try:
            if body:
                sock.sendall(b"%x\r\n%s\r\n" % (len(body), body) if chunked else body)
                sent += len(body)
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked and sent >= total:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        response = b""
        with contextlib.suppress(ConnectionResetError):
            while b"\r\n\r\n" not in response or len(response) < _expected(response):
                data = sock.recv(65536)
                if not data:
                    break
                response += data
    head_part, _, rest = response.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ", 2)[1]) if head_part else 0
    return status, rest, sent


def _expected(response: bytes) -> int:
    head, sep, _ = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + len(sep) + int(value)
    return len(response) + 1 if not sep else len(response)


MULTIPART = {"Content-Type": "multipart/form-data; boundary=xyz"}
JSON_TYPE = {"Content-Type": "application/json"}


def test_chunked_upload_is_refused_at_the_cap_without_buffering(open_server: ServeProcess) -> None:
    before = peak_mb(open_server)
    status, body, sent = send(
        open_server.port, "/v1/audio/transcriptions", MULTIPART, total=300 * MB, chunked=True
    )
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "file_too_large"
    assert sent < 100 * MB  # refused near 27 MB, not after the whole body
    # Before the cap: the whole 300 MB body was held (and copied) before the 413.
    assert peak_mb(open_server) - before < 120, (before, peak_mb(open_server))


def test_json_routes_take_small_bodies_only(open_server: ServeProcess) -> None:
    before = peak_mb(open_server)
    for path in ("/v1/audio/speech", "/v1/realtime/transcription_sessions"):
        status, body, sent = send(open_server.port, path, JSON_TYPE, total=200 * MB, chunked=True)
        assert status == 413, (path, body)
        assert json.loads(body)["error"]["code"] == "request_too_large"
        assert sent < 50 * MB
        announced = send(
            open_server.port, path, {**JSON_TYPE, "Content-Length": str(300 * MB)}, body=b"{"
        )
        assert announced[0] == 413, path  # refused on the header alone
    assert peak_mb(open_server) - before < 120, (before, peak_mb(open_server))


def test_the_key_is_checked_before_the_body_is_read(keyed_server: ServeProcess) -> None:
    # 500 MB announced, 1 KB sent: the 401 must come without the server waiting for the rest.
    headers = {**MULTIPART, "Content-Length": str(500 * MB)}
    status, body, _ = send(
        keyed_server.port, "/v1/audio/transcriptions", headers, body=b"x" * 1024, timeout=15
    )
    assert status == 401 and json.loads(body)["error"]["code"] == "invalid_api_key"
    status, _, _ = send(
        keyed_server.port,
        "/v1/audio/speech",
        {**JSON_TYPE, "Authorization": "Bearer sk-wrong", "Content-Length": str(300 * MB)},
        body=b"{",
        timeout=15,
    )
    assert status == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_scheme_is_case_insensitive_on_every_route(
    keyed_server: ServeProcess, scheme: str
) -> None:
    auth = {"Authorization": f"{scheme} {KEY}"}
    assert httpx.get(f"{keyed_server.url}/v1/models", headers=auth).status_code == 200
    secret = httpx.post(
        f"{keyed_server.url}/v1/realtime/client_secrets",
        headers=auth,
        json={"session": {"type": "transcription"}},
    )
    assert secret.status_code == 200, secret.text
    wrong = {"Authorization": f"{scheme} sk-wrong"}
    assert httpx.get(f"{keyed_server.url}/v1/models", headers=wrong).status_code == 401


@pytest.mark.parametrize(
    "token", ["é".encode(), "ключ".encode(), b"\xff\xfe", KEY.encode() + b"\xe9"]
)
def test_a_non_ascii_token_is_a_401_not_a_500(keyed_server: ServeProcess, token: bytes) -> None:
    for path in ("/v1/audio/speech", "/v1/realtime/client_secrets"):
        status, body, _ = send(
            keyed_server.port,
            path,
            {**JSON_TYPE, "Authorization": b"Bearer " + token, "Content-Length": "2"},
            body=b"{}",
        )
        assert status == 401, (path, body)


def _tone_flac(seconds: int, rate: int = 8_000) -> bytes:
    """FLAC of a steady level (a constant offset, well above silence): FLAC stores each block as
    one value, so a few KB hold an hour that decodes to hundreds of MB (a decode bomb; no
    silence check stops it)."""
    import io

    import numpy as np
    import soundfile as sf

    out = io.BytesIO()
    with sf.SoundFile(out, "w", samplerate=rate, channels=1, format="FLAC") as f:
        block = np.full(rate * 60, 2000, dtype=np.int16)
        for _ in range(seconds // 60):
            f.write(block)
    return out.getvalue()


def _form(audio: bytes, name: str = "a.flac") -> tuple[dict[str, str], bytes]:
    request = httpx.Request(
        "POST",
        "http://x/v1/audio/transcriptions",
        data={"model": "whisper-1"},
        files={"file": (name, audio, "audio/flac")},
    )
    body = request.read()
    return {"Content-Type": request.headers["content-type"]}, body


def _transcribe(port: int, audio: bytes) -> tuple[int, dict]:
    headers, body = _form(audio)
    status, answer, _ = send(
        port,
        "/v1/audio/transcriptions",
        {**headers, "Content-Length": str(len(body))},
        body=body,
        timeout=60,
    )
    return status, json.loads(answer)["error"]


def test_a_decode_bomb_is_refused_by_the_default_cap(open_server: ServeProcess) -> None:
    bomb = _tone_flac(3600)  # one hour in ~90 KB
    assert len(bomb) < 1 * MB
    status, error = _transcribe(open_server.port, bomb)
    assert status == 400 and error["code"] == "audio_too_long" and error["param"] == "file"
    assert "1500 s" in error["message"] and "--max-audio-seconds" in error["message"]


def test_a_decode_bomb_costs_the_cap_not_the_bomb() -> None:
    """With ``--max-audio-seconds 60`` the hour is refused after decoding about a minute of it;
    decoded whole (as before the cap) it is 230 MB at 16 kHz, plus the file's own rate, before
    Whisper's features (~1 GB per hour) even start."""
    served = ServeProcess("--max-audio-seconds", "60")
    try:
        warm = _transcribe(served.port, _tone_flac(120))  # loads the decoders: not the bomb's
        assert warm[0] == 400 and "longer than 60 s" in warm[1]["message"]
        before = peak_mb(served)
        status, error = _transcribe(served.port, _tone_flac(3600))
        assert status == 400 and error["code"] == "audio_too_long"
        assert peak_mb(served) - before < 60, (before, peak_mb(served))
    finally:
        served.stop()
