"""A request's form fields and files as httpx form data, or as one ``multipart/form-data`` body.

:func:`multipart` makes the body httpx's multipart encoder would send, byte for byte, in one
piece: httpx builds a field object per part and streams the body part by part (one socket write
per boundary, header and field: ~15 for a transcription), while one bytes object leaves in one
write and takes a third of the time to build. :mod:`._http` sends it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..audio import AudioFile

__all__: list[str] = []  # private to wire/: _http builds its request bodies with these


def form_dict(fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Request fields as httpx form data: a ``name[]`` array becomes a list."""
    data: dict[str, Any] = {}
    for key, value in fields:
        if key.endswith("[]"):
            data.setdefault(key, []).append(value)
        else:
            data[key] = value
    return data


# What httpx (as browsers, HTML5) escapes in a multipart name or filename.
_FORM_ESCAPES = {'"': "%22", "\\": "\\\\"} | {chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}
_FORM_ESCAPE = re.compile("|".join(re.escape(c) for c in _FORM_ESCAPES))


@lru_cache(maxsize=256)  # the same few names and filenames, request after request
def _form_param(name: str, value: str) -> bytes:
    return f'{name}="{_FORM_ESCAPE.sub(lambda m: _FORM_ESCAPES[m.group(0)], value)}"'.encode()


def multipart(
    fields: tuple[tuple[str, str], ...], files: tuple[tuple[str, AudioFile], ...], boundary: bytes
) -> bytes:
    """The ``multipart/form-data`` body httpx would send for these fields and files, byte for
    byte (fields first, in order; each file with its name and content type)."""
    dash = b"--" + boundary + b"\r\n"
    parts: list[bytes] = []
    for name, value in fields:
        parts += [dash, b"Content-Disposition: form-data; ", _form_param("name", name),
                  b"\r\n\r\n", value.encode(), b"\r\n"]  # fmt: skip
    for name, file in files:
        parts += [dash, b"Content-Disposition: form-data; ", _form_param("name", name), b"; ",
                  _form_param("filename", file.filename), b"\r\nContent-Type: ",
                  file.content_type.encode(), b"\r\n\r\n", file.data, b"\r\n"]  # fmt: skip
    parts.append(b"--" + boundary + b"--\r\n")
    return b"".join(parts)
