"""Live transcription over the Realtime API: sessions, audio feeds, utterances."""

from ._live import AsyncLiveSession, AudioFeed, LiveSession, Utterance, alive, live

__all__ = [
    "AsyncLiveSession",
    "AudioFeed",
    "LiveSession",
    "Utterance",
    "alive",
    "live",
]
