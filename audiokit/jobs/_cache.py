"""A disk cache of transcripts: re-running a cell or resuming a batch never pays twice.

An entry is keyed by a SHA-256 over what decides the answer: the audio's content (not its file
name), the task, the server (``local``, or the API's base URL), the model and every parameter.
It stores :meth:`Transcript.to_dict` plus the raw response body — never the API key or any
header. Entries live in ``<cache_dir>/<key[:2]>/<key>.json``.

Writes are atomic (a temporary file in the same directory, then :func:`os.replace`), so any
number of threads or processes may write at once: a reader sees a whole entry or none, and two
writers of the same key write the same content. An unreadable entry — torn, not JSON, JSON of
the wrong shape, a directory where the file should be — counts as a miss. A failed write never
loses the transcript it was given: :meth:`TranscriptCache.store` (what the jobs use) logs a
warning on the ``audiokit`` logger and the caller still gets its result.

Location: ``cache_dir=``, else ``$AUDIOKIT_CACHE_DIR``, else the platform's user cache directory
(``~/.cache/audiokit/transcripts`` on Linux, ``~/Library/Caches/audiokit/transcripts`` on macOS,
``%LOCALAPPDATA%\\audiokit\\Cache\\transcripts`` on Windows).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..audio import AudioFile
from ..core import InvalidTypeError
from ..results import Transcript

__all__ = ["CACHE_ENV", "TranscriptCache", "audio_digest", "default_cache_dir", "resolve_cache"]

logger = logging.getLogger("audiokit")

CACHE_ENV = "AUDIOKIT_CACHE_DIR"
ENTRY_VERSION = 1  # bump when the entry layout or the key recipe changes
_READ_BYTES = 1 << 20  # hash files a megabyte at a time
# Parameters that change how the audio is sent, not what the answer is.
_NOT_KEYED = frozenset({"stream", "sample_rate", "filename", "concurrency", "cache"})


def default_cache_dir() -> Path:
    """``$AUDIOKIT_CACHE_DIR``, else the platform's user cache directory for audiokit."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        base = home / "Library" / "Caches" / "audiokit"
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "audiokit"
        base = base / "Cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "audiokit"
    return base / "transcripts"


