"""Which ``Host`` and ``Origin`` headers ``audiokit serve`` answers: DNS rebinding and cross-site
requests.

A web page can make the browser send requests to ``http://127.0.0.1:8000``: a plain form POST
(multipart, no preflight) from any site, or a page whose own name resolves to 127.0.0.1 (DNS
rebinding), which can then read the answers too. Two headers tell those apart from a notebook,
a script or the SDK on this machine:

- ``Host`` names the server the request was meant for. A rebinding page's requests carry its own
  name (``Host: evil.example:8000``), so a request must name a host of :class:`OriginPolicy`:
  ``localhost``, ``127.0.0.1``, ``[::1]`` (any port), the address the server listens on, and every
  ``--allow-host``; ``--allow-host '*'`` accepts any, and so does a wildcard listen address
  (``0.0.0.0``, ``::``) with no ``--allow-host``. Otherwise: 400 ``host_not_allowed``.
- ``Origin`` is sent by browsers with cross-site and WebSocket requests (scripts and the SDK send
  none). A request carrying one must come from a page on one of those named hosts (any scheme and
  port: a notebook on ``localhost:8888``) or from an ``--allow-origin`` origin (``*``: any).
  Otherwise: 403 ``origin_not_allowed`` — before the key is checked or a byte of the body read,
  and before a WebSocket (``/v1/realtime``) is accepted, so a page cannot hijack a session.

CORS headers (``Access-Control-Allow-*``) go only to ``--allow-origin`` origins; a page on a
loopback host may send but not read. Preflight ``OPTIONS`` is answered here: 204, with the CORS
headers for those origins only.

:class:`OriginGuard` is the ASGI middleware ``create_app`` wraps its app in.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..core import ValidationError

__all__ = ["OriginGuard", "OriginPolicy"]

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARD_BINDS = ("0.0.0.0", "::", "")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_CORS_METHODS = "GET, POST, DELETE, OPTIONS"
_PREFLIGHT_MAX_AGE_S = 600


def _host_name(value: str) -> str:
    """``value`` as compared: lower case, IPv6 without brackets."""
    name = value.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name


def _split_host_header(value: str) -> str | None:
    """The host of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        return host
    name, sep, port = value.partition(":")
    if sep and not port.isdigit():
        return None
    if not name or any(c in name for c in "/@?# \\"):
        return None
    return name


def _origin_key(value: str) -> str | None:
    """``scheme://host[:port]`` normalised (lower case, no default port); None if not an origin."""
    value = value.strip()
    if value == "null":
        return "null"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        shown += f":{port}"
    return f"{scheme}://{shown}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OriginPolicy:
    """The hosts and origins a server answers; build it with :meth:`for_bind`."""

    hosts: frozenset[str]  # named hosts (no port); a page on one of them may send requests
    any_host: bool  # every Host header is accepted
    cors_origins: frozenset[str]  # --allow-origin, normalised ("*": any)

    @classmethod
    def for_bind(
        cls,
        host: str = "127.0.0.1",
        allow_hosts: Iterable[str] = (),
        allow_origins: Iterable[str] = (),
    ) -> OriginPolicy:
        """The policy of a server listening on ``host`` with these ``--allow-host`` and
        ``--allow-origin`` values; a value that is not a host name (or origin) raises
        :class:`~audiokit.core.ValidationError` naming the option."""
        named = set(LOOPBACK_HOSTS)
        bind = _host_name(host)
        if bind not in _WILDCARD_BINDS:
            named.add(bind)
        allowed = list(allow_hosts)
        any_host = "*" in (a.strip() for a in allowed) or (bind in _WILDCARD_BINDS and not allowed)
        for value in allowed:
            if value.strip() == "*":
                continue
            name = _host_name(value)
            if not name or "://" in value or any(c in name for c in "/@?# \\"):
                raise ValidationError(
                    "--allow-host",
                    value,
                    "a host name or IP address as clients write it (e.g. my-laptop.lan, "
                    "192.168.1.20), or '*' for any; web origins go to --allow-origin",
                )
            if ":" in name and not _is_ipv6(name):
                raise ValidationError(
                    "--allow-host",
                    value,
                    "a host name without a port (any port is accepted), or '*'",
                )
            named.add(name)
        origins = set()
        for value in allow_origins:
            key = "*" if value.strip() == "*" else _origin_key(value)
            if key is None:
                raise ValidationError(
                    "--allow-origin",
                    value,
                    "a web origin scheme://host[:port] (e.g. https://hub.example.org), 'null', "
                    "or '*' for any",
                )
            origins.add(key)
        return cls(frozenset(named), any_host, frozenset(origins))

    def host_ok(self, header: str | None) -> bool:
        if self.any_host:
            return True
        host = _split_host_header(header) if header else None
        return host is not None and (host in self.hosts or _is_loopback_name(host, self.hosts))

    def cors(self, origin: str) -> bool:
        """Whether ``origin`` gets CORS headers (it was given with ``--allow-origin``)."""
        return "*" in self.cors_origins or _origin_key(origin) in self.cors_origins

    def origin_ok(self, origin: str) -> bool:
        if self.cors(origin):
            return True
        key = _origin_key(origin)
        if key is None or key == "null":
            return False
        host = urlsplit(key).hostname or ""
        return host in self.hosts

    def describe_hosts(self) -> str:
        shown = sorted(f"[{h}]" if ":" in h else h for h in self.hosts)
        return ", ".join(shown) + " (any port) and hosts given with --allow-host"


