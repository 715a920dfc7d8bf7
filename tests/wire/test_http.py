"""The HTTP layer: error mapping (every httpx exception and every status), retries and their
delays, reading bodies of every kind, size limits — for the sync and the async client alike.

``httpx.MockTransport`` is used for what a real server cannot easily produce on demand (each
httpx exception class, odd headers, malformed bodies); real-socket faults are in
``test_faults.py``.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time

import httpx
import pytest
from conftest import multipart_parts

import audiokit
from audiokit.core import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
)
from audiokit.wire import _http, retry_after

KEY = "sk-test-http-1234"
BASE = "http://api.test/v1"


def make_client(handler, *, asynchronous: bool = False, max_retries: int = 0, **kw):
    cls = audiokit.AsyncClient if asynchronous else audiokit.Client
    return cls(
        api_key=KEY,
        base_url=BASE,
        max_retries=max_retries,
        transport=httpx.MockTransport(handler),
        **kw,
    )


async def call(handler, action: str = "transcribe", *, asynchronous: bool, audio: bytes, **kw):
    """Run one client call, sync or async, and return its result."""
    client = make_client(handler, asynchronous=asynchronous, **kw)
    args = {"transcribe": (audio,), "translate": (audio,), "speak": ("Hello.",)}[action]
    if asynchronous:
        async with client:
            return await getattr(client, action)(*args)
    with client:
        return getattr(client, action)(*args)


both = pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])


# -- every httpx exception is mapped ----------------------------------------------------------


def httpx_error_classes() -> list[type[httpx.HTTPError]]:
    found, todo = [], [httpx.HTTPError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: c.__name__)


def make_httpx_error(cls: type[httpx.HTTPError], request: httpx.Request) -> httpx.HTTPError:
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("status", request=request, response=httpx.Response(500, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls(f"simulated {cls.__name__}", request=request)
    return cls(f"simulated {cls.__name__}")


def test_the_list_of_httpx_errors_is_complete() -> None:
    names = {c.__name__ for c in httpx_error_classes()}
    assert {"ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "ConnectError",
            "ReadError", "WriteError", "CloseError", "RemoteProtocolError", "LocalProtocolError",
            "ProxyError", "UnsupportedProtocol", "DecodingError", "TooManyRedirects",
            "HTTPStatusError"} <= names  # fmt: skip


@both
@pytest.mark.parametrize("cls", httpx_error_classes(), ids=lambda c: c.__name__)
async def test_every_httpx_error_becomes_an_audiokit_error(
    cls: type[httpx.HTTPError], asynchronous: bool, wav_bytes: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise make_httpx_error(cls, request)

    with pytest.raises(APIError) as info:
        await call(handler, asynchronous=asynchronous, audio=wav_bytes)
    expected = APITimeoutError if issubclass(cls, httpx.TimeoutException) else APIConnectionError
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, cls)  # translated once, the cause kept
    assert cls.__name__ in str(info.value)


STATUS_CLASSES = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    415: UnsupportedMediaTypeError,
    418: APIStatusError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
    504: InternalServerError,
    599: InternalServerError,
}


@both
@pytest.mark.parametrize("status", sorted(STATUS_CLASSES))
async def test_every_status_maps_to_its_class_with_all_details(
    status: int, asynchronous: bool, wav_bytes: bytes
) -> None:
    body = {
        "error": {
            "message": f"simulated {status}",
            "type": "invalid_request_error",
            "code": 1234,
            "param": "file",
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"x-request-id": "req_42"})

    with pytest.raises(APIStatusError) as info:
        await call(handler, asynchronous=asynchronous, audio=wav_bytes)
    error = info.value
    assert type(error) is STATUS_CLASSES[status]
    assert (error.status_code, error.type, error.code, error.param) == (
        status,
        "invalid_request_error",
        "1234",
        "file",
    )
    assert (error.message, error.request_id, error.body) == (f"simulated {status}", "req_42", body)
    assert str(error) == (
        f"HTTP {status}: simulated {status} "
        "(type=invalid_request_error, code=1234, param=file) [request id req_42]"
    )


# -- error bodies of every shape --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b'{"error": "model not found"}', "model not found"),
        (
            "application/problem+json",  # Prism's 422
            b'{"type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY", '
            b'"title": "Invalid request", "status": 422, "detail": "Your request is not valid"}',
            "Your request is not valid",
        ),
        (
            "application/problem+json",
            b'{"title": "Invalid request", "status": 422, "detail": "Your request is not valid", '
            b'"validation": [{"location": ["body", "speed"], "severity": "Error", '
            b'"message": "Request body property speed must be <= 4"}]}',
            "body.speed: Request body property speed must be <= 4",
        ),
        (
            "application/json",  # FastAPI / pydantic
            b'{"detail": [{"loc": ["body", "model"], "msg": "field required"}]}',
            "body.model: field required",
        ),
        ("text/plain", b"upstream connect error or disconnect/reset before headers", "upstream"),
        (
            "text/html",
            b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
            b"<body><center>nginx</center></body></html>",
            "HTML page (502 Bad Gateway) — probably a proxy",
        ),
        ("application/json", b"", "Bad Gateway"),  # empty: the reason phrase
        ("application/json", b'{"error": {"code": 1' + b"0" * 5000 + b"}}", "{"),  # absurd JSON
        ("application/json", b"[" * 50_000, "["),  # nested too deep for json
        ("application/json", b"\xff\xfe not utf-8", "not utf-8"),
        ("application/json", b"[1, 2]", "[1, 2]"),
    ],
)
def test_error_bodies_of_every_shape(content_type: str, body: bytes, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, content=body, headers={"content-type": content_type})

    client = make_client(handler)
    with pytest.raises(InternalServerError) as info:
        client.speak("Hi")
    assert message in info.value.message
    assert len(info.value.message) <= 600


def test_a_key_echoed_by_the_server_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        return httpx.Response(
            401, json={"error": {"message": f"bad key {auth}", "param": auth}, "echo": [auth]}
        )

    with pytest.raises(AuthenticationError) as info:
        make_client(handler).speak("Hi")
    error = info.value
    assert KEY not in str(error) and KEY not in repr(error.body) and KEY not in error.param
    assert "Bearer ***" in error.message


# -- retries ----------------------------------------------------------------------------------


class Script:
    """A handler answering the given responses in turn (the last one repeats), counting calls."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        item = self.responses[min(self.calls, len(self.responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item


