"""One time budget per request: ``timeout`` seconds of waiting on the server, in total.

httpx's timeouts bound each network operation, so a server that drips one byte a second never
trips a read timeout and holds a request for as long as it likes. ``_http`` gives every attempt a
:class:`Budget` of ``timeout`` seconds and spends it inside :func:`spending` (the connect, the
upload and every read of the answer, streamed or not); time the caller spends between pulls of a
stream is not counted. Two layers enforce it:

- the network backend of the httpx client audiokit creates is wrapped (:func:`install`), so
  every connect, write and read waits at most for what is left of the budget; the socket op
  then times out, httpcore drops the connection, and the error is an ``APITimeoutError``;
- with a client or transport of the caller's, the body is checked between chunks
  (:meth:`Budget.check`): bounded by the budget plus one read timeout.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import httpcore
import httpx

T = TypeVar("T")
_END: Any = object()

__all__: list[str] = []

_SPENDING: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "audiokit_request_budget", default=None
)


class Budget:
    """Seconds left to wait on the server for one request attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.left = seconds
        self.deadline: float | None = None  # absolute (monotonic) while spending

    @property
    def spent(self) -> bool:
        return self.left <= 0

    def clamp(self, timeout: float | None, exc: type[Exception]) -> float | None:
        """``timeout`` cut to what is left; ``exc`` (an httpcore timeout) when nothing is."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise exc(f"the request used up its {self.seconds:g} s timeout")
        return left if timeout is None else min(timeout, left)


@contextlib.contextmanager
def spending(budget: Budget) -> Iterator[None]:
    """Network operations inside draw on ``budget`` (in this thread or asyncio task only)."""
    started = time.monotonic()
    budget.deadline = started + budget.left
    token = _SPENDING.set(budget)
    try:
        yield
    finally:
        _SPENDING.reset(token)
        budget.deadline = None
        budget.left -= time.monotonic() - started


# The budget of the attempt that produced each response: its body is read on the same budget,
# however and whenever it is read.
_BUDGETS: weakref.WeakKeyDictionary[httpx.Response, Budget] = weakref.WeakKeyDictionary()


def attach(response: httpx.Response, budget: Budget) -> None:
    """Read ``response``'s body on ``budget`` (see :func:`budget_of`)."""
    _BUDGETS[response] = budget


def budget_of(response: httpx.Response) -> Budget | None:
    """The budget the body of ``response`` is read on, if audiokit sent it."""
    return _BUDGETS.get(response)


def _spent(budget: Budget) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the request used up its {budget.seconds:g} s timeout")


def timed(budget: Budget | None, pieces: Iterator[T]) -> Iterator[T]:
    """``pieces`` (of a response body) pulled on ``budget``; ``httpx.ReadTimeout`` once spent
    (what stops a caller's transport, whose reads are not cut short)."""
    if budget is None:
        yield from pieces
        return
    while True:
        with spending(budget):
            piece = next(pieces, _END)
        if budget.spent:
            raise _spent(budget)
        if piece is _END:
            return
        yield piece


async def atimed(budget: Budget | None, pieces: AsyncIterator[T]) -> AsyncIterator[T]:
    """:func:`timed` for an async body."""
    while True:
        with spending(budget) if budget is not None else contextlib.nullcontext():
            piece = await anext(pieces, _END)
        if budget is not None and budget.spent:
            raise _spent(budget)
        if piece is _END:
            return
        yield piece


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    budget = _SPENDING.get()
    return timeout if budget is None else budget.clamp(timeout, exc)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _AsyncStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self.inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def install(client: Any) -> bool:
    """Wrap the network backends of an httpx client audiokit created; True if it could.

    httpx has no public hook for the backend, so this reaches into its transports' pools
    (``_transport._pool._network_backend``, the same for proxy mounts); where the layout is
    not found the per-chunk check still applies.
    """
    transports = [getattr(client, "_transport", None)]
    transports += list((getattr(client, "_mounts", None) or {}).values())
    installed = False
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, (_Backend, _AsyncBackend)):
            installed = True
        elif isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
            installed = True
        elif isinstance(backend, httpcore.AsyncNetworkBackend):
            pool._network_backend = _AsyncBackend(backend)  # type: ignore[union-attr]
            installed = True
    return installed
