"""The committed example notebooks show what a reader will see, and what their text says.

``notebooks/regenerate.py`` executes them offline in a clean environment, with the widgets'
state, and writes them back; the suite runs them again with nbval (``--nbval-lax`` in
pyproject: every cell without an error, and the cells tagged ``nbval-check-output`` with the
committed output — the offline engine is deterministic). This module reads the committed copies,
without running them again: executed in order, small, no object addresses, no output on stderr
but the one error shown on purpose, every widget with its saved state, progress bars finished,
and the claims of their prose true of their outputs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["quickstart", "confidence", "widgets", "long_audio_and_batches"]
MAX_NOTEBOOK_KB = 300  # audio data URLs make outputs big: the examples keep clips short
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STDERR_TAG = "expected-stderr"  # as in notebooks/regenerate.py
# tqdm's text form: "transcribing: 100%|##########| 3/3 [00:00<00:00, ...]"
# What ran: the product's default Whisper, as regenerate.py runs with no AUDIOKIT_WHISPER_MODEL.
ENGINE = "offline · Whisper base"
FAR_BELOW = 0.25  # of confidence: what "far below" means for the claim in confidence.ipynb
PROGRESS = re.compile(r"^(?P<desc>[^:|]*): +(?P<pct>\d+)%\|[^|]*\| (?P<n>\d+)/(?P<total>\d+) \[")


def load(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def cell(nb: Any, start: str) -> Any:
    """The one code cell whose source starts with ``start``."""
    found = [c for c in code_cells(nb) if c.source.startswith(start)]
    assert len(found) == 1, f"{len(found)} cells start with {start!r}"
    return found[0]


def result(c: Any) -> dict[str, Any]:
    """The data of the cell's value (its execute_result)."""
    values = [o for o in c.outputs if o.output_type == "execute_result"]
    assert len(values) == 1, c.outputs
    return values[0].data


def stream(c: Any, name: str = "stdout") -> str:
    return "".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == name)


def html(c: Any) -> str:
    return result(c)["text/html"]


def rich_outputs(nb: Any) -> list[tuple[Any, dict[str, Any]]]:
    """(cell, data) of every display_data and execute_result."""
    return [(c, o.data) for c in code_cells(nb) for o in c.outputs if "data" in o]


def widget_state(nb: Any) -> dict[str, Any]:
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def table_rows(text: str) -> dict[str, list[str]]:
    """A DataFrame's text/plain as {first column: the other columns} (one header line)."""
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()[1:] if line.strip()}


# -- every notebook -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_executed_and_small(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = load(name)
    nbformat.validate(nb)
    code = code_cells(nb)
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(o.output_type != "error" for c in code for o in c.outputs)
    assert sum(bool(c.outputs) for c in code) >= len(code) // 2
    assert path.stat().st_size < MAX_NOTEBOOK_KB * 1024
    text = path.read_text(encoding="utf-8")
    assert "sk-" not in re.sub(r"data:[^'\"]+", "", text)  # no key-like strings outside audio
    assert all("execution" not in c.metadata for c in code)  # no timings of the run


@pytest.mark.parametrize("name", NAMES)
def test_outputs_show_no_object_address(name):
    # A display without a text form falls back to "<... object at 0x7f…>": it says nothing.
    for c, data in rich_outputs(load(name)):
        for mime, value in data.items():
            assert "object at 0x" not in str(value), (c.source, mime, value)


@pytest.mark.parametrize("name", NAMES)
def test_nothing_on_stderr_but_the_error_shown_on_purpose(name):
    # The library prints nothing: notices go through logging and displays. Warnings, logging
    # output or a text progress bar would land here.
    for c in code_cells(load(name)):
        if STDERR_TAG not in c.metadata.get("tags", []):
            assert stream(c, "stderr") == "", c.source


def test_the_only_stderr_is_the_magic_usage_error():
    tagged = [
        (name, c) for name in NAMES for c in code_cells(load(name))
        if STDERR_TAG in c.metadata.get("tags", [])
    ]  # fmt: skip
    assert [(name, c.source) for name, c in tagged] == [
        ("quickstart", "%transcribe -f srt greeting")
    ]
    message = stream(tagged[0][1], "stderr").strip()
    assert message.startswith("UsageError: %transcribe --format:") and "\n" not in message


