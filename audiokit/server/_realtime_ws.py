"""The ``/v1/realtime?intent=transcription`` WebSocket endpoint of ``audiokit serve``.

A thin ASGI (Starlette) adapter over :class:`~audiokit.local.RealtimeService`, which holds the
protocol: this module refuses other intents, checks the caller (the local app's API key as a
Bearer token or ``openai-insecure-api-key.<key>`` subprotocol, or a live client secret from the
``SecretStore`` of ``_secrets``), picks the protocol the session opens in (beta when the client
sends ``OpenAI-Beta: realtime=v1`` or the ``openai-beta.realtime-v1`` subprotocol, as the beta
SDKs do; GA otherwise), accepts the connection, and hands the service two callables — send a
text message, receive the next one — until the session ends. Transports must let messages of
``REALTIME_MAX_MESSAGE_BYTES`` through (uvicorn's ``ws_max_size``, set by ``serve`` and
``serve_in_thread``) so that a 15 MiB append arrives and a larger one gets an error event.

Mounting: :func:`realtime_routes` gives the Starlette routes for ``create_app`` (``_app``): the
WebSocket and the two client-secret endpoints, sharing one secret store;
:func:`realtime_endpoint` alone can be mounted as ``WebSocketRoute("/v1/realtime", …)``.
"""

from __future__ import annotations

import threading
from typing import Any

from ..local import REALTIME_MAX_MESSAGE_BYTES, RealtimeService, SessionError
from ._secrets import SecretEndpoints, SecretStore, bearer, json_response

__all__ = ["WS_MAX_MESSAGE_BYTES", "RealtimeWebSocket", "realtime_endpoint", "realtime_routes"]

WS_MAX_MESSAGE_BYTES = REALTIME_MAX_MESSAGE_BYTES  # uvicorn's ws_max_size for this endpoint


class RealtimeWebSocket:
    """The WebSocket endpoint (:meth:`websocket`) over ``service``; accepts ``store``'s secrets."""

    def __init__(self, service: RealtimeService, store: SecretStore) -> None:
        self.service = service
        self.store = store

    async def websocket(self, websocket: Any) -> None:
        """The ``/v1/realtime?intent=transcription`` WebSocket endpoint (Starlette)."""
        intent = websocket.query_params.get("intent")
        if intent != "transcription":
            await self._deny(
                websocket,
                400,
                SessionError(
                    "the local engine serves transcription sessions only: connect to "
                    "/v1/realtime?intent=transcription",
                    param="intent",
                ),
            )
            return
        offered = list(websocket.scope.get("subprotocols") or [])
        token = bearer(websocket.headers.get("authorization"))
        for proto in offered:
            if proto.startswith("openai-insecure-api-key."):
                token = token or proto.removeprefix("openai-insecure-api-key.")
        preset = self.store.get(token) if token and token.startswith("ek_") else None
        if preset is None and not self.service.key_ok(token):
            await self._deny(
                websocket,
                401,
                SessionError(
                    "Incorrect or missing API key (or an expired client secret) for this audiokit "
                    "server.",
                    code="invalid_api_key",
                ),
            )
            return
        beta = "realtime=v1" in (websocket.headers.get("openai-beta") or "").replace(" ", "")
        beta = beta or "openai-beta.realtime-v1" in offered
        await websocket.accept(subprotocol="realtime" if "realtime" in offered else None)
        await self._serve(websocket, preset, "beta" if beta else "ga")

    async def _deny(self, websocket: Any, status: int, problem: SessionError) -> None:
        body = problem.body()
        body.pop("event_id")
        try:
            await websocket.send_denial_response(json_response({"error": body}, status))
        except RuntimeError:  # a server without the denial extension: close before accepting
            await websocket.close(code=1008, reason=problem.message[:120])

    async def _serve(self, websocket: Any, preset: dict[str, Any] | None, protocol: str) -> None:
        async def receive() -> str | bytes | None:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return None
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            return data

        async def close() -> None:
            await websocket.close(code=1000)

        session = await self.service.start(websocket.send_text, preset, protocol)
        try:
            await session.run(receive, close)
        except Exception as exc:
            if _is_disconnect(exc):
                return
            raise


def _is_disconnect(exc: BaseException) -> bool:
    from starlette.websockets import WebSocketDisconnect

    return isinstance(exc, WebSocketDisconnect) or type(exc).__name__ in (
        "ClientDisconnected",
        "ConnectionClosed",
        "ConnectionClosedError",
        "ConnectionClosedOK",
    )


def realtime_routes(local_app: Any = None) -> list[Any]:
    """The realtime routes for ``audiokit serve``'s Starlette app.

    ``/v1/realtime`` (WebSocket) and the two client-secret endpoints, over one
    :class:`~audiokit.local.RealtimeService` of ``local_app`` (default: the process-wide one)
    and one secret store.
    """
    from starlette.routing import WebSocketRoute

    service, store = RealtimeService(local_app), SecretStore()
    return [
        WebSocketRoute("/v1/realtime", RealtimeWebSocket(service, store).websocket),
        *SecretEndpoints(service, store).routes(),
    ]


_default: RealtimeWebSocket | None = None
_default_lock = threading.Lock()


async def realtime_endpoint(websocket: Any) -> None:
    """Mountable as ``WebSocketRoute("/v1/realtime", realtime_endpoint)`` (shared local app)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = RealtimeWebSocket(RealtimeService(), SecretStore())
    await _default.websocket(websocket)
