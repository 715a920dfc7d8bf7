"""Many files at once: transcribe_many / atranscribe_many with progress, a shared rate-limit
pause and the cache."""

from ._batch import atranscribe_many, transcribe_many
from ._executor import (
    ExecutorRequests,
    RateLimited,
    SealedKey,
    TaskResult,
    WorkerSettings,
    as_executor,
    run_request,
)
from ._rate_limit import SharedRateLimit
from ._result import FRAME_COLUMNS, BatchItem, BatchResult
from ._sources import expand_sources

__all__ = [
    "FRAME_COLUMNS",
    "BatchItem",
    "BatchResult",
    "ExecutorRequests",
    "RateLimited",
    "SealedKey",
    "SharedRateLimit",
    "TaskResult",
    "WorkerSettings",
    "as_executor",
    "atranscribe_many",
    "expand_sources",
    "run_request",
    "transcribe_many",
]
