"""The wire format of every request, read back from the bytes httpx really sends.

Each test calls the public client with a recording ``httpx.MockTransport`` and parses the
multipart body with the stdlib email parser (or the JSON body), so what is asserted is what the
API would receive — field names (bracketed arrays and objects as the official SDK sends them),
values, order of repeated fields, the file part's name and content type, and the headers.
The checks themselves (which parameters each model takes) are in ``test_bad_input.py``.
"""

from __future__ import annotations

import base64
import json
import warnings

import httpx
import pytest
from conftest import Recorder, encode_audio, multipart_fields, multipart_parts

import audiokit
from audiokit.wire import (
    SPEECH_FORMATS,
    SPEECH_MODELS,
    TRANSCRIPTION_MODELS,
    TRANSLATION_FORMATS,
    APIRequest,
    speech_request,
    transcription_request,
)

KEY = "sk-test-wire-0000"
BASE = "http://api.test/v1"


@pytest.fixture
def client(recorder: Recorder) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)


def sent(recorder: Recorder) -> httpx.Request:
    assert len(recorder.requests) == 1, recorder.requests
    return recorder.requests[0]


# -- transcription ----------------------------------------------------------------------------


def test_minimal_transcription_is_model_format_and_file(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    client.transcribe(wav_bytes, model="gpt-4o-mini-transcribe")
    request = sent(recorder)
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/audio/transcriptions"
    parts = multipart_parts(request)
    assert [(p.name, p.filename) for p in parts] == [
        ("model", None),
        ("response_format", None),
        ("file", "audio.wav"),
    ]
    assert multipart_fields(request) == [
        ("model", "gpt-4o-mini-transcribe"),
        ("response_format", "json"),
    ]
    file = parts[-1]
    assert file.content_type == "audio/wav"
    assert file.value == wav_bytes  # byte for byte


def test_headers(recorder: Recorder, wav_bytes: bytes) -> None:
    client = audiokit.Client(
        api_key=KEY,
        base_url=BASE + "/",  # a trailing slash must not double up
        organization="org-1",
        project="proj-1",
        transport=recorder.transport,
    )
    client.transcribe(wav_bytes)
    request = sent(recorder)
    assert str(request.url) == f"{BASE}/audio/transcriptions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["openai-organization"] == "org-1"
    assert request.headers["openai-project"] == "proj-1"
    assert request.headers["user-agent"].startswith("audiokit/")
    assert request.headers["accept"] == "*/*"
    assert int(request.headers["content-length"]) == len(request.content)


def test_whisper_verbose_json_with_every_parameter(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    client.transcribe(
        wav_bytes,
        model="whisper-1",
        language="German",
        prompt='Grüße aus 東京 — "quoted"\nsecond line',
        response_format="verbose_json",
        temperature=0.2,
        timestamp_granularities=["word", "segment"],
        chunking_strategy="auto",
    )
    assert multipart_fields(sent(recorder)) == [
        ("model", "whisper-1"),
        ("language", "de"),
        ("prompt", 'Grüße aus 東京 — "quoted"\nsecond line'),
        ("response_format", "verbose_json"),
        ("temperature", "0.2"),
        ("timestamp_granularities[]", "word"),
        ("timestamp_granularities[]", "segment"),
        ("chunking_strategy", "auto"),
    ]


def test_gpt4o_logprobs_and_stream_fields(recorder: Recorder, wav_bytes: bytes) -> None:
    body = (
        'data: {"type":"transcript.text.delta","delta":"hi"}\n\n'
        'data: {"type":"transcript.text.done","text":"hi"}\n\n'
    )
    recorder.reply = lambda r: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, text=body
    )
    client = audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)
    with client.transcribe(
        wav_bytes, model="gpt-4o-transcribe", logprobs=True, language="en-US", stream=True
    ) as stream:
        assert stream.until_done().text == "hi"
    request = sent(recorder)
    assert request.headers["accept"] == "text/event-stream"
    assert multipart_fields(request) == [
        ("model", "gpt-4o-transcribe"),
        ("language", "en"),
        ("response_format", "json"),
        ("include[]", "logprobs"),
        ("stream", "true"),
    ]


