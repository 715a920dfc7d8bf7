"""Long audio and long text, on real speech from the offline engine.

A recording is built from sentences spoken by the local Piper voice, with pauses of known length
between them and a little background noise, so we know exactly where every sentence is. It is
split (with small chunks, so it splits into several), transcribed by the local Whisper, merged,
and checked against what was planted: each sentence once, at its place, no word lost or doubled
at a seam; the cuts all fall in the planted pauses.
"""

from __future__ import annotations

import io
import itertools
import re
import threading
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path

import httpx
import jiwer
import numpy as np
import pytest
import soundfile as sf
from conftest import multipart_fields

import audiokit
from audiokit.audio import decode, find_pauses, probe
from audiokit.jobs import (
    MODEL_MAX_SECONDS,
    TranscriptionJob,
    join_texts,
    merge_transcripts,
    split_audio,
    split_text,
)
from audiokit.local import local_transport
from audiokit.text import (
    WHISPER_PROMPT_TOKENS,
    count_prompt_tokens,
    previous_text_prompt,
    vocabulary_prompt,
)

SENTENCES = [
    "The library opens at nine in the morning.",
    "Please bring your own cup to the kitchen.",
    "My brother plays the piano every evening.",
    "The train to the coast leaves from platform four.",
    "We planted three apple trees in the garden.",
    "Turn off the lights when you leave the room.",
    "The weather will be sunny and warm tomorrow.",
    "She wrote a long letter to her grandmother.",
]
GAPS_SECONDS = [0.9, 0.7, 1.0, 0.8, 0.75, 0.95, 0.85]  # planted pauses between sentences
NOISE_RMS = 10 ** (-50 / 20)  # background noise at -50 dBFS, so pauses are not digital zeros
TRIM_PEAK = 1e-3  # the voice's own leading/trailing near-silence is trimmed off each sentence


@dataclass(frozen=True)
class Recording:
    samples: np.ndarray
    rate: int
    spans: list[tuple[float, float]]  # where each sentence's speech is, in seconds
    path: Path

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def gaps(self) -> list[tuple[float, float]]:
        return [(a[1], b[0]) for a, b in zip(self.spans, self.spans[1:], strict=False)]


def _trim(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > TRIM_PEAK)
    return x[loud[0] : loud[-1] + 1]


@pytest.fixture(scope="module")
def client() -> audiokit.Client:
    with audiokit.Client(backend="local") as c:
        yield c


