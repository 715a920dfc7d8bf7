"""What a magic's arguments refer to: audio named by a path, a glob or a notebook variable, and
``{name}`` placeholders in ``%%speak`` text.

A magic hands over the user's namespace (``shell.user_ns``) and the raw argument; what comes
back is what the library takes (a path, a list of paths, the variable's value). Anything that
does not resolve is a one-line ``UsageError`` naming the magic (``what``) and the argument.
"""

from __future__ import annotations

import glob
import os
import string
from collections.abc import Mapping
from typing import Any

from IPython.core.error import UsageError

__all__ = [
    "check_player",
    "is_single",
    "resolve_source",
    "resolve_sources",
    "resolve_speakers",
    "substitute",
]


def resolve_source(ns: Mapping[str, Any], source: str, what: str) -> Any:
    """A variable of the user's namespace (``name`` or ``name.attr``), else a path."""
    head, *attrs = source.split(".")
    if source.isidentifier() and source in ns:
        return ns[source]
    if os.path.exists(os.path.expanduser(source)):
        return source
    if head.isidentifier() and head in ns and all(a.isidentifier() for a in attrs):
        value = ns[head]
        try:
            for attr in attrs:
                value = getattr(value, attr)
        except AttributeError as exc:
            raise UsageError(f"{what}: {source}: {exc}") from None
        return value
    raise UsageError(
        f"{what}: {source!r} is neither a variable of the notebook nor an existing file"
    )


def resolve_sources(
    ns: Mapping[str, Any], source: str | None, what: str, rate: int | None
) -> list[Any]:
    """The files a glob matches (sorted), or the one source :func:`resolve_source` finds."""
    if not source:
        raise UsageError(f"{what}: give a SOURCE: a path, a glob or a variable ({what}?)")
    if _is_glob(source) and not os.path.exists(source):
        paths = sorted(glob.glob(os.path.expanduser(source)))
        if not paths:
            raise UsageError(f"{what}: no files match {source!r}")
        return paths
    value = resolve_source(ns, source, what)
    if rate is None and type(value).__module__ == "numpy":
        raise UsageError(
            f"{what}: {source} is a numpy array: give its sample rate with --rate HZ, "
            "or pass an (array, rate) tuple"
        )
    return [value]


def resolve_speakers(ns: Mapping[str, Any], items: list[str]) -> tuple[list[str], list[Any]]:
    """``--speaker NAME=SAMPLE`` options → the speakers' names and their samples."""
    names, samples = [], []
    for item in items:
        name, eq, sample = item.partition("=")
        if not eq or not name or not sample:
            raise UsageError(
                f"%transcribe --speaker: {item!r} should be NAME=SAMPLE "
                "(a 2-10 s sample: path or variable)"
            )
        names.append(name)
        samples.append(resolve_source(ns, sample, "%transcribe --speaker"))
    return names, samples


def substitute(ns: Mapping[str, Any], text: str) -> str:
    """``{name}`` → the notebook's variable; a missing one is a one-line error."""
    try:
        return string.Formatter().vformat(text, (), ns)
    except KeyError as exc:
        name = exc.args[0]
        raise UsageError(
            f"%%speak: {{{name}}} is not a variable of the notebook; define it first, "
            f"or write {{{{{name}}}}} for literal braces"
        ) from None
    except (AttributeError, IndexError, ValueError) as exc:
        raise UsageError(f"%%speak: cannot fill in the text: {exc}") from None


def _is_glob(source: str) -> bool:
    return any(c in source for c in "*?[")


def is_single(source: str | None) -> bool:
    """Whether SOURCE names one input (not a glob that matches files)."""
    return not (source and _is_glob(source) and not os.path.exists(source))


# Why each option cannot go with --player, which shows one finished transcript under its audio.
_NOT_WITH_PLAYER = {
    "stream": "a stream shows the text as it is produced, and the player needs the finished "
    "transcript with its times; drop --stream (or --player)",
    "live": "live captions follow the microphone (or a live session) as it goes, and the player "
    "needs one finished transcript of one recording; use one or the other",
    "widget": "--widget shows the transcriber widget instead; use one or the other",
}


def check_player(source: str | None, **options: bool) -> None:
    """``UsageError`` unless ``%transcribe --player`` has one SOURCE and none of ``options``."""
    for name, given in options.items():
        if given:
            why = _NOT_WITH_PLAYER[name]
            raise UsageError(f"%transcribe --player cannot be combined with --{name}: {why}")
    if not source:
        raise UsageError("%transcribe --player: give a SOURCE: the recording to play")
    if not is_single(source):
        raise UsageError(
            f"%transcribe --player: {source!r} is a glob, a batch of files, and the player shows "
            "one recording at a time: give one file (or open batch results one by one with "
            "t.player(path))"
        )
