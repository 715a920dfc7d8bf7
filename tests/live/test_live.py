"""Live transcription (Realtime API protocol): the client against the local server and fakes.

- The real thing: a multi-sentence recording (Piper sentences joined by 1 s silences) streamed
  through ``audiokit serve``'s app (uvicorn on 127.0.0.1 in a thread) over a real WebSocket.
- Faults and wire details: tiny scripted ``websockets`` servers on 127.0.0.1 that drop the
  connection, report errors, or send completions out of order.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import string
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jiwer
import numpy as np
import pytest
import soundfile as sf
from _tools import require

import audiokit
from audiokit.audio import resample
from audiokit.local import VAD_WINDOW, LocalApp, SileroStream, TurnDetector
from audiokit.server import create_app, serve_in_thread

SENTENCES = [
    "The weather today is sunny with a light breeze.",
    "Please send the report to the finance team by Friday.",
    "My favourite colour is green, and I like to read books.",
]
PAUSE_S = 1.0
LEAD_S = 0.5
RATE = 24_000
SERVER_KEY = "sk-live-test-key-0123456789"
MAX_WER = 0.25
COMPLETED = "conversation.item.input_audio_transcription.completed"


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(words(reference), words(hypothesis))


# -- fixtures -------------------------------------------------------------------------------------


class Recording:
    """Sentences with pauses: samples at 24 kHz and where each sentence is (seconds)."""

    def __init__(self, sentences: list[str]) -> None:
        from audiokit.local import PiperEngine

        piper = PiperEngine()
        parts = [np.zeros(round(LEAD_S * RATE), np.float32)]
        self.spans: list[tuple[float, float]] = []
        at = LEAD_S
        for sentence in sentences:
            voice = resample(piper.synthesize(sentence), piper.sample_rate, RATE)
            loud = np.flatnonzero(np.abs(voice) > 0.02)  # where the voice really is
            self.spans.append((at + loud[0] / RATE, at + loud[-1] / RATE))
            parts += [voice, np.zeros(round(PAUSE_S * RATE), np.float32)]
            at += (len(voice) + PAUSE_S * RATE) / RATE
        self.samples = np.concatenate(parts)
        self.sentences = sentences


@pytest.fixture(scope="module")
def recording() -> Recording:
    return Recording(SENTENCES)


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    """``audiokit serve``'s app, with an API key, on 127.0.0.1."""
    running = serve_in_thread(create_app(LocalApp(api_key=SERVER_KEY)), api_key=SERVER_KEY)
    yield running
    running.stop()


@pytest.fixture
def client(server: Any) -> audiokit.Client:
    return audiokit.Client(api_key=SERVER_KEY, base_url=f"{server.url}/v1", max_retries=0)


