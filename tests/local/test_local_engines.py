"""End-to-end tests of the offline engines on real speech.

PiperEngine speaks a known text, WhisperEngine transcribes it back. The engines and the longest
transcription are shared by module fixtures so the file runs in well under a minute.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the engines never reach a hub; make sure of it

require("faster_whisper", "the offline engine is not installed (pip install -e '.[local]')")
require("piper", "the offline engine is not installed (pip install -e '.[local]')")
jiwer = require(
    "jiwer", "the word error rates need jiwer: it is in the test extra (pip install -e '.[test]')"
)

from audiokit.audio import decode, encode, resample  # noqa: E402
from audiokit.core import InvalidTypeError, UnsupportedError, ValidationError  # noqa: E402
from audiokit.local import PiperEngine  # noqa: E402
from audiokit.local._token_scores import ScoringModel  # noqa: E402
from audiokit.local._whisper import (  # noqa: E402
    LocalSegment,
    LocalTranscription,
    WhisperEngine,
)

# Ten distinct sentences, ~33 s of speech: more than one 30 s Whisper window, no repetition
# (repeated text trips Whisper's compression-ratio fallback).
STORY = (
    "The weather was bright and clear on Monday morning. "
    "Our team met in the library to plan the new garden. "
    "Everyone agreed to plant tomatoes, beans and sunflowers. "
    "We will water the seeds every evening after work. "
    "By the end of summer, the garden should feed the whole street. "
    "Later that week, a small truck delivered fresh soil and wooden boxes. "
    "Two children painted colorful signs for each row of vegetables. "
    "An old neighbor shared advice about keeping birds away from the fruit. "
    "When the first green shoots appeared, we celebrated with lemonade. "
    "The mayor visited in September and asked to copy our idea in other parks."
)
EOT_TINY_EN = 50_256  # <|endoftext|> in the English-only vocabulary; text tokens are below
SHORT = "Please call Stella and ask her to bring the blue folder."


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalize(reference), normalize(hypothesis))


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine().load()


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    return WhisperEngine("tiny.en").load()  # the faster model; base: test_multilingual.py


@pytest.fixture(scope="module")
def story_16k(piper: PiperEngine) -> np.ndarray:
    return resample(piper.synthesize(STORY), piper.sample_rate, 16_000)


@pytest.fixture(scope="module")
def short_22k(piper: PiperEngine) -> np.ndarray:
    return piper.synthesize(SHORT)


@pytest.fixture(scope="module")
def short_16k(piper: PiperEngine, short_22k: np.ndarray) -> np.ndarray:
    return resample(short_22k, piper.sample_rate, 16_000)


@pytest.fixture(scope="module")
def story(whisper: WhisperEngine, story_16k: np.ndarray) -> tuple[LocalTranscription, list]:
    transcription = whisper.transcribe(story_16k, logprobs=True, word_timestamps=True)
    return transcription, list(transcription)


# ---------------------------------------------------------------------------- determinism


def test_the_same_text_gives_the_same_audio(piper: PiperEngine, short_22k: np.ndarray) -> None:
    # Another synthesis in between: the noise generator inside the ONNX graph is shared across
    # calls, so only zero noise (not a seed) gives the same audio whatever ran before.
    piper.synthesize("Something else first.")
    again = piper.synthesize(SHORT)
    assert again.shape == short_22k.shape and np.array_equal(again, short_22k)
    assert not np.array_equal(piper.synthesize(SHORT, speed=1.25)[:1000], again[:1000])


# ---------------------------------------------------------------------------- round trip


def test_round_trip_word_error_rate(story: tuple[LocalTranscription, list]) -> None:
    transcription, segments = story
    text = "".join(s.text for s in segments)
    assert wer(STORY, text) <= 0.15, text
    assert transcription.language == "en" and transcription.task == "transcribe"


def test_long_audio_spans_several_windows(story, story_16k: np.ndarray) -> None:
    transcription, segments = story
    assert transcription.duration == pytest.approx(len(story_16k) / 16_000)
    assert transcription.duration > 30
    assert [s.id for s in segments] == list(range(len(segments)))
    assert segments[0].seek == 0 and segments[-1].seek > 0  # a second 30 s window was decoded
    assert segments[-1].end > 30


def test_timestamps_are_monotonic_and_within_the_audio(story) -> None:
    transcription, segments = story
    previous_end = 0.0
    for s in segments:
        assert 0 <= s.start <= s.end <= transcription.duration
        assert s.start >= previous_end - 1e-6, (s.start, previous_end)
        previous_end = s.end
        assert s.words, s
        for w in s.words:
            assert s.start - 1e-6 <= w.start <= w.end <= s.end + 1e-6
        starts = [w.start for w in s.words]
        assert starts == sorted(starts)
        assert "".join(w.word for w in s.words) == s.text


def test_token_logprobs_are_real_per_token_values(story) -> None:
    _, segments = story
    values = []
    for s in segments:
        assert s.token_logprobs, s
        lps = [t.logprob for t in s.token_logprobs]
        assert all(math.isfinite(lp) and lp <= 0 for lp in lps)
        values += lps
        # the tokens spell the segment exactly (bytes), and as text modulo the leading space
        assert b"".join(t.bytes for t in s.token_logprobs).decode("utf-8") == s.text
        assert "".join(t.text for t in s.token_logprobs).strip() == s.text.strip()
        # only text tokens: one per non-timestamp token id
        assert len(s.token_logprobs) == sum(1 for t in s.tokens if t < EOT_TINY_EN)
        # each word's tokens are scored separately, not one value spread over the word
    assert len({round(v, 4) for v in values}) > len(values) // 2
    assert min(values) < -0.05  # uncertainty exists somewhere in 33 s of tiny.en output


def test_token_logprobs_sum_to_the_decoders_own_sequence_score(whisper, short_16k) -> None:
    """White-box: the log-softmax we read per step adds up to CTranslate2's sequence score."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    model = whisper._model()
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
    encoded = model.encode(pad_or_trim(model.feature_extractor(short_16k)))
    prompt = model.get_prompt(tokenizer, [])
    scoring = ScoringModel(model.model, tokenizer.eot)
    (result,) = scoring.generate(encoded, [prompt], beam_size=1, return_scores=True)
    ids = result.sequences_ids[0]
    assert len(result.token_logprobs) == len(ids) + 1  # every token, then end-of-text
    assert sum(result.token_logprobs) == pytest.approx(result.scores[0] * len(ids), abs=5e-3)
    (plain,) = model.model.generate(encoded, [prompt], beam_size=1, return_scores=True)
    assert plain.sequences_ids[0] == ids  # asking for logits does not change the decoding


