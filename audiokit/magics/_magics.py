"""IPython magics: ``%transcribe``, ``%translate``, ``%%speak`` and ``%audiokit``.

``%load_ext audiokit`` registers :class:`AudiokitMagics`. Each magic is a thin layer in the
style of ``IPython.core.magic_arguments``: parse the line (``parse_argstring``), resolve the
source (a path, a glob, or a variable of the user's namespace: ``_sources.py``), call the
library (``audiokit.transcribe`` / ``translate`` / ``speak`` on the default client) and *return*
the result, which displays itself (:mod:`audiokit.notebook`). ``-o NAME`` also stores it; a
trailing ``;`` silences it as for any cell value.

Errors the caller can fix (:class:`~audiokit.AudiokitError`) become one-line ``UsageError``
messages naming the option; anything else is a bug and keeps its traceback.

Settings are ``config=True`` traitlets, so ``%config AudiokitMagics.voice = "coral"``, an
``ipython_config.py`` and ``%audiokit voice=coral`` all set the same thing, and they are pushed
to the library with :func:`audiokit.configure` (the environment's ``AUDIOKIT_*`` variables are
the defaults, read by ``audiokit.core._config``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from IPython.core import magic as _ipython_magic
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Enum, TraitError, Unicode, default, validate

from .. import client as api
from ..core import BACKENDS, AudiokitError, Defaults, StreamError, defaults
from ._sources import (
    check_player,
    is_single,
    resolve_source,
    resolve_sources,
    resolve_speakers,
    substitute,
)

__all__ = ["AudiokitMagics", "load_ipython_extension"]

# IPython >= 8.8 drops a line magic's value when the line ends with ";" if the magic says so.
output_can_be_silenced = getattr(_ipython_magic, "output_can_be_silenced", lambda f: f)

DIARIZE_MODEL = "gpt-4o-transcribe-diarize"

# Library parameter → the option that sets it, so an error names what the user typed.
OPTION_OF_PARAM = {
    "file": "SOURCE",
    "model": "--model",
    "language": "--language",
    "prompt": "--prompt",
    "response_format": "--format",
    "include": "--logprobs",
    "timestamp_granularities": "--timestamps",
    "chunking_strategy": "--chunking",
    "split": "--split",
    "chunk_seconds": "--chunk-seconds",
    "known_speaker_names": "--speaker",
    "known_speaker_references": "--speaker",
    "temperature": "--temperature",
    "sample_rate": "--rate",
    "input": "text",
    "voice": "--voice",
    "instructions": "--instructions",
    "speed": "--speed",
}
MODEL_SETTINGS = tuple(f.name for f in fields(Defaults))  # transcription_model, …, voice
CLIENT_SETTINGS = ("backend", "base_url")


def plain_help(magic: Callable[..., Any]) -> Callable[..., Any]:
    """``%magic?`` and ``--help`` read as plain text: IPython starts the usage with an RST
    literal-block marker (``::``), which a notebook shows as it is."""
    doc = magic.__doc__ or ""
    if doc.startswith("::\n\n"):
        doc = "Usage:\n" + doc.removeprefix("::\n\n")
    magic.__doc__ = doc
    return magic


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext audiokit``."""
    ipython.register_magics(AudiokitMagics(shell=ipython))


