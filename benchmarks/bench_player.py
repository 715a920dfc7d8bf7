"""The transcript player on an hour of speech: how long creating the widget blocks the kernel,
how long compressing the audio takes on its thread, and what crosses to the browser.

Run on demand:  python benchmarks/bench_player.py [--minutes 60]

A paragraph is spoken and transcribed offline (word times), then audio and transcript are tiled
to ``--minutes``. Creating the widget (``t.player(wav)``) is what the cell waits for: word
columns, doubtful spans, the first state message; the WebM Opus compression runs after, on the
widget's thread, and its time is measured until ``audio_size`` is set. The baseline is the same
player on the one paragraph, so the ratio says how creation grows with the transcript.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

import audiokit
from audiokit.audio import decode, encode
from audiokit.widgets import CHUNK_BYTES, PlayerWidget

PARAGRAPH = (
    "Welcome back to the weekly planning meeting. Today we review the budget for the new "
    "library, the schedule for the river bridge, and the results of the survey. Please keep "
    "your questions short, and write down anything we should discuss next week."
)


def tiled(one: audiokit.Transcript, clip_s: float, reps: int) -> audiokit.Transcript:
    def shifted(items: list[dict], k: int) -> list[dict]:
        return [
            {**x, "start": x["start"] + k * clip_s, "end": x["end"] + k * clip_s} for x in items
        ]

    body = dict(one.raw)
    body.update(
        text=" ".join([one.text] * reps),
        duration=reps * clip_s,
        words=[w for k in range(reps) for w in shifted(one.raw["words"], k)],
        segments=[
            {**s, "id": i}
            for i, s in enumerate(s for k in range(reps) for s in shifted(one.raw["segments"], k))
        ],
    )
    return audiokit.Transcript.from_response(body, "verbose_json")


def create(t: audiokit.Transcript, wav: bytes) -> tuple[float, PlayerWidget]:
    start = time.perf_counter()
    w = t.player(wav)
    return time.perf_counter() - start, w


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    clip = audiokit.speak(PARAGRAPH, response_format="wav")
    one = audiokit.transcribe(clip, model="whisper-1", response_format="verbose_json",
                              timestamp_granularities=["word", "segment"])  # fmt: skip
    samples, rate = decode(clip.data, sample_rate=16_000)
    clip_s = len(samples) / rate
    reps = math.ceil(args.minutes * 60 / clip_s)
    wav = encode(np.tile(samples, reps), rate, "wav")
    long_t = tiled(one, clip_s, reps)

    create(one, clip.data)  # warm-up: imports and the first widget
    base_s, _ = create(one, clip.data)
    created_s, w = create(long_t, wav)
    started = time.perf_counter()
    while not w.audio_size:
        time.sleep(0.05)
    compress_s = time.perf_counter() - started + created_s
    state = len(json.dumps(w.units))
    print(f"words: {len(long_t.word_list):,}   audio: {reps * clip_s / 60:.1f} min, "
          f"wav {len(wav) / 2**20:.1f} MiB")  # fmt: skip
    print(f"create, one paragraph: {base_s * 1000:.0f} ms;  create, long: {created_s:.2f} s "
          f"(ratio {created_s / base_s:.0f})")  # fmt: skip
    print(f"compressed after {compress_s:.1f} s on the widget's thread: "
          f"{w.audio_size / 2**20:.1f} MiB WebM Opus, {-(-w.audio_size // CHUNK_BYTES)} pieces "
          f"of at most {CHUNK_BYTES // 1024} KiB")  # fmt: skip
    print(f"words state (one message): {state / 2**20:.2f} MiB of JSON")


if __name__ == "__main__":
    main()
