"""Batches past one process: every request of a batch as a task on an executor.

With ``executor=`` — a ``dask.distributed.Client`` or any ``concurrent.futures.Executor`` (a
``ProcessPoolExecutor``, Dask's ``client.get_executor()``, …) — the batch runner in ``_batch``
stays on the driver and only the requests move: each file, and each chunk of a long file, is one
call of :func:`run_request` on a worker. Everything that decides happens once, on the driver: the
cache lookup before anything is submitted, the split and the merge, writing the cache as results
arrive, the ``concurrency`` gate (tasks in flight, over all workers together) and the shared 429
pause. So a re-run submits nothing for finished files, and no worker starts a request while a
pause is on — whatever executor, on however many machines.

A worker builds its own blocking :class:`~audiokit.Client` from :class:`WorkerSettings`
(picklable; the API key travels as a :class:`SealedKey`, whose repr is ``'***'``, and becomes a
``Secret`` again in the worker) once per process and keeps it. Offline, that client's engine is
the process-wide one (``local.local_app``), so each worker process loads the model once.

Rate limits: a worker does not retry a 429 itself; it hands the refusal back
(:class:`RateLimited`, with the server's Retry-After), and the driver pauses every submission
for that long and submits the request again, up to the client's ``max_retries`` times. The last
attempt runs with the client's own retries, so the final error is what one client would raise.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import AudiokitError, InvalidTypeError, Settings
from ..results import Transcript
from ._rate_limit import SharedRateLimit

if TYPE_CHECKING:
    import httpx

    from ..client import Client

__all__ = [
    "ExecutorRequests",
    "RateLimited",
    "SealedKey",
    "TaskResult",
    "WorkerSettings",
    "as_executor",
    "run_request",
]


# -- what crosses to a worker -----------------------------------------------------------------


class SealedKey:
    """The API key on its way to a worker: shows as ``'***'``, pickles only into the task.

    ``Secret`` refuses pickling (a pickled client would end up in a file); a task has to carry
    the key to a worker in another process, so this wrapper does, and nothing else does.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SealedKey('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SealedKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        return SealedKey, (self._value,)


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to build the driver's client: picklable, hashable, key sealed."""

    backend: str
    base_url: str | None
    api_key: SealedKey | None
    organization: str | None
    project: str | None
    timeout: float
    max_retries: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerSettings:
        key = settings.api_key.get_secret_value() if settings.api_key else None
        return cls(
            backend=settings.backend,
            base_url=settings.base_url if settings.backend == "api" else None,
            api_key=SealedKey(key) if key else None,
            organization=settings.organization,
            project=settings.project,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )


class RateLimited(AudiokitError):
    """A worker's request got a 429: the driver pauses everyone and submits it again (it
    never reaches the caller; the last attempt raises the client's own ``RateLimitError``)."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__(f"rate limited (Retry-After: {retry_after})")
        self.retry_after = retry_after


@dataclass(frozen=True)
class TaskResult:
    """What one task sends back: the transcript or the error, and the worker (``host:pid``)."""

    transcript: Transcript | None
    error: BaseException | None
    worker: str


# -- the worker's side ------------------------------------------------------------------------

_clients: dict[tuple[WorkerSettings, bool], Client] = {}
_clients_lock = threading.Lock()


def _refuse_429(response: httpx.Response) -> None:
    """An httpx response hook: a 429 leaves the worker instead of being retried there."""
    if response.status_code == 429:
        from ..wire import retry_after

        response.close()
        raise RateLimited(retry_after(response.headers))


def _worker_client(settings: WorkerSettings, hand_back_429: bool) -> Client:
    """This process's client for ``settings`` (built on first use, then kept)."""
    with _clients_lock:
        client = _clients.get((settings, hand_back_429))
        if client is None:
            from ..client import Client

            client = Client(
                api_key=settings.api_key.reveal() if settings.api_key else None,
                base_url=settings.base_url,
                organization=settings.organization,
                project=settings.project,
                backend=settings.backend,
                timeout=settings.timeout,
                max_retries=settings.max_retries,
            )
            if hand_back_429:
                http = client.http.client
                hooks = http.event_hooks
                hooks["response"].append(_refuse_429)
                http.event_hooks = hooks
            _clients[(settings, hand_back_429)] = client
        return client


def run_request(
    settings: WorkerSettings,
    audio: Any,
    model: str,
    params: dict[str, Any],
    hand_back_429: bool,
    submission: int,
) -> TaskResult:
    """One task: one transcription request, sent from the worker that runs it.

    ``submission`` numbers the driver's submissions, so that no two tasks look alike to an
    executor that deduplicates identical calls (Dask's ``pure=True``).
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        client = _worker_client(settings, hand_back_429)
        return TaskResult(client.send_transcription(audio, model, params), None, worker)
    except Exception as exc:  # sent back as data, so the driver knows where it failed
        # Only the error itself travels: Dask pickles exceptions with tblib, which would take
        # along the chain of causes and the traceback's locals — raw server answers among them,
        # which may echo the key. In-process pickling leaves them out as well.
        exc.__cause__ = exc.__context__ = None
        exc.__suppress_context__ = True
        return TaskResult(None, exc.with_traceback(None), worker)


# -- the driver's side ------------------------------------------------------------------------


def as_executor(executor: Any) -> concurrent.futures.Executor:
    """``executor=`` as given → a ``concurrent.futures.Executor`` (a Dask client: its own)."""
    if isinstance(executor, concurrent.futures.Executor):
        return executor
    if type(executor).__module__.startswith("distributed") and hasattr(executor, "get_executor"):
        return executor.get_executor(pure=False)  # type: ignore[no-any-return]
    raise InvalidTypeError(
        "executor",
        type(executor).__name__,
        "a concurrent.futures.Executor or a dask.distributed.Client",
    )


class ExecutorRequests:
    """The driver's side: each request becomes a task; a 429 pauses every submission.

    ``workers`` records, per source label, the workers that ran its tasks; ``submitted``
    counts the tasks handed to the executor (retries included).
    """

    def __init__(
        self, executor: Any, settings: Settings, model: str, limiter: SharedRateLimit
    ) -> None:
        self.executor = as_executor(executor)
        self.settings = WorkerSettings.from_settings(settings)
        self.model = model
        self.limiter = limiter
        self.workers: dict[str, list[str]] = {}
        self.submitted = 0
        self._numbers = itertools.count()

    async def send(self, label: str, audio: Any, params: dict[str, Any]) -> Transcript:
        """Transcribe ``audio`` on a worker; cancelling this cancels a task not yet started."""
        retries = self.settings.max_retries
        for attempt in range(retries + 1):
            await self.limiter.wait()
            future = self.executor.submit(
                run_request, self.settings, audio, self.model, dict(params),
                attempt < retries, next(self._numbers),
            )  # fmt: skip
            self.submitted += 1
            done: TaskResult = await asyncio.wrap_future(future)
            self.workers.setdefault(label, []).append(done.worker)
            if isinstance(done.error, RateLimited):
                self.limiter.pause(done.error.retry_after)
                continue
            if done.error is not None:
                raise done.error
            assert done.transcript is not None
            return done.transcript
        raise AssertionError("unreachable: the last attempt returns or raises")
