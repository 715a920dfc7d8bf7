"""The process-wide offline engine: one LocalApp (models load on first use) and its transport."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["local_app", "local_transport"]

_lock = threading.Lock()
_shared: dict[str, Any] = {}


def local_app() -> Any:
    """The process-wide :class:`LocalApp` (models load on first use)."""
    with _lock:
        if "app" not in _shared:
            from ._app import LocalApp

            _shared["app"] = LocalApp()
        return _shared["app"]


def local_transport() -> Any:
    """An httpx transport (sync and async) serving requests from :func:`local_app` in-process."""
    from ._transport import LocalTransport

    return LocalTransport(local_app())
