"""Live transcription latency on the local engine: end of an utterance → its completed event.

A recording of Piper sentences separated by 1 s pauses is streamed in real time
(``realtime=True``, as a speaker would) through ``audiokit serve``'s app on 127.0.0.1 over a
real WebSocket. For each utterance the wall-clock times of its events are compared with the
moment its last word was sent (the recording is paced, so that moment is known):

- ``vad``: end of speech → ``speech_stopped`` (server VAD waiting ``silence_duration_ms``);
- ``asr``: ``committed`` → ``completed`` (Whisper in the server's worker thread, plus queueing);
- ``total``: end of speech → ``completed``: what a live caption's reader waits.

Baselines measured in the same run: ``WhisperEngine.transcribe`` on the same utterance audio
directly (no server, no VAD) — the compute floor, measured just before and just after each
live run and averaged, as the machine is shared — and ``silence_duration_ms`` itself.
Ratios: ``asr / direct`` (the protocol's overhead on the transcription) and
``total / (silence + direct)`` (overhead of the whole pipeline over its unavoidable parts).

Run: ``python benchmarks/bench_live.py [n_sentences] [silence_ms ...]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

import audiokit
from audiokit.audio import resample
from audiokit.local import LocalApp, PiperEngine, WhisperEngine
from audiokit.server import create_app, serve_in_thread

SENTENCES = [
    "The weather today is sunny with a light breeze.",
    "Please send the report to the finance team by Friday.",
    "My favourite colour is green, and I like to read books.",
    "The train to the city leaves at seven in the morning.",
    "We need more chairs for the meeting room upstairs.",
    "She bought apples, bread and milk at the corner shop.",
]
RATE = 24_000
PAUSE_S = 1.0
LEAD_S = 0.5


def recording(n: int) -> tuple[np.ndarray, list[tuple[float, float]], list[np.ndarray]]:
    """Samples at 24 kHz, each sentence's (start, end) in seconds, and each sentence's audio."""
    piper = PiperEngine()
    parts = [np.zeros(round(LEAD_S * RATE), np.float32)]
    spans, voices, at = [], [], LEAD_S
    for sentence in (SENTENCES * (n // len(SENTENCES) + 1))[:n]:
        voice = resample(piper.synthesize(sentence), piper.sample_rate, RATE)
        loud = np.flatnonzero(np.abs(voice) > 0.02)
        spans.append((at + loud[0] / RATE, at + loud[-1] / RATE))
        voices.append(voice)
        parts += [voice, np.zeros(round(PAUSE_S * RATE), np.float32)]
        at += len(voice) / RATE + PAUSE_S
    return np.concatenate(parts), spans, voices


def direct_seconds(engine: WhisperEngine, voices: list[np.ndarray], logprobs: bool) -> list[float]:
    out = []
    for voice in voices:
        samples = resample(voice, RATE, 16_000)
        t = time.perf_counter()
        list(engine.transcribe(samples, logprobs=logprobs))
        out.append(time.perf_counter() - t)
    return out


def run(
    client: audiokit.Client, audio: np.ndarray, spans: list, silence_ms: int, logprobs: bool
) -> dict[str, list[float]]:
    session = audiokit.live(
        (audio, RATE),
        client=client,
        realtime=True,
        logprobs=logprobs,
        turn_detection={"silence_duration_ms": silence_ms},
    )
    seen: dict[tuple[str, str], float] = {}
    sending_from = None
    order: list[str] = []
    for event in session:
        now = time.perf_counter()
        if event.type == "transcription_session.updated":
            sending_from = now  # the paced sender starts right after this event
        item = getattr(event, "item_id", None)
        if item is not None:
            seen.setdefault((item, event.type.rsplit(".", 1)[-1]), now)
            if event.type == "input_audio_buffer.committed":
                order.append(item)
    assert sending_from is not None and len(order) == len(spans), (len(order), len(spans))
    figures: dict[str, list[float]] = {"vad": [], "asr": [], "total": []}
    for item, (_, end) in zip(order, spans, strict=True):
        spoken = sending_from + end
        figures["vad"].append(seen[(item, "speech_stopped")] - spoken)
        figures["asr"].append(seen[(item, "completed")] - seen[(item, "committed")])
        figures["total"].append(seen[(item, "completed")] - spoken)
    return figures


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    silences = [int(s) for s in sys.argv[2:]] or [500, 300]
    audio, spans, voices = recording(n)
    engine = WhisperEngine().load()
    list(engine.transcribe(resample(voices[0], RATE, 16_000)))  # warm up the model
    server = serve_in_thread(create_app(LocalApp()))
    client = audiokit.Client(api_key="sk-bench", base_url=f"{server.url}/v1")
    print(
        f"{n} utterances, {len(audio) / RATE:.1f} s of audio streamed in real time; "
        "seconds, median [min–max]"
    )
    header = f"{'config':<26}{'vad':>20}{'asr':>20}{'direct':>20}{'total':>20}{'asr/direct':>12}"
    print(header + f"{'total/(silence+direct)':>24}")
    try:
        audiokit.live((audio[: 3 * RATE], RATE), client=client).until_done()  # warm the server
        for logprobs in (False, True):
            for silence_ms in silences:
                before = direct_seconds(engine, voices, logprobs)
                f = run(client, audio, spans, silence_ms, logprobs)
                after = direct_seconds(engine, voices, logprobs)  # the machine is shared:
                direct = [(a + b) / 2 for a, b in zip(before, after, strict=True)]  # bracket it
                cells = [_cell(f["vad"]), _cell(f["asr"]), _cell(direct), _cell(f["total"])]
                ratio = statistics.median(a / d for a, d in zip(f["asr"], direct, strict=True))
                floor = [silence_ms / 1000 + d for d in direct]
                overall = statistics.median(t / b for t, b in zip(f["total"], floor, strict=True))
                name = f"silence {silence_ms} ms{', logprobs' if logprobs else ''}"
                print(
                    f"{name:<26}"
                    + "".join(f"{c:>20}" for c in cells)
                    + f"{ratio:>12.2f}{overall:>24.2f}",
                    flush=True,
                )
        print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    finally:
        server.stop()


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


if __name__ == "__main__":
    main()