def audio_digest(audio: Any) -> str:
    """SHA-256 (hex) of the audio's bytes: a path (read in pieces), bytes, AudioFile, Speech."""
    digest = hashlib.sha256()
    if isinstance(audio, (str, os.PathLike)):
        with open(os.fspath(audio), "rb") as f:
            while block := f.read(_READ_BYTES):
                digest.update(block)
    elif isinstance(audio, (bytes, bytearray, memoryview)):
        digest.update(audio)
    elif isinstance(audio, AudioFile) or hasattr(audio, "data"):
        digest.update(bytes(audio.data))
    else:
        raise InvalidTypeError("audio", audio, "a path, bytes or an AudioFile")
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """Parameters as plain, order-stable JSON data (audio references by digest)."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if isinstance(value, (os.PathLike, AudioFile)):
        return {"sha256": audio_digest(value)}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


class TranscriptCache:
    """Transcripts on disk, keyed by audio content, server, model and parameters.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Where entries live (default: :func:`default_cache_dir`). Created on first write.

    Examples
    --------
    >>> cache = TranscriptCache("~/.cache/my-project")                       # doctest: +SKIP
    >>> audiokit.transcribe("talk.mp3", cache=cache)                         # doctest: +SKIP
    >>> len(cache), cache.clear()                                            # doctest: +SKIP
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        if directory is not None and not isinstance(directory, (str, os.PathLike)):
            raise InvalidTypeError("cache_dir", directory, "a directory path")
        self.directory = Path(directory).expanduser() if directory else default_cache_dir()

    # -- keys ---------------------------------------------------------------------------------

    @staticmethod
    def key(*, audio: str, task: str, endpoint: str, params: Mapping[str, Any]) -> str:
        """The entry key: SHA-256 over the canonical JSON of what decides the transcript.

        ``audio`` is :func:`audio_digest` of the input; ``endpoint`` is ``"local"`` or the
        server's base URL; ``params`` are the request parameters (``None`` values and
        parameters that do not change the answer are left out).
        """
        material = {
            "v": ENTRY_VERSION,
            "audio": audio,
            "task": task,
            "endpoint": endpoint,
            "params": _canonical(
                {
                    k: _reference_digests(v) if k == "known_speaker_references" else v
                    for k, v in params.items()
                    if v is not None and k not in _NOT_KEYED
                }
            ),
        }
        blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        """The file an entry lives in."""
        return self.directory / key[:2] / f"{key}.json"

    # -- reading and writing ------------------------------------------------------------------

    def get(self, key: str) -> Transcript | None:
        """The cached transcript, or ``None``: a missing, unreadable or malformed entry (not
        JSON, JSON of another shape, a directory in its place) is a miss."""
        try:
            entry = json.loads(self.path(key).read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("version") != ENTRY_VERSION:
                return None
            return replace(Transcript.from_dict(entry["transcript"]), raw=entry.get("raw"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # whatever the file holds, it is not an entry we wrote

    def put(self, key: str, transcript: Transcript) -> Path:
        """Store ``transcript`` atomically; returns the entry's path."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "version": ENTRY_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "transcript": transcript.to_dict(),
            "raw": _jsonable_raw(transcript.raw),
        }
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{key[:8]}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entry, f, ensure_ascii=False)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    def store(self, key: str, transcript: Transcript) -> Path | None:
        """:meth:`put`, but a failed write (full disk, read-only or clashing path) is logged as
        a warning and gives ``None``: a paid-for transcript is never lost to its cache."""
        try:
            return self.put(key, transcript)
        except (OSError, TypeError, ValueError) as exc:
            logger.warning(
                "audiokit: could not write the transcript cache entry %s (%s: %s); "
                "the result is returned, not cached",
                self.path(key),
                type(exc).__name__,
                exc,
            )
            return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.path(key).is_file()

    def keys(self) -> list[str]:
        """Keys of the stored entries."""
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("??/*.json"))

    def __len__(self) -> int:
        return len(self.keys())

    def clear(self) -> int:
        """Delete every entry; returns how many were deleted."""
        removed = 0
        for key in self.keys():
            with contextlib.suppress(FileNotFoundError):
                self.path(key).unlink()
                removed += 1
        return removed

    def __repr__(self) -> str:
        return f"TranscriptCache({str(self.directory)!r})"


def _reference_digests(references: Any) -> Any:
    """Known-speaker samples (paths, bytes, data URLs) by content, not by name."""
    if not isinstance(references, (list, tuple)):
        return references
    out = []
    for ref in references:
        if isinstance(ref, str) and not ref.startswith("data:") and os.path.isfile(ref):
            out.append({"sha256": audio_digest(ref)})
        elif isinstance(ref, str):
            out.append({"sha256": hashlib.sha256(ref.encode("utf-8")).hexdigest()})
        else:
            out.append(_canonical(ref))
    return out


def _jsonable_raw(raw: Any) -> Any:
    try:
        json.dumps(raw)
    except (TypeError, ValueError):
        return None
    return raw


def resolve_cache(
    cache: bool | str | os.PathLike[str] | TranscriptCache | None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> TranscriptCache | None:
    """``cache=`` as given by a caller → a :class:`TranscriptCache` or ``None`` (off).

    ``True`` uses ``cache_dir`` (or the default location); a path is a cache directory; a
    :class:`TranscriptCache` is used as is; ``False``/``None`` turn caching off.
    """
    if cache is None or cache is False:
        return None
    if isinstance(cache, TranscriptCache):
        return cache
    if cache is True:
        return TranscriptCache(cache_dir)
    if isinstance(cache, (str, os.PathLike)):
        return TranscriptCache(cache)
    raise InvalidTypeError(
        "cache", cache, "True, False, a directory path or an audiokit.TranscriptCache"
    )
