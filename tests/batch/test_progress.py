"""The batch progress bar in Jupyter: the saved output is the finished bar, not its first frame.

A widget's text/plain is taken once, when it is displayed; a saved notebook (and GitHub) keeps
only that. The bar is displayed with an id and replaced by its final state when the batch ends.
"""

from __future__ import annotations

import re

import nbformat
from nbclient import NotebookClient

CELL = """
import audiokit
from pathlib import Path
for name in ("a.wav", "b.wav", "c.wav"):
    Path(name).write_bytes(b"not audio")  # each fails at once: no model needs to load
audiokit.configure(backend="local")
batch = audiokit.transcribe_many("*.wav", cache=False)
batch.summary()
"""


def test_the_saved_bar_is_the_finished_bar(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[0].outputs
    bars = [o for o in outputs if o.output_type == "display_data"]
    assert len(bars) == 1, outputs  # one output, updated in place
    bar = bars[0].data
    assert "application/vnd.jupyter.widget-view+json" in bar
    assert re.match(r"transcribing: 100%\|.*\| 3/3 \[", bar["text/plain"]), bar["text/plain"]
    assert "failed=3" in bar["text/plain"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], outputs
    assert outputs[-1].data["text/plain"] == "'3 sources: 0 transcribed (0 from cache), 3 failed'"
