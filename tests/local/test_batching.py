"""Batching of concurrent Whisper decodings (``local._batching``): the collector on its own, the
real engine (batched results equal decoding alone, option by option) and ``audiokit serve``'s app
on 127.0.0.1 answering the official ``openai`` SDK from concurrent threads."""

from __future__ import annotations

import contextlib
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from audiokit.core import ValidationError
from audiokit.local._batching import Collector

SENTENCES = (
    "Please call Stella and ask her to bring the blue folder.",
    "The weather was bright and clear on Monday morning.",
    "Two children painted colorful signs for each row of vegetables.",
    "We will water the seeds every evening after work.",
)
PATIENT_S = 10.0  # batch_wait in these tests: the leader waits until every peer has joined


def _submit_together(collector: Collector, keys: list[str]) -> list[object]:
    """Each key submitted from its own thread, all counted in flight before any submits."""
    ready = threading.Barrier(len(keys))

    def one(pair: tuple[int, str]) -> object:
        index, key = pair
        with collector.in_flight():
            ready.wait()
            return collector.submit(key, index)

    with ThreadPoolExecutor(len(keys)) as pool:
        return list(pool.map(one, enumerate(keys)))


# ------------------------------------------------------------------------- the collector


def test_concurrent_items_with_one_key_run_as_one_batch() -> None:
    calls: list[tuple[str, list[int]]] = []

    def run(key: str, items: list[int]) -> list[str]:
        calls.append((key, list(items)))
        return [f"{key}{i}" for i in items]

    collector = Collector(run, max_batch=8, wait=PATIENT_S)
    assert _submit_together(collector, ["a"] * 5) == ["a0", "a1", "a2", "a3", "a4"]
    assert list(collector.sizes) == [5] and sorted(calls[0][1]) == [0, 1, 2, 3, 4]


def test_keys_never_share_a_batch_and_max_batch_caps_it() -> None:
    seen: list[tuple[str, int]] = []

    def run(key: str, items: list[int]) -> list[tuple[str, int]]:
        seen.append((key, len(items)))
        return [(key, i) for i in items]

    collector = Collector(run, max_batch=2, wait=PATIENT_S)
    keys = ["a", "b", "a", "b", "a"]
    assert _submit_together(collector, keys) == [(k, i) for i, k in enumerate(keys)]
    assert sorted(seen) == [("a", 1), ("a", 2), ("b", 2)]


def test_a_lone_caller_runs_at_once() -> None:
    collector = Collector(lambda key, items: items, max_batch=8, wait=PATIENT_S)
    with collector.in_flight():  # nobody else is under way: nothing to wait for
        assert collector.submit("k", 7) == 7
    assert collector.submit("k", 8) == 8  # not even counted
    assert list(collector.sizes) == [1, 1]


def test_a_failing_batch_reaches_every_caller_and_leaves_no_thread_blocked() -> None:
    def run(key: str, items: list[int]) -> list[int]:
        if key == "bad":
            raise RuntimeError("decoder failed")
        return items

    collector = Collector(run, max_batch=8, wait=PATIENT_S)
    errors: list[BaseException] = []
    ready = threading.Barrier(4)

    def one(index: int) -> None:
        with collector.in_flight():
            ready.wait()
            try:
                collector.submit("bad", index)
            except RuntimeError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert len(errors) == 4 and all(str(e) == "decoder failed" for e in errors)
    assert collector.submit("good", 1) == 1  # the collector is still usable


def _running_at_once(parallel: int) -> int:
    """The most batches (of two keys, submitted together) that ran at the same time."""
    lock, running, most = threading.Lock(), [0], [0]
    both = threading.Barrier(2, timeout=1.0)  # broken unless two batches meet inside run

    def run(key: str, items: list[int]) -> list[int]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        with contextlib.suppress(threading.BrokenBarrierError):
            both.wait()
        with lock:
            running[0] -= 1
        return items

    collector = Collector(run, max_batch=8, wait=0, parallel=parallel)
    assert _submit_together(collector, ["a", "b"]) == [0, 1]
    return most[0]


def test_batches_run_side_by_side_up_to_parallel() -> None:
    assert _running_at_once(parallel=2) == 2  # one batch per model replica
    assert _running_at_once(parallel=1) == 1


