"""Audio in and out: inputs of every kind, decoding, encoding, resampling, probing."""

from ._backends import as_float32, to_mono
from ._blocks import iter_blocks
from ._checks import SCAN_SECONDS, SILENCE_PEAK, AudioScan, check_audio, scan_audio
from ._decode import AudioInfo, decode, probe
from ._encode import ENCODE_FORMATS, encode, encode_webm_opus
from ._inputs import AudioFile, AudioInput, is_array, sniff_format, to_audio_file
from ._pauses import FRAME_SECONDS, Pause, choose_cut, energy_db, find_pauses
from ._resample import resample, stream_resampler
from ._tempo import change_tempo
from ._wav import WavLayout, wav_layout

__all__ = [
    "ENCODE_FORMATS",
    "FRAME_SECONDS",
    "SCAN_SECONDS",
    "SILENCE_PEAK",
    "AudioFile",
    "AudioInfo",
    "AudioInput",
    "AudioScan",
    "Pause",
    "WavLayout",
    "as_float32",
    "change_tempo",
    "check_audio",
    "choose_cut",
    "decode",
    "encode",
    "encode_webm_opus",
    "energy_db",
    "find_pauses",
    "is_array",
    "iter_blocks",
    "probe",
    "resample",
    "scan_audio",
    "sniff_format",
    "stream_resampler",
    "to_audio_file",
    "to_mono",
    "wav_layout",
]
