"""Live transcription over the Realtime API: live() and alive() sessions, AudioFeed for audio
pushed from another thread, utterances in spoken order. How the modules fit: _session.py."""

from ._feed import AudioFeed
from ._session import AsyncLiveSession, LiveSession, alive, live
from ._utterances import Utterance

__all__ = [
    "AsyncLiveSession",
    "AudioFeed",
    "LiveSession",
    "Utterance",
    "alive",
    "live",
]
