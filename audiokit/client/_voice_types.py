"""The custom-voice endpoints' records, argument checks and request builders.

The ``*_request`` functions check every argument and build an :class:`~audiokit.wire.APIRequest`
(nothing is sent for a bad argument): names and ids, BCP 47 language tags
(:func:`check_language_tag`), and the uploads (at most 10 MiB, an accepted type, readable and
not silent). The records (:class:`VoiceConsent`, :class:`Voice`, :class:`DeletedVoiceConsent`,
:class:`VoiceConsentPage`) are parsed from response bodies, checked field by field, with the
body kept as ``raw``. The resources that send these requests are in :mod:`._voices`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from ..audio import AudioFile, AudioInput, check_audio, to_audio_file
from ..core import APIResponseError, AudioError, InvalidTypeError, ValidationError
from ..wire import APIRequest, language_code

__all__ = [
    "MAX_VOICE_AUDIO_BYTES",
    "DeletedVoiceConsent",
    "Voice",
    "VoiceConsent",
    "VoiceConsentPage",
    "check_language_tag",
]

MAX_VOICE_AUDIO_BYTES = 10 * 1024 * 1024  # 10 MiB: the limit for a consent recording or sample
VOICE_AUDIO_TYPES = (
    "audio/mpeg",
    "audio/wav",
    "audio/x-wav",
    "audio/ogg",
    "audio/aac",
    "audio/flac",
    "audio/webm",
    "audio/mp4",
)
LIST_LIMIT_RANGE = (1, 100)  # objects per page; the API's default is 20
LIST_ORDERS = ("asc", "desc")

CONSENTS_PATH = "/audio/voice_consents"
VOICES_PATH = "/audio/voices"

# RFC 5646 language tag shape: language[-extlang][-script][-region][-variant]*[-extension]*
# [-x-private]. Only the shape is checked; the subtags are not looked up in the IANA registry.
_BCP47 = re.compile(
    r"""^
    [a-z]{2,3}(?:-[a-z]{3}){0,3}            # language (+ up to three extlang subtags)
    (?:-[a-z]{4})?                          # script       (Latn)
    (?:-(?:[a-z]{2}|\d{3}))?                # region       (US, 419)
    (?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*     # variants     (1996, fonipa)
    (?:-[\da-wyz](?:-[a-z\d]{2,8})+)*       # extensions   (u-ca-gregory)
    (?:-x(?:-[a-z\d]{1,8})+)?               # private use  (x-mine)
    $""",
    re.IGNORECASE | re.VERBOSE,
)


# -- results ------------------------------------------------------------------------------------


def _timestamp(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)


@dataclass(frozen=True)
class VoiceConsent:
    """A consent recording that authorises creating a custom voice (``audio.voice_consent``).

    Attributes
    ----------
    id : str
        ``cons_…``; pass it as ``consent=`` to ``client.voices.create``.
    name, language : str
        The label and the BCP 47 tag of the consent phrase.
    created_at : int
        Unix time (seconds); :attr:`created` is the same as a UTC datetime.
    raw : dict
        The response object exactly as received.
    """

    id: str
    name: str
    language: str
    created_at: int
    object: str = "audio.voice_consent"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def created(self) -> datetime | None:
        return _timestamp(self.created_at)

    @classmethod
    def from_response(cls, body: Any) -> VoiceConsent:
        data = _object(body, "audio.voice_consent", ("id", "name", "language", "created_at"))
        return cls(
            id=data["id"],
            name=data["name"],
            language=data["language"],
            created_at=data["created_at"],
            object=data["object"],
            raw=data,
        )


@dataclass(frozen=True)
class Voice:
    """A custom voice (``audio.voice``): speak with it by id, ``speak(text, voice=voice.id)``.

    Attributes
    ----------
    id : str
        ``voice_…``.
    name : str
        The name given at creation.
    created_at : int
        Unix time (seconds); :attr:`created` is the same as a UTC datetime.
    raw : dict
        The response object exactly as received.
    """

    id: str
    name: str
    created_at: int
    object: str = "audio.voice"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def created(self) -> datetime | None:
        return _timestamp(self.created_at)

    @classmethod
    def from_response(cls, body: Any) -> Voice:
        data = _object(body, "audio.voice", ("id", "name", "created_at"))
        return cls(
            id=data["id"],
            name=data["name"],
            created_at=data["created_at"],
            object=data["object"],
            raw=data,
        )


@dataclass(frozen=True)
class DeletedVoiceConsent:
    """The answer to deleting a consent recording: its ``id`` and whether it was ``deleted``."""

    id: str
    deleted: bool
    object: str = "audio.voice_consent"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.deleted

    @classmethod
    def from_response(cls, body: Any) -> DeletedVoiceConsent:
        data = _object(body, "audio.voice_consent", ("id", "deleted"))
        if not isinstance(data["deleted"], bool):
            raise APIResponseError(f"'deleted' is not a boolean: {data['deleted']!r}")
        return cls(id=data["id"], deleted=data["deleted"], object=data["object"], raw=data)


@dataclass(frozen=True)
class VoiceConsentPage:
    """One page of ``GET /audio/voice_consents``: ``data`` plus the cursor fields."""

    data: tuple[VoiceConsent, ...]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_response(cls, body: Any) -> VoiceConsentPage:
        data = _object(body, "list", ("data", "has_more"))
        if not isinstance(data["data"], list):
            raise APIResponseError(f"'data' is not a list: {str(data['data'])[:200]!r}")
        if not isinstance(data["has_more"], bool):
            raise APIResponseError(f"'has_more' is not a boolean: {data['has_more']!r}")
        return cls(
            data=tuple(VoiceConsent.from_response(item) for item in data["data"]),
            has_more=data["has_more"],
            first_id=_str_or_none(data.get("first_id")),
            last_id=_str_or_none(data.get("last_id")),
            raw=data,
        )

    @property
    def next_after(self) -> str | None:
        """The cursor for the next page: ``last_id``, else the last item's id."""
        if self.last_id:
            return self.last_id
        return self.data[-1].id if self.data else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


_FIELD_TYPES = {"created_at": int, "deleted": bool, "data": list, "has_more": bool}


def _object(body: Any, kind: str, required: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object of a response, checked to be ``kind`` with the ``required`` fields."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise APIResponseError(
                f"expected a JSON {kind} object, got {bytes(body[:200])!r}"
            ) from exc
    if not isinstance(body, dict):
        raise APIResponseError(f"expected a JSON {kind} object, got {str(body)[:200]!r}")
    body = dict(body)
    missing = [name for name in required if name not in body]
    if missing:
        raise APIResponseError(
            f"the {kind} object lacks {', '.join(missing)}: {json.dumps(body)[:200]}"
        )
    for name in required:
        expected = _FIELD_TYPES.get(name, str)
        value = body[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise APIResponseError(f"the {kind} object's {name!r} is not {expected.__name__}")
    body.setdefault("object", kind)
    return body


# -- requests -----------------------------------------------------------------------------------


def _check_name(param: str, name: Any) -> str:
    if not isinstance(name, str):
        raise InvalidTypeError(param, name, "a string")
    if not name.strip():
        raise ValidationError(param, name, "a non-empty name")
    return name


def _check_id(param: str, value: Any, example: str) -> str:
    if not isinstance(value, str):
        raise InvalidTypeError(param, value, f"an id string such as {example!r}")
    if not value.strip() or value != value.strip():
        raise ValidationError(param, value, f"an id such as {example!r} (no surrounding spaces)")
    return value


def check_language_tag(language: Any, param: str = "language") -> str:
    """A BCP 47 language tag in its conventional case (``en-us`` → ``en-US``).

    An English language name the transcription guide lists is accepted too (``"German"`` →
    ``"de"``). Only the tag's shape is checked, not the IANA registry.

    Raises
    ------
    ValidationError
        For anything else, e.g. ``"en_US"`` (underscore) or ``"english-us"``.
    """
    if not isinstance(language, str):
        raise InvalidTypeError(param, language, "a BCP 47 language tag such as 'en-US'")
    tag = language.strip()
    if not _BCP47.match(tag):
        code = language_code(tag)
        if code is not None:
            return code
        hint = f" (use a hyphen: {tag.replace('_', '-')!r})" if "_" in tag else ""
        raise ValidationError(
            param,
            language,
            "a BCP 47 language tag such as 'en-US', 'de', 'pt-BR' or 'zh-Hans-CN'",
            reason=f"not a language tag{hint}",
        )
    return _canonical_case(tag)


def _canonical_case(tag: str) -> str:
    """RFC 5646 §2.1.1: language lower case, script title case, region upper case."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    singleton = False
    for part in parts[1:]:
        if singleton or len(part) == 1:
            singleton = True  # after an extension or private-use singleton: lower case
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def voice_audio_file(audio: AudioInput, param: str) -> AudioFile:
    """Any audio input as an upload for the voice endpoints: ≤ 10 MiB, an accepted type."""
    file = to_audio_file(audio, param=param, max_bytes=None)
    if file.size > MAX_VOICE_AUDIO_BYTES:
        raise AudioError(
            param,
            file.filename,
            f"at most {MAX_VOICE_AUDIO_BYTES >> 20} MiB",
            reason=f"the file is {file.size / 2**20:.1f} MiB",
        )
    if file.content_type not in VOICE_AUDIO_TYPES:
        raise AudioError(
            param,
            file.filename,
            ", ".join(VOICE_AUDIO_TYPES),
            reason=f"{file.format} ({file.content_type}) is not accepted here",
        )
    check_audio(file, param=param)
    return file


def consent_create_request(*, name: str, recording: AudioInput, language: str) -> APIRequest:
    """``POST /audio/voice_consents`` (multipart: name, language, recording)."""
    fields = (
        ("name", _check_name("name", name)),
        ("language", check_language_tag(language)),
    )
    file = voice_audio_file(recording, "recording")
    return APIRequest(
        "POST", CONSENTS_PATH, data=fields, files=(("recording", file),), params=dict(fields)
    )


def consent_list_request(
    *, limit: int | None = None, after: str | None = None, order: str | None = None
) -> APIRequest:
    """``GET /audio/voice_consents?limit=&after=&order=`` (only what was given is sent)."""
    query: list[tuple[str, str]] = []
    if limit is not None:
        low, high = LIST_LIMIT_RANGE
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InvalidTypeError("limit", limit, f"a whole number from {low} to {high}")
        if not low <= limit <= high:
            raise ValidationError("limit", limit, f"a whole number from {low} to {high}")
        query.append(("limit", str(limit)))
    if after is not None:
        query.append(("after", _check_id("after", after, "cons_1234")))
    if order is not None:
        if order not in LIST_ORDERS:
            raise ValidationError("order", order, "'asc' or 'desc'")
        query.append(("order", order))
    return APIRequest("GET", CONSENTS_PATH, query=tuple(query), params=dict(query))


def _consent_path(consent_id: Any) -> str:
    return f"{CONSENTS_PATH}/{quote(_check_id('consent_id', consent_id, 'cons_1234'), safe='')}"


def consent_retrieve_request(consent_id: str) -> APIRequest:
    """``GET /audio/voice_consents/{consent_id}``."""
    return APIRequest("GET", _consent_path(consent_id), params={"consent_id": consent_id})


def consent_update_request(consent_id: str, *, name: str) -> APIRequest:
    """``POST /audio/voice_consents/{consent_id}`` with JSON ``{"name": ...}``."""
    path = _consent_path(consent_id)
    body = {"name": _check_name("name", name)}
    return APIRequest("POST", path, json=body, params={"consent_id": consent_id, **body})


def consent_delete_request(consent_id: str) -> APIRequest:
    """``DELETE /audio/voice_consents/{consent_id}``."""
    return APIRequest("DELETE", _consent_path(consent_id), params={"consent_id": consent_id})


def voice_create_request(*, name: str, audio_sample: AudioInput, consent: str) -> APIRequest:
    """``POST /audio/voices`` (multipart: name, consent, audio_sample)."""
    fields = (
        ("name", _check_name("name", name)),
        ("consent", _check_id("consent", getattr(consent, "id", consent), "cons_1234")),
    )
    file = voice_audio_file(audio_sample, "audio_sample")
    return APIRequest(
        "POST", VOICES_PATH, data=fields, files=(("audio_sample", file),), params=dict(fields)
    )
