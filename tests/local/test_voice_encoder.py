"""The numpy voice encoder against Resemblyzer's torch original, on real speech.

``tests/fixtures/speech/voice_encoder_reference.npz`` holds what the original computed once
(``scripts/voice_encoder_reference.py``: librosa's mel spectrogram of a clip and Resemblyzer's
``embed_utterance`` of four clips of ``two_speakers.flac``); the numpy code must give the same.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiokit.local._voice_encoder import (
    EMBEDDING_SIZE,
    WEIGHTS,
    VoiceEncoder,
    mel_spectrogram,
    normalize_volume,
)

SPEECH = Path(__file__).parents[1] / "fixtures" / "speech"


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(SPEECH / "voice_encoder_reference.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def clips(reference: dict[str, np.ndarray]) -> list[np.ndarray]:
    samples, rate = sf.read(SPEECH / "two_speakers.flac", dtype="float32")
    assert rate == 16_000
    return [
        normalize_volume(samples[round(a * rate) : round(b * rate)]) for a, b in reference["clips"]
    ]


def test_mel_matches_librosa(reference: dict[str, np.ndarray], clips: list[np.ndarray]) -> None:
    mel = mel_spectrogram(clips[0])
    assert mel.shape == reference["mel"].shape
    assert np.abs(mel - reference["mel"]).max() <= 1e-5 * reference["mel"].max()


def test_embeddings_match_torch(reference: dict[str, np.ndarray], clips: list[np.ndarray]) -> None:
    encoder = VoiceEncoder()
    ours = np.stack([encoder.embed_utterance(c) for c in clips])
    assert ours.shape == (len(clips), EMBEDDING_SIZE)
    # float16 weights: the vectors agree to ~5e-4 per component, cosine > 0.99999
    assert np.abs(ours - reference["embeddings"]).max() < 3e-3
    assert ((ours * reference["embeddings"]).sum(axis=1) > 0.9999).all()


def test_embeddings_tell_voices_apart(
    reference: dict[str, np.ndarray], clips: list[np.ndarray]
) -> None:
    """Clips 1 and 2 are one woman, clip 0 the other: same voice is closer than other voice."""
    e = np.stack([VoiceEncoder().embed_utterance(c) for c in clips[:3]])
    assert e[1] @ e[2] > e[0] @ e[1] + 0.1
    assert e[1] @ e[2] > e[0] @ e[2] + 0.1


def test_weights_are_only_arrays() -> None:
    """The shipped file holds plain float16 arrays of the encoder's shapes, nothing pickled."""
    with np.load(WEIGHTS, allow_pickle=False) as data:
        shapes = {k: data[k].shape for k in data.files}
        assert {data[k].dtype for k in data.files} == {np.dtype(np.float16)}
    assert shapes["lstm.weight_ih_l0"] == (1024, 40)
    assert shapes["linear.weight"] == (256, 256)
    # a 3-layer LSTM 40→256 and a linear layer 256→256
    assert sum(int(np.prod(s)) for s in shapes.values()) == 1_423_616


def test_converter_refuses_foreign_objects(tmp_path: Path) -> None:
    """The converter's unpickler builds tensors and dicts only: anything else is refused."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "convert_voice_encoder", Path(__file__).parents[2] / "scripts" / "convert_voice_encoder.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    evil = b"".join(
        pickle.dumps(x, protocol=2) for x in (module.LEGACY_MAGIC, 1001, {"little_endian": True})
    ) + pickle.dumps(Path("/"), protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        module.load_legacy_checkpoint(evil)
