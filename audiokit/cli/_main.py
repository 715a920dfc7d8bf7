"""The ``audiokit`` command: ``serve``, ``demo``, ``transcribe``, ``speak``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]

DEMO_SENTENCES = (
    "Audiokit turns speech into text and text into speech, right inside your notebook. "
    "This sentence was spoken by a local voice and transcribed by a local model, "
    "with no network and no API key."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audiokit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="OpenAI-compatible server over the local engine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--api-key", default=None, help="require this bearer token")
    serve.add_argument("--whisper-model", default=None, help="a faster-whisper model directory")
    serve.add_argument("--piper-voice", default=None, help="a Piper voice .onnx file")

    demo = commands.add_parser("demo", help="speak a sentence, transcribe it back, offline")
    demo.add_argument("--out", default="audiokit-demo", help="folder for the audio and subtitles")

    transcribe = commands.add_parser("transcribe", help="transcribe audio files")
    transcribe.add_argument("files", nargs="+")
    transcribe.add_argument("-m", "--model", default=None)
    transcribe.add_argument("-f", "--format", default="json", dest="response_format")
    transcribe.add_argument("-l", "--language", default=None)

    speak = commands.add_parser("speak", help="turn text into speech")
    speak.add_argument("text")
    speak.add_argument("-o", "--output", required=True)
    speak.add_argument("-v", "--voice", default=None)
    speak.add_argument("-m", "--model", default=None)

    args = parser.parse_args(argv)
    from ..core import AudiokitError

    try:
        return _COMMANDS[args.command](args)
    except AudiokitError as exc:
        print(f"audiokit: {exc}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    from ..server import serve

    print(
        f"audiokit: serving the local engine on http://{args.host}:{args.port}/v1 — point a "
        f"notebook at it with  OPENAI_BASE_URL=http://{args.host}:{args.port}/v1  "
        "(any OPENAI_API_KEY unless --api-key is set)",
        file=sys.stderr,
    )
    serve(
        args.host,
        args.port,
        api_key=args.api_key,
        whisper_model=args.whisper_model,
        piper_voice=args.piper_voice,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    import audiokit

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    client = audiokit.Client()
    print(f"backend: {client.backend}")
    speech = client.speak(DEMO_SENTENCES, response_format="wav")
    audio_path = speech.save(out / "demo.wav")
    print(f"spoke {speech.duration:.1f} s of audio -> {audio_path}")
    transcript = client.transcribe(audio_path, logprobs=True)
    print(f"\ntranscript: {transcript.text}\n")
    words = transcript.words
    print("least confident words (confidence = the lowest token probability in the word):")
    columns = ["word", "confidence", "prob_mean", "offset"]
    print(words.nsmallest(5, "confidence")[columns].to_string(index=False))
    timed = client.transcribe(
        audio_path,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    subtitles = timed.save(out / "demo.srt")
    print(f"\nsubtitles -> {subtitles}\n{timed.to_srt()}")
    from ..analysis import compare

    comparison = compare(transcript, DEMO_SENTENCES)
    print(f"word error rate against the script: {comparison.wer:.3f}")
    return 0


def _transcribe(args: argparse.Namespace) -> int:
    import audiokit

    client = audiokit.Client()
    for name in args.files:
        transcript = client.transcribe(
            name, model=args.model, response_format=args.response_format, language=args.language
        )
        if args.response_format in ("srt", "vtt"):
            print(transcript.to_srt() if args.response_format == "srt" else transcript.to_vtt())
        else:
            print(transcript.text)
    return 0


def _speak(args: argparse.Namespace) -> int:
    import audiokit

    extension = Path(args.output).suffix.lstrip(".").lower()
    fmt = {"ogg": "opus"}.get(extension, extension) if extension else "mp3"
    client = audiokit.Client()
    speech = client.speak(args.text, model=args.model, voice=args.voice, response_format=fmt)
    print(speech.save(args.output))
    return 0


_COMMANDS = {"serve": _serve, "demo": _demo, "transcribe": _transcribe, "speak": _speak}

if __name__ == "__main__":
    raise SystemExit(main())
