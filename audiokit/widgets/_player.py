"""The transcript player: the recording with its transcript under it, to review and fix.

``t.player(audio)`` (the ``"player"`` view of ``results/_views.py``), ``widgets.player(t, audio)``
and ``%transcribe … --player`` give a :class:`PlayerWidget`. What crosses to the front end
(``static/player.js``):

- ``units``: the words as columns (``word_columns`` of ``analysis``), each with its text, the
  text before it, start/end seconds, whether those times are approximate, confidence, speaker.
  Times come from the words (verbose_json, the offline engine), else from their segment
  (srt/vtt/diarized/live; ``timing="segment"``: the highlight follows segments); words with no
  time at all (json with logprobs) are placed in proportion to their position in the text
  between the known times, the start and the audio's end, and marked approximate.
  Confidence is the analysis layer's: the least sure token (``logprobs``) of each word, else
  the word's own probability, which the offline engine's transcripts carry in-process (the
  API's verbose_json words have none, so over HTTP a timed transcript has no colours).
- ``doubtful``: the ``low_confidence`` spans, least sure first, for the "next doubtful" button;
  ``bands`` and ``speaker_colors`` are the notebook display's own scales (``notebook``).
- the audio, never as one message: the front end asks for it piece by piece (custom messages
  with binary buffers, ``CHUNK_BYTES`` each, a few in flight). Uncompressed recordings past
  ``COMPRESS_ABOVE_BYTES`` are first compressed on a thread, in bounded memory, to 16 kbit/s
  WebM Opus (``audio.encode_webm_opus``: an hour is about 8 MB, 16 pieces); without PyAV, to
  Ogg Opus by libsndfile (decoded whole, and about four times slower). The front end streams
  WebM Opus through Media Source Extensions, so playing starts with the first piece, and keeps
  every piece to swap in the whole file as a Blob once all have arrived (seeking anywhere,
  whatever the browser's MSE buffer quota); other types play from the Blob when complete.
- edits come back as custom messages; each is a :class:`~audiokit.correction.Change` of the
  original text, applied with ``correction.apply_changes``: ``w.transcript`` is the reviewed
  transcript (``w.transcript.save("fixed.srt")``), ``w.change_list`` what was changed.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from ..analysis import check_threshold, word_columns
from ..audio import AudioInput, decode, encode, encode_webm_opus, iter_blocks, probe, to_audio_file
from ..correction import Change, Correction, apply_changes
from ..notebook import BANDS, SPEAKER_COLORS, highlight_html
from ..results import provides
from ._base import STATIC, one_line

if TYPE_CHECKING:
    from ..results import Transcript

__all__ = ["CHUNK_BYTES", "COMPRESS_ABOVE_BYTES", "PlayerWidget", "player"]

CHUNK_BYTES = 512 * 1024  # one custom message of audio: far below any websocket limit
# Uncompressed audio past this (a quarter of an hour of 16 kHz wav) is sent compressed.
COMPRESS_ABOVE_BYTES = 24 * 1024 * 1024
_COMPRESS_RATE_HZ = 16_000  # wideband: all of speech that matters for reviewing a transcript
_COMPRESS_BITS_PER_S = 16_000
_BLOCK_S = 60.0  # seconds decoded at a time while compressing
_UNCOMPRESSED = {"wav", "flac", "pcm"}
_WEBM_OPUS = 'audio/webm; codecs="opus"'  # the type Media Source Extensions stream


def _timed_units(t: Transcript, duration: float | None) -> tuple[dict[str, list[Any]], str]:
    """The words as columns for the front end, and the timing they carry."""
    cols = word_columns(t)
    text = t.text
    found = ~np.isnan(cols.offset)
    idx = np.flatnonzero(found)
    idx = idx[np.argsort(cols.offset[idx], kind="stable")]
    off = cols.offset[idx].astype(int)
    end = cols.end_offset[idx].astype(int)
    start_s, end_s = cols.start[idx].astype(float), cols.end[idx].astype(float)
    source = cols.time_source[idx]
    known = ~np.isnan(start_s) & ~np.isnan(end_s)
    approx = ~known
    if approx.any():  # place untimed words by their position between the known times
        limit = float(duration) if duration else float(np.nanmax(end_s, initial=0.0)) or 0.0
        xs = np.concatenate([[0.0], off[known], end[known], [len(text)]]).astype(float)
        ys = np.concatenate([[0.0], start_s[known], end_s[known], [max(limit, 0.0)]])
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], np.maximum.accumulate(ys[order])
        start_s = np.where(known, start_s, np.interp(off, xs, ys))
        end_s = np.where(known, end_s, np.interp(end, xs, ys))
    before, cursor = [], 0
    for o, e in zip(off.tolist(), end.tolist(), strict=True):
        before.append(text[cursor:o] if o >= cursor else "")
        cursor = max(cursor, e)
    conf = cols.confidence[idx]
    units = {
        "text": [text[o:e] for o, e in zip(off.tolist(), end.tolist(), strict=True)],
        "before": before,
        "after": text[cursor:],
        "start": [round(x, 3) for x in start_s.tolist()],
        "end": [round(x, 3) for x in end_s.tolist()],
        "approx": approx.tolist(),
        "conf": [None if np.isnan(c) else round(c, 4) for c in conf.tolist()],
        "speaker": [None if s is None else str(s) for s in cols.speaker[idx].tolist()],
        "offset": off.tolist(),
        "end_offset": end.tolist(),
    }
    if len(idx) and approx.all():
        timing = "approximate"
    elif len(idx) and (source == 0).all():
        timing = "word"
    else:
        timing = "segment" if not approx.any() else "mixed"
    return units, timing


def _doubtful(t: Transcript, units: dict[str, list[Any]], threshold: float) -> list[list[Any]]:
    """``low_confidence`` spans as [first unit, last unit, confidence], least sure first."""
    if not any(c is not None for c in units["conf"]):
        return []
    spans = t.low_confidence(threshold)
    offsets = np.asarray(units["offset"], dtype=float)
    out = []
    for row in spans.itertuples(index=False):
        first = int(np.searchsorted(offsets, float(row.offset), side="left"))
        last = int(np.searchsorted(offsets, float(row.end_offset), side="left")) - 1
        if first < len(offsets) and last >= first:
            out.append([first, last, float(row.confidence)])
    out.sort(key=lambda span: (span[2], span[0]))
    return out


class PlayerWidget(anywidget.AnyWidget):
    """A recording with its transcript under it: listen, find the doubtful words, fix them.

    While the audio plays the current word (or segment, when only segment times exist) is
    highlighted and kept in view; click a word to play from it, double-click (or Enter) to fix
    it. Words are shaded by confidence like ``t.highlight()``; "Next doubtful" walks through
    ``t.low_confidence(threshold)`` spans, least sure first. Keys: space plays or pauses,
    ←/→ go to the previous/next word, ``n`` the next doubtful span.

    Attributes
    ----------
    original : Transcript
        The transcript as given.
    transcript : Transcript
        The reviewed transcript: the original with the edits applied (``save()`` exports it).
    correction : Correction
        The edits as a :class:`~audiokit.correction.Correction` (``.changes`` is a DataFrame).
    timing : str
        ``"word"``, ``"segment"``, ``"approximate"`` (no times: placed by text position) or
        ``"mixed"``.

    Examples
    --------
    >>> w = t.player("interview.wav")              # doctest: +SKIP
    >>> w.transcript.save("interview.fixed.srt")   # doctest: +SKIP
    """

    _esm = STATIC / "player.js"
    _css = STATIC / "player.css"

    units = traitlets.Dict(help="The words as columns (text, before, start, end, conf, …).").tag(
        sync=True
    )
    timing = traitlets.Unicode("word").tag(sync=True)
    duration = traitlets.Float(0.0, help="Seconds of audio (0 when unknown).").tag(sync=True)
    doubtful = traitlets.List(help="[first, last, confidence] spans, least sure first.").tag(
        sync=True
    )
    threshold = traitlets.Float(0.5).tag(sync=True)
    bands = traitlets.List().tag(sync=True)
    speaker_colors = traitlets.List().tag(sync=True)
    edits = traitlets.Dict(help="Unit index (as str) -> the corrected text.").tag(sync=True)
    audio_type = traitlets.Unicode("").tag(sync=True)
    audio_size = traitlets.Int(0, help="Bytes the front end fetches; 0 while preparing.").tag(
        sync=True
    )
    chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self, transcript: Transcript, audio: AudioInput, *, threshold: float = 0.5, **kwargs: Any
    ) -> None:
        file = to_audio_file(audio, param="audio", max_bytes=None)
        threshold = check_threshold(threshold)
        duration = transcript.duration
        if duration is None:
            duration = probe(file.data).duration
        units, timing = _timed_units(transcript, duration)
        super().__init__(
            units=units,
            timing=timing,
            duration=float(duration or 0.0),
            doubtful=_doubtful(transcript, units, threshold),
            threshold=threshold,
            bands=[list(band) for band in BANDS],
            speaker_colors=list(SPEAKER_COLORS),
            **kwargs,
        )
        self.original = transcript
        self._audio = b""
        self._lock = threading.Lock()
        self._changes: dict[int, Change] = {}
        self.correction = apply_changes(transcript, (), method="manual")
        self.on_msg(self._on_message)
        if file.format in _UNCOMPRESSED and file.size > COMPRESS_ABOVE_BYTES:
            args = (file.data, file.content_type)
            threading.Thread(target=self._compress, args=args, daemon=True).start()
        else:
            self._set_audio(file.data, file.content_type)

    # -- the reviewed transcript ----------------------------------------------------------------

    @property
    def transcript(self) -> Transcript:
        return self.correction.transcript

    @property
    def change_list(self) -> tuple[Change, ...]:
        """The edits, in text order (``correction.changes`` is the same as a DataFrame)."""
        return self.correction.change_list

    def edit(self, index: int, text: str) -> Correction:
        """Replace word ``index`` (of ``units``) by ``text``, as the front end does on an edit.

        ``""`` deletes the word; the original text undoes the edit.
        """
        n = len(self.units["text"])
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise IndexError(f"index={index!r}: a word index from 0 to {n - 1}")
        if not isinstance(text, str):
            raise TypeError(f"text={text!r}: a string")
        text = " ".join(text.split())
        off, end = self.units["offset"][index], self.units["end_offset"][index]
        original = self.original.text[off:end]
        with self._lock:
            if text == original:
                self._changes.pop(index, None)
            else:
                self._changes[index] = Change(original, text, off, end, None, "manual")
            changes = [self._changes[i] for i in sorted(self._changes)]
            self.correction = apply_changes(self.original, changes, method="manual")
            self.edits = {str(i): c.corrected for i, c in sorted(self._changes.items())}
        return self.correction

    # -- audio to the front end -----------------------------------------------------------------

    def audio_piece(self, index: int) -> bytes:
        """Piece ``index`` of the audio the front end fetches (``chunk_bytes`` each, b"" past
        the end or while the audio is being compressed: ``audio_size`` is 0 until then)."""
        if index < 0:
            return b""
        return self._audio[index * self.chunk_bytes : (index + 1) * self.chunk_bytes]

    def _set_audio(self, data: bytes, content_type: str) -> None:
        self._audio = data
        with self.hold_sync():
            self.audio_type = content_type
            self.audio_size = len(data)

    def _compress(self, data: bytes, content_type: str) -> None:
        rate = _COMPRESS_RATE_HZ
        try:
            try:
                blocks = iter_blocks(data, sample_rate=rate, block_seconds=_BLOCK_S)
                webm = encode_webm_opus(blocks, rate, bit_rate=_COMPRESS_BITS_PER_S)
                self._set_audio(webm, _WEBM_OPUS)
            except ModuleNotFoundError:  # no PyAV: libsndfile's Ogg Opus (Blob only, no MSE)
                samples, rate = decode(data, sample_rate=rate)
                self._set_audio(encode(samples, rate, "opus"), "audio/ogg")
        except Exception as exc:  # shown in the widget; the original bytes still play
            self.error = f"could not compress the audio ({one_line(exc)}); sending it as is"
            self._set_audio(data, content_type)

    def _on_message(self, _widget: Any, content: Any, _buffers: list[Any]) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "audio":
            index = int(content.get("index", 0))
            self.send({"type": "audio", "index": index}, [self.audio_piece(index)])
        elif kind == "edit":
            try:
                self.edit(int(content["index"]), str(content["text"]))
                self.error = ""
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                self.error = one_line(exc)

    # -- saved notebooks ------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            data, meta = bundle
        else:
            data, meta = bundle, {}
        if data is None:
            return bundle
        data = {**data, "text/plain": repr(self), "text/html": self._fallback_html()}
        return (data, meta) if isinstance(bundle, tuple) else data

    def _fallback_html(self) -> str:
        head = (
            "<div style='font-size:0.85em;opacity:0.75;margin-bottom:0.3em'>"
            f"{html.escape(repr(self))} — run the cell for the interactive player</div>"
        )
        return (
            f"<div class='audiokit-player-fallback'>{head}{highlight_html(self.transcript)}</div>"
        )

    def __repr__(self) -> str:
        # What a saved notebook shows as text: "Transcript player · 1,204 words · 7:31 · …"
        n = len(self.units.get("text", ()))
        parts = ["Transcript player", f"{n:,} word{'s' * (n != 1)}", _clock(self.duration)]
        if self.timing != "word":
            parts.append(f"{self.timing} timing")
        if self.doubtful:
            parts.append(f"{len(self.doubtful)} doubtful")
        if self.change_list:
            parts.append(f"{len(self.change_list)} edit{'s' * (len(self.change_list) != 1)}")
        return " · ".join(parts)


def _clock(seconds: float) -> str:
    """``7:31``, ``1:00:00``; "duration unknown" for 0."""
    if not seconds:
        return "duration unknown"
    s = round(seconds)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


@provides("player")
def player(transcript: Transcript, audio: AudioInput, *, threshold: float = 0.5) -> PlayerWidget:
    """The transcript under its recording, to listen, find doubtful words and fix them.

    Parameters
    ----------
    transcript : Transcript
        Any transcript: word times (verbose_json, offline engine), segment times (srt, vtt,
        diarized, live) or none (json with logprobs: times are estimated, and shown as such).
    audio : path, bytes, file object, (array, rate) or Speech
        The recording that was transcribed.
    threshold : float
        Confidence below which words count as doubtful (``t.low_confidence(threshold)``).

    Returns
    -------
    PlayerWidget
        Display it as a cell's value; ``w.transcript`` is the reviewed transcript.

    Examples
    --------
    >>> w = audiokit.widgets.player(t, "meeting.wav")   # doctest: +SKIP
    >>> w                                               # doctest: +SKIP
    """
    return PlayerWidget(transcript, audio, threshold=threshold)
