"""What requests return: Transcript, Speech, streams of typed events, Realtime events."""

from ._realtime_events import INPUT_AUDIO_FORMATS, LOGPROBS_INCLUDE, NOISE_REDUCTION_TYPES, REALTIME_SAMPLE_RATE, SERVER_VAD, InputAudioBufferCleared, InputAudioBufferCommitted, InputAudioBufferSpeechStarted, InputAudioBufferSpeechStopped, InputAudioTranscriptionCompleted, InputAudioTranscriptionDelta, InputAudioTranscriptionFailed, InputAudioTranscriptionSegment, LiveEvent, RealtimeError, RealtimeErrorDetail, TranscriptionSessionUpdated, check_turn_detection, parse_server_event, transcription_session
from ._speech import MIME_TYPES, PCM_SAMPLE_RATE, Speech
from ._streams import AsyncSpeechStream, AsyncTranscriptStream, SpeechAudioDelta, SpeechAudioDone, SpeechEvent, SpeechStream, TranscriptEvent, TranscriptStream, TranscriptTextDelta, TranscriptTextDone, TranscriptTextSegment, parse_transcript_event
from ._summary import MAX_PLAIN_CHARS, MAX_TURNS, format_time, speech_repr, time_span, transcript_facts, transcript_repr
from ._transcript import Transcript, load_transcript
from ._views import VIEWS, provides, view

__all__ = [
    "INPUT_AUDIO_FORMATS",
    "LOGPROBS_INCLUDE",
    "MAX_PLAIN_CHARS",
    "MAX_TURNS",
    "MIME_TYPES",
    "NOISE_REDUCTION_TYPES",
    "PCM_SAMPLE_RATE",
    "REALTIME_SAMPLE_RATE",
    "SERVER_VAD",
    "VIEWS",
    "AsyncSpeechStream",
    "AsyncTranscriptStream",
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
    "Speech",
    "SpeechAudioDelta",
    "SpeechAudioDone",
    "SpeechEvent",
    "SpeechStream",
    "Transcript",
    "TranscriptEvent",
    "TranscriptStream",
    "TranscriptTextDelta",
    "TranscriptTextDone",
    "TranscriptTextSegment",
    "TranscriptionSessionUpdated",
    "check_turn_detection",
    "format_time",
    "load_transcript",
    "parse_server_event",
    "parse_transcript_event",
    "provides",
    "speech_repr",
    "time_span",
    "transcript_facts",
    "transcript_repr",
    "transcription_session",
    "view",
]
