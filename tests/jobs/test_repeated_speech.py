"""Speech that repeats itself is transcribed once per repetition, at its time, run after run.

The recording is a real 6.5 s stretch of one speaker from ``two_speakers.flac`` (see
``tests/fixtures/speech/README.md``) played again and again with 1.2 s pauses. Its text
compresses well, as any repeated speech does; Whisper's temperature fallback used to take that
for a decoding loop and re-decode the window by sampling, which dropped repetitions at random.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

import audiokit
from audiokit.local._fallback import audible_seconds, decode_window, is_loop

pytest.importorskip("faster_whisper")

SPEECH = Path(__file__).parents[1] / "fixtures" / "speech" / "two_speakers.flac"
CLIP_SECONDS = (21.9, 28.4)  # Sheila alone: "Well, there's not much difference. At least ..."
PAUSE_SECONDS = 1.2
OPENING = "much difference"  # once per repetition
CLOSING = "what kind of thing"


def _tiles(count: int) -> tuple[np.ndarray, int, list[float]]:
    samples, rate = sf.read(SPEECH, dtype="float32")
    clip = samples[int(CLIP_SECONDS[0] * rate) : int(CLIP_SECONDS[1] * rate)]
    pause = np.zeros(int(PAUSE_SECONDS * rate), dtype=np.float32)
    period = (len(clip) + len(pause)) / rate
    audio = np.concatenate([np.concatenate([clip, pause]) for _ in range(count)])
    return audio, rate, [k * period for k in range(count)]


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


@pytest.fixture(scope="module")
def engine() -> object:
    from audiokit.local import WhisperEngine

    # The product's default model (the rest of the suite runs tiny.en for speed): the issue
    # is about what users get. tiny.en can still skip a phrase that straddles a window edge.
    return WhisperEngine("base")


@pytest.fixture(scope="module")
def client(engine: object) -> Iterator[audiokit.Client]:
    """A client of a real ``audiokit serve`` on 127.0.0.1 running Whisper base."""
    from audiokit.local import LocalApp
    from audiokit.server import create_app, serve_in_thread

    with (
        serve_in_thread(create_app(LocalApp(whisper=engine))) as running,
        audiokit.Client(base_url=running.url, api_key="sk-local-test") as c,
    ):
        yield c


@pytest.fixture(scope="module")
def tokenizer(engine: object) -> object:
    from faster_whisper.tokenizer import Tokenizer

    model = engine._model()
    return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", "en")


def _timestamped(tokenizer: object, *sentences: str) -> list[int]:
    """Tokens of ``sentences``, each between timestamp tokens, as Whisper decodes them."""
    tokens: list[int] = []
    for i, sentence in enumerate(sentences):
        tokens += [tokenizer.timestamp_begin + 100 * i, *tokenizer.encode(" " + sentence)]
        tokens.append(tokenizer.timestamp_begin + 100 * i + 90)
    return tokens


def _ratio(text: str) -> float:
    from faster_whisper.transcribe import get_compression_ratio

    return get_compression_ratio(text)


def test_a_phrase_looping_inside_a_sentence_is_a_loop(tokenizer: object) -> None:
    looping = "and then we went to the " * 12 + "shop."
    tokens = _timestamped(tokenizer, "We came home late.", looping)
    assert _ratio(tokenizer.decode(tokens).strip()) > 2.4
    assert is_loop(
        tokens, tokenizer, threshold=2.4, hit_length_limit=False, compression_ratio=_ratio
    )


def test_repeated_sentences_each_in_its_segment_are_not_a_loop(tokenizer: object) -> None:
    tokens = _timestamped(tokenizer, *["Well, there's not much difference."] * 10)
    assert _ratio(tokenizer.decode(tokens).strip()) > 2.4  # what the plain rule looks at
    assert not is_loop(
        tokens, tokenizer, threshold=2.4, hit_length_limit=False, compression_ratio=_ratio
    )
    # a decoding cut off by the length limit is a loop whatever its segments look like
    assert is_loop(
        tokens, tokenizer, threshold=2.4, hit_length_limit=True, compression_ratio=_ratio
    )


def _options(**changes: object) -> object:
    from faster_whisper.transcribe import TranscriptionOptions

    fields = {
        "beam_size": 1, "best_of": 5, "patience": 1.0, "length_penalty": 1.0,
        "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "log_prob_threshold": -1.0,
        "no_speech_threshold": 0.6, "compression_ratio_threshold": 2.4,
        "condition_on_previous_text": True, "prompt_reset_on_temperature": 0.5,
        "temperatures": [0.0, 0.2, 0.4], "initial_prompt": None, "prefix": None,
        "suppress_blank": True, "suppress_tokens": [-1], "without_timestamps": False,
        "max_initial_timestamp": 1.0, "word_timestamps": False, "prepend_punctuations": "",
        "append_punctuations": "", "multilingual": False, "max_new_tokens": None,
        "clip_timestamps": "0", "hallucination_silence_threshold": None, "hotwords": None,
    }  # fmt: skip
    return TranscriptionOptions(**{**fields, **changes})


def _decoder(tokenizer: object, by_temperature: dict[object, tuple[list[int], float]]):
    """A window decoder answering each temperature (or ``(temperature, "bare")`` for a prompt
    without previous text) with given tokens and average log prob."""
    asked: list[tuple[float, object, object]] = []

    def decode(prompt: list[int], options: object) -> tuple[object, float, float, float]:
        (temperature,) = options.temperatures
        asked.append((temperature, options.compression_ratio_threshold, options.log_prob_threshold))
        key = temperature if prompt[0] == tokenizer.sot_prev else (temperature, "bare")
        tokens, avg_logprob = by_temperature.get(key, by_temperature[temperature])
        result = SimpleNamespace(sequences_ids=[tokens], no_speech_prob=0.01)
        return result, avg_logprob, temperature, _ratio(tokenizer.decode(tokens).strip())

    return decode, asked


def test_decode_window_keeps_repeated_sentences_at_temperature_zero(tokenizer: object) -> None:
    repeated = _timestamped(tokenizer, *["At least they all call me a Yankee down here."] * 8)
    decode, asked = _decoder(tokenizer, {0.0: (repeated, -0.2)})
    kept = decode_window(
        decode, [*tokenizer.sot_sequence], tokenizer, _options(), max_length=448,
        compression_ratio=_ratio,
    )  # fmt: skip
    assert kept.temperature == 0.0 and kept.result.sequences_ids[0] == repeated
    assert kept.compression_ratio > 2.4
    assert asked == [(0.0, None, None)]  # faster-whisper decodes each candidate, unjudged


def test_decode_window_falls_back_on_loops_and_improbable_text(tokenizer: object) -> None:
    looping = _timestamped(tokenizer, "so we went " * 20 + "home.")
    fine = _timestamped(tokenizer, "So we went home.")
    decode, asked = _decoder(
        tokenizer, {0.0: (looping, -0.1), 0.2: (fine, -1.5), 0.4: (fine, -0.3)}
    )
    kept = decode_window(
        decode, [*tokenizer.sot_sequence], tokenizer, _options(), max_length=448,
        compression_ratio=_ratio,
    )  # fmt: skip
    assert [t for t, _, _ in asked] == [0.0, 0.2, 0.4]
    assert kept.temperature == 0.4 and kept.avg_logprob == -0.3

    # all fail: the most probable candidate that is not a loop, reported at the last temperature
    decode, _ = _decoder(tokenizer, {0.0: (looping, -0.1), 0.2: (fine, -1.5), 0.4: (fine, -1.2)})
    kept = decode_window(
        decode, [*tokenizer.sot_sequence], tokenizer, _options(), max_length=448,
        compression_ratio=_ratio,
    )  # fmt: skip
    assert kept.avg_logprob == -1.2 and kept.temperature == 0.4


def test_a_loop_is_decoded_again_without_the_previous_text_first(tokenizer: object) -> None:
    previous = tokenizer.encode(" So we went home. So we went home. So we went home.")
    prompt = [tokenizer.sot_prev, *previous, *tokenizer.sot_sequence]
    # Text timed far past the 1.5 s of audio the window holds: repeated over the silence.
    over_silence = _timestamped(tokenizer, *["So we went home."] * 6)
    heard = _timestamped(tokenizer, "Goodbye.")
    decode, asked = _decoder(
        tokenizer, {0.0: (over_silence, -0.1), (0.0, "bare"): (heard, -0.2), 0.2: (heard, -0.9)}
    )
    options = _options()
    kept = decode_window(
        decode, prompt, tokenizer, options, max_length=448, compression_ratio=_ratio,
        audio_seconds=1.5,
    )  # fmt: skip
    assert [t for t, _, _ in asked] == [0.0, 0.0]
    assert kept.temperature == 0.0 and kept.result.sequences_ids[0] == heard
    # the same text within the window's audio is speech, not a loop: kept as decoded
    decode, asked = _decoder(tokenizer, {0.0: (over_silence, -0.1)})
    kept = decode_window(
        decode, prompt, tokenizer, options, max_length=448, compression_ratio=_ratio,
        audio_seconds=30.0,
    )  # fmt: skip
    assert len(asked) == 1 and kept.result.sequences_ids[0] == over_silence


def test_audible_seconds_ignores_the_encoders_zero_padding() -> None:
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.feature_extractor import FeatureExtractor

    audio, _, _ = _tiles(1)
    extractor = FeatureExtractor()
    features = extractor(np.concatenate([np.zeros(8000, np.float32), audio[:40_000]]))
    window = pad_or_trim(features[:, :300])  # 3 s of features (silence first), padded to 30 s
    assert audible_seconds(window, extractor.time_per_frame) == pytest.approx(3.0)
    assert audible_seconds(pad_or_trim(features), extractor.time_per_frame) == pytest.approx(
        min(features.shape[-1], 3000) * extractor.time_per_frame
    )


def _counts(text: str) -> tuple[int, int]:
    said = _normal(text)
    return said.count(OPENING), said.count(CLOSING)


def test_repeated_sentences_decode_at_temperature_zero_run_after_run(
    client: audiokit.Client, tmp_path: Path
) -> None:
    audio, rate, _ = _tiles(6)  # 46 s: two windows, each far past the 2.4 compression ratio
    path = tmp_path / "six.flac"
    sf.write(path, audio, rate)
    runs = [
        client.transcribe(path, model="whisper-1", response_format="verbose_json") for _ in range(2)
    ]
    for t in runs:
        assert _counts(t.text) == (6, 6), t.text
        assert {s.temperature for s in t.segment_list} == {0.0}
    assert runs[0].text == runs[1].text
    assert [s.start for s in runs[0].segment_list] == [s.start for s in runs[1].segment_list]


def test_long_split_recording_keeps_every_repetition_at_its_time(
    client: audiokit.Client, tmp_path: Path
) -> None:
    audio, rate, starts = _tiles(24)  # 185 s, split at pauses into chunks of up to 100 s
    path = tmp_path / "long.flac"
    sf.write(path, audio, rate)

    def run() -> audiokit.Transcript:
        return client.transcribe(
            path,
            model="whisper-1",
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
            split=True,
            chunk_seconds=100,
        )

    first, second = run(), run()
    assert len(first.params["chunks"]) >= 2
    assert _counts(first.text) == (24, 24), first.text
    assert first.text == second.text
    # each repetition's first word ("Well") starts where that repetition starts, to within
    # Whisper's word alignment (it runs up to ~0.3 s into the pause before a word, and the
    # first word of a chunk cut in a pause can start at the cut, here 0.6 s early)
    well = [w.start for w in first.word_list if _normal(w.word) == "well"]
    assert len(well) == 24, well
    for k, (heard, planted) in enumerate(zip(well, starts, strict=True)):
        assert abs(heard - planted) < 0.75, (k, heard, planted)
