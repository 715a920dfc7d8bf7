"""Many files at once: transcribe_many / atranscribe_many with progress, a shared rate-limit
pause and the cache."""

from ._batch import atranscribe_many, transcribe_many
from ._rate_limit import SharedRateLimit
from ._result import FRAME_COLUMNS, BatchItem, BatchResult
from ._sources import expand_sources

__all__ = [
    "FRAME_COLUMNS",
    "BatchItem",
    "BatchResult",
    "SharedRateLimit",
    "atranscribe_many",
    "expand_sources",
    "transcribe_many",
]
