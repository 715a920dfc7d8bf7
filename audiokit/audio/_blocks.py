"""A long recording as consecutive fixed-size blocks, decoded as it goes: :func:`iter_blocks`.

Memory stays bounded by about one block plus one read buffer, whatever the file's length: the
readers of :mod:`._decode` decode a piece at a time (resampling with state kept across pieces),
and :func:`_blocks` regroups the pieces into blocks. Long-audio splitting (a minute at a time
for Whisper, upload-sized chunks for the API) and live feeds from a file read through here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..core import InvalidTypeError, ValidationError
from ._backends import _as_buffer, _check_rate
from ._decode import _open_reader

__all__ = ["iter_blocks"]


def iter_blocks(
    source: str | os.PathLike[str] | bytes,
    *,
    sample_rate: int = 16_000,
    block_seconds: float = 60.0,
) -> Iterator[np.ndarray]:
    """Yield a long recording as consecutive mono float32 blocks, decoding as it goes.

    Memory stays bounded by about one block plus one read buffer, whatever the file's length,
    so a three-hour file can be fed to Whisper a minute at a time. The resampler keeps its
    state across blocks, so the concatenated blocks equal a one-shot decode (no seams).

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A file path, or the encoded file's bytes.
    sample_rate : int
        Rate of the yielded samples (16 kHz, Whisper's, by default).
    block_seconds : float
        Length of every block but the last, which holds the rest.

    Yields
    ------
    numpy.ndarray
        1-D float32 blocks of ``round(block_seconds * sample_rate)`` samples.

    Examples
    --------
    >>> for block in iter_blocks("meeting.mp3", block_seconds=30):
    ...     handle(block)
    """
    rate = _check_rate("sample_rate", sample_rate)
    if not block_seconds > 0:
        raise ValidationError("block_seconds", block_seconds, "a number of seconds > 0")
    block = max(1, round(block_seconds * rate))
    if isinstance(source, (bytes, bytearray, memoryview)):
        src: str | bytes = bytes(_as_buffer(source).getbuffer())
    elif isinstance(source, (str, os.PathLike)):
        src = os.fspath(source)
        if not Path(src).is_file():
            raise FileNotFoundError(f"no such audio file: {src}")
    else:
        raise InvalidTypeError("source", source, "a file path or the file's bytes")
    return _blocks(_open_reader(src, rate), block)


def _blocks(pieces: Iterator[np.ndarray], block: int) -> Iterator[np.ndarray]:
    pending: list[np.ndarray] = []
    size = 0
    for piece in pieces:
        if len(piece) == 0:
            continue
        pending.append(piece)
        size += len(piece)
        if size >= block:
            joined = np.concatenate(pending)
            cut = (size // block) * block
            for start in range(0, cut, block):
                yield joined[start : start + block].copy()
            rest = joined[cut:]
            pending, size = ([rest], len(rest)) if len(rest) else ([], 0)
    if size:
        yield np.concatenate(pending)
