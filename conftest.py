"""pytest hooks for every path of the repository (``tests/conftest.py`` holds the fixtures).

The example notebooks (``notebooks/*.ipynb``) are collected by nbval (``--nbval-lax`` in
pyproject). nbval starts a notebook's kernel while setting up its first cell; the kernel then
inherits the environment ``notebooks/regenerate.py`` runs them in — no ``OPENAI_*`` or
``AUDIOKIT_*`` variables, a fresh transcript cache — whatever the developer's shell has set, so
a run checks the outputs the committed copies were made with. And a cell may not write to
stderr (unless tagged ``expected-stderr``), as ``regenerate.py`` refuses to write one that does:
nbval's lax mode compares no output of an untagged cell. Hooks here, not in
``tests/conftest.py``: a conftest's run hooks apply only to the items under its folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

REGENERATE = Path(__file__).resolve().parent / "notebooks" / "regenerate.py"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    if type(item).__name__ != "IPyNbCell":  # nbval's item: one notebook cell
        return (yield)
    with _regenerate().clean_environment():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    result = yield
    if type(item).__name__ == "IPyNbCell":
        tags = item.cell.metadata.get("tags", [])  # type: ignore[attr-defined]
        outputs = getattr(item, "test_outputs", None) or []
        stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
        if stderr and _regenerate().STDERR_TAG not in tags:
            pytest.fail(f"the cell wrote to stderr:\n{stderr}", pytrace=False)
    return result


def _regenerate() -> Any:
    spec = importlib.util.spec_from_file_location("notebooks_regenerate", REGENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
