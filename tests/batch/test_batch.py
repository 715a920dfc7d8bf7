"""Batches on the offline engine: concurrency, failures kept per file, resuming, rate limits."""

from __future__ import annotations

import _thread
import asyncio
import threading
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import multipart_parts

import audiokit
from audiokit.batch import FRAME_COLUMNS, expand_sources
from audiokit.core import BatchInterrupted
from audiokit.local import local_transport

SENTENCES = {
    "alpha.wav": "The small boat sailed over the hill.",
    "bravo.wav": "Fresh bread is sold at the corner shop.",
    "charlie.wav": "The meeting starts at ten tomorrow.",
    "delta.wav": "Our dog likes to swim in the lake.",
}
KEY_WORDS = {"alpha.wav": "boat", "bravo.wav": "bread", "charlie.wav": "meeting",
             "delta.wav": "swim"}  # fmt: skip


class CountingTransport(httpx.AsyncBaseTransport):
    """The real local transport, counting requests and noting, in order of arrival, which file
    each one uploads; faults can be scripted."""

    def __init__(self, on_request=None) -> None:
        self.inner = local_transport()
        self.files: list[str | None] = []
        self.on_request = on_request
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return len(self.files)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        (name,) = [p.filename for p in multipart_parts(request) if p.filename] or [None]
        with self._lock:
            self.files.append(name)
            number = len(self.files)
        if self.on_request is not None:
            reply = self.on_request(number, request)
            if reply is not None:
                return reply
        return await self.inner.handle_async_request(request)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOKIT_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch")
    with audiokit.Client(backend="local") as c:
        for name, sentence in SENTENCES.items():
            c.speak(sentence, response_format="wav").save(folder / name)
    (folder / "echo-corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x07" * 200)
    (folder / "notes.txt").write_text("not audio, and not picked up from a directory")
    return folder


def good_files(folder: Path) -> list[str]:
    return [str(folder / name) for name in SENTENCES]


def client_with(transport: CountingTransport) -> audiokit.AsyncClient:
    return audiokit.AsyncClient(backend="local", transport=transport)


# -- sources ----------------------------------------------------------------------------------


def test_sources_in_every_shape(audio_dir: Path) -> None:
    listed = [str(audio_dir / "bravo.wav"), str(audio_dir / "alpha.wav")]
    assert [label for label, _ in expand_sources(listed)[0]] == listed  # order kept
    from_dir = [Path(label).name for label, _ in expand_sources(audio_dir)[0]]
    assert from_dir == sorted([*SENTENCES, "echo-corrupt.wav"])  # audio files only, sorted
    pattern = [Path(label).name for label, _ in expand_sources(str(audio_dir / "[ab]*.wav"))[0]]
    assert pattern == ["alpha.wav", "bravo.wav"]
    series = pd.Series(listed, index=["x", "y"])
    entries, index = expand_sources(series)
    assert [label for label, _ in entries] == listed and list(index) == ["x", "y"]
    entries, index = expand_sources(pd.DataFrame({"path": listed}))
    assert [label for label, _ in entries] == listed
    with pytest.raises(audiokit.ValidationError, match="Series"):
        expand_sources(pd.DataFrame({"path": listed, "other": [1, 2]}))
    with pytest.raises(audiokit.ValidationError, match="no file matches"):
        expand_sources(str(audio_dir / "*.mp3"))
    with pytest.raises(audiokit.InvalidTypeError):
        expand_sources(42)


# -- a batch ----------------------------------------------------------------------------------


def test_a_corrupt_file_is_recorded_and_the_rest_succeed(audio_dir: Path, tmp_path: Path) -> None:
    transport = CountingTransport()
    result = audiokit.transcribe_many(
        audio_dir, client=client_with(transport), model="whisper-1", progress=False,
        cache_dir=tmp_path / "cache",
    )  # fmt: skip
    frame = result.frame
    assert list(frame.columns) == FRAME_COLUMNS
    assert len(frame) == 5 and result.ok == 4 and result.failed == 1
    bad = frame.set_index(frame["source"].map(lambda s: Path(s).name)).loc["echo-corrupt.wav"]
    assert bad["error"].startswith("AudioError:") and pd.isna(bad["text"])
    for source, transcript in result.transcripts.items():
        assert KEY_WORDS[Path(source).name] in transcript.text.lower()
    ok = frame[frame["error"].isna()]
    assert (ok["model"] == "whisper-1").all() and (ok["duration"] > 1).all()
    assert all(u["seconds"] >= 1 for u in ok["usage"])
    assert not frame["cached"].any()
    assert transport.count == 4  # the corrupt file was caught before sending
    assert isinstance(result.errors[str(audio_dir / "echo-corrupt.wav")], audiokit.AudioError)
    assert "5 sources: 4 transcribed" in repr(result)
    assert "<table" in result._repr_html_()


