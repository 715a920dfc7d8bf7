"""Facts shared across layers: the API's limits and audio rates, and how audiokit names itself.

Every other module takes these from here, so a limit the API changes is changed once.
"""

from __future__ import annotations

from .._version import __version__

__all__ = [
    "ENGINE_HEADER",
    "MAX_INSTRUCTIONS_CHARS",
    "MAX_KNOWN_SPEAKERS",
    "MAX_PROMPT_TOKENS_WHISPER",
    "MAX_SPEECH_INPUT_CHARS",
    "MAX_UPLOAD_BYTES",
    "MIN_COMMIT_MS",
    "REALTIME_MAX_APPEND_BYTES",
    "SPEAKER_REFERENCE_SECONDS",
    "SPEECH_SAMPLE_RATE",
    "SPEED_RANGE",
    "TEMPERATURE_RANGE",
    "UPLOAD_EXTENSIONS",
    "USER_AGENT",
    "WORD_PROBABILITIES_HEADER",
]

USER_AGENT = f"audiokit/{__version__}"
# audiokit's offline engine says which model or voice really ran (e.g. "Whisper tiny.en"): the
# client keeps it as `Transcript.engine` / `Speech.engine`, whatever model or voice was asked.
ENGINE_HEADER = "x-audiokit-engine"
# Whisper's word probabilities (comma-separated, one per verbose_json word), from the offline
# engine to the client *in-process only*: the in-process transport adds this header, `audiokit
# serve` never sends it, and the JSON keeps the API's shape (its words have no probability).
WORD_PROBABILITIES_HEADER = "x-audiokit-word-probabilities"

# /audio/transcriptions and /audio/translations
MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # the API's upload limit: 25 MB
UPLOAD_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")
TEMPERATURE_RANGE = (0.0, 1.0)
MAX_KNOWN_SPEAKERS = 4
SPEAKER_REFERENCE_SECONDS = (2.0, 10.0)  # each known_speaker_reference must last 2-10 s
MAX_PROMPT_TOKENS_WHISPER = 224  # whisper-1 reads only this many prompt tokens

# /audio/speech
MAX_SPEECH_INPUT_CHARS = 4096  # input maxLength
MAX_INSTRUCTIONS_CHARS = 4096  # instructions maxLength
SPEED_RANGE = (0.25, 4.0)
SPEECH_SAMPLE_RATE = 24_000  # Hz: speech output, and the pcm format (16-bit LE mono) at this rate

# Realtime API (live transcription): input audio is pcm16 at SPEECH_SAMPLE_RATE too
MIN_COMMIT_MS = 100  # the API refuses to commit less buffered audio than this
REALTIME_MAX_APPEND_BYTES = 15 * 1024 * 1024  # per input_audio_buffer.append
