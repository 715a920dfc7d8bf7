"""The widgets' Python side: traits and callbacks driven as the front end would, offline engine.

The front end itself (upload, microphone, player) is tested in a real browser in
tests/widgets/browser.
"""

from __future__ import annotations

import base64
import itertools
import string
import subprocess
import sys
from concurrent.futures import Future

import jiwer
import pytest

import audiokit
import audiokit.widgets
from audiokit.widgets import SpeakWidget, TranscribeWidget

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
MAX_WER = 0.25
JOB_TIMEOUT_S = 180  # first use loads Whisper tiny.en / the Piper voice


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return jiwer.wer(words(reference), words(hypothesis))


@pytest.fixture(scope="module")
def client() -> audiokit.Client:
    return audiokit.Client()


@pytest.fixture(scope="module")
def sentence_wav(client: audiokit.Client) -> bytes:
    return client.speak(SENTENCE, response_format="wav").data


def wait(future: Future) -> object:
    return future.result(timeout=JOB_TIMEOUT_S)


def test_import_audiokit_loads_no_widget_libraries():
    code = (
        "import sys, audiokit; "
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'audiokit.widgets') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_factories_return_widgets_with_library_options(client):
    transcriber = audiokit.widgets.transcriber(client=client, model="whisper-1", language="en")
    assert isinstance(transcriber, TranscribeWidget)
    assert transcriber.client is client
    assert transcriber.model_options == list(audiokit.TRANSCRIPTION_MODELS)
    assert ["en", "English"] in transcriber.language_options
    speaker = audiokit.widgets.speaker(client=client, text="Hi")
    assert isinstance(speaker, SpeakWidget)
    assert speaker.voices == list(audiokit.VOICES)
    assert speaker.model_options == list(audiokit.SPEECH_MODELS)


def test_transcriber_options_follow_model_capabilities():
    w = TranscribeWidget(model="whisper-1", response_format="srt")
    assert w.format_options == list(audiokit.capabilities("whisper-1").response_formats)
    assert w.capabilities == {"logprobs": False, "stream": False, "prompt": True}
    w.model = "gpt-4o-mini-transcribe"  # srt is not offered: falls back to the first format
    caps = audiokit.capabilities("gpt-4o-mini-transcribe")
    assert w.format_options == list(caps.response_formats)
    assert w.response_format == caps.response_formats[0]
    assert w.capabilities == {"logprobs": caps.logprobs, "stream": caps.stream, "prompt": True}
    w.logprobs = w.stream = True
    w.model = "whisper-1"  # takes neither: unticked
    assert (w.logprobs, w.stream) == (False, False)


def test_transcriber_problems_are_the_librarys_own_messages():
    w = TranscribeWidget(temperature=1.5, language="German")
    assert w.language == "de"  # a name shows as its code in the menu
    with pytest.raises(audiokit.ValidationError) as raised:
        audiokit.wire.transcription_request(b"x", model=w.model, temperature=1.5)
    assert w.problems == {"temperature": str(raised.value)}
    w.temperature = 0.0
    assert w.problems == {}
    w.language = "Klingon"
    assert w.language == "Klingon"  # left as typed, and said why
    assert set(w.problems) == {"language"} and "SUPPORTED_LANGUAGES" in w.problems["language"]
    w.language = ""
    w.model, w.response_format = "whisper-1", "srt"
    w.logprobs = True  # the library: logprobs need a model that gives them
    assert set(w.problems) == {"include"}
    w.logprobs = False
    assert w.problems == {}


def test_prompt_language_and_temperature_reach_the_request(client, sentence_wav):
    w = TranscribeWidget(client=client, model="whisper-1", audio=sentence_wav)
    w.language, w.temperature, w.prompt = "English", 0.3, "The fox and the river bank."
    transcript = wait(w.run())
    assert transcript.params["language"] == "en"
    assert float(transcript.params["temperature"]) == 0.3
    assert transcript.params["prompt"] == "The fox and the river bank."
    assert word_error_rate(SENTENCE, transcript.text) <= MAX_WER


