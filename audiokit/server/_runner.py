"""The uvicorn thread runner: any ASGI app on 127.0.0.1 in a background thread.

:func:`serve_in_thread` runs an app (usually ``create_app(...)`` from ``_app``) with uvicorn on a
socket it binds itself (port 0: a free one) and returns once the server is up, as a
:class:`RunningServer` (``url``, ``stop()``, a context manager). Tests and benchmarks use it, and
so does :func:`local_server`: the process's own ``audiokit serve``, which live sessions
(``audiokit.live``) connect to when no API key is set. ``serve`` (``_app``), by contrast, runs
uvicorn in the foreground.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from typing import Any

from ..local import LocalApp
from ._app import create_app
from ._realtime_ws import WS_MAX_MESSAGE_BYTES

__all__ = ["RunningServer", "local_server", "serve_in_thread"]


class RunningServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread; ``stop()`` ends it."""

    def __init__(
        self, server: Any, thread: threading.Thread, sock: socket.socket, api_key: str | None
    ) -> None:
        self._server = server
        self._thread = thread
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.api_key = api_key

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer({self.url!r}, {'running' if self.running else 'stopped'})"


def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    startup_timeout: float = 30.0,
) -> RunningServer:
    """Serve ``app`` with uvicorn on ``host:port`` (0: a free port) in a daemon thread.

    ``api_key`` is only remembered on the result (for clients); the app enforces its own.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        ws_max_size=WS_MAX_MESSAGE_BYTES,  # a 15 MiB append is ~20 MiB of base64
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="audiokit-serve", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the local server did not start")
        time.sleep(0.01)
    return RunningServer(server, thread, sock, api_key)


_local: RunningServer | None = None
_local_lock = threading.Lock()


def local_server() -> RunningServer:
    """The process's own ``audiokit serve`` on 127.0.0.1 (started on first use, random key).

    Live sessions use it when no API key is set: the same protocol and code as a real server,
    reachable only with a key that never leaves this process.
    """
    global _local
    with _local_lock:
        if _local is None or not _local.running:
            key = secrets.token_urlsafe(32)
            _local = serve_in_thread(create_app(LocalApp(api_key=key)), api_key=key)
        return _local
