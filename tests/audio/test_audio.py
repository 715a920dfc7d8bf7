"""Audio input: real files of every container are recognised from their bytes, every kind of
input becomes an upload with a proper name and type, and arrays are encoded losslessly
(decoded again and compared sample for sample).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import encode_audio, tone
from hypothesis import given
from hypothesis import strategies as st

from audiokit import AudioError, AudioFile, InvalidTypeError, Speech
from audiokit.audio import sniff_format, to_audio_file
from audiokit.core import MAX_UPLOAD_BYTES

FORMATS = {  # make_audio name -> (sniffed format, upload content type)
    "wav": ("wav", "audio/wav"),
    "flac": ("flac", "audio/flac"),
    "mp3": ("mp3", "audio/mpeg"),
    "ogg": ("ogg", "audio/ogg"),
    "opus": ("ogg", "audio/ogg"),
    "webm": ("webm", "audio/webm"),
    "m4a": ("m4a", "audio/mp4"),
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_real_files_are_sniffed(kind: str, make_audio) -> None:
    data = make_audio(kind)
    fmt, ctype = FORMATS[kind]
    assert sniff_format(data) == fmt
    file = to_audio_file(io.BytesIO(data))  # unnamed: the name comes from the bytes
    assert file.filename == f"audio.{fmt}"
    assert file.content_type == ctype
    assert file.data == data


def test_mp3_without_id3_and_raw_aac_are_sniffed() -> None:
    from audiokit.audio import encode

    mp3 = encode(tone(), 16_000, "mp3")
    if mp3.startswith(b"ID3"):  # strip the tag: a bare MPEG frame stream
        size = int.from_bytes(bytes(b & 0x7F for b in mp3[6:10]), "big")
        mp3 = mp3[10 + size :]
    assert mp3[0] == 0xFF and sniff_format(mp3) == "mp3"
    aac = encode(tone(), 16_000, "aac")
    assert sniff_format(aac) == "aac"


@pytest.mark.parametrize(
    "data",
    [b"", b"RIFF", b"hello world, this is text", b"\x00" * 100, b"%PDF-1.7\n", b"\xff"],
)
def test_non_audio_is_not_sniffed(data: bytes) -> None:
    assert sniff_format(data) is None


def test_mp4_brands() -> None:
    box = lambda brand: b"\x00\x00\x00\x20ftyp" + brand + b"\x00" * 20  # noqa: E731
    assert sniff_format(box(b"M4A ")) == "m4a"
    assert sniff_format(box(b"isom")) == "m4a"
    assert sniff_format(box(b"qt  ")) == "mp4"


# -- inputs -----------------------------------------------------------------------------------


def test_paths_bytes_and_file_objects(tmp_path: Path, wav_bytes: bytes) -> None:
    path = tmp_path / "talk.wav"
    path.write_bytes(wav_bytes)
    with open(path, "rb") as handle:
        from_handle = to_audio_file(handle)
    inputs = [
        str(path),
        path,
        wav_bytes,
        bytearray(wav_bytes),
        memoryview(wav_bytes),
        io.BytesIO(wav_bytes),
        AudioFile("talk.wav", wav_bytes, "wav"),
    ]
    files = [to_audio_file(x) for x in inputs]
    names = [f.filename for f in files]
    assert names == ["talk.wav", "talk.wav", "audio.wav", "audio.wav", "audio.wav", "audio.wav",
                     "talk.wav"]  # fmt: skip
    assert from_handle.filename == "talk.wav"
    assert all(f.data == wav_bytes for f in files)


def test_home_directory_paths_are_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           wav_bytes: bytes) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "a.wav").write_bytes(wav_bytes)
    assert to_audio_file("~/a.wav").filename == "a.wav"


@pytest.mark.parametrize(
    ("name", "kind", "upload"),
    [
        ("voice.txt", "wav", "voice.wav"),  # a wrong extension is corrected
        ("memo", "mp3", "memo.mp3"),  # no extension
        ("song.MPGA", "mp3", "song.MPGA"),  # same container, kept
        ("clip.mp4", "m4a", "clip.mp4"),
        ("rec.webm", "webm", "rec.webm"),
        ("rec.ogg.bak", "ogg", "rec.ogg.ogg"),
    ],
)
def test_upload_names_follow_the_bytes(name: str, kind: str, upload: str) -> None:
    buffer = io.BytesIO(encode_audio(kind))
    buffer.name = f"/some/dir/{name}"
    assert to_audio_file(buffer).filename == upload


def test_explicit_filename_wins(wav_bytes: bytes) -> None:
    assert to_audio_file(wav_bytes, filename="x.wav").filename == "x.wav"


@pytest.mark.parametrize(
    ("dtype", "scale"),
    [("float32", 1.0), ("int16", 32767), ("int32", 2**31 - 1), ("uint8", None), ("int8", 127)],
)
@pytest.mark.parametrize("channels", [1, 2])
def test_arrays_are_encoded_losslessly(dtype: str, scale: float | None, channels: int) -> None:
    x = tone(0.5, 16_000)
    if channels == 2:
        x = np.stack([x, -x], axis=1)
    if dtype == "uint8":
        array = np.round(x * 127 + 128).astype(np.uint8)
    elif dtype == "float32":
        array = x.astype(np.float32)
    else:
        array = np.round(x * scale).astype(dtype)
    file = to_audio_file((array, 16_000))
    assert (file.filename, file.format) == ("audio.wav", "wav")
    back, rate = sf.read(io.BytesIO(file.data), dtype="float64", always_2d=False)
    assert rate == 16_000
    assert back.shape == array.shape
    expected = {  # how libsndfile scales each PCM width to float
        "float32": array.astype(np.float64),
        "int16": array / 32768.0,
        "int32": array / 2.0**31,
        "uint8": (array.astype(np.float64) - 128) / 128.0,
        "int8": array / 128.0,
    }[dtype]
    np.testing.assert_array_equal(back, expected)


def test_channels_first_arrays_and_sample_rate_keyword() -> None:
    x = tone(0.25, 8_000)
    stereo = np.stack([x, x * 0.5])  # (2, frames)
    file = to_audio_file(stereo, sample_rate=8_000)
    back, rate = sf.read(io.BytesIO(file.data), dtype="float32")
    assert rate == 8_000 and back.shape == (len(x), 2)
    np.testing.assert_array_equal(back[:, 1], stereo[1])


def test_float64_keeps_float32_precision() -> None:
    x = np.random.default_rng(0).uniform(-1, 1, 4000)
    back, _ = sf.read(io.BytesIO(to_audio_file((x, 16_000)).data), dtype="float64")
    np.testing.assert_allclose(back, x, rtol=0, atol=6e-8)


@pytest.mark.parametrize(
    ("array", "error"),
    [
        (np.array([0.1, np.nan, 0.2]), AudioError),
        (np.array([0.1, np.inf]), AudioError),
        (np.arange(10, dtype=np.int64), InvalidTypeError),
        (np.array([1 + 1j, 2j]), InvalidTypeError),
        (np.array([True, False]), InvalidTypeError),
        (np.zeros((2, 2, 2), np.float32), InvalidTypeError),
        (np.zeros(0, np.float32), AudioError),
    ],
)
def test_arrays_that_are_not_audio(array: np.ndarray, error: type) -> None:
    with pytest.raises(error) as info:
        to_audio_file((array, 16_000))
    assert info.value.param == "file"


def test_speech_results_are_uploaded_in_a_format_the_api_takes() -> None:
    pcm = (tone(0.2, 24_000) * 32767).astype("<i2").tobytes()
    file = to_audio_file(Speech(pcm, format="pcm"))
    assert (file.filename, file.format) == ("speech.wav", "wav")
    back, rate = sf.read(io.BytesIO(file.data), dtype="int16")
    assert rate == 24_000
    assert back.tobytes() == pcm  # sample for sample

    mp3 = encode_audio("mp3")
    assert to_audio_file(Speech(mp3, format="mp3")).filename == "speech.mp3"


def test_raw_aac_is_converted_to_flac() -> None:
    from audiokit.audio import decode, encode

    aac = encode(tone(1.0, 24_000), 24_000, "aac")
    file = to_audio_file(Speech(aac, format="aac"))
    assert (file.filename, file.format, file.content_type) == ("speech.flac", "flac", "audio/flac")
    samples, rate = decode(file.data)
    assert rate == 24_000 and abs(len(samples) / rate - 1.0) < 0.1
    named = io.BytesIO(aac)
    named.name = "clip.aac"
    assert to_audio_file(named).filename == "clip.flac"


# -- refusals ---------------------------------------------------------------------------------


def test_refusals_name_the_parameter_and_say_why(tmp_path: Path) -> None:
    cases = [
        (b"", "empty"),
        (b"Hello, this is not audio at all.", "looks like text"),
        (b"\x00\x01\x02" * 50, "not a recognisable audio file"),
        (str(tmp_path / "missing.wav"), "no such file"),
    ]
    for audio, reason in cases:
        with pytest.raises(AudioError, match=reason) as info:
            to_audio_file(audio, param="file")
        assert info.value.param == "file"
        assert info.value.allowed


def test_a_file_object_read_twice_says_so(wav_bytes: bytes) -> None:
    buffer = io.BytesIO(wav_bytes)
    to_audio_file(buffer)
    with pytest.raises(AudioError, match=r"seek\(0\)"):
        to_audio_file(buffer)


def test_too_large_is_refused_with_advice() -> None:
    big = b"RIFF" + b"\x00\x00\x00\x00WAVE" + b"\x00" * (MAX_UPLOAD_BYTES + 1_000_000)
    with pytest.raises(AudioError, match="MB") as info:
        to_audio_file(big)
    assert "25 MB" in info.value.allowed and "split" in info.value.allowed
    assert len(str(info.value)) < 400  # the data is not dumped into the message


def test_text_mode_files_and_wrong_types(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(encode_audio("wav"))
    with open(path, encoding="latin-1") as handle, pytest.raises(InvalidTypeError, match="'rb'"):
        to_audio_file(handle)
    for wrong in (42, 3.5, None, ["a.wav"], {"file": "a.wav"}):
        with pytest.raises(InvalidTypeError):
            to_audio_file(wrong)
    with pytest.raises(InvalidTypeError, match="sample rate"):
        to_audio_file(np.zeros(100, np.float32))
    for rate in (0, -1, 16_000.0, "16k"):
        with pytest.raises(InvalidTypeError) as info:
            to_audio_file((tone(0.1), rate))
        assert info.value.param == "sample_rate"


def test_audio_file_repr_never_dumps_bytes(wav_bytes: bytes) -> None:
    text = repr(to_audio_file(wav_bytes))
    assert text == f"AudioFile('audio.wav', wav, {len(wav_bytes):,} bytes)"


# -- the pre-upload check ---------------------------------------------------------------------


def _wav(x: np.ndarray, rate: int = 16_000, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "PCM_U8", "FLOAT", "DOUBLE"])
def test_sound_only_at_the_very_end_is_found(subtype: str) -> None:
    from audiokit.audio import check_audio

    x = np.zeros(16_000 * 60, np.float32)
    x[-100:] = 0.5  # 60 s of silence, then 6 ms of sound
    assert check_audio(to_audio_file(_wav(x, subtype=subtype))) == 60.0
    with pytest.raises(AudioError, match="silent"):
        check_audio(to_audio_file(_wav(np.zeros(16_000, np.float32), subtype=subtype)))


@pytest.mark.parametrize("kind", ["flac", "mp3", "ogg", "m4a", "webm"])
def test_compressed_audio_is_checked_and_timed(kind: str) -> None:
    from audiokit.audio import check_audio

    duration = check_audio(to_audio_file(encode_audio(kind, 3.0)))
    assert duration is not None and abs(duration - 3.0) < 0.1
    with pytest.raises(AudioError, match="silent"):
        check_audio(to_audio_file(encode_audio(kind, 1.0, silent=True)))


def test_out_of_phase_stereo_is_not_silent() -> None:
    from audiokit.audio import check_audio

    x = tone(1.0)
    assert check_audio(to_audio_file(_wav(np.stack([x, -x], axis=1)))) == 1.0


def test_wav_layout_matches_libsndfile() -> None:
    from audiokit.audio import wav_layout

    x = np.random.default_rng(2).uniform(-0.9, 0.9, (1234, 2)).astype(np.float32)
    for subtype, dtype in [("PCM_16", "int16"), ("PCM_32", "int32"), ("FLOAT", "float32"),
                           ("DOUBLE", "float64")]:  # fmt: skip
        data = _wav(x, 22_050, subtype)
        layout = wav_layout(data)
        assert (layout.rate, layout.channels, layout.frames) == (22_050, 2, 1234)
        expected, _ = sf.read(io.BytesIO(data), dtype=dtype)
        np.testing.assert_array_equal(layout.samples(data).reshape(-1, 2), expected)
    assert wav_layout(_wav(x, subtype="PCM_24")) is None  # libsndfile's job
    assert wav_layout(_wav(x)[:100]).frames == (100 - 44) // 4  # truncated: what is there


@given(st.binary(max_size=200), st.binary(max_size=64))
def test_wav_layout_and_the_check_on_arbitrary_bytes(tail: bytes, fmt: bytes) -> None:
    from audiokit.audio import check_audio, wav_layout

    data = b"RIFF\x00\x00\x00\x00WAVEfmt " + fmt + b"data" + tail
    layout = wav_layout(data)
    if layout is not None:
        assert layout.samples(data).size == layout.frames * layout.channels
    with contextlib.suppress(AudioError):
        check_audio(AudioFile("x.wav", data, "wav"))


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_32", "FLOAT", "DOUBLE"])
@given(
    st.lists(st.floats(-3e-4, 3e-4), min_size=1, max_size=700),
    st.integers(0, 699),
    st.sampled_from([None, np.nan, np.inf, -np.inf]),
)
def test_the_silence_check_of_a_wav_agrees_with_its_samples(
    subtype: str, values: list[float], at: int, odd: float | None
) -> None:
    """The first block is looked at without numpy, the rest with it: either way a WAV is
    audible exactly when a decoded sample reaches SILENCE_PEAK (NaN and inf count as sound)."""
    from audiokit.audio import SILENCE_PEAK, check_audio

    x = np.array(values, np.float64)
    if odd is not None and subtype in ("FLOAT", "DOUBLE"):
        x[at % len(x)] = odd
    data = _wav(x, 16_000, subtype)  # 16 kHz: the first block is 320 samples
    decoded, _ = sf.read(io.BytesIO(data), dtype="float64")
    with np.errstate(invalid="ignore"):
        audible = not np.max(np.abs(decoded)) < SILENCE_PEAK
    try:
        check_audio(to_audio_file(data))
    except AudioError as exc:
        assert not audible and "silent" in str(exc)
    else:
        assert audible