def test_include_and_logprobs_shortcut_are_not_sent_twice(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    client.transcribe(
        wav_bytes, model="gpt-4o-mini-transcribe", include=["logprobs", "logprobs"], logprobs=True
    )
    assert [f for f in multipart_fields(sent(recorder)) if f[0] == "include[]"] == [
        ("include[]", "logprobs")
    ]


def test_diarization_with_server_vad_and_known_speakers(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    agent = encode_audio("wav", 2.5)
    customer = encode_audio("mp3", 3.0)
    client.transcribe(
        wav_bytes,
        model="gpt-4o-transcribe-diarize",
        response_format="diarized_json",
        chunking_strategy={
            "type": "server_vad",
            "threshold": 0.55,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 200,
        },
        known_speaker_names=["agent", "customer"],
        known_speaker_references=[agent, customer],
    )
    fields = multipart_fields(sent(recorder))
    refs = [v for k, v in fields if k == "known_speaker_references[]"]
    assert [f for f in fields if f[0] != "known_speaker_references[]"] == [
        ("model", "gpt-4o-transcribe-diarize"),
        ("response_format", "diarized_json"),
        ("chunking_strategy[type]", "server_vad"),
        ("chunking_strategy[prefix_padding_ms]", "300"),
        ("chunking_strategy[silence_duration_ms]", "200"),
        ("chunking_strategy[threshold]", "0.55"),
        ("known_speaker_names[]", "agent"),
        ("known_speaker_names[]", "customer"),
    ]
    # one data URL per name, in the same order, carrying the sample byte for byte
    assert refs[0] == "data:audio/wav;base64," + base64.b64encode(agent).decode()
    assert refs[1] == "data:audio/mpeg;base64," + base64.b64encode(customer).decode()


def test_speaker_reference_given_as_data_url_is_passed_through(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    sample = encode_audio("flac", 2.0)
    url = "data:audio/flac;base64," + base64.b64encode(sample).decode()
    client.transcribe(
        wav_bytes,
        model="gpt-4o-transcribe-diarize",
        known_speaker_names=["a"],
        known_speaker_references=[url],
    )
    assert ("known_speaker_references[]", url) in multipart_fields(sent(recorder))


def test_gpt_transcribe_languages_and_keywords(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    client.transcribe(
        wav_bytes,
        model="gpt-transcribe",
        languages=["English", "de"],
        keywords=["ZyntriQix", "Digique Plus"],
    )
    assert multipart_fields(sent(recorder))[2:] == [
        ("languages[]", "en"),
        ("languages[]", "de"),
        ("keywords[]", "ZyntriQix"),
        ("keywords[]", "Digique Plus"),
    ]


def test_unknown_model_gets_only_generic_checks(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    recorder.reply = lambda r: httpx.Response(200, text="1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    client.transcribe(wav_bytes, model="my-whisper-large", response_format="srt", temperature=1)
    assert multipart_fields(sent(recorder)) == [
        ("model", "my-whisper-large"),
        ("response_format", "srt"),
        ("temperature", "1"),
    ]


@pytest.mark.parametrize(
    ("value", "wire"),
    [(0, "0"), (0.0, "0"), (1, "1"), (0.2, "0.2"), (0.123456789, "0.123456789"), (1e-7, "1e-07")],
)
def test_numbers_are_sent_exactly(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes, value: float, wire: str
) -> None:
    client.transcribe(wav_bytes, model="whisper-1", temperature=value)
    assert ("temperature", wire) in multipart_fields(sent(recorder))
    assert float(wire) == value  # no digit lost


@pytest.mark.parametrize("model", sorted(TRANSCRIPTION_MODELS))
def test_every_model_and_format_it_supports_builds_a_request(model: str, wav_bytes: bytes) -> None:
    for fmt in TRANSCRIPTION_MODELS[model].response_formats:
        request = transcription_request(wav_bytes, model=model, response_format=fmt)
        assert request.path == "/audio/transcriptions"
        assert request.response_format == fmt
        assert ("response_format", fmt) in request.data
        assert request.params == {"model": model, "response_format": fmt}


def test_file_part_name_and_type_follow_the_bytes(
    client: audiokit.Client, recorder: Recorder, make_audio
) -> None:
    expected = {
        "wav": ("audio/wav", "audio.wav"),
        "flac": ("audio/flac", "audio.flac"),
        "mp3": ("audio/mpeg", "audio.mp3"),
        "ogg": ("audio/ogg", "audio.ogg"),
        "m4a": ("audio/mp4", "audio.m4a"),
        "webm": ("audio/webm", "audio.webm"),
    }
    for fmt, (ctype, name) in expected.items():
        data = make_audio(fmt)
        client.transcribe(data, model="whisper-1")
        file = multipart_parts(recorder.requests[-1])[-1]
        assert (file.name, file.filename, file.content_type) == ("file", name, ctype), fmt
        assert file.value == data


def test_explicit_filename_and_path_name(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes, tmp_path
) -> None:
    path = tmp_path / "Interview 3 – Müller.wav"
    path.write_bytes(wav_bytes)
    client.transcribe(path, model="whisper-1")
    client.transcribe(wav_bytes, model="whisper-1", filename="take2.wav")
    names = [multipart_parts(r)[-1].filename for r in recorder.requests]
    assert names == ["Interview 3 – Müller.wav", "take2.wav"]


# -- translation ------------------------------------------------------------------------------


def test_translation_fields(client: audiokit.Client, recorder: Recorder, wav_bytes: bytes) -> None:
    client.translate(wav_bytes, prompt="A lecture.", temperature=0.5, response_format="text")
    request = sent(recorder)
    assert str(request.url) == f"{BASE}/audio/translations"
    assert multipart_fields(request) == [
        ("model", "whisper-1"),
        ("prompt", "A lecture."),
        ("response_format", "text"),
        ("temperature", "0.5"),
    ]
    assert multipart_parts(request)[-1].filename == "audio.wav"


@pytest.mark.parametrize("fmt", TRANSLATION_FORMATS)
def test_translation_formats(recorder: Recorder, wav_bytes: bytes, fmt: str) -> None:
    bodies = {
        "json": {"text": "Hello"},
        "verbose_json": {
            "task": "translate",
            "language": "english",
            "duration": 1.0,
            "text": "Hello",
        },
        "text": "Hello\n",
        "srt": "1\n00:00:00,000 --> 00:00:01,000\nHello\n",
        "vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n",
    }
    body = bodies[fmt]
    recorder.reply = lambda r: (
        httpx.Response(200, json=body) if isinstance(body, dict) else httpx.Response(200, text=body)
    )
    client = audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)
    t = client.translate(wav_bytes, response_format=fmt)
    assert t.text == "Hello"
    assert t.task == "translate"
    assert ("response_format", fmt) in multipart_fields(sent(recorder))


# -- speech -----------------------------------------------------------------------------------


def speech_body(recorder: Recorder) -> dict:
    request = sent(recorder)
    assert str(request.url) == f"{BASE}/audio/speech"
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.content)


def test_speech_minimal_body(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = lambda r: httpx.Response(200, content=b"ID3audio")
    speech = client.speak("The quick brown fox jumped over the lazy dog.")
    assert speech_body(recorder) == {
        "model": "gpt-4o-mini-tts",
        "input": "The quick brown fox jumped over the lazy dog.",
        "voice": "alloy",
        "response_format": "mp3",
    }
    assert speech.data == b"ID3audio"
    assert speech.params == {"model": "gpt-4o-mini-tts", "voice": "alloy", "response_format": "mp3"}


def test_speech_every_parameter(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = lambda r: httpx.Response(200, content=b"RIFF....")
    client.speak(
        "Grüße, 東京!",
        model="tts-1-hd",
        voice="onyx",
        response_format="wav",
        speed=1.5,
        stream_format="audio",
    )
    assert speech_body(recorder) == {
        "model": "tts-1-hd",
        "input": "Grüße, 東京!",
        "voice": "onyx",
        "response_format": "wav",
        "speed": 1.5,
        "stream_format": "audio",
    }


def test_speech_instructions_and_custom_voice(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = lambda r: httpx.Response(200, content=b"ID3")
    client.speak("Hi", voice="voice_1234", instructions="Speak like a pirate.")
    client.speak("Hi", voice={"id": "voice_5678"}, response_format="opus")
    first, second = (json.loads(r.content) for r in recorder.requests)
    assert first["voice"] == {"id": "voice_1234"}
    assert first["instructions"] == "Speak like a pirate."
    assert second["voice"] == {"id": "voice_5678"}
    assert second["response_format"] == "opus"


def test_speech_sse_sets_stream_format_and_accept(recorder: Recorder) -> None:
    audio = b"\x00\x01" * 10
    events = (
        f'data: {{"type":"speech.audio.delta","audio":"{base64.b64encode(audio).decode()}"}}\n\n'
        'data: {"type":"speech.audio.done","usage":{"input_tokens":1,"output_tokens":2,'
        '"total_tokens":3}}\n\n'
    )
    recorder.reply = lambda r: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, text=events
    )
    client = audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)
    speech = client.speak("Hi", response_format="pcm", stream_format="sse")
    request = sent(recorder)
    assert request.headers["accept"] == "text/event-stream"
    assert json.loads(request.content)["stream_format"] == "sse"
    assert speech.data == audio
    assert speech.usage.total_tokens == 3


@pytest.mark.parametrize("model", sorted(SPEECH_MODELS))
def test_every_speech_model_voice_and_format(model: str) -> None:
    caps = SPEECH_MODELS[model]
    for voice in caps.voices:
        for fmt in SPEECH_FORMATS:
            request = speech_request("Hi", model=model, voice=voice, response_format=fmt)
            assert request.json == {
                "model": model,
                "input": "Hi",
                "voice": voice,
                "response_format": fmt,
            }


def test_request_params_never_hold_the_audio_or_the_references(wav_bytes: bytes) -> None:
    request = transcription_request(
        wav_bytes,
        model="gpt-4o-transcribe-diarize",
        known_speaker_names=["a"],
        known_speaker_references=[encode_audio("wav", 2.0)],
    )
    assert isinstance(request, APIRequest)
    assert request.params == {
        "model": "gpt-4o-transcribe-diarize",
        "response_format": "json",
        "known_speaker_names": ["a"],
    }


def test_long_whisper_prompt_warns_but_is_sent(
    client: audiokit.Client, recorder: Recorder, wav_bytes: bytes
) -> None:
    prompt = "ZyntriQix, Digique Plus, CynapseFive. " * 40
    with pytest.warns(UserWarning, match="224"):
        client.transcribe(wav_bytes, model="whisper-1", prompt=prompt)
    assert ("prompt", prompt) in multipart_fields(sent(recorder))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.transcribe(wav_bytes, model="whisper-1", prompt="Short.")


async def test_async_client_sends_the_same_bytes(wav_bytes: bytes) -> None:
    sync_rec, async_rec = Recorder(), Recorder()
    async_rec.reply = lambda r: (
        httpx.Response(200, content=b"fLaC")
        if r.url.path.endswith("/speech")
        else httpx.Response(200, json={"text": "ok"})
    )
    kwargs = dict(model="whisper-1", language="fr", response_format="verbose_json", temperature=0.3)
    kwargs["timestamp_granularities"] = ["word"]
    with audiokit.Client(api_key=KEY, base_url=BASE, transport=sync_rec.transport) as c:
        c.transcribe(wav_bytes, **kwargs)
    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(async_rec)
    ) as ac:
        await ac.transcribe(wav_bytes, **kwargs)
        await ac.speak("Hi", voice="coral", response_format="flac")
    sync_parts, async_parts = (multipart_parts(r.requests[0]) for r in (sync_rec, async_rec))
    assert sync_parts == async_parts
    assert json.loads(async_rec.requests[1].content)["voice"] == "coral"
