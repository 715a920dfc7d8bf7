"""Results say what really ran, and errors read as what they are.

Offline, every model name runs the one local Whisper and every voice the one Piper voice: the
offline engine says which in the ``x-audiokit-engine`` header, in-process and over real HTTP
(``audiokit serve``), and the client keeps it as ``.engine`` beside ``.params`` (what was
asked). Errors from the in-process engine read like client-side checks (no HTTP happened);
a server's error names an uploaded file, never its content; a wrong value is shown as itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import audiokit
from audiokit.core import ENGINE_HEADER, WORD_PROBABILITIES_HEADER
from audiokit.local import LocalApp
from audiokit.server import create_app, serve_in_thread

SENTENCE = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def local() -> audiokit.Client:
    return audiokit.Client(backend="local")


@pytest.fixture(scope="module")
def wav(local: audiokit.Client) -> bytes:
    return local.speak(SENTENCE, response_format="wav").data


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve_in_thread(create_app(LocalApp())) as running:
        yield running.url


def test_offline_results_keep_what_was_asked_and_say_what_ran(local, wav):
    t = local.transcribe(wav, model="whisper-1", response_format="verbose_json")
    assert (t.params["model"], t.model, t.engine) == ("whisper-1", "whisper-1", "Whisper tiny.en")
    s = local.speak("Hello.", voice="coral", model="tts-1")
    assert (s.params["voice"], s.params["model"]) == ("coral", "tts-1")
    assert s.engine == "Piper en_US-joe-medium"
    # Saved and loaded, a transcript still knows.
    assert audiokit.Transcript.from_dict(t.to_dict()).engine == "Whisper tiny.en"


def test_long_text_pieces_keep_the_engine(local):
    text = "This is one sentence of a long text. " * 120  # past 4096 characters: pieces
    speech = local.speak(text, response_format="wav")
    assert speech.engine == "Piper en_US-joe-medium"


def test_streamed_results_say_what_ran(local, wav):
    with local.transcribe(wav, stream=True) as stream:
        for _ in stream:
            pass
    assert stream.transcript.engine == "Whisper tiny.en"
    assert stream.transcript.params["model"] == "gpt-4o-mini-transcribe"
    speech = local.speak("Hello there.", voice="coral", stream=True)
    chunks = [event.audio for event in speech if hasattr(event, "audio")]
    assert chunks and speech.speech.engine == "Piper en_US-joe-medium"
    sse = local.speak("Hello there.", stream_format="sse", model="gpt-4o-mini-tts")
    assert sse.engine == "Piper en_US-joe-medium" and sse.data


async def test_async_streams_over_http_say_what_ran(server_url, wav):
    async with audiokit.AsyncClient(
        base_url=f"{server_url}/v1", api_key="sk-x", max_retries=0
    ) as client:
        stream = await client.transcribe(wav, stream=True)
        t = await stream.until_done()
        speech = await client.speak("Hi.", voice="ash", stream=True)
        s = await speech.until_done()
    assert t.engine == "Whisper tiny.en" and t.text
    assert s.engine == "Piper en_US-joe-medium" and s.data


def test_the_server_says_what_ran_over_http(server_url, wav):
    with audiokit.Client(base_url=f"{server_url}/v1", api_key="sk-x", max_retries=0) as client:
        t = client.transcribe(wav)
        s = client.speak("Hi.", voice="ash")
    assert t.engine == "Whisper tiny.en" and t.params["model"] == "gpt-4o-mini-transcribe"
    assert s.engine == "Piper en_US-joe-medium" and s.params["voice"] == "ash"
    answer = httpx.post(
        f"{server_url}/v1/audio/speech",
        json={"model": "tts-1", "input": "Hi.", "voice": "coral"},
        timeout=120,
    )
    assert answer.headers[ENGINE_HEADER] == "Piper en_US-joe-medium"


def test_api_results_have_no_engine(recorder, wav):
    recorder.reply = lambda request: httpx.Response(200, json={"text": "Hi."})
    client = audiokit.Client(api_key="sk-test", transport=recorder.transport)
    t = client.transcribe(wav)
    assert t.engine is None and repr(t).startswith("Transcript(gpt-4o-mini-transcribe)")


def test_in_process_errors_read_like_client_side_checks(local, wav):
    with pytest.raises(audiokit.BadRequestError) as caught:
        local.transcribe(wav, language="fr")
    error = caught.value
    assert str(error) == (  # the suite runs tiny.en (tests/conftest.py)
        "language='fr': this Whisper model is English-only (e.g. tiny.en); the default, base "
        "(AUDIOKIT_WHISPER_MODEL=base, or unset it), knows 99 languages; allowed: en"
    )
    assert (error.status_code, error.param, error.code) == (400, "language", "unsupported_value")
    assert error.in_process


def test_http_errors_still_say_http(server_url, wav):
    with (
        audiokit.Client(base_url=f"{server_url}/v1", api_key="sk-x", max_retries=0) as client,
        pytest.raises(audiokit.BadRequestError) as caught,
    ):
        client.transcribe(wav, language="fr")
    assert str(caught.value).startswith(
        "HTTP 400: language='fr': this Whisper model is English-only"
    )
    assert not caught.value.in_process


def test_a_wrong_value_is_shown_as_itself(local):
    with pytest.raises(audiokit.ValidationError) as file_none:
        local.transcribe(None)
    assert str(file_none.value).startswith("file=None is not allowed")
    assert "NoneType" not in str(file_none.value)
    with pytest.raises(audiokit.ValidationError) as input_none:
        local.speak(None)
    assert str(input_none.value).startswith("input=None is not allowed")
    with pytest.raises(audiokit.ValidationError) as input_int:
        local.speak(42)
    assert str(input_int.value).startswith("input=42 is not allowed")


def test_errors_name_the_upload_never_its_content(server_url, local):
    content = b"hello world, this is my private note\n"
    files = {"file": ("notes.txt", content, "text/plain")}
    answer = httpx.post(
        f"{server_url}/v1/audio/transcriptions", data={"model": "whisper-1"}, files=files
    )
    message = answer.json()["error"]["message"]
    assert answer.status_code == 400
    assert message.startswith("file='notes.txt': not a recognisable audio file")
    assert "hello" not in message and "private" not in message
    # Bytes without a name are described by their size, in the client's own check too.
    with pytest.raises(audiokit.AudioError) as caught:
        local.transcribe(content)
    assert str(caught.value).startswith(f"file='<{len(content)} bytes>'")
    assert "hello" not in str(caught.value)


def test_offline_word_probabilities_come_in_process_and_never_over_http(local, wav, server_url):
    # The API's verbose_json words have no probability; Whisper's reach the in-process client
    # beside the JSON (a header the in-process transport adds), so offline words get a
    # confidence, while `audiokit serve` answers exactly what the API would.
    params = dict(model="whisper-1", response_format="verbose_json",
                  timestamp_granularities=["word", "segment"])  # fmt: skip
    t = local.transcribe(wav, **params)
    probabilities = [w.probability for w in t.word_list]
    assert probabilities and all(p is not None and 0 < p <= 1 for p in probabilities)
    assert all(set(w) == {"word", "start", "end"} for w in t.raw["words"])  # API-shaped JSON
    assert t.words["confidence"].tolist() == pytest.approx(probabilities)
    again = audiokit.Transcript.from_dict(t.to_dict())
    assert [w.probability for w in again.word_list] == probabilities

    with httpx.Client(base_url=server_url) as http:
        answer = http.post(
            "/v1/audio/transcriptions",
            files={"file": ("fox.wav", wav, "audio/wav")},
            data={"model": "whisper-1", "response_format": "verbose_json",
                  "timestamp_granularities[]": "word"},
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert WORD_PROBABILITIES_HEADER not in answer.headers
    assert all(set(w) == {"word", "start", "end"} for w in answer.json()["words"])
    remote = audiokit.Client(base_url=server_url + "/v1", api_key="sk-local-0000000000")
    over_http = remote.transcribe(wav, **params)
    assert [w.word for w in over_http.word_list] == [w.word for w in t.word_list]
    assert all(w.probability is None for w in over_http.word_list)
