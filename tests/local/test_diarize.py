"""Offline speaker diarization on a real two-speaker telephone call.

``tests/fixtures/speech/two_speakers.flac`` (30 s, two women, with reference turns in
``two_speakers.rttm``; see the fixture README) goes through the diarizer alone (its diarization
error rate), then through ``Client(backend="local")`` as ``gpt-4o-transcribe-diarize`` with
``diarized_json``, unstreamed and streamed, with and without known speakers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")
require("faster_whisper", "the offline engine is not installed (pip install -e '.[local]')")

import audiokit  # noqa: E402
from audiokit.audio import encode  # noqa: E402
from audiokit.local._diarize import (  # noqa: E402
    Diarizer,
    Turn,
    assign_speakers,
    cluster,
    diarization_error_rate,
    read_rttm,
)

SPEECH = Path(__file__).parents[1] / "fixtures" / "speech"
MODEL = "gpt-4o-transcribe-diarize"
DIANE, SHEILA = "speaker90", "speaker91"  # the RTTM's labels (names from the call itself)


@pytest.fixture(scope="module")
def call() -> np.ndarray:
    samples, rate = sf.read(SPEECH / "two_speakers.flac", dtype="float32")
    assert rate == 16_000
    return samples


@pytest.fixture(scope="module")
def reference() -> list[Turn]:
    return read_rttm((SPEECH / "two_speakers.rttm").read_text())


def _clip(call: np.ndarray, start: float, end: float) -> bytes:
    return encode(call[round(start * 16_000) : round(end * 16_000)], 16_000, "wav")


def _who(turns: list[Turn], reference: list[Turn], speaker: str) -> str | None:
    """The hypothesis label covering most of the reference speaker's speech."""
    mine = [(t.start, t.end) for t in reference if t.speaker == speaker]
    labels = assign_speakers(turns, mine)
    weights: dict[str | None, float] = {}
    for (a, b), label in zip(mine, labels, strict=True):
        weights[label] = weights.get(label, 0.0) + b - a
    return max(weights, key=lambda k: weights[k])


# -- the error rate itself --------------------------------------------------------------------


def test_der_counts_miss_false_alarm_and_confusion() -> None:
    ref = [Turn(0, 10, "x"), Turn(10, 20, "y")]
    assert diarization_error_rate(ref, [Turn(0, 10, "b"), Turn(10, 20, "a")])["der"] == 0
    half = diarization_error_rate(ref, [Turn(0, 10, "a")])
    assert half["missed"] == pytest.approx(0.5) and half["der"] == pytest.approx(0.5)
    one = diarization_error_rate(ref, [Turn(0, 20, "a")])
    assert one["confusion"] == pytest.approx(0.5) and one["missed"] == 0
    extra = diarization_error_rate(ref, [Turn(0, 10, "a"), Turn(10, 25, "b")])
    assert extra["false_alarm"] == pytest.approx(0.25)
    collared = diarization_error_rate(ref, [Turn(0, 10.2, "a"), Turn(10.2, 20, "b")], collar=0.25)
    assert collared["der"] == 0


def test_cluster_finds_the_number_of_groups() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 256))
    points = np.repeat(centres, 20, axis=0) + 0.4 * rng.normal(size=(60, 256))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    labels = cluster(points, 0.5)
    assert len(set(labels.tolist())) == 3
    assert all(len(set(labels[i * 20 : (i + 1) * 20].tolist())) == 1 for i in range(3))


# -- real speech ------------------------------------------------------------------------------


def test_two_speakers_are_found(call: np.ndarray, reference: list[Turn]) -> None:
    turns = Diarizer()(call)
    assert {t.speaker for t in turns} == {"A", "B"}
    scores = diarization_error_rate(reference, turns)
    assert scores["der"] <= 0.25, scores
    assert diarization_error_rate(reference, turns, collar=0.25)["der"] <= 0.15
    assert _who(turns, reference, DIANE) != _who(turns, reference, SHEILA)


def test_diarized_json_offline(call: np.ndarray, reference: list[Turn]) -> None:
    client = audiokit.Client(backend="local")
    t = client.transcribe(
        SPEECH / "two_speakers.flac",
        model=MODEL,
        response_format="diarized_json",
        chunking_strategy="auto",
    )
    assert t.speakers == ["A", "B"] or t.speakers == ["B", "A"]
    assert "New Jersey" in t.text and "Chicago" in t.text
    assert all(s.speaker in ("A", "B") and s.end >= s.start for s in t.segment_list)
    turns = [Turn(s.start, s.end, s.speaker) for s in t.segment_list]
    assert _who(turns, reference, DIANE) != _who(turns, reference, SHEILA)
    body = t.to_response("diarized_json")
    assert body["task"] == "transcribe" and body["segments"][0]["type"] == (
        "transcript.text.segment"
    )
    first = t.segment_list[0]
    assert t.text.startswith(f"{first.speaker}: {first.text}")


def test_streamed_with_known_speakers(call: np.ndarray, reference: list[Turn]) -> None:
    client = audiokit.Client(backend="local")
    stream = client.transcribe(
        SPEECH / "two_speakers.flac",
        model=MODEL,
        response_format="diarized_json",
        chunking_strategy="auto",
        known_speaker_names=["sheila", "diane"],
        known_speaker_references=[_clip(call, 21.9, 28.4), _clip(call, 10.78, 14.18)],
        stream=True,
    )
    events = list(stream)
    kinds = [e.type for e in events]
    assert kinds[-1] == "transcript.text.done"
    segments = [e for e in events if e.type == "transcript.text.segment"]
    assert len(segments) >= 4 and kinds.index("transcript.text.delta") < kinds.index(
        "transcript.text.segment"
    )
    turns = [Turn(e.start, e.end, e.speaker) for e in segments]
    assert _who(turns, reference, SHEILA) == "sheila"
    assert _who(turns, reference, DIANE) == "diane"
    done = stream.transcript
    assert done.speakers and set(done.speakers) <= {"sheila", "diane", "A", "B"}
    assert "Sheila: " in done.text or "Diane: " in done.text


def test_unmatched_speaker_keeps_a_letter(call: np.ndarray) -> None:
    diarizer = Diarizer()
    sheila = diarizer.embed_reference(call[round(21.9 * 16_000) : round(28.4 * 16_000)])
    turns = diarizer(call, known=[("sheila", sheila)])
    assert {t.speaker for t in turns} == {"sheila", "A"}


def test_one_voice_is_one_speaker(call: np.ndarray) -> None:
    """Each woman's own turns (the stretches where only she speaks), joined, are one speaker:
    the count is not forced to two."""
    alone = {
        "diane": [(8.32, 9.9), (10.6, 14.4), (18.6, 21.4)],
        "sheila": [(14.49, 17.92), (21.78, 27.8)],
    }
    diarizer = Diarizer()
    for spans in alone.values():
        samples = np.concatenate([call[round(a * 16_000) : round(b * 16_000)] for a, b in spans])
        assert {t.speaker for t in diarizer(samples)} == {"A"}
