"""The languages the reference lists as supported, and turning names into ISO-639-1 codes.

``normalize_language("German") == "de"``; codes pass through; anything else raises a
:class:`~audiokit.ValidationError` naming the closest supported languages.
"""

from __future__ import annotations

import difflib

from ..core import ValidationError

__all__ = ["SUPPORTED_LANGUAGES", "language_code", "normalize_language"]

# The "Supported languages" list of the speech-to-text guide, with ISO-639-1 codes.
SUPPORTED_LANGUAGES: dict[str, str] = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "hy": "Armenian",
    "az": "Azerbaijani",
    "be": "Belarusian",
    "bs": "Bosnian",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "zh": "Chinese",
    "hr": "Croatian",
    "cs": "Czech",
    "da": "Danish",
    "nl": "Dutch",
    "en": "English",
    "et": "Estonian",
    "fi": "Finnish",
    "fr": "French",
    "gl": "Galician",
    "de": "German",
    "el": "Greek",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "is": "Icelandic",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kn": "Kannada",
    "kk": "Kazakh",
    "ko": "Korean",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "mk": "Macedonian",
    "ms": "Malay",
    "mr": "Marathi",
    "mi": "Maori",
    "ne": "Nepali",
    "no": "Norwegian",
    "fa": "Persian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sr": "Serbian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "es": "Spanish",
    "sw": "Swahili",
    "sv": "Swedish",
    "tl": "Tagalog",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "cy": "Welsh",
}

_BY_NAME = {name.lower(): code for code, name in SUPPORTED_LANGUAGES.items()}
# Common alternative names users type.
_BY_NAME.update({"mandarin": "zh", "farsi": "fa", "filipino": "tl", "bokmal": "no"})


def normalize_language(language: str) -> str:
    """Return the ISO-639-1 code for a supported language name or code.

    Parameters
    ----------
    language : str
        A code (``"de"``, ``"DE"``, ``"de-DE"``) or an English name (``"German"``).

    Raises
    ------
    ValidationError
        For a language the API does not list, with the closest suggestions.

    Examples
    --------
    >>> normalize_language("German")
    'de'
    >>> normalize_language("en-US")
    'en'
    """
    if not isinstance(language, str) or not language.strip():
        raise ValidationError("language", language, "an ISO-639-1 code such as 'en' or a name")
    key = language.strip().lower().replace("_", "-")
    if key in SUPPORTED_LANGUAGES:
        return key
    if key in _BY_NAME:
        return _BY_NAME[key]
    primary = key.split("-", 1)[0]
    if "-" in key and primary in SUPPORTED_LANGUAGES:
        return primary
    choices = list(SUPPORTED_LANGUAGES) + list(_BY_NAME)
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.6)
    hint = ", ".join(
        f"{SUPPORTED_LANGUAGES.get(c) or c.title()} ({_BY_NAME.get(c, c)})" for c in close
    )
    raise ValidationError(
        "language",
        language,
        "one of the supported ISO-639-1 codes or names (see audiokit.SUPPORTED_LANGUAGES)",
        reason=f"unsupported language{'; did you mean ' + hint + '?' if hint else ''}",
    )


def language_code(name: str) -> str | None:
    """The ISO-639-1 code of a language written as its English name (``"German"`` → ``"de"``)."""
    return _BY_NAME.get(name.strip().lower())
