"""The ``audiokit`` command as a user runs it: a subprocess on the offline engine, real audio.

The recordings are spoken by the offline Piper voice and transcribed back by the offline
Whisper, so every check on text is a check that the right file went through the right path.
"""

from __future__ import annotations

import json
import os
import re
import socket
import string
import subprocess
import sys
from pathlib import Path

import jiwer
import pytest

import audiokit
from audiokit import __version__
from audiokit.cli import build_parser, main

FIRST = "The quick brown fox jumps over the lazy dog."
SECOND = "Please call Stella and ask her to bring these things."
MAX_WER = 0.3


def words(text: str) -> str:
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(words(reference), words(hypothesis))


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``audiokit ARGS`` in a fresh interpreter (no API key: the offline engine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run(
        [sys.executable, "-m", "audiokit", *args],
        capture_output=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    # Decoded by hand: text=True would turn the progress line's "\r" into newlines.
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``first.wav`` and ``second.mp3`` (real speech), ``notes.txt`` and ``broken.wav``
    (not audio) in one folder."""
    folder = tmp_path_factory.mktemp("recordings")
    client = audiokit.Client(backend="local")
    client.speak(FIRST, response_format="wav").save(folder / "first.wav")
    client.speak(SECOND, response_format="mp3").save(folder / "second.mp3")
    (folder / "notes.txt").write_text("not audio")
    (folder / "broken.wav").write_bytes(b"hello world\n" * 10)
    return folder


# -- the parser ---------------------------------------------------------------------------------


def test_version():
    done = cli("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"audiokit {__version__}")


@pytest.mark.parametrize("command", [[], ["transcribe"], ["translate"], ["speak"], ["serve"]])
def test_help_is_plain_text(command):
    done = cli(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "``" not in done.stdout and "::" not in done.stdout  # no raw RST
    if not command:
        for name in ("transcribe", "translate", "speak", "demo", "serve", "--version"):
            assert name in done.stdout
    if command == ["transcribe"]:
        assert "{txt,srt,vtt,json}" in done.stdout and "(default: txt)" in done.stdout


def test_every_option_has_a_help_line():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, (name, action.option_strings or action.dest)


# -- transcribe ---------------------------------------------------------------------------------


def test_several_files_keep_going_past_a_bad_one(recordings: Path):
    done = cli(
        "transcribe",
        str(recordings / "first.wav"),
        str(recordings / "broken.wav"),
        str(recordings / "missing.wav"),
        str(recordings / "second.mp3"),
    )
    assert done.returncode == 1  # some failed: not 0, and not the usage error's 2
    texts = re.split(r"^==> (.+) <==$", done.stdout, flags=re.M)[1:]
    labels, bodies = texts[0::2], texts[1::2]
    assert labels == [str(recordings / "first.wav"), str(recordings / "second.mp3")]
    assert wer(FIRST, bodies[0]) <= MAX_WER, bodies[0]
    assert wer(SECOND, bodies[1]) <= MAX_WER, bodies[1]
    err = done.stderr
    assert f"{recordings / 'broken.wav'}: file='broken.wav': not a recognisable audio" in err
    assert "hello world" not in err  # the name, never the content
    assert f"{recordings / 'missing.wav'}: no such file or directory" in err
    assert "2 of 4 failed" in err
    # Offline, the status lines say what ran, whatever model was asked.
    assert f"{recordings / 'first.wav'}: offline · Whisper tiny.en" in err
    assert "Traceback" not in err


def test_a_directory_is_its_audio_files(recordings: Path):
    done = cli("transcribe", "-q", "-l", "en", str(recordings))
    assert done.returncode == 1  # broken.wav is in there too
    labels = re.findall(r"^==> (.+) <==$", done.stdout, flags=re.M)
    assert [Path(name).name for name in labels] == ["first.wav", "second.mp3"]
    assert "notes.txt" not in done.stdout + done.stderr  # not an audio file: not taken
    assert "broken.wav" in done.stderr
    assert "offline · Whisper" not in done.stderr  # -q: errors only


def test_subtitles_into_a_folder_and_beside_the_input(recordings: Path, tmp_path: Path):
    out = tmp_path / "subs"
    done = cli("transcribe", "-f", "srt", "-o", str(out), str(recordings / "first.wav"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # written, not printed
    srt = out / "first.srt"
    assert f"→ {srt}" in done.stderr
    segments = audiokit.Transcript.from_response(srt.read_text(), "srt").segment_list
    assert segments and segments[0].start == 0.0 and segments[-1].end > 1.0
    assert wer(FIRST, " ".join(s.text for s in segments)) <= MAX_WER

    beside = tmp_path / "beside"
    beside.mkdir()
    (beside / "first.wav").write_bytes((recordings / "first.wav").read_bytes())
    done = cli("transcribe", "-f", "vtt", "-w", "first.wav", cwd=beside)
    assert done.returncode == 0, done.stderr
    assert (beside / "first.vtt").read_text().startswith("WEBVTT")


def test_json_is_the_whole_transcript(recordings: Path, tmp_path: Path):
    done = cli("transcribe", "-f", "json", "-m", "whisper-1", str(recordings / "first.wav"))
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "t.json"
    saved.write_text(done.stdout)
    transcript = audiokit.load_transcript(str(saved))
    assert transcript.params["model"] == "whisper-1"  # what was asked
    assert transcript.engine == "Whisper tiny.en"  # what ran
    assert json.loads(done.stdout)["engine"] == "Whisper tiny.en"
    assert wer(FIRST, transcript.text) <= MAX_WER


def test_translate(recordings: Path):
    done = cli("translate", str(recordings / "second.mp3"))
    assert done.returncode == 0, done.stderr
    assert wer(SECOND, done.stdout) <= MAX_WER, done.stdout
    assert "offline · Whisper tiny.en" in done.stderr


def test_progress_line_only_when_asked_or_on_a_terminal(recordings: Path):
    files = [str(recordings / "first.wav"), str(recordings / "second.mp3")]
    quiet = cli("transcribe", *files)
    assert "\r" not in quiet.stderr and "[1/2]" not in quiet.stderr  # stderr is a pipe here
    shown = cli("transcribe", "--progress", *files)
    assert shown.returncode == 0, shown.stderr
    assert "[1/2] " in shown.stderr and "[2/2] " in shown.stderr and "\r" in shown.stderr
    assert "\r" not in shown.stdout  # stdout stays clean for pipes


# -- speak --------------------------------------------------------------------------------------


def test_speak_says_which_voice_spoke(tmp_path: Path):
    target = tmp_path / "hello.wav"
    done = cli("speak", FIRST, "-v", "coral", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert f"{target}: coral → offline · Piper en_US-joe-medium" in done.stderr
    speech = audiokit.Speech(target.read_bytes(), "wav")
    assert speech.duration > 1.0
    assert wer(FIRST, audiokit.transcribe(target).text) <= MAX_WER

    bad = cli("speak", "Too fast.", "--speed", "9", "-o", str(tmp_path / "x.wav"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "audiokit: speed=9.0 is not allowed; allowed: a number from 0.25 to 4"
    )


def test_demo_spells_the_name_and_says_the_same_every_run(tmp_path: Path, capsys):
    done = cli("demo", "--out", "first", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    heard = re.search(r"^transcript \(offline · Whisper [\w.]+\): (.+)$", done.stdout, re.M)
    assert heard and heard.group(1).startswith("Audiokit turns speech into text"), done.stdout
    assert "Audiokit turns speech" in (tmp_path / "first" / "demo.srt").read_text()
    # the least confident words, their character offsets printed as integers (not "46.0")
    table = done.stdout.split("least confident words", 1)[1].split("\n\n", 1)[0]
    rows = table.splitlines()[2:]
    assert len(rows) == 5 and all(re.fullmatch(r"\d+", r.split()[-1]) for r in rows), table
    # Another process, another run: the same audio, the same transcript.
    assert main(["demo", "--out", str(tmp_path / "second")]) == 0
    again = capsys.readouterr().out
    assert heard.group(0) in again.splitlines()
    first, second = (tmp_path / d / "demo.wav" for d in ("first", "second"))
    assert first.read_bytes() == second.read_bytes()


# -- serve --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "param"), [("--max-batch", "max_batch"), ("--workers", "workers")]
)
def test_serve_hands_its_engine_options_to_whisper(option: str, param: str):
    done = cli("serve", "--port", "0", option, "0")  # refused by the engine, before listening
    assert done.returncode == 2, done.stderr
    assert f"{param}=0 is not allowed" in done.stderr
    assert "serving" not in done.stderr  # it never served: it does not say it does


def test_serve_on_a_taken_port_fails_without_saying_it_serves():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = cli("serve", "--port", str(taken.getsockname()[1]))
    assert done.returncode != 0, done.stderr
    assert "address already in use" in done.stderr.lower(), done.stderr
    assert "serving" not in done.stderr
