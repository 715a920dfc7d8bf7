"""`audiokit serve`: the offline engine as an OpenAI-compatible HTTP and WebSocket server."""

from ._app import create_app, serve

__all__ = [
    "create_app",
    "serve",
]
