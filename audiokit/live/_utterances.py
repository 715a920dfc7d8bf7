"""Utterances: the state of every item of a live session, in spoken order, and the Transcript.

``_run._LiveRun`` feeds each server event to ``_Utterances``, which orders the items by the
``committed`` events' ``previous_item_id`` chain (completions may arrive out of order) and builds
the :class:`~audiokit.Transcript`, one segment per completed utterance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..records import Segment, TokenLogprob, Usage
from ..results import (
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    InputAudioTranscriptionFailed,
    LiveEvent,
    RealtimeErrorDetail,
    Transcript,
)

__all__ = ["Utterance"]


@dataclass(frozen=True)
class Utterance:
    """One item of the session: an utterance, from speech start to its final transcript.

    Attributes
    ----------
    item_id, previous_item_id : str
        The server's item ids (the order of utterances follows ``previous_item_id``).
    start, end : float | None
        Seconds from the start of the session's audio (server VAD's ``audio_start_ms`` /
        ``audio_end_ms``, which include the prefix padding and the closing silence).
    text : str
        The transcript so far (deltas), then the final one.
    logprobs : tuple of TokenLogprob
        Token log probabilities, when asked for.
    status : str
        ``"speaking"``, ``"committed"`` (being transcribed), ``"completed"`` or ``"failed"``.
    """

    item_id: str
    previous_item_id: str | None = None
    start: float | None = None
    end: float | None = None
    text: str = ""
    logprobs: tuple[TokenLogprob, ...] = ()
    status: str = "speaking"
    error: RealtimeErrorDetail | None = None
    usage: Usage | None = None

    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed")

    @property
    def confidence(self) -> float | None:
        """Mean token probability (0–1), when logprobs were asked for."""
        if not self.logprobs:
            return None
        return sum(math.exp(lp.logprob) for lp in self.logprobs) / len(self.logprobs)


class _Utterances:
    """The items of a session, updated by events, in spoken order; builds the Transcript."""

    def __init__(self, *, model: str, language: str | None, params: Mapping[str, Any]) -> None:
        self.model = model
        self.language = language
        self.params = dict(params)
        self._items: dict[str, Utterance] = {}
        self._arrival: list[str] = []
        self._committed: set[str] = set()
        self.server_session: Mapping[str, Any] | None = None
        self.audio_ms = 0.0  # source audio sent so far

    def _get(self, item_id: str) -> Utterance:
        if item_id not in self._items:
            self._items[item_id] = Utterance(item_id)
            self._arrival.append(item_id)
        return self._items[item_id]

    def _set(self, item_id: str, **changes: Any) -> None:
        self._items[item_id] = replace(self._get(item_id), **changes)

    def feed(self, event: LiveEvent, *, marks: tuple[float, float] | None = None) -> None:
        if isinstance(event, InputAudioBufferSpeechStarted):
            self._set(event.item_id, start=event.audio_start_ms / 1000)
        elif isinstance(event, InputAudioBufferSpeechStopped):
            self._set(event.item_id, end=event.audio_end_ms / 1000)
        elif isinstance(event, InputAudioBufferCommitted):
            item = self._get(event.item_id)
            start, end = item.start, item.end
            if marks is not None:  # a commit of ours: times from the audio we had sent
                start = marks[0] if start is None else start
                end = marks[1] if end is None else end
            self._committed.add(event.item_id)
            self._set(
                event.item_id,
                previous_item_id=event.previous_item_id,
                start=start,
                end=end,
                status=item.status if item.done else "committed",
            )
        elif isinstance(event, InputAudioTranscriptionDelta):
            item = self._get(event.item_id)
            if not item.done:
                self._set(
                    event.item_id,
                    text=item.text + event.delta,
                    logprobs=item.logprobs + event.logprobs,
                    status="committed",
                )
        elif isinstance(event, InputAudioTranscriptionCompleted):
            item = self._get(event.item_id)
            self._set(
                event.item_id,
                text=event.transcript,
                logprobs=event.logprobs or item.logprobs,
                usage=event.usage,
                status="completed",
            )
        elif isinstance(event, InputAudioTranscriptionFailed):
            self._set(event.item_id, error=event.error, status="failed")

    def ordered(self) -> list[Utterance]:
        """Items in spoken order: the ``previous_item_id`` chain, whatever the arrival order."""
        children: dict[str, list[str]] = {}
        roots: list[str] = []
        for item_id in self._arrival:
            if item_id not in self._committed:
                continue
            prev = self._items[item_id].previous_item_id
            if prev is not None and prev in self._committed and prev != item_id:
                children.setdefault(prev, []).append(item_id)
            else:
                roots.append(item_id)
        order: list[str] = []
        seen: set[str] = set()
        stack = list(reversed(roots))
        while stack:  # iterative depth-first walk: long sessions have long chains
            item_id = stack.pop()
            if item_id in seen:
                continue
            seen.add(item_id)
            order.append(item_id)
            stack.extend(reversed(children.get(item_id, [])))
        order += [i for i in self._arrival if i not in seen]  # a cycle, or not committed yet
        return [self._items[i] for i in order]

    @property
    def pending(self) -> int:
        """Committed items whose transcription has not finished."""
        return sum(1 for i in self._committed if self._items[i].status == "committed")

    @property
    def text(self) -> str:
        """Everything heard so far, finished or not, in order."""
        return " ".join(u.text.strip() for u in self.ordered() if u.text.strip())

    def transcript(self) -> Transcript:
        done = [u for u in self.ordered() if u.status == "completed" and u.text.strip()]
        segments = tuple(
            Segment(
                id=i,
                start=u.start,
                end=u.end,
                text=u.text.strip(),
                avg_logprob=(
                    sum(lp.logprob for lp in u.logprobs) / len(u.logprobs) if u.logprobs else None
                ),
            )
            for i, u in enumerate(done)
        )
        usages = [u.usage for u in done if u.usage is not None]
        usage = sum(usages[1:], usages[0]) if usages else None
        raw = {
            "object": "realtime.transcription_session",
            "session": dict(self.server_session or {}),
            "items": [_utterance_dict(u) for u in self.ordered()],
        }
        return Transcript(
            text=" ".join(s.text for s in segments),
            language=self.language,
            duration=round(self.audio_ms / 1000, 3),
            segment_list=segments,
            logprobs=tuple(lp for u in done for lp in u.logprobs),
            usage=usage,
            model=self.model,
            task="transcribe",
            response_format="json",
            params=self.params,
            raw=raw,
        )


def _utterance_dict(u: Utterance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item_id": u.item_id,
        "previous_item_id": u.previous_item_id,
        "start": u.start,
        "end": u.end,
        "transcript": u.text,
        "status": u.status,
    }
    if u.logprobs:
        out["logprobs"] = [lp.to_dict() for lp in u.logprobs]
    if u.usage is not None:
        out["usage"] = u.usage.to_dict()
    if u.error is not None:
        out["error"] = {"type": u.error.type, "code": u.error.code, "message": u.error.message}
    return out