@pytest.fixture(scope="module")
def recording(client: audiokit.Client, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    pieces, spans, position, rate = [], [], 0.0, None
    for i, sentence in enumerate(SENTENCES):
        speech, rate = client.speak(sentence, response_format="wav").to_numpy()
        speech = _trim(speech)
        if i:
            gap = np.zeros(round(GAPS_SECONDS[i - 1] * rate), dtype=np.float32)
            pieces.append(gap)
            position += len(gap) / rate
        pieces.append(speech)
        spans.append((position, position + len(speech) / rate))
        position += len(speech) / rate
    lead = np.zeros(round(0.3 * rate), dtype=np.float32)  # a little quiet before and after
    samples = np.concatenate([lead, *pieces, lead])
    spans = [(a + 0.3, b + 0.3) for a, b in spans]
    samples += np.random.default_rng(7).normal(0, NOISE_RMS, len(samples)).astype(np.float32)
    path = tmp_path_factory.mktemp("long") / "recording.flac"
    sf.write(path, samples, rate, format="FLAC")
    return Recording(samples, rate, spans, path)


def _inside_a_gap(t: float, rec: Recording) -> bool:
    return any(a <= t <= b for a, b in rec.gaps())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


# -- the pause detector and the splitter ------------------------------------------------------


def test_find_pauses_covers_every_planted_gap(recording: Recording) -> None:
    pauses = find_pauses(recording.samples, recording.rate)
    for start, end in recording.gaps():
        covered = sum(max(0.0, min(end, p.end) - max(start, p.start)) for p in pauses)
        assert covered >= 0.8 * (end - start), (start, end, pauses)
    # no detected pause of a planted gap's size lies inside a sentence
    for p in pauses:
        if p.duration >= 0.5:
            assert not any(a + 0.05 < p.start and p.end < b - 0.05 for a, b in recording.spans)


@pytest.mark.parametrize("chunk_seconds", [5.0, 7.0, 9.0, 12.0])
def test_split_cuts_only_in_pauses(recording: Recording, chunk_seconds: float) -> None:
    chunks = list(split_audio(recording.path, chunk_seconds=chunk_seconds, window_seconds=2.0))
    assert len(chunks) >= int(recording.duration // (chunk_seconds + 2.0))
    assert len(chunks) >= 2
    assert chunks[0].start == 0.0
    assert chunks[-1].end == pytest.approx(recording.duration, abs=0.01)
    for before, after in itertools.pairwise(chunks):
        assert before.end == after.start  # contiguous: nothing lost, nothing repeated
        assert _inside_a_gap(before.end, recording), (before, recording.gaps())
    for chunk in chunks:
        assert chunk.file.size <= audiokit.MAX_UPLOAD_BYTES
        info = probe(chunk.file.data)
        assert info.format == chunk.file.format == "flac"
        assert info.duration == pytest.approx(chunk.duration, abs=0.01)


def test_split_keeps_every_chunk_under_max_bytes(recording: Recording) -> None:
    limit = 60_000  # bytes: far less than a chunk of FLAC, so chunks are re-encoded and halved
    chunks = list(split_audio(recording.path, chunk_seconds=10.0, max_bytes=limit))
    assert all(c.file.size <= limit for c in chunks)
    assert len(chunks) > recording.duration / 10.0
    assert chunks[-1].end == pytest.approx(recording.duration, abs=0.01)
    joined = np.concatenate([decode(c.file.data)[0] for c in chunks])
    assert len(joined) / 16_000 == pytest.approx(recording.duration, abs=0.05)


def test_split_skips_digital_silence_but_keeps_time(tmp_path: Path) -> None:
    rate = 16_000
    t = np.arange(rate * 3) / rate
    burst = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    audio = np.concatenate([burst, np.zeros(rate * 20, np.float32), burst])
    path = tmp_path / "bursts.wav"
    sf.write(path, audio, rate)
    chunks = list(split_audio(path, chunk_seconds=8.0))
    assert chunks[0].start == 0.0 and chunks[-1].end == pytest.approx(26.0, abs=0.01)
    assert len(chunks) < 4  # the silent middle chunks were not sent
    assert all(np.max(np.abs(decode(c.file.data)[0])) > 0.1 for c in chunks)


def test_split_memory_stays_bounded(tmp_path: Path) -> None:
    """Twenty minutes of audio, read and cut a block at a time: the peak is a small part of
    what decoding the whole file would take."""
    rate, minutes = 16_000, 20
    path = tmp_path / "long.flac"
    rng = np.random.default_rng(1)
    with sf.SoundFile(path, "w", rate, 1, format="FLAC") as f:
        for second in range(minutes * 60):
            loud = second % 7 != 6  # six "speech" seconds, one quiet second
            level = 0.2 if loud else 0.002
            f.write((rng.normal(0, level, rate)).astype(np.float32))
    whole_bytes = minutes * 60 * rate * 4  # float32 at 16 kHz: the least a whole decode costs
    tracemalloc.start()
    try:
        count = sum(1 for _ in split_audio(path, chunk_seconds=60.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count >= 19
    assert peak < whole_bytes / 4, (peak, whole_bytes)


# -- merging ----------------------------------------------------------------------------------


def test_merge_transcripts_shifts_renumbers_and_sums() -> None:
    a = audiokit.Transcript.from_response(
        {
            "text": " Hello there. ",
            "duration": 5.0,
            "language": "english",
            "segments": [{"id": 0, "start": 0.5, "end": 2.0, "text": " Hello there."}],
            "words": [{"word": "Hello", "start": 0.5, "end": 1.0}],
            "usage": {"type": "duration", "seconds": 5},
        },
        "verbose_json",
        model="whisper-1",
    )
    b = audiokit.Transcript.from_response(
        {
            "text": "General Kenobi.  ",
            "duration": 4.0,
            "segments": [
                {"id": 0, "start": 0.2, "end": 1.5, "text": " General"},
                {"id": 1, "start": 1.5, "end": 3.0, "text": " Kenobi."},
            ],
            "words": [{"word": "General", "start": 0.2, "end": 0.8}],
            "usage": {"type": "duration", "seconds": 4},
        },
        "verbose_json",
        model="whisper-1",
    )
    merged = merge_transcripts([(0.0, a), (5.0, b)])
    assert merged.text == "Hello there. General Kenobi."
    assert [s.id for s in merged.segment_list] == [0, 1, 2]
    assert [s.start for s in merged.segment_list] == [0.5, 5.2, 6.5]
    assert [w.start for w in merged.word_list] == [0.5, 5.2]
    assert merged.usage.seconds == 9
    assert merged.duration == 9.0
    assert merged.raw["segments"][2]["start"] == 6.5  # raw is the merged wire body
    srt = merged.to_srt()
    assert [line for line in srt.splitlines() if line.isdigit()] == ["1", "2", "3"]


def test_merge_concatenates_logprobs_and_token_usage() -> None:
    def part(text: str, tokens: list[str], n: int) -> audiokit.Transcript:
        body = {
            "text": text,
            "logprobs": [{"token": t, "logprob": -0.1} for t in tokens],
            "usage": {
                "type": "tokens",
                "input_tokens": n,
                "output_tokens": 2,
                "total_tokens": n + 2,
            },
        }
        return audiokit.Transcript.from_response(body, "json", model="gpt-4o-mini-transcribe")

    merged = merge_transcripts([(0.0, part("One two.", ["One", " two."], 10)),
                                (30.0, part(" Three.", [" Three."], 7))])  # fmt: skip
    assert merged.text == "One two. Three."
    assert [lp.token for lp in merged.logprobs] == ["One", " two.", " Three."]
    assert (merged.usage.input_tokens, merged.usage.total_tokens) == (17, 21)
    assert merged.duration is None  # json reports no duration; none is invented
    assert merged.raw == merged.to_response("json")


def test_join_texts_has_no_double_spaces() -> None:
    assert join_texts([" a. ", "", "  b.", "c.\n"]) == "a. b. c."


# -- end to end: transcribe(split=...) --------------------------------------------------------


def _assign_words(transcript: audiokit.Transcript, rec: Recording) -> list[list[str]]:
    """Each transcript word goes to the sentence whose span is nearest its middle."""
    per_sentence: list[list[str]] = [[] for _ in rec.spans]
    for w in transcript.word_list:
        middle = (w.start + w.end) / 2
        distance = [max(a - middle, 0, middle - b) for a, b in rec.spans]
        per_sentence[int(np.argmin(distance))].append(w.word)
    return per_sentence


def _check_against_planted(transcript: audiokit.Transcript, rec: Recording) -> None:
    per_sentence = _assign_words(transcript, rec)
    for sentence, words in zip(SENTENCES, per_sentence, strict=True):
        said = " ".join(_words(" ".join(words)))
        assert jiwer.wer(" ".join(_words(sentence)), said) <= 0.35, (sentence, said)
    # every sentence's first word starts where the sentence was placed
    firsts = {}
    for w in transcript.word_list:
        middle = (w.start + w.end) / 2
        i = int(np.argmin([max(a - middle, 0, middle - b) for a, b in rec.spans]))
        firsts.setdefault(i, w.start)
    for i, (start, _) in enumerate(rec.spans):
        assert abs(firsts[i] - start) < 0.7, (i, firsts[i], start)
    planted = sum(len(_words(s)) for s in SENTENCES)
    assert abs(len(_words(transcript.text)) - planted) <= 0.1 * planted


def test_transcribe_split_merges_chunks_at_absolute_times(
    client: audiokit.Client, recording: Recording
) -> None:
    t = client.transcribe(
        recording.path,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        split=True,
        chunk_seconds=10,
    )
    chunks = t.params["chunks"]
    assert len(chunks) >= 3
    for (_, end), (start, _) in itertools.pairwise(chunks):
        assert end == start and _inside_a_gap(end, recording)
    _check_against_planted(t, recording)
    starts = [s.start for s in t.segment_list]
    assert starts == sorted(starts) and all(
        s.end <= recording.duration + 0.5 for s in t.segment_list
    )
    word_starts = [w.start for w in t.word_list]
    assert word_starts == sorted(word_starts)
    assert [s.id for s in t.segment_list] == list(range(len(t.segment_list)))
    assert "  " not in t.text and t.text == t.text.strip()
    assert t.duration == pytest.approx(recording.duration, abs=0.05)
    assert t.usage.seconds >= recording.duration - 1  # every chunk's usage, summed
    assert t.raw["text"] == t.text and len(t.raw["segments"]) == len(t.segment_list)
    assert "prompt" not in t.params  # no prompt was asked for


def test_transcribe_split_srt_is_renumbered(client: audiokit.Client, recording: Recording) -> None:
    t = client.transcribe(
        recording.path, model="whisper-1", response_format="srt", split=True, chunk_seconds=12
    )
    assert len(t.params["chunks"]) >= 2
    assert isinstance(t.raw, str) and t.raw == t.to_srt()
    numbers = [int(line) for line in t.raw.splitlines() if line.isdigit()]
    assert numbers == list(range(1, len(numbers) + 1))
    starts = [s.start for s in t.segment_list]
    assert starts == sorted(starts)
    # the last chunk's cues were shifted to where its speech really is: the end
    assert t.segment_list[-1].end == pytest.approx(recording.spans[-1][1], abs=1.0)
    assert len(_words(t.text)) >= 0.9 * sum(len(_words(s)) for s in SENTENCES)


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The real local transport, with every request's form fields written down (and, for the
    blocking client, the text each JSON answer carried)."""

    def __init__(self) -> None:
        self.inner = local_transport()
        self.fields: list[dict[str, str]] = []
        self.texts: list[str] = []
        self._lock = threading.Lock()

    def _note(self, request: httpx.Request) -> None:
        request.read()
        with self._lock:
            self.fields.append(dict(multipart_fields(request)))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._note(request)
        response = self.inner.handle_request(request)
        if response.headers.get("content-type", "").startswith("application/json"):
            response.read()
            self.texts.append(response.json()["text"])
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._note(request)
        return await self.inner.handle_async_request(request)


def test_carry_prompt_sends_each_chunk_the_previous_text(recording: Recording) -> None:
    transport = RecordingTransport()
    with audiokit.Client(backend="local", transport=transport) as c:
        t = c.transcribe(recording.path, model="whisper-1", split=True, chunk_seconds=10,
                         carry_prompt=True, prompt="Sentences read aloud.")  # fmt: skip
    chunk_count = len(t.params["chunks"])
    assert len(transport.fields) == chunk_count >= 3
    prompts = [f.get("prompt") for f in transport.fields]
    assert prompts[0] == "Sentences read aloud."
    # chunk k's prompt is the user's prompt, then the end of what chunk k-1 said
    said_so_far = ""
    for k in range(1, chunk_count):
        assert prompts[k].startswith("Sentences read aloud. ")
        carried = prompts[k][len("Sentences read aloud. ") :]
        assert carried and carried in t.text
        assert t.text.index(carried) >= len(said_so_far)  # the newest text, in order
        said_so_far = t.text[: t.text.index(carried) + len(carried)]
        assert carried == previous_text_prompt(carried, max_tokens=224)
    assert t.params["prompt"] == "Sentences read aloud."


def test_carried_prompts_leave_room_for_the_vocabulary(recording: Recording) -> None:
    """With ``vocabulary=`` each chunk's prompt starts with the spelling list, and only as much
    of the previous chunk's end follows as still fits in whisper-1's 224 prompt tokens."""
    vocabulary = [f"Produkt{chr(65 + i)}{i}Qix" for i in range(24)]  # invented: never heard
    listed = vocabulary_prompt(vocabulary)
    assert 150 < count_prompt_tokens(listed) < WHISPER_PROMPT_TOKENS - 40  # room for a tail
    transport = RecordingTransport()
    twice = (np.concatenate([recording.samples, recording.samples]), recording.rate)
    with warnings.catch_warnings(), audiokit.Client(backend="local", transport=transport) as c:
        warnings.simplefilter("error")  # no "prompt too long, the list is cut" warning
        c.transcribe(twice, model="whisper-1", split=True, chunk_seconds=25, carry_prompt=True,
                     vocabulary=vocabulary)  # fmt: skip
    prompts, said = [f["prompt"] for f in transport.fields], transport.texts
    assert len(prompts) == len(said) >= 2
    assert prompts[0] == listed
    for k in range(1, len(prompts)):
        assert prompts[k].startswith(f"{listed} ")
        carried = prompts[k][len(listed) + 1 :]
        assert carried and said[k - 1].strip().endswith(carried)  # the end of the chunk before
        assert count_prompt_tokens(prompts[k]) <= WHISPER_PROMPT_TOKENS
    # Not vacuous: the first chunk said more than would have fitted after the list
    assert count_prompt_tokens(f"{listed} {said[0].strip()}") > WHISPER_PROMPT_TOKENS


async def test_async_client_splits_the_same_way(recording: Recording) -> None:
    async with audiokit.AsyncClient(backend="local") as c:
        t = await c.transcribe(
            recording.path,
            model="whisper-1",
            response_format="verbose_json",
            timestamp_granularities=["word"],
            split=True,
            chunk_seconds=10,
            concurrency=2,
        )
    assert len(t.params["chunks"]) >= 3
    _check_against_planted(t, recording)


def test_auto_split_over_25_mb(client: audiokit.Client, recording: Recording) -> None:
    # 96 kHz stereo float WAV: 768 kB per second, so 35 s is over the 25 MB upload limit
    from audiokit.audio import resample

    rate, seconds = 96_000, 35
    x96 = resample(recording.samples, recording.rate, rate)
    mono = np.tile(x96, 2)[: seconds * rate]
    buf = io.BytesIO()
    sf.write(buf, np.stack([mono, mono], axis=1), rate, format="WAV", subtype="FLOAT")
    big = buf.getvalue()
    assert len(big) > audiokit.MAX_UPLOAD_BYTES
    with pytest.raises(audiokit.AudioError, match="25 MB"):
        client.transcribe(big, model="whisper-1", split=False)
    t = client.transcribe(big, model="whisper-1")  # split="auto" is the default
    assert t.params["chunks"][0][0] == 0.0
    assert t.params["chunks"][-1][1] == pytest.approx(seconds, abs=0.01)
    text = t.text.lower().replace(" 9", " nine")  # Whisper writes the number either way
    assert "library opens at nine" in text and "grandmother" in text


def test_auto_split_decision(tmp_path: Path) -> None:
    """Over a model's duration cap the job splits; under every limit it sends as is."""
    rate = 8_000
    path = tmp_path / "long-quiet.flac"
    with sf.SoundFile(path, "w", rate, 1, format="FLAC") as f:
        tick = np.zeros(rate, np.float32)
        tick[:80] = 0.5
        for _ in range(1500):  # 25 minutes
            f.write(tick)

    def job(model: str, **options: object) -> TranscriptionJob:
        return TranscriptionJob(path, model=model, params={}, endpoint="local", **options)

    capped = job("gpt-4o-mini-transcribe")
    assert capped.plan is not None
    assert capped.plan.max_seconds is not None and capped.plan.max_seconds < MODEL_MAX_SECONDS
    assert capped.plan.chunk_seconds <= capped.plan.max_seconds
    assert job("whisper-1").plan is None  # no duration cap, and far under 25 MB
    assert job("whisper-1", split=True).plan is not None  # longer than chunk_seconds (600)
    assert job("gpt-4o-mini-transcribe", split=False).plan is None


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"split": "yes"}, audiokit.ValidationError),
        ({"split": 1}, audiokit.ValidationError),
        ({"chunk_seconds": 0}, audiokit.ValidationError),
        ({"concurrency": 0}, audiokit.ValidationError),
        ({"carry_prompt": "yes"}, audiokit.InvalidTypeError),
        (
            {"stream": True, "split": True, "model": "gpt-4o-mini-transcribe"},
            audiokit.UnsupportedError,
        ),
        ({"carry_prompt": True, "model": "gpt-4o-transcribe-diarize"}, audiokit.UnsupportedError),
    ],
)
def test_split_options_are_checked_before_sending(
    recording: Recording, options: dict, error: type[Exception]
) -> None:
    transport = RecordingTransport()
    with audiokit.Client(backend="local", transport=transport) as c, pytest.raises(error):
        c.transcribe(recording.path, **options)
    assert transport.fields == []


