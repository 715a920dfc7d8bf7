"""Who may call: the one check of an API key for every route of the offline engine.

``LocalApp`` (in-process and behind ``audiokit serve``), the server's WebSocket and its
client-secret routes all ask :func:`key_matches` about the token :func:`bearer_token` reads, so
the rules are the same everywhere: the scheme is case-insensitive (``Bearer``, ``bearer``; RFC
7235), the comparison takes constant time, and a token that is not ASCII is simply wrong (never
an exception: ``hmac.compare_digest`` refuses non-ASCII ``str``, so bytes are compared).
"""

from __future__ import annotations

import hmac

__all__ = ["bearer_token", "key_matches"]


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (any case of ``Bearer``)."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def key_matches(expected: str | None, token: str | None) -> bool:
    """Whether ``token`` is ``expected`` (any token is when no key is expected)."""
    if expected is None:
        return True
    if token is None:
        return False
    return hmac.compare_digest(_raw(token), _raw(expected))


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
