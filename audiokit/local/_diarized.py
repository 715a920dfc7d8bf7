"""``gpt-4o-transcribe-diarize`` offline: Whisper's words, each given the speaker of its turn.

The diarizer (:mod:`._diarize`) needs the whole recording (its clusters are global), so it runs
first; Whisper's segments then come as they are decoded, each cut where its words change speaker
into the API's ``transcript.text.segment`` objects (``id``, ``start``, ``end``, ``text``,
``speaker``). The answer is the API's ``diarized_json`` body, or its SSE stream: per segment a
``transcript.text.delta`` with its ``segment_id`` then the ``transcript.text.segment``, and at the
end ``transcript.text.done`` whose text gives each turn a line, ``Speaker: text``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..core import ValidationError
from ..records import Segment, Usage
from ..results import Transcript
from ._deltas import text_token_limit
from ._diarize import Diarizer, Turn, assign_speakers
from ._response import LocalResponse, sse_event

__all__ = ["DiarizedTranscription", "diarized_response"]

WHISPER_RATE = 16_000  # Hz


def diarized_response(
    request: Any,
    samples: np.ndarray,
    whisper: Any,
    diarizer: Diarizer,
    usage: Callable[[int], Usage],
    check_cancelled: Callable[[], None],
) -> LocalResponse:
    """The diarized answer to a checked transcription ``request`` of 16 kHz ``samples``."""
    from ..audio import decode

    known = known_speakers(request, diarizer, decode)
    check_cancelled()
    turns = diarizer(samples, known=known)
    check_cancelled()
    params = request.params
    segments = whisper.transcribe(
        samples,
        language=params.get("language"),
        temperature=float(params.get("temperature", 0.0)),
        word_timestamps=True,
        task="transcribe",
        logprobs=False,
    )
    job = DiarizedTranscription(turns, usage, text_token_limit(whisper))
    if request.stream:
        return LocalResponse(
            200,
            {"content-type": "text/event-stream", "cache-control": "no-cache"},
            job.sse(segments),
        )

    def checked() -> Iterator[Any]:
        for segment in segments:  # each is a 30 s window's work: check between them
            check_cancelled()
            yield segment

    duration = len(samples) / WHISPER_RATE
    transcript = job.build(checked(), duration=duration, model=params.get("model", ""))
    return LocalResponse.json(transcript.to_response("diarized_json"))


def known_speakers(
    request: Any, diarizer: Diarizer, decode: Callable[..., Any]
) -> list[tuple[str, np.ndarray]]:
    """(name, voice embedding) of each ``known_speaker_names[]`` with its reference clip."""
    names = [v for k, v in request.data if k == "known_speaker_names[]"]
    urls = [v for k, v in request.data if k == "known_speaker_references[]"]
    out = []
    for name, url in zip(names, urls, strict=True):
        payload = url.partition(",")[2]
        try:
            samples, _ = decode(base64.b64decode(payload), sample_rate=WHISPER_RATE)
        except Exception as exc:  # the reference names the bad clip, whatever the decoder says
            raise ValidationError(
                f"known_speaker_references[{name}]", None, "a readable audio data URL"
            ) from exc
        out.append((name, diarizer.embed_reference(samples)))
    return out


def _label(speaker: str) -> str:
    """The text's speaker label: the API writes ``agent`` as ``Agent:``."""
    return speaker[:1].upper() + speaker[1:]


class DiarizedTranscription:
    """Whisper segments + speaker turns → diarized segments, as a Transcript or SSE."""

    def __init__(
        self, turns: Sequence[Turn], usage: Callable[[int], Usage], text_below: int
    ) -> None:
        self.turns = list(turns)
        self.usage = usage
        self.text_below = text_below  # token ids below it are text (counted as output tokens)
        self.decoded = 0
        self.count = 0

    def segments(self, whisper_segments: Iterable[Any]) -> Iterator[Segment]:
        """Each whisper segment cut at its speaker changes (by its words' times)."""
        for seg in whisper_segments:
            self.decoded += sum(1 for t in seg.tokens if t < self.text_below)
            words = [w for w in seg.words or () if w[0].strip()]
            if not words:
                words = [(seg.text, seg.start, seg.end, None)]
            speakers = assign_speakers(self.turns, [(w[1], w[2]) for w in words])
            run: list[Any] = []
            for word, speaker in zip(words, speakers, strict=True):
                if run and speaker != run[-1][1]:
                    yield self._segment(run)
                    run = []
                run.append((word, speaker))
            if run:
                yield self._segment(run)

    def _segment(self, run: list[Any]) -> Segment:
        self.count += 1
        text = "".join(w[0] for w, _ in run).strip()
        return Segment(
            id=f"seg_{self.count:03d}",
            start=round(float(run[0][0][1]), 3),
            end=round(float(run[-1][0][2]), 3),
            text=text,
            speaker=run[0][1] or "A",
        )

    @staticmethod
    def text(segments: Sequence[Segment]) -> str:
        """One line per turn: consecutive segments of one speaker share it."""
        lines: list[tuple[str, list[str]]] = []
        for s in segments:
            if not s.text:
                continue
            if lines and lines[-1][0] == s.speaker:
                lines[-1][1].append(s.text)
            else:
                lines.append((s.speaker or "A", [s.text]))
        return "\n".join(f"{_label(who)}: {' '.join(parts)}" for who, parts in lines)

    def build(self, whisper_segments: Iterable[Any], *, duration: float, model: str) -> Transcript:
        segments = tuple(s for s in self.segments(whisper_segments) if s.text)
        return Transcript(
            text=self.text(segments),
            duration=round(duration, 3),
            segment_list=segments,
            usage=self.usage(self.decoded),
            model=model,
            task="transcribe",
            response_format="diarized_json",
        )

    def sse(self, whisper_segments: Iterable[Any]) -> Iterator[bytes]:
        done: list[Segment] = []
        for s in self.segments(whisper_segments):
            if not s.text:
                continue
            done.append(s)
            yield sse_event({"type": "transcript.text.delta", "delta": s.text, "segment_id": s.id})
            yield sse_event(
                {
                    "type": "transcript.text.segment",
                    "id": s.id,
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "speaker": s.speaker,
                }
            )
        usage = self.usage(self.decoded).to_dict()
        yield sse_event({"type": "transcript.text.done", "text": self.text(done), "usage": usage})
