"""Token and word alignment: where each token and word sits in the text, and what it belongs to.

The API gives token log-probabilities as a flat list (``Transcript.logprobs``) next to the text;
word timestamps (``word_list``) and segments (``segment_list``) come separately, if at all. This
module ties them together with numpy, so that ``Transcript.tokens`` and ``Transcript.words`` can
say which characters a token covers, which word and segment it belongs to and when it was said
(``_confidence`` then aggregates the tokens' probabilities per word).

Aligning tokens with the text
-----------------------------
``_locate`` finds each token in the text (see there how). Offsets are character positions in
``Transcript.text``; ``text[offset:end_offset]`` is the token (its leading space included when
the text has it). A token belongs to the word in which its first non-space character lies
(``word_index``); whitespace-only tokens belong to no word.

Words
-----
With word timestamps (``word_list``) those words are used and located in the text; punctuation
glued to a word (``"white,"``) counts as part of it. Without them, words are the text's
whitespace-separated runs (``_text_index``), each CJK ideograph or kana being a word of its own.

Times
-----
``start``/``end`` come from word timestamps when the transcript has them, else from the enclosing
segment; ``time_source`` says which (``"word"``, ``"segment"`` or missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import TokenLogprobs
from ._locate import align_tokens, word_spans
from ._text_index import _object_array, _TextIndex

if TYPE_CHECKING:
    from ..results import Transcript

__all__ = ["TIME_SOURCES", "TokenColumns", "align_tokens", "token_columns", "word_spans"]

# Where a row's start/end come from, as small integer codes (a pandas Categorical in the views).
TIME_SOURCES = ("word", "segment")
_NO_TIME, _WORD_TIME, _SEGMENT_TIME = -1, 0, 1

_get_token = attrgetter("token")
_get_logprob = attrgetter("logprob")
_get_bytes = attrgetter("bytes")


# -- columns ----------------------------------------------------------------------------------


@dataclass
class TokenColumns:
    """The token view's columns as numpy arrays (``_tables.tokens_frame`` wraps them)."""

    token: np.ndarray
    logprob: np.ndarray
    prob: np.ndarray
    bytes: np.ndarray  # bytes objects, None where the server sent none
    offset: np.ndarray
    end_offset: np.ndarray
    word_index: np.ndarray  # int64, -1 = no word
    words: np.ndarray  # the text of every word (index with word_index for a token's word)
    segment: np.ndarray  # int64, -1 = no segment
    start: np.ndarray
    end: np.ndarray
    time_source: np.ndarray  # int8 codes into TIME_SOURCES, -1 = unknown


@dataclass
class _Structure:
    """Words and segments of a transcript located in its text (shared by both views)."""

    index: _TextIndex
    words_are_runs: bool  # words derived from the text: word i is run i of the index
    word: np.ndarray  # word strings
    w_off: np.ndarray  # float offsets, NaN = not found
    w_end: np.ndarray
    w_ext_start: np.ndarray  # extended to glued punctuation, for assigning tokens
    w_ext_end: np.ndarray
    w_start: np.ndarray  # times (word timestamps, else the segment's), NaN if unknown
    w_stop: np.ndarray
    w_time_source: np.ndarray
    w_speaker: np.ndarray
    w_probability: np.ndarray
    w_segment: np.ndarray
    s_off: np.ndarray
    s_end: np.ndarray
    s_start: np.ndarray
    s_stop: np.ndarray
    s_speaker: np.ndarray


