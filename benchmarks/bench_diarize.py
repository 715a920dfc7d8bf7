"""Diarization error rate of the offline diarizer on recordings with reference turns.

    python benchmarks/bench_diarize.py [AUDIO RTTM ...] [--threshold 0.75] [--conversation]

With no arguments it scores ``tests/fixtures/speech/two_speakers.flac`` against its RTTM.
``--conversation`` also scores a four-speaker conversation put together from real recordings
(see :func:`conversation`): its reference turns are exact by construction, but its voices come
from different recordings and microphones, which makes them easier to tell apart than in one
call, and nobody talks over anyone. DER =
(missed + false alarm + confusion) / total reference speech, on a 10 ms grid, with the best
one-to-one speaker mapping; printed with no collar and with a 0.25 s collar around every
reference boundary (overlapped speech is scored, once per speaker). Also prints the diarizer's
real-time factor (it depends a lot on the machine's load).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FIXTURE = ROOT / "tests" / "fixtures" / "speech"
GAP_SECONDS = (0.4, 0.9, 0.6, 1.2, 0.5)  # the pauses between turns, in turn
# Single-speaker stretches of two_speakers.flac (its RTTM, overlaps left out), seconds.
CALL_STRETCHES = {
    "Diane": [(8.35, 9.92), (11.03, 14.49), (18.59, 21.49), (28.50, 30.0)],
    "Sheila": [(7.55, 8.32), (9.92, 10.57), (14.70, 17.92), (21.78, 27.85)],
}


def _trim(samples: np.ndarray, floor_db: float = -40.0) -> np.ndarray:
    """``samples`` without the leading and trailing 10 ms frames quieter than the peak's floor."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-12
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > floor_db)
    return samples[loud[0] * 160 : (loud[-1] + 1) * 160]


def conversation(cache: Path) -> tuple[np.ndarray, list]:
    """Four real voices taking turns, with the exact reference turns.

    The LibriVox reader (five *Sense and Sensibility* clips) and the card-game speaker (five
    commands) from the ``pocketsphinx`` 5.1.1 sdist (BSD-2-Clause; LibriVox is public domain),
    fetched as ``bench_wer.py`` does, and Diane and Sheila from the fixture call (MIT), in the
    call's single-speaker stretches. Turns go reader, Diane, cards, Sheila, ... with short
    pauses; each clip is trimmed to its audible part, so a turn is its clip.
    """
    from bench_wer import CARDS, LIBRIVOX, POCKETSPHINX, _extract, _fetch_sdist

    from audiokit.audio import decode
    from audiokit.local._diarize import Turn

    root = _extract(_fetch_sdist(POCKETSPHINX, cache), (LIBRIVOX, CARDS), cache)
    call, _ = decode((FIXTURE / "two_speakers.flac").read_bytes(), sample_rate=16_000)

    def clips(folder: str) -> list[np.ndarray]:
        paths = sorted((root / folder).glob("*.wav"))
        return [_trim(decode(p.read_bytes(), sample_rate=16_000)[0]) for p in paths]

    voices = {
        "reader": clips(LIBRIVOX),
        "Diane": [call[int(a * 16_000) : int(b * 16_000)] for a, b in CALL_STRETCHES["Diane"]],
        "cards": clips(CARDS),
        "Sheila": [call[int(a * 16_000) : int(b * 16_000)] for a, b in CALL_STRETCHES["Sheila"]],
    }
    pieces, turns, at, n = [], [], 0, 0
    for i in range(max(len(v) for v in voices.values())):
        for speaker, voice in voices.items():
            if i < len(voice):
                gap = np.zeros(int(GAP_SECONDS[n % len(GAP_SECONDS)] * 16_000), np.float32)
                pieces += [gap, voice[i].astype(np.float32)]
                at += len(gap)
                turns.append(Turn(at / 16_000, (at + len(voice[i])) / 16_000, speaker))
                at += len(voice[i])
                n += 1
    return np.concatenate(pieces), turns


def main() -> None:
    from audiokit.audio import decode
    from audiokit.local._diarize import (
        MERGE_SIMILARITY,
        Diarizer,
        diarization_error_rate,
        read_rttm,
    )

    parser = argparse.ArgumentParser()
    parser.add_argument("pairs", nargs="*", type=Path, help="audio file, rttm file, ...")
    parser.add_argument("--threshold", type=float, default=MERGE_SIMILARITY)
    parser.add_argument(
        "--conversation", action="store_true", help="also score the four-voice conversation"
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "audiokit-bench")
    args = parser.parse_args()
    pairs = args.pairs or [FIXTURE / "two_speakers.flac", FIXTURE / "two_speakers.rttm"]
    if len(pairs) % 2:
        parser.error("give audio and RTTM files in pairs")
    diarizer = Diarizer(threshold=args.threshold)
    print(f"load average {os.getloadavg()[0]:.1f}, threshold {args.threshold}")
    cases = [
        (audio.name, decode(audio.read_bytes(), sample_rate=16_000)[0], read_rttm(rttm.read_text()))
        for audio, rttm in zip(pairs[::2], pairs[1::2], strict=True)
    ]
    if args.conversation:
        cases.append(("four-voice conversation", *conversation(args.cache)))
    for name, samples, reference in cases:
        t0 = time.perf_counter()
        turns = diarizer(samples)
        seconds = time.perf_counter() - t0
        found = len({t.speaker for t in turns})
        true = len({t.speaker for t in reference})
        print(f"{name}: {len(samples) / 16_000:.1f} s, speakers {found} (reference {true}),")
        print(f"  RTF {seconds / (len(samples) / 16_000):.2f}")
        for collar in (0.0, 0.25):
            s = diarization_error_rate(reference, turns, collar=collar)
            print(
                f"  collar {collar:.2f} s: DER {s['der']:.3f} = missed {s['missed']:.3f}"
                f" + false alarm {s['false_alarm']:.3f} + confusion {s['confusion']:.3f}"
                f" (scored speech {s['speech_seconds']:.1f} s)"
            )


if __name__ == "__main__":
    main()
