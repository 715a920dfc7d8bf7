"""What the widgets share: the client, one worker thread, ``busy``, ``error`` and ``problems``.

Why a worker thread rather than the kernel's asyncio loop: the call is blocking work (an HTTP
request, or the offline engine's CPU-bound inference), the widgets must behave the same in
JupyterLab, Notebook 7, VS Code and plain Python (tests), and streamed text should keep arriving
while the user runs other cells — a coroutine on the kernel loop stalls whenever a cell runs.
Trait updates are thread-safe enough by construction: while a job runs, the front end freezes the
inputs (``busy``), the worker is the only writer of the output traits, and each update is one
``hold_sync`` message under a lock; ipykernel accepts messages from any thread. One worker for all
widgets keeps jobs in click order and the offline engine single-threaded.

``problems`` is how the front end knows, before any click, that the inputs cannot run: the
widget asks the library's own request builder (``audiokit.wire``), which checks every parameter
without sending anything, and passes on its messages; no rule is written twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import anywidget
import traitlets

from ..client import default_client
from ..core import AudiokitError, ValidationError

__all__ = ["STATIC", "ClientWidget"]

STATIC = Path(__file__).parent / "static"
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audiokit-widget")
        return _executor


def one_line(exc: BaseException) -> str:
    """The exception's message on one line; foreign exceptions are prefixed by their type."""

    text = " ".join(str(exc).split())
    if isinstance(exc, AudiokitError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ClientWidget(anywidget.AnyWidget):
    """Base of the audiokit widgets: runs library calls off the kernel's main thread."""

    _css = STATIC / "widgets.css"

    busy = traitlets.Bool(False, help="True while a call runs.").tag(sync=True)
    error = traitlets.Unicode("", help="The last error, as one line.").tag(sync=True)
    problems = traitlets.Dict(
        help="param -> why the inputs cannot run yet (the library's message); empty when valid."
    ).tag(sync=True)
    # Incremented by the front end's main button: a click crossing as a trait change.
    _requests = traitlets.Int(0).tag(sync=True)

    def __repr__(self) -> str:
        # What saved notebooks (and GitHub) show in place of the live widget.
        state = "busy" if self.busy else f"error: {self.error}" if self.error else "ready"
        return f"{type(self).__name__}({state}): an interactive audiokit widget"

    def __init__(self, *, client: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client
        self._lock = threading.RLock()
        #: The Future of the last run (``w.job.result(timeout)`` waits for it).
        self.job: Future[Any] | None = None

    @property
    def client(self) -> Any:
        """The ``audiokit.Client`` used (created on first use: offline without an API key)."""
        if self._client is None:
            self._client = default_client()  # honours audiokit.configure()
        return self._client

    def _update(self, **changes: Any) -> None:
        """Set traits from any thread, sent to the front end as one message."""
        with self._lock, self.hold_sync():
            for name, value in changes.items():
                setattr(self, name, value)

    @staticmethod
    def _problem(build: Callable[[], object], *, ignore: tuple[str, ...] = ()) -> dict[str, str]:
        """``{param: message}`` of the ValidationError ``build`` raises (unless ignored)."""
        try:
            build()
        except ValidationError as exc:
            if exc.param not in ignore:
                return {exc.param: one_line(exc)}
        return {}

    def _submit(self, work: Callable[[], T], *, busy: bool = True) -> Future[T]:
        """Run ``work`` on the worker; its error becomes ``self.error`` and the Future's."""

        def run() -> T:
            try:
                return work()
            except Exception as exc:  # shown as one line, and kept in the Future: not swallowed
                self._update(error=one_line(exc))
                raise
            finally:
                if busy:
                    self._update(busy=False)

        if busy:
            self._update(busy=True, error="")
        future = _worker().submit(run)
        if busy:
            self.job = future
        return future

    @traitlets.observe("_requests")
    def _on_request(self, change: traitlets.Bunch) -> None:
        if not self.busy:
            self.run()

    def run(self) -> Future[Any]:
        """Start the widget's action, as its main button does."""
        raise NotImplementedError