FAST = {"retry-after-ms": "0"}  # retry at once: these tests count, they do not wait


@both
@pytest.mark.parametrize(
    ("status", "headers", "retried"),
    [
        (408, FAST, True),
        (409, FAST, True),
        (429, FAST, True),
        (500, FAST, True),
        (502, FAST, True),
        (503, FAST, True),
        (504, FAST, True),
        (400, FAST, False),
        (401, FAST, False),
        (403, FAST, False),
        (404, FAST, False),
        (413, FAST, False),
        (422, FAST, False),
        (400, {**FAST, "x-should-retry": "true"}, True),  # the server knows best
        (503, {**FAST, "x-should-retry": "false"}, False),
    ],
)
async def test_which_statuses_are_retried(
    status: int, headers: dict, retried: bool, asynchronous: bool, wav_bytes: bytes
) -> None:
    script = Script(httpx.Response(status, json={"error": {"message": "x"}}, headers=headers))
    with pytest.raises(APIStatusError):
        await call(script, asynchronous=asynchronous, audio=wav_bytes, max_retries=3)
    assert script.calls == (4 if retried else 1)


@both
async def test_recovers_after_transient_failures(asynchronous: bool, wav_bytes: bytes) -> None:
    script = Script(
        httpx.Response(503, headers=FAST),
        httpx.ConnectError("refused"),
        httpx.Response(429, headers=FAST),
        httpx.Response(200, json={"text": "finally"}),
    )
    # the ConnectError has no Retry-After: that retry waits the default backoff (0.75-1 s)
    t = await call(script, asynchronous=asynchronous, audio=wav_bytes, max_retries=3)
    assert t.text == "finally"
    assert script.calls == 4


@both
async def test_max_retries_zero_sends_once(asynchronous: bool, wav_bytes: bytes) -> None:
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        await call(script, asynchronous=asynchronous, audio=wav_bytes, max_retries=0)
    assert script.calls == 1


