"""Languages: the reference's supported list, ISO-639-1 codes, and names accepted everywhere.

The list is compared with the speech-to-text guide's "Supported languages" sentence, and every
code with Whisper's own language codes (from faster-whisper's tokenizer). Then each path that
takes a language is checked to send the code: ``transcribe`` (sync and async, ``language`` and
``languages``), the ``%transcribe`` magic's ``--language``, voice consents, and the offline
engine (which gets ``de`` for "German" and says it has an English-only model).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from _tools import require
from conftest import FaultServer, Recorder, Reply, encode_audio, multipart_fields

import audiokit
from audiokit import SUPPORTED_LANGUAGES, normalize_language

KEY = "sk-test-languages-0000"
BASE = "http://api.test/v1"

# The guide's sentence, verbatim ("Speech to text" → "Supported languages").
GUIDE = (
    "Afrikaans, Arabic, Armenian, Azerbaijani, Belarusian, Bosnian, Bulgarian, Catalan, Chinese, "
    "Croatian, Czech, Danish, Dutch, English, Estonian, Finnish, French, Galician, German, Greek, "
    "Hebrew, Hindi, Hungarian, Icelandic, Indonesian, Italian, Japanese, Kannada, Kazakh, Korean, "
    "Latvian, Lithuanian, Macedonian, Malay, Marathi, Maori, Nepali, Norwegian, Persian, Polish, "
    "Portuguese, Romanian, Russian, Serbian, Slovak, Slovenian, Spanish, Swahili, Swedish, "
    "Tagalog, Tamil, Thai, Turkish, Ukrainian, Urdu, Vietnamese, and Welsh."
)


@pytest.fixture
def client(recorder: Recorder) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)


@pytest.fixture(scope="module")
def wav() -> bytes:
    return encode_audio("wav", 1.0)


# -- the list -----------------------------------------------------------------------------------


def test_the_list_is_the_guides() -> None:
    names = [n.strip() for n in GUIDE.rstrip(".").replace(", and ", ", ").split(",")]
    assert len(names) == 57
    assert sorted(SUPPORTED_LANGUAGES.values()) == sorted(names)


def test_every_code_is_a_whisper_language_code() -> None:
    tokenizer = require(
        "faster_whisper.tokenizer",
        "the offline engine is not installed (pip install -e '.[local]')",
    )
    whisper_codes = set(tokenizer._LANGUAGE_CODES)
    assert set(SUPPORTED_LANGUAGES) <= whisper_codes
    assert all(len(code) == 2 and code.islower() for code in SUPPORTED_LANGUAGES)


@pytest.mark.parametrize(("code", "name"), sorted(SUPPORTED_LANGUAGES.items()))
def test_every_code_and_name_normalises_to_the_code(code: str, name: str) -> None:
    assert normalize_language(code) == code
    assert normalize_language(code.upper()) == code
    assert normalize_language(name) == code
    assert normalize_language(f"  {name.upper()} ") == code


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("German", "de"),
        ("de-DE", "de"),
        ("pt_BR", "pt"),
        ("zh-Hans-CN", "zh"),
        ("en-US", "en"),
        ("Mandarin", "zh"),
        ("Farsi", "fa"),
        ("Filipino", "tl"),
        ("bokmal", "no"),
    ],
)
def test_regions_scripts_and_common_alternative_names(given: str, code: str) -> None:
    assert normalize_language(given) == code


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("Germn", "did you mean German (de)"),
        ("Englsh", "did you mean English (en)"),
        ("Klingon", "unsupported language"),
        ("xx", "unsupported language"),
        ("xx-DE", "unsupported language"),  # the region does not rescue an unknown language
    ],
)
def test_unsupported_languages_raise_with_suggestions(given: str, hint: str) -> None:
    with pytest.raises(audiokit.ValidationError, match="language") as info:
        normalize_language(given)
    assert hint in str(info.value)
    assert "SUPPORTED_LANGUAGES" in info.value.allowed


@pytest.mark.parametrize("bad", ["", "   ", None, 7, ["de"]])
def test_non_languages_raise(bad: object) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        normalize_language(bad)  # type: ignore[arg-type]
    assert info.value.param == "language"


# -- every path sends the code -------------------------------------------------------------------


def test_transcribe_sends_the_code(client: audiokit.Client, recorder: Recorder, wav: bytes) -> None:
    t = client.transcribe(wav, model="whisper-1", language="German")
    assert ("language", "de") in multipart_fields(recorder.requests[0])
    assert t.params["language"] == "de"


def test_transcribe_languages_list_sends_codes(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    client.transcribe(wav, model="gpt-transcribe", languages=["German", "fr-FR", "Japanese"])
    fields = multipart_fields(recorder.requests[0])
    assert [v for k, v in fields if k == "languages[]"] == ["de", "fr", "ja"]


def test_a_bad_language_is_refused_before_sending(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    with pytest.raises(audiokit.ValidationError, match="German"):
        client.transcribe(wav, language="Germn")
    assert recorder.requests == []


async def test_async_transcribe_sends_the_code(wav: bytes) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={"text": "ok"})

    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
    ) as client:
        await client.transcribe(wav, language="Spanish")
    assert ("language", "es") in multipart_fields(seen[0])


def test_voice_consents_take_names_too(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    recorder.reply = lambda r: httpx.Response(200, json={
        "object": "audio.voice_consent", "id": "cons_1", "name": "A", "language": "de",
        "created_at": 0,
    })  # fmt: skip
    client.voice_consents.create(name="A", recording=wav, language="German")
    assert ("language", "de") in multipart_fields(recorder.requests[0])


def test_the_transcribe_magic_sends_the_code(fault_server: FaultServer, tmp_path: Path) -> None:
    from conftest import run_in_ipython

    path = tmp_path / "clip.wav"
    path.write_bytes(encode_audio("wav", 1.0))
    fault_server.script(Reply(200, {"content-type": "application/json"}, b'{"text": "ok"}'))
    run_in_ipython(f"%transcribe -m whisper-1 --language German {path}", fault_server.url)
    (received,) = fault_server.received
    request = httpx.Request(
        "POST", fault_server.url, headers=received.headers, content=received.body
    )
    assert received.path == "/audio/transcriptions"
    assert ("language", "de") in multipart_fields(request)


def test_the_offline_engine_receives_the_code(wav: bytes) -> None:
    local = audiokit.Client(backend="local")
    speech = local.speak("Good morning.", response_format="wav")
    english = local.transcribe(speech, model="whisper-1", language="English")
    assert english.params["language"] == "en" and "morning" in english.text.lower()
    with pytest.raises(audiokit.BadRequestError) as info:
        local.transcribe(wav, model="whisper-1", language="German")
    assert "'de'" in info.value.message  # the name became the code before the engine saw it
    body = json.dumps(info.value.body)
    assert "German" not in body
