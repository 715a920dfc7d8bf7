"""Shared fixtures for the test suite.

- ``_isolated_env`` (autouse): no test sees the developer's ``OPENAI_*`` / ``AUDIOKIT_*``
  variables, so a real API key can never be used by accident and the backend choice is explicit;
  ``AUDIOKIT_CACHE_DIR`` points to a fresh directory per test.
- ``AUDIOKIT_WHISPER_MODEL=tiny.en`` for the whole run (set at import, so module-scoped engines
  and subprocesses see it too): tests that need only *a* Whisper use the faster English-only
  model; the default (multilingual base), languages and translation are tested by the tests that
  name base (``tests/local/test_multilingual.py``, ``tests/local/test_translation.py``).
- ``reference``: the API reference's example responses (``tests/fixtures/reference``).
- ``make_audio``: real audio files (wav, flac, mp3, ogg, opus, m4a, webm) made with soundfile
  and PyAV from a generated tone, or silence.
- ``recorder``: an ``httpx.MockTransport`` whose handler records every request (to prove that
  nothing was sent, or to look at exactly what was sent) and answers with a scripted response.
- ``fault_server``: a threaded HTTP/1.1 server on 127.0.0.1 (real sockets) that answers each
  request with the next scripted :class:`Reply`: a status, a delay, a connection reset in the
  middle of the upload, a chunked (SSE) body cut before its end, or an endless body.
- ``prism`` (session): a Prism mock server of the vendored OpenAPI schema (contract tests).
- ``open_sockets`` / ``wait_for`` / ``leak_check``: helpers for leak checks.
- ``ServeProcess``: the ``audiokit serve`` command in a subprocess on 127.0.0.1, with its CPU
  time and memory from ``/proc/<pid>``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from _tools import missing, require

try:
    from hypothesis import HealthCheck, settings

    # The machine is shared: no per-example deadline, fewer examples unless asked for more.
    settings.register_profile(
        "audiokit",
        deadline=None,
        max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "150")),
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("audiokit")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass

# Whisper base is the product's default but ~2x slower than tiny.en (docs/local-engine.md).
os.environ["AUDIOKIT_WHISPER_MODEL"] = "tiny.en"

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT",
    "OPENAI_PROJECT_ID",
    "AUDIOKIT_BACKEND",
    "AUDIOKIT_TRANSCRIPTION_MODEL",
    "AUDIOKIT_TRANSLATION_MODEL",
    "AUDIOKIT_SPEECH_MODEL",
    "AUDIOKIT_VOICE",
)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # Transcript caches go to a fresh directory per test, never the user's ~/.cache.
    monkeypatch.setenv("AUDIOKIT_CACHE_DIR", str(tmp_path_factory.mktemp("audiokit-cache")))


# -- audio ------------------------------------------------------------------------------------

AUDIO_RATE = 16_000  # Hz


def tone(
    seconds: float = 1.0, rate: int = AUDIO_RATE, hz: float = 440.0, amplitude: float = 0.3
) -> np.ndarray:
    """A sine tone with 10 ms fades (float32 mono)."""
    t = np.arange(round(rate * seconds)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)
    return (amplitude * fade * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def with_av(samples: np.ndarray, rate: int, container: str, codec: str) -> bytes:
    """``samples`` in a container soundfile cannot write (m4a, webm), made with FFmpeg directly."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as c:
        stream = c.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate)
        for f in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(f):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
    return out.getvalue()


def encode_audio(
    fmt: str, seconds: float = 1.0, *, rate: int = AUDIO_RATE, silent: bool = False
) -> bytes:
    """Real audio bytes in ``fmt``: wav flac mp3 ogg (Vorbis) opus m4a (AAC) webm (Opus)."""
    import soundfile as sf

    x = np.zeros(round(rate * seconds), np.float32) if silent else tone(seconds, rate)
    if fmt in ("wav", "flac"):
        buf = io.BytesIO()
        sf.write(buf, x, rate, format=fmt.upper(), subtype="PCM_16")
        return buf.getvalue()
    if fmt == "ogg":
        buf = io.BytesIO()
        sf.write(buf, x, rate, format="OGG", subtype="VORBIS")
        return buf.getvalue()
    if fmt in ("mp3", "opus"):
        from audiokit.audio import encode

        return encode(x, rate, fmt)
    if fmt == "m4a":
        return with_av(_resample_48k(x, rate), 48_000, "ipod", "aac")
    if fmt == "webm":
        return with_av(_resample_48k(x, rate), 48_000, "webm", "libopus")
    raise ValueError(fmt)


