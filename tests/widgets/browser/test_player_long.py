"""An hour of audio in the transcript player, in a real JupyterLab + Chromium.

The kernel speaks a paragraph offline (Piper), transcribes it offline (Whisper, word times) and
tiles both to an hour: a 16 kHz wav of about 110 MB and a transcript of thousands of words. The
player must compress it to WebM Opus on its thread (the path long recordings take), send it in
pieces no larger than ``CHUNK_BYTES``, start playing while later pieces are still held back, and
seek to the last word once everything has arrived. The largest message is then the widget's
state (the words as columns, about 70 bytes a word), below ``MAX_FRAME_BYTES``. The kernel's
websocket is routed through the test (Playwright ``route_web_socket``): every frame is
measured, and the audio pieces past the first ones are held until the test releases them, so
"plays before the rest arrived" is a fact of the run, not a race.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from playwright.sync_api import expect

from audiokit.widgets import CHUNK_BYTES

pytest.importorskip("jupyter_server")
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
)

HOUR_S = 3600.0
MIN_WORDS = 3000
PREPARE_TIMEOUT_MS = 600_000  # speaking, transcribing and compressing an hour on a busy machine
FIRST_PIECES = 2  # audio pieces let through before the rest is held back
# A frame is one kernel message: an audio piece is CHUNK_BYTES plus the message's headers; the
# widget's state (the words as columns) is the largest other message.
MAX_FRAME_BYTES = 1024 * 1024

PARAGRAPH = (
    "Welcome back to the weekly planning meeting. Today we review the budget for the new "
    "library, the schedule for the river bridge, and the results of the survey. Please keep "
    "your questions short, and write down anything we should discuss next week."
)
HOUR_CELL = f"""
import math
import numpy as np
import audiokit
from audiokit.audio import decode, encode

clip = audiokit.speak({PARAGRAPH!r}, response_format="wav")
one = audiokit.transcribe(clip, model="whisper-1", response_format="verbose_json",
                          timestamp_granularities=["word", "segment"])
samples, rate = decode(clip.data, sample_rate=16_000)
clip_s = len(samples) / rate
reps = math.ceil({HOUR_S} / clip_s)
hour_wav = encode(np.tile(samples, reps), rate, "wav")

def shifted(items, k):
    return [{{**x, "start": x["start"] + k * clip_s, "end": x["end"] + k * clip_s}}
            for x in items]

body = dict(one.raw)
body.update(
    text=" ".join([one.text] * reps), duration=reps * clip_s,
    words=[w for k in range(reps) for w in shifted(one.raw["words"], k)],
    segments=[{{**s, "id": i}} for i, s in enumerate(
        s for k in range(reps) for s in shifted(one.raw["segments"], k))],
)
t = audiokit.Transcript.from_response(body, "verbose_json")
w = t.player(hour_wav)
w
"""


class KernelSocket:
    """The kernel websocket, relayed by the test: frame sizes, and audio pieces held back."""

    def __init__(self, let_through: int) -> None:
        self.let_through = let_through  # pieces 0 .. let_through - 1 go through at once
        self.sizes: list[int] = []
        self.pieces: list[int] = []  # indices of the audio pieces relayed to the page
        self.held: list[Any] = []
        self.holding = True
        self.lock = threading.Lock()
        self.route: Any = None

    def attach(self, page: Any) -> None:
        page.route_web_socket("**/api/kernels/*/channels*", self._handle)

    def _handle(self, ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(server.send)
        server.on_message(lambda message: self._from_kernel(ws, message))
        self.route = ws

    @staticmethod
    def audio_index(message: Any) -> int | None:
        """The piece index if ``message`` is one of the player's audio pieces."""
        if not isinstance(message, bytes):
            return None
        _channel, parts = deserialize_msg_from_ws_v1(message)
        content = json.loads(parts[3])
        data = (content.get("data") or {}).get("content") or {}
        return data.get("index") if data.get("type") == "audio" else None

    def _from_kernel(self, ws: Any, message: Any) -> None:
        index = self.audio_index(message)
        with self.lock:
            self.sizes.append(len(message))
            # Held by index, not by count: the kernel may answer the page's requests (several
            # in flight) out of order, and piece 2 must not stand in for a late piece 1.
            if index is not None and self.holding and index >= self.let_through:
                self.held.append(message)
                return
            if index is not None:
                self.pieces.append(index)
        ws.send(message)

    def release(self) -> None:
        with self.lock:
            self.holding = False
            held, self.held = self.held, []
        for message in held:
            self.pieces.append(self.audio_index(message))
            self.route.send(message)