@magics_class
class AudiokitMagics(Magics):
    """Speech magics over the audiokit library.

    Settings (``%config AudiokitMagics.<name> = …`` or ``%audiokit name=value``) are shared
    with the library functions and widgets: they are pushed to :func:`audiokit.configure`.
    """

    transcription_model = Unicode(help="Default model of %transcribe.").tag(config=True)
    translation_model = Unicode(help="Default model of %translate.").tag(config=True)
    speech_model = Unicode(help="Default model of %%speak.").tag(config=True)
    voice = Unicode(help="Default voice of %%speak.").tag(config=True)
    backend = Enum(
        BACKENDS,
        default_value=None,
        allow_none=True,
        help="'api' or 'local' (None: api when a key or base URL is set, else local).",
    ).tag(config=True)
    base_url = Unicode(
        None, allow_none=True, help="An OpenAI-compatible server (None: OPENAI_BASE_URL)."
    ).tag(config=True)

    # Until set, each model setting shows the library's current default.
    @default("transcription_model")
    def _default_transcription_model(self) -> str:
        return defaults.transcription_model

    @default("translation_model")
    def _default_translation_model(self) -> str:
        return defaults.translation_model

    @default("speech_model")
    def _default_speech_model(self) -> str:
        return defaults.speech_model

    @default("voice")
    def _default_voice(self) -> str:
        return defaults.voice

    # A validator rather than an observer: it also runs when %audiokit assigns an unchanged
    # value, so the library follows even after audiokit.configure() changed it meanwhile.
    @validate(*MODEL_SETTINGS, *CLIENT_SETTINGS)
    def _push_to_library(self, proposal: Any) -> Any:
        api.configure(**{proposal.trait.name: proposal.value})
        return proposal.value

    # -- %transcribe / %translate ------------------------------------------------------------

    @plain_help
    @magic_arguments()
    @argument("source", nargs="?", help="A path, a glob (*.wav) or the name of a variable.")
    @argument("-m", "--model", help="Transcription model (default: %%audiokit).")
    @argument("-l", "--language", help="Language of the audio: 'de' or 'German'.")
    @argument("--prompt", help="Text to guide spelling and style (quote it).")
    @argument("-f", "--format", dest="response_format", help="json, text, srt, vtt, ...")
    @argument("--logprobs", action="store_true", help="Ask for token confidences.")
    @argument("--timestamps", metavar="word,segment", help="Timestamp granularities.")
    @argument("--stream", action="store_true", help="Show the text as it is produced.")
    @argument("--diarize", action="store_true", help=f"Label speakers ({DIARIZE_MODEL}).")
    @argument(
        "--speaker",
        action="append",
        metavar="NAME=SAMPLE",
        help="A known speaker and a 2-10 s sample (path or variable); repeatable.",
    )
    @argument("--temperature", type=float, help="Sampling temperature, 0 to 1.")
    @argument("--chunking", metavar="auto", help="Chunking strategy ('auto').")
    @argument("--rate", type=int, help="Sample rate in Hz of a numpy array SOURCE.")
    @argument(
        "--split",
        choices=("auto", "yes", "no"),
        help="Split long audio at pauses: auto (over the upload limits; default), yes, no.",
    )
    @argument("--chunk-seconds", type=float, help="Target chunk length when splitting.")
    @argument("-o", "--output", metavar="NAME", help="Also store the result in this variable.")
    @argument("--widget", action="store_true", help="Show the transcriber widget instead.")
    @argument("--player", action="store_true", help="Show the result in the transcript player.")
    @argument(
        "--live",
        action="store_true",
        help="Live captions of the microphone (no SOURCE), or SOURCE through a live session.",
    )
    @argument("-h", "--help", action="store_true", help="Show this help.")
    @output_can_be_silenced
    @line_magic
    def transcribe(self, line: str) -> Any:
        """Transcribe audio: %transcribe [options] SOURCE

        SOURCE is a path, a glob, or the name of a variable holding audio: bytes, a file
        object, a Speech, (array, rate) or an array with --rate. The Transcript is the cell's
        value; -o NAME also stores it. A glob is transcribed as a batch
        (audiokit.transcribe_many: concurrent, cached, failures kept per file) and gives a
        BatchResult. Offline, the result says which local model ran.

        Examples:

            %transcribe meeting.wav
            %transcribe -l de --logprobs -o t interview.mp3
            %transcribe -m whisper-1 -f verbose_json --timestamps word,segment clip.wav
            %transcribe --stream speech
            %transcribe --diarize --speaker Ada=ada.wav --chunking auto meeting.wav
            %transcribe -o batch "recordings/*.mp3"
            %transcribe --live -l en
            %transcribe --live --logprobs -o t meeting.wav
        """
        args = self._parse(self.transcribe, line)
        if args is None:
            return None
        if args.player:  # before any work: the player takes one finished transcript
            check_player(args.source, stream=args.stream, live=args.live, widget=args.widget)
        params = _drop_none(
            model=args.model,
            language=args.language,
            prompt=args.prompt,
            response_format=args.response_format,
            temperature=args.temperature,
            chunking_strategy=args.chunking,
            sample_rate=args.rate,
            split={"auto": "auto", "yes": True, "no": False}.get(args.split),
            chunk_seconds=args.chunk_seconds,
        )
        implied: dict[str, str] = {}
        if args.logprobs:
            params["logprobs"] = True
        if args.timestamps:
            params["timestamp_granularities"] = _split_list(args.timestamps)
            _imply(params, implied, "--timestamps", response_format="verbose_json")
        if args.diarize or args.speaker:
            flag = "--diarize" if args.diarize else "--speaker"
            _imply(params, implied, flag, model=DIARIZE_MODEL, response_format="diarized_json")
        if args.speaker:
            names, samples = resolve_speakers(self.shell.user_ns, args.speaker)
            params.update(known_speaker_names=names, known_speaker_references=samples)
        with self._errors("%transcribe", implied=implied, output=args.output):
            if args.widget:
                return self._store(args.output, self._transcriber(args, params))
            if args.live:
                return self._store(args.output, self._live(args, params))
            sources = resolve_sources(self.shell.user_ns, args.source, "%transcribe", args.rate)
            if args.stream:
                if len(sources) != 1:
                    raise UsageError("%transcribe --stream: one SOURCE at a time")
                return self._store(args.output, self._stream(sources[0], params))
            if not is_single(args.source):
                from ..batch import transcribe_many

                params.pop("sample_rate", None)
                return self._store(args.output, transcribe_many(sources, **params))
            result = api.transcribe(sources[0], **params)
            if args.player:  # the player's w.transcript is the reviewed transcript
                result = self._widgets().player(result, sources[0])
        return self._store(args.output, result)

    @plain_help
    @magic_arguments()
    @argument("source", nargs="?", help="A path, a glob (*.wav) or the name of a variable.")
    @argument("-m", "--model", help="Translation model (whisper-1).")
    @argument("--prompt", help="Text to guide spelling and style, in English (quote it).")
    @argument("-f", "--format", dest="response_format", help="json, text, srt, vtt, ...")
    @argument("--temperature", type=float, help="Sampling temperature, 0 to 1.")
    @argument("--rate", type=int, help="Sample rate in Hz of a numpy array SOURCE.")
    @argument("-o", "--output", metavar="NAME", help="Also store the result in this variable.")
    @argument("-h", "--help", action="store_true", help="Show this help.")
    @output_can_be_silenced
    @line_magic
    def translate(self, line: str) -> Any:
        """Translate speech into English text: %translate [options] SOURCE

        SOURCE as for %transcribe; a glob gives a list of transcripts.

        Example:

            %translate -o english interview_de.mp3
        """
        args = self._parse(self.translate, line)
        if args is None:
            return None
        params = _drop_none(
            model=args.model,
            prompt=args.prompt,
            response_format=args.response_format,
            temperature=args.temperature,
            sample_rate=args.rate,
        )
        with self._errors("%translate"):
            sources = resolve_sources(self.shell.user_ns, args.source, "%translate", args.rate)
            results = [api.translate(s, **params) for s in sources]
        return self._store(args.output, results[0] if is_single(args.source) else results)

    # -- %%speak -----------------------------------------------------------------------------

    @plain_help
    @magic_arguments()
    @argument("text", nargs="*", help="The text (line form); in the cell form, the cell body.")
    @argument("-v", "--voice", help="A voice (audiokit.VOICES) or a custom voice id.")
    @argument("-m", "--model", help="Speech model (default: %%audiokit).")
    @argument("-i", "--instructions", help="How to speak: tone, pace, accent (quote it).")
    @argument("--speed", type=float, help="0.25 to 4 (not with gpt-4o-mini-tts).")
    @argument("-f", "--format", dest="response_format", help="mp3, opus, aac, flac, wav, pcm.")
    @argument("--play", action="store_true", help="Start playing at once (autoplay).")
    @argument("-o", "--output", metavar="NAME", help="Also store the Speech in this variable.")
    @argument("--widget", action="store_true", help="Show the speaker widget instead.")
    @argument("-h", "--help", action="store_true", help="Show this help.")
    @line_cell_magic
    def speak(self, line: str, cell: str | None = None) -> Any:
        """Turn text into speech: %%speak [options], with the text as the cell body.

        {name} in the text is replaced by the variable name of the notebook ({{ for a literal
        brace). The Speech shows as a player; -o NAME also stores it. The line form
        %speak [options] TEXT works too. Offline, the player says which local voice spoke.

        Examples:

            %%speak -v coral -i "Cheerful, a little fast."
            Hello {name}, your transcript is ready.

            %speak -v coral Hello there.
        """
        args = self._parse(self.speak, line)
        if args is None:
            return None
        name = "%%speak" if cell is not None else "%speak"  # errors name the form used
        text = cell if cell is not None else " ".join(args.text)
        if cell is not None and args.text:
            raise UsageError(
                f"%%speak: unexpected {' '.join(args.text)!r} after the options; "
                "the text goes in the cell body"
            )
        text = substitute(self.shell.user_ns, text.strip())
        params = _drop_none(
            voice=args.voice,
            model=args.model,
            instructions=args.instructions,
            speed=args.speed,
            response_format=args.response_format,
        )
        with self._errors(name):
            if args.widget:
                return self._store(args.output, self._speaker(text, params))
            if not text:
                where = "in the cell body below %%speak" if cell is not None else "after %speak"
                raise UsageError(f"{name}: no text: write it {where}")
            speech = api.speak(text, **params)
        self._store(args.output, speech)
        if args.play:
            return speech.play()
        return speech

    # -- %audiokit ---------------------------------------------------------------------------

    @plain_help
    @magic_arguments()
    @argument("settings", nargs="*", metavar="NAME=VALUE", help="Settings to change.")
    @argument("-h", "--help", action="store_true", help="Show this help.")
    @output_can_be_silenced
    @line_magic
    def audiokit(self, line: str) -> Any:
        """Show or change settings: %audiokit, %audiokit voice=coral speech_model=tts-1

        Names: transcription_model, translation_model, speech_model, voice, backend (api,
        local), base_url. An empty value (base_url=) goes back to the default. On the local
        backend the table also says what really runs (every model name runs the local Whisper,
        every voice the local Piper voice). The API key is never shown or set here (it would be
        saved in the notebook): set OPENAI_API_KEY.
        """
        args = self._parse(self.audiokit, line)
        if args is None:
            return None
        for item in args.settings:
            name, eq, value = item.partition("=")
            self._set(name.strip(), value.strip(), has_value=bool(eq))
        return self._settings_table()

    # -- helpers -----------------------------------------------------------------------------

    def _parse(self, magic: Callable[..., Any], line: str) -> Any:
        """Parse ``line``; ``None`` (after printing the help) for ``--help``."""
        # A trailing ";" silences the value (output_can_be_silenced) but reaches us too.
        line = line.rstrip().removesuffix(";")
        try:
            args = parse_argstring(magic, line)
        except ValueError as exc:  # unbalanced quotes from the shell-like splitter
            raise UsageError(f"%{magic.__name__}: {exc}") from None
        if args.help:
            print(magic.__doc__)
            return None
        # IPython's splitter keeps quotes (so Windows paths keep their backslashes): drop them.
        for name, value in vars(args).items():
            if isinstance(value, str):
                setattr(args, name, _unquote(value))
            elif isinstance(value, list):
                setattr(args, name, [_unquote(v) if isinstance(v, str) else v for v in value])
        output = getattr(args, "output", None)
        if output is not None and not output.isidentifier():
            raise UsageError(f"-o {output!r}: not a valid variable name")
        return args

    @contextmanager
    def _errors(
        self, magic: str, *, implied: Mapping[str, str] | None = None, output: str | None = None
    ) -> Iterator[None]:
        """Caller-fixable errors → one line naming the option; bugs keep their traceback.

        ``implied`` names the option behind a parameter the magic filled in (``--diarize``
        sets ``model``); a broken stream's partial transcript goes to ``output`` (or
        ``_audiokit_partial``).
        """
        try:
            yield
        except AudiokitError as exc:
            # "known_speaker_references[Ada]", "chunking_strategy.threshold" → the parameter
            param = re.split(r"[\[.]", getattr(exc, "param", None) or "")[0]
            option = (implied or {}).get(param) or OPTION_OF_PARAM.get(param)
            where = f"{magic} {option}" if option else magic
            message = " ".join(str(exc).split())
            if isinstance(exc, StreamError) and exc.partial is not None:
                name = output or "_audiokit_partial"
                self.shell.user_ns[name] = exc.partial
                message += f" (the text received so far is in {name})"
            raise UsageError(f"{where}: {message}") from None

    def _stream(self, source: Any, params: dict[str, Any]) -> Any:
        from ..notebook import show_stream

        return show_stream(api.transcribe(source, stream=True, **params))

    def _store(self, name: str | None, value: Any) -> Any:
        if name:
            self.shell.user_ns[name] = value
        return value

    def _widgets(self) -> Any:
        try:
            from .. import widgets
        except ImportError as exc:
            raise UsageError(
                f"--widget needs the widget packages ({exc.name or exc}): "
                "pip install 'audiokit' ipywidgets anywidget"
            ) from None
        return widgets

    def _transcriber(self, args: Any, params: dict[str, Any]) -> Any:
        # The widget starts from the same defaults and client as the magics (%audiokit).
        options = {"model": defaults.transcription_model}
        options.update(
            (k, v)
            for k, v in params.items()
            if k in ("model", "language", "prompt", "temperature", "response_format", "logprobs")
        )
        if args.stream:
            options["stream"] = True
        if args.source:
            from ..audio import to_audio_file

            file = to_audio_file(
                resolve_source(self.shell.user_ns, args.source, "%transcribe"),
                sample_rate=args.rate,
            )
            options.update(audio=file.data, audio_name=file.filename)
        widgets = self._widgets()
        return widgets.transcriber(client=api.default_client(), **options)

    def _live(self, args: Any, params: dict[str, Any]) -> Any:
        """``--live``: the live-captions widget, or SOURCE through a live session (Realtime)."""
        other = sorted(set(params) - {"model", "language", "prompt", "logprobs", "sample_rate"})
        if other or args.stream or args.widget:
            taken = "-m, -l, --prompt, --logprobs, --rate and -o"
            raise UsageError(
                f"%transcribe --live takes {taken} (not {', '.join(other) or '--stream/--widget'})"
            )
        if not args.source:
            options = {
                "model": params.get("model") or defaults.transcription_model,
                "language": params.get("language") or "",
                "logprobs": bool(params.get("logprobs", True)),
            }
            return self._widgets().live_captions(client=api.default_client(), **options)
        sources = resolve_sources(self.shell.user_ns, args.source, "%transcribe --live", args.rate)
        if len(sources) != 1:
            raise UsageError("%transcribe --live: one SOURCE at a time")
        from ..live import live

        return live(sources[0], client=api.default_client(), **params).until_done()

    def _speaker(self, text: str, params: dict[str, Any]) -> Any:
        options = {"model": defaults.speech_model, "voice": defaults.voice, **params}
        if text:
            options["text"] = text
        widgets = self._widgets()
        return widgets.speaker(client=api.default_client(), **options)

    def _set(self, name: str, value: str, *, has_value: bool) -> None:
        settable = (*MODEL_SETTINGS, *CLIENT_SETTINGS)
        if name in ("api_key", "key", "openai_api_key"):
            raise UsageError(
                "%audiokit: the API key is not set from a magic (it would be saved in the "
                "notebook); set OPENAI_API_KEY in the environment, or call "
                "audiokit.configure(api_key=...) with a key read from a file"
            )
        if name not in settable or not has_value:
            raise UsageError(
                f"%audiokit: {name!r} is not NAME=VALUE with a known name; "
                f"names: {', '.join(settable)}"
            )
        if name in MODEL_SETTINGS:
            new: str | None = value or getattr(Defaults, name)
        else:
            new = value or None
        try:
            setattr(self, name, new)
        except TraitError:
            allowed = ", ".join(BACKENDS) if name == "backend" else "a URL"
            raise UsageError(
                f"%audiokit {name}={value!r} is not allowed; allowed: {allowed}, "
                "or empty for the default"
            ) from None

    def _settings_table(self) -> Any:
        from ..notebook import Table

        env = os.environ
        rows: list[tuple[str, str, str]] = []
        for name in MODEL_SETTINGS:
            value = getattr(defaults, name)
            env_name = f"AUDIOKIT_{name.upper()}"
            if env.get(env_name) == value:
                origin = f"environment ({env_name})"
            elif value == getattr(Defaults, name):
                origin = "default"
            else:
                origin = "set"
            rows.append((name, value, origin))
        with self._errors("%audiokit"):
            settings = api.default_client().settings
        options = api.default_client_options()
        backend_origin = (
            "set"
            if options.get("backend")
            else "environment (AUDIOKIT_BACKEND)"
            if env.get("AUDIOKIT_BACKEND")
            else "automatic (api with a key or base URL, else local)"
        )
        rows.append(("backend", settings.backend, backend_origin))
        if settings.backend == "local":
            rows.append(("base_url", "in-process offline engine", "backend=local"))
            rows += _what_runs_offline()
        else:
            url_origin = (
                "set"
                if options.get("base_url")
                else "environment (OPENAI_BASE_URL)"
                if env.get("OPENAI_BASE_URL")
                else "default"
            )
            rows.append(("base_url", settings.base_url, url_origin))
        rows.append(("api_key", *_key_status(settings, options)))
        return Table(["setting", "value", "from"], rows, title="audiokit settings")


