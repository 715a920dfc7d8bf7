"""Execute the example notebooks offline and write them back with their outputs.

    python notebooks/regenerate.py                # every notebook
    python notebooks/regenerate.py widgets        # some (names without .ipynb)

Each notebook runs top to bottom in a fresh kernel of this Python, as a reader's first run
would: no ``OPENAI_*`` or ``AUDIOKIT_*`` variables (the offline engine answers, whatever the
shell has set), a fresh transcript cache, the notebook's folder as the working directory. The
widgets' state is stored in the notebook (as JupyterLab's "Save Widget State" does), so
JupyterLab, Notebook 7 and nbviewer draw the widgets; their text/plain is what GitHub shows.

A notebook is written only if it ran cleanly: no error (nbclient stops at the first), and no
output on stderr except in a cell tagged ``expected-stderr`` (the library prints nothing; its
notices go through logging and displays). Otherwise the problem is printed, the file is left as
it was, and the exit status is 1. The test suite runs the notebooks again with nbval, in the same
kind of environment (:func:`clean_environment`), and checks what the committed copies show.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent
NAMES = ("quickstart", "confidence", "widgets", "long_audio_and_batches")
SETTING_PREFIXES = ("OPENAI_", "AUDIOKIT_")  # keys, base URLs, default models and voices
CELL_TIMEOUT_S = 600  # the first cell that speaks or transcribes loads the models
STDERR_TAG = "expected-stderr"  # a cell that shows an error message on purpose


def clean_environ(environ: Mapping[str, str], cache_dir: str) -> dict[str, str]:
    """``environ`` without audiokit's and OpenAI's settings, with a transcript cache of its own."""
    env = {k: v for k, v in environ.items() if not k.startswith(SETTING_PREFIXES)}
    env["AUDIOKIT_CACHE_DIR"] = cache_dir
    return env


@contextmanager
def clean_environment() -> Iterator[dict[str, str]]:
    """``os.environ`` as :func:`clean_environ` makes it, restored on exit (a kernel started
    inside inherits it)."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="audiokit-notebook-cache-") as cache_dir:
        env = clean_environ(saved, cache_dir)
        os.environ.clear()
        os.environ.update(env)
        try:
            yield env
        finally:
            os.environ.clear()
            os.environ.update(saved)


def unexpected_stderr(nb: Any) -> list[str]:
    """The stderr text of every code cell not tagged :data:`STDERR_TAG`."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or STDERR_TAG in cell.metadata.get("tags", []):
            continue
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index}: {output.text.strip()[:500]}")
    return found


def execute(path: Path) -> Any:
    """Run the notebook at ``path`` in a fresh kernel of this Python; returns the executed copy."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # the state of this run replaces the last one's
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timings of an earlier run (record_timing)
    # This interpreter's ipykernel (as nbval's --nbval-current-env), not whichever "python3"
    # kernel spec the machine has installed.
    km = KernelManager(
        kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager()
    )
    with clean_environment() as env:
        NotebookClient(
            nb,
            km=km,
            timeout=CELL_TIMEOUT_S,
            store_widget_state=True,
            record_timing=False,  # no timestamps in the committed cells
            resources={"metadata": {"path": str(path.parent)}},
        ).execute(env=env)
    return nb


def regenerate(name: str) -> bool:
    """Execute ``notebooks/<name>.ipynb`` and write it back if it ran cleanly."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    path = NOTEBOOKS / f"{name}.ipynb"
    print(f"{name}: running", flush=True)
    try:
        nb = execute(path)
    except CellExecutionError as exc:
        print(f"{name}: not written, a cell failed:\n{exc}", file=sys.stderr)
        return False
    problems = unexpected_stderr(nb)
    if problems:
        print(f"{name}: not written, output on stderr:", *problems, sep="\n  ", file=sys.stderr)
        return False
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"{name}: written ({path.stat().st_size / 1024:.0f} KB)", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"notebooks to run (default: {', '.join(NAMES)})"
    )
    names = parser.parse_args(argv).names or list(NAMES)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"no notebook {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    results = [regenerate(name) for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
