"""The magics, driven through a real IPython shell against the offline engine.

Every call goes through IPython as a notebook would (``run_cell`` / ``run_line_magic``): argument
parsing, variable expansion, the display hook (cell value, trailing ``;``) and error display.
The shell's formatter is set to all mime types, as ipykernel does, so the bundles checked here
are the ones a notebook front end receives.
"""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys

import jiwer
import pytest
from IPython.core.error import UsageError
from IPython.terminal.interactiveshell import TerminalInteractiveShell
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

import audiokit
from audiokit.magics import MODEL_SETTINGS, AudiokitMagics
from audiokit.notebook import LiveTranscript, SpeechPlayer

SENTENCE = "The quick brown fox jumps over the lazy dog."
MAX_WER = 0.25
FAKE_KEY = "sk-audiokit-FAKE-do-not-print-7f3a9c1e5b"


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(words(reference), words(hypothesis))


@pytest.fixture(scope="module")
def ip():
    start_ipython()  # creates the process-wide test shell once (later calls return None)
    shell = TerminalInteractiveShell.instance()
    # ipykernel sends every mime type; the terminal default is text/plain only.
    shell.display_formatter.active_types = shell.display_formatter.format_types
    audiokit.configure(backend="local")
    shell.run_line_magic("load_ext", "audiokit")
    return shell


@pytest.fixture(autouse=True)
def restore_settings(ip):
    saved = {name: getattr(audiokit.defaults, name) for name in MODEL_SETTINGS}
    yield
    audiokit.configure(backend="local", base_url=None, **saved)
    for name in ("t", "s", "out", "_audiokit_partial"):
        ip.user_ns.pop(name, None)


@pytest.fixture(scope="module")
def speech() -> audiokit.Speech:
    return audiokit.Client(backend="local").speak(SENTENCE, response_format="wav")


