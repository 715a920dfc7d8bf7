"""Many files at once: transcribe_many / atranscribe_many with progress, a shared rate-limit
pause and the cache."""

from ._batch import BatchItem, BatchResult, SharedRateLimit, atranscribe_many, transcribe_many

__all__ = [
    "BatchItem",
    "BatchResult",
    "SharedRateLimit",
    "atranscribe_many",
    "transcribe_many",
]
