"""Cold ``import audiokit`` time vs ``import httpx`` and ``import openai``.

Run on demand:  python benchmarks/bench_import.py [--runs 9]

Each import runs in a fresh interpreter (``python -c``), timed inside it from just before the
import to just after, so interpreter start-up is left out; the figure is the best of ``--runs``
(the least disturbed run on a shared machine). ``httpx`` is the floor (audiokit imports it);
``openai`` is what a notebook would import otherwise. The script also lists the heavy modules an
``import audiokit`` must not load (pandas, matplotlib, IPython widgets, the engines).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

HEAVY = ("pandas", "matplotlib", "ipywidgets", "anywidget", "faster_whisper", "piper",
         "ctranslate2", "onnxruntime", "av", "IPython", "scipy", "soundfile")  # fmt: skip

PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "modules": sorted(sys.modules)}}))
"""


def cold_import(module: str) -> tuple[float, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["seconds"], data["modules"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    best: dict[str, float] = {}
    loaded: dict[str, list[str]] = {}
    for _ in range(args.runs):  # interleaved, so slow phases of the machine hit all three
        for module in ("httpx", "audiokit", "openai"):
            seconds, modules = cold_import(module)
            best[module] = min(best.get(module, float("inf")), seconds)
            loaded[module] = modules
    for module, seconds in best.items():
        print(f"import {module:<9} {seconds * 1e3:8.1f} ms  (best of {args.runs})")
    print(f"audiokit / httpx  = {best['audiokit'] / best['httpx']:.2f}")
    print(f"audiokit / openai = {best['audiokit'] / best['openai']:.2f}")
    heavy = sorted(m for m in loaded["audiokit"] if m.split(".")[0] in HEAVY)
    print("heavy modules loaded by import audiokit:", ", ".join(heavy) or "none")


if __name__ == "__main__":
    main()