@pytest.fixture(scope="module")
def wav_path(speech, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("audio") / "fox.wav"
    speech.save(path)
    return str(path)


def run(ip, cell: str):
    """Run a cell as a notebook would; return (result, captured output)."""
    with capture_output() as captured:
        result = ip.run_cell(cell, store_history=True)
    return result, captured


def one_line_error(ip, cell: str) -> str:
    """Run a cell that must fail with a one-line UsageError (no traceback); return the line."""
    result, captured = run(ip, cell)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    assert "Traceback" not in captured.stderr + captured.stdout
    lines = captured.stderr.strip().splitlines()
    assert len(lines) == 1, captured.stderr
    assert lines[0].startswith("UsageError: ")
    return lines[0]


def bundle(ip, obj) -> dict:
    data, _metadata = ip.display_formatter.format(obj)
    return data


# -- registration and help ----------------------------------------------------------------------


def test_load_ext_registers_the_magics(ip):
    for name in ("transcribe", "translate", "audiokit", "speak"):
        assert ip.find_line_magic(name) is not None, name
    assert ip.find_cell_magic("speak") is not None
    assert any(isinstance(c, AudiokitMagics) for c in ip.configurables)


def test_help_flag_and_question_mark(ip):
    result, captured = run(ip, "%transcribe --help")
    assert result.error_in_exec is None
    assert result.result is None
    assert "--timestamps" in captured.stdout and "-o NAME" in captured.stdout
    _, captured = run(ip, "%transcribe?")
    assert "Transcribe audio" in captured.stdout and "--diarize" in captured.stdout
    _, captured = run(ip, "%speak --help")
    assert "--instructions" in captured.stdout


@pytest.mark.parametrize("magic", ["transcribe", "translate", "speak", "audiokit"])
def test_help_is_plain_text(ip, magic):
    # A notebook shows %magic? as it is: no RST literal-block markers, no ``inline literals``.
    _, captured = run(ip, f"%{magic}?")
    help_text = captured.stdout
    assert f"%{magic} [" in help_text and "Usage:" in help_text
    assert "``" not in help_text
    assert not [line for line in help_text.splitlines() if line.strip().endswith("::")]


# -- %%speak ------------------------------------------------------------------------------------


def test_speak_substitutes_variables_and_stores_the_speech(ip):
    ip.user_ns["animal"] = "fox"
    result, _ = run(ip, "%%speak -o s -f wav\nThe quick brown {animal} jumps over the lazy dog.")
    assert result.error_in_exec is None
    speech = ip.user_ns["s"]
    assert isinstance(speech, audiokit.Speech) and speech is result.result
    assert speech.format == "wav" and speech.duration > 1.0
    heard = audiokit.transcribe(speech).text
    assert wer(SENTENCE, heard) <= MAX_WER, heard
    data = bundle(ip, speech)
    assert "<audio controls" in data["text/html"] and "autoplay" not in data["text/html"]
    assert "data:audio/wav;base64," in data["text/html"]
    assert data["text/plain"].startswith("Speech(wav,")


def test_speak_options_reach_the_request(ip):
    speech = ip.run_cell_magic("speak", "-v coral -m tts-1 --speed 1.25", "Hello there.")
    assert speech.params["voice"] == "coral"
    assert speech.params["model"] == "tts-1"
    assert float(speech.params["speed"]) == 1.25


def test_speak_line_form(ip):
    result, _ = run(ip, "%speak -o s Good morning.")
    assert result.error_in_exec is None
    assert isinstance(ip.user_ns["s"], audiokit.Speech)
    assert "morning" in audiokit.transcribe(ip.user_ns["s"]).text.lower()


def test_speak_missing_variable_is_one_clear_line(ip):
    line = one_line_error(ip, "%%speak\nHello {nobody_defined_this}, welcome.")
    assert "{nobody_defined_this}" in line and "not a variable" in line


def test_speak_without_text_and_with_bad_speed(ip):
    assert "no text" in one_line_error(ip, "%speak -v coral")
    line = one_line_error(ip, "%%speak -m tts-1 --speed 9\nToo fast.")
    assert "--speed" in line and "0.25" in line


def test_speak_errors_name_the_form_used(ip):
    # The line magic is %speak, the cell magic %%speak: each error names the one typed.
    line = one_line_error(ip, "%speak -m tts-1 --speed 9 Too fast.")
    assert line.startswith("UsageError: %speak --speed:") and "%%" not in line
    assert one_line_error(ip, "%speak").startswith("UsageError: %speak: no text")
    cell = one_line_error(ip, "%%speak -m tts-1 --speed 9\nToo fast.")
    assert cell.startswith("UsageError: %%speak --speed:")


def test_results_say_what_ran_offline(ip, wav_path):
    # Offline every voice plays the one Piper voice and every model runs the local Whisper.
    speech = ip.run_cell_magic("speak", "-v coral -m tts-1", "Hello there.")
    assert speech.params["voice"] == "coral" and speech.engine == "Piper en_US-joe-medium"
    assert "coral → offline · Piper en_US-joe-medium" in bundle(ip, speech)["text/html"]
    t = ip.run_line_magic("transcribe", f"-m whisper-1 {wav_path}")
    assert t.params["model"] == "whisper-1" and t.engine == "Whisper tiny.en"
    data = bundle(ip, t)
    assert data["text/plain"].startswith("Transcript(offline · Whisper tiny.en")
    assert "whisper-1" not in data["text/html"]


def test_speak_play_autoplays_and_still_stores_the_speech(ip):
    player = ip.run_cell_magic("speak", "--play -o s", "Hi.")
    assert isinstance(player, SpeechPlayer) and player.speech is ip.user_ns["s"]
    assert " autoplay " in bundle(ip, player)["text/html"]


# -- %transcribe: sources -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda sp, path: sp, id="Speech"),
        pytest.param(lambda sp, path: sp.data, id="bytes"),
        pytest.param(lambda sp, path: io.BytesIO(sp.data), id="file-object"),
        pytest.param(lambda sp, path: sp.to_numpy(), id="array-rate-tuple"),
        pytest.param(lambda sp, path: path, id="path-in-a-variable"),
    ],
)
def test_transcribe_a_variable(ip, speech, wav_path, make):
    ip.user_ns["clip"] = make(speech, wav_path)
    result, _ = run(ip, "%transcribe -o t clip")
    assert result.error_in_exec is None
    t = ip.user_ns["t"]
    assert isinstance(t, audiokit.Transcript) and t is result.result
    assert wer(SENTENCE, t.text) <= MAX_WER, t.text