def test_options_off_leave_words_and_logprobs_empty(whisper, short_16k) -> None:
    segments = list(whisper.transcribe(short_16k))
    assert segments and all(not s.words and not s.token_logprobs for s in segments)
    assert wer(SHORT, "".join(s.text for s in segments)) <= 0.15


def test_transcription_is_lazy_and_typed(whisper, short_16k) -> None:
    transcription = whisper.transcribe(short_16k, language="en")
    assert isinstance(transcription, LocalTranscription)
    assert transcription.language == "en" and transcription.language_probability == 1.0
    first = next(transcription)
    assert isinstance(first, LocalSegment) and first.id == 0 and first.text.strip()
    assert first.temperature == 0.0 and first.avg_logprob <= 0
    assert 0 <= first.no_speech_prob <= 1 and first.compression_ratio > 0
    assert first.tokens[0] >= 50_257  # starts with its timestamp token
    rest = list(transcription)
    assert all(s.id == i + 1 for i, s in enumerate(rest))


def test_prompt_and_temperature_are_used(whisper, short_16k) -> None:
    segments = list(whisper.transcribe(short_16k, prompt="Stella, blue folder.", temperature=0.3))
    assert segments and all(s.temperature == pytest.approx(0.3) for s in segments)
    assert "stella" in normalize("".join(s.text for s in segments))


def test_empty_audio_gives_no_segments(whisper) -> None:
    transcription = whisper.transcribe(np.zeros(0, dtype=np.float32))
    assert transcription.duration == 0 and list(transcription) == []


# ---------------------------------------------------------------------------- honesty checks


def test_tiny_en_is_english_only_and_says_so(whisper, short_16k) -> None:
    assert whisper.multilingual is False
    assert whisper.supports_translation is False
    assert whisper.languages == ["en"]
    with pytest.raises(UnsupportedError, match="English-only"):
        whisper.transcribe(short_16k, task="translate")
    with pytest.raises(UnsupportedError, match="language='de'"):
        whisper.transcribe(short_16k, language="de")


def test_caller_mistakes_raise_validation_errors(whisper, short_16k) -> None:
    with pytest.raises(ValidationError, match="task='summarize'"):
        whisper.transcribe(short_16k, task="summarize")
    with pytest.raises(ValidationError, match=r"temperature=1\.5"):
        whisper.transcribe(short_16k, temperature=1.5)
    with pytest.raises(ValidationError, match="beam_size=0"):
        whisper.transcribe(short_16k, beam_size=0)
    with pytest.raises(ValidationError, match="samples"):
        whisper.transcribe(np.stack([short_16k, short_16k], axis=1))
    with pytest.raises(ValidationError, match="samples"):
        whisper.transcribe((short_16k * 32767).astype(np.int16))
    with pytest.raises(InvalidTypeError):
        whisper.transcribe(list(short_16k[:100]))  # type: ignore[arg-type]


