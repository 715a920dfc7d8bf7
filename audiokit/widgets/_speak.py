"""The speaker widget: text, voice (with previews), model options; speaks in the kernel.

The view reads top to bottom: the text, the voice, the options the model takes (instructions,
speed, format), the Speak button, then the result. The button waits for valid inputs:
``problems`` holds the library's own messages (``speech_request`` checks without sending).
"""

from __future__ import annotations

import base64
from concurrent.futures import Future
from typing import Any

import traitlets

from ..wire import SPEECH_MODELS, VOICES, capabilities, speech_request
from ._base import STATIC, ClientWidget

__all__ = ["PREVIEW_TEXT", "SpeakWidget"]

PREVIEW_TEXT = "Hello! This is how I sound."
PREVIEW_FORMAT = "mp3"  # small, and every browser plays it


def _data_url(speech: Any) -> str:
    return f"data:{speech.content_type};base64,{base64.b64encode(speech.data).decode('ascii')}"


class SpeakWidget(ClientWidget):
    """Type text, pick a voice (▶ plays a short cached sample of each), speak it.

    Instructions and speed are offered only for models that take them
    (``audiokit.capabilities(model)``). While the text is empty or an option is not one the
    library accepts, ``problems`` says why and the Speak button waits. The result is
    ``w.speech`` (an ``audiokit.Speech``), shown as a player with a download link.

    Parameters
    ----------
    client : audiokit.Client, optional
        The client to call; by default ``audiokit.Client()`` (offline without an API key).
    **kwargs
        Initial trait values: ``text``, ``voice``, ``model``, ``instructions``, ``speed``,
        ``response_format``.

    Examples
    --------
    >>> w = SpeakWidget(text="Hello there!", voice="coral")       # doctest: +SKIP
    >>> w.run().result().duration                                 # doctest: +SKIP
    1.2
    """

    _esm = STATIC / "speak.js"

    text = traitlets.Unicode("").tag(sync=True)
    voice = traitlets.Unicode("alloy").tag(sync=True)
    voices = traitlets.List(traitlets.Unicode(), help="Every built-in voice.").tag(sync=True)
    model_voices = traitlets.List(traitlets.Unicode(), help="Voices the model takes.").tag(
        sync=True
    )
    model = traitlets.Unicode("gpt-4o-mini-tts").tag(sync=True)
    model_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    instructions = traitlets.Unicode("").tag(sync=True)
    instructions_enabled = traitlets.Bool(True).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    speed_enabled = traitlets.Bool(False).tag(sync=True)
    # The reference's 0.25-4.0; only the slider's bounds: the library validates the value.
    speed_range = traitlets.Tuple(traitlets.Float(), traitlets.Float(), default_value=(0.25, 4.0))
    speed_range.tag(sync=True)
    response_format = traitlets.Unicode("mp3").tag(sync=True)
    format_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    html = traitlets.Unicode("", help="The Speech's player and download link.").tag(sync=True)
    previews = traitlets.Dict(help="voice -> data: URL of its sample.").tag(sync=True)
    preview_voice = traitlets.Unicode("").tag(sync=True)
    _preview_requests = traitlets.Int(0).tag(sync=True)
    speech = traitlets.Any(None, allow_none=True, help="The last audiokit.Speech.")

    def __init__(self, *, client: Any = None, **kwargs: Any) -> None:

        kwargs.setdefault("voices", list(VOICES))
        kwargs.setdefault("model_options", list(SPEECH_MODELS))
        super().__init__(client=client, **kwargs)
        self._preview_cache: dict[tuple[str, str], Any] = {}
        self._model_changed()

    @traitlets.observe("model")
    def _model_changed(self, change: traitlets.Bunch | None = None) -> None:

        caps = capabilities(self.model)
        formats = list(caps.response_formats)
        with self.hold_sync():
            self.instructions_enabled = caps.instructions
            self.speed_enabled = caps.speed
            self.model_voices = list(caps.voices)
            self.format_options = formats
            if self.response_format not in formats:
                self.response_format = formats[0]
            self.previews = {}  # samples belong to a model
        self._validate()

    def _options(self) -> dict[str, Any]:
        """What ``run`` passes to ``Client.speak`` besides the text."""
        options: dict[str, Any] = {
            "model": self.model,
            "voice": self.voice,
            "response_format": self.response_format,
        }
        if self.instructions_enabled and self.instructions.strip():
            options["instructions"] = self.instructions
        if self.speed_enabled:
            options["speed"] = self.speed
        return options

    @traitlets.observe("text", "voice", "instructions", "speed", "response_format")
    def _validate(self, change: traitlets.Bunch | None = None) -> None:
        options = self._options()
        # Longer text is split by Client.speak, so no length limit here. The options are
        # checked on a sample text too, so a bad option shows even while the text is empty.
        self.problems = {
            **self._problem(lambda: speech_request(PREVIEW_TEXT, max_chars=None, **options)),
            **self._problem(lambda: speech_request(self.text, max_chars=None, **options)),
        }

    def run(self) -> Future[Any]:
        """Speak ``text`` with the chosen options; returns the Future of the Speech."""
        text, options = self.text, self._options()

        def work() -> Any:
            speech = self.client.speak(text, **options)
            self._update(speech=speech, html=speech._repr_html_())
            return speech

        self._update(html="")
        return self._submit(work)

    speak = run

    def preview(self, voice: str) -> Future[Any]:
        """Speak :data:`PREVIEW_TEXT` with ``voice`` (cached per model and voice)."""
        model = self.model

        def work() -> Any:
            key = (model, voice)
            if key not in self._preview_cache:
                self._preview_cache[key] = self.client.speak(
                    PREVIEW_TEXT, model=model, voice=voice, response_format=PREVIEW_FORMAT
                )
            speech = self._preview_cache[key]
            if model == self.model:
                self._update(previews={**self.previews, voice: _data_url(speech)})
            return speech

        return self._submit(work, busy=False)

    @traitlets.observe("_preview_requests")
    def _on_preview_request(self, change: traitlets.Bunch) -> None:
        self.preview(self.preview_voice)
