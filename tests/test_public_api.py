"""The public API is pinned: ``audiokit.__all__`` changes only on purpose, with this list.

Also: every exception a user can meet derives from :class:`audiokit.AudiokitError`, and the
event classes are grouped under ``audiokit.events``.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import audiokit
import audiokit.events

PUBLIC_API = [
    "MAX_UPLOAD_BYTES",
    "SERVER_VAD",
    "SPEECH_FORMATS",
    "SPEECH_MODELS",
    "SUPPORTED_LANGUAGES",
    "TRANSCRIPTION_FORMATS",
    "TRANSCRIPTION_MODELS",
    "VOICES",
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncLiveSession",
    "AsyncSpeechPieces",
    "AsyncSpeechStream",
    "AsyncTranscriptStream",
    "AudioDecodeError",
    "AudioError",
    "AudioFeed",
    "AudioFile",
    "AudiokitError",
    "AuthenticationError",
    "BadRequestError",
    "BatchInterrupted",
    "BatchItem",
    "BatchResult",
    "Client",
    "Comparison",
    "ConflictError",
    "Correction",
    "DeletedVoiceConsent",
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioTranscriptionCompleted",
    "InputAudioTranscriptionDelta",
    "InputAudioTranscriptionFailed",
    "InputAudioTranscriptionSegment",
    "InternalServerError",
    "InvalidTypeError",
    "LiveSession",
    "LiveSessionError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "RateLimitError",
    "RealtimeError",
    "RealtimeErrorDetail",
    "RequestTooLargeError",
    "Segment",
    "SessionCreated",
    "SessionUpdated",
    "Speech",
    "SpeechAudioDelta",
    "SpeechAudioDone",
    "SpeechPieces",
    "SpeechStream",
    "StreamError",
    "TokenLogprob",
    "Transcript",
    "TranscriptCache",
    "TranscriptStream",
    "TranscriptTextDelta",
    "TranscriptTextDone",
    "TranscriptTextSegment",
    "TranscriptionSessionCreated",
    "TranscriptionSessionUpdated",
    "UnprocessableEntityError",
    "UnsupportedError",
    "UnsupportedMediaTypeError",
    "Usage",
    "Utterance",
    "ValidationError",
    "Voice",
    "VoiceConsent",
    "Word",
    "__version__",
    "acorrect",
    "alive",
    "atranscribe_many",
    "capabilities",
    "compare",
    "configure",
    "correct",
    "count_prompt_tokens",
    "default_client",
    "defaults",
    "live",
    "load_transcript",
    "normalize_language",
    "previous_text_prompt",
    "speak",
    "transcribe",
    "transcribe_many",
    "translate",
    "vocabulary_prompt",
]


def test_all_is_pinned() -> None:
    assert audiokit.__all__ == PUBLIC_API


def test_every_public_name_exists() -> None:
    missing = [name for name in PUBLIC_API if not hasattr(audiokit, name)]
    assert not missing


def test_version_is_the_packages() -> None:
    from importlib.metadata import version

    assert audiokit.__version__ == version("audiokit")
    assert f"audiokit/{audiokit.__version__}" == audiokit.core.USER_AGENT


def test_every_exception_class_derives_from_audiokit_error() -> None:
    """Found by reading every module, so a new exception class cannot slip past."""
    package = Path(audiokit.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {ast.unparse(b) for b in node.bases}
            if bases & {"Exception", "ValueError", "TypeError", "RuntimeError", "LookupError"}:
                offenders.append(f"{path.relative_to(package)}: {node.name}({', '.join(bases)})")
    assert not [o for o in offenders if not o.split(": ")[1].startswith(_TREE_ROOTS)], offenders


# the classes of core/_errors.py that may name a builtin base next to AudiokitError
_TREE_ROOTS = (
    "AudiokitError(",
    "ValidationError(",
    "InvalidTypeError(",
    "ParseError(",
    "AudioDecodeError(",
)


def test_errors_users_meet_are_audiokit_errors() -> None:
    for name in ("AudioDecodeError", "BatchInterrupted"):
        assert issubclass(getattr(audiokit.core, name), audiokit.AudiokitError)
    undecodable = audiokit.Speech(b"definitely not audio", format="mp3")
    try:
        undecodable.to_numpy()
    except audiokit.AudiokitError as exc:
        assert isinstance(exc, ValueError)
    else:
        raise AssertionError("undecodable bytes decoded")


def test_events_are_grouped_and_the_same_classes() -> None:
    for name in audiokit.events.__all__:
        if inspect.isclass(getattr(audiokit.events, name)) and name in PUBLIC_API:
            assert getattr(audiokit.events, name) is getattr(audiokit, name)
    assert {"TranscriptTextDelta", "SpeechAudioDelta", "InputAudioTranscriptionCompleted"} <= set(
        audiokit.events.__all__
    )


def test_import_is_light() -> None:
    code = (
        "import sys, audiokit, audiokit.events; "
        "heavy = ['pandas', 'matplotlib', 'ipywidgets', 'anywidget', 'IPython', "
        "'faster_whisper', 'piper', 'starlette', 'uvicorn']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_layer_imported_first_does_not_shadow_the_public_name_it_shares() -> None:
    # ``audiokit.live`` is the function; the layer of that name, once imported (as the live
    # session's own modules do), must not replace it on the package.
    code = (
        "import audiokit.live, audiokit\n"
        "from audiokit.live import LiveSession\n"
        "import types\n"
        "assert callable(audiokit.live) and not isinstance(audiokit.live, types.ModuleType)\n"
        "names = [getattr(audiokit, n) for n in audiokit.__all__]\n"
        "assert not [v for v in names if isinstance(v, types.ModuleType)]\n"
        "print(audiokit.live.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("audiokit.live")


def test_the_type_checking_imports_and_the_lazy_table_name_the_same_things() -> None:
    """``__init__`` lists each name twice: for type checkers, and in ``_EXPORTS`` for run time.

    The two lists must agree name for name and layer for layer, and cover ``__all__`` exactly
    (apart from ``__version__``, which is eager); otherwise an IDE offers a name that fails at run
    time, or the other way round.
    """
    tree = ast.parse(Path(audiokit.__file__).read_text(encoding="utf-8"))
    guard = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    for_type_checkers = {
        alias.name: node.module
        for node in guard.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    at_run_time = {name: layer for layer, names in audiokit._EXPORTS.items() for name in names}
    assert for_type_checkers == at_run_time
    assert set(at_run_time) | {"__version__"} == set(audiokit.__all__)
