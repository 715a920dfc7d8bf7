"""Many files at once: :func:`transcribe_many` and :func:`atranscribe_many`, the batch runner.

A batch runs on an :class:`~audiokit.AsyncClient` with ``concurrency`` workers. Each file goes
through the same :class:`~audiokit.jobs.TranscriptionJob` as ``Client.transcribe``, so
long files are split, and the transcript cache (on by default here) makes a re-run — of the
cell, or of a batch that was interrupted — free for every file already done. Every request,
chunk or whole file, passes one gate of ``concurrency`` slots, and one shared rate limit: when
the server answers 429, every worker pauses for its ``Retry-After`` (the client then retries
as usual), instead of each worker running into the limit on its own.

A failure on one file is recorded in its row and never stops the others. Interrupting the
blocking :func:`transcribe_many` (Ctrl-C, or the notebook's stop button) cancels what is in
flight and returns what finished, with the rest marked ``interrupted``.

:func:`transcribe_many` blocks; it runs the batch on a private event loop in a worker thread,
so it works the same in a script and inside Jupyter, whose own event loop is already running
(where ``asyncio.run()`` would fail). :func:`atranscribe_many` is the coroutine for code that is
already async.

With ``executor=`` (a Dask client, a ``ProcessPoolExecutor``, …) the runner stays here, on the
driver, and each request — a file, or a chunk of a long file — runs as a task on a worker
(``_executor``); the cache, the gate and the 429 pause stay with the driver.

Around the runner: ``_sources`` turns ``sources`` into labelled inputs, ``_rate_limit`` holds the
shared 429 pause, ``_result`` the outcomes (:class:`BatchItem`, :class:`BatchResult`),
``_executor`` the tasks on an executor.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any

from ..audio import AudioFile
from ..core import BatchInterrupted, InvalidTypeError, ValidationError, defaults
from ..jobs import (
    DEFAULT_CONCURRENCY,
    TranscriptCache,
    check_job_options,
    check_transcription_params,
    resolve_cache,
)
from ..results import Transcript
from ._executor import ExecutorRequests, as_executor
from ._rate_limit import SharedRateLimit
from ._result import BatchItem, BatchResult
from ._sources import expand_sources

if TYPE_CHECKING:
    from ..client import AsyncClient, Client

__all__ = ["atranscribe_many", "transcribe_many"]

CANCEL_WAIT_SECONDS = 60.0  # after an interrupt, wait at most this long for workers to stop
INTERRUPT_POLL_SECONDS = 0.1  # how often the waiting thread looks for Ctrl-C
_JOB_OPTIONS = ("split", "chunk_seconds", "carry_prompt")


# -- running ----------------------------------------------------------------------------------


class _Batch:
    """One batch: checked arguments, and the outcomes as they arrive."""

    def __init__(
        self,
        sources: Any,
        *,
        client: Client | AsyncClient | None,
        concurrency: int,
        progress: bool,
        cache: Any,
        cache_dir: str | os.PathLike[str] | None,
        params: dict[str, Any],
        executor: Any = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValidationError("concurrency", concurrency, "a whole number >= 1")
        self.entries, self.index = expand_sources(sources)
        self.unique = list(dict.fromkeys(label for label, _ in self.entries))
        self.audio = dict(self.entries)  # a label listed twice is transcribed once
        self.options = {k: params.pop(k) for k in _JOB_OPTIONS if k in params}
        if "stream" in params:
            raise ValidationError("stream", params["stream"], "not in a batch (results only)")
        check_job_options(**self.options, concurrency=concurrency)
        self.model = params.pop("model", None) or defaults.transcription_model
        check_transcription_params(self.model, params)  # a typo fails now, not once per file
        self.params = params
        self.client = client
        self.concurrency = concurrency
        self.progress = progress
        self.cache: TranscriptCache | None = resolve_cache(cache, cache_dir)
        self.executor = None if executor is None else as_executor(executor)
        self.requests: ExecutorRequests | None = None  # the tasks, when on an executor
        self.outcomes: dict[str, BatchItem] = {}
        self.limiter = SharedRateLimit()
        self.bar: Any = None
        self.bar_display: Any = None  # the bar's output in Jupyter, updated when it closes
        self.started = time.monotonic()

    # -- client -------------------------------------------------------------------------------

    def _async_client(self) -> tuple[AsyncClient, bool]:
        """The client to run on, and whether this batch owns (and closes) it."""
        from ..client import AsyncClient, Client

        client = self.client
        if isinstance(client, AsyncClient):
            return client, False
        if client is None:
            from ..client import default_client_options

            return AsyncClient(**default_client_options()), True
        if isinstance(client, Client):
            s = client.settings
            return (
                AsyncClient(
                    api_key=s.api_key.get_secret_value() if s.api_key else None,
                    base_url=s.base_url if s.backend == "api" else None,
                    organization=s.organization,
                    project=s.project,
                    backend=s.backend,
                    timeout=s.timeout,
                    max_retries=s.max_retries,
                ),
                True,
            )
        raise InvalidTypeError("client", client, "an audiokit Client or AsyncClient")

    # -- progress -----------------------------------------------------------------------------

    def open_bar(self) -> None:
        if self.progress and self.bar is None:
            from tqdm.auto import tqdm

            options = {"total": len(self.unique), "desc": "transcribing", "unit": "file"}
            notebook = sys.modules.get("tqdm.notebook")  # imported by tqdm.auto in Jupyter
            if notebook is None or not issubclass(tqdm, notebook.tqdm_notebook):
                # a terminal: the bar redraws itself on stderr
                self.bar = tqdm(**options)
                return
            # In Jupyter the bar is a widget, and its text/plain (what a saved notebook keeps,
            # what GitHub shows) is taken once, when it is displayed: "0/3". Displayed with an
            # id, the output is replaced by the finished bar when the batch ends.
            from IPython.display import display

            self.bar = tqdm(**options, display=False)
            self.bar_display = display(self.bar.container, display_id=True)

    def _tick(self, item: BatchItem) -> None:
        if self.bar is None:
            return
        failed = sum(1 for i in self.outcomes.values() if i.error is not None)
        cached = sum(1 for i in self.outcomes.values() if i.cached)
        more = {} if self.requests is None else {"tasks": self.requests.submitted}
        self.bar.set_postfix(cached=cached, failed=failed, **more, refresh=False)
        self.bar.update(1)

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            if self.bar_display is not None:
                self.bar_display.update(self.bar.container)

    # -- work ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Transcribe every source; outcomes land in ``self.outcomes`` as they finish."""
        client, owned = self._async_client()
        http = client.http.client
        gate = asyncio.Semaphore(self.concurrency)
        todo = iter(label for label in self.unique if label not in self.outcomes)
        if self.executor is None:
            self.limiter.attach(http)
        else:  # requests run as tasks; the driver's gate and pause hold across the workers
            self.requests = ExecutorRequests(
                self.executor, client.settings, self.model, self.limiter
            )

        def sender(label: str) -> Any:
            async def send(audio: Any, params: dict[str, Any]) -> Transcript:
                async with gate:
                    if self.requests is not None:
                        return await self.requests.send(label, audio, params)
                    return await client.send_transcription(audio, self.model, params)

            return send

        async def worker() -> None:
            for label in todo:
                item = await self._one(client, sender(label), label)
                self.outcomes[label] = item
                self._tick(item)

        try:
            workers = min(self.concurrency, len(self.unique)) or 1
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            self.limiter.detach(http)
            if owned:
                await client.aclose()

    def _prepare(self, client: AsyncClient, audio: Any) -> tuple[Any, Transcript | None]:
        """Build the file's job and look it up in the cache (blocking: probing, hashing)."""
        job = client.transcription_job(
            audio,
            self.model,
            dict(self.params),
            cache=self.cache,
            concurrency=self.concurrency,
            **self.options,
        )
        return job, job.cached()

    async def _one(self, client: AsyncClient, send: Any, label: str) -> BatchItem:
        started = time.monotonic()
        audio = self.audio[label]
        try:
            job, hit = await asyncio.to_thread(self._prepare, client, audio)
            transcript = hit if hit is not None else await job.run_async(send)
            duration = transcript.duration or job.seconds
            if duration is None:
                duration = await asyncio.to_thread(_audio_seconds, job.audio)
            return BatchItem(
                label, transcript, None, hit is not None, duration, time.monotonic() - started,
                self._workers(label),
            )  # fmt: skip
        except Exception as exc:  # recorded in its row: one bad file never stops the batch
            return BatchItem(
                label, None, exc, False, None, time.monotonic() - started, self._workers(label)
            )

    def _workers(self, label: str) -> tuple[str, ...]:
        return () if self.requests is None else tuple(self.requests.workers.get(label, ()))

    def result(self, *, interrupted: bool = False) -> BatchResult:
        by_label = {
            label: self.outcomes.get(label) or BatchItem(label, error=BatchInterrupted())
            for label in self.unique
        }
        items = [by_label[label] for label, _ in self.entries]
        return BatchResult(
            items,
            index=self.index,
            interrupted=interrupted,
            rate_limited=self.limiter.hits,
            seconds=time.monotonic() - self.started,
        )


