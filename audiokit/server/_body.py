"""Request bodies with a hard cap: read as they arrive, refused the moment they pass it.

A body is never buffered past its cap, whether it announces its size (``Content-Length``) or
not (chunked): :func:`read_body` returns ``None`` as soon as the bytes received pass the cap (or
at once when the announced length does), and the route answers 413 without reading the rest.
Uploads (``multipart/form-data``) may hold the API's 25 MB file plus the other fields; every
other body is JSON and small. ``_app`` checks the caller's key *before* reading a byte.
"""

from __future__ import annotations

from typing import Any

from ..core import MAX_UPLOAD_BYTES

__all__ = ["JSON_BODY_BYTES", "UPLOAD_BODY_BYTES", "body_cap", "read_body"]

UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 2 * 1024 * 1024  # the file plus room for the other fields
# A speech request is at most 4096 characters of input and of instructions: even written as
# \uXXXX escapes that is under 64 KB; 1 MiB leaves room and still costs nothing.
JSON_BODY_BYTES = 1024 * 1024


def body_cap(content_type: str | None) -> int:
    """The most bytes a body of this content type may hold."""
    if (content_type or "").lower().startswith("multipart/form-data"):
        return UPLOAD_BODY_BYTES
    return JSON_BODY_BYTES


async def read_body(request: Any, cap: int) -> bytes | None:
    """The body of a Starlette ``request``, or ``None`` once it is past ``cap`` bytes."""
    length = request.headers.get("content-length")
    if length is not None and (not length.strip().isdigit() or int(length) > cap):
        return None
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > cap:
            return None
    return bytes(received)
