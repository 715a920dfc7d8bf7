"""Long text to speech: text past 4096 characters cut at sentences, spoken in pieces, joined.

:func:`split_text` packs whole sentences into pieces of at most 4096 characters (one speech
request each); a sentence longer than a piece is cut at clause marks, then between words —
never inside a word. :class:`SpeechJob` is what ``speak`` hands text to: when the text does not
fit one request, its pieces are synthesised (concurrently) and joined into one file, encoded
once (:func:`audiokit.jobs._merge.join_speech`); with ``stream=True`` a :class:`SpeechPieces`
(or :class:`AsyncSpeechPieces`) yields each piece's audio as soon as it is ready.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

from ..core import MAX_SPEECH_INPUT_CHARS, InvalidTypeError, UnsupportedError, ValidationError
from ..results import Speech
from ._merge import join_speech
from ._options import DEFAULT_CONCURRENCY, check_concurrency, check_split

__all__ = ["AsyncSpeechPieces", "SpeechJob", "SpeechPieces", "split_text"]

# -- text -------------------------------------------------------------------------------------

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf"}
    | {"vol", "fig", "approx", "dept", "inc", "ltd", "co", "a.m", "p.m", "u.s"}
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n[ \t]*\n")
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–-]+(?=\s)")


def _sentence_spans(text: str) -> list[str]:
    """``text`` cut after every sentence end (whitespace stays with the sentence before)."""
    pieces, begin = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith("."):
            before = text[max(0, match.start() - 12) : match.start()].split()
            stem = before[-1].lstrip("(\"'“‘[").lower() if before else ""
            if stem in _ABBREVIATIONS or (len(stem) == 1 and stem.isalpha()):
                continue  # "Dr. Smith", "J. Doe": not a sentence end
        end = match.end()
        while end < len(text) and text[end].isspace():
            end += 1
        pieces.append(text[begin:end])
        begin = end
    if begin < len(text):
        pieces.append(text[begin:])
    return pieces


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces, begin = [], 0
    for match in pattern.finditer(text):
        pieces.append(text[begin : match.end()])
        begin = match.end()
    pieces.append(text[begin:])
    return [p for p in pieces if p]


def _pack(parts: list[str], max_chars: int, target: float | None = None) -> list[str]:
    """Join consecutive parts into pieces of at most ``max_chars`` (stripped): greedily, or,
    with a ``target`` length, closing each piece where its length comes nearest the target."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        longer = len((current + part).strip())
        if current and (
            longer > max_chars
            or (target is not None and longer - target > target - len(current.strip()))
        ):
            pieces.append(current.strip())
            current = ""
        current += part
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _fit(part: str, max_chars: int) -> list[str]:
    """``part`` as pieces of at most ``max_chars``: clauses, then words, then (only for a
    single word longer than a piece) plain character runs."""
    if len(part.strip()) <= max_chars:
        return [part]
    out: list[str] = []
    for clause in _cut_after(part, _CLAUSE_END):
        if len(clause.strip()) <= max_chars:
            out.append(clause)
            continue
        for word in re.findall(r"\S+\s*", clause) or [clause]:
            if len(word.strip()) <= max_chars:
                out.append(word)
            else:  # one "word" (a URL, a hash) longer than a whole request: no better cut
                out += [word[i : i + max_chars] for i in range(0, len(word), max_chars)]
    return out


