"""The ``audiokit`` command: serve, demo, transcribe, speak."""

from ._main import main

__all__ = ["main"]
