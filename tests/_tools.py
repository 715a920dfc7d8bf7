"""Tools a test needs beyond the package's own dependencies: skip locally, fail in CI.

Some tests drive things a developer's machine may lack: the offline engine's extras
(faster-whisper, Piper, PyAV), the test extras (jsonschema, the openai SDK, Playwright,
JupyterLab), Node's npm for Prism, Debian's Chromium. Every such test asks for them through
:func:`require`, the one place that decides: locally a missing tool skips the test and says
what to install; with ``CI=true`` it fails, so a CI run never goes green without running
every test. Nothing else in the suite calls ``pytest.skip`` or ``pytest.importorskip``.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn, overload

import pytest

__all__ = ["in_ci", "missing", "require"]


def in_ci() -> bool:
    """True when the environment variable ``CI`` is ``"true"`` (as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(why: str) -> NoReturn:
    """Stop the current test (or module, or fixture): skipped locally, failed in CI."""
    if in_ci():
        pytest.fail(f"cannot run in CI: {why}", pytrace=False)
    pytest.skip(why, allow_module_level=True)


@overload
def require(condition_or_import: str, why: str) -> ModuleType: ...
@overload
def require(condition_or_import: object, why: str) -> None: ...


def require(condition_or_import: object, why: str) -> ModuleType | None:
    """Go on only if a tool is there.

    Parameters
    ----------
    condition_or_import : str or object
        A module name to import (the module is returned), or a condition that must be true
        (pass a bool: a string is always taken for a module name).
    why : str
        What is missing and how to get it, e.g. ``"Prism needs npm (apt-get install npm)"``.

    Examples
    --------
    >>> jiwer = require("jiwer", "jiwer is in the test extra (pip install -e '.[test]')")
    >>> require(shutil.which("npm") is not None, "Prism is installed with npm")  # doctest: +SKIP
    """
    if isinstance(condition_or_import, str):
        try:
            return importlib.import_module(condition_or_import)
        except ImportError as exc:
            missing(f"{why} ({type(exc).__name__}: {exc})")
    if not condition_or_import:
        missing(why)
    return None
