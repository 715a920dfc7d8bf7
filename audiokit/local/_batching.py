"""Batching of concurrent Whisper decodings into one CTranslate2 ``generate`` call.

A :class:`Collector` gathers the work that concurrent callers submit under the same key (the
decoding options: two requests share a batch only if every ``generate`` option is equal) and
runs it as one batch. There is no worker thread: the first caller of a batch is its *leader*,
waits up to ``wait`` seconds (or until ``max_batch`` items, or until no other transcription
is in flight that could still join), runs the batch on its own thread and hands every caller
its own result, or the batch's exception. At most ``parallel`` batches run at a time (one per
model replica: CTranslate2 runs one call at a time per replica), so the callers arriving while
they run form the next batch. A caller alone never waits: :meth:`Collector.in_flight` counts the
transcriptions under way, and with none besides the leader's the batch runs at once.

:class:`BatchingModel` is the hook: it wraps a ``ctranslate2.models.Whisper`` so that
faster-whisper's per-window ``model.generate(encoder_output, [prompt], ...)`` goes through the
collector. CTranslate2 requires the start-of-transcript token at the same position in every
prompt of a batch, so that position is part of the key. Batched and single decodings give the
same tokens and scores (the batch rows are independent; a test checks the texts).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..core import ValidationError

__all__ = ["Collector"]

_SIZES_KEPT = 1000  # batch sizes remembered for inspection (engine.batch_sizes)
_POLL_S = 0.1  # longest sleep between checks while another batch runs


class _Batch:
    """Items submitted under one key, and what became of them."""

    __slots__ = ("done", "error", "items", "key", "results")

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.items: list[Any] = []
        self.results: list[Any] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def outcome(self, index: int) -> Any:
        if self.error is not None:
            raise self.error
        return self.results[index]


class Collector:
    """Runs concurrent submissions with equal keys as one call of ``run``.

    ``run(key, items)`` returns one result per item, in order. ``max_batch`` caps a batch;
    ``wait`` is the longest time (seconds) a leader waits for more items while other
    transcriptions are in flight; ``parallel`` is how many batches may run at once.
    :attr:`sizes` records the size of every batch run.
    """

    def __init__(
        self,
        run: Callable[[Hashable, list[Any]], Sequence[Any]],
        *,
        max_batch: int,
        wait: float,
        parallel: int = 1,
    ) -> None:
        self._run = run
        self.max_batch = max_batch
        self.wait = wait
        self.parallel = parallel
        self._cond = threading.Condition()
        self._open: dict[Hashable, _Batch] = {}  # batches still taking items
        self._running = 0  # batches being run
        self._in_flight = 0  # transcriptions under way (see in_flight)
        self._parked = 0  # submitted items not yet answered
        self.sizes: deque[int] = deque(maxlen=_SIZES_KEPT)

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Count a transcription as under way: leaders wait for it to join only while it is."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def enter(self) -> None:
        with self._cond:
            self._in_flight += 1

    def leave(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()  # a leader waiting for this one need not wait any more

    def submit(self, key: Hashable, item: Any) -> Any:
        """``item``'s result, computed in a batch with the concurrent items of ``key``."""
        with self._cond:
            batch = self._open.get(key)
            leader = batch is None
            if batch is None:
                batch = self._open[key] = _Batch(key)
            batch.items.append(item)
            index = len(batch.items) - 1
            if len(batch.items) >= self.max_batch:
                del self._open[key]  # full: the next item starts a new batch
            self._parked += 1
            self._cond.notify_all()
        try:
            if leader:
                self._lead(batch)
            else:
                batch.done.wait()
            return batch.outcome(index)
        finally:
            with self._cond:
                self._parked -= 1

    def _ready(self, batch: _Batch, deadline: float) -> bool:
        if len(batch.items) >= self.max_batch:
            return True
        others = self._in_flight - self._parked  # under way, not waiting here: could join
        return others <= 0 or time.monotonic() >= deadline

    def _lead(self, batch: _Batch) -> None:
        deadline = time.monotonic() + self.wait
        with self._cond:
            while (busy := self._running >= self.parallel) or not self._ready(batch, deadline):
                left = deadline - time.monotonic()
                self._cond.wait(_POLL_S if busy or left <= 0 else min(left, _POLL_S))
            if self._open.get(batch.key) is batch:
                del self._open[batch.key]
            self._running += 1
        try:
            results = list(self._run(batch.key, batch.items))
            if len(results) != len(batch.items):
                raise RuntimeError(
                    f"internal error: a batch of {len(batch.items)} gave {len(results)} results"
                )
            batch.results = results
        except BaseException as exc:  # every caller of the batch gets the failure
            batch.error = exc
        finally:
            with self._cond:
                self._running -= 1
                self.sizes.append(len(batch.items))
                self._cond.notify_all()
            batch.done.set()