def by_type(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


# -- a scripted fake Realtime server ---------------------------------------------------------------

Script = Callable[[Any], Awaitable[None]]


class FakeRealtimeServer:
    """A websockets server on 127.0.0.1 running ``script(ws)`` for each connection."""

    def __init__(self, script: Script) -> None:
        from websockets.asyncio.server import serve

        self.script = script
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.received: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def start() -> Any:
            return await serve(self._handle, "127.0.0.1", 0, compression=None)

        self._server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _handle(self, ws: Any) -> None:
        self.requests.append((ws.request.path, dict(ws.request.headers.raw_items())))
        await self.script(ws)

    async def recv(self, ws: Any) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        self.received.append(message)
        return message

    async def until(self, ws: Any, kind: str) -> dict[str, Any]:
        for _ in range(100_000):  # bounded: a client sends finitely many appends
            message = await self.recv(ws)
            if message["type"] == kind:
                return message
        raise AssertionError(f"no {kind}")

    async def accept_session(self, ws: Any) -> dict[str, Any]:
        """The first settings event, GA or beta, answered in its own protocol."""
        for _ in range(1_000):
            update = await self.recv(ws)
            if update["type"] in ("session.update", "transcription_session.update"):
                updated = update["type"].replace(".update", ".updated")
                await send(ws, updated, session=update["session"])
                return update
        raise AssertionError("no session update")

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()
            rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def send(ws: Any, kind: str, **fields: Any) -> None:
    await ws.send(json.dumps({"type": kind, "event_id": f"event_{kind}", **fields}))


async def utterance(ws: Any, item_id: str, previous: str | None, start: int, end: int) -> None:
    await send(ws, "input_audio_buffer.speech_started", item_id=item_id, audio_start_ms=start)
    await send(ws, "input_audio_buffer.speech_stopped", item_id=item_id, audio_end_ms=end)


async def completed(ws: Any, item_id: str, text: str) -> None:
    usage = {"type": "tokens", "input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
    await send(ws, COMPLETED, item_id=item_id, content_index=0, transcript=text, usage=usage)


@pytest.fixture
def fake() -> Iterator[Callable[[Script], FakeRealtimeServer]]:
    servers: list[FakeRealtimeServer] = []

    def start(script: Script) -> FakeRealtimeServer:
        servers.append(FakeRealtimeServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def fake_client(server: FakeRealtimeServer, key: str = "sk-fake-key-abcdef") -> audiokit.Client:
    return audiokit.Client(api_key=key, base_url=server.url, max_retries=0)


SILENCE = (np.zeros(RATE * 2, np.float32), RATE)


# -- end to end on the local engine ----------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["ga", "beta"])
def test_recording_with_pauses_gives_one_item_per_utterance_in_order(
    client: audiokit.Client, recording: Recording, tmp_path: Path, protocol: str
) -> None:
    path = tmp_path / "talk.wav"
    sf.write(path, recording.samples, RATE, subtype="PCM_16")
    session = audiokit.live(path, client=client, logprobs=True, protocol=protocol)
    events = list(session)

    if protocol == "ga":  # the server answered in the protocol it was spoken to
        assert isinstance(events[0], audiokit.SessionUpdated)
        confirmed = session.session
        assert confirmed["type"] == "transcription" and confirmed["include"] == [
            "item.input_audio_transcription.logprobs"
        ]
        assert confirmed["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": RATE}
        assert confirmed["audio"]["input"]["turn_detection"] == dict(audiokit.SERVER_VAD)
    else:
        assert isinstance(events[0], audiokit.TranscriptionSessionUpdated)
        assert session.session["input_audio_format"] == "pcm16"
    assert session.finished
    committed = by_type(events, "input_audio_buffer.committed")
    started = by_type(events, "input_audio_buffer.speech_started")
    stopped = by_type(events, "input_audio_buffer.speech_stopped")
    done = by_type(events, COMPLETED)
    n = len(SENTENCES)
    assert len(committed) == len(started) == len(stopped) == len(done) == n, [
        e.type for e in events
    ]
    # each commit points at the one before it; speech events name the committed items
    assert [c.previous_item_id for c in committed] == [None] + [c.item_id for c in committed[:-1]]
    assert [s.item_id for s in started] == [c.item_id for c in committed]
    assert [d.item_id for d in done] == [c.item_id for c in committed]

    transcript = session.transcript
    assert len(transcript.segment_list) == n
    for sentence, segment, (begin, end) in zip(
        SENTENCES, transcript.segment_list, recording.spans, strict=True
    ):
        assert wer(sentence, segment.text) <= MAX_WER, (sentence, segment.text)
        # VAD times bracket the sentence (padding before, the closing silence after)
        assert segment.start <= begin + 0.1 and segment.end >= end - 0.1, (segment, begin, end)
        assert segment.end <= end + PAUSE_S, (segment, end)
    assert wer(" ".join(SENTENCES), transcript.text) <= MAX_WER
    assert transcript.duration == pytest.approx(len(recording.samples) / RATE, abs=0.15)
    assert transcript.model == "gpt-4o-mini-transcribe"
    assert [i["item_id"] for i in transcript.raw["items"]] == [c.item_id for c in committed]

    # logprobs were asked for: in every delta and completion, and in the transcript
    assert all(d.logprobs for d in done)
    assert all(
        e.logprobs for e in by_type(events, "conversation.item.input_audio_transcription.delta")
    )
    assert transcript.logprobs and all(lp.logprob <= 0 for lp in transcript.logprobs)
    for d in done:
        assert "".join(lp.token for lp in d.logprobs).strip() == d.transcript
    assert transcript.usage is not None and transcript.usage.seconds > 0
    assert all(u.confidence is not None and 0 < u.confidence <= 1 for u in session.utterances)


def test_without_turn_detection_the_client_commits_once(
    client: audiokit.Client, recording: Recording
) -> None:
    """Chunks from an iterator at another rate; no VAD: one utterance, committed by the client."""
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    voice = piper.synthesize(SENTENCES[1])
    chunks = (voice[i : i + 4_000] for i in range(0, len(voice), 4_000))  # ~180 ms pieces
    session = audiokit.live(
        chunks, sample_rate=piper.sample_rate, turn_detection=None, client=client
    )
    events = list(session)
    assert not by_type(events, "input_audio_buffer.speech_started")
    (commit,) = by_type(events, "input_audio_buffer.committed")
    (done,) = by_type(events, COMPLETED)
    assert done.item_id == commit.item_id and done.logprobs == ()
    assert wer(SENTENCES[1], done.transcript) <= MAX_WER
    (segment,) = session.transcript.segment_list
    assert segment.start == 0.0
    assert segment.end == pytest.approx(len(voice) / piper.sample_rate, abs=0.01)
    assert session.transcript.logprobs == ()
    assert session.session["audio"]["input"]["turn_detection"] is None  # GA: the default


async def test_alive_with_an_async_source_on_the_default_local_backend() -> None:
    """No key: the offline engine's own server on 127.0.0.1; pcm16 bytes from an async source."""
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    voice = resample(piper.synthesize(SENTENCES[2]), piper.sample_rate, RATE)
    pcm = (np.clip(voice, -1, 1) * 32767).astype("<i2").tobytes()

    async def microphone() -> Any:
        for i in range(0, len(pcm), 4_801):  # odd sizes: samples split across chunks
            yield pcm[i : i + 4_801]

    client = audiokit.Client()
    assert client.backend == "local"
    session = audiokit.alive(
        microphone(), client=client, turn_detection={"silence_duration_ms": 300}
    )
    kinds = [event.type async for event in session]
    assert kinds.count("input_audio_buffer.committed") == 1
    assert session.finished
    assert wer(SENTENCES[2], session.transcript.text) <= MAX_WER
    assert session.session["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 300


# -- settings: refused by the client, or by the server ---------------------------------------------


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"turn_detection": {"type": "server_vad", "threshold": 2}}, "turn_detection.threshold"),
        ({"turn_detection": {"type": "semantic_vad"}}, "turn_detection.type"),
        ({"turn_detection": {"silence_duration_ms": -5}}, "turn_detection.silence_duration_ms"),
        ({"turn_detection": {"prefix_padding": 300}}, "turn_detection.prefix_padding"),
        ({"noise_reduction": "loud_room"}, "noise_reduction"),
        ({"model": "whisper-1", "logprobs": True}, "logprobs"),
        ({"language": "Klingon"}, "language"),
        ({"chunk_ms": 0}, "chunk_ms"),
        ({"on_error": "ignore"}, "on_error"),
    ],
)
def test_bad_settings_are_refused_before_connecting(options: dict, param: str) -> None:
    nowhere = audiokit.Client(api_key="sk-x", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(audiokit.ValidationError) as info:
        audiokit.live(SILENCE, client=nowhere, **options)
    assert info.value.param == param


def test_bad_source_is_refused_before_connecting() -> None:
    with pytest.raises(audiokit.InvalidTypeError):
        audiokit.live(np.zeros(100, np.float32))  # no sample rate
    with pytest.raises(audiokit.InvalidTypeError):
        audiokit.live(42)
    with pytest.raises(audiokit.AudioError):
        audiokit.live("/no/such/file.wav")


def test_server_refuses_an_unknown_model_with_a_clear_error(client: audiokit.Client) -> None:
    session = audiokit.live(SILENCE, client=client, model="no-such-transcriber")
    with pytest.raises(audiokit.LiveSessionError) as info:
        list(session)
    error = info.value
    assert error.type == "invalid_request_error"
    assert error.code == "invalid_value"
    assert error.param == "session.audio.input.transcription.model"  # the GA name
    assert "no-such-transcriber" in str(error)
    assert error.partial.text == "" and error.partial.segment_list == ()
    assert not session.finished


async def _raw(url: str, messages: list[dict[str, Any]], until: str, key: str = SERVER_KEY) -> list:
    """Send ``messages`` over a raw WebSocket; return the server events up to ``until``."""
    from websockets.asyncio.client import connect

    ws_url = url.replace("http://", "ws://") + "/v1/realtime?intent=transcription"
    headers = {"Authorization": f"Bearer {key}", "OpenAI-Beta": "realtime=v1"}
    received = []
    async with connect(ws_url, additional_headers=headers, max_size=None) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
        for _ in range(10_000):
            event = json.loads(await asyncio.wait_for(ws.recv(), 60))
            received.append(event)
            if event["type"] == until:
                break
    return received


def _update(event_id: str, **session: Any) -> dict[str, Any]:
    return {"type": "transcription_session.update", "event_id": event_id, "session": session}


async def test_server_error_events_have_the_api_shape_and_the_session_goes_on(server: Any) -> None:
    bad = [
        _update("e1", input_audio_format="mp3"),
        _update("e2", input_audio_format="g711_ulaw"),
        _update("e3", turn_detection={"type": "server_vad", "threshold": 7}),
        _update("e4", turn_detection={"type": "semantic_vad"}),
        _update("e5", include=["item.input_audio_transcription.avg_logprob"]),
        _update("e6", voice="alloy"),
        {"type": "response.create", "event_id": "e7"},
        {"type": "input_audio_buffer.append", "event_id": "e8", "audio": "not base64!"},
        {"type": "input_audio_buffer.commit", "event_id": "e9"},
        _update("ok", turn_detection=None, include=["item.input_audio_transcription.logprobs"]),
    ]
    events = await _raw(server.url, bad, until="transcription_session.updated")
    assert events[0]["type"] == "transcription_session.created"
    errors = [e for e in events if e["type"] == "error"]
    expected = {
        "e1": ("invalid_value", "session.input_audio_format"),
        "e2": ("unsupported_value", "session.input_audio_format"),
        "e3": ("invalid_value", "session.turn_detection.threshold"),
        "e4": ("invalid_value", "session.turn_detection.type"),
        "e5": ("invalid_value", "session.include"),
        "e6": ("unknown_parameter", "session.voice"),
        "e7": ("invalid_event", "type"),
        "e8": ("invalid_value", "audio"),
        "e9": ("input_audio_buffer_commit_empty", None),
    }
    assert {e["error"]["event_id"]: (e["error"]["code"], e["error"]["param"]) for e in errors} == (
        expected
    )
    for e in errors:
        assert e["event_id"].startswith("event_")
        assert e["error"]["type"] == "invalid_request_error" and e["error"]["message"]
    updated = events[-1]["session"]  # after all that, a good update still works
    assert updated["object"] == "realtime.transcription_session"
    assert updated["turn_detection"] is None
    assert updated["include"] == ["item.input_audio_transcription.logprobs"]


def test_vad_settings_shape_the_turns(server: Any) -> None:
    """prefix_padding_ms moves speech_started; silence_duration_ms above the pause merges turns."""
    from audiokit.local import PiperEngine

    piper = PiperEngine()
    voice = resample(piper.synthesize("Hello there."), piper.sample_rate, RATE)
    gap = np.zeros(round(0.6 * RATE), np.float32)
    audio = np.concatenate(
        [np.zeros(RATE, np.float32), voice, gap, voice, np.zeros(RATE, np.float32)]
    )
    appends = [
        {
            "type": "input_audio_buffer.append",
            "audio": base64.b64encode(
                (audio[i : i + 2400] * 32767).astype("<i2").tobytes()
            ).decode(),
        }
        for i in range(0, len(audio), 2400)
    ]
    clear = {"type": "input_audio_buffer.clear"}

    def turns(**vad: Any) -> list[dict[str, Any]]:
        update = _update("u", turn_detection={"type": "server_vad", **vad})
        events = asyncio.run(
            _raw(server.url, [update, *appends, clear], "input_audio_buffer.cleared")
        )
        return [e for e in events if e["type"].startswith("input_audio_buffer.speech")]

    short = turns(prefix_padding_ms=0, silence_duration_ms=300)
    padded = turns(prefix_padding_ms=400, silence_duration_ms=300)
    merged = turns(prefix_padding_ms=0, silence_duration_ms=900)
    assert [e["type"][len("input_audio_buffer.") :] for e in short] == [
        "speech_started",
        "speech_stopped",
        "speech_started",
        "speech_stopped",
    ]
    assert short[0]["audio_start_ms"] == pytest.approx(1000, abs=100)  # the voice starts at 1 s
    assert padded[0]["audio_start_ms"] == short[0]["audio_start_ms"] - 400
    stop_gap = short[2]["audio_start_ms"] - short[1]["audio_end_ms"]
    assert 0 < stop_gap < 600  # the stop came after 300 ms of silence, inside the 600 ms gap
    assert len(merged) == 2  # a 600 ms pause is not a turn when 900 ms are needed
    assert merged[1]["audio_end_ms"] > short[3]["audio_end_ms"]


# -- faults: dropped connections, error events, out-of-order completions ---------------------------


def test_dropped_connection_raises_with_the_partial_transcript(fake: Callable) -> None:
    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        for _ in range(3):
            await server.until(ws, "input_audio_buffer.append")
        await utterance(ws, "item_a", None, 0, 900)
        await send(ws, "input_audio_buffer.committed", item_id="item_a", previous_item_id=None)
        await completed(ws, "item_a", "Kept before the drop.")
        await utterance(ws, "item_b", "item_a", 1000, 1900)
        await send(ws, "input_audio_buffer.committed", item_id="item_b", previous_item_id="item_a")
        for _ in range(3):
            await server.until(ws, "input_audio_buffer.append")
        ws.transport.abort()  # no close frame: a dropped connection

    server = fake(script)
    forever = (np.zeros(2400, np.float32) for _ in range(10**6))  # never ends by itself
    session = audiokit.live(forever, sample_rate=RATE, client=fake_client(server), realtime=True)
    seen = []
    with pytest.raises(audiokit.LiveSessionError) as info:
        for event in session:
            seen.append(event.type)
    error = info.value
    assert isinstance(error, audiokit.StreamError)
    assert error.close_code == 1006
    assert "connection closed" in str(error)
    assert error.partial.text == "Kept before the drop."
    assert [s.text for s in error.partial.segment_list] == ["Kept before the drop."]
    assert COMPLETED in seen
    assert not session.finished


def test_server_error_event_raises_and_keeps_what_was_transcribed(fake: Callable) -> None:
    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        await server.until(ws, "input_audio_buffer.append")
        await utterance(ws, "item_a", None, 0, 500)
        await send(ws, "input_audio_buffer.committed", item_id="item_a", previous_item_id=None)
        await completed(ws, "item_a", "First part.")
        error = {
            "type": "server_error",
            "code": "overloaded",
            "message": "Try again later.",
            "param": None,
            "event_id": None,
        }
        await send(ws, "error", error=error)
        await ws.wait_closed()

    server = fake(script)
    with pytest.raises(audiokit.LiveSessionError) as info:
        audiokit.live(SILENCE, client=fake_client(server)).until_done()
    assert info.value.type == "server_error" and info.value.code == "overloaded"
    assert "Try again later." in str(info.value)
    assert info.value.partial.text == "First part."


def test_error_events_can_be_yielded_instead(fake: Callable) -> None:
    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        await server.until(ws, "input_audio_buffer.append")
        error = {"type": "invalid_request_error", "code": "x", "message": "hm", "param": None}
        await send(ws, "error", error=error)
        clear = await server.until(ws, "input_audio_buffer.clear")
        await send(ws, "input_audio_buffer.cleared")
        assert clear["event_id"]

    server = fake(script)
    session = audiokit.live(SILENCE, client=fake_client(server), on_error="event")
    events = list(session)
    (error,) = [e for e in events if isinstance(e, audiokit.RealtimeError)]
    assert error.error.code == "x" and error.error.message == "hm"
    assert session.finished and session.transcript.text == ""


def test_out_of_order_commits_and_completions_are_reordered(fake: Callable) -> None:
    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        await server.until(ws, "input_audio_buffer.clear")  # all audio is in
        await utterance(ws, "item_a", None, 100, 900)
        await utterance(ws, "item_b", "item_a", 1000, 1900)
        await utterance(ws, "item_c", "item_b", 2000, 2900)
        # commits scrambled, completions reversed: only the previous_item_id chain tells
        await send(ws, "input_audio_buffer.committed", item_id="item_b", previous_item_id="item_a")
        await send(ws, "input_audio_buffer.committed", item_id="item_c", previous_item_id="item_b")
        await send(ws, "input_audio_buffer.committed", item_id="item_a", previous_item_id=None)
        await send(ws, "input_audio_buffer.cleared")
        await completed(ws, "item_c", "Charlie.")
        await completed(ws, "item_b", "Bravo.")
        await send(
            ws,
            "conversation.item.input_audio_transcription.delta",
            item_id="item_a",
            content_index=0,
            delta="Alp",
        )
        await completed(ws, "item_a", "Alpha.")
        await ws.wait_closed()  # the client closes first

    server = fake(script)
    session = audiokit.live(SILENCE, client=fake_client(server))
    arrivals = [e.item_id for e in session if e.type == COMPLETED]
    assert arrivals == ["item_c", "item_b", "item_a"]
    transcript = session.transcript
    assert transcript.text == "Alpha. Bravo. Charlie."
    assert [(s.start, s.end) for s in transcript.segment_list] == [
        (0.1, 0.9),
        (1.0, 1.9),
        (2.0, 2.9),
    ]
    assert [u.item_id for u in session.utterances] == ["item_a", "item_b", "item_c"]
    assert transcript.usage.total_tokens == 21
    assert transcript.to_srt().count("-->") == 3


def test_close_from_another_thread_ends_the_iteration_quietly(fake: Callable) -> None:
    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        for _ in range(100_000):  # until the client hangs up
            await server.recv(ws)

    server = fake(script)
    forever = (np.zeros(2400, np.float32) for _ in range(10**6))
    threads = threading.active_count()
    session = audiokit.live(forever, sample_rate=RATE, client=fake_client(server), realtime=True)
    seen: list[str] = []
    outcome: list[BaseException | None] = []

    def consume() -> None:
        try:
            seen.extend(event.type for event in session)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert wait_until(lambda: seen == ["session.updated"])
    assert wait_until(lambda: len(server.received) > 5)  # audio is flowing
    session.close()
    consumer.join(15)
    assert not consumer.is_alive() and outcome == [None]
    assert not session.finished
    assert wait_until(lambda: threading.active_count() <= threads)


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.parametrize("protocol", ["ga", "beta"])
def test_handshake_headers_url_and_the_key_never_logged(
    fake: Callable, caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    key = "sk-very-secret-key-that-must-not-leak"

    async def script(ws: Any) -> None:
        await server.accept_session(ws)
        clear = await server.until(ws, "input_audio_buffer.clear")
        await send(ws, "input_audio_buffer.cleared")
        del clear

    server = fake(script)
    caplog.set_level(logging.DEBUG, logger="audiokit")
    session = audiokit.live(
        SILENCE,
        client=fake_client(server, key),
        language="English",
        prompt="Names: Zyntriqix.",
        noise_reduction="far_field",
        protocol=protocol,
    )
    session.until_done()
    ((path, headers),) = server.requests
    assert path == "/v1/realtime?intent=transcription"
    assert headers["Authorization"] == f"Bearer {key}"
    update = server.received[0]
    transcription = {
        "model": "gpt-4o-mini-transcribe",
        "language": "en",
        "prompt": "Names: Zyntriqix.",
    }
    if protocol == "beta":
        assert headers["OpenAI-Beta"] == "realtime=v1"
        assert update["type"] == "transcription_session.update"
        assert update["session"] == {
            "input_audio_format": "pcm16",
            "input_audio_transcription": transcription,
            "turn_detection": dict(audiokit.SERVER_VAD),
            "input_audio_noise_reduction": {"type": "far_field"},
            "include": [],
        }
    else:
        assert "OpenAI-Beta" not in headers  # the GA protocol
        assert update["type"] == "session.update"
        assert update["session"] == {
            "type": "transcription",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": RATE},
                    "transcription": transcription,
                    "turn_detection": dict(audiokit.SERVER_VAD),
                    "noise_reduction": {"type": "far_field"},
                }
            },
            "include": [],
        }
    assert session.session == update["session"]  # as the server confirmed it
    appends = [m for m in server.received if m["type"] == "input_audio_buffer.append"]
    audio = b"".join(base64.b64decode(m["audio"]) for m in appends)
    assert len(audio) >= 2 * RATE * 2  # 2 s of pcm16 24 kHz, then the closing silence
    assert "Authorization" in caplog.text  # the handshake was logged ...
    assert key not in caplog.text  # ... without the key
    assert key not in repr(session) and key not in repr(session.transcript.params)


