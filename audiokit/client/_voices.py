"""Custom voices and the consent recordings that authorise them.

The API's custom-voice endpoints, as resources hung off a client::

    client.voice_consents.create(name=, recording=, language=)  POST   /audio/voice_consents
    client.voice_consents.list(limit=, after=)                  GET    /audio/voice_consents
    client.voice_consents.retrieve(consent_id)                  GET    /audio/voice_consents/{id}
    client.voice_consents.update(consent_id, name=)             POST   /audio/voice_consents/{id}
    client.voice_consents.delete(consent_id)                    DELETE /audio/voice_consents/{id}
    client.voices.create(name=, audio_sample=, consent=)        POST   /audio/voices

A created voice is used by id: ``client.speak(text, voice=voice.id)`` (sent as
``"voice": {"id": "voice_…"}``). Custom voices are limited to eligible API customers; the offline
engine has only its built-in Piper voice and answers these routes with a 400 error saying so.

Layering: the ``*_request`` functions check every argument and build an
:class:`~audiokit.wire._requests.APIRequest` (nothing is sent for a bad argument); the result parsers
turn bodies into :class:`VoiceConsent` / :class:`Voice` / :class:`DeletedVoiceConsent`. The sync
and async resources differ only in awaiting the client's HTTP layer (``SyncHTTP`` /
``AsyncHTTP``), so retries, error mapping and authentication are the client's own. Listing is a
lazy, bounded iterator over pages that follows ``has_more`` and ``last_id``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..audio import AudioFile, AudioInput, to_audio_file
from ..core import APIResponseError, AudioError, InvalidTypeError, ValidationError
from ..wire import APIRequest, check_audio, language_code

if TYPE_CHECKING:
    from ..wire import AsyncHTTP, SyncHTTP

__all__ = [
    "AsyncVoiceConsents",
    "AsyncVoices",
    "DeletedVoiceConsent",
    "Voice",
    "VoiceConsent",
    "VoiceConsentPage",
    "VoiceConsents",
    "Voices",
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
DEFAULT_MAX_PAGES = 100  # a listing stops (with a warning) after this many pages

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


# -- pagination ---------------------------------------------------------------------------------


class _PagerBase:
    """The cursor logic shared by the sync and async listings."""

    def __init__(
        self, limit: int | None, after: str | None, order: str | None, max_pages: int
    ) -> None:
        if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
            raise ValidationError("max_pages", max_pages, "a whole number >= 1")
        self._limit, self._order, self._max_pages = limit, order, max_pages
        self._first = consent_list_request(limit=limit, after=after, order=order)

    def _next(self, page: VoiceConsentPage, seen: set[str], number: int) -> APIRequest | None:
        """The request for the page after ``page`` (the ``number``-th), or None to stop."""
        if not page.has_more:
            return None
        cursor = page.next_after
        if cursor is None or cursor in seen:
            raise APIResponseError(
                f"the server said has_more=true but its cursor does not move "
                f"(after={cursor!r} again); stopped after {number} pages"
            )
        if number >= self._max_pages:
            warnings.warn(
                f"voice consent listing stopped after {number} pages (max_pages={self._max_pages})"
                "; pass a larger max_pages to read further",
                UserWarning,
                stacklevel=4,
            )
            return None
        seen.add(cursor)
        return consent_list_request(limit=self._limit, after=cursor, order=self._order)


class VoiceConsentList(_PagerBase):
    """Every consent, page after page: ``for consent in client.voice_consents.list(): ...``.

    Pages are fetched lazily while iterating; :meth:`pages` yields whole pages. The listing is
    bounded: it stops with a warning after ``max_pages`` pages and raises
    :class:`~audiokit.APIResponseError` if the server repeats a cursor.
    """

    def __init__(self, http: SyncHTTP, limit: Any, after: Any, order: Any, max_pages: int) -> None:
        super().__init__(limit, after, order, max_pages)
        self._http = http

    def pages(self) -> Iterator[VoiceConsentPage]:
        request: APIRequest | None = self._first
        seen: set[str] = set()
        number = 0
        while request is not None:  # bounded by max_pages in _next
            page = VoiceConsentPage.from_response(self._http.request(request))
            number += 1
            yield page
            request = self._next(page, seen, number)

    def __iter__(self) -> Iterator[VoiceConsent]:
        for page in self.pages():
            yield from page.data

    def to_list(self) -> list[VoiceConsent]:
        return list(self)


class AsyncVoiceConsentList(_PagerBase):
    """The asyncio twin of :class:`VoiceConsentList`: ``async for consent in ...``."""

    def __init__(self, http: AsyncHTTP, limit: Any, after: Any, order: Any, max_pages: int) -> None:
        super().__init__(limit, after, order, max_pages)
        self._http = http

    async def pages(self) -> AsyncIterator[VoiceConsentPage]:
        request: APIRequest | None = self._first
        seen: set[str] = set()
        number = 0
        while request is not None:
            page = VoiceConsentPage.from_response(await self._http.request(request))
            number += 1
            yield page
            request = self._next(page, seen, number)

    async def __aiter__(self) -> AsyncIterator[VoiceConsent]:
        async for page in self.pages():
            for consent in page.data:
                yield consent

    async def to_list(self) -> list[VoiceConsent]:
        return [consent async for consent in self]


# -- resources ----------------------------------------------------------------------------------


class VoiceConsents:
    """``client.voice_consents``: consent recordings for custom voices.

    Examples
    --------
    >>> consent = client.voice_consents.create(                       # doctest: +SKIP
    ...     name="Jane Doe", recording="consent.wav", language="en-US")
    >>> [c.name for c in client.voice_consents.list()]                # doctest: +SKIP
    >>> client.voice_consents.update(consent.id, name="Jane D.")      # doctest: +SKIP
    >>> client.voice_consents.delete(consent.id).deleted              # doctest: +SKIP
    True
    """

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def create(self, *, name: str, recording: AudioInput, language: str = "en-US") -> VoiceConsent:
        """Upload a consent recording (``POST /audio/voice_consents``).

        Parameters
        ----------
        name : str
            A label for the recording.
        recording
            Any audio input (path, bytes, file, ``(array, rate)``, Speech): at most 10 MiB, in
            a type the endpoint accepts (mp3, wav, ogg, aac, flac, webm, mp4/m4a).
        language : str
            BCP 47 tag of the consent phrase (``"en-US"``); a language name such as
            ``"German"`` is turned into its code.
        """
        request = consent_create_request(name=name, recording=recording, language=language)
        return VoiceConsent.from_response(self._http.request(request))

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        order: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> VoiceConsentList:
        """Iterate over consent recordings (``GET /audio/voice_consents``), following pages.

        Parameters
        ----------
        limit : int, optional
            Objects per page, 1-100 (the API's default is 20).
        after : str, optional
            Start after this consent id.
        order : {"asc", "desc"}, optional
            Sent as given. The published OpenAPI spec documents only ``limit`` and ``after``
            for this endpoint, so the API may ignore or refuse it.
        max_pages : int
            Stop (with a warning) after this many pages.
        """
        return VoiceConsentList(self._http, limit, after, order, max_pages)

    def retrieve(self, consent_id: str) -> VoiceConsent:
        """One consent recording's metadata (``GET /audio/voice_consents/{consent_id}``)."""
        return VoiceConsent.from_response(self._http.request(consent_retrieve_request(consent_id)))

    def update(self, consent_id: str, *, name: str) -> VoiceConsent:
        """Rename a consent recording (metadata only; the audio is not replaced)."""
        request = consent_update_request(consent_id, name=name)
        return VoiceConsent.from_response(self._http.request(request))

    def delete(self, consent_id: str) -> DeletedVoiceConsent:
        """Delete a consent recording (``DELETE /audio/voice_consents/{consent_id}``)."""
        request = consent_delete_request(consent_id)
        return DeletedVoiceConsent.from_response(self._http.request(request))


class AsyncVoiceConsents:
    """The asyncio twin of :class:`VoiceConsents` (``list`` is an async iterator)."""

    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def create(
        self, *, name: str, recording: AudioInput, language: str = "en-US"
    ) -> VoiceConsent:
        """See :meth:`VoiceConsents.create`."""
        request = consent_create_request(name=name, recording=recording, language=language)
        return VoiceConsent.from_response(await self._http.request(request))

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        order: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncVoiceConsentList:
        """See :meth:`VoiceConsents.list`; iterate with ``async for``."""
        return AsyncVoiceConsentList(self._http, limit, after, order, max_pages)

    async def retrieve(self, consent_id: str) -> VoiceConsent:
        """See :meth:`VoiceConsents.retrieve`."""
        request = consent_retrieve_request(consent_id)
        return VoiceConsent.from_response(await self._http.request(request))

    async def update(self, consent_id: str, *, name: str) -> VoiceConsent:
        """See :meth:`VoiceConsents.update`."""
        request = consent_update_request(consent_id, name=name)
        return VoiceConsent.from_response(await self._http.request(request))

    async def delete(self, consent_id: str) -> DeletedVoiceConsent:
        """See :meth:`VoiceConsents.delete`."""
        request = consent_delete_request(consent_id)
        return DeletedVoiceConsent.from_response(await self._http.request(request))


class Voices:
    """``client.voices``: create a custom voice from a sample and a consent recording.

    Examples
    --------
    >>> voice = client.voices.create(                                  # doctest: +SKIP
    ...     name="Jane", audio_sample="sample.wav", consent=consent.id)
    >>> client.speak("Hello in my own voice.", voice=voice.id)         # doctest: +SKIP
    """

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def create(self, *, name: str, audio_sample: AudioInput, consent: str | VoiceConsent) -> Voice:
        """Create a custom voice (``POST /audio/voices``).

        Parameters
        ----------
        name : str
            The new voice's name.
        audio_sample
            Any audio input: at most 10 MiB, in a type the endpoint accepts.
        consent : str or VoiceConsent
            The consent recording (``"cons_…"``) that authorises this voice.
        """
        request = voice_create_request(name=name, audio_sample=audio_sample, consent=consent)
        return Voice.from_response(self._http.request(request))


class AsyncVoices:
    """The asyncio twin of :class:`Voices`."""

    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def create(
        self, *, name: str, audio_sample: AudioInput, consent: str | VoiceConsent
    ) -> Voice:
        """See :meth:`Voices.create`."""
        request = voice_create_request(name=name, audio_sample=audio_sample, consent=consent)
        return Voice.from_response(await self._http.request(request))