def check_batching(max_batch: int, batch_wait: float) -> None:
    """Refuse batching options that make no sense (``WhisperEngine(max_batch=, batch_wait=)``)."""
    if isinstance(max_batch, bool) or not isinstance(max_batch, int) or max_batch < 1:
        raise ValidationError("max_batch", max_batch, "an integer >= 1 (1: no batching)")
    wait_ok = isinstance(batch_wait, (int, float)) and not isinstance(batch_wait, bool)
    if not wait_ok or not 0 <= batch_wait <= 10:
        raise ValidationError("batch_wait", batch_wait, "seconds from 0 to 10")


def tracked(collector: Collector | None) -> Callable[[], None]:
    """Count one transcription as under way on ``collector``; the callable ends it (once)."""
    if collector is None:
        return lambda: None
    collector.enter()
    lock, done = threading.Lock(), [False]

    def release() -> None:
        with lock:
            if done[0]:
                return
            done[0] = True
        collector.leave()

    return release


def released(segments: Iterator[Any], release: Callable[[], None]) -> Iterator[Any]:
    """``segments``, calling ``release`` when they end, fail, are closed or are dropped."""

    def each() -> Iterator[Any]:
        try:
            yield from segments
        finally:
            release()

    out = each()
    weakref.finalize(out, release)  # a generator dropped before its first item runs no finally
    return out


# ---------------------------------------------------------------------- the CTranslate2 hook


def _frozen(value: Any) -> Hashable:
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"not a batchable option: {value!r}")


def _options_key(kwargs: dict[str, Any]) -> Hashable | None:
    """The options as a hashable key, or None when one cannot be compared (run alone)."""
    try:
        return tuple(sorted((name, _frozen(v)) for name, v in kwargs.items()))
    except TypeError:
        return None


class BatchingModel:
    """Wraps a ``ctranslate2.models.Whisper``: single-item ``generate`` calls are batched."""

    def __init__(self, model: Any, collector: Collector, sot: int) -> None:
        self._model = model
        self._collector = collector
        self._sot = sot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, features: Any, prompts: Any, **kwargs: Any) -> list[Any]:
        options = _options_key(kwargs)
        prompt = list(prompts[0]) if len(prompts) == 1 else None
        if options is None or prompt is None or self._sot not in prompt:
            return self._model.generate(features, prompts, **kwargs)
        encoded = np.asarray(features)  # a view of the encoder output (CPU)
        if encoded.ndim != 3 or encoded.shape[0] != 1:
            return self._model.generate(features, prompts, **kwargs)
        key = (prompt.index(self._sot), encoded.shape[1:], options)  # what a batch shares
        item = (self._model, features, encoded, prompt, kwargs)
        return [self._collector.submit((id(self._model), *key), item)]


def generate_batch(key: Hashable, items: list[Any]) -> list[Any]:
    """The :class:`Collector` callback: one ``generate`` over the items' encoder outputs."""
    model, features, _, prompt, kwargs = items[0]
    if len(items) == 1:
        return [model.generate(features, [prompt], **kwargs)[0]]
    import ctranslate2

    stacked = np.concatenate([encoded for _, _, encoded, _, _ in items])
    batch = ctranslate2.StorageView.from_array(stacked)
    return model.generate(batch, [p for _, _, _, p, _ in items], **kwargs)