def split_text(text: str, max_chars: int = MAX_SPEECH_INPUT_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``max_chars`` characters for speech requests.

    Whole sentences are packed together, into as few pieces as fit and of about even length; a
    sentence longer than ``max_chars`` is cut at clause marks (``, ; : —``), then between words.
    Words are never cut, unless a single word is itself longer than ``max_chars``.

    Examples
    --------
    >>> split_text("One sentence. Another one! A third?", max_chars=20)
    ['One sentence.', 'Another one!', 'A third?']
    """
    if not isinstance(text, str):
        raise InvalidTypeError("input", text, "a string of text to speak")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise ValidationError("max_chars", max_chars, "a whole number of characters >= 1")
    parts: list[str] = []
    for sentence in _sentence_spans(text):
        parts += _fit(sentence, max_chars)
    pieces = _pack(parts, max_chars)
    if len(pieces) > 1:  # even the pieces out, so they synthesise in about the same time
        balanced = _pack(parts, max_chars, target=len(text.strip()) / len(pieces))
        if len(balanced) == len(pieces):
            return balanced
    return pieces


# -- speech -----------------------------------------------------------------------------------


class SpeechJob:
    """One ``speak`` call whose text may need several requests.

    ``pieces`` is ``None`` when the text fits one request (the client then sends it as
    always); otherwise the sentence-aligned pieces to synthesise.
    """

    PIECE_FORMAT = "wav"  # pieces are fetched lossless, then encoded once in the asked format

    def __init__(
        self,
        text: Any,
        *,
        split: bool | str = "auto",
        response_format: str = "mp3",
        stream_format: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.split = check_split(split)
        self.concurrency = check_concurrency(concurrency)
        self.response_format = response_format
        self.pieces: list[str] | None = None
        if self.split is False or not isinstance(text, str):
            return  # the request itself checks the text
        if len(text) <= MAX_SPEECH_INPUT_CHARS:
            return
        if stream_format == "sse":
            raise UnsupportedError(
                "stream_format",
                stream_format,
                f"'audio' (or no stream_format) for text over {MAX_SPEECH_INPUT_CHARS} characters",
                reason="an SSE stream cannot span the several requests long text needs",
            )
        self.pieces = split_text(text, MAX_SPEECH_INPUT_CHARS)

    def join(self, pieces: list[Speech], params: Mapping[str, Any] | None = None) -> Speech:
        params = dict(params if params is not None else pieces[0].params)
        params["response_format"] = self.response_format
        params["pieces"] = len(pieces)
        return join_speech(pieces, self.response_format, params=params)

    def run_sync(self, send: Callable[[str, str], Speech]) -> Speech:
        """Synthesise the pieces with ``send(text, response_format)`` on a thread pool."""
        assert self.pieces is not None
        with concurrent.futures.ThreadPoolExecutor(self.concurrency, "audiokit-tts") as pool:
            futures = [pool.submit(send, piece, self.PIECE_FORMAT) for piece in self.pieces]
            try:
                results = [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return self.join(results)

    async def run_async(self, send: Callable[[str, str], Awaitable[Speech]]) -> Speech:
        assert self.pieces is not None
        limit = asyncio.Semaphore(self.concurrency)

        async def one(piece: str) -> Speech:
            async with limit:
                return await send(piece, self.PIECE_FORMAT)

        tasks = [asyncio.ensure_future(one(piece)) for piece in self.pieces]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return self.join(list(results))


class SpeechPieces:
    """The audio of long text, one :class:`Speech` per piece, each yielded when it is ready.

    Each piece is a complete file in the requested format (playable on its own).
    :meth:`until_done` joins them into one file.

    Examples
    --------
    >>> for piece in client.speak(long_text, stream=True):        # doctest: +SKIP
    ...     display(piece)
    """

    def __init__(self, job: SpeechJob, send: Callable[[str, str], Speech]) -> None:
        self._job, self._send = job, send
        self.pieces: list[Speech] = []
        self._closed = False

    def __iter__(self) -> Iterator[Speech]:
        assert self._job.pieces is not None
        for text in self._job.pieces[len(self.pieces) :]:
            if self._closed:
                return
            piece = self._send(text, self._job.response_format)
            self.pieces.append(piece)
            yield piece

    def until_done(self) -> Speech:
        """Synthesise whatever is left and return the whole as one file."""
        for _ in self:
            pass
        return self._job.join(self.pieces)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> SpeechPieces:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        total = len(self._job.pieces or ())
        return f"SpeechPieces({len(self.pieces)}/{total} pieces ready)"


class AsyncSpeechPieces:
    """The asyncio twin of :class:`SpeechPieces` (``async for piece in ...``)."""

    def __init__(self, job: SpeechJob, send: Callable[[str, str], Awaitable[Speech]]) -> None:
        self._job, self._send = job, send
        self.pieces: list[Speech] = []
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[Speech]:
        assert self._job.pieces is not None
        for text in self._job.pieces[len(self.pieces) :]:
            if self._closed:
                return
            piece = await self._send(text, self._job.response_format)
            self.pieces.append(piece)
            yield piece

    async def until_done(self) -> Speech:
        async for _ in self:
            pass
        return await asyncio.to_thread(self._job.join, self.pieces)

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> AsyncSpeechPieces:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        total = len(self._job.pieces or ())
        return f"AsyncSpeechPieces({len(self.pieces)}/{total} pieces ready)"
