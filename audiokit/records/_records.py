"""Result records: the typed pieces a transcript is made of.

Segments, words, token log-probabilities and usage, as every response format reports them. They
sit below the wire layer so that request parsing, SSE events, realtime events and results all
build the same records.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Any, overload

__all__ = [
    "Segment",
    "TokenLogprob",
    "TokenLogprobs",
    "TokenWindow",
    "Usage",
    "Word",
    "float_or_none",
    "merge_logprobs",
]


@dataclass(frozen=True)
class TokenLogprob:
    """One token of the transcript with its log probability."""

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenLogprob:
        # On the path of every streamed delta: kept lean (bench_sse.py).
        raw_bytes = data.get("bytes")
        token = data.get("token", "")
        return cls(
            token if type(token) is str else str(token),
            float(data.get("logprob", 0.0)),
            None if raw_bytes is None else tuple(map(int, raw_bytes)),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"token": self.token, "logprob": self.logprob}
        if self.bytes is not None:
            out["bytes"] = list(self.bytes)
        return out


class TokenLogprobs(Sequence[TokenLogprob]):
    """Token log-probabilities kept as parallel columns; a :class:`TokenLogprob` per item asked.

    A response with logprobs holds one entry per token, often 100,000 of them; the token view
    (``Transcript.tokens``) wants them as columns, so they are stored that way and an object is
    made only when an item is read. It behaves as the tuple of TokenLogprob it stands for:
    indexing, slicing, iteration, ``len``, equality with a tuple (or another sequence) of
    TokenLogprob, hashing and pickling.

    The columns: ``tokens``, a list of str; ``logprobs``, an ``array("d")`` of floats; ``bytes``,
    each token's UTF-8 bytes as a ``bytes`` object (read back as the tuple of ints that
    :class:`TokenLogprob` holds), None when the server sent none, or the tuple of ints itself
    for values that are not bytes 0-255. None of them holds an object per token that the cyclic
    garbage collector tracks (str, float and bytes are untracked): 100,000 tokens are three
    containers to it, not 100,000 records to traverse on every full collection.

    Examples
    --------
    >>> lps = TokenLogprobs.from_dicts([{"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}])
    >>> lps[0]
    TokenLogprob(token='Hi', logprob=-0.1, bytes=(72, 105))
    >>> lps.bytes
    [b'Hi']
    """

    __slots__ = ("_joined", "_plain", "bytes", "logprobs", "tokens")

    def __init__(
        self,
        tokens: Iterable[str] = (),
        logprobs: Iterable[float] = (),
        raw: Iterable[Any] | None = None,
    ) -> None:
        tokens = tokens if type(tokens) is list else list(tokens)
        raw = [None] * len(tokens) if raw is None else raw if type(raw) is list else list(raw)
        floats = _floats(logprobs)
        if not len(tokens) == len(floats) == len(raw):
            raise ValueError("tokens, logprobs and bytes must be as long as each other")
        self.tokens = tokens
        self.logprobs = floats
        self.bytes = _stored_bytes(raw)
        self._joined: str | None = None  # "".join(tokens), once asked (or from parsing)
        self._plain = False  # known: every entry of ``bytes`` is a bytes object or None

    @classmethod
    def _stored(
        cls,
        tokens: list[str],
        logprobs: Any,
        raw: list[Any],
        joined: str | None = None,
        plain: bool = False,
    ) -> TokenLogprobs:
        """Columns already in their stored form: no copies, no checks."""
        new = object.__new__(cls)
        new.tokens, new.logprobs, new.bytes = tokens, logprobs, raw
        new._joined, new._plain = joined, plain
        return new

    @classmethod
    def from_dicts(cls, items: Iterable[Any]) -> TokenLogprobs:
        """Columns from the API's ``[{"token", "logprob", "bytes"}, ...]`` (non-mappings skipped).

        Raises TypeError or ValueError on a logprob that is not a number or bytes that are not
        integers, as :meth:`TokenLogprob.from_dict` does. The usual body, a list of dicts that
        all have the three keys, is read a column at a time at C speed, and each check is a
        pass that builds the column anyway (a join, an ``array("d")``, a ``bytes()`` per token).
        """
        items = items if type(items) is list else list(items)
        tokens, logprobs, raw = _fast_columns(items) or _slow_columns(items)
        try:
            joined = "".join(tokens)  # TypeError unless every token is a str
        except TypeError:
            tokens = [t if type(t) is str else str(t) for t in tokens]
            joined = "".join(tokens)
        try:
            floats = array("d", logprobs)  # TypeError unless every logprob is a number
        except TypeError:
            floats = array("d", [float(x) for x in logprobs])  # "-1" too, as float() reads it
        column, plain = _byte_column(raw)
        return cls._stored(tokens, floats, column, joined, plain)

    @classmethod
    def of(cls, items: Iterable[TokenLogprob]) -> TokenLogprobs:
        """Columns of existing records (returns ``items`` itself when it already is columns)."""
        if isinstance(items, TokenLogprobs):
            return items
        if isinstance(items, TokenWindow):
            return items.columns()
        records = list(items)
        return cls(
            [r.token for r in records], [r.logprob for r in records], [r.bytes for r in records]
        )

    def append_dicts(self, items: Iterable[Any]) -> TokenWindow:
        """Append the API's token dicts, each read as :meth:`TokenLogprob.from_dict` reads one
        (non-mappings skipped), and return the window of the new tokens.

        A stream assembles its transcript's tokens this way, a few per event: nothing per token
        outlives the event but a str, a float and a bytes object, which the garbage collector
        does not track. On an error nothing of ``items`` is kept.
        """
        tokens, logprobs, raw = self.tokens, self.logprobs, self.bytes
        start = len(tokens)
        self._joined, self._plain = None, False
        try:
            for item in items:
                if type(item) is not dict and not isinstance(item, Mapping):
                    continue
                token = item.get("token", "")
                logprob = item.get("logprob", 0.0)
                data = item.get("bytes")
                if type(logprob) is not float:
                    logprob = float(logprob)
                if type(data) is list:  # the API's: bytes() checks the values as it copies
                    try:
                        data = bytes(data)
                    except (TypeError, ValueError):
                        data = _bytes_of(data)
                elif data is not None:
                    data = _bytes_of(data)
                tokens.append(token if type(token) is str else str(token))
                logprobs.append(logprob)
                raw.append(data)
        except BaseException:
            del tokens[start:], logprobs[start:], raw[start:]
            raise
        window = _new(TokenWindow)  # on the path of every streamed delta: no __init__ call
        window._columns, window._start, window._stop = self, start, len(tokens)
        return window

    def joined(self) -> str:
        """The tokens' text, joined (as parsing joined it to check the tokens are strings)."""
        if self._joined is None:
            self._joined = "".join(self.tokens)
        return self._joined

    def byte_objects(self) -> list[bytes | None]:
        """The ``bytes`` column with every entry a bytes object or None (the token view's).

        Raises ValueError, as ``bytes()`` does, for a server's values that are not bytes 0-255.
        """
        raw = self.bytes
        if not self._plain:
            if not set(map(type, raw)) <= {bytes, type(None)}:
                return [r if r is None or type(r) is bytes else bytes(r) for r in raw]
            self._plain = True
        return raw

    def __len__(self) -> int:
        return len(self.tokens)

    @overload
    def __getitem__(self, index: int) -> TokenLogprob: ...
    @overload
    def __getitem__(self, index: slice) -> TokenLogprobs: ...
    def __getitem__(self, index: int | slice) -> TokenLogprob | TokenLogprobs:
        if isinstance(index, slice):
            return TokenLogprobs._stored(
                self.tokens[index], self.logprobs[index], self.bytes[index], plain=self._plain
            )
        raw = self.bytes[index]
        return TokenLogprob(
            self.tokens[index], self.logprobs[index], tuple(raw) if type(raw) is bytes else raw
        )

    def __iter__(self) -> Iterator[TokenLogprob]:
        return map(TokenLogprob, self.tokens, self.logprobs, map(_record_bytes, self.bytes))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenWindow):
            other = other.columns()
        if isinstance(other, TokenLogprobs):
            return (
                self.tokens == other.tokens
                and _same_floats(self.logprobs, other.logprobs)
                and self.bytes == other.bytes
            )
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(map(TokenLogprob.__eq__, self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Iterable[TokenLogprob]) -> TokenLogprobs:
        more = TokenLogprobs.of(other)
        same = type(self.logprobs) is type(more.logprobs)
        floats = self.logprobs + more.logprobs if same else [*self.logprobs, *more.logprobs]
        return TokenLogprobs._stored(
            self.tokens + more.tokens, _floats(floats), self.bytes + more.bytes
        )

    def __radd__(self, other: Iterable[TokenLogprob]) -> TokenLogprobs:
        return TokenLogprobs.of(other) + self

    def __reduce__(self) -> tuple[Any, ...]:
        return (TokenLogprobs, (self.tokens, self.logprobs, self.bytes))

    def __repr__(self) -> str:
        shown = ", ".join(repr(lp) for lp in self[:3])
        more = f", ... ({len(self)} tokens)" if len(self) > 3 else ""
        return f"TokenLogprobs([{shown}{more}])"

    def to_dicts(self) -> list[dict[str, Any]]:
        """The API's list of ``{"token", "logprob", "bytes"}`` (the inverse of from_dicts)."""
        return [
            {"token": t, "logprob": lp}
            if raw is None
            else {"token": t, "logprob": lp, "bytes": list(raw)}
            for t, lp, raw in zip(self.tokens, self.logprobs, self.bytes, strict=True)
        ]


class TokenWindow(Sequence[TokenLogprob]):
    """Tokens ``start:stop`` of a :class:`TokenLogprobs`, read as the tuple of TokenLogprob they
    stand for: a streamed event's logprobs.

    A stream's deltas each carry a few tokens that the assembled transcript keeps too; the
    window shows the event's share of the transcript's columns without copying it. It compares,
    hashes, prints and pickles as that tuple (pickled, it is the tuple).

    Examples
    --------
    >>> lps = TokenLogprobs()
    >>> lps.append_dicts([{"token": "Hi", "logprob": -0.5, "bytes": [72, 105]}])
    (TokenLogprob(token='Hi', logprob=-0.5, bytes=(72, 105)),)
    """

    __slots__ = ("_columns", "_start", "_stop")

    def __init__(self, columns: TokenLogprobs, start: int = 0, stop: int | None = None) -> None:
        self._columns = columns
        self._start, self._stop, _ = slice(start, stop).indices(len(columns))

    def columns(self) -> TokenLogprobs:
        """The window's tokens as columns of their own (a copy)."""
        return self._columns[self._start : self._stop]

    def __len__(self) -> int:
        return max(0, self._stop - self._start)

    @overload
    def __getitem__(self, index: int) -> TokenLogprob: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TokenLogprob, ...]: ...
    def __getitem__(self, index: int | slice) -> TokenLogprob | tuple[TokenLogprob, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        size = len(self)
        if not -size <= index < size:
            raise IndexError("tuple index out of range")
        return self._columns[self._start + index % size]

    def __iter__(self) -> Iterator[TokenLogprob]:
        return iter(self.columns())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (TokenWindow, TokenLogprobs)):
            return self.columns() == other
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: tuple[TokenLogprob, ...]) -> tuple[TokenLogprob, ...]:
        return tuple(self) + tuple(other)

    def __radd__(self, other: tuple[TokenLogprob, ...]) -> tuple[TokenLogprob, ...]:
        return tuple(other) + tuple(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))

    def __repr__(self) -> str:
        return repr(tuple(self))


