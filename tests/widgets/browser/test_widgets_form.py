"""The transcriber's and speaker's forms in a real JupyterLab + Chromium, offline engine.

What a user sees and can do: the notebook's theme (light and dark) styles the widgets, the
layout reads top to bottom, the action waits for valid inputs and says why, a running request
shows a busy state that blocks a second submit, and the options set in the page reach the
request (the result's ``params``). Screenshots of each widget in each theme are saved under
``$AUDIOKIT_SCREENSHOT_DIR`` (default: the test's temporary directory) for a human to look at.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
# The first call in a kernel loads Whisper tiny.en / the Piper voice: generous, but bounded.
RESULT_TIMEOUT_MS = 180_000
KERNEL_WAIT_S = 60
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
MIN_TEXT_CONTRAST = 4.5  # WCAG AA for body text
# A client whose speak/transcribe wait for a gate, then run the real offline request: the page
# can be looked at while the kernel is busy, however fast the machine.
GATED_CLIENT = """
import threading, audiokit, audiokit.widgets

class Gated:
    def __init__(self, client):
        self.client, self.gate, self.calls = client, threading.Event(), 0
    def speak(self, *args, **kwargs):
        self.calls += 1
        self.gate.wait()
        return self.client.speak(*args, **kwargs)

gated = Gated(audiokit.Client())
"""


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SENTENCE spoken by the offline engine, as a wav file to upload."""
    import audiokit

    path = tmp_path_factory.mktemp("form") / "sentence.wav"
    path.write_bytes(audiokit.Client().speak(SENTENCE, response_format="wav").data)
    return path


