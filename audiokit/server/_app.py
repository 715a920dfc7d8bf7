"""``audiokit serve``: an OpenAI-compatible HTTP server over the local engine.

A thin Starlette adapter: read the request, hand it to :class:`~audiokit.local.LocalApp` in a
worker thread (inference never blocks the event loop, so concurrent requests are served side by
side), and send back its status, headers and body — streamed for SSE. The realtime routes
(``/v1/realtime`` WebSocket, client secrets) come from ``_realtime_ws``; :func:`serve` runs the
app with uvicorn in the foreground, ``_runner`` in a background thread.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._body import UPLOAD_BODY_BYTES, body_cap, read_body

__all__ = ["create_app", "exposure_warning", "serve"]


def create_app(
    local_app: Any = None,
    *,
    host: str = "127.0.0.1",
    allow_hosts: Sequence[str] = (),
    allow_origins: Sequence[str] = (),
) -> Any:
    """The ASGI application serving ``/v1/audio/*`` and ``/v1/models`` from ``local_app``.

    ``host`` is the address the server listens on; with ``allow_hosts`` (``--allow-host``) and
    ``allow_origins`` (``--allow-origin``) it sets which ``Host`` and ``Origin`` headers are
    answered (``_origin``: a guard against DNS rebinding and cross-site requests).
    """
    from starlette.applications import Starlette
    from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    from ..local import LocalResponse
    from ..local import local_app as shared_app
    from ._origin import OriginGuard, OriginPolicy
    from ._realtime_ws import realtime_routes

    policy = OriginPolicy.for_bind(host, allow_hosts, allow_origins)  # bad values raise here
    app_impl = local_app if local_app is not None else shared_app()

    async def endpoint(request: Request) -> Response:
        # The key first: a caller without one never gets a byte of its body read.
        if not app_impl.authorized(request.headers.get("authorization")):
            local = LocalResponse.error(
                401,
                "Incorrect or missing API key for this audiokit server.",
                code="invalid_api_key",
            )
            return Response(local.body, status_code=401, headers=local.headers)
        cap = body_cap(request.headers.get("content-type"))
        body = await read_body(request, cap)
        if body is None:
            upload = cap == UPLOAD_BODY_BYTES
            local = LocalResponse.error(
                413,
                "the upload is over the 25 MB limit"
                if upload
                else f"the request body is over {cap // 1024} KB (JSON routes take small bodies)",
                param="file" if upload else None,
                code="file_too_large" if upload else "request_too_large",
            )
            # Close the connection: the rest of the body is never read.
            headers = {**local.headers, "connection": "close"}
            return Response(local.body, status_code=413, headers=headers)
        gone = threading.Event()  # set when the client disconnects: the engine stops
        watcher = asyncio.ensure_future(_watch_disconnect(request, gone))
        try:
            local = await run_in_threadpool(
                functools.partial(app_impl.handle, cancelled=gone.is_set),
                request.method,
                request.url.path,
                dict(request.headers),
                body,
            )
        finally:
            watcher.cancel()
        if isinstance(local.body, bytes):
            return Response(local.body, status_code=local.status, headers=local.headers)
        return StreamingResponse(
            iterate_in_threadpool(local.body), status_code=local.status, headers=local.headers
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "engine": "audiokit-local"})

    routes = [
        Route("/health", health, methods=["GET"]),
        *realtime_routes(app_impl),  # /v1/realtime (WebSocket) and its client secrets
        Route("/{path:path}", endpoint, methods=["GET", "POST", "DELETE"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(OriginGuard, policy=policy)])


async def _watch_disconnect(request: Any, gone: threading.Event) -> None:
    """Set ``gone`` when the client of ``request`` (its body already read) disconnects."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


logger = logging.getLogger("audiokit.server")


def exposure_warning(host: str, api_key: str | None) -> str | None:
    """What to tell the operator when the server is reachable beyond this machine with no key."""
    if api_key:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:  # a host name
        if host == "localhost":
            return None
    return (
        f"listening on {host} with no --api-key: anyone who can reach this machine can use the "
        "server (and its CPU). Set --api-key KEY, or listen on 127.0.0.1."
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    api_key: str | None = None,
    whisper_model: str | None = None,
    piper_voice: str | None = None,
    max_audio_seconds: float | None = None,
    max_batch: int | None = None,
    workers: int | None = None,
    models: Sequence[str] = (),
    allow_hosts: Sequence[str] = (),
    allow_origins: Sequence[str] = (),
    log_level: str = "info",
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Run the server in the foreground until interrupted.

    ``max_audio_seconds``: the most audio one transcription may hold (default
    ``$AUDIOKIT_MAX_AUDIO_SECONDS``, else 1500); longer audio is refused while it decodes.
    ``max_batch``, ``workers``: the Whisper engine's batching and model replicas (``--max-batch``,
    ``--workers``; defaults: those of :class:`~audiokit.local.WhisperEngine`).
    ``models``: names to accept besides the API's, each an alias of the offline engine
    (``--model NAME``); any other is answered 404 ``model_not_found``.
    ``allow_hosts``, ``allow_origins``: the ``Host`` and ``Origin`` headers answered besides
    loopback ones (``--allow-host``, ``--allow-origin``; see :func:`create_app`).
    ``on_ready``: called once the engines have accepted their options and the address is
    bound (the CLI says "serving" then, not before a bad option or a taken port is refused).
    """
    import uvicorn
    from uvicorn.main import STARTUP_FAILURE

    from ..local import LocalApp

    warning = exposure_warning(host, api_key)
    if warning:
        logger.warning(warning)

    whisper = piper = None
    engine_options = {
        name: value
        for name, value in (("max_batch", max_batch), ("workers", workers))
        if value is not None
    }
    if whisper_model or engine_options:
        from ..local import WhisperEngine

        whisper = WhisperEngine(whisper_model, **engine_options)
    if piper_voice:
        from ..local import PiperEngine

        piper = PiperEngine(piper_voice)
    local = LocalApp(
        whisper, piper, api_key=api_key, max_audio_seconds=max_audio_seconds, models=models
    )
    app = create_app(local, host=host, allow_hosts=allow_hosts, allow_origins=allow_origins)
    from ._realtime_ws import WS_MAX_MESSAGE_BYTES

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        ws="websockets-sansio",  # reads one message at a time: the realtime flow control
        ws_max_size=WS_MAX_MESSAGE_BYTES,  # a 15 MiB append is ~20 MiB of base64
    )
    server = uvicorn.Server(config)
    sock = config.bind_socket()  # a taken port or a bad address ends here (uvicorn's message)
    if on_ready is not None:
        on_ready()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # as uvicorn.run: Ctrl+C is how it is stopped
        pass
    finally:
        sock.close()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
