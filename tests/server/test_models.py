"""Model names on a real `audiokit serve`: `models.retrieve`, 404 `model_not_found` for names the
API does not have, `--model NAME` aliases, and whisper-1's ignored `stream=True`.

The official `openai` SDK and the reference's curl examples are the clients.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from _tools import require
from conftest import ServeProcess

import audiokit

SENTENCE = "The train to the city leaves at seven in the morning."
REFERENCE_NAMES = [
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-transcribe-diarize",
    "tts-1",
    "tts-1-hd",
    "gpt-4o-mini-tts",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with ServeProcess("--model", "my-asr", "--model", "house-voice", startup_timeout=180) as served:
        yield served.url


@pytest.fixture(scope="module")
def wav() -> bytes:
    return audiokit.Client(backend="local").speak(SENTENCE, response_format="wav").data


@pytest.fixture(scope="module")
def sdk(server: str):
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    return openai.OpenAI(base_url=f"{server}/v1", api_key="sk-anything", max_retries=0)


def test_models_retrieve_and_list_agree(sdk) -> None:
    listed = [m.id for m in sdk.models.list().data]
    assert set(REFERENCE_NAMES) <= set(listed)
    assert {"my-asr", "house-voice"} <= set(listed)  # the aliases are listed too
    for name in listed:
        model = sdk.models.retrieve(name)
        assert (model.id, model.object, model.owned_by) == (name, "model", "audiokit-local")


def test_unknown_models_are_404_model_not_found(sdk, wav: bytes) -> None:
    import openai

    calls = {
        "retrieve": lambda: sdk.models.retrieve("gpt-9"),
        "transcribe": lambda: sdk.audio.transcriptions.create(
            model="gpt-9", file=("a.wav", wav, "audio/wav")
        ),
        "translate": lambda: sdk.audio.translations.create(
            model="gpt-9", file=("a.wav", wav, "audio/wav")
        ),
        "speak": lambda: sdk.audio.speech.create(model="tts-9", voice="coral", input="Hello."),
    }
    for what, call in calls.items():
        with pytest.raises(openai.NotFoundError) as raised:
            call()
        error = raised.value.body
        assert raised.value.status_code == 404, what
        assert (error["type"], error["code"]) == ("invalid_request_error", "model_not_found")
        assert "does not exist" in error["message"] and "--model" in error["message"], what


def test_aliases_run_the_offline_engine(sdk, wav: bytes) -> None:
    text = sdk.audio.transcriptions.create(model="my-asr", file=("a.wav", wav, "audio/wav")).text
    assert "train" in text.lower()
    speech = sdk.audio.speech.create(
        model="house-voice", voice="coral", input="Hello.", response_format="wav"
    )
    assert speech.content[:4] == b"RIFF"
    # an alias is a name, not a family: a speech model still cannot transcribe
    with pytest.raises(Exception) as raised:
        sdk.audio.transcriptions.create(model="tts-1", file=("a.wav", wav, "audio/wav"))
    assert raised.value.status_code == 400 and raised.value.body["param"] == "model"


def test_in_process_engine_refuses_unknown_models(wav: bytes) -> None:
    client = audiokit.Client(backend="local")
    with pytest.raises(audiokit.NotFoundError) as raised:
        client.transcribe(wav, model="gpt-9")
    assert raised.value.code == "model_not_found"
    with pytest.raises(audiokit.NotFoundError):
        client.speak("Hello.", model="tts-9")


def test_reference_curl_whisper_stream_is_answered_whole(server: str, wav: bytes, tmp_path) -> None:
    """The guide's `--form model=whisper-1 --form stream=True`: streaming is ignored."""
    path = tmp_path / "example.wav"
    path.write_bytes(wav)
    out = subprocess.run(
        [
            "curl", "--silent", "--show-error", "--request", "POST",
            "--url", f"{server}/v1/audio/transcriptions",
            "--header", "Authorization: Bearer sk-anything",
            "--header", "Content-Type: multipart/form-data",
            "--form", f"file=@{path}", "--form", "model=whisper-1", "--form", "stream=True",
            "--write-out", "\n%{http_code} %{content_type}",
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    body, _, status = out.stdout.rpartition("\n")
    assert status.startswith("200 application/json"), out.stdout
    assert "train" in json.loads(body)["text"].lower()


def test_client_whisper_stream_warns_once_and_iterates(server: str) -> None:
    """In a fresh process (the warning is once per process): two streams, one warning, each
    stream one done event whose transcript is the whole verbose_json answer."""
    script = f"""
import warnings, audiokit
warnings.simplefilter("always")
local = audiokit.Client(backend="local")
wav = local.speak({SENTENCE!r}, response_format="wav")
client = audiokit.Client(base_url="{server}/v1", api_key="sk-anything", max_retries=0)
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    streams = [client.transcribe(wav, model="whisper-1", stream=True,
                                 response_format="verbose_json") for _ in range(2)]
    events = [[e.type for e in s] for s in streams]
whole = client.transcribe(wav, model="whisper-1", response_format="verbose_json")
print(len([w for w in seen if "stream=True is ignored" in str(w.message)]))
print(events)
print(streams[0].transcript.text == whole.text, len(streams[0].transcript.segment_list) > 0)
print(seen[0].filename)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr[-2000:]
    assert lines[0] == "1"  # once per process
    assert lines[1] == str([["transcript.text.done"]] * 2)
    assert lines[2] == "True True"
    assert lines[3] == "<string>"  # the warning names the caller's line, not audiokit's


def test_sdk_whisper_stream_gets_the_plain_answer(server: str, wav: bytes) -> None:
    raw = httpx.post(
        f"{server}/v1/audio/transcriptions",
        data={"model": "whisper-1", "stream": "true", "response_format": "verbose_json"},
        files={"file": ("a.wav", wav, "audio/wav")},
        timeout=120,
    )
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    assert raw.json()["segments"] and raw.json()["usage"]["type"] == "duration"
