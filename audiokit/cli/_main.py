"""The ``audiokit`` command: the parser, ``--version``, and one function per subcommand.

Subcommands: ``transcribe`` and ``translate`` (``_transcribe.py``), ``speak``, ``demo`` and
``serve`` (here). Each is a thin layer over the library: parse, call, show. Help is plain text
with every option's default and choices; a caller's mistake is one ``audiokit: …`` line on
stderr and exit status 2, a failed file among several exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._version import __version__
from ._transcribe import add_transcription_options, run_transcription

__all__ = ["build_parser", "main"]

DESCRIPTION = """\
Speech to text and text to speech, with the OpenAI audio API or offline.

With OPENAI_API_KEY set, requests go to the API (or to OPENAI_BASE_URL); without it, a local
Whisper model and a local Piper voice do the work, and every result says what ran.
"""

EPILOG = """\
examples:
  audiokit transcribe meeting.wav
  audiokit transcribe -f srt -o subtitles/ recordings/
  audiokit translate -f vtt -w interview_de.mp3
  audiokit speak "Hello there." -v coral -o hello.mp3
  audiokit serve --port 8000
"""

DEMO_SENTENCES = (
    "Audiokit turns speech into text and text into speech, right inside your notebook. "
    "This sentence was spoken by a local voice and transcribed by a local model, "
    "with no network and no API key."
)
# A name the model has never heard is written as it sounds ("Audio can turns…"): the spelling
# goes in as a vocabulary prompt, as the reference's "Improving reliability" shows.
DEMO_VOCABULARY = ["Audiokit"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Plain text as written (examples keep their lines); an option's default is shown when it
    has one and its help does not already say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" not in text
            and default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiokit", description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"audiokit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=summary, formatter_class=HelpFormatter
        )

    transcribe = command("transcribe", "transcribe audio files (speech to text)")
    add_transcription_options(transcribe, task="transcribe")
    translate = command("translate", "translate speech in any language into English text")
    add_transcription_options(translate, task="translate")

    speak = command("speak", "turn text into speech")
    speak.add_argument("text", help="the text to speak ('-' reads it from stdin)")
    speak.add_argument(
        "-o",
        "--output",
        required=True,
        help="audio file to write; its extension picks the format (mp3, opus/ogg, aac, flac, "
        "wav, pcm)",
    )
    speak.add_argument(
        "-v", "--voice", default=None, help="a voice name, e.g. coral (default: audiokit.defaults)"
    )
    speak.add_argument(
        "-m", "--model", default=None, help="speech model (default: audiokit.defaults)"
    )
    speak.add_argument(
        "-i",
        "--instructions",
        default=None,
        help="how to speak: tone, pace, accent (default: none)",
    )
    speak.add_argument(
        "--speed", type=float, default=None, help="0.25 to 4 (default: 1, the model's pace)"
    )

    demo = command("demo", "speak a sentence and transcribe it back, offline")
    demo.add_argument("--out", default="audiokit-demo", help="folder for the audio and subtitles")

    serve = command("serve", "an OpenAI-compatible server over the local engine")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--api-key", default=None, help="require this bearer token")
    serve.add_argument(
        "--whisper-model",
        default=None,
        help="base (default, multilingual), tiny.en (English only, faster) or a faster-whisper "
        "model directory",
    )
    serve.add_argument("--piper-voice", default=None, help="a Piper voice .onnx file")
    serve.add_argument(
        "--max-audio-seconds",
        type=float,
        default=None,
        help="refuse transcriptions of longer audio (default: $AUDIOKIT_MAX_AUDIO_SECONDS, "
        "else 1500)",
    )
    serve.add_argument(
        "--max-batch",
        type=int,
        default=None,
        metavar="N",
        help="decode up to N concurrent requests' Whisper windows in one batch (default 8; 1: "
        "no batching)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="Whisper model replicas running concurrent requests side by side; they share the "
        "weights (default 2)",
    )
    serve.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept this model name, as an alias of the offline engine (repeatable; "
        "default: only the API's names — any other is answered 404 model_not_found)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host header names NAME, any port ('*': any host; "
        "repeatable; default: localhost, 127.0.0.1, the IPv6 loopback and the --host address; "
        "any host when listening on a wildcard address such as 0.0.0.0 without --allow-host)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (scheme://host[:port], '*': any) call the server, with "
        "CORS headers (repeatable; default: pages on the allowed hosts may send requests but "
        "get no CORS headers; any other Origin is refused with 403)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 a file failed, 2 a usage error)."""
    args = build_parser().parse_args(argv)
    from ..core import AudiokitError

    try:
        return _COMMANDS[args.command](args)
    except AudiokitError as exc:
        print(f"audiokit: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("audiokit: interrupted", file=sys.stderr)
        return 130


def _transcribe(args: argparse.Namespace) -> int:
    return run_transcription(args, "transcribe")


def _translate(args: argparse.Namespace) -> int:
    return run_transcription(args, "translate")


def _speak(args: argparse.Namespace) -> int:
    import audiokit

    from ..results import speech_ran

    text = sys.stdin.read() if args.text == "-" else args.text
    extension = Path(args.output).suffix.lstrip(".").lower()
    fmt = {"ogg": "opus"}.get(extension, extension) if extension else "mp3"
    params = {
        k: v
        for k, v in (("instructions", args.instructions), ("speed", args.speed))
        if v is not None
    }
    client = audiokit.Client()
    speech = client.speak(text, model=args.model, voice=args.voice, response_format=fmt, **params)
    path = speech.save(args.output)
    duration = f"{speech.duration:.1f}s" if speech.duration is not None else ""
    facts = " · ".join(f for f in (speech_ran(speech), duration) if f)
    print(f"{path}: {facts}", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..server import OriginPolicy, exposure_warning, serve

    OriginPolicy.for_bind(args.host, args.allow_host, args.allow_origin)  # a bad value: exit 2
    warning = exposure_warning(args.host, args.api_key)
    if warning:
        print(f"audiokit: WARNING: {warning}", file=sys.stderr, flush=True)

    def say_serving() -> None:
        print(
            f"audiokit: serving the local engine on http://{args.host}:{args.port}/v1 — point a "
            f"notebook at it with  OPENAI_BASE_URL=http://{args.host}:{args.port}/v1  "
            "(any OPENAI_API_KEY unless --api-key is set)",
            file=sys.stderr,
            flush=True,
        )

    serve(
        args.host,
        args.port,
        api_key=args.api_key,
        whisper_model=args.whisper_model,
        piper_voice=args.piper_voice,
        max_audio_seconds=args.max_audio_seconds,
        max_batch=args.max_batch,
        workers=args.workers,
        models=args.model,
        allow_hosts=args.allow_host,
        allow_origins=args.allow_origin,
        on_ready=say_serving,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    import audiokit

    from ..results import speech_ran, transcript_ran

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    client = audiokit.Client()
    print(f"backend: {client.backend}")
    speech = client.speak(DEMO_SENTENCES, response_format="wav")
    audio_path = speech.save(out / "demo.wav")
    print(f"spoke {speech.duration:.1f} s of audio ({speech_ran(speech)}) -> {audio_path}")
    transcript = client.transcribe(audio_path, logprobs=True, vocabulary=DEMO_VOCABULARY)
    print(f"\ntranscript ({transcript_ran(transcript)}): {transcript.text}\n")
    words = transcript.words
    print("least confident words (confidence = the lowest token probability in the word):")
    columns = ["word", "confidence", "prob_mean", "offset"]
    print(words.nsmallest(5, "confidence")[columns].to_string(index=False))
    timed = client.transcribe(
        audio_path,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        vocabulary=DEMO_VOCABULARY,
    )
    subtitles = timed.save(out / "demo.srt")
    print(f"\nsubtitles -> {subtitles}\n{timed.to_srt()}")
    from ..analysis import compare

    comparison = compare(transcript, DEMO_SENTENCES)
    print(f"word error rate against the script: {comparison.wer:.3f}")
    return 0


_COMMANDS = {
    "transcribe": _transcribe,
    "translate": _translate,
    "speak": _speak,
    "demo": _demo,
    "serve": _serve,
}