_new = object.__new__
_COLUMNS = itemgetter("token"), itemgetter("logprob"), itemgetter("bytes")


def _fast_columns(items: list[Any]) -> tuple[list[Any], list[Any], list[Any]] | None:
    """The three columns when every item (a dict, from JSON) holds the three keys; else None."""
    try:
        return tuple(list(map(get, items)) for get in _COLUMNS)  # type: ignore[return-value]
    except (KeyError, TypeError):  # a key missing, or an item that is not a mapping
        pass
    return None


def _slow_columns(items: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    kept = [item for item in items if isinstance(item, Mapping)]
    return (
        [item.get("token", "") for item in kept],
        [item.get("logprob", 0.0) for item in kept],
        [item.get("bytes") for item in kept],
    )


def _floats(values: Iterable[Any]) -> Any:
    """``values`` as an ``array("d")``; a list when some value is not a number (kept as given)."""
    if type(values) is array and values.typecode == "d":
        return values
    values = values if isinstance(values, (list, tuple, array)) else list(values)
    try:
        return array("d", values)
    except (TypeError, OverflowError):
        return list(values)


def _same_floats(a: Any, b: Any) -> bool:
    return a == b if type(a) is type(b) else list(a) == list(b)


def _byte_column(raw: list[Any]) -> tuple[list[Any], bool]:
    """The API's byte lists (or None) as stored: ``bytes`` objects, converted at C speed; and
    whether every entry is one.

    ``bytes(list)`` checks that every value is an int 0-255 while it builds the object;
    anything else is read entry by entry as ``tuple(map(int, raw))`` reads it, raising as
    ``int()`` does.
    """
    if set(map(type, raw)) == {list}:  # not bytes(n) of a number, which makes n zero bytes
        try:
            return list(map(bytes, raw)), True
        except (TypeError, ValueError):
            pass
    return [None if r is None else _bytes_of(r) for r in raw], False


def _bytes_of(raw: Any) -> bytes | tuple[int, ...]:
    """One token's bytes from the API's list of ints: a bytes object, or the ints themselves
    when they are not bytes 0-255 (a server's odd values are kept, as TokenLogprob keeps them)."""
    if type(raw) is list:
        try:
            return bytes(raw)
        except (TypeError, ValueError):
            pass
    values = tuple(map(int, raw))  # TypeError / ValueError as TokenLogprob.from_dict raises
    try:
        return bytes(values)
    except ValueError:
        return values


def _stored_bytes(raw: list[Any]) -> list[Any]:
    """Records' byte tuples (or bytes, or None) as stored: tuples of bytes 0-255 become bytes."""
    if set(map(type, raw)) <= {bytes, type(None)}:
        return raw
    return [_stored_one(r) for r in raw]


def _stored_one(raw: Any) -> Any:
    if type(raw) is tuple:
        try:
            return bytes(raw)
        except (TypeError, ValueError):
            pass
    return raw


def _record_bytes(raw: Any) -> Any:
    """A stored entry of the bytes column as TokenLogprob holds it: a tuple of ints (or None)."""
    return tuple(raw) if type(raw) is bytes else raw


@dataclass(frozen=True)
class Word:
    """A word with its time span (seconds) and, for diarized output, its speaker."""

    word: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    probability: float | None = None  # reported by some servers (e.g. the local engine)


@dataclass(frozen=True)
class Segment:
    """A stretch of the transcript: a whisper segment, a subtitle cue or a diarized turn."""

    id: int | str
    start: float | None
    end: float | None
    text: str
    speaker: str | None = None
    seek: int | None = None
    tokens: tuple[int, ...] = ()
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> Segment:
        return cls(
            id=data.get("id", index),
            start=float_or_none(data.get("start")),
            end=float_or_none(data.get("end")),
            text=str(data.get("text", "")),
            speaker=data.get("speaker"),
            seek=data.get("seek"),
            tokens=tuple(data.get("tokens") or ()),
            temperature=float_or_none(data.get("temperature")),
            avg_logprob=float_or_none(data.get("avg_logprob")),
            compression_ratio=float_or_none(data.get("compression_ratio")),
            no_speech_prob=float_or_none(data.get("no_speech_prob")),
        )


@dataclass(frozen=True)
class Usage:
    """What the request was billed for: tokens (gpt-4o models) or seconds (whisper-1)."""

    type: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_text_tokens: int | None = None
    input_audio_tokens: int | None = None
    seconds: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Usage | None:
        if not data:
            return None
        details = data.get("input_token_details") or {}
        return cls(
            type=data.get("type"),
            input_tokens=data.get("input_tokens"),
            output_tokens=data.get("output_tokens"),
            total_tokens=data.get("total_tokens"),
            input_text_tokens=details.get("text_tokens"),
            input_audio_tokens=details.get("audio_tokens"),
            seconds=data.get("seconds"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.type == "duration" or self.seconds is not None:
            out["seconds"] = self.seconds
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.input_text_tokens is not None or self.input_audio_tokens is not None:
            out["input_token_details"] = {
                k: v
                for k, v in (
                    ("text_tokens", self.input_text_tokens),
                    ("audio_tokens", self.input_audio_tokens),
                )
                if v is not None
            }
        return {k: v for k, v in out.items() if v is not None}

    def __add__(self, other: Usage | None) -> Usage:
        """Sum two usages (used when chunks of long audio are merged)."""
        if other is None:
            return self

        def plus(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a + b

        return Usage(
            type=self.type if self.type == other.type else self.type or other.type,
            **{
                f.name: plus(getattr(self, f.name), getattr(other, f.name))
                for f in fields(self)
                if f.name != "type"
            },
        )

    __radd__ = __add__


def float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def merge_logprobs(chunks: Iterable[Iterable[TokenLogprob]]) -> tuple[TokenLogprob, ...]:
    """Concatenate token log-probabilities from several deltas or chunks."""
    return tuple(lp for chunk in chunks for lp in chunk)