def test_refused_key_is_an_authentication_error(server: Any) -> None:
    wrong = audiokit.Client(api_key="sk-wrong", base_url=f"{server.url}/v1")
    with pytest.raises(audiokit.AuthenticationError) as info:
        audiokit.live(SILENCE, client=wrong).until_done()
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"


def test_unreachable_server_is_a_connection_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    nowhere = audiokit.Client(api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(audiokit.APIConnectionError):
        audiokit.live(SILENCE, client=nowhere).until_done()


# -- ephemeral client secrets --------------------------------------------------------------------


async def test_transcription_sessions_mint_a_short_lived_client_secret(server: Any) -> None:
    auth = {"Authorization": f"Bearer {SERVER_KEY}"}
    body = {"turn_detection": None, "input_audio_transcription": {"model": "whisper-1"}}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        refused = await http.post("/v1/realtime/transcription_sessions", json=body)
        response = await http.post("/v1/realtime/transcription_sessions", json=body, headers=auth)
        bad = await http.post(
            "/v1/realtime/transcription_sessions",
            headers=auth,
            json={"turn_detection": {"threshold": -1}},
        )
        ga_session = {"type": "transcription", "audio": {"input": {"turn_detection": None}}}
        ga = await http.post(
            "/v1/realtime/client_secrets",
            headers=auth,
            json={"expires_after": {"anchor": "created_at", "seconds": 30}, "session": ga_session},
        )
    assert refused.status_code == 401
    assert (
        bad.status_code == 400
        and bad.json()["error"]["param"] == "session.turn_detection.threshold"
    )
    created = response.json()
    assert response.status_code == 200, created
    secret = created["client_secret"]["value"]
    assert secret.startswith("ek_") and secret != SERVER_KEY
    assert 0 < created["client_secret"]["expires_at"] - __import__("time").time() <= 61
    assert created["object"] == "realtime.transcription_session"
    assert created["input_audio_transcription"]["model"] == "whisper-1"
    assert ga.status_code == 200 and ga.json()["value"].startswith("ek_")
    assert ga.json()["session"]["audio"]["input"]["turn_detection"] is None

    # the secret opens a WebSocket, with the settings it was made with
    events = await _raw(server.url, [], until="transcription_session.created", key=secret)
    session = events[-1]["session"]
    assert session["turn_detection"] is None
    assert session["input_audio_transcription"]["model"] == "whisper-1"
    with pytest.raises(Exception, match="401"):
        await _raw(server.url, [], until="transcription_session.created", key="ek_made_up")


# -- the pieces of server VAD ----------------------------------------------------------------------


def test_streamed_silero_equals_the_whole_recording(recording: Recording) -> None:
    from faster_whisper.vad import get_vad_model

    samples = resample(recording.samples[: 6 * RATE], RATE, 16_000)
    samples = samples[: len(samples) // VAD_WINDOW * VAD_WINDOW]
    whole = get_vad_model()(samples).reshape(-1)
    stream = SileroStream(get_vad_model().session)
    pieces = [stream.push(samples[i : i + 1_000]) for i in range(0, len(samples), 1_000)]
    streamed = np.concatenate(pieces)
    np.testing.assert_allclose(streamed, whole, atol=1e-5)
    assert whole.max() > 0.9 and whole.min() < 0.1  # speech and silence are both there


def test_turn_detector_needs_the_whole_silence_duration() -> None:
    detector = TurnDetector(threshold=0.5, silence_duration_ms=500)
    window_ms = 32
    probs = [0.1] * 3 + [0.9] * 10 + [0.1] * 10 + [0.9] * 5 + [0.2] * 16 + [0.1] * 2
    turns = [t for i, p in enumerate(probs) if (t := detector.step(p, i)) is not None]
    assert turns[0] == ("start", 3 * window_ms)
    # 10 quiet windows (320 ms) are not enough; 16 (512 ms) are
    assert turns[1:] == [("stop", (28 + 16) * window_ms)]
    assert not detector.speaking


def test_import_audiokit_stays_light() -> None:
    code = (
        "import sys, audiokit; audiokit.live; "
        "print(sorted(m for m in ('websockets', 'uvicorn', 'starlette', 'faster_whisper') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the live-captions widget (its Python half, driven as the front end drives it) -----------------


def test_live_captions_widget_relays_microphone_chunks(
    client: audiokit.Client, recording: Recording
) -> None:
    from audiokit.widgets import LiveCaptionsWidget, live_captions

    w = live_captions(client=client, language="en")
    assert isinstance(w, LiveCaptionsWidget)
    assert w.model == audiokit.defaults.transcription_model and w.logprobs
    w._on_message(w, {"type": "start", "sample_rate": RATE}, [])
    assert w.status == "listening"
    pcm = (np.clip(recording.samples, -1, 1) * 32767).astype("<i2").tobytes()
    for i in range(0, len(pcm), 4_800):  # 100 ms messages, as live.js sends them
        w._on_message(w, {"type": "audio"}, [memoryview(pcm[i : i + 4_800])])
    w._on_message(w, {"type": "stop"}, [])
    assert w.status in ("finishing", "done")
    transcript = w.job.result(timeout=300)

    assert w.status == "done" and w.error == "" and w.partial == ""
    assert w.transcript is transcript
    assert [c["text"] for c in w.captions] == [s.text for s in transcript.segment_list]
    assert len(w.captions) == len(SENTENCES)
    for sentence, caption in zip(SENTENCES, w.captions, strict=True):
        assert wer(sentence, caption["text"]) <= MAX_WER
        assert 0 < caption["confidence"] <= 1
        assert caption["tokens"] and all(0 < p <= 1 for _, p in caption["tokens"])
    assert w.seconds == pytest.approx(len(recording.samples) / RATE, abs=1.0)
    assert "weather" in w.html.lower()
    with pytest.raises(RuntimeError):
        w.push(b"\0\0")  # stopped: no more audio


def test_live_captions_widget_shows_refused_settings_as_one_line(client: audiokit.Client) -> None:
    from audiokit.widgets import live_captions

    w = live_captions(client=client, language="Klingon")
    w._on_message(w, {"type": "start", "sample_rate": 48_000}, [])
    assert w.status == "error"
    assert "language" in w.error and "\n" not in w.error
    with pytest.raises(audiokit.ValidationError):
        w.job.result(timeout=5)
    w._on_message(w, {"type": "error", "message": "Microphone unavailable (NotAllowedError)."}, [])
    assert w.error.startswith("Microphone unavailable")


# -- %transcribe --live ---------------------------------------------------------------------------


def test_transcribe_magic_live(recording: Recording, tmp_path: Path) -> None:
    from IPython.core.error import UsageError
    from IPython.terminal.interactiveshell import TerminalInteractiveShell
    from IPython.testing.globalipapp import start_ipython

    from audiokit.widgets import LiveCaptionsWidget

    start_ipython()  # creates the process-wide test shell once (later calls return None)
    ip = TerminalInteractiveShell.instance()
    ip.run_line_magic("load_ext", "audiokit")
    path = tmp_path / "talk.wav"
    sf.write(path, recording.samples, RATE, subtype="PCM_16")

    transcript = ip.run_line_magic("transcribe", f"--live --logprobs -o t {path}")
    assert ip.user_ns["t"] is transcript
    assert len(transcript.segment_list) == len(SENTENCES) and transcript.logprobs
    assert wer(" ".join(SENTENCES), transcript.text) <= MAX_WER

    widget = ip.run_line_magic("transcribe", "--live -l en")
    assert isinstance(widget, LiveCaptionsWidget) and widget.language == "en"
    with pytest.raises(UsageError, match="--live takes"):
        ip.run_line_magic("transcribe", f"--live -f srt {path}")


# -- the official SDK against the local server ----------------------------------------------------


def test_openai_sdk_realtime_transcription_against_the_local_server(
    server: Any, recording: Recording
) -> None:
    """The official client's beta realtime API: its calls work and its types parse our events."""
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    from openai.types.beta.realtime import RealtimeServerEvent, TranscriptionSession
    from pydantic import TypeAdapter

    sdk = openai.OpenAI(
        api_key=SERVER_KEY,
        base_url=f"{server.url}/v1",
        websocket_base_url=server.url.replace("http", "ws") + "/v1",
        max_retries=0,
    )
    created = sdk.beta.realtime.transcription_sessions.create(
        input_audio_transcription={"model": "gpt-4o-transcribe"}, turn_detection=None
    )
    assert created.client_secret.value.startswith("ek_")
    assert created.input_audio_transcription.model == "gpt-4o-transcribe"

    events = TypeAdapter(RealtimeServerEvent)
    pcm = (np.clip(recording.samples[: 9 * RATE], -1, 1) * 32767).astype("<i2").tobytes()
    seen: list[Any] = []
    with sdk.beta.realtime.connect(
        model="gpt-4o-mini-transcribe", extra_query={"intent": "transcription"}
    ) as connection:
        connection.transcription_session.update(
            session={
                "input_audio_transcription": {"model": "gpt-4o-mini-transcribe", "language": "en"},
                "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
                "include": ["item.input_audio_transcription.logprobs"],
            }
        )
        for i in range(0, len(pcm), 9_600):
            connection.input_audio_buffer.append(
                audio=base64.b64encode(pcm[i : i + 9_600]).decode()
            )
        connection.input_audio_buffer.append(audio=base64.b64encode(bytes(RATE * 2)).decode())
        connection.input_audio_buffer.clear()
        for _ in range(1_000):
            raw = json.loads(connection.recv_bytes())
            if raw["type"] == "transcription_session.created":  # not in the SDK's beta union
                continue
            if raw["type"] == "transcription_session.updated":
                # The schema marks session.client_secret required yet says it "is not present
                # when a session is updated via the WebSocket API": check everything else.
                secret = {"value": "", "expires_at": 0}
                TranscriptionSession.model_validate({**raw["session"], "client_secret": secret})
                seen.append(connection.parse_event(json.dumps(raw)))  # as the SDK reads it
                continue
            seen.append(events.validate_python(raw))  # strict: every field as the SDK types it
            if sum(e.type == COMPLETED for e in seen) == 2:
                break
    done = [e for e in seen if e.type == COMPLETED]
    for sentence, event in zip(SENTENCES[:2], done, strict=True):
        assert wer(sentence, event.transcript) <= MAX_WER
        assert event.logprobs and all(lp.logprob <= 0 for lp in event.logprobs)
    assert [type(e).__name__ for e in seen if e.type == "transcription_session.updated"] == [
        "TranscriptionSessionUpdatedEvent"
    ]
    assert any(type(e).__name__ == "InputAudioBufferCommittedEvent" for e in seen)