def test_prompt_is_not_sent_to_a_model_that_takes_none():
    w = TranscribeWidget(model="gpt-4o-transcribe-diarize", prompt="Names: Ada.")
    assert w.capabilities["prompt"] is False
    assert "prompt" not in w._options() and w.problems == {}
    w.model = "gpt-4o-transcribe"
    assert w._options()["prompt"] == "Names: Ada."


def test_what_the_model_cannot_do_is_reported_by_the_library(client, sentence_wav):
    w = TranscribeWidget(client=client, model="whisper-1", logprobs=True, audio=sentence_wav)
    assert w.logprobs  # kept as asked (e.g. by %transcribe --widget --logprobs)
    with pytest.raises(audiokit.ValidationError) as raised:
        wait(w.run())
    assert w.error == str(raised.value)


def test_transcribe_uploaded_bytes(client, sentence_wav):
    w = TranscribeWidget(client=client, model="whisper-1", response_format="verbose_json")
    w.audio = sentence_wav
    transcript = wait(w.run())
    assert transcript is w.transcript
    assert word_error_rate(SENTENCE, transcript.text) <= MAX_WER, transcript.text
    assert w.text == transcript.text
    assert w.html == transcript._repr_html_()
    assert (w.busy, w.error) == (False, "")
    assert len(transcript.segments) >= 1  # verbose_json: the DataFrame views are reachable


def test_button_click_streams_text_live(client, sentence_wav):
    w = TranscribeWidget(client=client, stream=True, logprobs=True)
    w.audio = sentence_wav
    shown: list[str] = []
    busy: list[bool] = []
    w.observe(lambda change: shown.append(change.new), "text")
    w.observe(lambda change: busy.append(change.new), "busy")
    w._requests += 1  # what the front end's Transcribe button sends
    transcript = wait(w.job)
    assert busy == [True, False]
    partial = [text for text in shown if text]
    assert len(partial) >= 2, "the text should grow while streaming"
    # Each delta extends the text; the last value is the final transcript's text.
    assert all(b.startswith(a) for a, b in itertools.pairwise(partial[:-1]))
    assert words(partial[-1]) == words(transcript.text)
    assert word_error_rate(SENTENCE, transcript.text) <= MAX_WER
    assert len(transcript.tokens) > 0  # logprobs were asked for
    assert w.html == transcript._repr_html_()


def test_click_while_busy_starts_nothing(client, sentence_wav):
    w = TranscribeWidget(client=client)
    w.audio = sentence_wav
    first = w.run()
    w._requests += 1  # ignored: a job is running
    assert w.job is first
    wait(first)


@pytest.mark.parametrize("audio", [b"", b"definitely not audio " * 50], ids=["empty", "garbage"])
def test_transcribe_error_is_one_line_and_widget_recovers(client, sentence_wav, audio):
    w = TranscribeWidget(client=client)
    w.audio = audio
    job = w.run()
    with pytest.raises(audiokit.AudiokitError) as raised:
        wait(job)
    assert w.error == " ".join(str(raised.value).split()) and w.error
    assert "\n" not in w.error
    assert w.busy is False and w.transcript is None
    w.audio = sentence_wav
    wait(w.run())
    assert w.error == "" and w.transcript is not None


def test_speak(client):
    w = SpeakWidget(client=client, text=SENTENCE, voice="coral")
    speech = wait(w.run())
    assert speech is w.speech
    assert speech.format == w.response_format == "mp3"
    assert 1.5 <= speech.duration <= 15
    assert w.html == speech._repr_html_()
    assert "<audio" in w.html
    assert (w.busy, w.error) == (False, "")


