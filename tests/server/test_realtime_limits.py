"""The Realtime WebSocket of a real ``audiokit serve`` under hostile sessions.

Real sockets to a server subprocess on 127.0.0.1: JSON nested 100k deep gets an ``error`` event
and the session goes on; a 15 MiB append (the API's limit) is accepted, a larger one gets an
``error`` event; a session whose VAD never closes a turn (``threshold: 0.0``, long silences)
has its turns committed at the cap, and the server's memory (``VmHWM``/``VmRSS`` in
``/proc/<pid>/status``) stays bounded however fast the audio comes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ServeProcess

KEY = "sk-realtime-limits-key-0123"
MIB = 1024 * 1024
RATE = 24_000
MAX_TURN_MS = 60_000  # the documented cap of one VAD turn


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    server = ServeProcess("--api-key", KEY)
    yield server
    server.stop()


def connect(served: ServeProcess) -> Any:
    from websockets.asyncio.client import connect as ws_connect

    return ws_connect(
        served.url.replace("http://", "ws://") + "/v1/realtime?intent=transcription",
        additional_headers={"Authorization": f"Bearer {KEY}"},
        max_size=None,
        compression=None,
        open_timeout=30,
    )


async def until(ws: Any, kind: str, seen: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    for _ in range(10_000):
        event = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if seen is not None:
            seen.append(event)
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind}")


def append(pcm: bytes, event_id: str = "append") -> str:
    audio = base64.b64encode(pcm).decode()
    return json.dumps({"type": "input_audio_buffer.append", "event_id": event_id, "audio": audio})


NO_VAD = json.dumps(
    {
        "type": "session.update",
        "session": {"type": "transcription", "audio": {"input": {"turn_detection": None}}},
    }
)


async def test_json_nested_100k_deep_is_an_error_event_and_the_session_goes_on(
    served: ServeProcess,
) -> None:
    async with connect(served) as ws:
        await until(ws, "session.created")
        await ws.send("[" * 100_000 + "]" * 100_000)
        await ws.send('{"type": "input_audio_buffer.append", "audio": ' + "1" * 100_000 + "}")
        first = await until(ws, "error")
        second = await until(ws, "error")
        await ws.send(NO_VAD)
        updated = await until(ws, "session.updated")  # the connection is still there
    for error in (first, second):
        assert error["error"]["code"] == "invalid_json" and error["error"]["message"]
    assert updated["session"]["audio"]["input"]["turn_detection"] is None


async def test_a_15_mib_append_is_accepted_and_a_larger_one_is_an_error(
    served: ServeProcess,
) -> None:
    limit = 15 * MIB  # the API's limit per append, in audio bytes (~20 MiB of base64)
    async with connect(served) as ws:
        await until(ws, "session.created")
        await ws.send(NO_VAD)
        await until(ws, "session.updated")
        await ws.send(append(bytes(limit), "at_the_limit"))
        await ws.send(append(bytes(limit + 3 * 1024), "over_the_limit"))
        await ws.send(json.dumps({"type": "input_audio_buffer.clear", "event_id": "clear"}))
        seen: list[dict[str, Any]] = []
        await until(ws, "input_audio_buffer.cleared", seen)
    errors = [e["error"] for e in seen if e["type"] == "error"]
    assert [(e["event_id"], e["param"]) for e in errors] == [("over_the_limit", "audio")]
    assert "15 MiB" in errors[0]["message"]


async def test_a_message_past_the_websocket_limit_closes_with_1009(served: ServeProcess) -> None:
    from websockets.exceptions import ConnectionClosed

    async with connect(served) as ws:
        await until(ws, "session.created")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.send(append(bytes(25 * MIB)))  # ~33 MiB of base64: past the 32 MiB limit
            await until(ws, "session.updated")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert "exceeds limit" in closed.value.rcvd.reason


async def test_a_turn_that_never_ends_is_committed_at_the_cap_and_memory_stays_bounded(
    served: ServeProcess,
) -> None:
    # Warm up: Silero and Whisper loaded, so what follows measures only the session.
    async with connect(served) as ws:
        await until(ws, "session.created")
        await ws.send(NO_VAD)
        await until(ws, "session.updated")
        await ws.send(append(bytes(RATE * 2)))
        await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        await until(ws, "conversation.item.input_audio_transcription.completed")
    rss_before = served.memory_mb("VmRSS")
    peak_before = served.memory_mb("VmHWM")

    never_ends = {
        "type": "session.update",
        "session": {
            "type": "transcription",
            "audio": {
                "input": {
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.0,
                        "silence_duration_ms": 10_000,
                    }
                }
            },
        },
    }
    chunk = append(bytes(RATE * 2 * 20))  # 20 s of audio per append
    seen: list[dict[str, Any]] = []
    sent_s = 0.0
    budget_s = 40.0  # of sending as fast as the server lets us
    async with connect(served) as ws:
        await until(ws, "session.created")
        await ws.send(json.dumps(never_ends))
        await until(ws, "session.updated")

        async def read() -> None:
            for _ in range(1_000_000):
                seen.append(json.loads(await ws.recv()))

        reader = asyncio.ensure_future(read())
        deadline = time.monotonic() + budget_s
        with contextlib.suppress(asyncio.TimeoutError):
            while (left := deadline - time.monotonic()) > 0:
                await asyncio.wait_for(ws.send(chunk), left)
                sent_s += 20
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    grown_peak = served.memory_mb("VmHWM") - peak_before
    grown_rss = served.memory_mb("VmRSS") - rss_before

    starts = [e for e in seen if e["type"] == "input_audio_buffer.speech_started"]
    stops = [e for e in seen if e["type"] == "input_audio_buffer.speech_stopped"]
    commits = [e for e in seen if e["type"] == "input_audio_buffer.committed"]
    assert not [e for e in seen if e["type"] == "error"]
    assert len(stops) >= 2 and len(commits) >= len(stops), [e["type"] for e in seen][:20]
    for start, stop in zip(starts, stops, strict=False):
        assert start["item_id"] == stop["item_id"]
        assert 0 < stop["audio_end_ms"] - start["audio_start_ms"] <= MAX_TURN_MS + 32
    # the next turn starts where the capped one ended: no audio lost between turns
    assert starts[1]["audio_start_ms"] == stops[0]["audio_end_ms"]
    assert any(e["type"].endswith("transcription.completed") for e in seen)
    # Without the caps the server held every sample: +1.6 GB in these 40 s (16,000 s of audio).
    # With them it holds a few minutes of 16 kHz audio waiting for Whisper, one turn and one
    # append, plus what Whisper needs for a 60 s turn.
    assert grown_peak < 400, (grown_peak, sent_s)
    assert grown_rss < 400, (grown_rss, sent_s)
    assert sent_s >= 10 * 60  # the client did push a lot of audio (more than the bound holds)
