"""The multipart body audiokit sends is the one httpx's own encoder would send, byte for byte.

``wire/_multipart.py`` builds the body in one piece (one socket write) instead of letting httpx
stream it part by part; httpx's encoder, given the same boundary, is the reference.
"""

from __future__ import annotations

import httpx
import pytest

from audiokit.audio import AudioFile
from audiokit.wire import transcription_request, translation_request
from audiokit.wire._multipart import form_dict, multipart

BOUNDARY = "0123456789abcdef0123456789abcdef"


def _httpx_body(
    fields: tuple[tuple[str, str], ...], files: tuple[tuple[str, AudioFile], ...]
) -> bytes:
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/v1/audio/transcriptions",
        data=form_dict(fields),
        files=[(name, (f.filename, f.data, f.content_type)) for name, f in files],
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    return request.read()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {
            "model": "whisper-1",
            "response_format": "verbose_json",
            "timestamp_granularities": ["word", "segment"],
        },
        {"logprobs": True, "prompt": 'Quotes " and \\ backslashes,\nnew lines, ünïcödé, 漢字'},
        {"language": "de", "temperature": 0.2, "chunking_strategy": "auto"},
    ],
)
def test_a_transcription_body_is_what_httpx_would_send(wav_bytes: bytes, options: dict) -> None:
    request = transcription_request(wav_bytes, **{"model": "gpt-4o-transcribe", **options})
    ours = multipart(request.data, request.files, BOUNDARY.encode())
    assert ours == _httpx_body(request.data, request.files)


def test_awkward_file_names_are_escaped_as_httpx_escapes_them(wav_bytes: bytes) -> None:
    name = 'a "quoted"\\ name\twith\x01 controls\x1b and ü.wav'
    request = translation_request(wav_bytes, model="whisper-1", filename=name)
    ours = multipart(request.data, request.files, BOUNDARY.encode())
    assert ours == _httpx_body(request.data, request.files)
    assert b"%22quoted%22" in ours  # the escape really happened
