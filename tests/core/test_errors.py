"""The exception tree: it is what the module docstring draws, every class is exported, messages
name the parameter, value and what is allowed, and errors survive pickling (multiprocessing).
"""

from __future__ import annotations

import pickle
import re

import pytest

import audiokit
from audiokit.core import (
    APIConnectionError,
    APIStatusError,
    AudioError,
    InvalidTypeError,
    StreamError,
    UnsupportedError,
    ValidationError,
    _errors,
    status_error_class,
)


def drawn_tree() -> dict[str, str]:
    """child -> parent, read from the box drawing in ``_errors``'s docstring."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in _errors.__doc__.splitlines():
        match = re.match(r"^(\s*)(?:([│ ]*)[├└]── )?([A-Z]\w+(?:Error|Interrupted))\b", line)
        if not match or ("──" not in line and line.strip() != "AudiokitError"):
            continue
        name = match.group(3)
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def test_the_docstring_draws_the_real_tree() -> None:
    tree = drawn_tree()
    assert len(tree) >= 20
    for child, parent in tree.items():
        cls, base = getattr(_errors, child), getattr(_errors, parent)
        assert cls.__bases__[0] is base, (child, parent)
    drawn = set(tree) | {"AudiokitError"}
    defined = {
        name
        for name, obj in vars(_errors).items()
        if isinstance(obj, type) and issubclass(obj, _errors.AudiokitError)
    }
    assert defined == drawn, defined ^ drawn


def test_every_error_is_exported_from_audiokit() -> None:
    for name in _errors.__all__:
        if name[0].isupper():
            assert getattr(audiokit, name) is getattr(_errors, name)
            assert name in audiokit.__all__


def test_validation_errors_are_value_and_type_errors() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(InvalidTypeError, TypeError) and issubclass(InvalidTypeError, ValueError)
    assert issubclass(AudioError, ValidationError) and issubclass(UnsupportedError, ValidationError)
    assert issubclass(audiokit.ParseError, ValueError)
    assert not issubclass(audiokit.APIError, ValueError)


def test_validation_message() -> None:
    e = ValidationError("speed", 9, "a number from 0.25 to 4")
    assert str(e) == "speed=9 is not allowed; allowed: a number from 0.25 to 4"
    e = UnsupportedError("stream", True, "gpt-4o models", reason="whisper-1 cannot stream")
    assert str(e) == "stream=True: whisper-1 cannot stream; allowed: gpt-4o models"
    assert (e.param, e.value, e.allowed, e.reason) == (
        "stream",
        True,
        "gpt-4o models",
        "whisper-1 cannot stream",
    )


def test_long_values_are_shortened_in_messages() -> None:
    e = ValidationError("input", "x" * 10_000, "at most 4096 characters")
    assert len(str(e)) < 200
    assert "(10002 chars)" in str(e)
    assert e.value == "x" * 10_000  # the attribute keeps it whole


def test_status_error_str() -> None:
    assert str(APIStatusError("boom", status_code=500)) == "HTTP 500: boom"
    e = APIStatusError("bad", status_code=400, type="invalid_request_error", request_id="r1")
    assert str(e) == "HTTP 400: bad (type=invalid_request_error) [request id r1]"


def test_status_error_class_covers_every_status() -> None:
    for status in range(400, 600):
        cls = status_error_class(status)
        assert issubclass(cls, APIStatusError)
        if status >= 500:
            assert cls is audiokit.InternalServerError


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("language", "Klingon", "en, de, ...", reason="unknown"),
        InvalidTypeError("model", 5, "a string"),
        AudioError("file", "a.wav", "audio", reason="silent"),
        audiokit.ParseError("bad srt"),
        APIStatusError(
            "bad",
            status_code=400,
            type="t",
            code="c",
            param="p",
            request_id="r",
            body={"error": {"message": "bad"}},
        ),
        audiokit.RateLimitError("slow down", status_code=429),
        APIConnectionError("reset"),
        audiokit.APITimeoutError("timed out"),
        audiokit.APIResponseError("not json", request_id="r2"),
        StreamError("cut", partial=audiokit.Transcript("partial text")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickling(error: Exception) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert back.__dict__ == error.__dict__