# -- long text --------------------------------------------------------------------------------

STORY = [
    "The old lighthouse stands at the end of a narrow road.",
    "Every evening the keeper climbs the stairs and lights the lamp.",
    "Ships far out at sea follow its beam through the dark.",
    "In winter the wind is cold, and the waves are very high.",
]


def long_text(min_chars: int = 4200) -> str:
    sentences, i = [], 0
    while len(" ".join(sentences)) <= min_chars:
        sentences.append(STORY[i % len(STORY)])
        i += 1
    return " ".join(sentences)


def test_split_text_cuts_between_sentences() -> None:
    text = long_text(9000)
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(len(p) <= audiokit.core.MAX_SPEECH_INPUT_CHARS for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith(".") for p in pieces)  # every piece ends a sentence
    assert max(map(len, pieces)) - min(map(len, pieces)) < 0.25 * len(text) / 3  # even


def test_split_text_long_sentences_cut_at_clauses_then_words() -> None:
    clause = "and then the keeper walked slowly along the shore, "
    sentence = "Once upon a time " + clause * 40 + "until the end."
    pieces = split_text(sentence, max_chars=300)
    assert all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces) == sentence
    assert all(p.endswith(",") for p in pieces[:-1])  # cut after commas
    words = "word " * 200
    pieces = split_text(words.strip(), max_chars=64)
    assert all(len(p) <= 64 and "word" in p for p in pieces)
    assert all(set(p.split()) == {"word"} for p in pieces)  # never inside a word
    assert split_text("x" * 10, max_chars=4) == [
        "xxxx",
        "xxxx",
        "xx",
    ]  # one word longer than a piece


