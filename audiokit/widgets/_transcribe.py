"""The transcriber widget: upload or record audio in the browser, transcribe it in the kernel.

The view reads top to bottom: the audio (upload or record, then a player), the options
(model, language, format, temperature, prompt, confidence, streaming), the Transcribe button,
then the live text and the result. ``problems`` holds the library's own messages about the
options (``transcription_request`` checks every parameter without sending); the audio itself
is judged when it runs.
"""

from __future__ import annotations

import warnings
from concurrent.futures import Future
from typing import Any

import traitlets
from ipywidgets.widgets.trait_types import bytes_serialization

from ..core import TEMPERATURE_RANGE
from ..wire import (
    SUPPORTED_LANGUAGES,
    TRANSCRIPTION_MODELS,
    capabilities,
    normalize_language,
    transcription_request,
)
from ._base import STATIC, ClientWidget

__all__ = ["MAX_WIDGET_UPLOAD_BYTES", "TranscribeWidget"]

# Audio crosses to the kernel as one websocket message; Jupyter Server (tornado) drops messages
# over 10 MiB by default. Keep 64 KiB for the message's JSON header.
MAX_WIDGET_UPLOAD_BYTES = 10 * 1024 * 1024 - 64 * 1024


def _capability_flags(model: str) -> dict[str, bool]:

    caps = capabilities(model)
    return {"logprobs": caps.logprobs, "stream": caps.stream, "prompt": caps.prompt}


class TranscribeWidget(ClientWidget):
    """Upload a file or record from the browser's microphone, then transcribe it.

    Recording uses the browser's MediaRecorder, so it works with a remote kernel and in
    JupyterLab, Notebook 7 and VS Code. The call runs on a worker thread; with ``stream`` the
    text grows live. The result is ``w.transcript`` (an ``audiokit.Transcript``), displayed
    with its confidence highlighting. The prompt is sent only to models that take one.

    Parameters
    ----------
    client : audiokit.Client, optional
        The client to call; by default ``audiokit.Client()`` (offline without an API key).
    **kwargs
        Initial trait values: ``model``, ``language``, ``prompt``, ``temperature``,
        ``response_format``, ``logprobs``, ``stream``, ``audio``.

    Examples
    --------
    >>> w = TranscribeWidget(stream=True)                         # doctest: +SKIP
    >>> w.audio = open("hello.wav", "rb").read()                  # doctest: +SKIP
    >>> w.run().result().text                                     # doctest: +SKIP
    'Hello there.'
    """

    _esm = STATIC / "transcribe.js"

    audio = traitlets.Bytes(b"", help="The audio to transcribe, any container.").tag(
        sync=True, **bytes_serialization
    )
    audio_name = traitlets.Unicode("", help="File name of the upload or recording.").tag(sync=True)
    max_upload_bytes = traitlets.Int(
        MAX_WIDGET_UPLOAD_BYTES, help="Largest upload or recording the front end sends."
    ).tag(sync=True)
    model = traitlets.Unicode("gpt-4o-mini-transcribe").tag(sync=True)
    model_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    language = traitlets.Unicode("", help="ISO-639-1 code or name; empty: detect.").tag(sync=True)
    language_options = traitlets.List(help="[code, name] pairs offered.").tag(sync=True)
    prompt = traitlets.Unicode("", help="Text to guide spelling and style; empty: none.").tag(
        sync=True
    )
    temperature = traitlets.Float(
        None, allow_none=True, help="Sampling temperature; None: the model's default."
    ).tag(sync=True)
    # Only the input's bounds: the library validates the value.
    temperature_range = traitlets.Tuple(
        traitlets.Float(), traitlets.Float(), default_value=TEMPERATURE_RANGE
    ).tag(sync=True)
    response_format = traitlets.Unicode("json").tag(sync=True)
    format_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    logprobs = traitlets.Bool(False, help="Ask for token confidences.").tag(sync=True)
    stream = traitlets.Bool(False, help="Show the text as it is produced.").tag(sync=True)
    capabilities = traitlets.Dict(help="What the model supports: logprobs, stream, prompt.").tag(
        sync=True
    )
    text = traitlets.Unicode("", help="The text so far while streaming, then the final text.").tag(
        sync=True
    )
    html = traitlets.Unicode("", help="The transcript's rich display.").tag(sync=True)
    transcript = traitlets.Any(None, allow_none=True, help="The last audiokit.Transcript.")
    _constructed = False

    def __init__(self, *, client: Any = None, **kwargs: Any) -> None:

        kwargs.setdefault("model_options", list(TRANSCRIPTION_MODELS))
        kwargs.setdefault("language_options", [list(item) for item in SUPPORTED_LANGUAGES.items()])
        super().__init__(client=client, **kwargs)
        self._model_changed()
        self._constructed = True

    @traitlets.observe("model")
    def _model_changed(self, change: traitlets.Bunch | None = None) -> None:

        # A format the model lacks falls back to its first (the menu must show a valid one).
        # When the model changes, features it lacks are unticked (and greyed out in the front
        # end); what the caller passed at construction is kept, and the library says if the
        # model cannot do it.
        formats = list(capabilities(self.model).response_formats)
        flags = _capability_flags(self.model)
        with self.hold_sync():
            self.capabilities = flags
            self.format_options = formats
            if self.response_format not in formats:
                self.response_format = formats[0]
            if self._constructed:
                self.logprobs = self.logprobs and flags["logprobs"]
                self.stream = self.stream and flags["stream"]
        self._validate()

    @traitlets.observe("language")
    def _language_changed(self, change: traitlets.Bunch) -> None:
        # "German" or "en-US" (typed, or passed by %transcribe -l) shows as its code in the menu.
        try:
            code = normalize_language(self.language) if self.language.strip() else ""
        except ValueError:
            return  # left as typed: ``problems`` says why
        if code != self.language:
            self.language = code

    def _options(self) -> dict[str, Any]:
        """What ``run`` passes to ``Client.transcribe`` besides the audio and ``stream``."""
        options: dict[str, Any] = {
            "model": self.model,
            "language": self.language.strip() or None,
            "response_format": self.response_format,
        }
        if self.prompt.strip() and self.capabilities.get("prompt", True):
            options["prompt"] = self.prompt
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.logprobs:
            options["logprobs"] = True
        return options

    @traitlets.observe("language", "prompt", "temperature", "response_format", "logprobs")
    def _validate(self, change: traitlets.Bunch | None = None) -> None:
        options = self._options()

        def build() -> object:
            with warnings.catch_warnings():  # a long whisper-1 prompt warns when it runs
                warnings.simplefilter("ignore")
                # The options are checked before the audio: the empty probe's complaint about
                # the file is not a problem of the options.
                return transcription_request(b"", **options)

        self.problems = self._problem(build, ignore=("file",))

    def run(self) -> Future[Any]:
        """Transcribe ``audio`` with the chosen options; returns the Future of the Transcript."""
        audio, stream, options = self.audio, self.stream, self._options()

        def work() -> Any:
            if stream:
                events = self.client.transcribe(audio, stream=True, **options)
                text = ""
                for event in events:
                    if event.type == "transcript.text.delta":
                        text += event.delta
                        self._update(text=text)
                transcript = events.transcript
            else:
                transcript = self.client.transcribe(audio, **options)
            self._update(transcript=transcript, text=transcript.text, html=transcript._repr_html_())
            return transcript

        self._update(text="", html="")
        return self._submit(work)

    transcribe = run
