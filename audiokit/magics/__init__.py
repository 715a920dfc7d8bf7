"""IPython magics: ``%transcribe``, ``%translate``, ``%%speak``, ``%audiokit``.

``%load_ext audiokit`` registers them. ``_magics`` holds the magics class; ``_sources`` resolves
what a magic's SOURCE (a path, a glob, a notebook variable) and ``{name}`` placeholders refer to.

Imported only by ``%load_ext audiokit``: IPython's magic machinery is not light.
"""

from ._magics import MODEL_SETTINGS, AudiokitMagics, load_ipython_extension
from ._sources import (
    check_player,
    is_single,
    resolve_source,
    resolve_sources,
    resolve_speakers,
    substitute,
)

__all__ = [
    "MODEL_SETTINGS",
    "AudiokitMagics",
    "check_player",
    "is_single",
    "load_ipython_extension",
    "resolve_source",
    "resolve_sources",
    "resolve_speakers",
    "substitute",
]
