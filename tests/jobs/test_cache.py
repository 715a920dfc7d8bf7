"""The transcript disk cache: keys, atomic entries, no secrets, and no request paid twice."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

import audiokit
from audiokit.jobs import CACHE_ENV, TranscriptCache, audio_digest, default_cache_dir
from audiokit.jobs import resolve_cache as resolve
from audiokit.local import local_transport

FAKE_KEY = "sk-test-cache-0123456789abcdef"  # not a real key: the server here is in-process


class CountingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The real local transport, counting requests; optionally failing chosen ones (a fault)."""

    def __init__(self, fail_on: set[int] = frozenset()) -> None:
        self.inner = local_transport()
        self.count = 0
        self.fail_on = set(fail_on)
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def _next(self, request: httpx.Request) -> httpx.Response | None:
        with self._lock:
            self.count += 1
            number = self.count
            self.headers.append(dict(request.headers))
        if number in self.fail_on:
            return httpx.Response(
                500,
                headers={"x-should-retry": "false"},
                json={"error": {"message": "injected fault", "type": "server_error"}},
            )
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._next(request) or self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._next(request) or await self.inner.handle_async_request(request)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with audiokit.Client(backend="local") as c:
        speech = c.speak("The cache keeps every answer it was given.", response_format="wav")
    path = tmp_path_factory.mktemp("cache-audio") / "speech.wav"
    return speech.save(path)


def sample_transcript() -> audiokit.Transcript:
    body = {
        "text": "Hello world.",
        "language": "english",
        "duration": 1.5,
        "segments": [{"id": 0, "start": 0.0, "end": 1.5, "text": " Hello world."}],
        "words": [{"word": "Hello", "start": 0.1, "end": 0.5}],
        "usage": {"type": "duration", "seconds": 2},
    }
    return audiokit.Transcript.from_response(
        body, "verbose_json", model="whisper-1", params={"model": "whisper-1"}
    )


# -- keys -------------------------------------------------------------------------------------


def key(**changes: object) -> str:
    base: dict = dict(audio="a" * 64, task="transcribe", endpoint="local",
                      params={"model": "whisper-1", "language": "en"})  # fmt: skip
    params = {**base["params"], **changes.pop("params", {})}  # type: ignore[dict-item]
    return TranscriptCache.key(**{**base, **changes, "params": params})


def test_key_depends_on_what_decides_the_answer() -> None:
    assert key() == key()
    assert key() != key(audio="b" * 64)
    assert key() != key(endpoint="https://api.openai.com/v1")
    assert key() != key(params={"model": "gpt-4o-mini-transcribe"})
    assert key() != key(params={"prompt": "Hello."})
    assert key() != key(task="translate")
    # parameters left at None, and ones that only change how audio is sent, do not count
    assert key() == key(params={"prompt": None, "stream": False, "filename": "x.wav"})
    assert key() == key(params={"temperature": None, "sample_rate": 16_000})
    assert key(params={"temperature": 0.0}) == key(params={"temperature": 0})


def test_audio_digest_is_by_content_not_name(speech_wav: Path, tmp_path: Path) -> None:
    copy = tmp_path / "another-name.wav"
    copy.write_bytes(speech_wav.read_bytes())
    assert audio_digest(speech_wav) == audio_digest(copy) == audio_digest(copy.read_bytes())
    assert audio_digest(speech_wav) != audio_digest(copy.read_bytes() + b"\0")
    with pytest.raises(audiokit.InvalidTypeError):
        audio_digest(3.5)


# -- entries ----------------------------------------------------------------------------------


def test_put_and_get_round_trip(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path)
    t = sample_transcript()
    k = key()
    assert cache.get(k) is None and k not in cache
    path = cache.put(k, t)
    assert path.parent.parent == tmp_path and path.name == f"{k}.json"
    back = cache.get(k)
    assert back == t  # every field but raw
    assert back.raw == t.raw  # and the raw body too
    assert back.to_srt() == t.to_srt()
    assert k in cache and len(cache) == 1 and cache.keys() == [k]
    assert cache.clear() == 1 and len(cache) == 0