def _structure(t: Transcript) -> _Structure:
    text = t.text
    index = _TextIndex.of(text)
    segs = t.segment_list
    if segs:
        s_off, s_end = word_spans(text, [s.text for s in segs])
        s_start = np.array([np.nan if s.start is None else s.start for s in segs], dtype=float)
        s_stop = np.array([np.nan if s.end is None else s.end for s in segs], dtype=float)
        s_speaker = _object_array([s.speaker for s in segs])
    else:
        s_off = s_end = s_start = s_stop = np.empty(0)
        s_speaker = np.empty(0, dtype=object)

    if t.word_list:
        wl = t.word_list
        word = _object_array([w.word.strip() for w in wl])
        w_off, w_end = word_spans(text, [w.word for w in wl])
        w_start = np.array([np.nan if w.start is None else w.start for w in wl], dtype=float)
        w_stop = np.array([np.nan if w.end is None else w.end for w in wl], dtype=float)
        w_speaker = _object_array([w.speaker for w in wl])
        w_probability = np.array(
            [np.nan if w.probability is None else w.probability for w in wl], dtype=float
        )
        w_ext_start, w_ext_end = _glued_extent(index, w_off, w_end)
        timed = ~np.isnan(w_start)
    else:
        word = index.run_words()
        w_off = index.run_start.astype(float)
        w_end = index.run_end.astype(float)
        w_ext_start, w_ext_end = index.run_start, index.run_end
        n = len(word)
        w_start = np.full(n, np.nan)
        w_stop = np.full(n, np.nan)
        w_speaker = np.full(n, None, dtype=object)
        w_probability = np.full(n, np.nan)
        timed = np.zeros(n, dtype=bool)

    w_segment = _segment_of(
        index, w_off, w_end, s_off, s_end, pos=None if t.word_list else index.run_start
    )
    if len(segs) and t.word_list:  # words not found in the text: place them by time
        lost = (w_segment < 0) & timed
        if lost.any():
            w_segment[lost] = _segment_at_time(w_start[lost], s_start, s_stop)
    time_source = np.full(len(word), _NO_TIME, dtype=np.int8)
    time_source[timed] = _WORD_TIME
    has_seg = w_segment >= 0
    if has_seg.any():
        from_seg = has_seg & ~timed & ~np.isnan(s_start[np.maximum(w_segment, 0)])
        w_start = np.where(from_seg, s_start[np.maximum(w_segment, 0)], w_start)
        w_stop = np.where(from_seg, s_stop[np.maximum(w_segment, 0)], w_stop)
        time_source[from_seg] = _SEGMENT_TIME
        if any(x is not None for x in s_speaker.tolist()):  # diarized: words take their turn's
            no_speaker = has_seg & np.equal(w_speaker, None)
            w_speaker[no_speaker] = s_speaker[w_segment[no_speaker]]
    return _Structure(
        index=index,
        words_are_runs=not t.word_list,
        word=word,
        w_off=w_off,
        w_end=w_end,
        w_ext_start=w_ext_start,
        w_ext_end=w_ext_end,
        w_start=w_start,
        w_stop=w_stop,
        w_time_source=time_source,
        w_speaker=w_speaker,
        w_probability=w_probability,
        w_segment=w_segment,
        s_off=s_off,
        s_end=s_end,
        s_start=s_start,
        s_stop=s_stop,
        s_speaker=s_speaker,
    )