def _is_ipv6(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).version == 6
    except ValueError:
        return False


def _is_loopback_name(host: str, hosts: frozenset[str]) -> bool:
    # 127.0.0.1 and ::1 spelled another way (e.g. 0:0:0:0:0:0:0:1) are the same address
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(_same_address(address, h) for h in hosts)


def _same_address(address: Any, host: str) -> bool:
    try:
        return address == ipaddress.ip_address(host)
    except ValueError:
        return False


def _error(status: int, message: str, code: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    data = json.dumps({"error": error}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"connection", b"close"),
    ]
    return status, headers, data


class OriginGuard:
    """ASGI middleware: refuses requests (HTTP and WebSocket) outside ``policy``, answers
    preflights, and adds CORS headers for ``--allow-origin`` origins."""

    def __init__(self, app: Any, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(headers)
        if refusal is not None:
            await self._refuse(scope, receive, send, *refusal)
            return
        origin = headers.get("origin")
        cors = origin is not None and self.policy.cors(origin)
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            await self._preflight(send, origin if cors else None, headers)
            return
        if not cors or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-expose-headers", b"*"),
                    (b"vary", b"Origin"),
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _refusal(self, headers: dict[str, str]) -> tuple[int, str, str] | None:
        host = headers.get("host")
        if not self.policy.host_ok(host):
            return (
                400,
                f"this audiokit server does not answer requests for the host {host!r}: it "
                f"accepts {self.policy.describe_hosts()} (a guard against DNS rebinding). "
                "Connect to one of those, or start it with --allow-host NAME.",
                "host_not_allowed",
            )
        origin = headers.get("origin")
        if origin is not None and not self.policy.origin_ok(origin):
            return (
                403,
                f"requests from the web origin {origin!r} are refused by this audiokit "
                "server's origin policy: it accepts pages on "
                f"{self.policy.describe_hosts()}, and origins given with --allow-origin "
                "(a guard against cross-site requests).",
                "origin_not_allowed",
            )
        return None

    async def _refuse(
        self, scope: dict[str, Any], receive: Any, send: Any, status: int, message: str, code: str
    ) -> None:
        status, headers, body = _error(status, message, code)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if "websocket.http.response" in (scope.get("extensions") or {}):
            start = {"type": "websocket.http.response.start", "status": status}
            await send({**start, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
            return
        await receive()  # websocket.connect: close before accepting
        await send({"type": "websocket.close", "code": 1008, "reason": code})

    async def _preflight(self, send: Any, origin: str | None, headers: dict[str, str]) -> None:
        answer = [(b"allow", _CORS_METHODS.encode()), (b"content-length", b"0")]
        if origin is not None:
            requested = headers.get("access-control-request-headers", "")
            answer += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", _CORS_METHODS.encode()),
                (b"access-control-max-age", str(_PREFLIGHT_MAX_AGE_S).encode()),
                (b"vary", b"Origin"),
            ]
            if requested:
                answer.append((b"access-control-allow-headers", requested.encode("latin-1")))
        await send({"type": "http.response.start", "status": 204, "headers": answer})
        await send({"type": "http.response.body", "body": b""})
