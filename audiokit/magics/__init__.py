"""IPython magics: ``%transcribe``, ``%translate``, ``%%speak``, ``%audiokit`` (``%load_ext audiokit``).

Imported only by ``%load_ext audiokit``: IPython's magic machinery is not light.
"""

from ._magics import MODEL_SETTINGS, AudiokitMagics, load_ipython_extension

__all__ = ["MODEL_SETTINGS", "AudiokitMagics", "load_ipython_extension"]
