"""What one call becomes past one request's limits: long audio in chunks, long text in pieces,
merging, the transcript cache."""

from ._cache import CACHE_ENV, TranscriptCache, audio_digest, default_cache_dir, resolve_cache
from ._chunks import CHUNK_SAMPLE_RATE, DEFAULT_CHUNK_SECONDS, AudioChunk, split_audio
from ._long_audio import (
    MODEL_MAX_SECONDS,
    TranscriptionJob,
    check_transcription_params,
    model_max_seconds,
)
from ._long_text import AsyncSpeechPieces, SpeechJob, SpeechPieces, split_text
from ._merge import PIECE_PAUSE_SECONDS, join_speech, join_texts, merge_transcripts
from ._options import DEFAULT_CONCURRENCY, check_job_options

__all__ = [
    "CACHE_ENV",
    "CHUNK_SAMPLE_RATE",
    "DEFAULT_CHUNK_SECONDS",
    "DEFAULT_CONCURRENCY",
    "MODEL_MAX_SECONDS",
    "PIECE_PAUSE_SECONDS",
    "AsyncSpeechPieces",
    "AudioChunk",
    "SpeechJob",
    "SpeechPieces",
    "TranscriptCache",
    "TranscriptionJob",
    "audio_digest",
    "check_job_options",
    "check_transcription_params",
    "default_cache_dir",
    "join_speech",
    "join_texts",
    "merge_transcripts",
    "model_max_seconds",
    "resolve_cache",
    "split_audio",
    "split_text",
]