def wait_in_kernel(nb: Any, condition: str) -> None:
    """Wait until ``condition`` is true in the kernel, one short execution at a time (widget
    messages are handled between executions, so the kernel must not be blocked)."""
    deadline = time.monotonic() + KERNEL_WAIT_S
    while nb.run_code(f"print(bool({condition}))").strip() != "True":
        assert time.monotonic() < deadline, f"not true in {KERNEL_WAIT_S}s: {condition}"
        time.sleep(0.1)  # poll interval of a condition wait


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(os.environ.get("AUDIOKIT_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def set_theme(open_notebook: Callable[..., Any]) -> Iterator[Callable[[Any, str], None]]:
    """``set_theme(page, "dark")``; the lab's (session-wide) setting is light again afterwards."""
    pages: list[Any] = []

    def set_(page: Any, theme: str) -> None:
        pages.append(page)
        page.evaluate(
            "async (theme) => { await window.jupyterapp.commands"
            ".execute('apputils:change-theme', { theme }); }",
            THEMES[theme],
        )
        page.wait_for_function(
            "name => document.body.dataset.jpThemeName === name"
            " && getComputedStyle(document.body).getPropertyValue('--jp-layout-color1').trim()",
            arg=THEMES[theme],
        )
        # JupyterLab shows its splash screen during a theme change and removes it 200 ms after;
        # a second change inside those 200 ms makes the lab's own removal throw (removeChild).
        page.wait_for_function("() => !document.getElementById('jupyterlab-splash')")

    yield set_
    if pages and not pages[-1].is_closed():
        set_(pages[-1], "light")


def rgba(css: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    assert css.startswith("rgb") and len(numbers) in (3, 4), css
    return (*numbers[:3], numbers[3] if len(numbers) == 4 else 1.0)  # type: ignore[return-value]


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast of a (possibly translucent) text colour over an opaque background."""
    *fg, alpha = rgba(foreground)
    bg = rgba(background)[:3]
    seen = tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, bg, strict=True))
    high, low = sorted((luminance(seen), luminance(bg)), reverse=True)  # type: ignore[arg-type]
    return (high + 0.05) / (low + 0.05)


_STYLES_JS = """
(el) => {
  const css = (node, prop) => getComputedStyle(node).getPropertyValue(prop);
  // The theme variable, resolved to a colour the same way the browser resolves ours.
  const resolve = (value) => {
    const probe = document.createElement("div");
    probe.style.color = value;
    document.body.append(probe);
    const out = getComputedStyle(probe).color;
    probe.remove();
    return out;
  };
  const run = el.querySelector("button.audiokit-primary");
  const text = el.querySelector("textarea, input.audiokit-control");
  return {
    background: css(el, "background-color"),
    color: css(el, "color"),
    font: css(el, "font-family"),
    runBackground: css(run, "background-color"),
    runColor: css(run, "color"),
    inputBackground: css(text, "background-color"),
    inputColor: css(text, "color"),
    themeBackground: resolve("var(--jp-layout-color1)"),
    themeColor: resolve("var(--jp-ui-font-color1)"),
    themeInput: resolve("var(--jp-input-background)"),
    themeAccept: resolve("var(--jp-accept-color-normal)"),
    themeFont: css(document.body, "--jp-ui-font-family").trim(),
  };
}
"""


def styles(widget: Any) -> dict[str, str]:
    return widget.evaluate(_STYLES_JS)


def top(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not laid out"
    return box["y"]


TRANSCRIBER_CELL = "import audiokit.widgets\nw = audiokit.widgets.transcriber()\nw"
SPEAKER_CELL = "import audiokit.widgets\ns = audiokit.widgets.speaker()\ns"
CELLS = [TRANSCRIBER_CELL, SPEAKER_CELL]


def check_theme(widget: Any, theme: str, name: str) -> dict[str, str]:
    """The widget's colours are the theme's own, and readable; returns them."""
    got = styles(widget)
    assert got["background"] == got["themeBackground"], (theme, name, got)
    assert got["color"] == got["themeColor"], (theme, name, got)
    assert got["inputBackground"] == got["themeInput"], (theme, name, got)
    assert got["runBackground"] == got["themeAccept"], (theme, name, got)
    assert got["font"].split(",")[0] == got["themeFont"].split(",")[0]
    assert contrast(got["color"], got["background"]) >= MIN_TEXT_CONTRAST, got
    assert contrast(got["inputColor"], got["inputBackground"]) >= MIN_TEXT_CONTRAST, got
    assert contrast(got["runColor"], got["runBackground"]) >= MIN_TEXT_CONTRAST, got
    return got


def shoot(widget: Any, path: Path) -> None:
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 5_000, path  # a real picture, not an empty box


def test_widgets_follow_the_light_and_dark_themes(
    open_notebook, set_theme, screenshot_dir, speech_wav, tmp_path
):
    live_cell = "l = audiokit.widgets.live_captions()\nl"
    nb = open_notebook([*CELLS, live_cell])
    widgets = {
        "transcriber": nb.output(0).locator(".audiokit-transcriber"),
        "speaker": nb.output(1).locator(".audiokit-speaker"),
        "live": nb.output(2).locator(".audiokit-live-captions"),
    }
    expect(widgets["live"]).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    widgets["transcriber"].locator("input.audiokit-file").set_input_files(speech_wav)
    expect(widgets["transcriber"].locator(".audiokit-source")).to_have_text("sentence.wav")
    widgets["speaker"].locator("textarea.audiokit-text").fill(SENTENCE)

    seen: dict[str, dict[str, dict[str, str]]] = {}
    for theme in THEMES:
        set_theme(nb.page, theme)
        seen[theme] = {}
        for name, widget in widgets.items():
            shoot(widget, screenshot_dir / f"{name}-{theme}.png")
            seen[theme][name] = check_theme(widget, theme, name)
    for name in widgets:
        light, dark = seen["light"][name], seen["dark"][name]
        assert light["background"] != dark["background"]
        assert luminance(rgba(light["background"])[:3]) > luminance(rgba(dark["background"])[:3])

    # An error reads as a message on the theme's colours, not a traceback.
    notes = tmp_path / "notes.wav"
    notes.write_text("these are not audio bytes\n" * 20)
    transcriber = widgets["transcriber"]
    transcriber.locator("input.audiokit-file").set_input_files(notes)
    transcriber.locator("button.audiokit-run").click()
    error = transcriber.locator(".audiokit-error")
    expect(error).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    assert "Traceback" not in error.inner_text()
    for theme in THEMES:
        set_theme(nb.page, theme)
        shoot(transcriber, screenshot_dir / f"transcriber-error-{theme}.png")
        colors = error.evaluate(
            "el => [getComputedStyle(el).color, getComputedStyle(el.closest('.audiokit-form'))"
            ".backgroundColor]"
        )
        assert contrast(*colors) >= MIN_TEXT_CONTRAST, (theme, colors)


def test_layout_reads_top_to_bottom(open_notebook):
    nb = open_notebook(CELLS)
    transcriber = nb.output(0).locator(".audiokit-transcriber")
    speaker = nb.output(1).locator(".audiokit-speaker")
    expect(speaker).to_be_visible(timeout=RESULT_TIMEOUT_MS)

    # speaker: text → voice → options (instructions among them) → button
    text = top(speaker.locator("textarea.audiokit-text"))
    voices = top(speaker.locator(".audiokit-voices"))
    options = speaker.locator(".audiokit-options")
    instructions = options.locator("textarea.audiokit-instructions")
    expect(instructions).to_be_visible()
    button = top(speaker.locator("button.audiokit-run"))
    assert text < voices < top(options) <= top(instructions) < button
    # the result (empty, so not laid out yet) and the error come after the button
    order = speaker.evaluate("el => [...el.children].map((c) => c.className)")
    action = next(i for i, c in enumerate(order) if "audiokit-actions" in c)
    assert action < order.index("audiokit-error") < order.index("audiokit-result"), order

    # transcriber: audio → options (language, temperature, prompt) → button
    audio = top(transcriber.locator("button.audiokit-upload"))
    options = transcriber.locator(".audiokit-options")
    fields = ("select.audiokit-language", "input.audiokit-temperature", "textarea.audiokit-prompt")
    for name in fields:
        expect(options.locator(name)).to_be_visible()
        assert audio < top(options.locator(name)) < top(transcriber.locator("button.audiokit-run"))


def test_speak_waits_for_text_and_shows_why(open_notebook):
    nb = open_notebook([SPEAKER_CELL])
    speaker = nb.output(0).locator(".audiokit-speaker")
    run = speaker.locator("button.audiokit-run")
    expect(run).to_be_disabled(timeout=RESULT_TIMEOUT_MS)
    expect(run).to_have_attribute("title", re.compile("text", re.I))
    expect(speaker.locator(".audiokit-hint")).to_have_text(re.compile("text", re.I))
    text = speaker.locator("textarea.audiokit-text")
    text.fill("   \n ")
    expect(run).to_be_disabled()  # whitespace is nothing to say
    text.fill("Hello there.")
    expect(run).to_be_enabled()
    expect(speaker.locator(".audiokit-hint")).to_have_text("")
    # An option the library refuses (a voice tts-1 lacks) waits too, with the library's words.
    nb.run_code("s.model = 'tts-1'; s.voice = 'ballad'")
    expect(run).to_be_disabled()
    problem = nb.run_code("print(s.problems['voice'])").strip()
    expect(run).to_have_attribute("title", problem)
    expect(speaker.locator(".audiokit-hint")).to_have_text(re.compile("change the voice", re.I))
    expect(speaker.locator(".audiokit-voice-section .audiokit-field-problem")).to_have_text(problem)
    speaker.locator(".audiokit-voice[data-voice='coral'] label").click()
    expect(run).to_be_enabled()
    text.fill("")
    expect(run).to_be_disabled()


def test_busy_state_while_a_real_request_runs(open_notebook, screenshot_dir):
    nb = open_notebook([GATED_CLIENT, "s = audiokit.widgets.speaker(client=gated)\ns"])
    speaker = nb.output(1).locator(".audiokit-speaker")
    text = speaker.locator("textarea.audiokit-text")
    text.fill("Busy for a moment.")
    run = speaker.locator("button.audiokit-run")
    run.click()

    # The kernel is running the request (held at the gate): the page says so and blocks input.
    wait_in_kernel(nb, "gated.calls == 1")
    assert nb.run_code("print(s.busy)").strip() == "True"
    expect(run).to_be_disabled()
    expect(run).to_have_class(re.compile(r"\baudiokit-working\b"))
    expect(run).to_have_text("Speaking…")
    expect(run.locator(".audiokit-spinner")).to_be_visible()
    expect(speaker).to_have_attribute("aria-busy", "true")
    expect(text).to_be_disabled()
    expect(speaker.locator("select.audiokit-model")).to_be_disabled()
    speaker.screenshot(path=str(screenshot_dir / "speaker-busy.png"), animations="disabled")
    run.dispatch_event("click")  # a second submit is refused
    run.evaluate("button => button.click()")

    nb.run_code("gated.gate.set()")
    expect(speaker.locator(".audiokit-result audio")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    expect(run).to_have_text("Speak")
    expect(run).to_be_enabled()
    expect(run).not_to_have_class(re.compile(r"\baudiokit-working\b"))
    expect(run.locator(".audiokit-spinner")).to_be_hidden()
    expect(speaker).to_have_attribute("aria-busy", "false")
    expect(text).to_be_enabled()
    done = nb.run_code("print(gated.calls, s._requests, s.busy, s.speech.duration > 0.3)")
    assert done.split() == ["1", "1", "False", "True"]  # one click went through, one request


def test_prompt_language_and_temperature_reach_the_request(
    open_notebook, speech_wav, screenshot_dir
):
    import audiokit

    nb = open_notebook([TRANSCRIBER_CELL])
    widget = nb.output(0).locator(".audiokit-transcriber")
    run = widget.locator("button.audiokit-run")
    expect(run).to_be_disabled(timeout=RESULT_TIMEOUT_MS)  # no audio yet, and it says so
    expect(widget.locator(".audiokit-hint")).to_have_text(re.compile("audio", re.I))
    widget.locator("input.audiokit-file").set_input_files(speech_wav)
    expect(run).to_be_enabled()

    language = widget.locator("select.audiokit-language")
    offered = language.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered[0] == "" and sorted(offered[1:]) == sorted(audiokit.SUPPORTED_LANGUAGES)
    language.select_option("en")
    widget.locator("select.audiokit-model").select_option("whisper-1")
    temperature = widget.locator("input.audiokit-temperature")
    temperature.fill("1.5")  # the library's range is 0-1: the button waits, with its message
    expect(run).to_be_disabled()
    problem = nb.run_code("print(w.problems['temperature'])").strip()
    assert "temperature" in problem and "0 to 1" in problem
    expect(run).to_have_attribute("title", problem)
    hint = re.compile("change the temperature", re.I)
    expect(widget.locator(".audiokit-hint")).to_have_text(hint)
    expect(widget.locator(".audiokit-field-problem:visible")).to_have_text(problem)
    expect(temperature).to_have_attribute("aria-invalid", "true")
    widget.screenshot(path=str(screenshot_dir / "transcriber-problem.png"), animations="disabled")
    temperature.fill("0.2")
    expect(run).to_be_enabled()
    widget.locator("textarea.audiokit-prompt").fill("A fox by the river bank.")
    run.click()
    expect(widget.locator(".audiokit-result")).not_to_be_empty(timeout=RESULT_TIMEOUT_MS)
    expect(run).to_have_text("Transcribe")
    params = nb.run_code(
        "p = w.transcript.params; print(p['language'], p['temperature'], p['model']); "
        "print(p['prompt'])"
    ).splitlines()
    assert params[0].split() == ["en", "0.2", "whisper-1"]
    assert params[1] == "A fox by the river bank."
    widget.screenshot(path=str(screenshot_dir / "transcriber-result.png"), animations="disabled")
