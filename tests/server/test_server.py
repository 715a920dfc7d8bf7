"""`audiokit serve` on 127.0.0.1: our client, the official openai SDK and raw HTTP against it.

The server runs as a real subprocess (the command users type), on the offline engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import jiwer
import pytest
from _tools import require
from conftest import ServeProcess

import audiokit

SENTENCES = [
    "The weather today is sunny with a light breeze.",
    "Please send the report to the finance team by Friday.",
    "My favourite colour is green, and I like to read books.",
    "The train to the city leaves at seven in the morning.",
]
SERVER_KEY = "sk-local-test-key"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with ServeProcess(startup_timeout=180) as served:  # generous: CI machines are shared
        yield served.url


@pytest.fixture(scope="module")
def recordings() -> list[audiokit.Speech]:
    local = audiokit.Client(backend="local")
    return [local.speak(s, response_format="wav") for s in SENTENCES]


@pytest.fixture
def client(server: str) -> Iterator[audiokit.Client]:
    with audiokit.Client(base_url=f"{server}/v1", api_key="sk-anything", max_retries=0) as c:
        yield c


def test_client_round_trip_word_error_rate(client: audiokit.Client, recordings: list) -> None:
    assert client.backend == "api"
    hypotheses = [client.transcribe(r).text for r in recordings]
    error = jiwer.wer(
        [jiwer.RemovePunctuation()(s.lower()) for s in SENTENCES],
        [jiwer.RemovePunctuation()(h.lower()) for h in hypotheses],
    )
    assert error <= 0.15, list(zip(SENTENCES, hypotheses, strict=True))


def test_timestamps_and_logprobs(client: audiokit.Client, recordings: list) -> None:
    speech = recordings[1]
    timed = client.transcribe(
        speech,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    starts = [w.start for w in timed.word_list]
    assert starts == sorted(starts) and len(starts) >= 8
    assert all(0 <= w.start <= w.end <= speech.duration + 0.05 for w in timed.word_list)
    assert timed.segment_list[-1].end <= speech.duration + 0.05
    confident = client.transcribe(speech, logprobs=True)
    assert confident.logprobs and all(lp.logprob <= 0 for lp in confident.logprobs)
    # the tokens spell the text (modulo the leading space Whisper puts on the first token)
    assert "".join(lp.token for lp in confident.logprobs).strip() == confident.text


def test_streaming_matches_non_streaming(client: audiokit.Client, recordings: list) -> None:
    stream = client.transcribe(recordings[0], stream=True, logprobs=True)
    deltas = [e.delta for e in stream if e.type == "transcript.text.delta"]
    assert len(deltas) > 3  # token by token, not one blob
    assert stream.transcript.text == "".join(deltas).strip()
    # the same decoding (greedy: logprobs and streams need it; plain requests get beam search)
    assert stream.transcript.text == client.transcribe(recordings[0], logprobs=True).text


def test_speech_formats_through_server(client: audiokit.Client) -> None:
    for fmt in audiokit.SPEECH_FORMATS:
        speech = client.speak("Testing every format.", model="tts-1", response_format=fmt)
        samples, _ = speech.to_numpy()
        assert 0.5 < speech.duration < 5, fmt
        assert abs(samples).max() > 0.05, fmt


def test_openai_sdk_against_server(server: str, recordings: list) -> None:
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    sdk = openai.OpenAI(base_url=f"{server}/v1", api_key="sk-anything", max_retries=0)
    audio = recordings[3].data
    text = sdk.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", audio, "audio/wav"), include=["logprobs"]
    ).text  # with logprobs, decoded greedily as the stream below is (plain requests use beams)
    assert "train" in text.lower()
    events = list(
        sdk.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe",
            file=("a.wav", audio, "audio/wav"),
            stream=True,
            include=["logprobs"],
        )
    )
    assert events[-1].type == "transcript.text.done"
    assert events[-1].text == text
    assert all(e.logprobs for e in events[:-1])
    srt = sdk.audio.transcriptions.create(
        model="whisper-1", file=("a.wav", audio, "audio/wav"), response_format="srt"
    )
    assert "-->" in srt
    speech = sdk.audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input="Hello.", response_format="wav"
    )
    assert speech.content[:4] == b"RIFF"
    assert sdk.models.list().data[0].owned_by == "audiokit-local"


def test_error_shapes(server: str, recordings: list) -> None:
    wav = recordings[0].data
    url = f"{server}/v1/audio/transcriptions"
    bad = httpx.post(
        url,
        data={"model": "gpt-4o-mini-transcribe", "response_format": "srt"},
        files={"file": ("a.wav", wav, "audio/wav")},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "response_format"
    unreadable = httpx.post(
        url,
        data={"model": "whisper-1"},
        files={"file": ("a.wav", b"RIFF....WAVEnot really", "audio/wav")},
    )
    assert unreadable.status_code == 400
    assert unreadable.json()["error"]["param"] == "file"
    not_multipart = httpx.post(url, json={"model": "whisper-1"})
    assert not_multipart.status_code == 415
    huge = httpx.post(
        url,
        data={"model": "whisper-1"},
        files={"file": ("a.wav", wav[:44] + b"\0" * (26 * 2**20), "audio/wav")},
    )
    assert huge.status_code == 413
    assert httpx.get(f"{server}/v1/nothing-here").status_code == 404


def test_diarization_through_server(server: str, recordings: list) -> None:
    """One voice (Piper) is one speaker, labelled ``A``, in the API's diarized_json shape."""
    answer = httpx.post(
        f"{server}/v1/audio/transcriptions",
        data={"model": "gpt-4o-transcribe-diarize", "response_format": "diarized_json"},
        files={"file": ("a.wav", recordings[0].data, "audio/wav")},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["task"] == "transcribe" and body["segments"]
    assert {s["speaker"] for s in body["segments"]} == {"A"}
    assert {s["type"] for s in body["segments"]} == {"transcript.text.segment"}
    assert body["text"].startswith("A: ") and "sunny" in body["text"].lower()


def test_errors_reach_the_client_typed(client: audiokit.Client, recordings: list) -> None:
    with pytest.raises(audiokit.BadRequestError) as info:
        client.speak("Hello", voice={"id": "voice_123"})
    assert info.value.status_code == 400 and info.value.param == "voice"
    assert "offline" in str(info.value)


def test_api_key_required_when_configured(recordings: list) -> None:
    with ServeProcess("--api-key", SERVER_KEY, startup_timeout=180) as served:
        url = served.url
        wrong = audiokit.Client(base_url=f"{url}/v1", api_key="sk-wrong", max_retries=0)
        with pytest.raises(audiokit.AuthenticationError) as info:
            wrong.transcribe(recordings[0])
        assert info.value.code == "invalid_api_key"
        assert "sk-wrong" not in str(info.value)
        right = audiokit.Client(base_url=f"{url}/v1", api_key=SERVER_KEY)
        assert "weather" in right.transcribe(recordings[0]).text.lower()


def test_a_slow_request_does_not_block_a_fast_one(server: str, recordings: list) -> None:
    """A transcription whose upload is held half sent is in flight while other requests are
    answered: the order of events proves it. A server serving one request at a time would
    never answer the quick request (it fails on its timeout), so the held upload would never
    go on."""
    events: list[str] = []
    half_sent, fast_answered = threading.Event(), threading.Event()
    prepared = httpx.Request(
        "POST",
        f"{server}/v1/audio/transcriptions",
        data={"model": "whisper-1"},
        files={"file": ("a.wav", recordings[2].data, "audio/wav")},
    )
    body = prepared.read()
    headers = {k: prepared.headers[k] for k in ("content-type", "content-length")}

    def held_upload() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        # httpx asks for the next piece once the first is written to the socket
        events.append("slow: half the upload sent")
        half_sent.set()
        fast_answered.wait(timeout=120)
        events.append("slow: rest of the upload sent")
        yield body[len(body) // 2 :]

    slow: dict[str, httpx.Response] = {}

    def slow_request() -> None:
        slow["response"] = httpx.post(
            prepared.url, content=held_upload(), headers=headers, timeout=120
        )
        events.append("slow: answered")

    worker = threading.Thread(target=slow_request)
    worker.start()
    try:
        assert half_sent.wait(timeout=120)
        quick = httpx.get(f"{server}/v1/models", timeout=120)
        events.append("fast: answered")
    finally:
        fast_answered.set()
        worker.join(timeout=300)
    assert quick.status_code == 200 and quick.json()["data"]
    assert events == [
        "slow: half the upload sent",
        "fast: answered",
        "slow: rest of the upload sent",
        "slow: answered",
    ]
    assert slow["response"].status_code == 200
    assert "green" in slow["response"].json()["text"].lower()