def test_a_wrong_number_of_results_is_an_error_not_a_hang() -> None:
    collector = Collector(lambda key, items: [], max_batch=8, wait=0)
    with pytest.raises(RuntimeError, match="gave 0 results"):
        collector.submit("k", 1)


# ------------------------------------------------------------------------- the real engine

require("faster_whisper", "the offline engine is not installed (pip install -e '.[local]')")
require("piper", "the offline engine is not installed (pip install -e '.[local]')")

from audiokit.audio import encode, resample  # noqa: E402
from audiokit.local import LocalApp, PiperEngine, WhisperEngine  # noqa: E402


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    piper = PiperEngine().load()
    return [resample(piper.synthesize(s), piper.sample_rate, 16_000) for s in SENTENCES]


@pytest.fixture(scope="module")
def alone() -> WhisperEngine:
    return WhisperEngine("tiny.en", max_batch=1).load()


def _together(engine: WhisperEngine, jobs: list[tuple[np.ndarray, dict]]) -> list[list]:
    ready = threading.Barrier(len(jobs))

    def one(job: tuple[np.ndarray, dict]) -> list:
        ready.wait()
        return list(engine.transcribe(job[0], **job[1]))

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(one, jobs))


def _same(batched: list, single: list) -> None:
    assert [s.text for s in batched] == [s.text for s in single]
    assert [s.tokens for s in batched] == [s.tokens for s in single]
    for b, s in zip(batched, single, strict=True):
        assert b.avg_logprob == pytest.approx(s.avg_logprob, abs=1e-4)
        assert [t.bytes for t in b.token_logprobs] == [t.bytes for t in s.token_logprobs]
        got, want = [t.logprob for t in b.token_logprobs], [t.logprob for t in s.token_logprobs]
        assert got == pytest.approx(want, abs=1e-4)


@pytest.mark.parametrize(
    "options",
    [{}, {"logprobs": True}, {"beam_size": 1}, {"temperature": 0.0, "word_timestamps": True}],
    ids=["beams", "logprobs", "greedy", "words"],
)
def test_concurrent_transcriptions_are_batched_and_equal_decoding_alone(
    clips: list[np.ndarray], alone: WhisperEngine, options: dict
) -> None:
    engine = WhisperEngine("tiny.en", batch_wait=PATIENT_S)
    batched = _together(engine, [(c, options) for c in clips])
    assert max(engine.batch_sizes) > 1, engine.batch_sizes
    assert sum(engine.batch_sizes) == len(clips)  # one short window each
    for clip, segments in zip(clips, batched, strict=True):
        _same(segments, list(alone.transcribe(clip, **options)))


def test_requests_that_cannot_share_a_batch_still_get_their_own_results(
    clips: list[np.ndarray], alone: WhisperEngine
) -> None:
    # logprobs (greedy with logits), beams, a prompt (its tokens move the start-of-transcript
    # token) and sampling at 0.4 (seeded by nothing we control: only the text is checked
    # as being decoded, not equal) each need a batch of their own kind.
    jobs = [
        (clips[0], {"logprobs": True}),
        (clips[1], {}),
        (clips[2], {"prompt": "Vegetables, signs and children."}),
        (clips[3], {"logprobs": True}),
        (clips[0], {}),
        (clips[1], {"temperature": 0.4}),
    ]
    engine = WhisperEngine("tiny.en", batch_wait=PATIENT_S)
    batched = _together(engine, jobs)
    assert sum(engine.batch_sizes) == len(jobs) and len(engine.batch_sizes) < len(jobs)
    for (clip, options), segments in zip(jobs, batched, strict=True):
        if options.get("temperature", 0) > 0:
            assert "".join(s.text for s in segments).strip()
            assert all(s.temperature == 0.4 for s in segments)
            continue
        _same(segments, list(alone.transcribe(clip, **options)))


def test_a_lone_transcription_is_decoded_alone(clips, alone: WhisperEngine) -> None:
    engine = WhisperEngine("tiny.en", batch_wait=PATIENT_S)  # would wait 10 s if it waited
    for clip in clips[:2]:
        _same(list(engine.transcribe(clip)), list(alone.transcribe(clip)))
    assert engine.batch_sizes == [1, 1]
    assert alone.batch_sizes == []  # max_batch=1: no collector at all