def test_model_path_is_checked_before_anything_loads(tmp_path, monkeypatch) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValidationError, match=r"model_path=.*missing model\.bin"):
        WhisperEngine(tmp_path)
    monkeypatch.setenv("AUDIOKIT_WHISPER_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(ValidationError, match="AUDIOKIT_WHISPER_MODEL"):
        WhisperEngine()
    monkeypatch.setenv("AUDIOKIT_PIPER_VOICE", str(tmp_path / "voice.onnx"))
    with pytest.raises(ValidationError, match="AUDIOKIT_PIPER_VOICE"):
        PiperEngine()


def test_env_var_selects_a_model_and_loads_are_shared(whisper, piper, monkeypatch) -> None:
    monkeypatch.setenv("AUDIOKIT_WHISPER_MODEL", str(whisper.model_path))
    monkeypatch.setenv("AUDIOKIT_PIPER_VOICE", str(piper.model_path))
    other_whisper, other_piper = WhisperEngine(), PiperEngine()
    assert other_whisper.model_path == whisper.model_path
    assert other_whisper._model() is whisper._model()  # one load per process
    assert other_piper.model_path == piper.model_path
    assert other_piper._voice() is piper._voice()


def test_importing_the_engines_loads_no_heavy_library() -> None:
    code = (
        "import sys, audiokit.local._whisper, audiokit.local._piper, audiokit.audio;"
        "heavy = {'faster_whisper', 'ctranslate2', 'piper', 'onnxruntime', 'av', 'soundfile'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# ---------------------------------------------------------------------------- Piper


def test_piper_output_is_float32_mono_speech(piper, short_22k) -> None:
    samples = short_22k
    assert piper.sample_rate == 22_050 and piper.name == "en_US-joe-medium"
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert np.abs(samples).max() <= 1.0
    assert np.sqrt(np.mean(samples**2)) > 0.02  # speech, not silence
    assert 1.5 < len(samples) / piper.sample_rate < 8


@pytest.mark.parametrize("speed", [0.5, 2.0, 4.0])
def test_piper_speed_scales_the_duration_exactly_and_stays_intelligible(
    piper, whisper, speed: float
) -> None:
    # Piper's sampling noise moves each synthesis's length by a few percent: compare means
    natural = np.mean([len(piper.synthesize(SHORT)) for _ in range(6)])
    runs = [piper.synthesize(SHORT, speed=speed) for _ in range(6)]
    ratio = np.mean([len(r) for r in runs]) / natural
    assert ratio == pytest.approx(1 / speed, rel=0.05)
    if speed <= 2:  # four times as fast is past what Whisper (or a listener) follows well
        heard = "".join(
            s.text for s in whisper.transcribe(resample(runs[0], piper.sample_rate, 16_000))
        )
        assert wer(SHORT, heard) <= 0.2, heard


def test_piper_streams_sentence_by_sentence(piper) -> None:
    text = "First sentence here. Second one follows! Is this the third?"
    chunks = list(piper.stream(text))
    assert len(chunks) == 3
    assert all(c.dtype == np.float32 and len(c) > piper.sample_rate * 0.3 for c in chunks)


def test_piper_rejects_bad_input_before_synthesising(piper) -> None:
    with pytest.raises(ValidationError, match="speed=5"):
        piper.stream("Hello.", speed=5)  # eager: raised before iteration
    with pytest.raises(ValidationError, match=r"speed=0\.1"):
        piper.synthesize("Hello.", speed=0.1)
    with pytest.raises(ValidationError, match="text"):
        piper.synthesize("   ")
    with pytest.raises(InvalidTypeError, match="text"):
        piper.synthesize(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- codecs + engines


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav"])
def test_speech_survives_every_response_format(piper, whisper, short_22k, fmt: str) -> None:
    samples = short_22k
    data = encode(samples, piper.sample_rate, fmt)
    decoded, rate = decode(data, sample_rate=16_000)
    assert abs(len(decoded) / rate - len(samples) / piper.sample_rate) < 0.12
    text = "".join(s.text for s in whisper.transcribe(decoded))
    assert wer(SHORT, text) <= 0.15, (fmt, text)


def test_pcm_at_24k_transcribes(piper, whisper, short_22k) -> None:
    samples_24k = resample(short_22k, piper.sample_rate, 24_000)
    raw = encode(samples_24k, 24_000, "pcm")
    back = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    text = "".join(s.text for s in whisper.transcribe(resample(back, 24_000, 16_000)))
    assert wer(SHORT, text) <= 0.15, text


# ---------------------------------------------------------------------------- threads


def test_engines_are_safe_to_share_between_threads(piper, whisper, short_16k) -> None:
    expected = [(s.text, s.start, s.end) for s in whisper.transcribe(short_16k, logprobs=True)]
    # No numbers ("nine" vs "9") and common words: only corrupted audio should fail the check.
    sentences = [SHORT, "Please bring your own cup to the kitchen on Monday morning."]
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def transcribe(key: str) -> None:
        try:
            segments = whisper.transcribe(short_16k, logprobs=True)
            results[key] = [(s.text, s.start, s.end) for s in segments]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def speak(key: str, text: str) -> None:
        try:
            results[key] = piper.synthesize(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=transcribe, args=(f"t{i}",)) for i in range(2)]
    threads += [threading.Thread(target=speak, args=(f"s{i}", t)) for i, t in enumerate(sentences)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    for i in range(2):  # greedy decoding is deterministic: same answer as alone
        assert results[f"t{i}"] == expected
    for i, text in enumerate(sentences):
        audio = resample(results[f"s{i}"], piper.sample_rate, 16_000)
        # Synthesis is deterministic: in threads as alone, sample for sample.
        assert np.array_equal(results[f"s{i}"], piper.synthesize(text))
        assert wer(text, "".join(s.text for s in whisper.transcribe(audio))) <= 0.25