def test_transcribe_numpy_array_needs_rate(ip, speech):
    samples, rate = speech.to_numpy()
    ip.user_ns["samples"] = samples
    assert "--rate" in one_line_error(ip, "%transcribe samples")
    t = ip.run_line_magic("transcribe", f"--rate {rate} samples")
    assert wer(SENTENCE, t.text) <= MAX_WER


def test_transcribe_a_path_and_an_attribute(ip, speech, wav_path):
    t = ip.run_line_magic("transcribe", wav_path)
    assert wer(SENTENCE, t.text) <= MAX_WER
    ip.user_ns["holder"] = type("Holder", (), {"speech": speech})()
    t = ip.run_line_magic("transcribe", "holder.speech")
    assert wer(SENTENCE, t.text) <= MAX_WER


def test_transcribe_glob_is_a_batch(ip, speech, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOKIT_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("b.wav", "a.wav"):
        speech.save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not audio")
    result = ip.run_line_magic("transcribe", f"-o out -l en {tmp_path}/*.wav")
    assert isinstance(result, audiokit.BatchResult) and ip.user_ns["out"] is result
    assert [item.source for item in result] == [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")]
    assert result.ok == 2 and result.failed == 0
    assert all(wer(SENTENCE, t.text) <= MAX_WER for t in result.transcripts.values())
    assert all(t.params["language"] == "en" for t in result.transcripts.values())
    html = bundle(ip, result)["text/html"]
    assert "2 transcribed" in html
    # The view is for people: paths relative to the shared folder (named once), durations
    # rounded, usage flattened, what ran.
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert "a.wav" in cells and "b.wav" in cells and str(tmp_path / "a.wav") not in html
    assert f"in {tmp_path}" in html
    assert f"{speech.duration:.1f}s" in cells
    assert not re.search(r"\d\.\d{3,}", html)  # no raw floats
    assert "{" not in html and "duration" not in cells  # no usage dict
    assert "offline · Whisper tiny.en" in cells
    # usage flattened: billed seconds (whisper-1) or tokens (the gpt-4o models, the default)
    usage = r"\d+ s|\d+ tokens \(\d+ in, \d+ out\)"
    assert sum(bool(re.fullmatch(usage, cell)) for cell in cells) == 2, cells
    assert "no files match" in one_line_error(ip, f"%transcribe {tmp_path}/*.flac")


def test_split_options(ip, speech):
    ip.user_ns["clip"] = speech
    t = ip.run_line_magic("transcribe", "--split yes --chunk-seconds 1.5 -m whisper-1 clip")
    assert wer(SENTENCE, t.text) <= MAX_WER
    assert "invalid choice" in one_line_error(ip, "%transcribe --split maybe clip")
    line = one_line_error(ip, "%transcribe --split yes --chunk-seconds -1 clip")
    assert "--chunk-seconds" in line


def test_transcribe_unknown_source_and_missing_source(ip):
    line = one_line_error(ip, "%transcribe no_such_variable_or_file")
    assert "'no_such_variable_or_file'" in line and "neither a variable" in line
    assert "give a SOURCE" in one_line_error(ip, "%transcribe -l en")


# -- %transcribe: options -----------------------------------------------------------------------


def test_options_are_passed_to_the_library(ip, speech):
    ip.user_ns["clip"] = speech
    t = ip.run_line_magic(
        "transcribe",
        '-m whisper-1 -l English --prompt "A pangram about a fox." --temperature 0 '
        "--timestamps word,segment clip",
    )
    assert t.model == "whisper-1"
    assert t.response_format == "verbose_json"  # implied by --timestamps
    assert t.params["language"] == "en"  # the library normalises "English"
    assert t.params["prompt"] == "A pangram about a fox."
    assert t.params["timestamp_granularities"] == ["word", "segment"]
    assert t.word_list and t.segment_list and t.segment_list[0].end > 0
    html = bundle(ip, t)["text/html"]
    assert "<table" in html and "00:0" in html  # the segments table with mm:ss.s times


def test_logprobs_and_format(ip, speech):
    ip.user_ns["clip"] = speech
    t = ip.run_line_magic("transcribe", "--logprobs clip")
    assert t.logprobs and all(lp.logprob <= 0 for lp in t.logprobs)
    t = ip.run_line_magic("transcribe", "-m whisper-1 -f srt clip")
    assert t.response_format == "srt" and t.segment_list


def test_library_errors_become_one_line_naming_the_option(ip, speech):
    ip.user_ns["clip"] = speech
    line = one_line_error(ip, "%transcribe -f srt clip")
    assert line.startswith("UsageError: %transcribe --format:")
    assert "whisper-1" in line  # says what is allowed
    line = one_line_error(ip, "%transcribe --diarize --prompt hi clip")
    assert line.startswith("UsageError: %transcribe --prompt:") and "diarize" in line
    line = one_line_error(ip, "%transcribe --temperature 3 clip")
    assert "--temperature" in line


def test_speaker_samples_are_resolved_and_sent(ip, speech):
    ip.user_ns["clip"] = speech
    ip.user_ns["ada_sample"] = speech  # 2.8 s: within the 2-10 s a reference must last
    # The sample is resolved from the variable and sent; the offline engine diarizes and names
    # the one voice after the reference clip of that same voice.
    result, _captured = run(ip, "%transcribe --speaker Ada=ada_sample -o named clip")
    assert result.error_in_exec is None, result.error_in_exec
    assert ip.user_ns["named"].speakers == ["Ada"]
    line = one_line_error(ip, "%transcribe --speaker Ada=no_such_sample clip")
    assert "'no_such_sample'" in line and "--speaker" in line
    ip.user_ns["short_sample"] = speech.data[: len(speech.data) // 4]  # about 0.7 s
    line = one_line_error(ip, "%transcribe --speaker Ada=short_sample clip")
    assert "--speaker" in line and "2 to 10 seconds" in line


def test_parse_errors_are_one_line(ip):
    assert "--temperature" in one_line_error(ip, "%transcribe --temperature warm x.wav")
    assert "quotation" in one_line_error(ip, '%transcribe --prompt "unclosed x.wav')
    assert "NAME=SAMPLE" in one_line_error(ip, "%transcribe --speaker Ada x.wav")
    assert "not a valid variable name" in one_line_error(ip, "%transcribe -o 1bad x.wav")


def test_semicolon_silences_but_output_is_stored(ip, speech):
    ip.user_ns["clip"] = speech
    result, captured = run(ip, "%transcribe -o t clip;")
    assert result.error_in_exec is None and result.result is None
    assert "Out[" not in captured.stdout
    assert isinstance(ip.user_ns["t"], audiokit.Transcript)
    result, captured = run(ip, "%transcribe clip")
    assert isinstance(result.result, audiokit.Transcript)
    assert "Transcript(" in captured.stdout


def test_stream_updates_one_output_in_place(ip, speech):
    ip.user_ns["clip"] = speech
    result, captured = run(ip, "%transcribe --stream -o t clip")
    assert result.error_in_exec is None
    final = ip.user_ns["t"]
    assert isinstance(final, audiokit.Transcript) and final is result.result
    assert wer(SENTENCE, final.text) <= MAX_WER
    outputs = captured.outputs
    first, updates = outputs[0], outputs[1:]
    display_id = first.transient["display_id"]
    assert not first.update and "▌" in first.data["text/plain"]
    assert updates and all(o.update and o.transient["display_id"] == display_id for o in updates)
    # The first delta is drawn at once: a growing prefix of the final text, with its cursor.
    drawn = updates[0].data["text/plain"]
    assert drawn.endswith("▌") and final.text.startswith(drawn[:-1]) and drawn[:-1]
    assert "streaming" in updates[0].data["text/html"]
    # The live output ends empty: the returned Transcript is the cell's value.
    assert updates[-1].data == {"text/plain": ""}


def test_translate(ip, speech):
    ip.user_ns["clip"] = speech
    t = ip.run_line_magic("translate", "-o t clip")
    assert t.task == "translate" and ip.user_ns["t"] is t
    assert wer(SENTENCE, t.text) <= MAX_WER
    assert "--model" in one_line_error(ip, "%translate -m gpt-4o-mini-transcribe clip")


# -- --widget -----------------------------------------------------------------------------------


def test_widget_options(ip, speech):
    from audiokit.widgets import SpeakWidget, TranscribeWidget

    ip.user_ns["clip"] = speech
    w = ip.run_line_magic(
        "transcribe",
        "--widget -m whisper-1 -l en --stream --prompt 'A fox.' --temperature 0.2 clip",
    )
    assert isinstance(w, TranscribeWidget)
    assert (w.model, w.language, w.stream) == ("whisper-1", "en", True)
    assert (w.prompt, w.temperature) == ("A fox.", 0.2)
    assert w.audio == speech.data
    ip.user_ns["animal"] = "fox"
    w = ip.run_cell_magic("speak", "--widget -v coral -o out", "Hello {animal}.")
    assert isinstance(w, SpeakWidget) and ip.user_ns["out"] is w
    assert (w.text, w.voice) == ("Hello fox.", "coral")
    assert w.client is audiokit.default_client()  # %audiokit's backend applies to widgets


def test_widgets_start_from_the_configured_defaults(ip, speech):
    ip.run_line_magic("audiokit", "voice=sage speech_model=tts-1 transcription_model=whisper-1")
    w = ip.run_line_magic("speak", "--widget")
    assert (w.voice, w.model, w.text) == ("sage", "tts-1", "")
    w = ip.run_line_magic("transcribe", "--widget")
    assert w.model == "whisper-1" and w.audio == b""
    # The widget really works: speak through it, then transcribe what it said.
    w = ip.run_cell_magic("speak", "--widget", SENTENCE)
    said = w.run().result(timeout=180)
    assert said is w.speech and said.params["voice"] == "sage"
    ip.user_ns["said"] = said
    w = ip.run_line_magic("transcribe", "--widget said")
    heard = w.run().result(timeout=180)
    assert heard.model == "whisper-1" and wer(SENTENCE, heard.text) <= MAX_WER


def test_widget_without_the_widget_packages_is_one_line():
    code = (
        "import sys\n"
        "sys.modules['anywidget'] = None  # as if it were not installed\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython(); ip.run_line_magic('load_ext', 'audiokit')\n"
        "r = ip.run_cell('%transcribe --widget')\n"
        "print(type(r.error_in_exec).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "UsageError"
    errors = [line for line in out.stderr.splitlines() if line.startswith("UsageError")]
    assert len(errors) == 1 and "anywidget" in errors[0] and "pip install" in errors[0]
    assert "Traceback" not in out.stderr


# -- %audiokit ----------------------------------------------------------------------------------


def test_settings_table(ip):
    table = ip.run_line_magic("audiokit", "")
    data = bundle(ip, table)
    for name in (*MODEL_SETTINGS, "backend", "base_url", "api_key"):
        assert name in data["text/plain"] and name in data["text/html"]
    assert "local" in data["text/plain"]
    # Offline, the table says what every model and voice name really runs.
    lines = data["text/plain"].splitlines()
    assert any("speech to text" in li and "offline · Whisper tiny.en" in li for li in lines)
    assert any("text to speech" in li and "offline · Piper en_US-joe-medium" in li for li in lines)


def test_settings_are_set_by_magic_and_by_config(ip):
    ip.run_line_magic("audiokit", "voice=coral speech_model=tts-1")
    assert (audiokit.defaults.voice, audiokit.defaults.speech_model) == ("coral", "tts-1")
    speech = ip.run_cell_magic("speak", "", "Hi.")
    assert (speech.params["voice"], speech.params["model"]) == ("coral", "tts-1")
    assert "coral" in repr(ip.run_line_magic("audiokit", ""))

    ip.run_line_magic("config", 'AudiokitMagics.voice = "sage"')
    assert audiokit.defaults.voice == "sage"
    ip.run_line_magic("audiokit", "voice=")  # empty: back to the default
    assert audiokit.defaults.voice == "alloy"


def test_settings_errors(ip):
    assert "names: transcription_model" in one_line_error(ip, "%audiokit colour=red")
    assert "api, local" in one_line_error(ip, "%audiokit backend=cloud")
    line = one_line_error(ip, "%audiokit api_key=sk-abc")
    assert "OPENAI_API_KEY" in line and "sk-abc" not in line


def _everything_shown(ip, cell: str) -> str:
    result, captured = run(ip, cell)
    assert result.error_in_exec is None
    data = bundle(ip, result.result)
    return "\n".join([captured.stdout, captured.stderr, *map(str, data.values())])


def test_the_api_key_is_never_shown(ip, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    ip.run_line_magic("audiokit", "backend=local")
    shown = _everything_shown(ip, "%audiokit")
    assert "set, unused by the local backend" in shown
    ip.run_line_magic("audiokit", "backend=api")  # builds settings only; nothing is sent
    shown = _everything_shown(ip, "%audiokit")
    assert "api.openai.com" in shown
    rows = [line for line in shown.splitlines() if line.startswith("api_key")]
    assert rows and "set" in rows[0] and "not set" not in rows[0]
    for piece in (FAKE_KEY, FAKE_KEY[-8:], FAKE_KEY[3:15]):
        assert piece not in shown


def test_environment_sets_the_defaults():
    code = (
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython(); ip.run_line_magic('load_ext', 'audiokit')\n"
        "print(repr(ip.run_line_magic('audiokit', '')))\n"
        "print('trait', ip.run_line_magic('config', 'AudiokitMagics.voice'))\n"
    )
    env = {**os.environ, "AUDIOKIT_VOICE": "echo", "AUDIOKIT_BACKEND": "local"}
    env.pop("OPENAI_API_KEY", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    voice_row = next(line for line in out.stdout.splitlines() if line.startswith("voice"))
    assert "echo" in voice_row and "AUDIOKIT_VOICE" in voice_row
    assert "environment (AUDIOKIT_BACKEND)" in out.stdout
    assert "trait echo" in out.stdout


def test_import_audiokit_does_not_load_ipython_magics():
    code = (
        "import sys, audiokit; "
        "print('audiokit.magics._magics' in sys.modules, 'IPython' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_live_transcript_view_shows_a_cursor_until_done():
    view = LiveTranscript("Hello", events=2)
    assert repr(view) == "Hello▌" and "streaming" in view._repr_html_()
    view.done = True
    assert repr(view) == "Hello" and "▌" not in view._repr_html_()


# -- %transcribe --player -----------------------------------------------------------------------


def test_transcribe_player_shows_the_widget_with_the_transcript(ip, wav_path):
    pytest.importorskip("anywidget")
    from audiokit.widgets import PlayerWidget

    cell = f"%transcribe --player -m whisper-1 --timestamps word,segment -o t {wav_path}"
    result, captured = run(ip, cell)
    assert result.error_in_exec is None, captured.stderr
    player = result.result  # the cell's value: what the notebook displays
    assert isinstance(player, PlayerWidget) and ip.user_ns["t"] is player
    assert player.timing == "word"
    assert wer(SENTENCE, player.transcript.text) <= MAX_WER, player.transcript.text
    assert "".join(player.units["text"]).replace(" ", "") in player.transcript.text.replace(" ", "")
    data = bundle(ip, player)
    assert "application/vnd.jupyter.widget-view+json" in data
    n = len(player.units["text"])
    assert data["text/plain"].startswith(f"Transcript player · {n} words · 0:0")
    assert player.units["text"][0] in data["text/html"]  # the saved notebook's fallback


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ("--stream", "cannot be combined with --stream: a stream shows the text as it is"),
        ("--live", "cannot be combined with --live: live captions"),
        ("--widget", "cannot be combined with --widget"),
    ],
)
def test_transcribe_player_refuses_stream_live_and_widget_before_any_work(ip, options, says):
    # The SOURCE does not exist: the option check comes first, before the file is looked for.
    line = one_line_error(ip, f"%transcribe --player {options} -o t missing.wav")
    assert line.startswith("UsageError: %transcribe --player ") and says in line, line
    assert "t" not in ip.user_ns


def test_transcribe_player_refuses_a_glob_of_several_files(ip, speech, tmp_path):
    for name in ("a.wav", "b.wav"):
        speech.save(tmp_path / name)
    line = one_line_error(ip, f"%transcribe --player -o t {tmp_path}/*.wav")
    assert "--player" in line and "is a glob, a batch of files" in line, line
    assert "one recording at a time" in line and "t" not in ip.user_ns
    assert "give a SOURCE" in one_line_error(ip, "%transcribe --player")
