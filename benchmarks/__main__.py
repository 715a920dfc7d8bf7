"""Every figure of the performance table, in one run: ``python -m benchmarks``.

    python -m benchmarks [--quick] [--only import,sse]

Each bench module contributes rows ``(what, ratio, target, passed)`` through its function
``rows(quick)``.
Every ratio is measured against its own baseline in the same run, the two interleaved round by
round (medians), so a busy machine slows both; the load average before and after is printed.
``--quick`` runs fewer rounds (rougher figures, a few minutes less); ``--only`` picks benches by
name. The process exits 1 when a row misses its target.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the bench modules import each other by name

BENCHES = {  # name -> bench module; run in this order
    "import": "bench_import",
    "overhead": "bench_overhead",
    "sse": "bench_sse",
    "tokens": "bench_tokens_frame",
    "local": "bench_local",
    "server": "bench_server",
}


def rows_of(name: str, quick: bool) -> list[tuple]:
    module = importlib.import_module(BENCHES[name])
    return [tuple(row) for row in module.rows(quick)]


def table(rows: list[tuple]) -> str:
    width = max([len("what"), *(len(r[0]) for r in rows)])
    lines = [
        f"| {'what':<{width}} | ratio | target | result |",
        f"|{'-' * (width + 2)}|---|---|---|",
    ]
    for what, ratio, target, passed in rows:
        # a number is a ceiling (≤); a row whose goal is a floor gives it as text ("≥ 1.30")
        goal = "—" if target is None else target if isinstance(target, str) else f"≤ {target:.2f}"
        verdict = "info" if passed is None else "pass" if passed else "FAIL"
        shown = "—" if ratio is None else f"{ratio:.2f}"
        lines.append(f"| {what:<{width}} | {shown:>5} | {goal:>6} | {verdict:<6} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: rougher, faster")
    parser.add_argument("--only", default="", help=f"comma-separated, of: {', '.join(BENCHES)}")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; known: {', '.join(BENCHES)}")

    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[tuple] = []
    for name in names:
        print(f"== {name} ({BENCHES[name]})", flush=True)
        try:
            rows += rows_of(name, args.quick)
        except Exception as exc:  # one bench that cannot run (no engine) must not hide the rest
            traceback.print_exc()
            rows.append((f"{name}: not measured ({type(exc).__name__}: {exc})"[:90], None, None,
                         False))  # fmt: skip
    load_after = os.getloadavg()
    print()
    print(table(rows))
    print(
        f"\n{os.cpu_count()} cores; load average (1/5/15 min) before {load_before[0]:.1f}/"
        f"{load_before[1]:.1f}/{load_before[2]:.1f}, after {load_after[0]:.1f}/"
        f"{load_after[1]:.1f}/{load_after[2]:.1f}; {time.perf_counter() - started:.0f} s"
        f"{' (--quick)' if args.quick else ''}"
    )
    return 0 if all(r[3] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
