"""Every typed event audiokit yields, in one place.

``audiokit.transcribe(..., stream=True)`` yields the transcription stream events,
``audiokit.speak(..., stream=True)`` the speech stream events (SSE), and ``audiokit.live(...)``
the Realtime session events. The same classes are also importable from ``audiokit``.

>>> from audiokit.events import TranscriptTextDelta
>>> for event in audiokit.transcribe("talk.wav", stream=True):      # doctest: +SKIP
...     if isinstance(event, TranscriptTextDelta):
...         print(event.delta, end="")
"""

from .results import (
    InputAudioBufferCleared,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionFailed,
    InputAudioTranscriptionSegment,
    LiveEvent,
    RealtimeError,
    RealtimeErrorDetail,
    SessionCreated,
    SessionUpdated,
    SpeechAudioDelta,
    SpeechAudioDone,
    SpeechEvent,
    TranscriptEvent,
    TranscriptionSessionCreated,
    TranscriptionSessionUpdated,
    TranscriptTextDelta,
    TranscriptTextDone,
    TranscriptTextSegment,
)

__all__ = [
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionFailed",
    "InputAudioTranscriptionSegment",
    "LiveEvent",
    "RealtimeError",
    "RealtimeErrorDetail",
    "SessionCreated",
    "SessionUpdated",
    "SpeechAudioDelta",
    "SpeechAudioDone",
    "SpeechEvent",
    "TranscriptEvent",
    "TranscriptTextDelta",
    "TranscriptTextDone",
    "TranscriptTextSegment",
    "TranscriptionSessionCreated",
    "TranscriptionSessionUpdated",
]
