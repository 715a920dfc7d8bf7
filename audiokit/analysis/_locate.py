"""Finding tokens and words in the text: where each token and word sits, in characters.

The token view (``_alignment``) asks this module where every token of ``Transcript.logprobs``
lies in ``Transcript.text``, and where every word or segment text does (:func:`word_spans`).

Aligning tokens with the text
-----------------------------
Usually the tokens concatenate to the text exactly and offsets are a cumulative sum of token
lengths. When they do not, the tokens' own UTF-8 ``bytes`` are joined and decoded (a character
split across two tokens then lands in both), and the result is related to the text:

1. equal, or equal up to whitespace at either end (``text`` is often stripped): shift and clip;
2. otherwise a greedy search, token by token, near where the previous token was found (a bounded
   window, so the work stays linear); a token that cannot be found gets NaN offsets.

Offsets are character positions in ``Transcript.text``, as floats (NaN: not found). Where the
tokens agree with the text, whole blocks of them are checked with one string
comparison and placed with numpy once the search is done (:class:`_TokenSpans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._text_index import _code_points, _nonspace_of

__all__ = ["align_tokens", "word_spans"]

_SEARCH_WINDOW = 256  # characters past the expected position a token or word is looked for
_DRIFT = 8  # characters a token may be off its expected position without further evidence
_CONTEXT = 16  # characters of agreement that make a distant match believable
_RESYNC_AFTER = 4  # tokens missed in a row before the text is searched beyond the window ...
_RESYNC_CONTEXT = 32  # ... for this many characters of what the stream says next
_FIRST_BLOCK, _MAX_BLOCK = 8, 4096  # tokens compared with the text at once where they agree


def _locate_pieces(text: str, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Find each piece (a word, a segment's text) in ``text``, in order, each after the last.

    Leading and trailing whitespace of a piece is not part of its span. A piece is looked for
    within a window after the previous one; only long pieces (segments) are searched for
    further, since a short word found far away is more likely another occurrence.
    """
    n = len(pieces)
    off = np.full(n, np.nan)
    end = np.full(n, np.nan)
    budget = 4 * len(text) + 1024  # characters that unbounded searches may scan in all
    lo = 0
    for i, piece in enumerate(pieces):
        core = piece.strip()
        if not core:
            continue
        p = text.find(core, lo, lo + len(core) + _SEARCH_WINDOW)
        if p < 0 and len(core) >= _CONTEXT and budget > 0:
            budget -= len(text) - lo
            p = text.find(core, lo)
        if p >= 0:
            off[i], end[i] = p, p + len(core)
            lo = p + len(core)
    return off, end