def _audio_seconds(audio: Any) -> float | None:
    from ..audio import probe

    try:
        if isinstance(audio, AudioFile):
            audio = audio.data
        duration = probe(audio).duration
    except (ValueError, OSError, TypeError):
        return None
    return duration if duration is not None and math.isfinite(duration) else None


def _run_in_thread(batch: _Batch) -> BatchResult:
    """Run the batch on a private event loop in a worker thread; Ctrl-C cancels it."""
    state: dict[str, Any] = {}
    finished = threading.Event()

    async def main() -> None:
        state["loop"] = asyncio.get_running_loop()
        state["task"] = asyncio.current_task()
        try:
            await batch.run()
        except asyncio.CancelledError:
            state["cancelled"] = True  # our own loop's main task: the interrupt is handled
        except BaseException as exc:
            state["error"] = exc

    def thread_main() -> None:
        try:
            asyncio.run(main())
        finally:
            finished.set()

    thread = threading.Thread(target=thread_main, name="audiokit-batch", daemon=True)
    thread.start()
    interrupted = False
    try:
        # A short timeout, not one long wait: a blocked wait may not wake for a signal that
        # the OS delivered to another thread (or one raised with _thread.interrupt_main).
        while not finished.wait(INTERRUPT_POLL_SECONDS):
            pass
    except KeyboardInterrupt:
        interrupted = True
        loop, task = state.get("loop"), state.get("task")
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)
        finished.wait(CANCEL_WAIT_SECONDS)
    if "error" in state:
        raise state["error"]
    result = batch.result(interrupted=interrupted)
    if interrupted:
        warnings.warn(
            f"batch interrupted: {result.ok + result.failed} of {len(result)} sources "
            "finished; run it again to resume (finished files come from the cache)",
            RuntimeWarning,
            stacklevel=3,
        )
    return result