def test_unreadable_entries_are_misses(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path)
    k = key()
    cache.put(k, sample_transcript())
    cache.path(k).write_text('{"version": 1, "transcript": {"te', encoding="utf-8")  # torn
    assert cache.get(k) is None
    cache.put(k, sample_transcript())
    entry = json.loads(cache.path(k).read_text(encoding="utf-8"))
    cache.path(k).write_text(json.dumps({**entry, "version": 999}), encoding="utf-8")
    assert cache.get(k) is None  # an entry from another layout is not trusted


def test_concurrent_writers_never_expose_a_partial_entry(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path)
    keys = [key(audio=str(i) * 64) for i in range(4)]
    big = sample_transcript()
    big = type(big).from_dict({**big.to_dict(), "text": "word " * 20_000})  # ~100 kB entries
    seen: set[str] = set()
    problems: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        for _ in range(25):
            for k in keys:
                cache.put(k, big)

    def reader() -> None:
        complete: set[str] = set()  # what this reader has already seen whole
        while not stop.is_set():
            for k in keys:
                got = cache.get(k)
                if got is None and k in complete:
                    problems.append(f"{k[:8]} vanished or was torn after being complete")
                elif got is not None:
                    if got.text != big.text:
                        problems.append("wrong content")
                    complete.add(k)
        seen.update(complete)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer) for _ in range(6)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert problems == []
    assert seen == set(keys)
    assert sorted(cache.keys()) == sorted(keys)
    assert not list(tmp_path.rglob("*.tmp"))  # no temporary file left behind


def test_location_from_argument_environment_or_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "from-env"))
    assert default_cache_dir() == tmp_path / "from-env"
    assert TranscriptCache().directory == tmp_path / "from-env"
    assert TranscriptCache(tmp_path / "explicit").directory == tmp_path / "explicit"
    monkeypatch.delenv(CACHE_ENV)
    # Without the variable: the platform's user cache directory (XDG on Linux and other Unix)
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    per_platform = {
        "darwin": home / "Library" / "Caches" / "audiokit" / "transcripts",
        "win32": home / "AppData" / "Local" / "audiokit" / "Cache" / "transcripts",
    }
    assert default_cache_dir() == per_platform.get(sys.platform, xdg / "audiokit" / "transcripts")
    monkeypatch.delenv("XDG_CACHE_HOME")  # unset, XDG means ~/.cache
    unset = per_platform.get(sys.platform, home / ".cache" / "audiokit" / "transcripts")
    assert default_cache_dir() == unset


def test_resolve_cache_choices(tmp_path: Path) -> None:
    assert resolve(None) is None and resolve(False) is None
    assert resolve(True, tmp_path).directory == tmp_path
    assert resolve(str(tmp_path)).directory == tmp_path
    mine = TranscriptCache(tmp_path)
    assert resolve(mine) is mine
    with pytest.raises(audiokit.InvalidTypeError):
        resolve(3)


# -- through the client -----------------------------------------------------------------------


def test_client_transcribe_cache_saves_the_second_request(speech_wav: Path, tmp_path: Path) -> None:
    transport = CountingTransport()
    with audiokit.Client(backend="local", transport=transport) as c:
        first = c.transcribe(speech_wav, model="whisper-1", cache=tmp_path)
        assert transport.count == 1
        again = c.transcribe(speech_wav.read_bytes(), model="whisper-1", cache=tmp_path)
        assert transport.count == 1  # same content, same parameters: nothing sent
        assert again == first
        c.transcribe(speech_wav, model="whisper-1", cache=tmp_path, language="en")
        assert transport.count == 2  # another parameter is another answer
        c.transcribe(speech_wav, model="whisper-1")
        assert transport.count == 3  # no cache asked for: always sent
    assert "every answer" in first.text.lower()


def test_cache_entries_hold_no_secrets(speech_wav: Path, tmp_path: Path) -> None:
    transport = CountingTransport()
    with audiokit.Client(
        api_key=FAKE_KEY, base_url="http://audiokit.test/v1", transport=transport
    ) as c:
        assert c.backend == "api"
        c.transcribe(speech_wav, model="whisper-1", response_format="verbose_json",
                     cache=tmp_path)  # fmt: skip
    assert transport.headers[0]["authorization"] == f"Bearer {FAKE_KEY}"  # it was sent...
    stored = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.json"))
    assert stored  # ...and an entry was written, without it
    assert FAKE_KEY not in stored and "Bearer" not in stored
    assert "authorization" not in stored.lower()