def _locate_stream(
    text: str, stream: str, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Find each token ``stream[a[i]:b[i]]`` in ``text``, near where it should be.

    The search starts at the token's position in the stream, shifted by how far off the last
    found token was. A match anywhere else counts only if what follows the token in the stream
    follows it in the text too. A token that is not near is
    left out (the text says something else there); after a few such tokens in a row the text
    is searched further for what the stream says next (re-synchronising after a passage only one
    side has), and the tokens skipped meanwhile are looked for again with the new shift. Tokens
    sharing a character in the stream (a split UTF-8 sequence) may share it in the text.
    Returns float arrays, NaN where a token was not found.
    """
    n = len(a)
    off = np.full(n, np.nan)
    end = np.full(n, np.nan)
    size = len(text)
    budget = 4 * size + 1024  # characters that unbounded searches may scan in all
    delta, lo = 0, 0
    # read a few thousand times at most: a memoryview hands out Python ints without a list
    starts = memoryview(np.ascontiguousarray(a, dtype=np.int64))
    stops = memoryview(np.ascontiguousarray(b, dtype=np.int64))
    missed: list[int] = []  # tokens not found since the last one that was

    def parts(i: int) -> tuple[str, str, int, int]:
        piece = stream[starts[i] : stops[i]]
        core = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        return piece, core, lead, starts[i] + lead

    def place(i: int, p: int, piece: str, core: str, lead: int) -> None:
        start = p - lead if lead and text.startswith(piece[:lead], p - lead) else p
        off[i], end[i] = start, p + len(core)

    def agree(i: int, k: int) -> bool:
        """Whether tokens i..i+k-1 stand in the text exactly where the current shift says."""
        first, last = starts[i] + delta, stops[i + k - 1] + delta
        return (
            first >= lo
            and last <= size
            and stream[starts[i] : stops[i + k - 1]] == text[first:last]
        )

    spans = _TokenSpans.of(stream, a, b)
    blocks: list[tuple[int, int, int]] = []  # (first token, tokens, shift): placed at the end

    def take(i: int, k: int) -> int:
        """Place tokens i..i+k-1 as the token-by-token search would (they agree), once the
        loop is done (``spans.place``); returns the new ``lo``."""
        blocks.append((i, k, delta))
        last = int(spans.last_core[i + k - 1])  # the block's last token not whitespace
        return int(spans.lo_after[last]) + delta if last >= i else lo

    i, block = 0, _FIRST_BLOCK
    while i < n:
        if not missed:  # where the text agrees, whole blocks of tokens at once
            k = min(block, n - i)
            while k and not agree(i, k):
                k //= 2
            if k:
                lo = take(i, k)
                i += k
                block = min(2 * block, _MAX_BLOCK)
                continue
            block = _FIRST_BLOCK
        cur = i
        i += 1
        piece, core, lead, at = parts(cur)
        guess = max(lo, at + delta)
        if not core:  # whitespace: located only if the text has it right where expected
            if piece and text.startswith(piece, guess - lead):
                off[cur], end[cur] = guess - lead, guess - lead + len(piece)
            continue
        context = stream[at : at + max(len(core), _CONTEXT)]
        # a match where expected, or elsewhere if what follows agrees
        p = text.find(core, guess, guess + len(core) + _SEARCH_WINDOW)
        if p > guess and not text.startswith(context, p):
            p = -1
        if p < 0:
            p = text.rfind(core, lo, guess + len(core))
            if 0 <= p != guess and not text.startswith(context, p):
                p = -1
        ahead = stream[at : at + _RESYNC_CONTEXT]
        if p < 0 and len(missed) >= _RESYNC_AFTER and len(ahead) >= _CONTEXT and budget > 0:
            budget -= size - lo
            p = text.find(ahead, lo)
        if p < 0:
            missed.append(cur)
            continue
        place(cur, p, piece, core, lead)
        if missed and p + lead - at != delta:  # a new shift: look again for the skipped ones
            cursor = lo
            for j in missed:
                piece_j, core_j, lead_j, at_j = parts(j)
                q = text.find(core_j, max(cursor, at_j + p - at - _DRIFT), p)
                if core_j and q >= 0 and abs(q - (at_j + p - at)) <= _DRIFT:
                    place(j, q, piece_j, core_j, lead_j)
                    cursor = q + len(core_j)
        missed.clear()
        delta = p - at
        lo = p + len(core)
        if cur + 1 < n:
            lo -= max(0, stops[cur] - starts[cur + 1])  # characters shared with the next token
    spans.place(blocks, off, end)
    return off, end


@dataclass
class _TokenSpans:
    """Per token of a stream, what placing it where the text agrees needs (numpy arrays).

    A token's span drops its trailing whitespace (``end`` is its last non-space character
    plus one); a whitespace-only token spans all of itself; an empty token is not placed.
    ``lo_after`` is where the search goes on after a token, less any characters it shares
    with the next one (a split UTF-8 character); ``last_core`` is the last token up to each
    one that is not whitespace (-1: none).
    """

    a: np.ndarray
    b: np.ndarray
    end: np.ndarray
    placed: np.ndarray
    last_core: np.ndarray
    lo_after: np.ndarray

    @classmethod
    def of(cls, stream: str, a: np.ndarray, b: np.ndarray) -> _TokenSpans:
        n = len(a)
        nonspace = _nonspace_of(stream)
        # each token's last non-space character (< a: none); most tokens end in one
        last = b - 1
        todo = last >= a
        todo[todo] = ~nonspace[last[todo]]
        while todo.any():
            last[todo] -= 1
            todo &= last >= a
            todo[todo] = ~nonspace[last[todo]]
        core = last >= a
        end = np.where(core, last + 1, b)
        shared = np.zeros(n, dtype=np.int64)
        if n > 1:
            shared[:-1] = np.maximum(0, b[:-1] - a[1:])
        last_core = np.maximum.accumulate(np.where(core, np.arange(n), -1)) if n else core
        return cls(
            a=a,
            b=b,
            end=end,
            placed=b > a,
            last_core=last_core,
            lo_after=end - shared,
        )

    def place(self, blocks: list[tuple[int, int, int]], off: np.ndarray, end: np.ndarray) -> None:
        """Fill ``off``/``end`` for the blocks of tokens found where the text agrees."""
        # blocks come in order, mostly one after another with the same shift: join those
        runs: list[list[int]] = []
        for first, size, shift in blocks:
            if runs and runs[-1][1] == first and runs[-1][2] == shift:
                runs[-1][1] = first + size
            else:
                runs.append([first, first + size, shift])
        if not runs:
            return
        first, stop, shift = (np.array(col, dtype=np.int64) for col in zip(*runs, strict=True))
        size = stop - first
        index = np.arange(size.sum()) + np.repeat(first - (np.cumsum(size) - size), size)
        shifts = np.repeat(shift, size)
        keep = self.placed[index]
        index, shifts = index[keep], shifts[keep]
        off[index] = self.a[index] + shifts
        end[index] = self.end[index] + shifts


def _relate(stream: str, text: str) -> int | None:
    """Shift from stream to text positions if they differ only by outer whitespace, else None."""
    if stream == text:
        return 0
    if len(stream) >= len(text):
        k = stream.find(text)
        if k >= 0 and not stream[:k].strip() and not stream[k + len(text) :].strip():
            return -k
    else:
        k = text.find(stream)
        if k >= 0 and not text[:k].strip() and not text[k + len(stream) :].strip():
            return k
    return None


def _shift_clip(
    a: np.ndarray, b: np.ndarray, shift: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    off = np.clip(a + shift, 0, size).astype(float)
    end = np.clip(b + shift, 0, size).astype(float)
    lost = (off == end) & (b > a)  # a token made only of whitespace the text does not have
    off[lost] = np.nan
    end[lost] = np.nan
    return off, end


def _byte_stream(
    tokens: list[str], raw: Sequence[Any], joined: str, a: np.ndarray, b: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The token stream decoded from the tokens' bytes: (text, start, end) in its characters.

    A token whose text shows U+FFFD holds part of a character split between tokens. When every
    token has its bytes, they are joined as they are; otherwise only the split tokens need their
    own bytes and every other token's are its UTF-8 encoding, read off ``joined`` at once. A
    token holding part of a character spans that whole character, shared with its neighbour.
    None when no token is split or the bytes are not valid UTF-8.
    """
    if "\ufffd" not in joined:
        return None
    try:
        data = b"".join(raw)  # TypeError unless every token has bytes (bytes objects)
        size = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
        text = data.decode("utf-8")
    except (TypeError, UnicodeDecodeError):
        spliced = _spliced_bytes(raw, joined, a, b)
        if spliced is None:
            return None
        data, size, text = spliced
    bend = np.cumsum(size)
    bstart = bend - size
    u8 = np.frombuffer(data, dtype=np.uint8)
    char_of_byte = np.append(np.cumsum((u8 & 0xC0) != 0x80) - 1, len(text))
    start = char_of_byte[bstart]
    stop = np.where(size > 0, char_of_byte[np.maximum(bend - 1, 0)] + 1, start)
    return text, start, stop


