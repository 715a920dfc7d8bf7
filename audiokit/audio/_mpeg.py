"""Reading an MP3 (MPEG audio Layer III) from its frame headers, and a cheap look at its sound.

Opening an MP3 with libsndfile sets up an mpg123 decoder per file, which costs more than the
rest of an upload's checks together. The check before an upload (:mod:`._checks`) needs only
the length and whether the audio is audible somewhere, and both are cheap to learn otherwise:

- :func:`mpeg_layout` reads the rate, channels and length from the headers: the Xing/Info
  frame's frame count less the encoder delay and padding of its LAME tag (what libsndfile
  reports: mpg123 decodes gaplessly), or, with no such frame, every frame header walked
  (4 bytes each; libsndfile then only estimates the length from the file size). Anything it is
  not sure of (Layer I/II, free format, a VBRI frame, frames that change rate or channels,
  bytes that are neither frames nor a trailing tag) gives ``None``: libsndfile reads it.
- :func:`clearly_audible` decodes frames, from the first, with an FFmpeg MP3 decoder kept open
  per thread (PyAV, when installed) until one sample is loud enough that any conforming decoder
  hears it; ``False`` means "not shown here", and libsndfile judges as before (so silent or
  barely audible uploads get the same verdict, from the same decoder, as without this path).
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import numpy as np

from ._backends import _av, _have_av

__all__: list[str] = []  # private to audio/: the upload check (_checks) reads MP3s with these

# (version bits) -> sample rates by index; 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (1: reserved)
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
# Layer III bit rates (kbit/s) by index; 0 is free format, 15 is invalid
_KBPS_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_KBPS_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_FIXED_BITS = 0xFFFE0C00  # sync, version, layer, rate index: the same in every frame of a file
_MONO = 3  # channel mode "single channel"
# What may follow the last frame: an ID3v1 tag, an APEv2 tag, Lyrics3, an appended ID3v2 tag.
_TRAILERS = (b"TAG", b"APETAGEX", b"LYRICS", b"ID3")
DECODER_DELAY = 529  # samples every MP3 decoder outputs before the audio (mpg123, FFmpeg)
# Conforming decoders agree to within 2**-14 of full scale (ISO/IEC 11172-4, full accuracy):
# a sample this far over the silence line is over it for libsndfile's decoder too.
DECODER_TOLERANCE = 2.0**-14
MAX_FAST_SCAN_SECONDS = 60.0  # the FFmpeg look gives up here; libsndfile reads on
# a few samples are quicker to look at in Python than through numpy (a cold numpy call costs ~5 µs)
PYTHON_PEAK_SAMPLES = 256
MAX_PACKET_FRAMES = 64  # frames per packet handed to FFmpeg at most (a few hundred ms)


class MpegLayout(NamedTuple):
    """What the frame headers of an MP3 say (see :func:`mpeg_layout`)."""

    rate: int
    channels: int
    frames: int  # samples per channel, as libsndfile's (gapless) decode gives them
    first: int  # offset of the first audio frame (after any ID3v2 tag and Xing/Info frame)
    skip: int  # decoded samples before the audio proper (encoder + decoder delay), if known


def _id3v2_end(data: bytes) -> int:
    """Where the audio starts after a leading ID3v2 tag (0 without one)."""
    if not data.startswith(b"ID3") or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:  # "syncsafe": 7 bits per byte
        size = size << 7 | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _frame_size(header: int) -> int:
    """Bytes in the Layer III frame with this 4-byte header; 0 if it is not one we read."""
    if header >> 21 != 0x7FF or (header >> 17) & 3 != 1:  # no sync, or not Layer III
        return 0
    version, index = (header >> 19) & 3, (header >> 12) & 15
    rate_index = (header >> 10) & 3
    if version == 1 or rate_index == 3 or index in (0, 15) or header & 3 == 2:
        return 0  # reserved version or rate, free format or bad bit rate, reserved emphasis
    rate = _RATES[version][rate_index]
    kbps = (_KBPS_V1 if version == 3 else _KBPS_V2)[index]
    return (144 if version == 3 else 72) * kbps * 1000 // rate + ((header >> 9) & 1)


def _header(data: bytes | memoryview, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "big")


def _kind(header: int) -> int:
    """What every frame of one stream shares: version, layer, rate, and mono or not."""
    return header & _FIXED_BITS | ((header >> 6) & 3 == _MONO)


def _gapless(frame: bytes, at: int) -> tuple[int, int, int] | None:
    """The frame count of the Xing/Info tag at ``at`` in ``frame``, and the encoder's delay and
    padding (samples) from the LAME tag after it (0, 0 without one); ``None`` without a count."""
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    if not flags & 1:
        return None
    count = int.from_bytes(frame[at + 8 : at + 12], "big")
    # the LAME tag follows the fields the flags announce: frames, bytes, TOC, quality
    lame = at + 12 + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    if lame + 24 > len(frame) or not frame[lame : lame + 4].isalpha():  # "LAME", "Lavc", ...
        return count, 0, 0
    both = int.from_bytes(frame[lame + 21 : lame + 24], "big")  # 12 bits each
    return count, both >> 12, both & 0xFFF


def mpeg_layout(data: bytes) -> MpegLayout | None:
    """Rate, channels and length of an MP3 from its frame headers; ``None`` if unsure.

    Examples
    --------
    >>> mpeg_layout(encode(samples, 16_000, "mp3")).frames  # doctest: +SKIP
    52800
    """
    start = _id3v2_end(data)
    if start + 4 > len(data):
        return None
    first = _header(data, start)
    size = _frame_size(first)
    if not size or start + size > len(data):
        return None
    version = (first >> 19) & 3
    rate = _RATES[version][(first >> 10) & 3]
    channels = 1 if (first >> 6) & 3 == _MONO else 2
    per_frame = 1152 if version == 3 else 576
    frame = bytes(data[start : start + min(size, 200)])
    if frame[36:40] == b"VBRI":  # Fraunhofer's VBR header: libsndfile's call
        return None
    side = (17 if channels == 1 else 32) if version == 3 else (9 if channels == 1 else 17)
    for at in (4 + side, 6 + side):  # after the side info (and a CRC, if present)
        if frame[at : at + 4] in (b"Xing", b"Info"):
            found = _gapless(frame, at)
            if found is None:
                return None
            count, delay, padding = found
            frames = count * per_frame - delay - padding
            skip = delay + DECODER_DELAY if delay or padding else 0
            return MpegLayout(rate, channels, frames, start + size, skip) if frames > 0 else None
    count = _count_frames(data, start, _kind(first))
    return MpegLayout(rate, channels, count * per_frame, start, 0) if count else None


def _count_frames(data: bytes, pos: int, kind: int) -> int | None:
    """Frames of this ``kind`` from ``pos`` to the end or a trailing tag; ``None`` at anything
    else (such as a frame that changes the rate or the channels)."""
    count, end = 0, len(data)
    while pos + 4 <= end:
        header = _header(data, pos)
        size = _frame_size(header)
        if not size or _kind(header) != kind:
            break
        if pos + size > end:
            return count  # a cut-off last frame: decoders drop it
        count += 1
        pos += size
    if pos < end and not any(data.startswith(tag, pos) for tag in _TRAILERS):
        return None
    return count


def _frames_end(data: bytes, pos: int, count: int, kind: int) -> int | None:
    """The offset after ``count`` whole frames of this ``kind`` (:func:`_kind`) from ``pos``;
    fewer at the end of the data or at a trailing tag. ``None`` where the frames break off into
    anything else: libsndfile's decoder (mpg123) may lose sync there, so the fast look does not
    judge such a file. The header after the last frame counted is checked too."""
    end = len(data)
    while pos + 4 <= end:
        header = _header(data, pos)
        size = _frame_size(header)
        if not size or _kind(header) != kind:
            return pos if any(data.startswith(tag, pos) for tag in _TRAILERS) else None
        if count == 0 or pos + size > end:
            break
        pos += size
        count -= 1
    return pos


_decoders = threading.local()


def _decoder() -> Any:
    """This thread's FFmpeg MP3 decoder (float output), opened once; ``None`` without PyAV."""
    ctx = getattr(_decoders, "ctx", False)
    if ctx is False:
        ctx = None
        if _have_av():
            av = _av()
            try:
                ctx = av.CodecContext.create("mp3float", "r")
                ctx.open()
            except (av.FFmpegError, ValueError):  # an FFmpeg built without it
                ctx = None
            if ctx is not None and getattr(ctx.format, "name", None) != "fltp":  # _peak reads it
                ctx = None  # (mp3float has no other output format)
        _decoders.ctx = ctx
    return ctx


