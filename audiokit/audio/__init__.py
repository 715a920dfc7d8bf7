"""Audio in and out: inputs of every kind, decoding, encoding, resampling, probing."""

from ._codec import (
    ENCODE_FORMATS,
    AudioDecodeError,
    AudioInfo,
    WavLayout,
    as_float32,
    decode,
    encode,
    iter_blocks,
    probe,
    resample,
    stream_resampler,
    to_mono,
    wav_layout,
)
from ._inputs import AudioFile, AudioInput, is_array, sniff_format, to_audio_file

__all__ = [
    "ENCODE_FORMATS",
    "AudioDecodeError",
    "AudioFile",
    "AudioInfo",
    "AudioInput",
    "WavLayout",
    "as_float32",
    "decode",
    "encode",
    "is_array",
    "iter_blocks",
    "probe",
    "resample",
    "sniff_format",
    "stream_resampler",
    "to_audio_file",
    "to_mono",
    "wav_layout",
]