def test_every_retry_sends_the_whole_upload_again(wav_bytes: bytes) -> None:
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        if len(sent) < 3:
            return httpx.Response(500, headers=FAST)
        return httpx.Response(200, json={"text": "ok"})

    make_client(handler, max_retries=2).transcribe(wav_bytes)
    first, second, third = (multipart_parts(r) for r in sent)
    assert first == second == third
    assert first[-1].value == wav_bytes


def http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"retry-after": "2"}, 2, 2),
        ({"retry-after": "1.5"}, 1.5, 1.5),
        ({"retry-after": "-3"}, 0, 0),
        ({"retry-after-ms": "250"}, 0.25, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3, 3),
        ({"retry-after": "in 30 s"}, 20, 31),  # an HTTP date, made when the test runs
        ({"retry-after": "30 s ago"}, 0, 0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 -0000"}, 0, 0),
    ],
)
def test_retry_after_values(headers: dict, low: float, high: float) -> None:
    # Dates are computed now, not at collection time: the suite runs for minutes.
    relative = {"in 30 s": http_date(30), "30 s ago": http_date(-30)}
    headers = {k: relative.get(v, v) for k, v in headers.items()}
    value = retry_after(httpx.Headers(headers))
    assert value is not None and low <= value <= high


@pytest.mark.parametrize("value", ["soon", "", "inf", "nan", "Mon, 99 Foo 2024", "1e999"])
def test_unusable_retry_after_is_ignored(value: str) -> None:
    assert retry_after(httpx.Headers({"retry-after": value})) is None


@both
async def test_a_retry_after_of_an_hour_is_not_obeyed(asynchronous: bool, wav_bytes: bytes) -> None:
    """A Retry-After beyond what is worth waiting for: the client retries after its own short
    backoff instead (waiting the hour would end in the suite's timeout, not in this result)."""
    script = Script(
        httpx.Response(429, headers={"retry-after": "3600"}, json={"error": {"message": "later"}}),
        httpx.Response(200, json={"text": "ok"}),
    )
    t = await call(script, asynchronous=asynchronous, audio=wav_bytes, max_retries=1)
    assert (t.text, script.calls) == ("ok", 2)


def test_garbage_retry_after_on_a_429_still_retries(wav_bytes: bytes) -> None:
    script = Script(
        httpx.Response(429, headers={"retry-after": "whenever", "retry-after-ms": "1"}),
        httpx.Response(200, json={"text": "ok"}),
    )
    assert make_client(script, max_retries=1).transcribe(wav_bytes).text == "ok"
    assert script.calls == 2


# -- reading bodies ---------------------------------------------------------------------------