def _what_runs_offline() -> list[tuple[str, str, str]]:
    """Offline, every model name runs the local Whisper and every voice the local Piper voice:
    the settings say which, so "voice coral" is not taken for what plays."""
    from ..local import engine_label, local_app

    app = local_app()
    rows = []
    for name, kind, attr in (
        ("runs (speech to text)", "Whisper", "whisper"),
        ("runs (text to speech)", "Piper", "piper"),
    ):
        try:
            label = engine_label(kind, getattr(app, attr))
        except (ImportError, AudiokitError) as exc:  # the model package is not installed
            label = f"not available: {exc}"
        rows.append((name, f"offline · {label}", "every model and voice name"))
    return rows


def _key_status(settings: Any, options: Mapping[str, Any]) -> tuple[str, str]:
    """Whether a key is set ("set" / "not set") and from where; never the key itself."""
    in_env = bool(os.environ.get("OPENAI_API_KEY"))
    given = bool(options.get("api_key"))
    origin = "audiokit.configure" if given else "OPENAI_API_KEY" if in_env else ""
    if settings.backend == "local":
        return ("set, unused by the local backend" if (in_env or given) else "not set"), origin
    return ("set" if settings.api_key else "not set"), origin


def _drop_none(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _imply(params: dict[str, Any], implied: dict[str, str], flag: str, **values: Any) -> None:
    """Fill in parameters an option implies, unless given; remember which option did it."""
    for name, value in values.items():
        if name not in params:
            params[name] = value
            implied[name] = flag


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]
