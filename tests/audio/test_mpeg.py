"""MP3s read from their frame headers (audio/_mpeg.py), against real decodes of real files.

The files are made by the two encoders an upload may come from: libsndfile's (LAME, VBR, a
Xing frame with a LAME tag; what ``audiokit.audio.encode`` writes) and FFmpeg's libmp3lame (CBR
or VBR, with or without the Xing/Info frame and an ID3v2 tag), mono and stereo, MPEG-1, -2 and
-2.5 rates. The length from the headers must be libsndfile's where libsndfile knows it (a Xing
frame) and a full FFmpeg decode's always; the upload check must reach the verdict libsndfile's
decoder alone reaches (``_scan_audible``), on audible, silent, barely audible and broken files.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
import soundfile as sf
from _tools import require

from audiokit import AudioError
from audiokit.audio import AudioFile, check_audio, encode, probe, to_audio_file
from audiokit.audio._checks import SILENCE_PEAK, _scan_audible, scan_audio
from audiokit.audio._mpeg import clearly_audible, mpeg_layout

av = require("av", "PyAV (FFmpeg) comes with the offline extra (pip install -e '.[local]')")

RATES = (8_000, 16_000, 22_050, 44_100)  # MPEG-2.5, -2, -2, -1


def speech(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    """Harmonics under a syllable-rate envelope, plus a little noise."""
    t = np.arange(round(seconds * rate)) / rate
    voice = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((180, 360, 540), start=1))
    x = 0.3 * voice * 0.5 * (1 + np.sin(2 * np.pi * 4 * t))
    x = (x + np.random.default_rng(0).normal(0, 0.01, len(t))).astype(np.float32)
    return x if channels == 1 else np.stack([x, 0.5 * x[::-1]], axis=1)


def libsndfile_mp3(x: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, rate, format="MP3", subtype="MPEG_LAYER_III")
    return buf.getvalue()


def ffmpeg_mp3(
    x: np.ndarray, rate: int, *, vbr: bool = False, xing: bool = True, id3: bool = True
) -> bytes:
    """libmp3lame through FFmpeg's mp3 muxer: CBR 64 kbit/s, or VBR (quality 4)."""
    channels = 1 if x.ndim == 1 else x.shape[1]
    layout = "mono" if channels == 1 else "stereo"
    options = {**({} if xing else {"write_xing": "0"}), **({} if id3 else {"id3v2_version": "0"})}
    out = io.BytesIO()
    with av.open(out, "w", format="mp3", options=options) as container:
        stream = container.add_stream("libmp3lame", rate=rate, layout=layout)
        if vbr:
            stream.codec_context.qscale = 4
            stream.codec_context.flags |= 2  # AV_CODEC_FLAG_QSCALE: VBR
        else:
            stream.bit_rate = 64_000
        pcm = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate, frame.pts = rate, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return out.getvalue()


def ffmpeg_length(data: bytes) -> int:
    """Samples per channel of a whole decode by FFmpeg's demuxer and decoder (gapless)."""
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


KINDS = {  # name -> (encoder, whether the file has a Xing/Info frame)
    "libsndfile VBR": (libsndfile_mp3, True),
    "CBR, Info frame, ID3v2": (ffmpeg_mp3, True),
    "CBR, no Xing, ID3v2": (lambda x, r: ffmpeg_mp3(x, r, xing=False), False),
    "CBR, no Xing, no tag": (lambda x, r: ffmpeg_mp3(x, r, xing=False, id3=False), False),
    "VBR, Xing frame, ID3v2": (lambda x, r: ffmpeg_mp3(x, r, vbr=True), True),
    "VBR, no Xing, no tag": (lambda x, r: ffmpeg_mp3(x, r, vbr=True, xing=False, id3=False), False),
}


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_headers_give_the_length_of_a_real_decode(kind: str, rate: int, channels: int) -> None:
    make, has_xing = KINDS[kind]
    data = make(speech(3.3, rate, channels), rate)
    layout = mpeg_layout(data)
    assert layout is not None and (layout.rate, layout.channels) == (rate, channels)
    assert layout.frames == ffmpeg_length(data)
    if has_xing:  # libsndfile knows the length too (gapless, from the LAME tag): the same
        assert layout.frames == sf.info(io.BytesIO(data)).frames
        assert abs(layout.frames / rate - 3.3) < 1e-3  # exactly what was encoded
    file = to_audio_file(data)
    assert file.info.duration == layout.frames / rate == check_audio(file)
    assert (file.info.sample_rate, file.info.channels, file.info.format) == (rate, channels, "mp3")
    assert file.scan.audible and clearly_audible(data, layout, SILENCE_PEAK)  # no libsndfile


def test_vbr_without_a_xing_frame_is_timed_where_libsndfile_guesses() -> None:
    data = ffmpeg_mp3(speech(3.3, 44_100), 44_100, vbr=True, xing=False, id3=False)
    guessed = sf.info(io.BytesIO(data)).frames  # from the first frame's bit rate
    assert abs(guessed - ffmpeg_length(data)) > 0.1 * 44_100  # a tenth of a second off, or more
    assert to_audio_file(data).info.duration == ffmpeg_length(data) / 44_100
    assert probe(data).format == "mp3"  # probe() itself still asks libsndfile