# -- public functions -------------------------------------------------------------------------


def transcribe_many(
    sources: Any,
    *,
    client: Client | AsyncClient | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: bool = True,
    cache: bool | str | os.PathLike[str] | TranscriptCache = True,
    cache_dir: str | os.PathLike[str] | None = None,
    executor: Any = None,
    **transcribe_params: Any,
) -> BatchResult:
    """Transcribe many files concurrently; failures are recorded, never fatal.

    Parameters
    ----------
    sources
        A list of paths (or bytes), a glob pattern (``"calls/**/*.mp3"``), a directory (its
        audio files), or a pandas Series of paths (its index is kept in ``.frame``).
    client
        The client to use (default: one like the module-level default client). A blocking
        :class:`Client` is mirrored by an :class:`AsyncClient` with the same settings.
    concurrency
        Requests in flight at once (files and chunks of long files together).
    progress
        Show a progress bar (a widget in Jupyter, text elsewhere).
    cache
        ``True`` (default): reuse and store transcripts on disk (``cache_dir``, else
        ``$AUDIOKIT_CACHE_DIR``, else the user cache directory), so a re-run never pays twice
        for the same audio and parameters. ``False``: always send. A path or a
        :class:`TranscriptCache`: use that cache.
    cache_dir
        Where the cache lives (with ``cache=True``).
    executor
        Run the requests as tasks elsewhere: a ``dask.distributed.Client`` or any
        ``concurrent.futures.Executor`` (``ProcessPoolExecutor``, ``client.get_executor()``).
        Each file, and each chunk of a long file, is one task; a worker process builds its
        client once and keeps it (offline: the model loads once per worker). The cache, the
        ``concurrency`` limit (tasks in flight over all workers) and the 429 pause stay with
        this process, so they hold across workers. Paths are read by the workers: on a
        cluster, use paths every worker can see. ``item.workers`` says where each ran.
    **transcribe_params
        Anything :meth:`Client.transcribe` takes (``model``, ``language``, ``prompt``,
        ``response_format``, ``split``, ``chunk_seconds``, …), except ``stream``. Checked once,
        before the first request.

    Returns
    -------
    BatchResult
        ``.frame`` (a DataFrame: source, text, duration, model, usage, error, cached),
        ``.transcripts`` (source → Transcript), ``.errors``.

    Notes
    -----
    Works inside Jupyter: the batch runs on its own event loop in a worker thread. Interrupting
    it returns the finished part (``result.interrupted`` is True) with a warning; on an
    executor, tasks not yet started are cancelled.

    Examples
    --------
    >>> result = audiokit.transcribe_many("interviews/", language="en")   # doctest: +SKIP
    >>> result.frame[["source", "text", "error"]]                          # doctest: +SKIP
    >>> from dask.distributed import Client, LocalCluster                  # doctest: +SKIP
    >>> cluster = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> audiokit.transcribe_many("interviews/", executor=cluster)          # doctest: +SKIP
    """
    batch = _Batch(
        sources,
        client=client,
        concurrency=concurrency,
        progress=progress,
        cache=cache,
        cache_dir=cache_dir,
        params=dict(transcribe_params),
        executor=executor,
    )
    batch.open_bar()
    try:
        return _run_in_thread(batch)
    finally:
        batch.close_bar()


async def atranscribe_many(
    sources: Any,
    *,
    client: AsyncClient | Client | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: bool = True,
    cache: bool | str | os.PathLike[str] | TranscriptCache = True,
    cache_dir: str | os.PathLike[str] | None = None,
    executor: Any = None,
    **transcribe_params: Any,
) -> BatchResult:
    """The coroutine form of :func:`transcribe_many`, on the running event loop.

    Cancelling it cancels the requests in flight and propagates the cancellation; every file
    that finished before is in the cache, so awaiting it again resumes where it stopped.
    """
    batch = _Batch(
        sources,
        client=client,
        concurrency=concurrency,
        progress=progress,
        cache=cache,
        cache_dir=cache_dir,
        params=dict(transcribe_params),
        executor=executor,
    )
    batch.open_bar()
    try:
        await batch.run()
    finally:
        batch.close_bar()
    return batch.result()
