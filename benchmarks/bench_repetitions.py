"""Repeated speech, transcribed offline: is every repetition there, run after run? (on demand)

    python benchmarks/bench_repetitions.py [--tiles 72] [--runs 2] [--chunk-seconds 120]

The recording: a real 6.5 s stretch of one speaker (``tests/fixtures/speech/two_speakers.flac``,
"Well, there's not much difference. At least, you know, they all call me a Yankee down here, so
what kind of thing?") repeated ``--tiles`` times with 1.2 s pauses, written as a 24 kHz 16-bit
WAV (72 tiles: 554 s, 26.6 MB, past the API's 25 MB limit). Each run transcribes it with
``audiokit.transcribe(..., split=True, chunk_seconds=120)`` on the offline engine (cut at pauses
into chunks of up to ``--chunk-seconds``, merged; ``whisper-1``: beam search, the temperature
fallback; ``--model base`` or ``tiny.en``) and counts the clip's opening ("much difference")
and closing ("what kind of thing") phrases; a right transcript has each ``--tiles`` times.
The baseline is the same pipeline with faster-whisper's own fallback rule (re-decode any
window whose text compresses past 2.4), the rule audiokit used before
``audiokit/local/_fallback.py``; the two alternate run by run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEECH = ROOT / "tests" / "fixtures" / "speech" / "two_speakers.flac"
CLIP_SECONDS = (21.9, 28.4)
PAUSE_SECONDS = 1.2
PHRASES = ("much difference", "what kind of thing")


def recording(tiles: int, path: Path) -> float:
    samples, rate = sf.read(SPEECH, dtype="float32")
    clip = samples[int(CLIP_SECONDS[0] * rate) : int(CLIP_SECONDS[1] * rate)]
    tile = np.concatenate([clip, np.zeros(int(PAUSE_SECONDS * rate), np.float32)])
    audio = np.tile(tile, tiles)
    from audiokit.audio import resample

    sf.write(path, resample(audio, rate, 24_000), 24_000, subtype="PCM_16")
    return len(audio) / rate


@contextlib.contextmanager
def stock_fallback() -> Iterator[None]:
    """Run the offline engine with faster-whisper's own ``generate_with_fallback``."""
    from faster_whisper import WhisperModel

    from audiokit.local import _whisper

    run_class = _whisper._run_class()
    ours = run_class.generate_with_fallback

    def stock(self, encoder_output, prompt, tokenizer, options):  # type: ignore[no-untyped-def]
        decoded = WhisperModel.generate_with_fallback(
            self, encoder_output, prompt, tokenizer, options
        )
        self.kept = decoded[0]
        return decoded

    run_class.generate_with_fallback = stock
    try:
        yield
    finally:
        run_class.generate_with_fallback = ours


def counts(text: str) -> tuple[int, ...]:
    said = " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())
    return tuple(said.count(p) for p in PHRASES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiles", type=int, default=72)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--chunk-seconds", type=float, default=120.0)
    parser.add_argument("--model", default="base", help="offline Whisper: base or tiny.en")
    args = parser.parse_args()
    os.environ["AUDIOKIT_WHISPER_MODEL"] = args.model

    import audiokit

    with tempfile.TemporaryDirectory() as tmp, audiokit.Client(backend="local") as client:
        path = Path(tmp) / "repeated.wav"
        seconds = recording(args.tiles, path)
        print(f"{args.tiles} tiles, {seconds:.0f} s, {path.stat().st_size / 1e6:.1f} MB WAV; "
              f"Whisper {args.model}; expected {args.tiles} of each phrase")  # fmt: skip
        texts: dict[str, list[str]] = {"audiokit": [], "faster-whisper rule": []}
        for run in range(args.runs):
            for name in texts:
                rule = stock_fallback() if name != "audiokit" else contextlib.nullcontext()
                started = time.perf_counter()
                with rule:
                    t = client.transcribe(
                        path,
                        model="whisper-1",
                        response_format="verbose_json",
                        split=True,
                        chunk_seconds=args.chunk_seconds,
                    )
                took = time.perf_counter() - started
                temps = sorted({s.temperature for s in t.segment_list})
                texts[name].append(t.text)
                print(f"run {run + 1}  {name:<20} phrases {counts(t.text)}  chunks "
                      f"{len(t.params.get('chunks') or [1])}  temperatures {temps}  "
                      f"{took:.0f} s (RTF {took / seconds:.3f})", flush=True)  # fmt: skip
        for name, runs in texts.items():
            same = all(text == runs[0] for text in runs)
            print(f"{name}: {'identical' if same else 'different'} text across {len(runs)} runs")


if __name__ == "__main__":
    main()
