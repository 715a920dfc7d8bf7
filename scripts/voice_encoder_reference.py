"""Make ``tests/fixtures/speech/voice_encoder_reference.npz`` with the torch original.

The numpy encoder (``audiokit/local/_voice_encoder.py``) is checked against embeddings the
original Resemblyzer computed once; this script is how they were made. It needs torch, librosa
and Resemblyzer, which audiokit does not depend on (use a throwaway environment)::

    pip install torch librosa webrtcvad-wheels soundfile
    pip install Resemblyzer==0.1.4 --no-deps
    python scripts/voice_encoder_reference.py

Each clip of the fixture recording (start, end in seconds) is volume-normalised as Resemblyzer
does (-30 dBFS, raised only), then embedded with ``VoiceEncoder.embed_utterance``; the file
holds the clips' times, the embeddings, and librosa's mel spectrogram of the first clip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "speech"
CLIPS = np.array([[10.78, 14.18], [14.49, 17.9], [21.9, 28.4], [0.0, 1.2]])


def main() -> None:
    from resemblyzer import VoiceEncoder, audio

    samples, rate = sf.read(FIXTURES / "two_speakers.flac", dtype="float32")
    assert rate == 16_000
    encoder = VoiceEncoder("cpu", verbose=False)
    embeddings, mel = [], None
    for start, end in CLIPS:
        clip = samples[round(start * rate) : round(end * rate)]
        clip = audio.normalize_volume(clip, -30, increase_only=True).astype(np.float32)
        if mel is None:
            mel = audio.wav_to_mel_spectrogram(clip)
        embeddings.append(encoder.embed_utterance(clip))
    np.savez_compressed(
        FIXTURES / "voice_encoder_reference.npz",
        clips=CLIPS,
        embeddings=np.array(embeddings, np.float32),
        mel=mel,
    )


if __name__ == "__main__":
    main()