def test_split_text_keeps_abbreviations_and_rejects_bad_input() -> None:
    assert split_text("Dr. Smith met Mr. Jones. Then they left.", max_chars=30) == [
        "Dr. Smith met Mr. Jones.",
        "Then they left.",
    ]
    with pytest.raises(audiokit.ValidationError):
        split_text("text", max_chars=0)


def _transcribe_part(client: audiokit.Client, samples: np.ndarray, rate: int) -> str:
    return client.transcribe((samples, rate), model="whisper-1").text.lower()


def test_speak_long_text_makes_one_file(client: audiokit.Client) -> None:
    text = long_text()
    assert len(text) > 4096
    with pytest.raises(audiokit.ValidationError, match="4096"):
        client.speak(text, split=False)
    speech = client.speak(text, response_format="mp3")
    assert speech.format == "mp3" and speech.params["pieces"] == 2
    info = probe(speech.data)
    assert info.format == "mp3" and info.channels == 1
    samples, rate = speech.to_numpy()
    seconds = len(samples) / rate
    assert info.duration == pytest.approx(seconds, abs=0.2)  # one stream, headers agree
    assert 8 < len(text) / seconds < 25  # characters per second of ordinary speech
    # the start and the end of the file say the first and the last sentences
    head = set(_words(_transcribe_part(client, samples[: 8 * rate], rate)))
    first = set(_words(" ".join(STORY[:2])))
    assert len(first & head) >= 0.6 * len(first), (first, head)
    tail = set(_words(_transcribe_part(client, samples[-6 * rate :], rate)))
    last = set(_words(text.rsplit(".", 2)[-2]))
    assert len(last & tail) >= 0.6 * len(last), (last, tail)