def test_an_hour_plays_while_loading_in_pieces_and_seeks_to_the_end(open_notebook):
    socket = KernelSocket(FIRST_PIECES)
    nb = open_notebook([HOUR_CELL], setup=socket.attach)
    widget = nb.output(0).locator(".audiokit-player")
    expect(widget).to_have_attribute("data-rendered", "true", timeout=PREPARE_TIMEOUT_MS)
    # Compressed on the kernel's thread, then fetched in pieces; the page streams it (MSE).
    expect(widget).to_have_attribute("data-stream", "mse", timeout=PREPARE_TIMEOUT_MS)
    facts = json.loads(
        nb.run_code(
            "import json; print(json.dumps(dict(words=len(w.units['text']),"
            " duration=w.duration, size=w.audio_size, type=w.audio_type, error=w.error,"
            " wav=len(hour_wav), last=w.units['start'][-1], plain=repr(w))))"
        )
    )
    assert facts["words"] >= MIN_WORDS and facts["duration"] >= HOUR_S, facts
    assert f"{facts['words']:,} words" in facts["plain"] and "1:00:" in facts["plain"]

    total = -(-facts["size"] // CHUNK_BYTES)
    assert facts["type"].startswith("audio/webm") and not facts["error"], facts
    assert facts["size"] < facts["wav"] / 8, facts  # Opus, not the wav
    assert total > FIRST_PIECES + 2, facts

    # With only the first pieces in, the page can play: it is not waiting for the rest.
    expect(widget).to_have_attribute("data-audio", "playable", timeout=120_000)
    assert widget.get_attribute("data-loaded") == f"{FIRST_PIECES}/{total}"
    played = widget.evaluate(
        """el => new Promise((resolve, reject) => {
          const audio = el.querySelector("audio");
          audio.muted = true;
          audio.play().catch(reject);
          const check = () => audio.currentTime > 0.3
            ? resolve({ at: audio.currentTime, loaded: el.dataset.loaded })
            : setTimeout(check, 50);
          check();
        })"""
    )
    assert played["loaded"] == f"{FIRST_PIECES}/{total}", played
    assert len(socket.held) > 0 and sorted(socket.pieces) == list(range(FIRST_PIECES))

    # Everything else arrives; seeking to the last word plays the end of the hour.
    socket.release()
    expect(widget).to_have_attribute("data-audio", "ready", timeout=120_000)
    assert widget.get_attribute("data-loaded") == f"{total}/{total}"
    # Chromium's MSE quota holds about half an hour of this: the whole file then takes over as
    # a Blob, at the position reached (whichever way it went, the audio did not restart).
    assert widget.get_attribute("data-stream") in ("mse", "blob")
    nb.page.wait_for_function(
        "([el, at]) => el.querySelector('audio').currentTime >= at",
        arg=[widget.element_handle(), played["at"]],
    )
    assert sorted(socket.pieces) == list(range(total))
    last = facts["words"] - 1
    widget.evaluate("el => el.querySelector('.audiokit-player-text').scrollTop = 1e9")
    widget.locator(f".audiokit-word[data-i='{last}']").click()
    ended = widget.evaluate(
        """el => new Promise((resolve) => {
          const audio = el.querySelector("audio");
          const done = () => resolve({ at: audio.currentTime, current: el.dataset.current,
                                       duration: audio.duration });
          if (audio.ended) done(); else audio.addEventListener("ended", done, { once: true });
        })"""
    )
    assert ended["at"] >= facts["last"] - 0.5, ended
    assert abs(ended["duration"] - facts["duration"]) < 1.0, ended
    assert int(ended["current"]) >= last - 1, ended  # highlighted up to the end

    assert socket.sizes and max(socket.sizes) < MAX_FRAME_BYTES, max(socket.sizes)
