"""The custom-voice routes offline: answered honestly with an error, never faked.

The offline engine has one Piper voice (every built-in voice name maps to it) and no way to
clone a voice from a sample, so it cannot create a custom voice; keeping consent recordings that
could never authorise anything would only pretend. Each of the API's custom-voice routes —
``POST /audio/voices``, ``GET|POST /audio/voice_consents``,
``GET|POST|DELETE /audio/voice_consents/{consent_id}`` — therefore answers 400 with the
OpenAI error shape (``type: invalid_request_error``, ``code: unsupported_offline``) and a message
that says what to do instead. The routes exist (rather than a 404 "unknown route") so that a
client, the ``openai`` SDK or ``curl`` against ``audiokit serve`` learns why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ._response import LocalResponse

__all__ = ["CUSTOM_VOICE_MESSAGE", "CUSTOM_VOICE_ROUTES", "custom_voice_routes"]

CUSTOM_VOICE_MESSAGE = (
    "custom voices and voice consents are not available in the offline engine: it has one "
    "built-in Piper voice (every built-in voice name uses it) and cannot create a voice from a "
    "sample. Use the OpenAI API for custom voices (set OPENAI_API_KEY; custom voices are "
    "limited to eligible customers)."
)
UNSUPPORTED_OFFLINE = "unsupported_offline"

CUSTOM_VOICE_ROUTES = (
    ("POST", "/audio/voices"),
    ("GET", "/audio/voice_consents"),
    ("POST", "/audio/voice_consents"),
    ("GET", "/audio/voice_consents/{consent_id}"),
    ("POST", "/audio/voice_consents/{consent_id}"),
    ("DELETE", "/audio/voice_consents/{consent_id}"),
)

Handler = Callable[[Mapping[str, str], bytes], LocalResponse]


def _refuse(headers: Mapping[str, str], body: bytes) -> LocalResponse:
    return LocalResponse.error(400, CUSTOM_VOICE_MESSAGE, code=UNSUPPORTED_OFFLINE)


def custom_voice_routes() -> dict[tuple[str, str], Handler]:
    """``{(method, path template): handler}`` for :class:`~audiokit.local._app.LocalApp`."""
    return dict.fromkeys(CUSTOM_VOICE_ROUTES, _refuse)
