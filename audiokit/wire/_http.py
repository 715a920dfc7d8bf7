"""Sending checked requests over httpx: auth headers, retries, error mapping, SSE.

The decisions (what to send, whether and when to retry, which error a response means, how to
read a body) live in :class:`_HTTPBase`; :class:`SyncHTTP` and :class:`AsyncHTTP` only do the I/O.
httpx exceptions are translated here, once, into audiokit's tree. The local engine plugs in as an
httpx transport, so everything above this layer is the same offline and online.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import AsyncIterator, Iterator
from functools import partial
from itertools import chain
from typing import Any

import httpx

from ..core import (
    USER_AGENT,
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    Settings,
    StreamError,
    ascrubbed,
    forget_locals,
    redact_logs,
    scrubbed,
    status_error_class,
)
from ._deadline import Budget, atimed, attach, budget_of, install, spending, timed
from ._multipart import form_dict, multipart
from ._requests import APIRequest
from ._sse import DONE, EventDecoder

__all__ = ["JSON_FORMATS", "AsyncHTTP", "SyncHTTP", "retry_after"]

logger = logging.getLogger("audiokit")

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
INITIAL_BACKOFF = 0.5  # seconds, doubled on every retry
MAX_BACKOFF = 8.0  # seconds
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is not waited for
MAX_RESPONSE_BYTES = 256 * 1024 * 1024  # refuse to buffer a larger body
JSON_FORMATS = ("json", "verbose_json", "diarized_json")
# httpx logs each answer's reason phrase (INFO), httpcore its headers (DEBUG): a server that
# echoes the key there must not put it into the logs.
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2",
                 "httpcore.proxy", "httpcore.socks")  # fmt: skip


class _HTTPBase:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._urls: dict[str, httpx.URL] = {}
        if settings.api_key:
            redact_logs(settings.api_key, _HTTP_LOGGERS)

    # -- building ---------------------------------------------------------------------------

    def _headers(self, request: APIRequest) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if request.stream else "*/*",
        }
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        if self.settings.organization:
            headers["OpenAI-Organization"] = self.settings.organization
        if self.settings.project:
            headers["OpenAI-Project"] = self.settings.project
        return headers

    def _url(self, path: str) -> httpx.URL:
        """``base_url`` + ``path``, parsed once per path (httpx would parse the string anew on
        every request)."""
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.settings.base_url.rstrip("/") + path)
        return url

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, request: APIRequest
    ) -> httpx.Request:
        url = self._url(request.path)
        query = list(request.query) or None
        headers = self._headers(request)
        if request.json is not None:
            return client.build_request(
                request.method, url, json=request.json, params=query, headers=headers
            )
        if not request.files:
            data = form_dict(request.data)
            return client.build_request(
                request.method, url, data=data or None, params=query, headers=headers
            )
        # made here in one piece, sent in one write (see ._multipart)
        boundary = os.urandom(16).hex()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        body = multipart(request.data, request.files, boundary.encode("ascii"))
        return client.build_request(
            request.method, url, content=body, params=query, headers=headers
        )

    # -- deciding ---------------------------------------------------------------------------

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None not to retry."""
        if attempt >= self.settings.max_retries:
            return None
        if response is not None:
            should = response.headers.get("x-should-retry")
            if should == "false" or (
                should != "true"
                and response.status_code not in RETRY_STATUSES
                and response.status_code < 500
            ):
                return None
            hinted = retry_after(response.headers)
            if hinted is not None and hinted <= MAX_RETRY_AFTER:
                return hinted
        backoff = min(MAX_BACKOFF, INITIAL_BACKOFF * 2**attempt)
        return backoff * (1 - 0.25 * random.random())  # jitter spreads concurrent retries

    def _status_error(self, response: httpx.Response, body: bytes) -> APIStatusError:
        status = response.status_code
        request_id = self._request_id(response)
        # In-process (backend="local") no HTTP happened: the message reads as a local check.
        cls = partial(status_error_class(status), in_process=self.settings.backend == "local")
        reason = self._redact(response.reason_phrase)
        try:
            decoded: Any = json.loads(body) if body else None
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or absurd (deep/huge numbers)
            decoded = body.decode("utf-8", "replace")
        decoded = self._redact(decoded)
        error = decoded.get("error") if isinstance(decoded, dict) else None
        if isinstance(error, str) and error:
            error = {"message": error}
        if isinstance(error, dict):
            return cls(
                str(error.get("message") or reason),
                status_code=status,
                type=error.get("type"),
                code=_str_or_none(error.get("code")),
                param=_str_or_none(error.get("param")),
                request_id=request_id,
                body=decoded,
            )
        if isinstance(decoded, dict):  # e.g. RFC 7807 problem+json from other servers
            message = _problem_message(decoded)
            return cls(
                message or reason,
                status_code=status,
                type=decoded.get("type"),
                request_id=request_id,
                body=decoded,
            )
        text = decoded if isinstance(decoded, str) else json.dumps(decoded) if decoded else ""
        message = _html_message(text) or text.strip()[:500] or reason or "error"
        return cls(message, status_code=status, request_id=request_id, body=decoded)

    def _events(self, decoder: EventDecoder, chunk: bytes | None) -> tuple[list[Any], bool]:
        """The SSE payloads ``chunk`` completes (``None``: the body ended), and whether the
        stream said ``[DONE]``; an error event has the API key redacted (servers echo it)."""
        payloads = decoder.feed(chunk) if chunk is not None else decoder.flush()
        for i, payload in enumerate(payloads):
            if payload is DONE:
                return payloads[:i], True
            if type(payload) is dict and ("error" in payload or payload.get("type") == "error"):
                payloads[i] = self._redact(payload)
        return payloads, False

    def _redact(self, value: Any) -> Any:
        """``value`` with the key as ``***`` (servers echo it): see ``core.Secret.redact``."""
        return self.settings.api_key.redact(value) if self.settings.api_key else value

    def _keep_headers(self, response: httpx.Response, into: dict[str, str] | None) -> None:
        if into is None:  # the caller wants the answer's headers (redacted)
            return
        headers = dict(response.headers.items())  # one pass (dict() looks each name up anew)
        key = self.settings.api_key
        # Redacting walks every name and value; the key is almost never there, which one
        # search of them all tells (case-blind, as the redaction of a short key is).
        text = "\n".join(chain(headers, headers.values())).lower()
        if key and key.get_secret_value().lower() in text:
            headers = self._redact(headers)
        into.update(headers)

    def _request_id(self, response: httpx.Response) -> str | None:
        """The ``x-request-id`` header, redacted (a server may echo the key there too)."""
        return self._redact(response.headers.get("x-request-id"))

    def _decode(self, request: APIRequest, response: httpx.Response, body: bytes) -> Any:
        """The body as JSON (json formats), text (text formats) or bytes (speech)."""
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.path == "/audio/speech" or request.response_format is None:
            if request.path != "/audio/speech" and ctype == "application/json":
                return self._json(body, response)
            if ctype in ("application/json", "text/html"):
                raise APIResponseError(
                    f"expected audio, got {ctype}: {self._redact(repr(body[:200]))}",
                    request_id=self._request_id(response),
                )
            return body
        if request.response_format in JSON_FORMATS:
            return self._json(body, response)
        if ctype == "text/html":
            text = self._redact(body.decode("utf-8", "replace"))
            raise APIResponseError(
                _html_message(text)
                or f"expected {request.response_format} text, got an HTML page: {text[:200]!r}",
                request_id=self._request_id(response),
            )
        if ctype == "application/json":  # some servers wrap text formats in {"text": ...}
            decoded = self._json(body, response)
            return (
                decoded.get("text", "")
                if isinstance(decoded, dict) and request.response_format == "text"
                else decoded
            )
        return body.decode("utf-8", "replace")

    def _json(self, body: bytes, response: httpx.Response) -> Any:
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:  # also huge numbers and deep nesting
            ctype = response.headers.get("content-type", "?")
            text = self._redact(body[:2000].decode("utf-8", "replace"))
            raise APIResponseError(
                _html_message(text)
                or f"the server's answer is not valid JSON ({ctype}): {text[:200]!r}",
                request_id=self._request_id(response),
            ) from exc

    def _log(self, request: APIRequest, status: int | str, started: float, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            size = sum(f.size for _, f in request.files)
            logger.debug(
                "%s %s model=%s upload=%d bytes -> %s in %.2fs (attempt %d)",
                request.method,
                request.path,
                request.params.get("model"),
                size,
                status,
                time.monotonic() - started,
                attempt + 1,
            )


def retry_after(headers: httpx.Headers) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            seconds = float(ms) / 1000
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds):
            return max(0.0, seconds)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed.tzinfo is None:  # "-0000": the date is in UTC
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return max(0.0, parsed.timestamp() - time.time())
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _html_message(text: str) -> str | None:
    """For an HTML page (a proxy's or gateway's, not the API's): say so, with its title."""
    head = text[:1000].lower()
    if "<html" not in head and "<!doctype html" not in head:
        return None
    title = re.search(r"<title>(.*?)</title>", text[:5000], re.I | re.S)
    return (
        f"the server answered with an HTML page "
        f"({title.group(1).strip()[:200] if title else 'no title'})"
        " — probably a proxy or gateway in front of the API, not the API itself"
    )