def test_speak_options_follow_model_capabilities(client):
    w = SpeakWidget(client=client, model="tts-1", speed=1.5, text="Quickly now.")
    assert (w.instructions_enabled, w.speed_enabled) == (False, True)
    assert w.model_voices == list(audiokit.capabilities("tts-1").voices)
    speech = wait(w.run())
    assert speech.params.get("speed") == 1.5
    w.model = "gpt-4o-mini-tts"
    assert (w.instructions_enabled, w.speed_enabled) == (True, False)
    w.instructions = "Speak cheerfully."
    speech = wait(w.run())  # speed is not sent to a model that does not take it
    assert speech.params.get("instructions") == "Speak cheerfully."
    assert "speed" not in speech.params


def test_speak_empty_text_shows_the_validation_error(client):
    with pytest.raises(audiokit.ValidationError) as expected:
        client.speak("")
    w = SpeakWidget(client=client, text="")
    w._requests += 1
    with pytest.raises(audiokit.ValidationError):
        wait(w.job)
    assert w.error == str(expected.value)
    assert (w.busy, w.html, w.speech) == (False, "", None)


@pytest.mark.parametrize("text", ["", "  \n\t "], ids=["empty", "whitespace"])
def test_speak_problems_say_why_the_button_waits(text):
    with pytest.raises(audiokit.ValidationError) as expected:
        audiokit.wire.speech_request(text, model="gpt-4o-mini-tts", voice="alloy")
    w = SpeakWidget(text=text)
    assert w.problems == {"input": " ".join(str(expected.value).split())}  # on one line
    w.text = "Hello."
    assert w.problems == {}
    w.model, w.voice = "tts-1", "ballad"  # a voice tts-1 lacks
    assert set(w.problems) == {"voice"} and "tts-1" in w.problems["voice"]
    w.voice = "coral"
    w.text = "x" * 5000  # Client.speak splits long text: no problem
    assert w.problems == {}


def test_voice_previews_are_cached_per_model(client):
    w = SpeakWidget(client=client)
    w.preview_voice = "nova"
    w._preview_requests += 1  # what the voice's ▶ button sends
    first = w.preview("nova").result(timeout=JOB_TIMEOUT_S)
    assert w.preview("nova").result(timeout=JOB_TIMEOUT_S) is first
    url = w.previews["nova"]
    header, payload = url.split(",", 1)
    assert header == f"data:{first.content_type};base64"
    assert base64.b64decode(payload) == first.data
    assert first.params.get("voice") == "nova"
    assert w.busy is False  # previews do not block the Speak button
    w.model = "tts-1"
    assert w.previews == {}  # samples belong to the model that spoke them


def test_text_repr_says_what_the_widget_is_runs_and_holds(client, sentence_wav):
    # The text/plain of a saved notebook, where no widget renders (GitHub, a terminal).
    from audiokit.local import engine_label, local_app

    whisper = engine_label("Whisper", local_app().whisper)  # the model that will answer
    w = TranscribeWidget(client=client)
    assert repr(w) == f"Transcribe widget · offline · {whisper} · no audio yet"
    assert w._repr_mimebundle_()[0]["text/plain"] == repr(w)
    w.audio, w.audio_name = sentence_wav, "fox.wav"
    assert repr(w).endswith(f" · fox.wav ({len(sentence_wav) / 1024:,.0f} KB)")
    transcript = wait(w.run())
    assert repr(w).startswith(f"Transcribe widget · offline · {whisper} · heard 'The quick")
    assert transcript.text[:20] in repr(w) and "object at 0x" not in repr(w)

    s = SpeakWidget(client=client, text="Hello there!", voice="coral")
    assert repr(s) == "Speak widget · coral → offline · Piper en_US-joe-medium · 'Hello there!'"
    s.text = ""
    assert repr(s).endswith(" · no text yet")

    online = SpeakWidget(client=audiokit.Client(api_key="sk-test-not-shown"), voice="ash")
    assert repr(online) == "Speak widget · ash → api.openai.com · gpt-4o-mini-tts · no text yet"
    online.error = "the last call failed"
    assert repr(online).endswith(" · error: the last call failed")
    assert "live" in repr(audiokit.widgets.live_captions(client=client)).lower()
