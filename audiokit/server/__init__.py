"""`audiokit serve`: the offline engine as an OpenAI-compatible HTTP and WebSocket server.
``_app``: the Starlette app (``create_app``) and ``serve``; ``_realtime_ws``: the
``/v1/realtime`` WebSocket endpoint over ``audiokit.local.RealtimeService``; ``_secrets``:
ephemeral client secrets and their endpoints; ``_origin``: the Host and Origin policy
(``OriginPolicy``, the ``OriginGuard`` middleware); ``_runner``: the uvicorn thread runner
(``serve_in_thread``, ``local_server``). Uses ``audiokit.local`` only through its
``__init__``; ``local`` never imports ``server``."""

from ._app import create_app, exposure_warning, serve
from ._body import JSON_BODY_BYTES, UPLOAD_BODY_BYTES, body_cap, read_body
from ._origin import OriginGuard, OriginPolicy
from ._realtime_ws import (
    WS_MAX_MESSAGE_BYTES,
    RealtimeWebSocket,
    realtime_endpoint,
    realtime_routes,
)
from ._runner import RunningServer, local_server, serve_in_thread
from ._secrets import SecretEndpoints, SecretStore

__all__ = [
    "JSON_BODY_BYTES",
    "UPLOAD_BODY_BYTES",
    "WS_MAX_MESSAGE_BYTES",
    "OriginGuard",
    "OriginPolicy",
    "RealtimeWebSocket",
    "RunningServer",
    "SecretEndpoints",
    "SecretStore",
    "body_cap",
    "create_app",
    "exposure_warning",
    "local_server",
    "read_body",
    "realtime_endpoint",
    "realtime_routes",
    "serve",
    "serve_in_thread",
]
