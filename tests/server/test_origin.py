"""`audiokit serve` answers only its own Host names and only pages it trusts (DNS rebinding,
cross-site requests, cross-site WebSocket hijacking).

Real servers on 127.0.0.1 (uvicorn in a thread, and the command itself for its options); forged
``Host`` headers go over raw sockets, since an HTTP client writes the one of its URL.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import ServeProcess

from audiokit.core import ValidationError
from audiokit.local import LocalApp
from audiokit.server import OriginPolicy, create_app, serve_in_thread

KEY = "sk-origin-test-key-0123"
HUB = "https://hub.example.org"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = serve_in_thread(create_app(LocalApp(api_key=KEY)), api_key=KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hub_server() -> Iterator[Any]:
    app = create_app(LocalApp(api_key=KEY), allow_origins=[HUB], allow_hosts=["my-box.lan"])
    running = serve_in_thread(app, api_key=KEY)
    yield running
    running.stop()


def port_of(running: Any) -> int:
    return int(running.url.rsplit(":", 1)[1])


def raw(port: int, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` (request line and headers, CRLF-joined by us) and ``body``; read the answer
    until the server closes or its Content-Length is in."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
        top, _, rest = data.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            rest += piece
    return int(lines[0].split()[1]), headers, rest


def multipart(audio: bytes) -> tuple[str, bytes]:
    boundary = "----audiokit-origin-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + audio
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "localhost.evil.example",
        "127.0.0.1.nip.io:8000",
        "[::2]:8000",
        "localhost:notaport",
    ],
)
def test_a_forged_host_is_refused_with_a_clear_message(server: Any, host: str) -> None:
    status, headers, body = raw(port_of(server), f"GET /health HTTP/1.1\nHost: {host}")
    assert status == 400
    error = json.loads(body)["error"]
    assert error["code"] == "host_not_allowed" and error["type"] == "invalid_request_error"
    assert host in error["message"] and "--allow-host" in error["message"]
    assert not any(name.startswith("access-control") for name in headers)


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:9999", "127.0.0.1", "127.0.0.1:80", "[::1]:8000", "LOCALHOST"]
)
def test_loopback_hosts_are_answered(server: Any, host: str) -> None:
    status, _, body = raw(port_of(server), f"GET /health HTTP/1.1\nHost: {host}")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_cross_site_upload_is_refused_before_anything_runs(server: Any, wav_bytes: bytes) -> None:
    # What an HTML form on another site posts: multipart, no preflight, the key left out.
    content_type, body = multipart(wav_bytes)
    head = (
        f"POST /v1/audio/transcriptions HTTP/1.1\nHost: 127.0.0.1:{port_of(server)}\n"
        f"Origin: {EVIL}\nContent-Type: {content_type}\nContent-Length: {len(body)}"
    )
    status, headers, answer = raw(port_of(server), head, body)
    assert status == 403
    error = json.loads(answer)["error"]
    assert error["code"] == "origin_not_allowed"
    assert EVIL in error["message"] and "--allow-origin" in error["message"]
    assert not any(name.startswith("access-control") for name in headers)


def test_an_evil_origin_is_refused_even_with_the_key(server: Any) -> None:
    for origin in (EVIL, "null", "http://localhost.evil.example:8000"):
        answer = httpx.get(
            f"{server.url}/v1/models",
            headers={"Authorization": f"Bearer {KEY}", "Origin": origin},
        )
        assert answer.status_code == 403, origin
        assert answer.json()["error"]["code"] == "origin_not_allowed"


def test_a_page_on_a_loopback_host_may_call_but_gets_no_cors_headers(server: Any) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "Origin": "http://localhost:8888"}
    answer = httpx.get(f"{server.url}/v1/models", headers=headers)
    assert answer.status_code == 200 and answer.json()["data"]
    assert "access-control-allow-origin" not in answer.headers
    preflight = httpx.options(
        f"{server.url}/v1/audio/transcriptions",
        headers={
            "Origin": "http://localhost:8888",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert not any(name.startswith("access-control") for name in preflight.headers)


def test_an_allowed_origin_gets_cors_headers(hub_server: Any) -> None:
    preflight = httpx.options(
        f"{hub_server.url}/v1/audio/transcriptions",
        headers={
            "Origin": HUB,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == HUB
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    answer = httpx.get(
        f"{hub_server.url}/v1/models", headers={"Authorization": f"Bearer {KEY}", "Origin": HUB}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == HUB
    # the key is still asked for: an allowed page without it gets 401, with CORS headers
    keyless = httpx.get(f"{hub_server.url}/v1/models", headers={"Origin": HUB})
    assert keyless.status_code == 401
    assert keyless.headers["access-control-allow-origin"] == HUB
    # another site is still refused, and a preflight from it gets nothing to go on
    assert httpx.get(f"{hub_server.url}/v1/models", headers={"Origin": EVIL}).status_code == 403
    evil = httpx.options(f"{hub_server.url}/v1/models", headers={"Origin": EVIL})
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers


def test_allow_host_adds_a_name(hub_server: Any) -> None:
    port = port_of(hub_server)
    assert raw(port, "GET /health HTTP/1.1\nHost: my-box.lan:8000")[0] == 200
    assert raw(port, "GET /health HTTP/1.1\nHost: other-box.lan:8000")[0] == 400


def _ws(url: str, **options: Any) -> Any:
    from websockets.asyncio.client import connect

    headers = {"Authorization": f"Bearer {KEY}"}
    return connect(
        url.replace("http", "ws") + "/v1/realtime?intent=transcription",
        additional_headers=headers,
        open_timeout=30,
        **options,
    )


def test_a_websocket_from_an_evil_origin_is_refused_before_it_opens(server: Any) -> None:
    from websockets.exceptions import InvalidStatus

    async def attempt(origin: str) -> int:
        try:
            async with _ws(server.url, origin=origin):
                return 101
        except InvalidStatus as exc:
            error = json.loads(exc.response.body)["error"]
            assert error["code"] == "origin_not_allowed" and origin in error["message"]
            return exc.response.status_code

    assert asyncio.run(attempt(EVIL)) == 403
    assert asyncio.run(attempt("null")) == 403


def test_a_websocket_from_a_loopback_page_opens(server: Any) -> None:
    async def first_event() -> str:
        async with _ws(server.url, origin="http://127.0.0.1:8888") as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 30))["type"]

    assert asyncio.run(first_event()) == "session.created"


def test_a_websocket_for_a_forged_host_is_refused(server: Any) -> None:
    head = (
        "GET /v1/realtime?intent=transcription HTTP/1.1\nHost: evil.example:8000\n"
        "Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Version: 13\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nAuthorization: Bearer {KEY}"
    )
    status, _, body = raw(port_of(server), head)
    assert status == 400 and json.loads(body)["error"]["code"] == "host_not_allowed"


def test_the_policy_of_a_listen_address() -> None:
    anywhere = OriginPolicy.for_bind("0.0.0.0")
    assert anywhere.host_ok("192.168.1.20:8000") and not anywhere.origin_ok(EVIL)
    named = OriginPolicy.for_bind("0.0.0.0", ["my-box.lan"])
    assert named.host_ok("my-box.lan:1") and named.host_ok("localhost")
    assert not named.host_ok("192.168.1.20:8000")
    lan = OriginPolicy.for_bind("192.168.1.20")
    assert lan.host_ok("192.168.1.20:8000") and not lan.host_ok("evil.example")
    assert lan.origin_ok("http://192.168.1.20:8888") and not lan.origin_ok(EVIL)
    assert OriginPolicy.for_bind("127.0.0.1", ["*"]).host_ok("anything.example")
    assert OriginPolicy.for_bind("127.0.0.1", (), ["*"]).origin_ok(EVIL)
    default_port = OriginPolicy.for_bind("127.0.0.1", (), ["https://hub.example.org:443/"])
    assert default_port.cors("https://HUB.example.org")


@pytest.mark.parametrize(
    ("option", "value"),
    [("--allow-host", "http://evil.example"), ("--allow-origin", "evil.example")],
)
def test_a_bad_option_value_is_named(option: str, value: str) -> None:
    hosts, origins = ([value], []) if option == "--allow-host" else ([], [value])
    with pytest.raises(ValidationError, match=option):
        create_app(LocalApp(), allow_hosts=hosts, allow_origins=origins)
    out = subprocess.run(
        [sys.executable, "-m", "audiokit", "serve", option, value],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 2 and option in out.stderr and value in out.stderr


def test_the_command_passes_its_options_to_the_server() -> None:
    with ServeProcess("--allow-host", "my-box.lan", "--allow-origin", HUB) as served:
        assert raw(served.port, "GET /health HTTP/1.1\nHost: my-box.lan")[0] == 200
        assert raw(served.port, "GET /health HTTP/1.1\nHost: evil.example")[0] == 400
        allowed = httpx.get(f"{served.url}/v1/models", headers={"Origin": HUB})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == HUB
        assert httpx.get(f"{served.url}/v1/models", headers={"Origin": EVIL}).status_code == 403
        # it said where it serves, once the engines took their options
        assert f"serving the local engine on http://127.0.0.1:{served.port}/v1" in served.stderr()
