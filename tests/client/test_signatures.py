"""Client, AsyncClient and the module shortcuts offer one signature (client/_audio_methods.py).

``help()``, ``inspect.signature`` and IDEs must show every option on all three, with the same
names, defaults and types; the ``@overload``s must list the same options as the implementation;
and a type checker must see what each call returns (mypy, from the test extra).
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest
from _tools import require

import audiokit

METHODS = ("transcribe", "translate", "speak")


def _parameters(function: object) -> list[tuple[str, object, object, object]]:
    """(name, kind, default, annotation) of each parameter but ``self``."""
    return [
        (p.name, p.kind, p.default, p.annotation)
        for p in inspect.signature(function).parameters.values()  # type: ignore[arg-type]
        if p.name != "self"
    ]


@pytest.mark.parametrize("name", METHODS)
def test_client_async_client_and_shortcut_share_one_signature(name: str) -> None:
    sync = _parameters(getattr(audiokit.Client, name))
    assert _parameters(getattr(audiokit.AsyncClient, name)) == sync
    assert _parameters(getattr(audiokit, name)) == sync
    kinds = [kind for _, kind, _, _ in sync]
    assert kinds[0] is inspect.Parameter.POSITIONAL_OR_KEYWORD  # the audio or the text
    assert set(kinds[1:]) == {inspect.Parameter.KEYWORD_ONLY}  # no **params hides an option


def test_every_option_is_spelled_out_with_type_and_default() -> None:
    transcribe = {n: (d, a) for n, _, d, a in _parameters(audiokit.AsyncClient.transcribe)}
    assert transcribe["vocabulary"] == (None, "Sequence[str] | None")
    assert transcribe["split"] == ("auto", "bool | str")
    assert transcribe["concurrency"] == (4, "int")
    assert transcribe["response_format"] == ("json", "str")
    assert transcribe["stream"] == (False, "bool")
    assert len(transcribe) == 23
    speak = {n: (d, a) for n, _, d, a in _parameters(audiokit.speak)}
    assert speak["voice"] == (None, "str | Mapping[str, str] | None")
    assert speak["response_format"] == ("mp3", "str")
    assert set(speak) == {
        "text", "model", "voice", "instructions", "response_format", "speed", "stream_format",
        "stream", "split",
    }  # fmt: skip
    translate = {n for n, _, _, _ in _parameters(audiokit.translate)}
    assert translate == {
        "audio", "model", "prompt", "response_format", "temperature", "sample_rate", "filename"
    }  # fmt: skip


@pytest.mark.parametrize("name", METHODS)
def test_shortcuts_read_like_functions(name: str) -> None:
    shortcut = getattr(audiokit, name)
    assert shortcut.__name__ == name
    assert shortcut.__module__.startswith("audiokit.")
    assert shortcut.__doc__ == getattr(audiokit.Client, name).__doc__
    assert shortcut.__doc__ == getattr(audiokit.AsyncClient, name).__doc__
    assert "Parameters\n" in shortcut.__doc__ and "Returns\n" in shortcut.__doc__


@pytest.mark.parametrize("name", ["transcribe", "speak"])
def test_the_overloads_list_every_option_of_the_implementation(name: str) -> None:
    require(sys.version_info >= (3, 11), "typing.get_overloads needs Python 3.11")
    implementation = getattr(audiokit.Client, name)
    overloads = typing.get_overloads(implementation)
    assert len(overloads) == 3  # stream=False, stream=True, stream: bool
    expected = [p for p in _parameters(implementation) if p[0] != "stream"]
    streams = []
    for overload in overloads:
        parameters = _parameters(overload)
        streams.append(next((d, a) for n, _, d, a in parameters if n == "stream"))
        assert [p for p in parameters if p[0] != "stream"] == expected
    assert streams == [
        (False, "Literal[False]"),
        (inspect.Parameter.empty, "Literal[True]"),
        (False, "bool"),
    ]


SNIPPET = """
    import audiokit

    client = audiokit.Client()
    aclient = audiokit.AsyncClient()
    flag = bool(input())

    reveal_type(client.transcribe("a.wav"))
    reveal_type(client.transcribe("a.wav", stream=True))
    reveal_type(client.transcribe("a.wav", stream=flag))
    reveal_type(client.translate("a.wav"))
    reveal_type(client.speak("hi"))
    reveal_type(client.speak("hi", stream=True))
    reveal_type(aclient.transcribe("a.wav", language="de"))
    reveal_type(aclient.transcribe("a.wav", stream=True))
    reveal_type(aclient.translate("a.wav"))
    reveal_type(aclient.speak("hi"))
    reveal_type(aclient.speak("hi", stream=True))
    reveal_type(audiokit.transcribe("a.wav", vocabulary=["ZyntriQix"]))
    reveal_type(audiokit.transcribe("a.wav", stream=True))
    reveal_type(audiokit.translate("a.wav"))
    reveal_type(audiokit.speak("hi", voice="coral"))
    reveal_type(audiokit.speak("hi", stream=True))


    async def main() -> None:
        reveal_type(await aclient.transcribe("a.wav"))
        reveal_type(await aclient.transcribe("a.wav", stream=True))
        reveal_type(await aclient.speak("hi", stream=True))
"""

REVEALED = [
    "Transcript",
    "TranscriptStream",
    "Transcript | TranscriptStream",
    "Transcript",
    "Speech",
    "SpeechStream | SpeechPieces",
    "Awaitable[Transcript]",
    "Awaitable[AsyncTranscriptStream]",
    "Awaitable[Transcript]",
    "Awaitable[Speech]",
    "Awaitable[AsyncSpeechStream | AsyncSpeechPieces]",
    "Transcript",
    "TranscriptStream",
    "Transcript",
    "Speech",
    "SpeechStream | SpeechPieces",
    "Transcript",
    "AsyncTranscriptStream",
    "AsyncSpeechStream | AsyncSpeechPieces",
]


def test_a_type_checker_sees_what_each_call_returns(tmp_path: Path) -> None:
    require("mypy", "mypy is in the test extra (pip install -e '.[test]')")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET))
    root = Path(audiokit.__file__).parent.parent  # the editable install's import hook hides it
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(root)}, cwd=tmp_path,
    )  # fmt: skip
    lines = out.stdout.splitlines()
    assert not [line for line in lines if ": error:" in line], out.stdout
    revealed = [
        re.sub(r"\b(?:[A-Za-z_]\w*\.)+(\w+)", r"\1", line.split('Revealed type is "')[1][:-1])
        for line in lines
        if "Revealed type is" in line
    ]  # module paths dropped: audiokit.results._transcript.Transcript -> Transcript
    assert revealed == REVEALED, out.stdout
