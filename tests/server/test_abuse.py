"""Malformed requests get a 400 naming the parameter, never a 500.

Every case runs twice: against a real ``audiokit serve`` subprocess on 127.0.0.1 and against the
in-process engine (``LocalApp.handle``, what ``Client(local=True)`` uses), so both refuse alike.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator

import httpx
import numpy as np
import pytest
from conftest import ServeProcess

from audiokit.local import LocalApp
from audiokit.text import count_prompt_tokens, trim_prompt

Ask = Callable[[str, dict[str, str], bytes], tuple[int, dict]]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with ServeProcess() as server:
        yield server.url


@pytest.fixture(params=["server", "in-process"])
def ask(request: pytest.FixtureRequest) -> Ask:
    if request.param == "server":
        url = request.getfixturevalue("served")

        def over_http(path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
            answer = httpx.post(f"{url}{path}", headers=headers, content=body, timeout=120)
            return answer.status_code, answer.json()

        return over_http
    app = LocalApp()

    def in_process(path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        answer = app.handle("POST", path, headers, body)
        return answer.status, json.loads(answer.body)

    return in_process


def _form(fields: dict[str, str | list[str]], audio: bytes) -> tuple[dict, bytes]:
    request = httpx.Request(
        "POST", "http://x/", data=fields, files={"file": ("a.wav", audio, "audio/wav")}
    )
    return {"content-type": request.headers["content-type"]}, request.read()


def _wav(channels: int, rate: int, frames: int) -> bytes:
    """A 16-bit PCM WAV whose header says ``channels`` and ``rate``, holding audible noise."""
    data = np.random.default_rng(0).integers(-3000, 3000, frames * channels, dtype="<i2")
    raw = data.tobytes()
    fmt = struct.pack(
        "<HHIIHH", 1, channels, rate, (rate * channels * 2) & 0xFFFFFFFF, channels * 2 & 0xFFFF, 16
    )
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(raw))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(raw))
        + raw
    )


def _refused(answer: tuple[int, dict], param: str | None, *words: str) -> None:
    status, body = answer
    error = body["error"]
    assert status == 400, body
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    for word in words:
        assert word in error["message"], error["message"]
    assert "Error" not in error["message"]  # no exception class reaches the caller


@pytest.mark.parametrize(
    ("channels", "rate", "claim"),
    [(65535, 16_000, "65535 channels"), (1, 4_000_000_000, "4000000000 Hz"), (1, 1, "1 Hz")],
)
def test_a_forged_wav_header_is_a_400(ask: Ask, channels: int, rate: int, claim: str) -> None:
    headers, body = _form({"model": "whisper-1"}, _wav(channels, rate, 20))
    _refused(ask("/v1/audio/transcriptions", headers, body), "file", claim)


def _speech(**extra: object) -> bytes:
    return json.dumps({"model": "tts-1", "voice": "alloy", "input": "Hello.", **extra}).encode()


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("text", "allowed"), [("a\x00b", "without NUL"), ("a\ud800b", "lone surrogate")]
)
def test_unspeakable_input_is_a_400(ask: Ask, text: str, allowed: str) -> None:
    _refused(ask("/v1/audio/speech", JSON, _speech(input=text)), "input", allowed)


def test_json_nested_100k_deep_is_a_400(ask: Ask) -> None:
    deep = b'{"model": "tts-1", "input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _refused(ask("/v1/audio/speech", JSON, deep), None, "nests JSON")


def test_brackets_inside_strings_are_text_not_nesting(ask: Ask) -> None:
    """The depth check skips strings: an input of 100 brackets is text to speak, and is judged
    as such (here: refused for its unknown voice, which proves it got past the body check)."""
    status, body = ask("/v1/audio/speech", JSON, _speech(input="[" * 100, voice="nobody"))
    assert status == 400 and body["error"]["param"] == "voice", body


def test_a_million_digit_number_is_a_400_naming_its_parameter(ask: Ask) -> None:
    body = _speech(speed=0).replace(b'"speed": 0', b'"speed": ' + b"7" * 1_000_000)
    _refused(ask("/v1/audio/speech", JSON, body), "speed", "1000000 digits")


def test_include_and_include_brackets_together_is_a_400(ask: Ask) -> None:
    fields = {"model": "whisper-1", "include": "logprobs", "include[]": "verbose"}
    headers, body = _form(fields, _wav(1, 16_000, 16_000))
    answer = ask("/v1/audio/transcriptions", headers, body)
    # the message names the fields as sent, not a None
    _refused(answer, "include", "include=logprobs", "include[]=verbose", "two shapes")
    assert "None" not in answer[1]["error"]["message"]


def test_150k_empty_form_fields_are_refused_before_parsing(ask: Ask) -> None:
    boundary = "b0undary"
    parts = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n' % boundary.encode()
        for _ in range(150_000)
    )
    body = parts + b"--%s--\r\n" % boundary.encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    status, answer = ask("/v1/audio/transcriptions", headers, body)
    assert status == 413, answer
    assert answer["error"]["code"] == "too_many_fields"
    assert "150000 parts" in answer["error"]["message"]


def test_a_form_of_ordinary_size_is_not_counted_as_too_many(ask: Ask) -> None:
    fields = {"model": "whisper-1", "timestamp_granularities[]": ["nope"] * 5}
    headers, body = _form(fields, _wav(1, 16_000, 16_000))
    status, answer = ask("/v1/audio/transcriptions", headers, body)
    assert status == 400 and answer["error"]["param"] == "timestamp_granularities", answer


def test_trim_prompt_keeps_the_last_224_tokens() -> None:
    prompt = " ".join(f"word{i}" for i in range(200_000))  # about 1.4 MB
    trimmed = trim_prompt(prompt)
    assert prompt.endswith(trimmed)
    assert 200 <= count_prompt_tokens(trimmed) <= 224
    assert trim_prompt("A short prompt.") == "A short prompt."


def test_a_megabyte_prompt_is_trimmed_not_refused(ask: Ask) -> None:
    audio = _wav(1, 16_000, 16_000)
    headers, body = _form({"model": "whisper-1", "prompt": "lecture notes " * 75_000}, audio)
    status, answer = ask("/v1/audio/transcriptions", headers, body)
    assert status == 200, answer
    assert isinstance(answer["text"], str)
