"""Interactive widgets (anywidget): record or upload and transcribe; type and speak.

``transcriber()`` and ``speaker()`` return the widgets; a notebook cell displays them. The
front end lives in ``static/*.js|css``; state crosses only through synced traitlets; the calls
go through the public ``audiokit.Client`` API on a worker thread (see ``_base.py``).
"""

from __future__ import annotations

from typing import Any

from ._live import LiveCaptionsWidget, live_captions
from ._player import CHUNK_BYTES, COMPRESS_ABOVE_BYTES, PlayerWidget, player
from ._speak import PREVIEW_TEXT, SpeakWidget
from ._transcribe import TranscribeWidget

__all__ = [
    "CHUNK_BYTES",
    "COMPRESS_ABOVE_BYTES",
    "PREVIEW_TEXT",
    "LiveCaptionsWidget",
    "PlayerWidget",
    "SpeakWidget",
    "TranscribeWidget",
    "live_captions",
    "player",
    "speaker",
    "transcriber",
]


def transcriber(*, client: Any = None, **options: Any) -> TranscribeWidget:
    """Return a :class:`TranscribeWidget` (display it as a cell's value).

    Examples
    --------
    >>> import audiokit.widgets
    >>> audiokit.widgets.transcriber(model="whisper-1", language="en")  # doctest: +SKIP
    """
    return TranscribeWidget(client=client, **options)


def speaker(*, client: Any = None, **options: Any) -> SpeakWidget:
    """Return a :class:`SpeakWidget` (display it as a cell's value).

    Examples
    --------
    >>> import audiokit.widgets
    >>> audiokit.widgets.speaker(text="Hello!", voice="coral")  # doctest: +SKIP
    """
    return SpeakWidget(client=client, **options)
