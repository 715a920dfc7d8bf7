"""The transcript player's kernel side, on offline-engine speech: timing, doubtful spans, edits,
the saved-notebook fallback. The page itself is tested in ``browser/test_player.py``."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

import audiokit

pytest.importorskip("anywidget")
import audiokit.widgets

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
COMPRESS_TIMEOUT_S = 300  # compressing a quarter of an hour on a busy machine


@pytest.fixture(scope="module")
def speech() -> audiokit.Speech:
    return audiokit.speak(SENTENCE, response_format="wav")


@pytest.fixture(scope="module")
def timed(speech):
    return audiokit.transcribe(
        speech, model="whisper-1", response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )  # fmt: skip


def test_word_times_come_from_the_words(timed, speech):
    w = timed.player(speech)
    assert w.timing == "word"
    assert w.units["start"] == [round(x.start, 3) for x in timed.word_list]
    assert not any(w.units["approx"])
    # Offline, Whisper's word probabilities come in-process: the words are coloured.
    assert w.units["conf"] == [round(x.probability, 4) for x in timed.word_list]
    assert isinstance(audiokit.widgets.player(timed, speech), audiokit.widgets.PlayerWidget)


def test_segment_times_and_no_times_are_said(speech):
    srt = audiokit.transcribe(speech, model="whisper-1", response_format="srt")
    w = srt.player(speech)
    assert w.timing == "segment"
    assert set(w.units["start"]) == {s.start for s in srt.segment_list}
    plain = audiokit.transcribe(speech, model="gpt-4o-mini-transcribe", logprobs=True)
    w = plain.player(speech)
    assert w.timing == "approximate" and all(w.units["approx"])
    assert w.units["start"] == sorted(w.units["start"])
    assert w.units["end"][-1] <= w.duration + 0.0005  # times are sent to the millisecond


def test_doubtful_spans_are_the_low_confidence_spans_least_sure_first(speech):
    t = audiokit.transcribe(speech, model="gpt-4o-mini-transcribe", logprobs=True)
    w = t.player(speech, threshold=1.0)
    spans = t.low_confidence(1.0)
    assert len(w.doubtful) == len(spans) > 0
    assert [c for _, _, c in w.doubtful] == sorted(spans["confidence"].tolist())
    first, last, _ = w.doubtful[0]
    row = spans.sort_values("confidence").iloc[0]
    assert w.units["offset"][first] == row.offset and w.units["end_offset"][last] == row.end_offset


def test_edits_give_a_reviewed_transcript(timed, speech, tmp_path):
    w = timed.player(speech)
    assert w.transcript is timed and w.change_list == ()
    w.edit(1, "Zorblax")
    assert [(c.original, c.corrected) for c in w.change_list] == [("quick", "Zorblax")]
    assert w.transcript.text.split()[1] == "Zorblax" and w.original is timed
    assert "Zorblax" in w.transcript.save(tmp_path / "fixed.srt").read_text()
    assert w.edits == {"1": "Zorblax"}
    w.edit(1, "quick")  # back to the original: no change left
    assert w.change_list == () and w.edits == {}
    with pytest.raises(IndexError):
        w.edit(len(w.units["text"]), "x")


def test_saved_notebooks_get_a_readable_transcript(timed, speech):
    w = timed.player(speech)
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert timed.word_list[3].word.strip() in data["text/html"]
    n = len(w.units["text"])
    doubtful = f" · {len(w.doubtful)} doubtful" if w.doubtful else ""
    assert data["text/plain"] == f"Transcript player · {n} words · 0:0{round(w.duration)}{doubtful}"
    assert data["text/plain"] in data["text/html"]
    w.edit(0, "A")
    assert repr(w).endswith(" · 1 edit")


def test_long_uncompressed_audio_is_sent_as_webm_opus_in_pieces(timed, speech):
    from audiokit.audio import decode, encode, probe

    samples, rate = decode(speech.data, sample_rate=16_000)
    reps = -(-(audiokit.widgets.COMPRESS_ABOVE_BYTES // 2 + 1) // len(samples))  # 16-bit
    wav = encode(np.tile(samples, reps), rate, "wav")
    assert len(wav) > audiokit.widgets.COMPRESS_ABOVE_BYTES
    w = timed.player(wav)
    deadline = time.monotonic() + COMPRESS_TIMEOUT_S
    while not w.audio_size and time.monotonic() < deadline:
        time.sleep(0.2)  # poll interval of a condition wait: compressed on the widget's thread
    assert w.audio_size and not w.error, w.error
    assert w.audio_type == 'audio/webm; codecs="opus"'
    pieces = [w.audio_piece(i) for i in range(-(-w.audio_size // w.chunk_bytes) + 1)]
    assert all(0 < len(p) <= w.chunk_bytes for p in pieces[:-1]) and pieces[-1] == b""
    webm = b"".join(pieces)
    assert len(webm) == w.audio_size < len(wav) / 8
    info = probe(webm)
    assert info.format == "webm" and info.duration == pytest.approx(
        len(samples) * reps / rate, abs=0.5
    )
    assert w.audio_piece(-1) == b""


def test_the_front_end_needs_nothing_from_jupyterlab():
    # Notebook 7, VS Code and others: every theme variable has a fallback, no host API is used.
    static = Path(audiokit.widgets.__file__).parent / "static"
    css = (static / "player.css").read_text()
    assert re.findall(r"var\(--[\w-]+\)", css) == []  # var(--jp-x) without ", fallback"
    js = (static / "player.js").read_text()
    assert "import " not in js.replace("import.meta", "") and "jupyterapp" not in js