def test_speak_long_text_streams_pieces(client: audiokit.Client) -> None:
    text = long_text()
    # fast speech (tts-1 takes a speed) keeps this test quick: only the mechanics are checked
    stream = client.speak(text, stream=True, response_format="wav", model="tts-1", speed=3.0)
    assert isinstance(stream, audiokit.SpeechPieces)
    pieces = list(stream)
    assert len(pieces) == 2
    for piece in pieces:  # each piece is a complete file in the asked format
        assert piece.data[:4] == b"RIFF"
    whole = stream.until_done()  # nothing new is synthesised
    assert len(stream.pieces) == 2
    # the joined file is the first piece, a short digital silence, the second piece: no more
    joined, rate = whole.to_numpy()
    (first, first_rate), (second, second_rate) = (piece.to_numpy() for piece in pieces)
    assert first_rate == second_rate == rate
    pause = joined[len(first) : len(joined) - len(second)]
    assert 0 < len(pause) < rate  # a pause between sentences, under a second
    assert not pause.any()
    np.testing.assert_allclose(joined[: len(first)], first, atol=1e-4)  # 16-bit rounding
    np.testing.assert_allclose(joined[len(first) + len(pause) :], second, atol=1e-4)


async def test_async_speak_long_text_joins_into_opus() -> None:
    text = long_text()
    async with audiokit.AsyncClient(backend="local") as c:
        # fast speech (tts-1 takes a speed) keeps this quick; the joining is what is checked
        speech = await c.speak(text, response_format="opus", model="tts-1", speed=3.0)
        stream = await c.speak(text, stream=True, model="tts-1", speed=3.0)
        first = None
        async for piece in stream:  # the async stream yields a whole file per piece
            first = piece
            break
    assert speech.format == "opus" and speech.params["pieces"] == 2
    info = probe(speech.data)
    assert info.format == "opus"
    samples, rate = speech.to_numpy()
    assert info.duration == pytest.approx(len(samples) / rate, abs=0.1)
    assert 20 < len(text) / (len(samples) / rate) < 80  # three times ordinary speech
    assert isinstance(stream, audiokit.AsyncSpeechPieces) and len(stream.pieces) == 1
    assert first is stream.pieces[0] and first.format == "mp3" and first.duration > 10
