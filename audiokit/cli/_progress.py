"""A one-line progress display on stderr: which file, how far through the batch, time spent.

The library gives no per-chunk callback, so a long file shows a ticking elapsed time while its
request (or its chunks) run; a batch shows ``[2/5]``. It draws only on a terminal, or when
``--progress`` asks, and erases itself before anything else is written.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Progress"]

REDRAW_SECONDS = 0.5  # a calm tick: the elapsed time is shown to the second


class Progress:
    """``with progress.step(i, n, name): ...`` shows ``[i/n] name · 0:12`` until it ends.

    Parameters
    ----------
    enabled : bool
        Draw at all (the caller decides: a terminal, or ``--progress``).
    stream : TextIO
        Where to draw (stderr).
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._label = ""
        self._verb = "transcribing"
        self._started = 0.0
        self._width = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def step(self, index: int, total: int, name: str, verb: str = "transcribing") -> Progress:
        self._label = f"[{index}/{total}] {name}" if total > 1 else name
        self._verb = verb
        return self

    def __enter__(self) -> Progress:
        if self.enabled:
            self._started = time.monotonic()
            self._stop.clear()
            self._draw()
            self._thread = threading.Thread(
                target=self._tick, name="audiokit-progress", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self.clear()

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self._draw()

    def _draw(self) -> None:
        seconds = int(time.monotonic() - self._started)
        line = f"{self._label} · {self._verb} {seconds // 60}:{seconds % 60:02d}"
        with self._lock:
            pad = " " * max(0, self._width - len(line))
            self.stream.write(f"\r{line}{pad}")
            self.stream.flush()
            self._width = len(line)

    def clear(self) -> None:
        """Erase the line, so the next message starts on a clean one."""
        with self._lock:
            if self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0
