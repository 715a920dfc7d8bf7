"""The widgets in a real JupyterLab + Chromium, against the offline engine (no network).

Speech is synthesised by the offline engine itself, then uploaded, or fed to Chromium's fake
microphone; the transcript the page shows must match its words.
"""

from __future__ import annotations

import base64
import io
import re
import string
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf
from playwright.sync_api import expect

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
MAX_WER = 0.25
# The first call in a kernel loads Whisper tiny.en / the Piper voice: generous, but bounded.
RESULT_TIMEOUT_MS = 180_000
# The fake microphone starts playing when the page opens it, a moment before MediaRecorder starts,
# and goes silent after the file: pad the speech so both ends fall in silence.
LEADING_SILENCE_S = 0.5
TRAILING_SILENCE_S = 2.0

TRANSCRIBER_CELL = "import audiokit.widgets\nw = audiokit.widgets.transcriber()\nw"
SPEAKER_CELL = "import audiokit.widgets\nw = audiokit.widgets.speaker()\nw"


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return jiwer.wer(words(reference), words(hypothesis))


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SENTENCE spoken by the offline engine, as 16-bit PCM wav between silences."""
    import audiokit

    speech = audiokit.Client().speak(SENTENCE, response_format="wav")
    samples, rate = speech.to_numpy()
    samples = samples if samples.ndim == 1 else samples.mean(axis=1)
    silence = [np.zeros(int(seconds * rate), samples.dtype)
               for seconds in (LEADING_SILENCE_S, TRAILING_SILENCE_S)]  # fmt: skip
    padded = np.concatenate([silence[0], samples, silence[1]])
    path = tmp_path_factory.mktemp("speech") / "sentence.wav"
    sf.write(path, padded, rate, subtype="PCM_16")
    return path


def speech_seconds(path: Path) -> float:
    """Seconds from the start of the file to the end of the speech."""
    return sf.info(path).duration - TRAILING_SILENCE_S


def transcribe_in_page(nb) -> str:
    """Click Transcribe, wait for the result; return the text, checked against the page."""
    widget = nb.output(0).locator(".audiokit-transcriber")
    run = widget.locator("button.audiokit-run")
    expect(run).to_be_enabled()
    run.click()
    result = widget.locator(".audiokit-result")
    expect(result).not_to_be_empty(timeout=RESULT_TIMEOUT_MS)
    expect(run).to_have_text("Transcribe")  # busy state is over
    expect(widget.locator(".audiokit-error")).to_be_hidden()
    text = nb.run_code("print(w.transcript.text)").strip()
    assert text and words(text) in words(result.inner_text())  # the page shows the transcript
    return text


def test_upload_transcribes_with_live_text(open_notebook, speech_wav):
    nb = open_notebook([TRANSCRIBER_CELL])
    widget = nb.output(0).locator(".audiokit-transcriber")
    expect(widget).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(widget.locator("button.audiokit-run")).to_be_disabled()  # nothing to transcribe yet
    widget.locator("input.audiokit-file").set_input_files(speech_wav)
    expect(widget.locator(".audiokit-source")).to_have_text("sentence.wav")
    widget.locator("input.audiokit-stream").check()
    widget.locator("input.audiokit-logprobs").check()
    # Record every text the live line shows, without sleeping or polling.
    widget.locator(".audiokit-live-text").evaluate(
        """live => {
          window.__liveTexts = [];
          new MutationObserver(() => window.__liveTexts.push(live.textContent))
            .observe(live, { childList: true, characterData: true, subtree: true });
        }"""
    )

    shown = transcribe_in_page(nb)

    assert word_error_rate(SENTENCE, shown) <= MAX_WER, shown
    live_texts = [t for t in nb.page.evaluate("window.__liveTexts") if t.strip()]
    assert live_texts, "no text was shown while streaming"
    assert all(words(t) in words(shown) for t in live_texts), live_texts
    tokens = nb.run_code("print(type(w.transcript.tokens).__name__, len(w.transcript.tokens))")
    kind, count = tokens.split()
    assert kind == "DataFrame" and int(count) > 0  # confidences came back


def test_microphone_recording_transcribes(open_notebook, launch_chromium, speech_wav):
    context = launch_chromium(f"--use-file-for-fake-audio-capture={speech_wav}%noloop")
    nb = open_notebook([TRANSCRIBER_CELL], context=context)
    widget = nb.output(0).locator(".audiokit-transcriber")
    record = widget.locator("button.audiokit-record")
    expect(record).to_have_text("● Record", timeout=RESULT_TIMEOUT_MS)
    record.click()
    expect(record).to_have_text("■ Stop")
    # Stop once the whole sentence has been captured, inside the trailing silence.
    stop_at = speech_seconds(speech_wav) + TRAILING_SILENCE_S / 2
    nb.page.wait_for_function(
        "stopAt => Number(document.querySelector('.audiokit-clock')?.dataset.seconds) >= stopAt",
        arg=stop_at,
        timeout=60_000,
    )
    record.click()
    expect(widget.locator(".audiokit-source")).to_have_text(re.compile(r"recording\.\w+"))

    shown = transcribe_in_page(nb)

    assert word_error_rate(SENTENCE, shown) <= MAX_WER, shown
    recorded = nb.run_code("print(w.audio_name, len(w.audio))")
    name, size = recorded.split()
    assert name.startswith("recording.") and int(size) > 1000


def test_speak_gives_a_playable_non_silent_player(open_notebook):
    nb = open_notebook([SPEAKER_CELL])
    widget = nb.output(0).locator(".audiokit-speaker")
    expect(widget).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    # Every voice is offered; options follow the model's capabilities.
    import audiokit

    assert widget.locator(".audiokit-voice").count() == len(audiokit.VOICES)
    model = widget.locator("select.audiokit-model")
    model.select_option("tts-1")
    expect(widget.locator(".audiokit-instructions")).to_be_hidden()
    expect(widget.locator("input.audiokit-speed")).to_be_visible()
    model.select_option("gpt-4o-mini-tts")
    expect(widget.locator(".audiokit-instructions")).to_be_visible()
    expect(widget.locator("input.audiokit-speed")).to_be_hidden()

    widget.locator("textarea.audiokit-text").fill(SENTENCE)
    widget.locator("button.audiokit-run").click()
    audio = widget.locator(".audiokit-result audio")
    expect(audio).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    expect(widget.locator(".audiokit-result a[download]")).to_have_count(1)

    src = audio.get_attribute("src") or audio.locator("source").first.get_attribute("src")
    header, payload = src.split(",", 1)
    assert header.startswith("data:audio/") and header.endswith(";base64")
    samples, rate = sf.read(io.BytesIO(base64.b64decode(payload)), dtype="float32")
    seconds = len(samples) / rate
    assert 1.5 <= seconds <= 15, seconds  # 13 words
    assert float(np.sqrt(np.mean(samples**2))) > 0.01  # not silence

    # A voice preview plays a cached sample through the page's own player.
    widget.locator("button.audiokit-preview[data-voice='coral']").click()
    preview = widget.locator("audio.audiokit-preview-player")
    expect(preview).to_have_attribute("src", re.compile(r"^data:audio/"), timeout=RESULT_TIMEOUT_MS)


def test_bad_input_shows_one_error_line_and_recovers(open_notebook):
    import audiokit

    with pytest.raises(audiokit.ValidationError) as raised:
        audiokit.Client().speak("")
    nb = open_notebook([SPEAKER_CELL])
    widget = nb.output(0).locator(".audiokit-speaker")
    run = widget.locator("button.audiokit-run")
    expect(run).to_be_disabled(timeout=RESULT_TIMEOUT_MS)  # nothing to say: the page waits
    nb.run_code("job = w.run()")  # Python may still ask: the library's message shows inline
    error = widget.locator(".audiokit-error")
    expect(error).to_have_text(str(raised.value), timeout=RESULT_TIMEOUT_MS)
    assert "\n" not in error.inner_text() and "Traceback" not in error.inner_text()

    widget.locator("textarea.audiokit-text").fill("Still working.")
    expect(run).to_be_enabled()
    run.click()
    expect(widget.locator(".audiokit-result audio")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    expect(error).to_be_hidden()
    assert nb.run_code("print(w.error == '', w.speech is not None)").split() == ["True", "True"]


def test_oversized_and_undecodable_uploads_show_error_lines(open_notebook, speech_wav, tmp_path):
    notes = tmp_path / "notes.wav"
    notes.write_text("these are not audio bytes\n" * 20)
    nb = open_notebook(
        ["import audiokit.widgets\nw = audiokit.widgets.transcriber(max_upload_bytes=2000)\nw"]
    )
    widget = nb.output(0).locator(".audiokit-transcriber")
    widget.locator("input.audiokit-file").set_input_files(speech_wav)
    expect(widget.locator(".audiokit-error")).to_contain_text(
        "sentence.wav is", timeout=RESULT_TIMEOUT_MS
    )
    expect(widget.locator("button.audiokit-run")).to_be_disabled()  # nothing was sent
    widget.locator("input.audiokit-file").set_input_files(notes)
    run = widget.locator("button.audiokit-run")
    expect(run).to_be_enabled(timeout=RESULT_TIMEOUT_MS)
    run.click()
    error = widget.locator(".audiokit-error")
    expect(error).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(run).to_have_text("Transcribe")
    shown = error.inner_text()
    in_python = nb.run_code("print(w.error); print(w.job.exception().__class__.__mro__)")
    assert shown.strip() == in_python.splitlines()[0].strip()
    assert "AudiokitError" in in_python.splitlines()[1]


def test_both_widgets_work_in_notebook_7(open_notebook, speech_wav):
    nb = open_notebook([TRANSCRIBER_CELL, SPEAKER_CELL.replace("w =", "s =").replace("\nw", "\ns")],
                       ui="notebook")  # fmt: skip
    nb.page.wait_for_function("() => window.jupyterapp.name === 'Jupyter Notebook'")
    transcriber = nb.output(0).locator(".audiokit-transcriber")
    expect(transcriber).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    transcriber.locator("input.audiokit-file").set_input_files(speech_wav)
    assert word_error_rate(SENTENCE, transcribe_in_page(nb)) <= MAX_WER

    speaker = nb.output(1).locator(".audiokit-speaker")
    speaker.locator("textarea.audiokit-text").fill("Notebook seven speaks too.")
    speaker.locator("button.audiokit-run").click()
    expect(speaker.locator(".audiokit-result audio")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    assert nb.run_code("print(s.speech.duration > 0.5)").strip() == "True"