@pytest.mark.parametrize("name", NAMES)
def test_every_widget_has_its_saved_state_and_a_text_form(name):
    nb = load(name)
    state = widget_state(nb)
    views = [(c, data) for c, data in rich_outputs(nb) if WIDGET_VIEW in data]
    for c, data in views:
        model_id = data[WIDGET_VIEW]["model_id"]
        assert model_id in state, (c.source, model_id)  # JupyterLab and nbviewer draw it
        assert data["text/plain"].strip(), c.source  # GitHub shows this
    if views:
        assert nb.metadata.widgets[WIDGET_STATE]["version_major"] == 2


@pytest.mark.parametrize("name", NAMES)
def test_progress_bars_are_finished(name):
    nb = load(name)
    bars = [(c, PROGRESS.match(d["text/plain"])) for c, d in rich_outputs(nb) if WIDGET_VIEW in d]
    for c, bar in bars:
        if bar:
            assert bar["n"] == bar["total"] and bar["pct"] == "100", (c.source, bar.group(0))
    for model in widget_state(nb).values():  # the saved bars (tqdm's IntProgress), drawn
        if model["model_name"] == "IntProgressModel":
            assert model["state"]["value"] == model["state"]["max"], model["state"]


# -- what each notebook says --------------------------------------------------------------------


def test_quickstart():
    nb = load("quickstart")
    settings = result(cell(nb, "%audiokit"))["text/plain"]
    assert re.search(r"^backend\s+local\s", settings, re.M)
    assert re.search(r"^api_key\s+not set", settings, re.M)

    player = html(cell(nb, "%%speak -v coral -o greeting"))
    assert "<audio controls" in player and "data:audio/mpeg;base64," in player
    assert "autoplay" not in player and "coral" in player

    # The product's name, spelled as it is spelled: the prompt gives it to the model.
    plain = result(cell(nb, "%transcribe --prompt Audiokit. greeting"))["text/plain"]
    assert plain.startswith(f"Transcript({ENGINE}")
    heard = [
        (c.source, data["text/plain"]) for c, data in rich_outputs(nb)
        if data.get("text/plain", "").startswith("Transcript(") and "greeting" in c.source
    ]  # fmt: skip
    assert len(heard) == 5 and all("this is Audiokit" in text for _, text in heard), heard
    assert "Audiokit" in result(cell(nb, "quiet.text"))["text/plain"]

    assert "audiokit-highlight" in html(cell(nb, "%transcribe --prompt Audiokit. --logprobs"))
    assert "<table" in html(cell(nb, "%transcribe --prompt Audiokit. -m whisper-1 --timestamps"))
    assert " --> " in stream(cell(nb, "print(timed.to_srt())"))

    streamed = cell(nb, "%transcribe --prompt Audiokit. --stream")
    assert streamed.outputs[0].output_type == "display_data"
    assert streamed.outputs[0].data == {"text/plain": ""}  # the live view, emptied at the end
    assert result(streamed)["text/plain"].startswith("Transcript(")
    assert cell(nb, "%transcribe --prompt Audiokit. -o quiet greeting;").outputs == []

    failed = cell(nb, "%transcribe -f srt")
    assert all(o.output_type == "stream" for o in failed.outputs)  # one line, no traceback
    assert "response_format = 'srt'" in stream(cell(nb, "try:"))


