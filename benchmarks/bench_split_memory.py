"""Peak memory while splitting a long recording, against decoding it whole.

Run on demand:  python benchmarks/bench_split_memory.py [--hours 2] [--chunk-seconds 600]

Builds a synthetic recording of ``--hours`` hours on disk (FLAC, 22.05 kHz mono, Piper's rate):
sentences spoken by the local voice, with pauses and background noise, repeated — written a
block at a time, so building it costs no memory either. Then, each in a fresh process:

- ``baseline``: import audiokit, numpy and soundfile, nothing else (the RSS floor);
- ``split``: ``audiokit.jobs.split_audio`` over the file (decode in blocks, find pauses on
  the energy envelope, encode each chunk as FLAC), chunks dropped as they come;
- ``whole``: ``soundfile.read`` of the whole file as float32 (the naive way).

Prints each one's peak RSS (``VmHWM``) and, for split, the tracemalloc peak of Python/numpy
allocations, next to the size of the samples decoded whole (float32 and float64).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

SENTENCES = [
    "The committee will meet again on Thursday afternoon.",
    "Please send the updated figures before the end of the week.",
    "We expect the new building to open early next spring.",
    "Thank you all for coming, and have a safe trip home.",
]
NOISE_RMS = 10 ** (-50 / 20)


def build(path: Path, hours: float) -> float:
    import soundfile as sf

    import audiokit

    with audiokit.Client(backend="local") as client:
        voices = [client.speak(s, response_format="wav").to_numpy() for s in SENTENCES]
    rate = voices[0][1]
    rng = np.random.default_rng(3)
    pattern = []
    for samples, _ in voices:
        pattern += [samples, np.zeros(int(rate * rng.uniform(0.5, 1.5)), np.float32)]
    block = np.concatenate(pattern)
    total = int(hours * 3600 * rate)
    written = 0
    with sf.SoundFile(path, "w", rate, 1, format="FLAC") as f:
        while written < total:
            piece = block[: total - written]
            f.write(piece + rng.normal(0, NOISE_RMS, len(piece)).astype(np.float32))
            written += len(piece)
    return written / rate


def peak_rss_bytes() -> int:
    """This process's peak resident set size. VmHWM, not ru_maxrss: on Linux ru_maxrss is
    inherited from the parent across fork and exec, so a child would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # other systems


def child(mode: str, path: str, chunk_seconds: float) -> None:
    import soundfile as sf

    import audiokit  # noqa: F401 - the same imports in every mode
    from audiokit.jobs import split_audio

    out: dict[str, float] = {}
    started = time.perf_counter()
    if mode == "split":
        tracemalloc.start()
        chunks = 0
        largest = 0
        for chunk in split_audio(path, chunk_seconds=chunk_seconds):
            chunks += 1
            largest = max(largest, chunk.file.size)
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out["chunks"] = chunks
        out["largest_chunk_bytes"] = largest
    elif mode == "whole":
        samples, _ = sf.read(path, dtype="float32")
        out["samples_bytes"] = samples.nbytes
    out["seconds"] = time.perf_counter() - started
    out["peak_rss"] = peak_rss_bytes()
    print(json.dumps(out))


def measure(mode: str, path: Path, chunk_seconds: float) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(chunk_seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--chunk-seconds", type=float, default=600.0)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "CHUNK_SECONDS"))
    args = parser.parse_args()
    if args.child:
        mode, path, chunk_seconds = args.child
        child(mode, path, float(chunk_seconds))
        return

    mib = 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.flac"
        started = time.perf_counter()
        seconds = build(path, args.hours)
        print(f"built {seconds / 3600:.2f} h at 22.05 kHz: {path.stat().st_size / mib:.0f} MiB "
              f"FLAC in {time.perf_counter() - started:.0f} s")  # fmt: skip
        f32_native = seconds * 22_050 * 4
        print(f"decoded whole: {f32_native / mib:.0f} MiB as float32 at 22.05 kHz, "
              f"{2 * f32_native / mib:.0f} MiB as float64; "
              f"{seconds * 16_000 * 4 / mib:.0f} MiB as float32 at 16 kHz")  # fmt: skip
        base = measure("baseline", path, args.chunk_seconds)
        split = measure("split", path, args.chunk_seconds)
        whole = measure("whole", path, args.chunk_seconds)
    floor = base["peak_rss"]
    split_extra = split["peak_rss"] - floor
    whole_extra = whole["peak_rss"] - floor
    largest = split["largest_chunk_bytes"] / mib
    print(f"baseline process: peak RSS {floor / mib:.0f} MiB")
    print(
        f"split_audio: {split['chunks']:.0f} chunks (largest {largest:.1f} MiB) in "
        f"{split['seconds']:.0f} s; peak RSS +{split_extra / mib:.0f} MiB over baseline, "
        f"tracemalloc peak {split['tracemalloc_peak'] / mib:.0f} MiB"
    )
    print(
        f"whole decode (soundfile.read, float32): peak RSS +{whole_extra / mib:.0f} MiB over "
        f"baseline, in {whole['seconds']:.0f} s"
    )
    print(
        f"split / whole-decode extra RSS: {split_extra / max(whole_extra, 1):.3f}; "
        "split tracemalloc peak / float64 whole: "
        f"{split['tracemalloc_peak'] / (2 * f32_native):.3f}"
    )


if __name__ == "__main__":
    main()
