"""Diarization error rate of the offline diarizer on recordings with reference turns.

    python benchmarks/bench_diarize.py [AUDIO RTTM ...] [--threshold 0.75]

With no arguments it scores ``tests/fixtures/speech/two_speakers.flac`` against its RTTM. DER =
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FIXTURE = ROOT / "tests" / "fixtures" / "speech"


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
    args = parser.parse_args()
    pairs = args.pairs or [FIXTURE / "two_speakers.flac", FIXTURE / "two_speakers.rttm"]
    if len(pairs) % 2:
        parser.error("give audio and RTTM files in pairs")
    diarizer = Diarizer(threshold=args.threshold)
    print(f"load average {os.getloadavg()[0]:.1f}, threshold {args.threshold}")
    for audio, rttm in zip(pairs[::2], pairs[1::2], strict=True):
        samples, _ = decode(audio.read_bytes(), sample_rate=16_000)
        reference = read_rttm(rttm.read_text())
        t0 = time.perf_counter()
        turns = diarizer(samples)
        seconds = time.perf_counter() - t0
        found = len({t.speaker for t in turns})
        true = len({t.speaker for t in reference})
        print(f"{audio.name}: {len(samples) / 16_000:.1f} s, speakers {found} (reference {true}),")
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