def test_confidence():
    nb = load("confidence")
    shown = html(cell(nb, "reference = ("))
    assert "audiokit-highlight" in shown and "title='confidence" in shown
    assert "<table" in html(cell(nb, "t.tokens.head(8)"))
    low = result(cell(nb, "t.low_confidence(0.6)"))["text/plain"]
    assert low.split()[:3] == ["text", "confidence", "n"]
    plot = cell(nb, "t.plot_confidence(")
    assert any("image/png" in o.get("data", {}) for o in plot.outputs)
    assert "audiokit-comparison" in html(cell(nb, "c = audiokit.compare"))
    wer = re.search(r"WER (\d+\.\d)%", stream(cell(nb, 'print(f"WER')))
    assert wer and float(wer.group(1)) < 50
    assert "Siobhan" in result(cell(nb, "fixed = "))["text/plain"]
    # What the text claims: the wrong words are the unsure ones ("far below" the matches).
    text = result(cell(nb, "c.confidence_by_op()"))["text/plain"]
    rows = table_rows(text.split("\n", 1)[1])  # under the index name's line
    n_match, match = int(rows["match"][0]), float(rows["match"][1])
    wrong = [(int(rows[op][0]), float(rows[op][1])) for op in ("substitution", "insertion")]
    assert n_match > 0 and 0.0 < match <= 1.0, text
    assert sum(n for n, _ in wrong) >= 1, text  # there are wrong words to speak of
    assert all(mean < match - FAR_BELOW for n, mean in wrong if n), text


def test_widgets():
    nb = load("widgets")
    views = [d for _, d in rich_outputs(nb) if WIDGET_VIEW in d]
    texts = [d["text/plain"] for d in views]  # what GitHub shows in place of each widget
    assert len(texts) == 3 and texts[:2] == [
        f"Transcribe widget · {ENGINE} · no audio yet",
        "Speak widget · coral → offline · Piper en_US-joe-medium"
        " · 'Widgets can be driven from code as well.'",
    ]
    assert re.fullmatch(rf"Transcribe widget · {ENGINE} · speech\.mp3 \(\d+ KB\)", texts[2])
    state = widget_state(nb)
    speaker = state[views[1][WIDGET_VIEW]["model_id"]]["state"]
    assert speaker["text"] == "Widgets can be driven from code as well."
    assert "<audio controls" in speaker["html"]  # the saved widget shows the spoken result
    assert "<audio controls" in html(cell(nb, "speech = speaker.run()"))
    assert result(cell(nb, "transcript = transcriber.run()"))["text/plain"].startswith(
        f"Transcript({ENGINE}"  # what ran, not the model asked
    )
    assert result(cell(nb, "transcriber.transcript is"))["text/plain"] == "(True, False, '')"


def test_long_audio_and_batches():
    nb = load("long_audio_and_batches")
    first = result(cell(nb, "batch = audiokit.transcribe_many"))["text/plain"]
    assert first == "BatchResult(4 sources: 3 transcribed (0 from cache), 1 failed)"
    frame = result(cell(nb, 'batch.frame[["source"'))["text/plain"]
    assert "note_4.wav" in frame and "AudioError" in frame
    again = result(cell(nb, "again = "))["text/plain"]
    assert again == "'4 sources: 3 transcribed (3 from cache), 1 failed'"
    magic = cell(nb, "%transcribe -l en -o notes_batch")
    assert result(magic)["text/plain"] == (
        "BatchResult(3 sources: 3 transcribed (3 from cache), 0 failed)"
    )
    bar = [o.data["text/plain"] for o in magic.outputs if o.output_type == "display_data"]
    assert len(bar) == 1 and PROGRESS.match(bar[0]) and " 3/3 [" in bar[0], bar
    merged = result(cell(nb, "t = audiokit.transcribe("))
    assert merged["text/plain"].startswith(f"Transcript({ENGINE}, english, ")
    assert "<table" in merged["text/html"]
    wer = re.search(r"word error rate (\d+\.\d)%", stream(cell(nb, "c = audiokit.compare")))
    assert wer and float(wer.group(1)) < 25
    # "The times run on across the cuts": ordered, and reaching the end of the recording.
    duration = float(result(cell(nb, "paragraph = "))["text/plain"])
    segments = result(cell(nb, 't.segments[["start"'))["text/plain"]
    times = [(float(r[0]), float(r[1])) for r in table_rows(segments).values()]
    starts = [s for s, _ in times]
    assert len(times) >= 3 and starts == sorted(starts) and starts[0] < 1.0, segments
    assert all(s <= e for s, e in times) and times[-1][1] > 0.8 * duration, segments
    assert starts[-1] < duration