def clearly_audible(data: bytes, layout: MpegLayout, silence_peak: float) -> bool:
    """Whether a decoded sample clearly reaches ``silence_peak`` (by more than decoders may
    differ), looking at most MAX_FAST_SCAN_SECONDS in; ``False`` also means "could not tell".

    Frames go to FFmpeg several to a packet (one call): the first packet ends with the first
    frame holding audio the gapless decode keeps, each next one holds twice as many frames.
    """
    ctx = _decoder()
    if ctx is None:
        return False
    av = _av()
    loud = silence_peak + DECODER_TOLERANCE
    per_frame = 1152 if layout.rate >= 32_000 else 576  # MPEG-1 or MPEG-2/2.5
    # judge only what the gapless decode keeps: `layout.frames` samples from `layout.skip`
    start = layout.skip
    end = start + min(layout.frames, int(layout.rate * MAX_FAST_SCAN_SECONDS))
    pos, seen, count = layout.first, 0, start // per_frame + 1
    kind = _kind(_header(data, pos))
    ctx.flush_buffers()  # a new file: forget the last one's bit reservoir and overlap
    try:
        while seen < end:
            stop = _frames_end(data, pos, count, kind)
            if stop is None or stop == pos:
                return False
            for out in ctx.decode(av.Packet(data[pos:stop])):
                samples = out.samples
                if seen + samples > start and _peak(out, max(0, start - seen), end - seen) >= loud:
                    return True
                seen += samples
            pos, count = stop, min(2 * count, MAX_PACKET_FRAMES)
    except (av.FFmpegError, ValueError):
        return False
    return False


def _peak(frame: Any, first: int, stop: int) -> float:
    """The largest magnitude among samples ``first:stop`` of a frame decoded to planar float
    (``fltp``: what :func:`_decoder` gives)."""
    peak = 0.0
    for plane in frame.planes:  # one per channel, read in place
        samples = memoryview(plane).cast("f")[: frame.samples][first:stop]
        if len(samples) > PYTHON_PEAK_SAMPLES:
            array = np.frombuffer(samples, np.float32)
            peak = max(peak, float(array.max()), -float(array.min()))
        elif len(samples):
            peak = max(peak, max(samples), -min(samples))
    return peak
