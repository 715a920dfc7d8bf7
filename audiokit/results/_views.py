"""Views of results that the layers above provide.

:class:`~audiokit.Transcript` and :class:`~audiokit.Speech` sit below the layers that analyse
and show them, yet users call ``t.tokens``, ``t.highlight()`` or ``t.plot_confidence()`` and see
a player when a Speech is the value of a cell. Dependencies point one way, so the result classes
never import those layers; each layer registers its implementation here with :func:`provides`
when it is imported, and ``audiokit/__init__`` imports them all. Who provides what:

============================  ==========================================
view                          provided by
============================  ==========================================
segments, words, tokens       ``audiokit.analysis`` (DataFrame tables)
low_confidence, compare       ``audiokit.analysis``
transcript_html, _markdown    ``audiokit.notebook`` (display)
speech_html, speech_player    ``audiokit.notebook`` (display)
highlight                     ``audiokit.notebook`` (confidence HTML)
plot_confidence, _histogram   ``audiokit.notebook`` (matplotlib)
table                         ``audiokit.notebook`` (``BatchResult.table()``)
player                        ``audiokit.widgets``
============================  ==========================================

The names are strings, not imports: the result classes never import the layers above them, and
those layers (pandas, matplotlib, anywidget behind them) load only when a view is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["VIEWS", "provides", "view"]

F = TypeVar("F", bound=Callable[..., Any])

VIEWS = (
    "segments",
    "words",
    "tokens",
    "low_confidence",
    "compare",
    "transcript_html",
    "transcript_markdown",
    "speech_html",
    "speech_player",
    "highlight",
    "plot_confidence",
    "plot_confidence_histogram",
    "table",
    "player",
)
_PROVIDED_BY = {
    **dict.fromkeys(
        ("segments", "words", "tokens", "low_confidence", "compare"), "audiokit.analysis"
    ),
    **dict.fromkeys(VIEWS[5:13], "audiokit.notebook"),
    "player": "audiokit.widgets",
}

_registry: dict[str, Callable[..., Any]] = {}


def provides(name: str) -> Callable[[F], F]:
    """Register the decorated function as the implementation of view ``name``."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; known views: {', '.join(VIEWS)}")

    def register(func: F) -> F:
        _registry[name] = func
        return func

    return register


def view(name: str) -> Callable[..., Any]:
    """The registered implementation of ``name`` (its layer is imported on first use)."""
    if name not in _registry and name in _PROVIDED_BY:
        import importlib

        importlib.import_module(_PROVIDED_BY[name])
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(
            f"the {name!r} view is not provided by {_PROVIDED_BY.get(name, 'any layer')}"
        ) from None
