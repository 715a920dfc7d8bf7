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

Layering: the ``*_request`` functions of :mod:`._voice_types` check every argument and build an
:class:`~audiokit.wire.APIRequest` (nothing is sent for a bad argument); its records parse the
bodies into :class:`VoiceConsent` / :class:`Voice` / :class:`DeletedVoiceConsent`. The sync
and async resources differ only in awaiting the client's HTTP layer (``SyncHTTP`` /
``AsyncHTTP``), so retries, error mapping and authentication are the client's own. Listing is a
lazy, bounded iterator over pages that follows ``has_more`` and ``last_id``.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from ..audio import AudioInput
from ..core import APIResponseError, ValidationError
from ..wire import APIRequest
from ._voice_types import (
    DeletedVoiceConsent,
    Voice,
    VoiceConsent,
    VoiceConsentPage,
    consent_create_request,
    consent_delete_request,
    consent_list_request,
    consent_retrieve_request,
    consent_update_request,
    voice_create_request,
)

if TYPE_CHECKING:
    from ..wire import AsyncHTTP, SyncHTTP

__all__ = [
    "AsyncVoiceConsents",
    "AsyncVoices",
    "VoiceConsents",
    "Voices",
]

DEFAULT_MAX_PAGES = 100  # a listing stops (with a warning) after this many pages


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
