"""Custom voices and voice consents: wire format, results, pagination, offline refusal, contract.

- Wire format: the public client with a recording ``httpx.MockTransport``; multipart bodies are
  parsed back with the stdlib email parser, so what is asserted is what the API would receive.
- Pagination: a stateful mock server that pages through consents by ``after``.
- Offline: the real local engine (in-process) answers every custom-voice route with a 400 that
  says why; nothing is faked.
- Contract: the same calls against the Prism mock of the official OpenAPI schema on 127.0.0.1
  (``conftest.prism``; Prism rejects with 422 any request that does not match the schema).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import datetime, timezone

import httpx
import pytest
from conftest import (
    FaultServer,
    Recorder,
    Reply,
    encode_audio,
    multipart_fields,
    multipart_parts,
    run_in_ipython,
)

import audiokit
from audiokit.client import MAX_VOICE_AUDIO_BYTES, check_language_tag

KEY = "sk-test-voices-0000"
BASE = "http://api.test/v1"
CONSENT = {
    "object": "audio.voice_consent",
    "id": "cons_1234",
    "name": "John Doe",
    "language": "en-US",
    "created_at": 1734220800,
}
VOICE = {
    "object": "audio.voice",
    "id": "voice_123abc",
    "name": "My new voice",
    "created_at": 1734220800,
}


def json_reply(body: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body)


@pytest.fixture
def client(recorder: Recorder) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport, max_retries=0)


@pytest.fixture(scope="module")
def wav() -> bytes:
    return encode_audio("wav", 1.0)


def sent(recorder: Recorder) -> httpx.Request:
    assert len(recorder.requests) == 1, recorder.requests
    return recorder.requests[0]


# -- consents: create -------------------------------------------------------------------------


def test_create_consent_sends_multipart_name_language_recording(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    recorder.reply = json_reply(CONSENT)
    consent = client.voice_consents.create(name="John Doe", recording=wav, language="en-us")
    request = sent(recorder)
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/audio/voice_consents"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert multipart_fields(request) == [("name", "John Doe"), ("language", "en-US")]
    (file,) = [p for p in multipart_parts(request) if p.filename]
    assert (file.name, file.filename, file.content_type) == ("recording", "audio.wav", "audio/wav")
    assert file.value == wav
    assert consent == audiokit.VoiceConsent("cons_1234", "John Doe", "en-US", 1734220800)
    assert consent.raw == CONSENT
    assert consent.created == datetime(2024, 12, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "webm", "m4a"])
def test_every_accepted_container_goes_with_its_mime_type(
    client: audiokit.Client, recorder: Recorder, fmt: str
) -> None:
    recorder.reply = json_reply(CONSENT)
    client.voice_consents.create(name="A", recording=encode_audio(fmt, 1.0))
    (file,) = [p for p in multipart_parts(sent(recorder)) if p.filename]
    expected = {
        "mp3": "audio/mpeg",
        "flac": "audio/flac",
        "ogg": "audio/ogg",
        "webm": "audio/webm",
        "m4a": "audio/mp4",
    }[fmt]
    assert file.content_type == expected
    assert ("language", "en-US") in multipart_fields(sent(recorder))  # the default


def test_a_numpy_recording_is_uploaded_as_wav(client: audiokit.Client, recorder: Recorder) -> None:
    from conftest import tone

    recorder.reply = json_reply(CONSENT)
    client.voice_consents.create(name="A", recording=(tone(1.0), 16_000))
    (file,) = [p for p in multipart_parts(sent(recorder)) if p.filename]
    assert file.content_type == "audio/wav" and file.value[:4] == b"RIFF"


@pytest.mark.parametrize(
    ("tag", "sent_as"),
    [
        ("en-US", "en-US"),
        ("EN-us", "en-US"),
        ("de", "de"),
        ("pt-br", "pt-BR"),
        ("zh-hans-cn", "zh-Hans-CN"),
        ("es-419", "es-419"),
        ("sl-rozaj-biske", "sl-rozaj-biske"),
        ("de-DE-u-co-phonebk", "de-DE-u-co-phonebk"),
        ("en-US-x-twain", "en-US-x-twain"),
        ("German", "de"),  # a language name the guide lists
    ],
)
def test_language_tags_are_checked_and_sent_in_conventional_case(tag: str, sent_as: str) -> None:
    assert check_language_tag(tag) == sent_as


@pytest.mark.parametrize(
    ("language", "error", "words"),
    [
        ("en_US", audiokit.ValidationError, "use a hyphen: 'en-US'"),
        ("english-us", audiokit.ValidationError, "not a language tag"),
        ("e", audiokit.ValidationError, "not a language tag"),
        ("en-", audiokit.ValidationError, "not a language tag"),
        ("en US", audiokit.ValidationError, "not a language tag"),
        ("", audiokit.ValidationError, "not a language tag"),
        (42, audiokit.InvalidTypeError, "BCP 47"),
    ],
)
def test_bad_language_raises_before_sending(
    client: audiokit.Client,
    recorder: Recorder,
    wav: bytes,
    language: object,
    error: type,
    words: str,
) -> None:
    with pytest.raises(error, match="language") as info:
        client.voice_consents.create(name="A", recording=wav, language=language)  # type: ignore[arg-type]
    assert words in str(info.value)
    assert recorder.requests == []


def test_audio_over_10_mib_is_refused_before_sending(
    client: audiokit.Client, recorder: Recorder
) -> None:
    big = encode_audio("wav", MAX_VOICE_AUDIO_BYTES / 32_000 + 1)  # 16-bit mono 16 kHz
    assert len(big) > MAX_VOICE_AUDIO_BYTES
    with pytest.raises(audiokit.AudioError, match="at most 10 MiB") as info:
        client.voice_consents.create(name="A", recording=big)
    assert info.value.param == "recording"
    with pytest.raises(audiokit.AudioError, match="at most 10 MiB"):
        client.voices.create(name="A", audio_sample=big, consent="cons_1")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("audio", "words"),
    [
        (b"hello, this is text", "looks like text"),
        (b"", "empty"),
        (encode_audio("wav", 1.0, silent=True), "silent"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "corrupt"),
    ],
)
def test_unusable_audio_is_refused_before_sending(
    client: audiokit.Client, recorder: Recorder, audio: bytes, words: str
) -> None:
    with pytest.raises(audiokit.AudioError, match=words):
        client.voices.create(name="A", audio_sample=audio, consent="cons_1")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": 3}, "name")],
)
def test_bad_names_raise_before_sending(
    client: audiokit.Client, recorder: Recorder, wav: bytes, kwargs: dict, param: str
) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        client.voice_consents.create(recording=wav, **kwargs)
    assert info.value.param == param
    with pytest.raises(audiokit.ValidationError):
        client.voice_consents.update("cons_1", **kwargs)
    assert recorder.requests == []


# -- consents: retrieve, update, delete ---------------------------------------------------------


def test_retrieve_is_a_get_without_body(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = json_reply(CONSENT)
    consent = client.voice_consents.retrieve("cons_1234")
    request = sent(recorder)
    assert (request.method, str(request.url)) == ("GET", f"{BASE}/audio/voice_consents/cons_1234")
    assert request.content == b""
    assert "content-type" not in request.headers
    assert consent.id == "cons_1234" and consent.name == "John Doe"


def test_ids_are_escaped_in_the_path(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = json_reply(CONSENT)
    client.voice_consents.retrieve("cons/../x?y")
    assert sent(recorder).url.raw_path == b"/v1/audio/voice_consents/cons%2F..%2Fx%3Fy"


@pytest.mark.parametrize("bad", ["", " cons_1", None, 12])
def test_bad_ids_raise_before_sending(
    client: audiokit.Client, recorder: Recorder, bad: object
) -> None:
    for call in (
        lambda: client.voice_consents.retrieve(bad),  # type: ignore[arg-type]
        lambda: client.voice_consents.update(bad, name="x"),  # type: ignore[arg-type]
        lambda: client.voice_consents.delete(bad),  # type: ignore[arg-type]
    ):
        with pytest.raises(audiokit.ValidationError, match="consent_id"):
            call()
    assert recorder.requests == []


def test_update_posts_only_the_name_as_json(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = json_reply({**CONSENT, "name": "Jane"})
    consent = client.voice_consents.update("cons_1234", name="Jane")
    request = sent(recorder)
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/audio/voice_consents/cons_1234")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"name": "Jane"}
    assert consent.name == "Jane"


def test_delete_is_a_delete_without_body(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = json_reply(
        {"object": "audio.voice_consent", "id": "cons_1234", "deleted": True}
    )
    deleted = client.voice_consents.delete("cons_1234")
    request = sent(recorder)
    assert (request.method, str(request.url)) == (
        "DELETE",
        f"{BASE}/audio/voice_consents/cons_1234",
    )
    assert request.content == b""
    assert deleted == audiokit.DeletedVoiceConsent("cons_1234", True)
    assert bool(deleted) is True


# -- voices -------------------------------------------------------------------------------------


def test_create_voice_sends_name_consent_and_sample(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    recorder.reply = json_reply(VOICE)
    consent = audiokit.VoiceConsent("cons_1234", "John Doe", "en-US", 0)
    voice = client.voices.create(name="My new voice", audio_sample=wav, consent=consent)
    request = sent(recorder)
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/audio/voices")
    assert multipart_fields(request) == [("name", "My new voice"), ("consent", "cons_1234")]
    (file,) = [p for p in multipart_parts(request) if p.filename]
    assert (file.name, file.content_type, file.value) == ("audio_sample", "audio/wav", wav)
    assert voice == audiokit.Voice("voice_123abc", "My new voice", 1734220800)
    assert voice.raw == VOICE


def test_a_created_voice_is_spoken_by_id(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = lambda r: httpx.Response(
        200, content=encode_audio("mp3", 0.5), headers={"content-type": "audio/mpeg"}
    )
    voice = audiokit.Voice("voice_123abc", "Mine", 0)
    client.speak("Hello in my own voice.", voice=voice.id)
    client.speak("Hello again.", voice={"id": voice.id})
    bodies = [json.loads(r.content) for r in recorder.requests]
    assert [b["voice"] for b in bodies] == [{"id": "voice_123abc"}, {"id": "voice_123abc"}]


# -- malformed and error answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"id": "cons_1", "name": "A", "language": "en"}, "lacks created_at"),
        ({**CONSENT, "created_at": "yesterday"}, "'created_at' is not int"),
        ({**CONSENT, "created_at": True}, "'created_at' is not int"),
        ([CONSENT], "expected a JSON"),
    ],
)
def test_malformed_answers_raise_api_response_error(
    client: audiokit.Client, recorder: Recorder, body: object, words: str
) -> None:
    recorder.reply = json_reply(body)
    with pytest.raises(audiokit.APIResponseError, match=words):
        client.voice_consents.retrieve("cons_1")


def test_a_non_json_answer_raises_api_response_error(
    client: audiokit.Client, recorder: Recorder
) -> None:
    recorder.reply = lambda r: httpx.Response(
        200, content=b"not json", headers={"content-type": "text/plain"}
    )
    with pytest.raises(audiokit.APIResponseError, match="expected a JSON"):
        client.voice_consents.retrieve("cons_1")


def test_server_errors_keep_status_type_code(client: audiokit.Client, recorder: Recorder) -> None:
    error = {
        "error": {
            "message": "No consent cons_9",
            "type": "invalid_request_error",
            "param": "consent_id",
            "code": "not_found",
        }
    }
    recorder.reply = lambda r: httpx.Response(404, json=error, headers={"x-request-id": "req_1"})
    with pytest.raises(audiokit.NotFoundError) as info:
        client.voice_consents.delete("cons_9")
    assert (info.value.status_code, info.value.code, info.value.param) == (
        404,
        "not_found",
        "consent_id",
    )
    assert info.value.request_id == "req_1"


# -- listing and pagination ----------------------------------------------------------------------


def consent(n: int) -> dict:
    return {
        **CONSENT,
        "id": f"cons_{n:03d}",
        "name": f"Person {n}",
        "created_at": 1_700_000_000 + n,
    }


class PagingServer:
    """A consent list of ``total`` items served ``limit`` at a time after the ``after`` cursor."""

    def __init__(self, total: int, *, last_id: bool = True) -> None:
        self.items = [consent(n) for n in range(total)]
        self.last_id = last_id
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "GET" and request.url.path == "/v1/audio/voice_consents"
        assert request.content == b""
        query = dict(request.url.params)
        self.queries.append(query)
        limit = int(query.get("limit", 20))
        ids = [c["id"] for c in self.items]
        start = ids.index(query["after"]) + 1 if "after" in query else 0
        page = self.items[start : start + limit]
        body = {"object": "list", "data": page, "has_more": start + limit < len(self.items)}
        if self.last_id:
            body |= {
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
            }
        return httpx.Response(200, json=body)


def paging_client(server: PagingServer) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server))


def test_listing_follows_every_page_in_order_and_stops() -> None:
    server = PagingServer(7)
    consents = list(paging_client(server).voice_consents.list(limit=3))
    assert [c.id for c in consents] == [f"cons_{n:03d}" for n in range(7)]
    assert all(isinstance(c, audiokit.VoiceConsent) for c in consents)
    assert server.queries == [
        {"limit": "3"},
        {"limit": "3", "after": "cons_002"},
        {"limit": "3", "after": "cons_005"},
    ]


def test_listing_without_last_id_uses_the_last_items_id() -> None:
    server = PagingServer(5, last_id=False)
    ids = [c.id for c in paging_client(server).voice_consents.list(limit=2)]
    assert ids == [f"cons_{n:03d}" for n in range(5)]
    assert [q.get("after") for q in server.queries] == [None, "cons_001", "cons_003"]


def test_listing_is_lazy_and_pages_are_reachable() -> None:
    server = PagingServer(4)
    listing = paging_client(server).voice_consents.list(limit=2, after="cons_000", order="desc")
    assert server.queries == []  # nothing sent until iterated
    pages = list(listing.pages())
    assert [len(p.data) for p in pages] == [2, 1]
    assert [p.has_more for p in pages] == [True, False]
    assert pages[0].first_id == "cons_001" and pages[0].last_id == "cons_002"
    assert server.queries[0] == {"limit": "2", "after": "cons_000", "order": "desc"}


def test_an_empty_list_is_one_request() -> None:
    server = PagingServer(0)
    assert paging_client(server).voice_consents.list().to_list() == []
    assert server.queries == [{}]


def test_listing_stops_with_a_warning_after_max_pages() -> None:
    server = PagingServer(10)
    with pytest.warns(UserWarning, match="stopped after 2 pages"):
        ids = [c.id for c in paging_client(server).voice_consents.list(limit=3, max_pages=2)]
    assert len(ids) == 6 and len(server.queries) == 2


def test_a_cursor_that_does_not_move_raises_instead_of_looping() -> None:
    calls = []

    def stuck(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": [CONSENT],
                "has_more": True,
                "first_id": "cons_1234",
                "last_id": "cons_1234",
            },
        )

    client = audiokit.Client(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(stuck))
    with pytest.raises(audiokit.APIResponseError, match="cursor does not move"):
        list(client.voice_consents.list())
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"limit": True}, "limit"),
        ({"order": "newest"}, "order"),
        ({"after": ""}, "after"),
        ({"max_pages": 0}, "max_pages"),
    ],
)
def test_bad_list_arguments_raise_at_once(
    client: audiokit.Client, recorder: Recorder, kwargs: dict, param: str
) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        client.voice_consents.list(**kwargs)
    assert info.value.param == param
    assert recorder.requests == []


def test_a_page_that_is_not_a_list_raises(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = json_reply({"object": "list", "data": {"id": 1}, "has_more": False})
    with pytest.raises(audiokit.APIResponseError, match="'data'"):
        list(client.voice_consents.list())


# -- async --------------------------------------------------------------------------------------


async def test_async_resources_send_the_same_requests(wav: bytes) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        if request.url.path.endswith("/voices"):
            return httpx.Response(200, json=VOICE)
        if request.method == "DELETE":
            return httpx.Response(
                200, json={"object": "audio.voice_consent", "id": "cons_1234", "deleted": True}
            )
        return httpx.Response(200, json=CONSENT)

    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
    ) as client:
        made = await client.voice_consents.create(name="John Doe", recording=wav, language="en-US")
        got = await client.voice_consents.retrieve("cons_1234")
        renamed = await client.voice_consents.update("cons_1234", name="John Doe")
        voice = await client.voices.create(name="My new voice", audio_sample=wav, consent=made)
        deleted = await client.voice_consents.delete("cons_1234")
    assert (
        made
        == got
        == renamed
        == audiokit.VoiceConsent("cons_1234", "John Doe", "en-US", 1734220800)
    )
    assert voice.id == "voice_123abc" and deleted.deleted
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/v1/audio/voice_consents"),
        ("GET", "/v1/audio/voice_consents/cons_1234"),
        ("POST", "/v1/audio/voice_consents/cons_1234"),
        ("POST", "/v1/audio/voices"),
        ("DELETE", "/v1/audio/voice_consents/cons_1234"),
    ]
    assert multipart_fields(seen[0]) == [("name", "John Doe"), ("language", "en-US")]
    assert multipart_fields(seen[3]) == [("name", "My new voice"), ("consent", "cons_1234")]


async def test_async_listing_pages_through() -> None:
    server = PagingServer(5)
    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server)
    ) as client:
        ids = [c.id async for c in client.voice_consents.list(limit=2)]
        again = await client.voice_consents.list(limit=4).to_list()
    assert ids == [f"cons_{n:03d}" for n in range(5)] == [c.id for c in again]
    assert [q.get("after") for q in server.queries] == [
        None,
        "cons_001",
        "cons_003",
        None,
        "cons_003",
    ]


# -- the offline engine -------------------------------------------------------------------------


def test_offline_engine_refuses_custom_voices_with_the_reason(wav: bytes) -> None:
    client = audiokit.Client(backend="local")
    calls = [
        lambda: client.voice_consents.create(name="A", recording=wav),
        lambda: list(client.voice_consents.list()),
        lambda: client.voice_consents.retrieve("cons_1"),
        lambda: client.voice_consents.update("cons_1", name="B"),
        lambda: client.voice_consents.delete("cons_1"),
        lambda: client.voices.create(name="A", audio_sample=wav, consent="cons_1"),
    ]
    for call in calls:
        with pytest.raises(audiokit.BadRequestError) as info:
            call()
        error = info.value
        assert (error.status_code, error.type, error.code) == (
            400,
            "invalid_request_error",
            "unsupported_offline",
        )
        assert "not available in the offline engine" in error.message
        assert "OPENAI_API_KEY" in error.message


def test_offline_engine_routes_answer_in_the_openai_error_shape() -> None:
    from audiokit.local import LocalApp

    app = LocalApp()
    for method, path in [
        ("GET", "/v1/audio/voice_consents/cons_1/"),
        ("DELETE", "/audio/voice_consents/x"),
    ]:
        response = app.handle(method, path, {}, b"")
        body = json.loads(response.body)
        assert response.status == 400
        assert set(body["error"]) == {"message", "type", "param", "code"}
    assert app.handle("PUT", "/v1/audio/voice_consents/x", {}, b"").status == 405
    assert app.handle("GET", "/v1/audio/voice_consents/a/b", {}, b"").status == 404
    # and it does not pretend to be a chat model either
    assert app.handle("POST", "/v1/chat/completions", {}, b"{}").status == 404


def test_offline_speech_with_a_custom_voice_id_is_refused() -> None:
    client = audiokit.Client(backend="local")
    with pytest.raises(audiokit.BadRequestError, match="custom voices are not available offline"):
        client.speak("Hello.", voice="voice_123")


# -- %%speak with a custom voice (the magics are another module's; this checks the wire) ---------


def test_speak_magic_sends_a_custom_voice_id(fault_server: FaultServer) -> None:
    fault_server.script(Reply(200, {"content-type": "audio/mpeg"}, encode_audio("mp3", 0.5)))
    run_in_ipython("%%speak --voice voice_123\nHello in a custom voice.\n", fault_server.url)
    (request,) = fault_server.received
    assert (request.method, request.path) == ("POST", "/audio/speech")
    body = json.loads(request.body)
    assert body["voice"] == {"id": "voice_123"}
    assert body["input"].strip() == "Hello in a custom voice."


# -- contract: Prism mock of the OpenAPI schema ---------------------------------------------------


@pytest.mark.prism
def test_every_voice_route_is_accepted_by_the_schema(prism: str, wav: bytes) -> None:
    with audiokit.Client(api_key="sk-test", base_url=prism, max_retries=0) as client:
        made = client.voice_consents.create(name="John Doe", recording=wav, language="en-US")
        page = next(iter(client.voice_consents.list(limit=20, after="cons_1").pages()))
        got = client.voice_consents.retrieve("cons_1234")
        renamed = client.voice_consents.update("cons_1234", name="Jane")
        deleted = client.voice_consents.delete("cons_1234")
        voice = client.voices.create(name="My voice", audio_sample=wav, consent="cons_1234")
    # Prism answers 422 to a request that breaks the schema: reaching here means each matched,
    # and each answer (generated from the schema) parsed into its type.
    assert isinstance(made, audiokit.VoiceConsent) and isinstance(got, audiokit.VoiceConsent)
    assert isinstance(renamed, audiokit.VoiceConsent) and isinstance(voice, audiokit.Voice)
    assert deleted.object == "audio.voice_consent" and isinstance(deleted.deleted, bool)
    assert all(isinstance(c, audiokit.VoiceConsent) for c in page.data)


@pytest.mark.prism
def test_prism_does_reject_requests_off_the_schema(prism: str, wav: bytes) -> None:
    """The contract check has teeth: what our client never sends, Prism refuses."""
    headers = {"Authorization": "Bearer sk-test"}
    extra_field = httpx.post(
        f"{prism}/audio/voice_consents/cons_1", json={"name": "a", "x": 1}, headers=headers
    )
    no_consent = httpx.post(
        f"{prism}/audio/voices",
        data={"name": "a"},
        files={"audio_sample": ("a.wav", wav, "audio/wav")},
        headers=headers,
    )
    bad_limit = httpx.get(
        f"{prism}/audio/voice_consents", params={"limit": "many"}, headers=headers
    )
    no_key = httpx.get(f"{prism}/audio/voice_consents/cons_1")
    assert [r.status_code for r in (extra_field, no_consent, bad_limit, no_key)] == [
        422,
        422,
        422,
        401,
    ]


@pytest.mark.prism
def test_listing_against_a_server_that_always_has_more_is_bounded(prism: str) -> None:
    # Prism's generated page always says has_more=true with the same placeholder cursor.
    client = audiokit.Client(api_key="sk-test", base_url=prism, max_retries=0)
    with client, warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(audiokit.APIResponseError, match="cursor does not move"):
            list(client.voice_consents.list(limit=5))
