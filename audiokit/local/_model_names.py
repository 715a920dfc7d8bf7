"""The model names the offline engine answers to, and the ``/models`` routes that list them.

Every API model name runs the local engines — the transcription models (``whisper-1``,
``gpt-4o-transcribe``, …) the local Whisper, the speech models (``tts-1``, ``gpt-4o-mini-tts``,
…) the local Piper voice — so code written for the API runs offline unchanged. Any other name
(``gpt-9``, ``tts-9``) is answered as the API answers it: 404 ``model_not_found``. A server can
be told to accept more names (``audiokit serve --model NAME``): each is an alias of the offline
engine, for transcription and speech alike, listed by ``GET /v1/models``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..core import ValidationError
from ..wire import SPEECH_MODELS, TRANSCRIPTION_MODELS
from ._forms import HTTPProblem
from ._response import LocalResponse

__all__ = ["ModelNames"]

OWNER = "audiokit-local"  # `owned_by` of every model this engine lists
_KINDS = {"transcription": TRANSCRIPTION_MODELS, "speech": SPEECH_MODELS}


class ModelNames:
    """The API's model names plus the server's aliases; what a route may be asked to run.

    Parameters
    ----------
    aliases
        Further names to accept (``audiokit serve --model NAME``), each running the offline
        engine for every route.
    """

    def __init__(self, aliases: Iterable[str] = ()) -> None:
        names = list(aliases)
        for name in names:
            if not isinstance(name, str) or not name.strip() or "/" in name:
                raise ValidationError("model", name, "a model name without '/'")
        self.aliases = tuple(dict.fromkeys(n for n in names if n not in self.api_names()))

    @staticmethod
    def api_names() -> list[str]:
        return [*TRANSCRIPTION_MODELS, *SPEECH_MODELS]

    def names(self) -> list[str]:
        """Every name this engine answers to, the API's first."""
        return [*self.api_names(), *self.aliases]

    def check(self, name: str, kind: str) -> None:
        """Refuse ``name`` on a ``kind`` route (``"transcription"`` or ``"speech"``) as the API
        does: an unknown name is 404 ``model_not_found``; a model of the other kind, 400."""
        if name in _KINDS[kind] or name in self.aliases:
            return
        if name in self.names():
            other = "speech" if kind == "transcription" else "transcription"
            raise HTTPProblem(
                LocalResponse.error(
                    400,
                    f"{name} is a {other} model; this route takes " + ", ".join(_KINDS[kind]),
                    param="model",
                    code="invalid_value",
                )
            )
        raise HTTPProblem(self.not_found(name))

    def not_found(self, name: str) -> LocalResponse:
        return LocalResponse.error(
            404,
            f"The model `{name}` does not exist or you do not have access to it. (The offline "
            f"engine answers to {', '.join(self.names())}; `audiokit serve --model {name}` "
            "accepts it as an alias.)",
            code="model_not_found",
        )

    # -- the routes ----------------------------------------------------------------------------

    def list_route(self, headers: Mapping[str, str], body: bytes) -> LocalResponse:
        """``GET /models``."""
        return LocalResponse.json({"object": "list", "data": [_model(n) for n in self.names()]})

    def retrieve_route(self, name: str) -> LocalResponse:
        """``GET /models/{model}``."""
        if name not in self.names():
            return self.not_found(name)
        return LocalResponse.json(_model(name))


def _model(name: str) -> dict[str, object]:
    return {"id": name, "object": "model", "created": 0, "owned_by": OWNER}