def _spliced_bytes(
    raw: Sequence[Any], joined: str, a: np.ndarray, b: np.ndarray
) -> tuple[bytes, np.ndarray, str] | None:
    """(bytes, bytes per token, text) of the stream with only the split tokens' own bytes
    spliced into ``joined``'s encoding; None when no split token has bytes or they do not
    decode."""
    cp = _code_points(joined)
    hits = np.flatnonzero(cp == 0xFFFD)
    split = np.unique(np.searchsorted(b, hits, side="right"))
    split = split[[raw[i] is not None for i in split.tolist()]]
    if not len(split):
        return None
    # byte spans of every token in joined.encode(), then the split ones replaced by their bytes
    width = 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)
    byte_at = np.concatenate(([0], np.cumsum(width)))
    size = byte_at[b] - byte_at[a]
    own = [bytes(raw[i]) for i in split.tolist()]
    size[split] = [len(x) for x in own]
    encoded = joined.encode("utf-8", "surrogatepass")
    chunks: list[bytes] = []
    cursor = 0
    firsts, lasts = byte_at[a[split]].tolist(), byte_at[b[split]].tolist()  # Python ints
    for first, last, piece in zip(firsts, lasts, own, strict=True):
        chunks += [encoded[cursor:first], piece]
        cursor = last
    chunks.append(encoded[cursor:])
    data = b"".join(chunks)
    try:
        return data, size, data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def align_tokens(
    text: str, tokens: list[str], raw: Sequence[Any] | None = None, *, joined: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Character offsets ``(offset, end_offset)`` of each token in ``text`` (floats, NaN if lost).

    Parameters
    ----------
    text : str
        The transcript text.
    tokens : list of str
        Token strings as the server sent them (may hold U+FFFD for split characters).
    raw : list of byte sequences or None, optional
        Each token's UTF-8 bytes (``TokenLogprob.bytes``), used when the strings do not add up.
    joined : str, optional
        ``"".join(tokens)``, when the caller has it already (``TokenLogprobs.joined()``).

    Examples
    --------
    >>> align_tokens("I see", ["I", " see"])
    (array([0., 1.]), array([1., 5.]))
    """
    n = len(tokens)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
    b = np.cumsum(lengths)
    a = b - lengths
    if joined is None:
        joined = "".join(tokens)
    if joined == text:
        return a.astype(float), b.astype(float)
    shift = _relate(joined, text)
    if shift is not None:
        return _shift_clip(a, b, shift, len(text))
    stream = joined
    if raw is not None and any(x is not None for x in raw):
        decoded = _byte_stream(tokens, raw, joined, a, b)
        if decoded is not None:
            stream, a, b = decoded
            shift = _relate(stream, text)
            if shift is not None:
                return _shift_clip(a, b, shift, len(text))
    return _locate_stream(text, stream, a, b)


def word_spans(text: str, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of each word (or segment text) in ``text``, searched in order; NaN if not found."""
    return _locate_pieces(text, words)
