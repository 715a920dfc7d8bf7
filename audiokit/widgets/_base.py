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

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import anywidget
import traitlets

from ..client import default_client
from ..core import AudiokitError, ValidationError
from ..results import format_duration, speech_ran, transcript_ran

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
        # The text/plain of the widget's display: what saved notebooks show where no widget
        # renders (GitHub, a terminal). What it is, what runs it, what it holds.
        facts = [_kind(self), _runs(self), *_holds(self)]
        if self.busy or self.error:
            facts.append("busy" if self.busy else f"error: {self.error}")
        return " · ".join(f for f in facts if f)

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


# -- the plain-text summary ---------------------------------------------------------------------

_QUOTE_CHARS = 48  # of the text held or heard, in the summary


def _kind(widget: ClientWidget) -> str:
    """``"Transcribe widget"``, ``"Live captions widget"`` (from the class name)."""
    words = re.findall(r"[A-Z][a-z]*", type(widget).__name__.removesuffix("Widget"))
    return " ".join([words[0], *(w.lower() for w in words[1:])] if words else []) + " widget"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…")


def _runs(widget: ClientWidget) -> str | None:
    """What answers: the engine its last result names, else what the client will call."""
    speaks = widget.has_trait("voice")
    result = getattr(widget, "speech" if speaks else "transcript", None)
    if result is not None and getattr(result, "engine", None):
        return speech_ran(result) if speaks else transcript_ran(result)
    voice = f"{widget.voice} → " if speaks else ""
    try:
        client = widget.client
        if client.backend != "local":
            host = re.sub(r"^\w+://|/.*$", "", client.base_url)
            return " · ".join(f for f in (voice + host, getattr(widget, "model", "")) if f)
        from ..local import engine_label, local_app

        app = local_app()  # the models load on first use, not here
        kind = "Piper" if speaks else "Whisper"
        return f"{voice}offline · {engine_label(kind, app.piper if speaks else app.whisper)}"
    except Exception:  # no offline models installed, a bad setting: the summary still shows
        return f"{voice}offline" if speaks else "offline"


def _holds(widget: ClientWidget) -> list[str]:
    """The result, else the input it was given (text to speak, audio to transcribe)."""
    speech = getattr(widget, "speech", None)
    if widget.has_trait("voice"):
        text = _quote(widget.text) if widget.text.strip() else "no text yet"
        return [text, f"spoke {format_duration(speech.duration)}"] if speech else [text]
    transcript = getattr(widget, "transcript", None)
    if transcript is not None:
        return [f"heard {_quote(transcript.text)}"]
    if widget.has_trait("status"):  # live captions
        captions = len(getattr(widget, "captions", ()))
        return [str(widget.status), f"{captions} caption{'s' if captions != 1 else ''}"]
    audio = getattr(widget, "audio", b"")
    if audio:
        name = getattr(widget, "audio_name", "") or "audio"
        return [f"{name} ({len(audio) / 1024:,.0f} KB)"]
    return ["no audio yet"]
