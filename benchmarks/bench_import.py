"""Cold ``import audiokit`` time vs ``import httpx, httpx_sse`` and ``import openai``.

Run on demand:  python benchmarks/bench_import.py [--runs 15]

Each import runs in a fresh interpreter (``python -c``), timed inside it from just before the
import to just after, so interpreter start-up is left out. The figure is CPU time
(``time.process_time``: waiting for a core on a shared machine does not count), the median of
``--runs`` rounds, each round running every case once, in turn. ``httpx, httpx_sse`` is what a
client of the bare libraries imports; ``openai`` is what a notebook would import otherwise.
``import audiokit`` loads no layer (its names are re-exported lazily), so a second case times the
first use of the client, ``audiokit.Client``, which imports the client's layers and httpx. The
script also lists the heavy modules ``import audiokit`` must not load (pandas, matplotlib,
IPython widgets, the engines). Target: ``import audiokit`` <= 1.2x ``import httpx, httpx_sse``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

HEAVY = ("pandas", "matplotlib", "ipywidgets", "anywidget", "faster_whisper", "piper",
         "ctranslate2", "onnxruntime", "av", "IPython", "scipy", "soundfile")  # fmt: skip

PROBE = """
import json, sys, time
start = time.process_time()
{statement}
elapsed = time.process_time() - start
print(json.dumps({{"seconds": elapsed, "modules": sorted(sys.modules)}}))
"""
BASELINE = "import httpx, httpx_sse"
CASES = {  # label -> statement
    BASELINE: BASELINE,
    "import audiokit": "import audiokit",
    "audiokit.Client (first use)": "import audiokit; audiokit.Client",
    "import openai": "import openai",
}
TARGET = 1.2


def cold_import(statement: str) -> tuple[float, list[str]]:
    """CPU seconds of ``statement`` in a fresh interpreter, and the modules loaded after it."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["seconds"], data["modules"]


def measure(runs: int, cases: tuple[str, ...] = tuple(CASES)) -> dict[str, dict]:
    """Median CPU seconds per case over ``runs`` interleaved rounds, and its loaded modules."""
    times: dict[str, list[float]] = {label: [] for label in cases}
    loaded: dict[str, list[str]] = {}
    for _ in range(runs):  # interleaved, so slow phases of the machine hit every case
        for label in cases:
            seconds, modules = cold_import(CASES[label])
            times[label].append(seconds)
            loaded[label] = modules
    return {
        label: {"seconds": statistics.median(t), "modules": loaded[label]}
        for label, t in times.items()
    }


def rows(quick: bool = False) -> list[tuple[str, float, float | None, bool | None]]:
    """``(what, ratio, target, passed)``: CPU time of the import / ``import httpx, httpx_sse``."""
    found = measure(
        7 if quick else 21, (BASELINE, "import audiokit", "audiokit.Client (first use)")
    )
    base = found[BASELINE]["seconds"]
    ratio = found["import audiokit"]["seconds"] / base
    first_use = found["audiokit.Client (first use)"]["seconds"] / base
    return [
        ("`import audiokit`, CPU, vs `import httpx, httpx_sse`", ratio, TARGET, ratio <= TARGET),
        ("`audiokit.Client` first use, CPU, vs the same (not a target)", first_use, None, None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    found = measure(args.runs)
    base = found[BASELINE]["seconds"]
    for label, row in found.items():
        print(f"{label:<30} {row['seconds'] * 1e3:8.1f} ms CPU  ratio to httpx, httpx_sse "
              f"{row['seconds'] / base:5.2f}  (median of {args.runs})")  # fmt: skip
    heavy = sorted(m for m in found["import audiokit"]["modules"] if m.split(".")[0] in HEAVY)
    print("heavy modules loaded by import audiokit:", ", ".join(heavy) or "none")


if __name__ == "__main__":
    main()
