"""The ``audiokit`` command: transcribe, translate, speak, demo, serve.

``_main`` builds the parser and runs a subcommand; ``_transcribe`` is the many-files
transcription and translation; ``_progress`` the progress line on stderr.
"""

from ._main import build_parser, main
from ._progress import Progress
from ._transcribe import FORMATS, add_transcription_options, run_transcription

__all__ = [
    "FORMATS",
    "Progress",
    "add_transcription_options",
    "build_parser",
    "main",
    "run_transcription",
]