def _problem_message(body: dict[str, Any]) -> str | None:
    """The message of an RFC 7807 or FastAPI error body, with its per-field details."""
    detail = body.get("detail") or body.get("title") or body.get("message")
    if isinstance(detail, list):  # FastAPI/pydantic: [{"loc": [...], "msg": "..."}]
        detail = "; ".join(_field_message(item) for item in detail)
    problems = body.get("validation")  # Prism: [{"location": [...], "message": "..."}]
    if isinstance(problems, list) and problems:
        detail = f"{detail}: " + "; ".join(_field_message(item) for item in problems)
    return str(detail)[:1000] if detail else None


def _field_message(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = item.get("loc") or item.get("location")
    text = str(item.get("msg") or item.get("message") or "")
    return f"{'.'.join(map(str, where))}: {text}" if isinstance(where, list) else text


def _too_large(limit: int) -> APIResponseError:
    return APIResponseError(
        f"the response is larger than {limit:,} bytes (audiokit.wire._http.MAX_RESPONSE_BYTES); "
        "refused rather than held in memory"
    )


def _declared_too_large(response: httpx.Response) -> bool:
    try:
        return int(response.headers.get("content-length", "0")) > MAX_RESPONSE_BYTES
    except ValueError:
        return False


class _Capped:
    """A body read on budgets: MAX_RESPONSE_BYTES, then refused; its attempt's time (``_deadline``).

    Used for buffered bodies, raw audio streams and SSE streams (bytes for ``_sse.EventDecoder``).
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.seen = 0
        self.budget = budget_of(response)

    def _count(self, piece: Any) -> Any:
        self.seen += len(piece)
        if self.seen > MAX_RESPONSE_BYTES:
            raise _too_large(MAX_RESPONSE_BYTES)
        return piece

    def iter_bytes(self) -> Iterator[bytes]:
        for chunk in timed(self.budget, self.response.iter_bytes()):
            yield self._count(chunk)

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        async for chunk in atimed(self.budget, self.response.aiter_bytes()):
            yield self._count(chunk)


def _translate(exc: httpx.HTTPError) -> APIError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"the request timed out ({type(exc).__name__})")
    return APIConnectionError(f"connection error: {type(exc).__name__}: {exc}")


def _is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def _json_as_events(request: APIRequest, decoded: Any) -> list[Any]:
    """A server that ignored ``stream`` and answered with JSON: replay it as events."""
    if request.path == "/audio/speech":
        return [decoded]
    if not isinstance(decoded, dict):
        raise APIResponseError(f"expected an event stream, got {str(decoded)[:200]!r}")
    text = decoded.get("text", "")
    return [
        {"type": "transcript.text.delta", "delta": text, "logprobs": decoded.get("logprobs") or []},
        {
            "type": "transcript.text.done",
            "text": text,
            "logprobs": decoded.get("logprobs") or [],
            "usage": decoded.get("usage"),
        },
    ]


class SyncHTTP(_HTTPBase):
    """Blocking I/O over an ``httpx.Client``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(settings)
        self._owns_client = http_client is None
        self.client = http_client or httpx.Client(
            transport=transport, timeout=settings.timeout, follow_redirects=True
        )
        if self._owns_client:
            install(self.client)  # every socket op waits at most for the request's budget

    def _send(self, request: APIRequest) -> httpx.Response:
        """Send with retries; returns an OK response whose body is not yet read."""
        for attempt in range(self.settings.max_retries + 1):
            started = time.monotonic()
            budget = Budget(self.settings.timeout)  # connect + upload + every read, in total
            try:
                with spending(budget):
                    response = self.client.send(self._build(self.client, request), stream=True)
            except httpx.HTTPError as exc:
                self._log(request, type(exc).__name__, started, attempt)
                delay = self._retry_delay(attempt, None)
                if delay is None:
                    raise _translate(exc) from exc
                time.sleep(delay)
                continue
            self._log(request, response.status_code, started, attempt)
            attach(response, budget)
            if response.is_success:
                return response
            error = self._status_error(response, self._read(response))
            delay = self._retry_delay(attempt, response)
            del response  # its repr shows the reason phrase, which may echo the key
            if delay is None:
                raise error  # no raw body or headers left in this frame (%xmode Verbose)
            time.sleep(delay)
        raise AssertionError("unreachable: the retry loop always returns or raises")

    def _read(self, response: httpx.Response) -> bytes:
        try:
            if _declared_too_large(response):
                raise _too_large(MAX_RESPONSE_BYTES)
            return b"".join(_Capped(response).iter_bytes())
        except httpx.HTTPError as exc:
            raise _translate(exc) from exc
        finally:
            response.close()

    def request(self, request: APIRequest, *, headers: dict[str, str] | None = None) -> Any:
        try:
            return self._answer(request, headers)
        except APIError as error:
            forget_locals(error)  # no raw body or headers in the frames below
            raise

    def _answer(self, request: APIRequest, headers: dict[str, str] | None) -> Any:
        response = self._send(request)
        self._keep_headers(response, headers)
        return self._decode(request, response, self._read(response))

    def stream(self, request: APIRequest, headers: dict | None = None) -> tuple[Iterator[Any], Any]:
        """Items of a streamed answer (SSE payload dicts, or raw audio chunks) and a closer."""
        response = self._send(request)
        self._keep_headers(response, headers)

        def items() -> Iterator[Any]:
            try:
                if request.path == "/audio/speech" and not request.stream:
                    yield from _Capped(response).iter_bytes()
                elif _is_event_stream(response):
                    decoder = EventDecoder()
                    for chunk in chain(_Capped(response).iter_bytes(), [None]):
                        payloads, done = self._events(decoder, chunk)
                        yield from payloads
                        if done:
                            return
                else:
                    yield from _json_as_events(
                        request, self._decode(request, response, self._read(response))
                    )
            except httpx.HTTPError as exc:
                raise StreamError(
                    f"the stream broke: {_translate(exc).message}",
                    request_id=self._request_id(response),
                ) from exc
            finally:
                response.close()

        return scrubbed(items()), response.close

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


class AsyncHTTP(_HTTPBase):
    """Non-blocking I/O over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(settings)
        self._owns_client = http_client is None
        self.client = http_client or httpx.AsyncClient(
            transport=transport, timeout=settings.timeout, follow_redirects=True
        )
        if self._owns_client:
            install(self.client)

    async def _send(self, request: APIRequest) -> httpx.Response:
        for attempt in range(self.settings.max_retries + 1):
            started = time.monotonic()
            budget = Budget(self.settings.timeout)
            try:
                with spending(budget):
                    response = await self.client.send(
                        self._build(self.client, request), stream=True
                    )
            except httpx.HTTPError as exc:
                self._log(request, type(exc).__name__, started, attempt)
                delay = self._retry_delay(attempt, None)
                if delay is None:
                    raise _translate(exc) from exc
                await asyncio.sleep(delay)
                continue
            self._log(request, response.status_code, started, attempt)
            attach(response, budget)
            if response.is_success:
                return response
            error = self._status_error(response, await self._read(response))
            delay = self._retry_delay(attempt, response)
            del response  # its repr shows the reason phrase, which may echo the key
            if delay is None:
                raise error  # no raw body or headers left in this frame (%xmode Verbose)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the retry loop always returns or raises")

    async def _read(self, response: httpx.Response) -> bytes:
        try:
            if _declared_too_large(response):
                raise _too_large(MAX_RESPONSE_BYTES)
            return b"".join([chunk async for chunk in _Capped(response).aiter_bytes()])
        except httpx.HTTPError as exc:
            raise _translate(exc) from exc
        finally:
            await response.aclose()

    async def request(self, request: APIRequest, *, headers: dict[str, str] | None = None) -> Any:
        try:
            return await self._answer(request, headers)
        except APIError as error:
            forget_locals(error)
            raise

    async def _answer(self, request: APIRequest, headers: dict[str, str] | None) -> Any:
        response = await self._send(request)
        self._keep_headers(response, headers)
        return self._decode(request, response, await self._read(response))

    async def stream(
        self, request: APIRequest, headers: dict | None = None
    ) -> tuple[AsyncIterator[Any], Any]:
        response = await self._send(request)
        self._keep_headers(response, headers)

        async def items() -> AsyncIterator[Any]:
            try:
                if request.path == "/audio/speech" and not request.stream:
                    async for chunk in _Capped(response).aiter_bytes():
                        yield chunk
                elif _is_event_stream(response):
                    decoder = EventDecoder()
                    async for chunk in _Capped(response).aiter_bytes():
                        payloads, done = self._events(decoder, chunk)
                        for payload in payloads:
                            yield payload
                        if done:
                            return
                    for payload in self._events(decoder, None)[0]:
                        yield payload
                else:
                    body = await self._read(response)
                    for item in _json_as_events(request, self._decode(request, response, body)):
                        yield item
            except httpx.HTTPError as exc:
                raise StreamError(
                    f"the stream broke: {_translate(exc).message}",
                    request_id=self._request_id(response),
                ) from exc
            finally:
                await response.aclose()

        return ascrubbed(items()), response.aclose

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()