def _glued_extent(
    index: _TextIndex, off: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stretch located words over punctuation glued to them (``"white,"``, ``"¿Qué"``)."""
    located = ~np.isnan(off)
    ext_start = np.full(len(off), -1, dtype=np.int64)
    ext_end = np.full(len(off), -1, dtype=np.int64)
    if not located.any():
        return ext_start, ext_end
    o = off[located].astype(np.int64)
    e = end[located].astype(np.int64)
    first_run = index.run_at(o)
    last_run = index.run_at(np.maximum(e - 1, o))
    s = np.where(first_run >= 0, index.run_start[np.maximum(first_run, 0)], o)
    f = np.where(last_run >= 0, index.run_end[np.maximum(last_run, 0)], e)
    # two words in one run ("well-known" as "well", "known") must not overlap
    s[1:] = np.maximum(s[1:], e[:-1])
    f[:-1] = np.minimum(f[:-1], o[1:])
    ext_start[located] = s
    ext_end[located] = f
    return ext_start, ext_end


def _segment_of(
    index: _TextIndex,
    off: np.ndarray,
    end: np.ndarray,
    s_off: np.ndarray,
    s_end: np.ndarray,
    pos: np.ndarray | None = None,
) -> np.ndarray:
    """Segment index of each span (by its first non-space character ``pos``), -1 if none."""
    out = np.full(len(off), -1, dtype=np.int64)
    located = ~np.isnan(s_off)
    if not located.any() or not len(off):
        return out
    seg_ids = np.flatnonzero(located)
    starts = s_off[located]
    ends = s_end[located]
    order = np.argsort(starts, kind="stable")
    seg_ids, starts, ends = seg_ids[order], starts[order], ends[order]
    if pos is None:
        pos, _ = index.first_nonspace(off, end)
    k = np.searchsorted(starts, pos, side="right") - 1
    ok = (pos >= 0) & (k >= 0)
    ok[ok] &= pos[ok] < ends[k[ok]]
    out[ok] = seg_ids[k[ok]]
    return out


def _segment_at_time(times: np.ndarray, s_start: np.ndarray, s_stop: np.ndarray) -> np.ndarray:
    out = np.full(len(times), -1, dtype=np.int64)
    timed = ~np.isnan(s_start)
    if not timed.any():
        return out
    ids = np.flatnonzero(timed)
    k = np.searchsorted(s_start[timed], times, side="right") - 1
    ok = (k >= 0) & ~np.isnan(times)
    ok[ok] &= times[ok] <= s_stop[timed][k[ok]]
    out[ok] = ids[k[ok]]
    return out


def _token_words(st: _Structure, pos: np.ndarray) -> np.ndarray:
    """Word index of each token from its first non-space position (-1 = none)."""
    located = st.w_ext_start >= 0
    out = np.full(len(pos), -1, dtype=np.int64)
    if not located.any():
        return out
    ids = np.flatnonzero(located)
    starts = st.w_ext_start[located]
    ends = st.w_ext_end[located]
    k = np.searchsorted(starts, pos, side="right") - 1
    ok = (pos >= 0) & (k >= 0)
    ok[ok] &= pos[ok] < ends[k[ok]]
    out[ok] = ids[k[ok]]
    return out


def _token_fields(lps: Sequence[Any]) -> tuple[list[str], np.ndarray, np.ndarray, str | None]:
    """(token strings, logprob floats, bytes objects or None, the tokens joined if known) of the
    transcript's logprobs.

    A parsed response's logprobs are already columns (``TokenLogprobs``) that hold ``bytes``
    objects and the joined text: read as they are, no record object is made.
    """
    if isinstance(lps, TokenLogprobs):
        return (
            lps.tokens,
            np.array(lps.logprobs, dtype=float),
            _object_array(lps.byte_objects()),
            lps.joined(),
        )
    n = len(lps)
    return (
        list(map(_get_token, lps)),
        np.fromiter(map(_get_logprob, lps), dtype=float, count=n),
        np.fromiter(map(_as_bytes, map(_get_bytes, lps)), dtype=object, count=n),
        None,
    )


def _as_bytes(raw: Any) -> bytes | None:
    return None if raw is None or type(raw) is bytes else bytes(raw)


def _tokens(t: Transcript, st: _Structure) -> TokenColumns:
    tokens, logprob, raw, joined = _token_fields(t.logprobs)
    offset, end_offset = align_tokens(t.text, tokens, raw, joined=joined)
    pos, run = st.index.first_nonspace(offset, end_offset)
    word_index = run if st.words_are_runs else _token_words(st, pos)
    # the word's facts, by a take with a sentinel at -1 (no word)
    segment = np.append(st.w_segment, -1)[word_index]
    start = np.append(st.w_start, np.nan)[word_index]
    stop = np.append(st.w_stop, np.nan)[word_index]
    time_source = np.append(st.w_time_source, _NO_TIME)[word_index]
    no_word = (word_index < 0) & (pos >= 0)  # text outside any word: still in a segment?
    if no_word.any() and len(st.s_off):
        segment[no_word] = _segment_of(
            st.index, offset[no_word], end_offset[no_word], st.s_off, st.s_end
        )
    by_seg = (segment >= 0) & np.isnan(start)
    if by_seg.any():
        si = segment[by_seg]
        start[by_seg] = st.s_start[si]
        stop[by_seg] = st.s_stop[si]
        time_source[by_seg] = np.where(np.isnan(st.s_start[si]), _NO_TIME, _SEGMENT_TIME)
    return TokenColumns(
        token=_object_array(tokens),  # pandas makes str arrays from ndarrays much faster
        logprob=logprob,
        prob=np.exp(logprob),
        bytes=raw,
        offset=offset,
        end_offset=end_offset,
        word_index=word_index,
        words=st.word,
        segment=segment,
        start=start,
        end=stop,
        time_source=time_source,
    )


def token_columns(t: Transcript) -> TokenColumns:
    """The columns of ``Transcript.tokens``."""
    return _tokens(t, _structure(t))
