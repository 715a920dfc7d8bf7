"""The transcript player in a real JupyterLab + Chromium, on offline-engine speech (no network).

The kernel speaks a sentence with the offline engine (Piper), transcribes it offline (Whisper)
and shows ``t.player(speech)``. Every test runs in JupyterLab and in Notebook 7 (``ui``). The
page must highlight the word the audio is at, seek to a clicked word, land "next doubtful" on
the least sure span the analysis finds, and send an edit back to ``w.transcript``. Screenshots
of both themes are written to ``AUDIOKIT_SCREENSHOTS`` (a directory) when it is set, else to
the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
RESULT_TIMEOUT_MS = 180_000  # the first call in a kernel loads Whisper and the Piper voice
FRAME_S = 0.1  # a highlight may trail the audio clock by a few animation frames
WORD_CELL = f"""
import audiokit
speech = audiokit.speak({SENTENCE!r}, response_format="wav")
t = audiokit.transcribe(speech, model="whisper-1", response_format="verbose_json",
                        timestamp_granularities=["word", "segment"])
w = t.player(speech)
w
"""
# json with logprobs: confidences but no times (estimated, and marked as such). A threshold of
# 0.95 makes Piper's clean speech have doubtful words.
CONFIDENCE_CELL = f"""
import audiokit
speech = audiokit.speak({SENTENCE!r}, response_format="wav")
t = audiokit.transcribe(speech, model="gpt-4o-mini-transcribe", logprobs=True)
w = t.player(speech, threshold=0.95)
w
"""


@pytest.fixture(params=["lab", "notebook"])
def ui(request) -> str:
    """The front end: JupyterLab, or Notebook 7 (served by the same server)."""
    return request.param


def open_player(open_notebook, cell: str, ui: str):
    nb = open_notebook([cell], ui=ui)
    app = {"lab": "JupyterLab", "notebook": "Jupyter Notebook"}[ui]
    nb.page.wait_for_function(f"() => window.jupyterapp.name === {app!r}")
    widget = nb.output(0).locator(".audiokit-player")
    expect(widget).to_have_attribute("data-audio", "ready", timeout=RESULT_TIMEOUT_MS)
    expect(widget).to_have_attribute("data-rendered", "true")
    units = json.loads(nb.run_code("import json; print(json.dumps(w.units))"))
    return nb, widget, units


def screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("AUDIOKIT_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_playing_highlights_the_word_at_current_time(open_notebook, ui, tmp_path):
    nb, widget, units = open_player(open_notebook, WORD_CELL, ui)
    starts = units["start"]
    assert nb.run_code("print(w.timing)").strip() == "word"
    expect(widget.locator(".audiokit-word")).to_have_count(len(starts))
    # Offline verbose_json: coloured by Whisper's word probabilities (in-process).
    expect(widget.locator(".audiokit-player-legend")).to_contain_text("confidence:")
    nb.page.screenshot(path=screenshot_dir(tmp_path) / f"player-{ui}-light.png")
    # Each time the highlight moves, note the audio clock; then play to the end.
    samples = widget.evaluate(
        """el => new Promise((resolve) => {
          const audio = el.querySelector("audio");
          const seen = [];
          new MutationObserver(() => seen.push([Number(el.dataset.current), audio.currentTime]))
            .observe(el, { attributes: true, attributeFilter: ["data-current"] });
          audio.addEventListener("ended", () => resolve(seen));
          audio.currentTime = 0;
          audio.play();
        })"""
    )
    shown = [i for i, _ in samples if i >= 0]
    assert shown == sorted(shown), samples  # forward only
    assert len(set(shown)) >= 0.8 * len(starts), samples  # nearly every word had its turn
    for index, at in samples:
        if index < 0:
            continue
        assert starts[index] <= at + 0.01, (index, at, samples)
        next_start = starts[index + 1] if index + 1 < len(starts) else float("inf")
        assert at < next_start + FRAME_S, (index, at, samples)


def test_a_click_seeks_to_the_word_and_plays(open_notebook, ui):
    nb, widget, units = open_player(open_notebook, WORD_CELL, ui)
    target = len(units["start"]) * 2 // 3
    widget.evaluate(
        """el => {
          const audio = el.querySelector("audio");
          audio.addEventListener("seeked", () => {
            window.__seeked = { at: audio.currentTime, current: Number(el.dataset.current) };
          }, { once: true });
        }"""
    )
    widget.locator(f".audiokit-word[data-i='{target}']").click()
    nb.page.wait_for_function("() => window.__seeked !== undefined")
    seeked = nb.page.evaluate("window.__seeked")
    assert abs(seeked["at"] - units["start"][target]) < 0.02, (seeked, units["start"][target])
    assert seeked["current"] == target
    nb.page.wait_for_function(
        "el => !el.querySelector('audio').paused", arg=widget.element_handle()
    )


def test_next_doubtful_lands_on_the_least_sure_span(open_notebook, ui, tmp_path):
    nb, widget, units = open_player(open_notebook, CONFIDENCE_CELL, ui)
    note = widget.locator(".audiokit-timing-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("approximate")  # no times: estimated, and said so
    assert all(units["approx"])
    # The least sure span, straight from the analysis layer.
    answer = nb.run_code(
        "spans = t.low_confidence(0.95).sort_values('confidence')\n"
        "row = spans.iloc[0]\n"
        "offs = w.units['offset']\n"
        "print(len(spans), offs.index(int(row.offset)),"
        " max(i for i, o in enumerate(offs) if o < row.end_offset))"
    )
    count, first, last = (int(x) for x in answer.split())
    if count == 0:
        pytest.skip("Whisper was sure of every word of this sample (nothing to review)")
    button = widget.locator("button.audiokit-next-doubtful")
    expect(button).to_contain_text(str(count))
    button.click()
    expect(widget).to_have_attribute("data-doubtful", f"{first}-{last}")
    expect(widget.locator(".audiokit-doubtful-focus")).to_have_count(last - first + 1)
    current = int(widget.get_attribute("data-current"))
    assert first <= current <= last
    expect(button).to_contain_text(f"1/{count}")
    # Dark theme, for the screenshot.
    nb.page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('apputils:change-theme',"
        " { theme: 'JupyterLab Dark' }); }"
    )
    nb.page.wait_for_function(
        "() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000
    )
    nb.page.screenshot(path=screenshot_dir(tmp_path) / f"player-{ui}-dark.png")
    nb.page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('apputils:change-theme',"
        " { theme: 'JupyterLab Light' }); }"
    )


def test_an_edit_reaches_the_kernels_transcript(open_notebook, ui, tmp_path):
    nb, widget, units = open_player(open_notebook, WORD_CELL, ui)
    index = 1
    original = units["text"][index]
    widget.locator(f".audiokit-word[data-i='{index}']").dblclick()
    box = widget.locator("input.audiokit-edit")
    expect(box).to_be_visible()
    box.fill("Zorblax")
    box.press("Enter")
    word = widget.locator(f".audiokit-word[data-i='{index}']")
    expect(word).to_have_class(re.compile(r"\baudiokit-edited\b"))
    expect(word).to_have_text("Zorblax")
    srt = tmp_path / "fixed.srt"
    out = nb.run_code(
        f"print(len(w.change_list), w.change_list[0].original, w.change_list[0].corrected)\n"
        f"print(w.transcript.text)\n"
        f"w.transcript.save({str(srt)!r}); print(open({str(srt)!r}).read())"
    )
    head, text, *saved = out.splitlines()
    assert head.split() == ["1", original, "Zorblax"]
    assert "Zorblax" in text and original not in text.split()[index]
    assert any("Zorblax" in line for line in saved)
    assert "-->" in "\n".join(saved)  # a real SubRip file