def test_an_abandoned_transcription_does_not_hold_up_the_next(clips) -> None:
    engine = WhisperEngine("tiny.en", batch_wait=PATIENT_S)
    started = engine.transcribe(clips[0])  # never iterated: counted until dropped
    del started
    assert [s.text for s in engine.transcribe(clips[1])]  # did not wait for it
    assert engine.batch_sizes == [1]


def test_batching_options_are_checked() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValidationError, match="max_batch"):
            WhisperEngine("tiny.en", max_batch=bad)
    for bad in (-0.1, 11, "0.02", None):
        with pytest.raises(ValidationError, match="batch_wait"):
            WhisperEngine("tiny.en", batch_wait=bad)
    for bad in (0, 2.0, True, None):
        with pytest.raises(ValidationError, match="workers"):
            WhisperEngine("tiny.en", workers=bad)


def test_one_replica_or_two_give_the_same_results(clips: list[np.ndarray]) -> None:
    one, two = WhisperEngine("tiny.en", workers=1), WhisperEngine("tiny.en", workers=2)
    jobs = [(c, {"logprobs": True}) for c in clips]
    for a, b in zip(_together(one, jobs), _together(two, jobs), strict=True):
        assert [(s.text, s.avg_logprob, s.token_logprobs) for s in a] == [
            (s.text, s.avg_logprob, s.token_logprobs) for s in b
        ]


def test_the_first_window_reuses_language_detections_encoding_only_when_it_is_the_same() -> None:
    from audiokit.local._whisper import _run_class

    engine = WhisperEngine("base").load()  # multilingual: detection encodes the first 30 s
    run = _run_class()(engine._model(), logprobs=False)
    features = np.random.default_rng(0).uniform(-1.5, 1.5, (80, 3000)).astype(np.float32)
    first = run.encode(features)
    assert run.encode(features.copy()) is first  # 30 s or more: the same features
    shorter = features.copy()
    shorter[:, -1] = 0  # detection keeps one more frame than a shorter clip's window
    other = run.encode(shorter)
    assert other is not first
    fresh = _run_class()(engine._model(), logprobs=False).encode(features)
    assert np.array_equal(np.asarray(fresh), np.asarray(first))  # the encoder is deterministic


class _CountingEncoder:
    """The real CTranslate2 model, counting its encoder passes."""

    def __init__(self, model: object) -> None:
        self.model, self.encodes = model, 0

    def encode(self, *args: object, **kwargs: object) -> object:
        self.encodes += 1
        return self.model.encode(*args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)


def test_a_short_clip_is_encoded_once_for_language_detection_and_its_window(
    clips: list[np.ndarray],
) -> None:
    from audiokit.local._whisper import _run_class

    engine = WhisperEngine("base").load()
    clip = clips[0]  # a few seconds: one window
    run = _run_class()(engine._model(), logprobs=False)
    run.model = counting = _CountingEncoder(run.model)
    segments, info = run.transcribe(clip, beam_size=1)
    text = "".join(s.text for s in segments)
    assert counting.encodes == 1
    assert info.language == "en" and info.language_probability > 0.9
    # the text is what decoding the window with the language given (no detection) gives
    given = "".join(s.text for s in engine.transcribe(clip, language="en", beam_size=1))
    assert text == given


# ----------------------------------------------------------------------- through the server


def test_the_server_batches_concurrent_sdk_requests(clips, alone: WhisperEngine) -> None:
    openai = require("openai", "the official SDK is in the test extra (pip install -e '.[test]')")
    from audiokit.server import create_app
    from audiokit.server._runner import serve_in_thread

    engine = WhisperEngine("tiny.en", batch_wait=PATIENT_S)
    wavs = [encode(c, 16_000, "wav") for c in clips]
    want = ["".join(s.text for s in alone.transcribe(c)).strip() for c in clips]
    with serve_in_thread(create_app(LocalApp(engine))) as server:
        sdk = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-local", max_retries=0)
        ready = threading.Barrier(len(wavs))

        def one(wav: bytes) -> str:
            ready.wait()
            file = ("clip.wav", io.BytesIO(wav), "audio/wav")
            return sdk.audio.transcriptions.create(model="whisper-1", file=file).text

        with ThreadPoolExecutor(len(wavs)) as pool:
            got = list(pool.map(one, wavs))
    assert got == want
    assert max(engine.batch_sizes) > 1, engine.batch_sizes