def _resample_48k(x: np.ndarray, rate: int) -> np.ndarray:
    if rate == 48_000:
        return x
    t_new = np.arange(round(len(x) * 48_000 / rate)) / 48_000
    return np.interp(t_new, np.arange(len(x)) / rate, x).astype(np.float32)


@pytest.fixture
def make_audio() -> Callable[..., bytes]:
    """``make_audio("mp3", seconds=2.0, silent=False) -> bytes``."""
    return encode_audio


@pytest.fixture(scope="session")
def wav_bytes() -> bytes:
    """One second of a 440 Hz tone as 16-bit WAV."""
    return encode_audio("wav", 1.0)


# -- the API reference's examples -------------------------------------------------------------

REFERENCE_DIR = Path(__file__).parent / "fixtures" / "reference"


def load_reference(name: str) -> Any:
    """A fixture file from ``tests/fixtures/reference`` (JSON decoded, .sse as text, else bytes)."""
    path = REFERENCE_DIR / name
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".sse":
        return path.read_text(encoding="utf-8")
    return path.read_bytes()


@pytest.fixture
def reference() -> Callable[[str], Any]:
    """``reference("transcription_json.json")``: see ``tests/fixtures/reference/README.md``."""
    return load_reference


# -- a recording mock transport ---------------------------------------------------------------


class Recorder:
    """An ``httpx.MockTransport`` handler that keeps every request and answers ``reply``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.reply: Callable[[httpx.Request], httpx.Response] = lambda request: httpx.Response(
            200, json={"text": "ok"}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.reply(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


# -- reading what was sent -------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    name: str
    value: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.value.decode("utf-8")


def multipart_parts(request: httpx.Request) -> list[Part]:
    """The parts of a multipart request body, in order, parsed with the stdlib email parser."""
    from email.parser import BytesParser
    from email.policy import HTTP

    ctype = request.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary="), ctype
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.read()
    )
    assert message.is_multipart()
    parts = []
    for part in message.iter_parts():
        disposition = part.get("content-disposition", "")
        assert str(disposition).startswith("form-data"), disposition
        parts.append(
            Part(
                name=part.get_param("name", header="content-disposition"),
                value=part.get_payload(decode=True) or b"",
                filename=part.get_param("filename", header="content-disposition"),
                content_type=part.get("content-type") and part.get_content_type(),
            )
        )
    return parts


def multipart_fields(request: httpx.Request) -> list[tuple[str, str]]:
    """The plain (non-file) fields of a multipart request as ``(name, value)`` pairs."""
    return [(p.name, p.text) for p in multipart_parts(request) if p.filename is None]


# -- a fault-injection HTTP server ------------------------------------------------------------


@dataclass
class Reply:
    """What the fault server does with one request.

    Attributes
    ----------
    status, headers, body
        The answer. ``Content-Length`` is added unless ``chunks``/``endless`` is used or the
        headers already have one.
    delay : float
        Seconds to wait before answering (cut short when the client hangs up).
    reset_after : int | None
        Read this many bytes of the request body, then reset the connection (RST).
    chunks : list[bytes] | None
        Send the body with ``Transfer-Encoding: chunked``, one chunk per item, ``chunk_pause``
        seconds apart; ``cut=True`` closes the connection instead of sending the last chunk.
    endless : bool
        Keep sending body bytes (at most ``endless_limit``) until the client hangs up.
    close : bool
        Close the connection after answering.
    reason : str | None
        The reason phrase of the status line (default: ``OK``, ``Too Many Requests``, ``Status``).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str = b""
    delay: float = 0.0
    reset_after: int | None = None
    chunks: list[bytes] | None = None
    chunk_pause: float = 0.0
    cut: bool = False
    endless: bool = False
    endless_limit: int = 64 * 1024 * 1024
    close: bool = False
    reason: str | None = None


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request line arrived


