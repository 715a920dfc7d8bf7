"""Tests for decode, encode, resample, probe: real libsndfile and FFmpeg codecs on real signals."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
import soundfile as sf
from _tools import require
from conftest import with_av

from audiokit.audio import (
    ENCODE_FORMATS,
    decode,
    encode,
    encode_webm_opus,
    iter_blocks,
    probe,
    resample,
)
from audiokit.audio._resample import _NumpyResampler, _resample_mono
from audiokit.core import AudioDecodeError, ValidationError

av = require("av", "PyAV (FFmpeg) comes with the offline extra (pip install -e '.[local]')")

RATE = 22_050  # Piper's rate: what the server encodes most often
TONE_HZ = 440.0
SECONDS = 2.0


def tone(rate: int = RATE, seconds: float = SECONDS, hz: float = TONE_HZ) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.05)  # 50 ms fades, no clicks
    return (0.5 * envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


# ---------------------------------------------------------------------------- encode/decode

EXPECTED = {  # fmt -> (probe().format, leading magic bytes or None)
    "wav": ("wav", b"RIFF"),
    "flac": ("flac", b"fLaC"),
    "mp3": ("mp3", None),
    "opus": ("opus", b"OggS"),
    "aac": ("aac", b"\xff\xf1"),
}


@pytest.mark.parametrize("fmt", [f for f in ENCODE_FORMATS if f != "pcm"])
def test_encode_decode_round_trip_keeps_duration_pitch_and_level(fmt: str) -> None:
    x = tone()
    data = encode(x, RATE, fmt)
    name, magic = EXPECTED[fmt]
    if magic is not None:
        assert data.startswith(magic)

    y, rate = decode(data)
    assert y.dtype == np.float32 and y.ndim == 1
    # lossy codecs add encoder delay/padding (AAC priming: 1024 samples), never whole frames more
    assert abs(len(y) / rate - SECONDS) < 0.12, (fmt, len(y) / rate)
    assert rms(y) > 0.8 * rms(x), fmt  # not silent, not attenuated
    assert abs(peak_hz(y, rate) - TONE_HZ) < 3.0, fmt
    assert np.abs(y).max() <= 1.0

    info = probe(data)
    assert info.format == name and info.channels == 1 and info.sample_rate == rate
    assert info.duration is not None and abs(info.duration - len(y) / rate) < 0.12


def test_lossless_formats_are_exact_to_16_bits() -> None:
    x = tone()
    for fmt in ("wav", "flac"):
        y, rate = decode(encode(x, RATE, fmt))
        assert rate == RATE and len(y) == len(x)
        assert np.abs(y - x).max() <= 1 / 32768 + 1e-7


def test_pcm_is_raw_little_endian_int16_without_resampling() -> None:
    x = tone(rate=24_000)
    data = encode(x, 24_000, "pcm")
    assert len(data) == 2 * len(x)
    ints = np.frombuffer(data, dtype="<i2")
    np.testing.assert_array_equal(ints, np.round(x * 32767).astype(np.int16))
    assert abs(peak_hz(ints / 32768, 24_000) - TONE_HZ) < 3.0
    # 22.05 kHz input stays 22.05 kHz: pcm never resamples
    assert len(encode(tone(), RATE, "pcm")) == 2 * len(tone())


@pytest.mark.parametrize(
    ("rate", "expected"), [(22_050, 24_000), (44_100, 48_000), (16_000, 16_000)]
)
def test_opus_resamples_to_a_rate_opus_supports(rate: int, expected: int) -> None:
    data = encode(tone(rate=rate), rate, "opus")
    info = probe(data)
    assert info.format == "opus" and info.sample_rate == expected
    assert info.duration == pytest.approx(SECONDS, abs=0.03)


def test_encode_clips_out_of_range_samples_and_accepts_int16() -> None:
    loud = tone() * 4  # way past full scale
    y, _ = decode(encode(loud, RATE, "wav"))
    assert np.abs(y).max() <= 1.0 and np.abs(y).max() > 0.99
    ints = (tone() * 32767).astype(np.int16)
    y2, _ = decode(encode(ints, RATE, "flac"))
    assert abs(peak_hz(y2, RATE) - TONE_HZ) < 3.0


def test_stereo_decode_keeps_or_mixes_channels() -> None:
    left, right = tone(), tone(hz=880.0)
    data = encode(np.stack([left, right], axis=1), RATE, "wav")
    both, rate = decode(data, mono=False)
    assert both.shape == (len(left), 2)
    assert abs(peak_hz(both[:, 0], rate) - 440) < 3 and abs(peak_hz(both[:, 1], rate) - 880) < 3
    mono, _ = decode(data)
    np.testing.assert_allclose(mono, (both[:, 0] + both[:, 1]) / 2, atol=1e-6)
    assert probe(data).channels == 2


def test_decode_resamples_on_request() -> None:
    y, rate = decode(encode(tone(), RATE, "flac"), sample_rate=16_000)
    assert rate == 16_000 and len(y) == math.ceil(len(tone()) * 16_000 / RATE)
    assert abs(peak_hz(y, rate) - TONE_HZ) < 3.0


@pytest.mark.parametrize(
    ("container", "codec", "name"),
    [("mp4", "aac", "mp4"), ("ipod", "aac", "mp4"), ("webm", "libopus", "webm")],
)
def test_containers_soundfile_cannot_read_fall_back_to_pyav(
    container: str, codec: str, name: str
) -> None:
    rate = 48_000 if codec == "libopus" else RATE
    data = with_av(tone(rate=rate), rate, container, codec)
    y, got_rate = decode(data, sample_rate=16_000)
    assert got_rate == 16_000
    assert abs(len(y) / got_rate - SECONDS) < 0.12
    assert abs(peak_hz(y, got_rate) - TONE_HZ) < 3.0
    info = probe(data)
    assert info.format == name and info.sample_rate == rate and info.channels == 1
    assert info.duration == pytest.approx(SECONDS, abs=0.12)


@pytest.mark.parametrize(
    "junk",
    [
        b"This is a text file, not audio.\n" * 40,
        bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
        b"<html><body>404</body></html>",
    ],
    ids=["text", "random", "html"],
)
def test_undecodable_data_raises_audio_decode_error(junk: bytes) -> None:
    with pytest.raises(AudioDecodeError):
        decode(junk)
    with pytest.raises(AudioDecodeError):
        probe(junk)
    with pytest.raises(AudioDecodeError):
        list(iter_blocks(junk))
    assert issubclass(AudioDecodeError, ValueError)


def test_empty_data_raises_audio_decode_error() -> None:
    with pytest.raises(AudioDecodeError, match="empty"):
        decode(b"")


def test_caller_mistakes_raise_validation_errors_naming_the_parameter() -> None:
    with pytest.raises(ValidationError, match=r"fmt='ogg'.*allowed: wav, flac, mp3"):
        encode(tone(), RATE, "ogg")
    with pytest.raises(ValidationError, match="sample_rate=0"):
        encode(tone(), 0, "wav")
    with pytest.raises(ValidationError, match="block_seconds"):
        iter_blocks(b"x", block_seconds=0)
    with pytest.raises(TypeError, match="data="):
        decode("speech.wav")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="finite"):
        encode(np.full(100, np.nan, dtype=np.float32), RATE, "wav")
    with pytest.raises(ValidationError, match="samples"):
        encode(np.zeros((2, 2, 2), dtype=np.float32), RATE, "wav")


# ---------------------------------------------------------------------------- resampling


@pytest.mark.parametrize(
    ("sr_from", "sr_to"), [(22_050, 16_000), (48_000, 16_000), (16_000, 24_000)]
)
def test_numpy_and_pyav_resamplers_agree_with_the_ideal_tone(sr_from: int, sr_to: int) -> None:
    x = tone(rate=sr_from)
    expected_len = math.ceil(len(x) * sr_to / sr_from)
    t = np.arange(expected_len) / sr_to
    ideal = tone(rate=sr_to)[:expected_len] if sr_to * SECONDS == expected_len else None
    outputs = [_resample_mono(x, sr_from, sr_to, use_av=flag) for flag in (False, True)]
    for y in outputs:
        assert y.dtype == np.float32 and len(y) == expected_len
        middle = slice(len(y) // 10, -len(y) // 10)  # away from the fades
        reference = 0.5 * np.sin(2 * np.pi * TONE_HZ * t)
        assert np.abs(y[middle] - reference[middle]).max() < 1e-3  # no delay, no gain change
        if ideal is not None:
            assert np.abs(y - ideal).max() < 2e-3
    assert np.abs(outputs[0] - outputs[1]).max() < 1e-3
    np.testing.assert_array_equal(resample(x, sr_from, sr_to), outputs[1])  # PyAV if installed


def test_resampling_down_removes_content_above_the_new_nyquist() -> None:
    x = tone(rate=48_000, hz=10_000.0)  # above 8 kHz: must not alias into the 16 kHz output
    for use_av in (False, True):
        y = _resample_mono(x, 48_000, 16_000, use_av=use_av)
        assert rms(y) < 0.01 * rms(x), use_av


def test_numpy_resampler_streams_without_seams() -> None:
    x = np.random.default_rng(1).standard_normal(22_050 * 3).astype(np.float32) * 0.1
    whole = _resample_mono(x, 22_050, 16_000, use_av=False)
    rs = _NumpyResampler(22_050, 16_000)
    pieces = [rs.push(x[i : i + 777]) for i in range(0, len(x), 777)] + [rs.flush()]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_resample_keeps_channels_and_identity_is_a_no_op() -> None:
    stereo = np.stack([tone(), tone(hz=880.0)], axis=1)
    y = resample(stereo, RATE, 16_000)
    assert y.shape == (math.ceil(len(stereo) * 16_000 / RATE), 2)
    assert abs(peak_hz(y[:, 1], 16_000) - 880) < 3
    np.testing.assert_array_equal(resample(tone(), RATE, RATE), tone())


# ---------------------------------------------------------------------------- iter_blocks


def test_iter_blocks_streams_a_long_file_in_bounded_blocks(tmp_path) -> None:
    minutes, block_seconds = 4, 5.0
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(2)
    with sf.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as f:
        for _ in range(minutes * 6):  # written 10 s at a time: the test never holds it all
            f.write((rng.standard_normal(RATE * 10) * 0.1).astype(np.float32))
    n_in = RATE * 60 * minutes
    full_decode_bytes = 4 * n_in  # what decoding it at once would hold, before resampling

    list(iter_blocks(encode(tone(), RATE, "wav")))  # warm-up: imports are not the file's cost
    tracemalloc.start()
    try:
        lengths, checksum, first = [], 0.0, None
        for block in iter_blocks(path, sample_rate=16_000, block_seconds=block_seconds):
            assert block.dtype == np.float32 and block.ndim == 1
            lengths.append(len(block))
            checksum += float(block.sum(dtype=np.float64))
            first = block if first is None else first
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    block = int(block_seconds * 16_000)
    assert all(n == block for n in lengths[:-1]) and 0 < lengths[-1] <= block
    assert sum(lengths) == math.ceil(n_in * 16_000 / RATE)
    assert peak < full_decode_bytes / 4, (peak, full_decode_bytes)

    whole, _ = decode(path.read_bytes(), sample_rate=16_000)
    assert len(whole) == sum(lengths)
    np.testing.assert_allclose(first, whole[:block], atol=1e-5)
    assert checksum == pytest.approx(float(whole.sum(dtype=np.float64)), abs=1e-2)


def test_iter_blocks_reads_containers_through_pyav_and_matches_decode() -> None:
    data = with_av(tone(seconds=7.0), RATE, "mp4", "aac")
    blocks = list(iter_blocks(data, sample_rate=16_000, block_seconds=2.0))
    assert [len(b) for b in blocks[:-1]] == [32_000] * (len(blocks) - 1)
    joined = np.concatenate(blocks)
    whole, _ = decode(data, sample_rate=16_000)
    assert len(joined) == len(whole)
    np.testing.assert_allclose(joined, whole, atol=1e-5)


@pytest.mark.parametrize("fmt", ["mp3", "opus"])
def test_iter_blocks_of_compressed_audio_matches_a_one_shot_decode(fmt: str) -> None:
    # Noise keeps MP3's bit reservoir busy: a seek between reads (what SoundFile.read does)
    # would corrupt the frames after it.
    noise = np.random.default_rng(3).standard_normal(RATE * 30).astype(np.float32) * 0.2
    data = encode(noise, RATE, fmt)
    whole, _ = decode(data, sample_rate=16_000)
    joined = np.concatenate(list(iter_blocks(data, sample_rate=16_000, block_seconds=4.0)))
    assert len(joined) == len(whole)
    np.testing.assert_allclose(joined, whole, atol=1e-5)


def test_probe_reads_a_path_like_the_same_bytes(tmp_path) -> None:
    for name, data in [
        ("a.flac", encode(tone(), RATE, "flac")),
        ("a.m4a", with_av(tone(), RATE, "ipod", "aac")),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        assert probe(path) == probe(data)
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "missing.wav")


def test_iter_blocks_rejects_a_missing_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        iter_blocks(tmp_path / "nope.wav")


def test_encode_webm_opus_streams_blocks_into_one_webm_file() -> None:
    x = tone(rate=16_000, seconds=12.0)
    blocks = iter_blocks(encode(x, 16_000, "wav"), sample_rate=16_000, block_seconds=5.0)
    webm = encode_webm_opus(blocks, 16_000)
    assert webm[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a Matroska/WebM file
    info = probe(webm)
    assert (info.format, info.channels) == ("webm", 1)
    assert info.duration == pytest.approx(12.0, abs=0.05)
    back, rate = decode(webm, sample_rate=16_000)
    assert abs(len(back) - len(x)) < 0.05 * rate
    assert peak_hz(back, rate) == pytest.approx(TONE_HZ, abs=5)
    assert rms(back) == pytest.approx(rms(x), rel=0.2)
    assert len(webm) < 12.0 * 16_000 / 8 * 1.5  # about the 16 kbit/s asked for
    with pytest.raises(ValidationError, match="sample_rate"):
        encode_webm_opus([x], 22_050)
