"""How transcripts and speech show themselves: text/plain, text/html and text/markdown.

Transcripts come from the offline engine (real audio) or from the API reference's example
responses (diarized output, which the offline engine cannot produce). The bundles are computed
by IPython's own display formatter with every mime type on, as ipykernel does.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys

import pytest
from IPython.core.formatters import DisplayFormatter

import audiokit
from audiokit.notebook import (
    MAX_SEGMENT_ROWS,
    LiveTranscript,
    Table,
    highlight_html,
    speaker_colors,
    transcript_html,
)
from audiokit.results import MAX_PLAIN_CHARS, format_time

SENTENCE = "The quick brown fox jumps over the lazy dog."


def bundle(obj) -> dict:
    data, _ = DisplayFormatter().format(obj)
    return data


@pytest.fixture(scope="module")
def client() -> audiokit.Client:
    return audiokit.Client(backend="local")


@pytest.fixture(scope="module")
def speech(client) -> audiokit.Speech:
    return client.speak(SENTENCE)  # mp3, the default


@pytest.fixture(scope="module")
def diarized() -> audiokit.Transcript:
    from conftest import load_reference

    return audiokit.Transcript.from_response(
        load_reference("transcription_diarized_json.json"),
        "diarized_json",
        model="gpt-4o-transcribe-diarize",
    )


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, ""),
        (0.0, "00:00.0"),
        (4.25, "00:04.2"),  # round half to even on the tenth
        (59.96, "01:00.0"),  # rounds up into the next minute, not "00:60.0"
        (83.25, "01:23.2"),
        (3725.0, "1:02:05.0"),
        (-0.01, "00:00.0"),
    ],
)
def test_format_time(seconds, shown):
    assert format_time(seconds) == shown


# -- transcripts --------------------------------------------------------------------------------


def test_plain_transcript_all_three_forms(client, speech):
    t = client.transcribe(speech)
    data = bundle(t)
    assert set(data) >= {"text/plain", "text/html", "text/markdown"}
    # Offline, every model name runs the local Whisper: the display says what ran, and
    # .params keeps what was asked.
    assert data["text/plain"].splitlines()[0] == "Transcript(offline · Whisper tiny.en)"
    assert (t.engine, t.model, t.params["model"]) == (
        "Whisper tiny.en",
        "gpt-4o-mini-transcribe",
        "gpt-4o-mini-transcribe",
    )
    assert "Transcript · offline · Whisper tiny.en" in data["text/html"]
    assert data["text/markdown"].startswith("**Transcript** · offline · Whisper tiny.en")
    assert data["text/plain"].splitlines()[1] == t.text
    assert html_text(data["text/html"]).endswith(t.text)
    assert data["text/markdown"].splitlines()[-1].startswith("> ")
    assert "<table" not in data["text/html"]  # no segments, no table


def test_logprobs_are_shaded_by_the_confidence_module(client, speech):
    t = client.transcribe(speech, logprobs=True)
    html = bundle(t)["text/html"]
    assert highlight_html(t) in html
    assert "title='confidence" in html  # hover text per word
    assert f"{len(t.logprobs)} tokens" in html


def test_segments_table_with_times(client, speech):
    t = client.transcribe(speech, model="whisper-1", response_format="verbose_json")
    assert t.segment_list
    data = bundle(t)
    first = t.segment_list[0]
    row = "<td style='padding:1px 8px;text-align:left;vertical-align:top;white-space:nowrap'>"
    assert row + format_time(first.start) + "</td>" in data["text/html"]
    assert f"| {format_time(first.start)} | {format_time(first.end)} |" in data["text/markdown"]
    n = len(t.segment_list)
    summary = f"<summary style='opacity:0.7;font-size:0.85em'>{n} segment{'s' * (n != 1)}<"
    assert summary in data["text/html"] and "<details open>" in data["text/html"]


def test_long_transcripts_are_compact():
    segments = [
        {"id": i, "start": i * 2.0, "end": i * 2.0 + 1.5, "text": f"Sentence number {i}."}
        for i in range(MAX_SEGMENT_ROWS + 5)
    ]
    text = " ".join(s["text"] for s in segments) * 40
    t = audiokit.Transcript.from_response(
        {"text": text, "segments": segments, "language": "english", "duration": 30.0},
        "verbose_json",
        model="whisper-1",
    )
    data = bundle(t)
    assert data["text/html"].count("<tr>") == MAX_SEGMENT_ROWS + 1  # header + rows
    assert "… 5 more segments" in data["text/html"]
    assert "… 5 more segments" in data["text/markdown"]
    assert f"{len(segments)} segments" in data["text/plain"].splitlines()[0]
    body = data["text/plain"].split("\n", 1)[1]
    assert len(body) == MAX_PLAIN_CHARS and body.endswith("…")
    assert text in data["text/html"]  # the HTML keeps the whole text


def test_diarized_speakers_have_distinct_colours(diarized):
    data = bundle(diarized)
    colors = speaker_colors(diarized.speakers)
    assert list(colors) == ["agent", "A"] and colors["agent"] != colors["A"]
    html = data["text/html"]
    turns = re.findall(r"border-left:4px solid (#[0-9a-f]{6}).*?<b[^>]*>([^<]+)</b>", html)
    assert turns == [(colors["agent"], "agent"), (colors["A"], "A"), (colors["agent"], "agent")]
    assert "00:04.7–00:11.8" in html
    plain = data["text/plain"].splitlines()
    assert plain[0] == "Transcript(gpt-4o-transcribe-diarize, 27.4s, 3 segments, 2 speakers)"
    assert plain[2] == "[00:04.7–00:11.8] A: Hi, I'm trying to enable diarization."
    turn = "- **A** `00:04.7–00:11.8` Hi, I'm trying to enable diarization."
    assert turn in data["text/markdown"].splitlines()


def test_text_is_escaped_everywhere():
    evil = "<script>alert(1)</script> a|b *c* [x](y)"
    t = audiokit.Transcript.from_response(
        {"text": evil, "segments": [{"id": 0, "start": 0, "end": 1, "text": evil}]},
        "verbose_json",
    )
    data = bundle(t)
    assert "<script>" not in data["text/html"] and "&lt;script&gt;" in data["text/html"]
    escaped = r"\<script\>alert(1)\</script\> a\|b \*c\* \[x\](y)"
    md = data["text/markdown"].splitlines()
    assert md[2] == f"> {escaped}"
    assert md[-1] == f"| 0 | 00:00.0 | 00:01.0 | {escaped} |"


def test_translation_says_so(client, speech):
    t = client.translate(speech)
    assert "translation" in bundle(t)["text/plain"].splitlines()[0]


# -- speech -------------------------------------------------------------------------------------


def test_speech_player(speech):
    data = bundle(speech)
    html = data["text/html"]
    url = speech.to_data_url()
    assert url.startswith("data:audio/mpeg;base64,")
    assert f"<audio controls preload='metadata' src='{url}'>" in html
    assert f"<a download='speech.mp3' href='{url}'>" in html
    assert "autoplay" not in html
    # Every voice plays the one local Piper voice offline: the caption says so.
    ran = "alloy → offline · Piper en_US-joe-medium"
    assert f"{speech.duration:.1f}s" in html and ran in html and "gpt-4o-mini-tts" not in html
    assert (speech.engine, speech.params["voice"]) == ("Piper en_US-joe-medium", "alloy")
    size, duration = f"{len(speech.data):,}", f"{speech.duration:.2f}"
    assert data["text/plain"] == f"Speech(mp3, {size} bytes, {duration}s, {ran})"


def test_api_results_show_the_model_and_voice_asked():
    # No engine reported (the OpenAI API): the model and voice asked are what ran.
    t = audiokit.Transcript.from_response({"text": "Hi."}, model="gpt-4o-mini-transcribe")
    assert repr(t).splitlines()[0] == "Transcript(gpt-4o-mini-transcribe)"
    s = audiokit.Speech(b"\0\0" * 2400, "pcm", params={"voice": "coral", "model": "tts-1"})
    assert repr(s) == "Speech(pcm, 4,800 bytes, 0.10s, coral · tts-1)"
    assert "coral · tts-1" in bundle(s)["text/html"]


def test_one_segment_is_singular():
    body = {"text": "Hi.", "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": "Hi."}]}
    data = bundle(audiokit.Transcript.from_response(body, "verbose_json"))
    assert "1 segment<" in data["text/html"] and "1 segments" not in data["text/html"]
    one = audiokit.Speech(b"\0", "pcm")
    assert repr(one).startswith("Speech(pcm, 1 byte,")


def test_pcm_plays_as_wav(client):
    pcm = client.speak("Hi.", response_format="pcm")
    html = bundle(pcm)["text/html"]
    src = re.search(r"src='(data:[^']+)'", html).group(1)
    assert src.startswith("data:audio/wav;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:4] == b"RIFF"
    assert "download='speech.wav'" in html


def test_play_autoplays(speech):
    player = speech.play()
    assert player.speech is speech
    assert "<audio controls autoplay" in bundle(player)["text/html"]


# -- small pieces -------------------------------------------------------------------------------


def test_table_forms():
    table = Table(["setting", "value"], [["voice", "coral"], ["api_key", "not set"]], title="t")
    data = bundle(table)
    assert data["text/plain"].splitlines() == [
        "t",
        "setting  value",
        "voice    coral",
        "api_key  not set",
    ]
    assert data["text/html"].count("<tr>") == 3
    assert "| api\\_key | not set |" in data["text/markdown"]
    assert repr(Table(["a"], [])) == "a"


def test_live_transcript_view_shows_a_cursor_until_done():
    view = LiveTranscript("Hello <b>", events=2)
    assert repr(view) == "Hello <b>▌"
    assert "streaming… (2 events)" in view._repr_html_() and "&lt;b&gt;" in view._repr_html_()
    view.done = True
    assert repr(view) == "Hello <b>" and "▌" not in view._repr_html_()


def test_transcript_html_is_one_block(client, speech):
    t = client.transcribe(speech)
    html = transcript_html(t)
    assert html.startswith("<div class='audiokit-transcript'") and html.endswith("</div>")
    assert html.count("<div") == html.count("</div>")


def test_display_module_is_light():
    code = (
        "import sys, audiokit, audiokit.notebook._display; "
        "print(sorted(m for m in ('IPython', 'pandas', 'matplotlib', 'ipywidgets') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def html_text(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup).strip()