class _Handler(socketserver.StreamRequestHandler):
    server: _FaultTCPServer

    def handle(self) -> None:
        owner = self.server.owner
        with owner._lock:
            owner.active += 1
            owner.connections += 1
        try:
            while self._one_request(owner):
                pass
        except (ConnectionError, OSError):
            pass
        finally:
            with owner._lock:
                owner.active -= 1

    def _one_request(self, owner: FaultServer) -> bool:
        line = self.rfile.readline(65_537)
        if not line:
            return False
        at = time.monotonic()
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            h = self.rfile.readline(65_537).decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            name, _, value = h.partition(":")
            headers[name.strip().lower()] = value.strip()
        reply = owner._next_reply()
        length = int(headers.get("content-length", "0"))
        if isinstance(reply, Reply) and reply.reset_after is not None:
            self.rfile.read(min(length, reply.reset_after))
            owner.received.append(Received(method, path, headers, b"", at))
            self._reset()
            return False
        body = self.rfile.read(length) if length else b""
        received = Received(method, path, headers, body, at)
        owner.received.append(received)
        if not isinstance(reply, Reply):  # a function of the request (e.g. echoing a header)
            reply = reply(received)
        if reply.delay and self._client_gone_within(reply.delay):
            return False
        self._answer(reply)
        return not reply.close and not reply.cut

    def _client_gone_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.server.owner._stopping.is_set():
                return True
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return True
        return False

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _answer(self, reply: Reply) -> None:
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        headers = {k.lower(): v for k, v in reply.headers.items()}
        if reply.chunks is not None:
            headers["transfer-encoding"] = "chunked"
        elif reply.endless:
            headers.setdefault("content-length", str(reply.endless_limit))
        else:
            headers.setdefault("content-length", str(len(body)))
        if reply.close or reply.cut:
            headers["connection"] = "close"
        reason = reply.reason or {200: "OK", 429: "Too Many Requests"}.get(reply.status, "Status")
        head = f"HTTP/1.1 {reply.status} {reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        self.wfile.write((head + "\r\n").encode("latin-1"))
        if reply.chunks is not None:
            for chunk in reply.chunks:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
                if reply.chunk_pause:
                    time.sleep(reply.chunk_pause)
            if reply.cut:  # hang up without the terminating chunk, as a dying proxy would
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(b"0\r\n\r\n")
        elif reply.endless:
            block = b"x" * 65_536
            for _ in range(reply.endless_limit // len(block)):  # bounded
                self.wfile.write(block)
        else:
            self.wfile.write(body)
        self.wfile.flush()


class _FaultTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FaultServer


class FaultServer:
    """A scripted HTTP server on 127.0.0.1; see :class:`Reply`.

    ``script(*replies)`` sets what the next requests get, in order; the last reply repeats. A
    reply may also be a function of the :class:`Received` request returning a :class:`Reply`.
    ``received`` lists the requests that arrived, ``connections`` how many connections were
    opened, ``active`` how many are still open.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._replies: list[Reply | Callable[[Received], Reply]] = [
            Reply(200, {"content-type": "application/json"}, b"{}")
        ]
        self.received: list[Received] = []
        self.connections = 0
        self.active = 0
        self._server = _FaultTCPServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply | Callable[[Received], Reply]) -> None:
        with self._lock:
            self._replies = list(replies)
            self.received.clear()
            self.connections = 0

    def _next_reply(self) -> Reply | Callable[[Received], Reply]:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every connection to the server is closed."""
        return wait_for(lambda: self.active == 0, timeout)

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    try:
        yield server
    finally:
        server.stop()


# -- Prism: a mock server of the OpenAPI schema -----------------------------------------------

# The OpenAPI subset and its Prism runner are vendored (see tests/contract/openai-audio/README.md).
CONTRACT_DIR = Path(__file__).resolve().parent / "contract" / "openai-audio"
OPENAPI = CONTRACT_DIR / "openapi.yaml"
PRISM_MOCK = CONTRACT_DIR / "prism-mock"
PRISM_START_SECONDS = 180  # the first run installs Prism from npm (about 20 s)


@pytest.fixture(scope="session")
def prism() -> Iterator[str]:
    """The base URL of a Prism mock of ``openapi.yaml`` on a free 127.0.0.1 port.

    Started once per session with the vendored ``prism-mock`` script (which installs
    ``@stainless-api/prism-cli`` with npm into ``~/.cache`` the first time, as ``.ci/run``
    does), ready when it answers HTTP, killed (its whole process group) at the end. Without
    node and npm the tests are skipped locally and fail in CI (``_tools.require``).
    """
    import shutil
    import signal
    import subprocess

    assert os.access(PRISM_MOCK, os.X_OK), f"{PRISM_MOCK} is part of the repository"
    for tool in ("node", "npm"):
        require(
            shutil.which(tool) is not None,
            f"the Prism contract tests need {tool} (apt-get install nodejs npm)",
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    import tempfile

    log = tempfile.TemporaryFile()  # noqa: SIM115 - a file, not a pipe (a full pipe stalls Prism)
    proc = subprocess.Popen(
        [str(PRISM_MOCK), str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: npm and node die with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PRISM_START_SECONDS
        ready = False
        while not ready and proc.poll() is None and time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=2)  # any answer (404 at /) means it is listening
                ready = True
            except httpx.TransportError:
                time.sleep(0.25)
        if not ready:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-800:]
            missing(f"Prism did not start on port {port}: {tail}")
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


# -- audiokit serve in a subprocess -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """``audiokit serve --port <free> *options`` on 127.0.0.1, up once ``/health`` answers."""

    def __init__(self, *options: str, startup_timeout: float = 120.0) -> None:
        self.port = free_port()
        # a file, not a pipe: a full pipe would stall the server
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "audiokit", "serve", "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.stderr()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"audiokit serve did not start within {startup_timeout:.0f} s")

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far, every thread (``/proc/<pid>/stat``)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self, field: str = "VmRSS") -> float:
        """A memory figure of the server from ``/proc/<pid>/status``: ``VmRSS`` now, ``VmHWM``
        its high-water mark."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        raise AssertionError(f"no {field}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- leak checks ------------------------------------------------------------------------------


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` every 10 ms until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def open_sockets(port: int | None = None) -> int:
    """How many sockets this process has open (Linux ``/proc``), or only TCP ones on ``port``.

    Counting only the connections of one server keeps the event loop's own socket pair and
    other tests' sockets out of the comparison.
    """
    inodes: set[str] | None = None
    if port is not None:
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    ports = {int(a.rsplit(":", 1)[1], 16) for a in fields[1:3]}
                    if port in ports:
                        inodes.add(fields[9])
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:") and (inodes is None or link[8:-1] in inodes):
            count += 1
    return count


def _our_threads() -> set[threading.Thread]:
    # asyncio's default executor (getaddrinfo) lives as long as the event loop, not the client
    return {t for t in threading.enumerate() if not t.name.startswith("asyncio_")}


@pytest.fixture
def leak_check(fault_server: FaultServer) -> Iterator[Callable[[], None]]:
    """Call the yielded function after closing the client: fails on leaked sockets/threads."""
    require(os.path.isdir("/proc/self/fd"), "the leak checks count sockets in Linux's /proc")
    port = int(fault_server.url.rsplit(":", 1)[1])
    sockets, threads = open_sockets(port), _our_threads()

    def check() -> None:
        assert fault_server.wait_idle(), f"{fault_server.active} connections still open"
        assert wait_for(lambda: open_sockets(port) <= sockets), (
            f"sockets on port {port}: {sockets} before, {open_sockets(port)} after"
        )
        assert wait_for(lambda: _our_threads() <= threads), (
            f"new threads: {_our_threads() - threads}"
        )

    yield check


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, which would break every later ``asyncio.run``."""
    items.sort(key=lambda item: "/browser/" in item.nodeid.replace("\\", "/"))


def run_in_ipython(
    cell: str, base_url: str, *, setup: str = "", api_key: str = "sk-test-ipython-0000"
) -> None:
    """Run ``cell`` in a fresh process's IPython with the default client on ``base_url``.

    A subprocess, because IPython's test shell can be started once per process and the magics'
    own tests start it.
    """
    code = "\n".join([
        "import audiokit",
        "from IPython.testing.globalipapp import start_ipython",
        "ip = start_ipython()",
        "ip.run_line_magic('load_ext', 'audiokit')",
        f"audiokit.configure(api_key={api_key!r}, base_url={base_url!r},",
        "                    backend='api', max_retries=0)",
        setup,
        f"result = ip.run_cell({cell!r})",
        "assert result.error_before_exec is None and result.error_in_exec is None, result",
    ])  # fmt: skip
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