def test_interrupted_long_transcription_resumes_from_cached_chunks(tmp_path: Path) -> None:
    with audiokit.Client(backend="local") as c:
        sentences = [
            "One small step for a man.",
            "The sun rises in the east.",
            "Water boils at one hundred degrees.",
            "Cats like to sleep all day.",
        ]
        parts = []
        for s in sentences:
            x, rate = c.speak(s, response_format="wav").to_numpy()
            parts += [x, np.zeros(rate, np.float32)]
    path = tmp_path / "four.wav"
    sf.write(path, np.concatenate(parts), rate)
    options = dict(model="whisper-1", split=True, chunk_seconds=4, concurrency=1,
                   cache=tmp_path / "cache")  # fmt: skip

    failing = CountingTransport(fail_on={3})
    with (
        audiokit.Client(backend="local", transport=failing) as c,
        pytest.raises(audiokit.InternalServerError) as info,
    ):
        c.transcribe(path, **options)
    assert failing.count == 3
    assert any("chunk 2" in note for note in getattr(info.value, "__notes__", []))

    resumed = CountingTransport()
    with audiokit.Client(backend="local", transport=resumed) as c:
        t = c.transcribe(path, **options)
    chunks = len(t.params["chunks"])
    assert chunks >= 3
    assert resumed.count == chunks - 2  # chunks 0 and 1 were already paid for
    assert "east" in t.text.lower() and "sleep" in t.text.lower()

    again = CountingTransport()
    with audiokit.Client(backend="local", transport=again) as c:
        assert c.transcribe(path, **options) == t
    assert again.count == 0  # the whole merged transcript is cached too


# -- robustness: malformed entries are misses, failed writes lose nothing ----------------------


def _entry_path(cache_dir: Path) -> Path:
    (path,) = cache_dir.rglob("*.json")
    return path


@pytest.mark.parametrize(
    "content",
    ["[]", "null", "3", '"text"', '{"version": 1, "transcript": []}',
     '{"version": 1, "transcript": {"text": "x", "usage": [1]}}',
     '{"version": 1, "transcript": {"text": "x", "segment_list": [1]}}',
     '{"version": 1, "transcript": {"text": "x", "word_list": {"a": 1}}}'],
    ids=["list", "null", "number", "string", "transcript-list", "usage-list", "segment-int",
         "words-dict"],
)  # fmt: skip
def test_entry_of_the_wrong_shape_is_a_miss(speech_wav: Path, tmp_path: Path, content: str) -> None:
    transport = CountingTransport()
    with audiokit.Client(backend="local", transport=transport) as c:
        first = c.transcribe(speech_wav, model="whisper-1", cache=tmp_path)
        _entry_path(tmp_path).write_text(content, encoding="utf-8")
        again = c.transcribe(speech_wav, model="whisper-1", cache=tmp_path)
    assert transport.count == 2  # the bad entry was a miss: asked again, not an AttributeError
    assert again == first
    assert json.loads(_entry_path(tmp_path).read_text(encoding="utf-8"))["version"] == 1  # healed


def test_entry_path_that_is_a_directory_loses_nothing(
    speech_wav: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    transport = CountingTransport()
    with audiokit.Client(backend="local", transport=transport) as c:
        first = c.transcribe(speech_wav, model="whisper-1", cache=tmp_path)
        path = _entry_path(tmp_path)
        path.unlink()
        path.mkdir()  # the entry's path is now a directory: neither readable nor writable
        with caplog.at_level("WARNING", logger="audiokit"):
            again = c.transcribe(speech_wav, model="whisper-1", cache=tmp_path)
    assert transport.count == 2 and again == first  # a miss, and the paid-for result returned
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert any("could not write the transcript cache" in r.getMessage() for r in warnings)
    assert path.is_dir() and not list(path.parent.glob(".*.tmp"))  # no temporary file left


def test_unwritable_cache_directory_returns_the_result(
    speech_wav: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    with (
        audiokit.Client(backend="local") as c,
        caplog.at_level("WARNING", logger="audiokit"),
    ):
        t = c.transcribe(speech_wav, model="whisper-1", cache=blocker)
    assert "every answer" in t.text.lower()
    assert any("could not write" in r.getMessage() for r in caplog.records)
    with pytest.raises(OSError):  # put() itself still says what went wrong
        TranscriptCache(blocker).put(key(), t)
