"""``audiokit transcribe`` and ``audiokit translate``: many files, one at a time, none fatal.

Each argument is a file or a directory (its audio files, as ``audiokit.transcribe_many`` reads
one). Every file gets its own outcome: its text on stdout (a ``==> name <==`` header when there
are several) or a file written beside it (``-w``) or into a folder (``-o DIR``), and a status
line on stderr saying what ran (offline: ``offline · Whisper tiny.en``). A failed file is
reported and skipped; the exit status is 1 when any failed. The work is the library's
(``Client.transcribe`` / ``Client.translate``, long audio split at pauses there); this module
only picks files, formats and names.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._progress import Progress

__all__ = ["FORMATS", "add_transcription_options", "run_transcription"]

# -f/--format: what is written, and the extension of the files -o writes.
FORMATS = {"txt": "txt", "srt": "srt", "vtt": "vtt", "json": "json"}
TIMED_FORMATS = ("srt", "vtt")  # need segment times: whisper-1 gives them (verbose_json)
TIMED_MODEL = "whisper-1"


@dataclass(frozen=True)
class Job:
    """One input file, as the user named it (``label``) and where it is."""

    label: str
    path: Path


def add_transcription_options(parser: argparse.ArgumentParser, *, task: str) -> None:
    """The options ``transcribe`` and ``translate`` share (``task`` picks the few that differ)."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="FILE_OR_DIR",
        help="audio files, or directories (their audio files are used)",
    )
    default_model = "audiokit.defaults." + (
        "transcription_model" if task == "transcribe" else "translation_model"
    )
    parser.add_argument(
        "-m",
        "--model",
        default=None,
        help=f"model to ask for (default: {default_model}; whisper-1 for srt/vtt)",
    )
    if task == "transcribe":
        parser.add_argument(
            "-l",
            "--language",
            default=None,
            help="language of the audio, e.g. en or German (default: detected)",
        )
    parser.add_argument(
        "--prompt", default=None, help="text to guide spelling and style (default: none)"
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=list(FORMATS),
        default="txt",
        help="what to write: plain text, SubRip or WebVTT subtitles, or the whole result as JSON",
    )
    parser.add_argument(
        "-w",
        "--write",
        action="store_true",
        help="write NAME.<format> beside each input instead of printing",
    )
    parser.add_argument(
        "-o",
        "--output-dir",
        default=None,
        metavar="DIR",
        help="write NAME.<format> files into DIR (created if needed) instead of printing",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress line on stderr (default: only when stderr is a terminal)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no status lines on stderr (errors still are)"
    )


def run_transcription(args: argparse.Namespace, task: str) -> int:
    """Transcribe (or translate) every input; 0 when all succeeded, 1 when any failed."""
    import audiokit

    jobs, missing = _expand(args.inputs)
    failed = missing
    if not jobs:
        return 1
    client = audiokit.Client()
    out_dir = None if args.output_dir is None else Path(args.output_dir)
    printing = out_dir is None and not args.write
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = Progress(bool(show))
    verb = "transcribing" if task == "transcribe" else "translating"
    headers = len(jobs) > 1 and printing
    for index, job in enumerate(jobs, 1):
        try:
            with progress.step(index, len(jobs), job.label, verb):
                transcript = _run_one(client, job, args, task)
            text = render(transcript, args.format)
            if printing:
                if headers:
                    print(f"{'' if index == 1 else chr(10)}==> {job.label} <==", flush=True)
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
                sys.stdout.flush()
                written = None
            else:
                written = _write(job, text, args.format, out_dir)
        except (audiokit.AudiokitError, OSError) as exc:
            progress.clear()
            failed += 1
            print(f"audiokit: {job.label}: {_message(exc)}", file=sys.stderr, flush=True)
            continue
        if not args.quiet:
            print(_status(job, transcript, written), file=sys.stderr, flush=True)
    if failed and len(jobs) + missing > 1:
        print(f"audiokit: {failed} of {len(jobs) + missing} failed", file=sys.stderr)
    return 1 if failed else 0


def render(transcript: Any, fmt: str) -> str:
    """The transcript as ``fmt`` text (txt, srt, vtt, json)."""
    if fmt == "srt":
        return transcript.to_srt()
    if fmt == "vtt":
        return transcript.to_vtt()
    if fmt == "json":
        return transcript.to_json()
    return transcript.text


def _run_one(client: Any, job: Job, args: argparse.Namespace, task: str) -> Any:
    timed = args.format in TIMED_FORMATS
    params: dict[str, Any] = {} if args.prompt is None else {"prompt": args.prompt}
    if task == "transcribe" and args.language is not None:
        params["language"] = args.language
    if timed:
        params["response_format"] = "verbose_json"
    model = args.model or (TIMED_MODEL if timed else None)
    if task == "translate":
        return client.translate(job.path, model=model, **params)
    if timed:
        params["timestamp_granularities"] = ["segment"]
    return client.transcribe(job.path, model=model, **params)


def _expand(inputs: list[str]) -> tuple[list[Job], int]:
    """Files as given, directories as their audio files; a missing one is reported here."""
    from ..batch import expand_sources
    from ..core import AudiokitError

    jobs: list[Job] = []
    failed = 0
    for name in inputs:
        path = Path(name).expanduser()
        if path.is_dir():
            try:
                entries, _ = expand_sources(str(path))
            except AudiokitError as exc:
                failed += 1
                print(f"audiokit: {name}: {_message(exc)}", file=sys.stderr)
                continue
            jobs += [Job(label, Path(label)) for label, _ in entries]
        elif path.is_file():
            jobs.append(Job(name, path))
        else:
            failed += 1
            print(f"audiokit: {name}: no such file or directory", file=sys.stderr)
    return jobs, failed


def _write(job: Job, text: str, fmt: str, out_dir: Path | None) -> Path:
    folder = out_dir if out_dir is not None else job.path.parent
    target = folder / f"{job.path.stem}.{FORMATS[fmt]}"
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return target


def _status(job: Job, transcript: Any, written: Path | None) -> str:
    from ..results import format_duration, transcript_ran

    facts = [transcript_ran(transcript), format_duration(transcript.duration)]
    where = f" → {written}" if written is not None else ""
    return f"{job.label}: {' · '.join(f for f in facts if f)}{where}"


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return " ".join(str(exc).split())
