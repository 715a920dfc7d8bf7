"""What a batch transcribes: ``sources`` expanded into labelled audio inputs.

A list (of paths, bytes or :class:`~audiokit.AudioFile`), a glob pattern (``"calls/**/*.mp3"``,
recursive), a directory (its audio files, by extension), or a pandas Series of paths — or a
one-column DataFrame — whose index the result's frame keeps. Each entry gets a label: its path,
its file name, or ``<source i>``.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from ..audio import AudioFile
from ..core import InvalidTypeError, ValidationError

__all__ = ["expand_sources"]

AUDIO_EXTENSIONS = frozenset(
    {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "opus", "wav", "webm", "aac"}
)


def _is_pandas(value: Any, kind: str) -> bool:
    return type(value).__module__.startswith("pandas") and type(value).__name__ == kind


def _directory_files(directory: Path) -> list[str]:
    return sorted(
        str(p)
        for p in directory.iterdir()
        if p.is_file() and p.suffix.lower().lstrip(".") in AUDIO_EXTENSIONS
    )


def expand_sources(sources: Any) -> tuple[list[tuple[str, Any]], Any]:
    """``sources`` → ``[(label, audio), ...]`` and the index to give the frame (or None).

    Parameters
    ----------
    sources
        A list, a glob pattern, a directory, a pandas Series or a one-column DataFrame (see the
        module docstring).

    Returns
    -------
    tuple
        The labelled entries in order, and the Series' index (``None`` for other sources).

    Examples
    --------
    >>> expand_sources(["a.wav", "b.wav"])
    ([('a.wav', 'a.wav'), ('b.wav', 'b.wav')], None)
    """
    index = None
    if _is_pandas(sources, "DataFrame"):
        if sources.shape[1] != 1:
            raise ValidationError(
                "sources",
                f"DataFrame with columns {list(sources.columns)}",
                "a Series (one column), e.g. df['path']",
            )
        sources = sources.iloc[:, 0]
    if _is_pandas(sources, "Series"):
        index = sources.index
        values: list[Any] = sources.tolist()
    elif isinstance(sources, (str, os.PathLike)):
        text = os.fspath(sources)
        path = Path(text).expanduser()
        if glob.has_magic(text):
            values = sorted(p for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
            if not values:
                raise ValidationError("sources", text, "a pattern that matches audio files",
                                      reason="no file matches")  # fmt: skip
        elif path.is_dir():
            values = _directory_files(path)
            if not values:
                raise ValidationError(
                    "sources", text, "a directory with audio files in it",
                    reason=f"no {', '.join(sorted(AUDIO_EXTENSIONS))} files there",
                )  # fmt: skip
        else:
            values = [text]
    elif isinstance(sources, (bytes, bytearray, AudioFile)):
        values = [sources]
    else:
        try:
            values = list(sources)
        except TypeError:
            raise InvalidTypeError(
                "sources",
                type(sources).__name__,
                "a list of paths, a glob pattern, a directory or a pandas Series",
            ) from None
    entries = []
    for i, value in enumerate(values):
        if isinstance(value, (str, os.PathLike)):
            label = os.fspath(value)
        elif isinstance(value, AudioFile):
            label = value.filename
        else:
            label = f"<source {i}>"
        entries.append((label, value))
    return entries, index