@both
@pytest.mark.parametrize(
    ("fmt", "content_type", "body", "text"),
    [
        ("json", "application/json", b'{"text": "hi"}', "hi"),
        ("text", "text/plain; charset=utf-8", "Grüße\n".encode(), "Grüße"),
        ("text", "application/json", b'{"text": "wrapped"}', "wrapped"),  # some servers do
        ("text", "", b"no content type", "no content type"),
        ("srt", "text/plain", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", "hi"),
        ("vtt", "text/vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "hi"),
        ("verbose_json", "application/json; charset=utf-8", b'{"text": "v", "duration": 1}', "v"),
    ],
)
async def test_transcription_bodies(
    fmt: str, content_type: str, body: bytes, text: str, asynchronous: bool, wav_bytes: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    client = make_client(handler, asynchronous=asynchronous)
    if asynchronous:
        t = await client.transcribe(wav_bytes, model="whisper-1", response_format=fmt)
        await client.aclose()
    else:
        t = client.transcribe(wav_bytes, model="whisper-1", response_format=fmt)
    assert t.text == text
    assert t.response_format == fmt


@both
@pytest.mark.parametrize(
    ("action", "content_type", "body", "match"),
    [
        ("transcribe", "application/json", b"{not json", "not valid JSON"),
        ("transcribe", "application/json", b'{"text": 1' + b"0" * 5000 + b"}", "not valid JSON"),
        ("transcribe", "application/json", b"[" * 50_000, "not valid JSON"),
        ("transcribe", "application/json", b'{"no_text": 1}', "needs a 'text' string"),
        (
            "transcribe",
            "text/html",
            b"<html><title>Sign in to Zscaler</title></html>",
            "HTML page \\(Sign in to Zscaler\\)",
        ),
        ("speak", "application/json", b'{"text": "not audio"}', "expected audio"),
        ("speak", "text/html", b"<html>login</html>", "expected audio"),
    ],
)
async def test_bodies_that_are_not_what_was_asked_for(
    action: str, content_type: str, body: bytes, match: str, asynchronous: bool, wav_bytes: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    with pytest.raises(APIResponseError, match=match):
        await call(handler, action, asynchronous=asynchronous, audio=wav_bytes)


def test_html_for_a_text_format_is_not_taken_as_the_transcript(wav_bytes: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            text="<html><title>Captive portal</title></html>",
            headers={"content-type": "text/html"},
        )

    with pytest.raises(APIResponseError, match="Captive portal"):
        make_client(handler).transcribe(wav_bytes, model="whisper-1", response_format="srt")


# -- size limits ------------------------------------------------------------------------------


@both
async def test_a_declared_huge_body_is_refused_before_reading(
    asynchronous: bool, wav_bytes: bytes
) -> None:
    class Endless(httpx.SyncByteStream, httpx.AsyncByteStream):
        read = 0

        def __iter__(self):
            while True:
                Endless.read += 1
                yield b"x" * 65536

        async def __aiter__(self):
            while True:
                Endless.read += 1
                yield b"x" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-length": str(10 * _http.MAX_RESPONSE_BYTES)}
        return httpx.Response(200, headers=headers, stream=Endless())

    with pytest.raises(APIResponseError, match="MAX_RESPONSE_BYTES"):
        await call(handler, "speak", asynchronous=asynchronous, audio=wav_bytes)
    assert Endless.read == 0


@both
async def test_an_undeclared_huge_body_is_cut_off(
    asynchronous: bool, wav_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http, "MAX_RESPONSE_BYTES", 100_000)
    pulled = []

    def chunks():
        for i in range(1000):  # 64 MB if read to the end
            pulled.append(i)
            yield b"x" * 65536

    class Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self):
            yield from chunks()

        async def __aiter__(self):
            for chunk in chunks():
                yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Stream())

    with pytest.raises(APIResponseError, match="100,000 bytes"):
        await call(handler, "speak", asynchronous=asynchronous, audio=wav_bytes)
    assert len(pulled) <= 3


# -- the rest ---------------------------------------------------------------------------------


def test_a_caller_supplied_http_client_is_not_closed(wav_bytes: bytes) -> None:
    http_client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"text": "a"}))
    )
    with audiokit.Client(api_key=KEY, base_url=BASE, http_client=http_client) as client:
        assert client.transcribe(wav_bytes).text == "a"
    assert not http_client.is_closed
    http_client.close()


def test_debug_log_says_what_happened_without_the_key(
    caplog: pytest.LogCaptureFixture, wav_bytes: bytes
) -> None:
    script = Script(httpx.Response(503, headers=FAST), httpx.Response(200, json={"text": "ok"}))
    with caplog.at_level(logging.DEBUG, logger="audiokit"):
        make_client(script, max_retries=1).transcribe(wav_bytes, model="whisper-1")
    lines = [r.getMessage() for r in caplog.records if r.name == "audiokit"]
    assert len(lines) == 2
    assert "POST /audio/transcriptions model=whisper-1" in lines[0]
    assert "-> 503" in lines[0] and "attempt 1" in lines[0]
    assert "-> 200" in lines[1] and "attempt 2" in lines[1]
    assert f"upload={len(wav_bytes)} bytes" in lines[0]
    assert all(KEY not in line for line in lines)


def test_json_error_text_is_kept_whole_in_the_body() -> None:
    payload = {"error": {"message": "m" * 2000}}
    script = Script(httpx.Response(400, content=json.dumps(payload).encode()))
    with pytest.raises(BadRequestError) as info:
        make_client(script).speak("Hi")
    assert info.value.body == payload
