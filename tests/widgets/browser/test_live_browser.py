"""The live-captions widget in a real JupyterLab + Chromium, offline engine (no network).

Chromium's fake microphone plays two sentences separated by a pause; the captions must appear
one utterance at a time while it plays, and Stop must leave ``w.transcript`` in the kernel.
"""

from __future__ import annotations

import string
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf
from playwright.sync_api import expect

SENTENCES = [
    "The weather today is sunny with a light breeze.",
    "Please send the report to the finance team by Friday.",
]
PAUSE_S = 1.5
MAX_WER = 0.3
# The first live session in a kernel loads Silero VAD, Whisper tiny.en, and starts the server.
RESULT_TIMEOUT_MS = 180_000
CELL = "import audiokit.widgets\nw = audiokit.widgets.live_captions(language='en')\nw"


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


@pytest.fixture(scope="session")
def talk_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sentences spoken by the offline engine, with pauses, as 16-bit wav (48 kHz)."""
    from audiokit.audio import resample
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    rate = 48_000
    parts = [np.zeros(rate // 2, np.float32)]
    for sentence in SENTENCES:
        parts += [
            resample(piper.synthesize(sentence), piper.sample_rate, rate),
            np.zeros(int(PAUSE_S * rate), np.float32),
        ]
    path = tmp_path_factory.mktemp("live") / "talk.wav"
    sf.write(path, np.concatenate(parts), rate, subtype="PCM_16")
    return path


def test_microphone_gives_live_captions_and_a_transcript(open_notebook, launch_chromium, talk_wav):
    context = launch_chromium(f"--use-file-for-fake-audio-capture={talk_wav}%noloop")
    nb = open_notebook([CELL], context=context)
    widget = nb.output(0).locator(".audiokit-live-captions")
    button = widget.locator("button.audiokit-listen")
    expect(button).to_have_text("● Start", timeout=RESULT_TIMEOUT_MS)
    button.click()
    expect(button).to_have_text("■ Stop")
    captions = widget.locator(".audiokit-caption")
    # Both utterances are captioned while the microphone is still open.
    expect(captions).to_have_count(len(SENTENCES), timeout=RESULT_TIMEOUT_MS)
    expect(button).to_have_text("■ Stop")
    shown = [captions.nth(i).locator(".audiokit-caption-text").inner_text() for i in range(2)]
    for sentence, text in zip(SENTENCES, shown, strict=True):
        assert jiwer.wer(words(sentence), words(text)) <= MAX_WER, (sentence, text)
    # finished utterances carry their confidence, and their words are tinted by it
    confidence = float(captions.first.get_attribute("data-confidence"))
    assert 0 < confidence <= 1
    assert captions.first.locator(".audiokit-caption-text span").count() > 3

    button.click()
    expect(widget.locator(".audiokit-status")).to_have_text("done", timeout=RESULT_TIMEOUT_MS)
    expect(button).to_have_text("● Start")
    out = nb.run_code("print(w.status, len(w.transcript.segment_list), w.transcript.text)")
    status, count, text = out.split(maxsplit=2)
    assert status == "done" and int(count) == len(SENTENCES)
    assert jiwer.wer(words(" ".join(SENTENCES)), words(text)) <= MAX_WER
    assert nb.run_code("print(repr(w.error))").strip() == "''"  # no error line