def test_a_rerun_pays_for_nothing(audio_dir: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    options = dict(model="whisper-1", progress=False, cache_dir=cache_dir)
    first = audiokit.transcribe_many(
        audio_dir / "*.wav", client=client_with(CountingTransport()), **options
    )
    transport = CountingTransport()
    again = audiokit.transcribe_many(audio_dir / "*.wav", client=client_with(transport), **options)
    assert transport.count == 0
    assert again.cached == 4 and again.failed == 1
    assert {s: t.text for s, t in again.transcripts.items()} == {
        s: t.text for s, t in first.transcripts.items()
    }
    fresh = CountingTransport()
    audiokit.transcribe_many(good_files(audio_dir), client=client_with(fresh), model="whisper-1",
                             progress=False, cache=False)  # fmt: skip
    assert fresh.count == 4  # cache=False always sends


def test_interrupting_keeps_what_finished_and_a_rerun_resumes(
    audio_dir: Path, tmp_path: Path
) -> None:
    def press_ctrl_c(number: int, request: httpx.Request) -> None:
        if number == 2:  # while the second file is being transcribed
            _thread.interrupt_main()

    files = good_files(audio_dir)
    cache_dir = tmp_path / "cache"
    with pytest.warns(RuntimeWarning, match="interrupted"):
        result = audiokit.transcribe_many(
            files, client=client_with(CountingTransport(press_ctrl_c)), model="whisper-1",
            concurrency=1, progress=False, cache_dir=cache_dir,
        )  # fmt: skip
    assert result.interrupted
    assert result[0].ok and KEY_WORDS["alpha.wav"] in result[0].transcript.text.lower()
    unfinished = [item for item in result if not item.ok]
    assert unfinished and all(isinstance(i.error, BatchInterrupted) for i in unfinished)
    assert "interrupted" in result.summary()

    transport = CountingTransport()
    resumed = audiokit.transcribe_many(files, client=client_with(transport), model="whisper-1",
                                       progress=False, cache_dir=cache_dir)  # fmt: skip
    assert transport.count == len(unfinished)  # only what had not finished
    assert resumed.ok == 4 and resumed.cached == 4 - len(unfinished)


async def test_works_inside_a_running_event_loop(audio_dir: Path) -> None:
    asyncio.get_running_loop()  # as in a Jupyter cell
    result = audiokit.transcribe_many([good_files(audio_dir)[0]], model="whisper-1",
                                      progress=False, cache=False,
                                      client=audiokit.Client(backend="local"))  # fmt: skip
    assert result.ok == 1 and "boat" in result[0].transcript.text.lower()


async def test_async_variant_keeps_a_series_index(audio_dir: Path, tmp_path: Path) -> None:
    series = pd.Series(good_files(audio_dir)[:2], index=pd.Index([10, 20], name="row"))
    transport = CountingTransport()
    result = await audiokit.atranscribe_many(
        series, client=client_with(transport), model="whisper-1", progress=False,
        cache_dir=tmp_path,
    )  # fmt: skip
    frame = result.frame
    assert list(frame.index) == [10, 20] and frame.index.name == "row"
    assert "boat" in frame.loc[10, "text"].lower() and "bread" in frame.loc[20, "text"].lower()
    assert transport.count == 2


def test_one_429_pauses_every_worker(audio_dir: Path, tmp_path: Path) -> None:
    """Told by the order requests arrive in: while the pause lasts no worker sends anything."""
    retry_after = 8.0  # seconds: a worker that ignored it would send several files meanwhile

    def first_is_rate_limited(number: int, request: httpx.Request) -> httpx.Response | None:
        if number == 1:
            return httpx.Response(
                429,
                headers={"retry-after": str(retry_after)},
                json={"error": {"message": "Rate limit reached", "type": "requests"}},
            )
        return None

    # six files, two workers: without a shared pause the second worker would go on at once
    files = []
    for i, source in enumerate(good_files(audio_dir) + good_files(audio_dir)[:2]):
        copy = tmp_path / f"{i}-{Path(source).name}"
        copy.write_bytes(Path(source).read_bytes())
        files.append(str(copy))
    transport = CountingTransport(first_is_rate_limited)
    result = audiokit.transcribe_many(files, client=client_with(transport), model="whisper-1",
                                      concurrency=2, progress=False, cache=False)  # fmt: skip
    assert result.ok == 6 and result.rate_limited == 1
    assert transport.count == 7  # six files and one retry
    refused = transport.files[0]
    assert sorted(transport.files) == sorted([refused, *(Path(f).name for f in files)])
    # The refused file goes again when the pause ends, at the same moment as the other worker's
    # next file: at most the other worker's first file (on its way with the refused one) and
    # that next file come before the retry, never files sent during the pause.
    assert transport.files.index(refused, 1) <= 3, transport.files


def test_parameters_are_checked_once_before_anything_is_sent(audio_dir: Path) -> None:
    transport = CountingTransport()
    client = client_with(transport)
    files = good_files(audio_dir)
    with pytest.raises(audiokit.ValidationError, match="response_format"):
        audiokit.transcribe_many(files, client=client, response_format="bogus", progress=False)
    with pytest.raises(audiokit.UnsupportedError):
        audiokit.transcribe_many(files, client=client, model="gpt-4o-mini-transcribe",
                                 response_format="srt", progress=False)  # fmt: skip
    with pytest.raises(audiokit.ValidationError, match="stream"):
        audiokit.transcribe_many(files, client=client, stream=True, progress=False)
    with pytest.raises(audiokit.ValidationError, match="concurrency"):
        audiokit.transcribe_many(files, client=client, concurrency=0, progress=False)
    with pytest.raises(TypeError):
        audiokit.transcribe_many(files, client=client, langauge="en", progress=False)
    assert transport.count == 0


def test_duplicates_are_transcribed_once_and_progress_is_shown(
    audio_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = good_files(audio_dir)[:2]
    transport = CountingTransport()
    result = audiokit.transcribe_many([a, b, a], client=client_with(transport),
                                      model="whisper-1", cache=False)  # fmt: skip
    assert transport.count == 2
    assert len(result) == 3 and result[0].transcript is result[2].transcript
    assert result[a].source == a
    err = capsys.readouterr().err
    assert "transcribing" in err and "2/2" in err