def test_an_mp3_with_trailing_tags_is_still_read() -> None:
    data = ffmpeg_mp3(speech(1.0, 16_000), 16_000, xing=False, id3=False)
    expected = mpeg_layout(data).frames
    id3v1 = b"TAG" + bytes(125)
    assert mpeg_layout(data + id3v1).frames == expected
    assert mpeg_layout(data + b"junk that is no frame") is None  # unsure: libsndfile's call


@pytest.mark.parametrize(
    "data",
    [b"", b"ID3", b"\xff\xfb", bytes(1000), b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(100)],
)
def test_what_is_not_an_mp3_frame_stream_is_left_to_libsndfile(data: bytes) -> None:
    assert mpeg_layout(data) is None


def test_other_mpeg_layers_are_left_to_libsndfile() -> None:
    data = bytearray(libsndfile_mp3(speech(1.0, 16_000), 16_000))
    data[1] = (data[1] & ~0x06) | 0x04  # the first header now says Layer II
    assert mpeg_layout(bytes(data)) is None


def _verdict(data: bytes) -> tuple | str:
    """What a scan says (audible; any samples), or the error it raises."""
    try:
        scan = scan_audio(AudioFile("a.mp3", data, "mp3"))
    except Exception as exc:  # the same error type both ways is what is compared
        return type(exc).__name__
    return scan.audible, scan.frames > 0


def _libsndfile_verdict(data: bytes) -> tuple | str:
    try:
        scan = _scan_audible(data)
    except Exception as exc:
        return type(exc).__name__
    return scan.audible, scan.frames > 0


def _cases() -> dict[str, bytes]:
    rate, rng = 22_050, np.random.default_rng(1)
    cases = {}
    for level in (0.0, 5e-5, 1e-4, 1.3e-4, 2e-4, 1e-3):  # around SILENCE_PEAK (1e-4)
        blip = np.zeros(rate * 2, np.float32)
        blip[rate : rate + 200] = level
        cases[f"blip {level:g}"] = libsndfile_mp3(blip, rate)
        noise = (rng.standard_normal(rate * 2) * level).astype(np.float32)
        cases[f"noise {level:g}"] = libsndfile_mp3(noise, rate)
    x = speech(1.0, rate)
    cases["5 s of silence first"] = libsndfile_mp3(np.concatenate([np.zeros(rate * 5), x]), rate)
    cases["70 s of silence first"] = libsndfile_mp3(np.concatenate([np.zeros(rate * 70), x]), rate)
    cases["silent, no Xing"] = ffmpeg_mp3(np.zeros(rate, np.float32), rate, xing=False)
    whole = libsndfile_mp3(x, rate)
    cases["cut in half"] = whole[: len(whole) // 2 + 7]
    first = mpeg_layout(whole).first
    junk = rng.integers(0, 256, len(whole) - first - 40, dtype=np.uint8).tobytes()
    cases["frames broken off into junk"] = whole[: first + 40] + junk
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_verdict_is_libsndfiles(name: str) -> None:
    assert _verdict(CASES[name]) == _libsndfile_verdict(CASES[name])


def test_silence_still_raises_before_any_request() -> None:
    with pytest.raises(AudioError, match="silent"):
        check_audio(to_audio_file(CASES["noise 0"]))
    with pytest.raises(AudioError, match=r"corrupt|no audio samples"):
        check_audio(AudioFile("a.mp3", CASES["frames broken off into junk"], "mp3"))


def test_mutated_files_get_libsndfiles_verdict() -> None:
    """Bytes flipped, cut or inserted anywhere: the fast look never says what libsndfile
    would not (it says "audible" only where FFmpeg plainly decodes sound)."""
    rng = np.random.default_rng(7)
    bases = [
        libsndfile_mp3(speech(0.5, 16_000), 16_000),
        libsndfile_mp3(speech(0.5, 44_100, 2), 44_100),
        ffmpeg_mp3(speech(0.5, 22_050), 22_050, xing=False, id3=False),
    ]
    for i in range(300):
        data = bytearray(bases[i % len(bases)])
        how = i % 3
        if how == 0:
            for _ in range(3):
                data[rng.integers(0, len(data))] = rng.integers(0, 256)
        elif how == 1:
            data = data[: rng.integers(1, len(data))]
        else:
            at = rng.integers(0, len(data))
            data[at:at] = rng.integers(0, 256, rng.integers(1, 50), dtype=np.uint8).tobytes()
        assert _verdict(bytes(data)) == _libsndfile_verdict(bytes(data)), i


def test_threads_each_get_their_own_decoder() -> None:
    loud = libsndfile_mp3(speech(1.0, 16_000, 2), 16_000)
    quiet = libsndfile_mp3(np.zeros(16_000, np.float32), 16_000)
    found: list[bool] = []

    def look() -> None:
        for _ in range(50):
            found.append(clearly_audible(loud, mpeg_layout(loud), SILENCE_PEAK))
            found.append(not clearly_audible(quiet, mpeg_layout(quiet), SILENCE_PEAK))

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 400 and all(found)


def test_the_project_encoder_writes_what_the_headers_time() -> None:
    data = encode(speech(2.0, 16_000), 16_000, "mp3")
    assert mpeg_layout(data).frames == sf.info(io.BytesIO(data)).frames == 32_000
