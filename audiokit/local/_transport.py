"""An httpx transport that answers from :class:`LocalApp` in-process.

Blocking work (model inference) runs in worker threads for the async client, so the event loop
never stalls; streamed bodies are pulled chunk by chunk, so SSE deltas arrive as segments decode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.to_thread
import httpx

from ._app import LocalApp
from ._response import LocalResponse

__all__ = ["LocalTransport"]

_END = object()


class LocalTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serve httpx requests from a :class:`LocalApp` without sockets."""

    def __init__(self, app: LocalApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        local = self.app.handle(
            request.method, request.url.raw_path.decode(), dict(request.headers), request.read()
        )
        return _response(local, request, local.body if isinstance(local.body, bytes) else None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        local = await anyio.to_thread.run_sync(
            self.app.handle,
            request.method,
            request.url.raw_path.decode(),
            dict(request.headers),
            body,
        )
        if isinstance(local.body, bytes):
            return _response(local, request, local.body)
        return httpx.Response(
            local.status, headers=local.headers, request=request, content=_in_threads(local.body)
        )


def _response(local: LocalResponse, request: httpx.Request, body: bytes | None) -> httpx.Response:
    content: Any = body if body is not None else _chunks(local.body)  # type: ignore[arg-type]
    headers = {**local.headers, **local.in_process_headers}
    return httpx.Response(local.status, headers=headers, request=request, content=content)


def _chunks(body: Iterator[bytes]) -> Iterator[bytes]:
    yield from body


async def _in_threads(body: Iterator[bytes]) -> AsyncIterator[bytes]:
    iterator = iter(body)
    while True:
        chunk = await anyio.to_thread.run_sync(next, iterator, _END)
        if chunk is _END:
            return
        yield chunk
