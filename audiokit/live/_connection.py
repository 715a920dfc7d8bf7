"""The WebSocket of a live session: where to connect, the handshake, refusals as audiokit errors.

``_target`` turns a Client's settings into the ``wss://…/realtime?intent=transcription`` URL and
headers (offline: the local server on 127.0.0.1, started on first use); ``_connect`` opens the
WebSocket for ``_run._LiveRun`` and translates handshake failures once. The API key goes only
into the ``Authorization`` header; the WebSocket library's debug log of it is redacted, and so
is a refusal that echoes it (in its body or headers): the error is built from redacted copies,
outside the ``except`` block, so neither it, its context nor a traceback frame's locals (what
``%xmode Verbose`` prints) hold the raw answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from ..core import (
    USER_AGENT,
    APIConnectionError,
    APIError,
    APITimeoutError,
    InvalidTypeError,
    Secret,
    ValidationError,
    redact_logs,
    status_error_class,
)
from ._limits import CLOSE_TIMEOUT_S

__all__: list[str] = []

CONNECT_TIMEOUT_S = 30.0
PING_INTERVAL_S = 20.0  # keepalive pings notice a dead connection while nobody speaks
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class _RedactAuthorization(logging.Filter):
    """websockets logs handshake headers at DEBUG: never the key."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 2
            and str(args[0]).lower()
            in (
                "authorization",
                "sec-websocket-protocol",
            )
        ):
            record.args = (args[0], "***")
        return True


def _websocket_logger() -> logging.Logger:
    log = logging.getLogger("audiokit.live.websocket")
    if not any(isinstance(f, _RedactAuthorization) for f in log.filters):
        log.addFilter(_RedactAuthorization())
    return log


def realtime_url(base_url: str) -> str:
    """``https://host/v1`` → ``wss://host/v1/realtime?intent=transcription``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValidationError("base_url", base_url, "an http(s):// or ws(s):// URL")
    path = parts.path.rstrip("/") + "/realtime"
    return urlunsplit((scheme, parts.netloc, path, "intent=transcription", ""))


@dataclass(frozen=True)
class _Target:
    url: str
    headers: dict[str, str]
    proxy: Any = True
    secret: Secret | None = None  # the key in the headers: redacted from whatever comes back

    def __repr__(self) -> str:  # the headers hold the key
        return f"_Target({self.url!r})"


def _target(client: Any, protocol: str = "ga") -> _Target:
    """Where to connect and the handshake headers, from an audiokit Client's settings.

    The beta protocol is asked for with ``OpenAI-Beta: realtime=v1``; GA sends no such header.
    """
    settings = getattr(client, "settings", None)
    if settings is None:
        raise InvalidTypeError("client", client, "an audiokit.Client or AsyncClient")
    headers = {"OpenAI-Beta": "realtime=v1"} if protocol == "beta" else {}
    if settings.backend == "local":
        from ..server import local_server

        server = local_server()
        headers["Authorization"] = f"Bearer {server.api_key}"
        secret = Secret(server.api_key)
        redact_logs(secret, (_websocket_logger().name,))
        return _Target(realtime_url(server.url + "/v1"), headers, proxy=None, secret=secret)
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        redact_logs(settings.api_key, (_websocket_logger().name,))
    if settings.organization:
        headers["OpenAI-Organization"] = settings.organization
    if settings.project:
        headers["OpenAI-Project"] = settings.project
    return _Target(realtime_url(settings.base_url), headers, secret=settings.api_key)


def _status_error(response: Any, secret: Secret | None) -> APIError:
    """The refusal as an audiokit error, every part of it redacted (servers echo headers)."""
    redact = secret.redact if secret else (lambda value: value)
    status = int(response.status_code)
    body_bytes = bytes(response.body or b"")
    try:
        body: Any = json.loads(body_bytes) if body_bytes else None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or absurdly deep
        body = body_bytes.decode("utf-8", "replace")
    del body_bytes
    body = redact(body)
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = error.get("message") or (body if isinstance(body, str) and body else None)
    return status_error_class(status)(
        str(message or f"the server refused the realtime WebSocket (HTTP {status})"),
        status_code=status,
        type=error.get("type"),
        code=error.get("code"),
        param=error.get("param"),
        request_id=redact(response.headers.get("x-request-id")),
        body=body,
    )


async def _connect(target: _Target) -> Any:
    """Open the WebSocket; handshake failures become audiokit errors, once, here."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

    safe = target.url.split("?", 1)[0]
    try:
        return await connect(
            target.url,
            additional_headers=target.headers,
            user_agent_header=USER_AGENT,
            proxy=target.proxy,
            compression=None,  # base64 audio barely compresses; spare the CPU
            open_timeout=CONNECT_TIMEOUT_S,
            ping_interval=PING_INTERVAL_S,
            ping_timeout=PING_INTERVAL_S,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=MAX_MESSAGE_BYTES,
            logger=_websocket_logger(),
        )
    except InvalidStatus as exc:
        refused = _status_error(exc.response, target.secret)
    except InvalidURI as exc:
        raise ValidationError("base_url", safe, "an http(s):// URL", reason=str(exc)) from None
    except (TimeoutError, asyncio.TimeoutError) as exc:  # one class from Python 3.11
        raise APITimeoutError(
            f"no WebSocket handshake from {safe} within {CONNECT_TIMEOUT_S:.0f} s"
        ) from exc
    except OSError as exc:
        raise APIConnectionError(f"cannot open the realtime WebSocket to {safe}: {exc}") from exc
    except InvalidHandshake as exc:  # may quote a header the server sent back: redacted
        why = target.secret.redact(str(exc)) if target.secret else str(exc)
        refused = APIConnectionError(f"cannot open the realtime WebSocket to {safe}: {why}")
    # Raised here, not in the except block: no __context__ holding the raw refusal.
    raise refused
