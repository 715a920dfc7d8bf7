"""An engine failure is an API-shaped 500 that names no exception class or internal detail."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import audiokit
from audiokit.local import LocalApp, LocalTransport, local_transport  # noqa: F401  (LocalApp is what is tested)

INTERNAL = "/srv/models/voice.onnx: RuntimeError in onnxruntime session 0x7f3a"


class BrokenVoice:
    """A voice whose engine fails the way a crashed ONNX session does (a fault, injected)."""

    sample_rate = 22_050
    name = "broken"

    def synthesize(self, text: str, *, speed: float = 1.0) -> Any:
        raise RuntimeError(INTERNAL)

    def stream(self, text: str, *, speed: float = 1.0) -> Any:
        raise RuntimeError(INTERNAL)


def test_a_failing_engine_answers_500_without_its_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = LocalApp(piper=BrokenVoice())
    client = audiokit.Client(transport=LocalTransport(app), max_retries=0)
    with caplog.at_level(logging.ERROR), pytest.raises(audiokit.InternalServerError) as info:
        client.speak("Hello there.", response_format="wav")
    error = info.value
    assert error.status_code == 500 and error.type == "server_error"
    shown = f"{error} {error.message} {error.body!r}"
    assert "RuntimeError" not in shown and INTERNAL not in shown
    assert "server log" in error.message
    # the operator still has the details
    assert any(INTERNAL in (r.exc_text or "") or INTERNAL in r.getMessage() for r in caplog.records)
