"""Piper's peak memory is one piece's, whatever the text's length or punctuation.

espeak-ng reads ``"abc. abc. …"`` as one sentence of spelled letters; one VITS inference over it
used to hold ~20 MB per second of audio (1.9 GB for 500 characters). The engine now cuts every
sentence into bounded phoneme pieces. Measured in a fresh interpreter (``VmHWM``), so nothing
else in the test process counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")
require("piper", "the offline engine is not installed (pip install -e '.[local]')")

from audiokit.local._piper import MAX_PIECE_PHONEMES, cut_phonemes  # noqa: E402

PROBE = r"""
import json, sys
from audiokit.local import PiperEngine

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024  # MB

engine = PiperEngine().load()
short = engine.synthesize(("abc. " * 820)[:125])  # 324 phonemes: already more than one piece
after_short = hwm()
long = engine.synthesize(("abc. " * 820)[:400])  # 3.2x the text, the same piece size
print(json.dumps({"short": after_short, "long": hwm(),
                  "short_s": len(short) / engine.sample_rate,
                  "long_s": len(long) / engine.sample_rate}))
"""


def test_peak_memory_does_not_grow_with_unpunctuated_text() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=240, check=True
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["long_s"] > 2.5 * figures["short_s"]  # every letter was spoken
    # Before the cut: ~500 MB after the short text, ~1.5 GB after the long one.
    # before the fix 500 such characters peaked at 1.9 GB; one piece costs well under 250 MB
    assert figures["long"] - figures["short"] < 250, figures
    assert figures["long"] < 600, figures


def test_cut_phonemes_bounds_every_piece_and_loses_nothing() -> None:
    sentence = list("ab cd efg hi") * 40
    pieces = cut_phonemes(sentence, 25)
    assert all(len(p) <= 25 for p in pieces)
    assert [q for p in pieces for q in p] == sentence
    assert all(p[-1] == " " for p in pieces[:-1])  # cut at word gaps when there are some
    word = ["x"] * 100  # one "word" longer than a piece: plain cuts
    assert [len(p) for p in cut_phonemes(word, 30)] == [30, 30, 30, 10]
    assert cut_phonemes([" ", " "], 30) == []
    assert MAX_PIECE_PHONEMES >= 100
