"""``audiokit serve``: an OpenAI-compatible HTTP server over the local engine.

A thin Starlette adapter: read the request, hand it to :class:`~audiokit.local.LocalApp` in a
worker thread (inference never blocks the event loop, so concurrent requests are served side by
side), and send back its status, headers and body — streamed for SSE. The realtime routes
(``/v1/realtime`` WebSocket, client secrets) come from ``_realtime_ws``; :func:`serve` runs the
app with uvicorn in the foreground, ``_runner`` in a background thread.
"""

from __future__ import annotations

from typing import Any

from ..core import MAX_UPLOAD_BYTES

__all__ = ["create_app", "serve"]

MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 2 * 1024 * 1024  # the file plus room for the other fields


def create_app(local_app: Any = None) -> Any:
    """The ASGI application serving ``/v1/audio/*`` and ``/v1/models`` from ``local_app``."""
    from starlette.applications import Starlette
    from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    from ..local import LocalResponse
    from ..local import local_app as shared_app
    from ._realtime_ws import realtime_routes

    app_impl = local_app if local_app is not None else shared_app()

    async def endpoint(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            error = LocalResponse.error(
                413, "the upload is over the 25 MB limit", param="file", code="file_too_large"
            )
            return Response(error.body, status_code=413, headers=error.headers)
        body = await request.body()
        local = await run_in_threadpool(
            app_impl.handle, request.method, request.url.path, dict(request.headers), body
        )
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
    return Starlette(routes=routes)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    api_key: str | None = None,
    whisper_model: str | None = None,
    piper_voice: str | None = None,
    log_level: str = "info",
) -> None:
    """Run the server in the foreground until interrupted."""
    import uvicorn

    from ..local import LocalApp

    whisper = piper = None
    if whisper_model:
        from ..local import WhisperEngine

        whisper = WhisperEngine(whisper_model)
    if piper_voice:
        from ..local import PiperEngine

        piper = PiperEngine(piper_voice)
    app = create_app(LocalApp(whisper, piper, api_key=api_key))
    uvicorn.run(app, host=host, port=port, log_level=log_level)
