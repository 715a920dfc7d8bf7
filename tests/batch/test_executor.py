"""Batches on executors: a real Dask LocalCluster and a ProcessPoolExecutor, offline engine.

Every test runs real worker processes (spawned, so they share nothing with this one) that load
the offline model themselves; recordings are made by Piper in this process.
"""

from __future__ import annotations

import _thread
import concurrent.futures
import importlib.util
import json
import multiprocessing
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from _tools import require
from conftest import FaultServer, Received, Reply, multipart_parts

import audiokit
from audiokit.batch import SealedKey, WorkerSettings, run_request
from audiokit.core import BatchInterrupted, resolve_settings

SENTENCES = {
    "alpha.wav": "The small boat sailed over the hill.",
    "bravo.wav": "Fresh bread is sold at the corner shop.",
    "charlie.wav": "The meeting starts at ten tomorrow.",
    "delta.wav": "Our dog likes to swim in the lake.",
}
KEY_WORDS = {"alpha.wav": "boat", "bravo.wav": "bread", "charlie.wav": "meeting",
             "delta.wav": "swim"}  # fmt: skip
CANARY = "sk-test-EXECUTOR-CANARY-5e4d3c"


class CountingExecutor(concurrent.futures.Executor):
    """A real executor underneath, counting what is submitted to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        self.count += 1
        return self.inner.submit(fn, *args, **kwargs)


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("executor")
    with audiokit.Client(backend="local") as c:
        for name, sentence in SENTENCES.items():
            c.speak(sentence, response_format="wav").save(folder / name)
    (folder / "echo-corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x07" * 200)
    return folder


def good_files(folder: Path) -> list[str]:
    return [str(folder / name) for name in SENTENCES]


@pytest.fixture(scope="module")
def pool() -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    context = multiprocessing.get_context("spawn")  # no fork of this threaded process
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as executor:
        yield executor


def check_first_run(result: audiokit.BatchResult, folder: Path) -> set[str]:
    """Good files transcribed, the corrupt one recorded; returns the worker processes used."""
    assert len(result) == 5 and result.ok == 4 and result.failed == 1
    for source, transcript in result.transcripts.items():
        assert KEY_WORDS[Path(source).name] in transcript.text.lower()
    bad = result[str(folder / "echo-corrupt.wav")]
    assert isinstance(bad.error, audiokit.AudioError)
    frame = result.frame
    assert frame.loc[frame["source"] == bad.source, "error"].iloc[0].startswith("AudioError:")
    assert not frame["cached"].any()
    workers = {w for item in result for w in item.workers}
    pids = {int(w.rsplit(":", 1)[1]) for w in workers}
    assert len(pids) == 2 and os.getpid() not in pids  # both workers, never this process
    assert all(len(item.workers) == 1 for item in result)  # short files: one task each
    return workers


# -- ProcessPoolExecutor ----------------------------------------------------------------------


def test_process_pool_spreads_the_work_and_a_rerun_is_served_from_the_cache(
    audio_dir: Path, pool: concurrent.futures.ProcessPoolExecutor, tmp_path: Path
) -> None:
    options = dict(model="whisper-1", progress=False, cache_dir=tmp_path / "cache", concurrency=2)
    first = audiokit.transcribe_many(audio_dir, executor=pool, **options)
    check_first_run(first, audio_dir)

    counting = CountingExecutor(pool)
    again = audiokit.transcribe_many(audio_dir, executor=counting, **options)
    assert again.cached == 4 and again.failed == 1
    assert counting.count == 1  # only the corrupt file (failures are not cached) went out
    assert all(item.workers == () for item in again if item.cached)
    assert {s: t.text for s, t in again.transcripts.items()} == {
        s: t.text for s, t in first.transcripts.items()
    }


def test_each_chunk_of_a_long_file_is_a_task(
    audio_dir: Path, pool: concurrent.futures.ProcessPoolExecutor, tmp_path: Path
) -> None:
    pieces = [sf.read(audio_dir / name, dtype="float32") for name in ("alpha.wav", "delta.wav")]
    rate = pieces[0][1]
    pause = np.zeros(rate, dtype=np.float32)
    long = tmp_path / "long.wav"
    sf.write(long, np.concatenate([pieces[0][0], pause, pieces[1][0]]), rate)
    counting = CountingExecutor(pool)
    result = audiokit.transcribe_many(
        [str(long)], executor=counting, model="whisper-1", split=True, chunk_seconds=3,
        progress=False, cache=False,
    )  # fmt: skip
    item = result[0]
    assert item.ok, item.error
    assert len(item.workers) >= 2 and counting.count == len(item.workers)
    text = item.transcript.text.lower()
    assert "boat" in text and "swim" in text


async def test_async_variant_on_an_executor(
    audio_dir: Path, pool: concurrent.futures.ProcessPoolExecutor
) -> None:
    result = await audiokit.atranscribe_many(
        good_files(audio_dir)[:2], executor=pool, model="whisper-1", progress=False, cache=False
    )
    assert result.ok == 2 and "boat" in result[0].transcript.text.lower()
    assert all(len(item.workers) == 1 for item in result)


def test_ctrl_c_keeps_what_finished_and_a_rerun_resumes(
    audio_dir: Path, pool: concurrent.futures.ProcessPoolExecutor, tmp_path: Path
) -> None:
    cache = audiokit.TranscriptCache(tmp_path / "cache")
    files = good_files(audio_dir)
    stop = threading.Event()

    def press_ctrl_c_after_the_first_file() -> None:
        while not stop.is_set():
            if len(cache) >= 1:
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=press_ctrl_c_after_the_first_file, daemon=True)
    watcher.start()
    try:
        with pytest.warns(RuntimeWarning, match="interrupted"):
            result = audiokit.transcribe_many(
                files, executor=pool, model="whisper-1", concurrency=1, progress=False,
                cache=cache,
            )  # fmt: skip
    finally:
        stop.set()
        watcher.join()
    assert result.interrupted and result.ok >= 1
    unfinished = [item for item in result if not item.ok]
    assert unfinished and all(isinstance(i.error, BatchInterrupted) for i in unfinished)

    counting = CountingExecutor(pool)
    resumed = audiokit.transcribe_many(files, executor=counting, model="whisper-1",
                                       progress=False, cache=cache)  # fmt: skip
    assert resumed.ok == 4 and counting.count == len(unfinished)


# -- the API through workers: the key and the shared 429 pause --------------------------------


def _file_of(received: Received) -> str | None:
    request = httpx.Request("POST", "http://x/", headers=received.headers, content=received.body)
    names = [p.filename for p in multipart_parts(request) if p.filename]
    return names[0] if names else None


def test_one_429_pauses_every_worker_and_the_key_reaches_only_the_header(
    audio_dir: Path,
    pool: concurrent.futures.ProcessPoolExecutor,
    fault_server: FaultServer,
    tmp_path: Path,
) -> None:
    """While the pause lasts no worker sends anything: only the request already on its way
    with the refused one arrives before Retry-After has passed (a lower bound, never a race)."""
    retry_after = 8.0  # seconds: workers that ignored it would send several files meanwhile
    json = {"content-type": "application/json"}
    fault_server.script(
        Reply(429, {**json, "retry-after": str(retry_after)},
              b'{"error": {"message": "Rate limit reached", "type": "requests"}}'),
        Reply(200, json, b'{"text": "hello there"}'),
    )  # fmt: skip
    files = []
    for i, source in enumerate(good_files(audio_dir) + good_files(audio_dir)[:2]):
        copy = tmp_path / f"{i}-{Path(source).name}"
        copy.write_bytes(Path(source).read_bytes())
        files.append(str(copy))
    client = audiokit.Client(api_key=CANARY, base_url=fault_server.url + "/v1", max_retries=2)
    result = audiokit.transcribe_many(files, client=client, executor=pool, model="whisper-1",
                                      concurrency=2, progress=False, cache=False)  # fmt: skip
    assert result.ok == 6 and result.rate_limited == 1, result.errors
    arrived = [_file_of(r) for r in fault_server.received]
    assert len(arrived) == 7  # six files and one retry
    # the refused file is the one sent twice (the two files in flight may arrive in any order)
    twice = [name for name in set(arrived) if arrived.count(name) == 2]
    assert len(twice) == 1, arrived
    assert sorted(arrived) == sorted([twice[0], *(Path(f).name for f in files)])
    refused_at = fault_server.received[0].at
    waited = [r.at - refused_at for r in fault_server.received[2:]]
    # at most one upload may already have been handed out when the 429 came back; workers that
    # ignored the pause would send every remaining file before Retry-After
    assert len([w for w in waited if w < retry_after - 0.1]) <= 1, waited
    # the workers sent the key, in the header only; nothing the driver keeps shows it
    assert all(r.headers.get("authorization") == f"Bearer {CANARY}" for r in fault_server.received)
    assert CANARY not in repr(result) and CANARY not in result.frame.to_string()
    assert {len(item.workers) for item in result} <= {1, 2}
    client.close()


def test_worker_settings_seal_the_key() -> None:
    settings = WorkerSettings.from_settings(resolve_settings(api_key=CANARY, backend="api"))
    assert CANARY not in repr(settings) and CANARY not in str(settings.api_key)
    copy = pickle.loads(pickle.dumps(settings))  # a task carries it to the worker
    assert copy == settings and copy.api_key.reveal() == CANARY
    assert isinstance(copy.api_key, SealedKey)
    local = WorkerSettings.from_settings(resolve_settings(backend="local"))
    assert local.api_key is None and local.base_url is None


def test_a_workers_error_travels_without_its_causes(
    audio_dir: Path, fault_server: FaultServer
) -> None:
    """Dask pickles errors with tblib, causes included: a cause may hold the server's raw answer
    (here a JSON decoder's document, echoing the key), so a task sends back the error alone."""
    fault_server.script(lambda r: Reply(200, {"content-type": "application/json"},
                                        "{" + r.headers["authorization"]))  # fmt: skip
    settings = WorkerSettings.from_settings(
        resolve_settings(api_key=CANARY, base_url=fault_server.url + "/v1", max_retries=0)
    )
    done = run_request(settings, good_files(audio_dir)[0], "whisper-1", {}, True, 0)
    assert isinstance(done.error, audiokit.APIResponseError) and done.transcript is None
    assert done.error.__cause__ is None and done.error.__context__ is None
    assert done.error.__traceback__ is None and CANARY not in str(done.error)
    assert done.worker.endswith(f":{os.getpid()}")


def test_an_executor_of_the_wrong_type_is_refused(audio_dir: Path) -> None:
    with pytest.raises(audiokit.InvalidTypeError, match="executor"):
        audiokit.transcribe_many(good_files(audio_dir), executor=object(), progress=False)


# -- Dask -------------------------------------------------------------------------------------

# Run in a child interpreter: importing `distributed` installs tblib's exception pickling for
# every exception class in the process, which would change what the other tests of this
# session pickle. The child drives a real LocalCluster and reports what it saw as JSON.
DASK_DRIVER = """
import concurrent.futures, json, pickle, sys
from pathlib import Path
from dask.distributed import Client, LocalCluster
import audiokit

audio_dir, cache_dir, fault_url, canary = sys.argv[1:]

class CountingExecutor(concurrent.futures.Executor):
    def __init__(self, inner):
        self.inner, self.count = inner, 0
    def submit(self, fn, /, *args, **kwargs):
        self.count += 1
        return self.inner.submit(fn, *args, **kwargs)

def rows(result):
    return [{"source": i.source, "text": i.transcript.text if i.transcript else None,
             "error": type(i.error).__name__ if i.error else None, "cached": i.cached,
             "workers": list(i.workers)} for i in result]

if __name__ == "__main__":
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as dask:
        options = dict(model="whisper-1", progress=False, cache_dir=cache_dir, concurrency=2)
        first = audiokit.transcribe_many(audio_dir, executor=dask, **options)
        counting = CountingExecutor(dask.get_executor())
        good = [s for s in sorted(map(str, Path(audio_dir).glob("*.wav"))) if "corrupt" not in s]
        again = audiokit.transcribe_many(good, executor=counting, **options)
        api = audiokit.Client(api_key=canary, base_url=fault_url + "/v1", max_retries=0)
        echoed = audiokit.transcribe_many(good[:1], client=api, executor=dask, model="whisper-1",
                                          progress=False, cache=False)
        error = echoed[0].error
        print(json.dumps({
            "first": rows(first), "again": rows(again), "submitted_again": counting.count,
            "echo_error": type(error).__name__, "echo_text": str(error),
            "key_in_pickle": canary.encode() in pickle.dumps(error),
        }))
"""


def test_dask_local_cluster_spreads_the_work_and_a_rerun_sends_nothing(
    audio_dir: Path, tmp_path: Path, fault_server: FaultServer
) -> None:
    require(importlib.util.find_spec("distributed") is not None, "pip install 'audiokit[dask]'")
    json_type = {"content-type": "application/json"}
    fault_server.script(lambda r: Reply(200, json_type, "{" + r.headers["authorization"]))
    script = tmp_path / "dask_driver.py"
    script.write_text(DASK_DRIVER)
    run = subprocess.run(
        [sys.executable, str(script), str(audio_dir), str(tmp_path / "cache"), fault_server.url,
         CANARY],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    first = {Path(row["source"]).name: row for row in seen["first"]}
    assert len(first) == 5 and first["echo-corrupt.wav"]["error"] == "AudioError"
    for name, word in KEY_WORDS.items():
        assert first[name]["error"] is None and word in first[name]["text"].lower()
        assert not first[name]["cached"] and len(first[name]["workers"]) == 1
    pids = {int(w.rsplit(":", 1)[1]) for row in first.values() for w in row["workers"]}
    assert len(pids) == 2 and os.getpid() not in pids  # both workers did some

    assert all(row["cached"] and row["workers"] == [] for row in seen["again"])
    assert len(seen["again"]) == 4 and seen["submitted_again"] == 0  # nothing sent again

    # an error from a worker comes back without the causes that held the server's echo
    assert seen["echo_error"] == "APIResponseError" and "Bearer ***" in seen["echo_text"]
    assert CANARY not in seen["echo_text"] and seen["key_in_pickle"] is False
    assert all(r.headers["authorization"] == f"Bearer {CANARY}" for r in fault_server.received)
