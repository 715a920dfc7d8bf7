"""The Realtime WebSocket of ``audiokit serve`` in both protocols, driven by the official SDK.

The GA client (``client.realtime.connect(..., extra_query={"intent": "transcription"})``, then
``session.update`` with ``{"type": "transcription", "audio": {"input": …}}``) and the GA
``client_secrets`` endpoint; every server event is validated strictly against the SDK's GA
types. The beta client is covered in ``tests/live/test_live.py``; here a raw socket checks that
the server answers each protocol in its own event names, on one connection too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import string
from collections.abc import Iterator
from typing import Any

import jiwer
import numpy as np
import pytest
from _tools import require

from audiokit.audio import resample
from audiokit.local import LocalApp
from audiokit.server import create_app, serve_in_thread

KEY = "sk-realtime-protocols-key-0123"
RATE = 24_000
SENTENCE = "Please send the report to the finance team by Friday."
COMPLETED = "conversation.item.input_audio_transcription.completed"


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = serve_in_thread(create_app(LocalApp(api_key=KEY)), api_key=KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def speech_pcm() -> bytes:
    """One Piper sentence with silence around it: pcm16 24 kHz mono."""
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    voice = resample(piper.synthesize(SENTENCE), piper.sample_rate, RATE)
    quiet = np.zeros(RATE // 2, np.float32)
    audio = np.concatenate([quiet, voice, quiet])
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


def _sdk(server: Any, key: str = KEY) -> Any:
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    return openai.OpenAI(
        api_key=key,
        base_url=f"{server.url}/v1",
        websocket_base_url=server.url.replace("http", "ws") + "/v1",
        max_retries=0,
    )


GA_SESSION = {
    "type": "transcription",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": RATE},
            "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
            },
            "noise_reduction": {"type": "near_field"},
        }
    },
    "include": ["item.input_audio_transcription.logprobs"],
}


def test_the_sdks_ga_client_transcribes_with_ga_events(server: Any, speech_pcm: bytes) -> None:
    from openai.types.realtime import RealtimeServerEvent
    from pydantic import TypeAdapter

    strict = TypeAdapter(RealtimeServerEvent)
    seen: list[Any] = []
    with _sdk(server).realtime.connect(
        model="gpt-4o-transcribe", extra_query={"intent": "transcription"}
    ) as connection:
        connection.session.update(session=GA_SESSION)
        for i in range(0, len(speech_pcm), 9_600):
            connection.input_audio_buffer.append(
                audio=base64.b64encode(speech_pcm[i : i + 9_600]).decode()
            )
        connection.input_audio_buffer.append(audio=base64.b64encode(bytes(RATE * 2)).decode())
        for _ in range(1_000):  # bounded: one utterance's events
            raw = json.loads(connection.recv_bytes())
            seen.append(strict.validate_python(raw))  # every field as the SDK's GA types say
            if raw["type"] == COMPLETED:
                break
    kinds = [e.type for e in seen]
    assert kinds[:2] == ["session.created", "session.updated"]
    assert "error" not in kinds
    created, updated = seen[0].session, seen[1].session
    assert created.type == updated.type == "transcription"
    settings = updated.audio.input
    assert settings.format.type == "audio/pcm" and settings.format.rate == RATE
    assert settings.transcription.model == "gpt-4o-transcribe"
    assert settings.transcription.language == "en"
    assert settings.turn_detection.type == "server_vad"
    assert settings.noise_reduction.type == "near_field"
    assert updated.include == ["item.input_audio_transcription.logprobs"]
    assert kinds.index("input_audio_buffer.speech_started") < kinds.index(
        "input_audio_buffer.committed"
    )
    done = seen[-1]
    assert jiwer.wer(words(SENTENCE), words(done.transcript)) <= 0.25, done.transcript
    assert done.logprobs and all(lp.logprob <= 0 for lp in done.logprobs)
    assert done.usage.type == "duration" and done.usage.seconds > 0


def test_ga_client_secrets_open_a_ga_session(server: Any) -> None:
    from openai.types.realtime import ClientSecretCreateResponse, RealtimeServerEvent
    from pydantic import TypeAdapter

    minted = _sdk(server).realtime.client_secrets.create(
        expires_after={"anchor": "created_at", "seconds": 60},
        session={**GA_SESSION, "audio": {"input": {"turn_detection": None}}},
    )
    ClientSecretCreateResponse.model_validate(minted.model_dump())  # the GA shape
    assert minted.value.startswith("ek_") and minted.session.type == "transcription"
    assert minted.session.audio.input.turn_detection is None
    assert minted.session.audio.input.format.type == "audio/pcm"

    strict = TypeAdapter(RealtimeServerEvent)
    with _sdk(server, key=minted.value).realtime.connect(
        extra_query={"intent": "transcription"}
    ) as connection:
        created = strict.validate_python(json.loads(connection.recv_bytes()))
    assert created.type == "session.created"
    assert created.session.audio.input.turn_detection is None  # the secret's settings


async def _raw(server: Any, messages: list[dict[str, Any]], until: str, **headers: str) -> list:
    from websockets.asyncio.client import connect

    url = server.url.replace("http://", "ws://") + "/v1/realtime?intent=transcription"
    received: list[dict[str, Any]] = []
    async with connect(url, additional_headers={"Authorization": f"Bearer {KEY}", **headers}) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
        for _ in range(1_000):
            received.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))
            if received[-1]["type"] == until:
                break
    return received


async def test_the_server_answers_in_the_protocol_it_is_spoken_to(server: Any) -> None:
    beta_update = {"type": "transcription_session.update", "session": {"turn_detection": None}}
    ga_update = {
        "type": "session.update",
        "session": {"type": "transcription", "audio": {"input": {"turn_detection": None}}},
    }
    beta = await _raw(
        server, [beta_update], "transcription_session.updated", **{"OpenAI-Beta": "realtime=v1"}
    )
    assert [e["type"] for e in beta] == [
        "transcription_session.created",
        "transcription_session.updated",
    ]
    assert beta[1]["session"]["object"] == "realtime.transcription_session"
    assert beta[1]["session"]["turn_detection"] is None

    # no beta header: GA; a client that switches protocol is answered in the new one
    mixed = await _raw(server, [beta_update, ga_update], "session.updated")
    assert [e["type"] for e in mixed] == [
        "session.created",
        "transcription_session.updated",
        "session.updated",
    ]
    assert mixed[0]["session"]["type"] == "transcription"
    assert mixed[2]["session"]["audio"]["input"]["turn_detection"] is None


async def test_ga_settings_errors_name_the_ga_parameter(server: Any) -> None:
    def update(event_id: str, session: dict[str, Any]) -> dict[str, Any]:
        return {"type": "session.update", "event_id": event_id, "session": session}

    def audio_in(**settings: Any) -> dict[str, Any]:
        return {"type": "transcription", "audio": {"input": settings}}

    bad = [
        update("e1", {"audio": {"input": {}}}),
        update("e2", {"type": "realtime"}),
        update("e3", audio_in(turn_detection={"type": "server_vad", "threshold": 7})),
        update("e4", audio_in(transcription={"model": "gpt-9"})),
        update("e5", audio_in(format={"type": "audio/pcm", "rate": 16000})),
        update("e6", audio_in(turn_detection={"type": "semantic_vad"})),
        update("e7", audio_in(transcription={"model": "gpt-4o-transcribe", "keywords": ["x"]})),
        update("e8", {"type": "transcription", "voice": "alloy"}),
        update("ok", audio_in(turn_detection=None)),
    ]
    events = await _raw(server, bad, "session.updated")
    errors = {e["error"]["event_id"]: e["error"] for e in events if e["type"] == "error"}
    assert {k: (v["code"], v["param"]) for k, v in errors.items()} == {
        "e1": ("missing_required_parameter", "session.type"),
        "e2": ("unsupported_value", "session.type"),
        "e3": ("invalid_value", "session.audio.input.turn_detection.threshold"),
        "e4": ("invalid_value", "session.audio.input.transcription.model"),
        "e5": ("invalid_value", "session.audio.input.format.rate"),
        "e6": ("unsupported_value", "session.audio.input.turn_detection.type"),
        "e7": ("unsupported_value", "session.audio.input.transcription.keywords"),
        "e8": ("unknown_parameter", "session.voice"),
    }
    assert all(e["message"] and e["type"] == "invalid_request_error" for e in errors.values())
    assert events[-1]["session"]["audio"]["input"]["turn_detection"] is None
