"""Ephemeral client secrets for realtime sessions: the store and the two HTTP endpoints.

``POST /v1/realtime/transcription_sessions`` (beta) and the GA ``POST /v1/realtime/client_secrets``
create an ephemeral ``client_secret``: random (``ek_…``), valid for a minute (or
``expires_after``), presetting the session's settings. The WebSocket endpoint
(``_realtime_ws``) accepts a live secret as a Bearer token (or as the
``openai-insecure-api-key.<secret>`` subprotocol, as browsers send it) and starts the session
with its settings. The settings are checked by the local engine's own rules
(``audiokit.local``: ``merge_session``, ``ga_to_session``); the API key the endpoints ask for is
the local app's (:meth:`~audiokit.local.RealtimeService.key_ok`).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..local import (
    SESSION_MAX_S,
    RealtimeService,
    SessionError,
    bearer_token,
    default_session,
    ga_session_object,
    ga_to_session,
    merge_session,
    new_id,
    session_object,
)
from ._body import JSON_BODY_BYTES, read_body

__all__ = ["SecretEndpoints", "SecretStore"]

SECRET_TTL_S = 60  # the API: "all tokens expire after one minute"
MAX_SECRETS = 1_000
SECRET_TTL_RANGE_S = (10, 7_200)  # client_secrets expires_after.seconds


@dataclass
class _Secret:
    expires_at: float
    config: dict[str, Any]


class SecretStore:
    """Short-lived client secrets (``ek_…``), each presetting a session's settings."""

    def __init__(self) -> None:
        self._secrets: dict[str, _Secret] = {}
        self._lock = threading.Lock()

    def create(self, config: dict[str, Any], ttl: float = SECRET_TTL_S) -> tuple[str, int]:
        now = time.time()
        with self._lock:
            self._prune(now)
            if len(self._secrets) >= MAX_SECRETS:
                raise SessionError(
                    "too many live client secrets; try again in a minute",
                    code="rate_limit_exceeded",
                )
            value = "ek_" + secrets.token_hex(16)
            expires_at = int(now + ttl)
            self._secrets[value] = _Secret(expires_at, config)
        return value, expires_at

    def get(self, value: str) -> dict[str, Any] | None:
        now = time.time()
        with self._lock:
            self._prune(now)
            found = self._secrets.get(value)
        return dict(found.config) if found is not None else None

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._secrets.items() if s.expires_at <= now]:
            del self._secrets[key]


class SecretEndpoints:
    """The client-secret endpoints over a :class:`~audiokit.local.RealtimeService`'s API key.

    Secrets go into ``store``, where the WebSocket endpoint looks them up.
    """

    def __init__(self, service: RealtimeService, store: SecretStore) -> None:
        self.service = service
        self.store = store

    def routes(self) -> list[Any]:
        """The Starlette routes of both endpoints."""
        from starlette.routing import Route

        return [
            Route(
                "/v1/realtime/transcription_sessions", self.transcription_sessions, methods=["POST"]
            ),
            Route("/v1/realtime/client_secrets", self.client_secrets, methods=["POST"]),
        ]

    async def transcription_sessions(self, request: Any) -> Any:
        """``POST /v1/realtime/transcription_sessions``: a session object with a client secret."""
        problem = await self._http_checks(request)
        if problem is not None:
            return problem
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return body
        secret = body.pop("client_secret", None)  # the SDK's {"expires_after": {...}}
        try:
            ttl = SECRET_TTL_S
            if secret is not None:
                expires_after = secret.get("expires_after") if isinstance(secret, dict) else None
                ttl = _ttl(expires_after) if expires_after is not None else SECRET_TTL_S
            config = merge_session(default_session(), body)
            value, expires_at = self.store.create(config, ttl)
        except SessionError as exc:
            return http_error(exc)
        created = session_object(new_id("sess"), config, int(time.time()) + SESSION_MAX_S)
        return json_response(
            {**created, "client_secret": {"value": value, "expires_at": expires_at}}
        )

    async def client_secrets(self, request: Any) -> Any:
        """``POST /v1/realtime/client_secrets`` (GA): a secret for a transcription session."""
        problem = await self._http_checks(request)
        if problem is not None:
            return problem
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return body
        try:
            ttl = _ttl(body.get("expires_after"))
            config = ga_to_session(body.get("session") or {"type": "transcription"})
            value, expires_at = self.store.create(config, ttl)
        except SessionError as exc:
            return http_error(exc)
        session = ga_session_object(new_id("sess"), config, int(time.time()) + SESSION_MAX_S)
        return json_response({"value": value, "expires_at": expires_at, "session": session})

    async def _http_checks(self, request: Any) -> Any:
        if not self.service.key_ok(bearer(request.headers.get("authorization"))):
            return http_error(
                SessionError(
                    "Incorrect or missing API key for this audiokit server.", code="invalid_api_key"
                ),
                401,
            )
        return None

    async def _json_body(self, request: Any) -> Any:
        raw = await read_body(request, JSON_BODY_BYTES)
        if raw is None:
            return http_error(
                SessionError(
                    f"the request body is over {JSON_BODY_BYTES // 1024} KB",
                    code="request_too_large",
                ),
                413,
            )
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return http_error(SessionError("the request body is not valid JSON"))
        if not isinstance(body, dict):
            return http_error(SessionError("the request body must be a JSON object"))
        return body


# Shared with the WebSocket endpoint (``_realtime_ws``), which builds on this module.


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any (the local engine's
    one reading of it, :func:`~audiokit.local.bearer_token`)."""
    return bearer_token(header)


def json_response(data: Any, status: int = 200) -> Any:
    """A Starlette JSON response."""
    from starlette.responses import JSONResponse

    return JSONResponse(data, status_code=status)


def http_error(problem: SessionError, status: int = 400) -> Any:
    """The API's ``{"error": …}`` response for ``problem`` (429 for a rate limit)."""
    body = problem.body()
    body.pop("event_id")
    if problem.code == "rate_limit_exceeded":
        status = 429
    return json_response({"error": body}, status)


def _ttl(expires_after: Any) -> float:
    if expires_after is None:
        return 600.0  # client_secrets' default: ten minutes
    low, high = SECRET_TTL_RANGE_S
    seconds = expires_after.get("seconds", 600) if isinstance(expires_after, Mapping) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not low <= seconds <= high:
        raise SessionError(
            f"expires_after.seconds must be a whole number from {low} to {high}",
            param="expires_after.seconds",
        )
    return float(seconds)
