"""The API's audio routes over the local engines: request bytes in, response bytes out.

``LocalApp.handle(method, path, headers, body)`` is framework-free (it returns a
:class:`~audiokit.local._response.LocalResponse`) so that the in-process httpx transport and the
``audiokit serve`` HTTP server share it exactly. Parameters go through the very same checks as
the client (``audiokit.wire._requests``), so the offline engine accepts and refuses what the API
would; speaker diarization runs in ``_diarize``/``_diarized``; what the local models cannot do
(custom voices) is refused with a clear OpenAI-shaped error (the routes come from ``_voices``).
"""

from __future__ import annotations

import base64
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..core import (
    ENGINE_HEADER,
    AudioDecodeError,
    AudiokitError,
    UnsupportedError,
    ValidationError,
)
from ..core import SPEECH_SAMPLE_RATE as API_SPEECH_RATE
from ..records import Segment, TokenLogprob, Usage, Word
from ..results import Transcript
from ..text import trim_prompt
from ..wire import (
    speech_request,
    transcription_capabilities,
    transcription_request,
    translation_request,
)
from ._auth import bearer_token, key_matches
from ._deltas import ExactText, text_token_limit
from ._forms import (
    HTTPProblem,
    _bool,
    _float,
    _named,
    _parse_form,
    _parse_json_body,
    _required,
    _route_template,
)
from ._model_names import ModelNames
from ._models import language_name, model_name
from ._response import LocalResponse, sse_event
from ._voices import custom_voice_routes

__all__ = ["LocalApp", "engine_label"]

logger = logging.getLogger("audiokit.local")

WHISPER_RATE = 16_000  # Hz: what Whisper models take
JSON_FORMATS = ("json", "verbose_json", "diarized_json")
# The most audio one transcription request may hold, in seconds. A 25 MB upload can hold hours
# (a 180 KB FLAC of silence holds one hour), and Whisper's features cost ~1 GB per hour, so
# a request past it is refused while it decodes. 1500 s (25 minutes) is what a 25 MB MP3 at
# 128 kbps holds; `audiokit serve --max-audio-seconds` or this variable changes it.
MAX_AUDIO_ENV = "AUDIOKIT_MAX_AUDIO_SECONDS"
DEFAULT_MAX_AUDIO_SECONDS = 1500.0
DECODE_BLOCK_SECONDS = 30.0  # decoded a block at a time, so the cap is checked as it goes
WHISPER_ROUTES = ("/audio/transcriptions", "/audio/translations")
CONCATENATING = ("pcm", "mp3")  # raw PCM and MP3 frames stay valid when concatenated


class Cancelled(AudiokitError):
    """The caller went away (``handle(..., cancelled=…)`` said so): the work stops."""


def _max_audio_seconds(value: float | None) -> float:
    if value is None:
        raw = os.environ.get(MAX_AUDIO_ENV, "").strip()
        if not raw:
            return DEFAULT_MAX_AUDIO_SECONDS
        try:
            value = float(raw)
        except ValueError:
            raise ValidationError(MAX_AUDIO_ENV, raw, "a number of seconds > 0") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValidationError("max_audio_seconds", value, "a number of seconds > 0")
    return float(value)


class LocalApp:
    """OpenAI-compatible audio routes served by the local engines.

    Parameters
    ----------
    whisper, piper
        Engines to use; default the bundled ones (loaded lazily on first request).
    api_key
        When set, requests must carry ``Authorization: Bearer <api_key>``.
    max_audio_seconds
        The most audio one transcription or translation may hold; longer audio is refused
        (400, ``code: audio_too_long``) while it is decoded, a block at a time. Default:
        ``$AUDIOKIT_MAX_AUDIO_SECONDS``, else 1500 (25 minutes).
    models
        Model names to accept besides the API's (``audiokit serve --model NAME``), each an
        alias of the offline engine; any other name is answered 404 ``model_not_found``.
    """

    def __init__(
        self,
        whisper: Any = None,
        piper: Any = None,
        *,
        api_key: str | None = None,
        max_audio_seconds: float | None = None,
        models: Iterable[str] = (),
    ):
        self._whisper = whisper
        self._piper = piper
        self._diarizer: Any = None
        self._api_key = api_key
        self.max_audio_seconds = _max_audio_seconds(max_audio_seconds)
        self.models = ModelNames(models)
        self._call = threading.local()  # per request: the caller's "has it gone?", the path
        self._routes: dict[tuple[str, str], Callable[[Mapping[str, str], bytes], LocalResponse]] = {
            ("GET", "/models"): self.models.list_route,
            ("GET", "/models/{model}"): self._model,
            ("POST", "/audio/transcriptions"): self._transcriptions,
            ("POST", "/audio/translations"): self._translations,
            ("POST", "/audio/speech"): self._speech,
        }
        self._routes.update(custom_voice_routes())  # refused offline, with the reason

    # -- engines (lazy) -----------------------------------------------------------------------

    @property
    def whisper(self) -> Any:
        if self._whisper is None:
            from ._whisper import WhisperEngine

            self._whisper = WhisperEngine()
        return self._whisper

    @property
    def piper(self) -> Any:
        if self._piper is None:
            from ._piper import PiperEngine

            self._piper = PiperEngine()
        return self._piper

    @property
    def diarizer(self) -> Any:
        if self._diarizer is None:
            from ._diarize import Diarizer

            self._diarizer = Diarizer()
        return self._diarizer

    # -- dispatch -----------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> LocalResponse:
        """Answer one request. Never raises for bad input: errors become error responses.

        ``cancelled`` (called between blocks of work) says the caller has gone: the work
        stops and a 499 response, which nobody reads, is returned.
        """
        self._call.cancelled = cancelled
        try:
            return self._handle(method, path, headers, body)
        finally:
            self._call.cancelled = None

    def _check_cancelled(self) -> None:
        check = getattr(self._call, "cancelled", None)
        if check is not None and check():
            raise Cancelled("the client disconnected")

    def _handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> LocalResponse:
        headers = {k.lower(): v for k, v in headers.items()}
        route_path = path.split("?", 1)[0]
        route_path = route_path[3:] if route_path.startswith("/v1/") else route_path
        self._call.path = route_path.rstrip("/")
        route_path = _route_template(self._call.path, self._routes)
        route = self._routes.get((method.upper(), route_path))
        if route is None:
            known = any(p == route_path for _, p in self._routes)
            if known:
                return LocalResponse.error(405, f"method {method} not allowed on {path}")
            return LocalResponse.error(404, f"unknown route {method} {path}", code="unknown_url")
        if not self.authorized(headers.get("authorization")):
            return LocalResponse.error(
                401,
                "Incorrect or missing API key for this audiokit server.",
                code="invalid_api_key",
            )
        try:
            return self._say_what_ran(route_path, route(headers, body))
        except HTTPProblem as problem:
            return problem.response
        except Cancelled:
            return LocalResponse.error(499, "the client disconnected", code="client_closed")
        except UnsupportedError as exc:
            return LocalResponse.error(400, str(exc), param=exc.param, code="unsupported_value")
        except ValidationError as exc:
            code = "invalid_file_format" if exc.param == "file" else "invalid_value"
            return LocalResponse.error(400, str(exc), param=exc.param, code=code)
        except Exception:  # a bug or an engine failure: an API-shaped 500, logged
            logger.exception("local engine failed on %s %s", method, path)
            # The body names no exception class or internal detail: the log has them.
            return LocalResponse.error(
                500,
                "the local engine failed on this request (the server log has the details)",
                type="server_error",
            )

    def authorized(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value lets its caller in (always, with no key)."""
        return key_matches(self._api_key, bearer_token(authorization))

    def _say_what_ran(self, route_path: str, response: LocalResponse) -> LocalResponse:
        """Every model name runs the one local Whisper, every voice the one Piper voice: an
        answer says which (``x-audiokit-engine``), so results can show it (``.engine``)."""
        if response.status == 200 and route_path in WHISPER_ROUTES:
            response.headers[ENGINE_HEADER] = engine_label("Whisper", self.whisper)
        elif response.status == 200 and route_path == "/audio/speech":
            response.headers[ENGINE_HEADER] = engine_label("Piper", self.piper)
        return response

    def _model(self, headers: Mapping[str, str], body: bytes) -> LocalResponse:
        from urllib.parse import unquote

        return self.models.retrieve_route(unquote(self._call.path.rsplit("/", 1)[1]))

    # -- speech to text -----------------------------------------------------------------------

    def _transcriptions(self, headers: Mapping[str, str], body: bytes) -> LocalResponse:
        fields, file, filename = _parse_form(headers, body)
        names = fields.pop("known_speaker_names", None)
        refs = fields.pop("known_speaker_references", None)
        model = _required(fields, "model")
        self.models.check(model, "transcription")
        request = transcription_request(
            _named(file, filename),
            model=model,
            language=fields.get("language"),
            prompt=fields.get("prompt"),
            response_format=fields.get("response_format", "json"),
            temperature=_float(fields, "temperature"),
            timestamp_granularities=fields.get("timestamp_granularities"),
            include=fields.get("include"),
            chunking_strategy=fields.get("chunking_strategy"),
            known_speaker_names=names,
            known_speaker_references=refs,
            languages=fields.get("languages"),
            keywords=fields.get("keywords"),
            # whisper-1 ignores stream=true (the reference's own example sends it): the
            # answer comes whole, with no warning in the server's log
            stream=_bool(fields, "stream") and transcription_capabilities(model).stream,
        )
        if request.response_format == "diarized_json":  # known speakers name its speakers;
            return self._run_diarized(request, file)  # other formats carry no speaker
        return self._run_whisper(request, file, task="transcribe")

    def _translations(self, headers: Mapping[str, str], body: bytes) -> LocalResponse:
        fields, file, filename = _parse_form(headers, body)
        model = _required(fields, "model")
        self.models.check(model, "transcription")
        request = translation_request(
            _named(file, filename),
            model=model,
            prompt=fields.get("prompt"),
            response_format=fields.get("response_format", "json"),
            temperature=_float(fields, "temperature"),
        )
        return self._run_whisper(request, file, task="translate")

    def _run_whisper(self, request: Any, file: bytes, *, task: str) -> LocalResponse:
        params = request.params
        samples = self._decode_capped(file)
        duration = len(samples) / WHISPER_RATE
        engine = self.whisper
        language = params.get("language")
        if task == "translate" and not getattr(engine, "multilingual", True):
            # tiny.en, chosen explicitly, cannot translate; it hears only English, and English
            # is what translation yields. The default (base) translates for real.
            task, language = "transcribe", "en"
        granularities = params.get("timestamp_granularities") or []
        want_logprobs = "logprobs" in (params.get("include") or [])
        segments = engine.transcribe(
            samples,
            language=language,
            # Only the last 224 tokens count (as in the API); the trim keeps the cost bounded.
            prompt=trim_prompt(params["prompt"]) if params.get("prompt") else None,
            temperature=float(params.get("temperature", 0.0)),
            word_timestamps="word" in granularities,
            task=task,
            # Streamed deltas carry tokens, and logprobs need greedy decoding; everything else
            # gets beam search (5 beams: fewer word errors, docs/local-engine.md).
            logprobs=want_logprobs or request.stream,
        )
        builder = _TranscriptBuilder(
            request, duration, task, want_logprobs, text_token_limit(engine)
        )
        builder.heard = getattr(segments, "language", None)
        if request.stream:
            return LocalResponse(
                200,
                {"content-type": "text/event-stream", "cache-control": "no-cache"},
                builder.sse(segments),
            )
        transcript = builder.build(self._until_cancelled(segments))
        body = transcript.to_response(request.response_format or "json")
        if isinstance(body, str):
            return LocalResponse(200, {"content-type": "text/plain; charset=utf-8"}, body.encode())
        return LocalResponse.json(body).with_word_probabilities(transcript.word_list, body)

    def _run_diarized(self, request: Any, file: bytes) -> LocalResponse:
        from ._diarized import diarized_response

        samples = self._decode_capped(file)
        builder = _TranscriptBuilder(request, len(samples) / WHISPER_RATE, "transcribe", False, 0)
        return diarized_response(
            request, samples, self.whisper, self.diarizer, builder.usage, self._check_cancelled
        )

    def _decode_capped(self, file: bytes) -> Any:
        """16 kHz samples of ``file``, decoded a block at a time and refused past the cap."""
        import numpy as np

        from ..audio import iter_blocks

        limit = round(self.max_audio_seconds * WHISPER_RATE)
        blocks, total = [], 0
        for block in _readable(
            lambda: iter_blocks(file, sample_rate=WHISPER_RATE, block_seconds=DECODE_BLOCK_SECONDS)
        ):
            total += len(block)
            if total > limit:
                raise HTTPProblem(
                    LocalResponse.error(
                        400,
                        f"the audio is longer than {self.max_audio_seconds:g} s, this server's "
                        "limit per request (audiokit serve --max-audio-seconds, or "
                        f"{MAX_AUDIO_ENV}); split it (transcribe(..., split=True))",
                        param="file",
                        code="audio_too_long",
                    )
                )
            self._check_cancelled()
            blocks.append(block)
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)

    def _until_cancelled(self, segments: Any) -> Iterator[Any]:
        for segment in segments:  # each is a 30 s window's work: check between them
            self._check_cancelled()
            yield segment

    # -- text to speech -----------------------------------------------------------------------

    def _speech(self, headers: Mapping[str, str], body: bytes) -> LocalResponse:
        data = _parse_json_body(body)
        unknown = set(data) - {
            "model",
            "input",
            "voice",
            "instructions",
            "response_format",
            "speed",
            "stream_format",
        }
        if unknown:
            raise ValidationError(
                sorted(unknown)[0],
                data[sorted(unknown)[0]],
                "model, input, voice, instructions, response_format, speed, stream_format",
                reason="unknown parameter",
            )
        for name in ("model", "input", "voice"):
            _required(data, name)
        if isinstance(data["model"], str):
            self.models.check(data["model"], "speech")
        request = speech_request(
            data["input"],
            model=data["model"],
            voice=data["voice"],
            instructions=data.get("instructions"),
            response_format=data.get("response_format", "mp3"),
            speed=data.get("speed"),
            stream_format=data.get("stream_format"),
        )
        voice = request.json["voice"] if request.json else None
        if isinstance(voice, dict):
            raise UnsupportedError(
                "voice",
                voice,
                ", ".join(("alloy", "ash", "coral", "…")),
                reason="custom voices are not available offline; every "
                "built-in voice name uses the local Piper voice",
            )
        fmt = request.response_format or "mp3"
        speed = float(request.json.get("speed", 1.0)) if request.json else 1.0
        text = data["input"]
        if request.stream:
            return LocalResponse(
                200,
                {"content-type": "text/event-stream", "cache-control": "no-cache"},
                self._speech_sse(text, fmt, speed),
            )
        from ..audio import encode
        from ..results import MIME_TYPES

        if fmt == "pcm":  # sent piece by piece as each is synthesised (an MP3 file's one
            # header must count every frame, so MP3 is sent whole, and piece by piece in SSE)
            return LocalResponse(
                200, {"content-type": MIME_TYPES[fmt]}, self._speech_pieces(text, fmt, speed)
            )
        audio = encode(self._synthesize(text, speed), API_SPEECH_RATE, fmt)
        return LocalResponse(200, {"content-type": MIME_TYPES[fmt]}, audio)

    def _synthesize(self, text: str, speed: float) -> Any:
        from ..audio import resample

        samples = self.piper.synthesize(text, speed=speed)
        return resample(samples, self.piper.sample_rate, API_SPEECH_RATE)

    def _speech_pieces(self, text: str, fmt: str, speed: float) -> Iterator[bytes]:
        """The audio of each engine piece (a sentence or a bounded part of one), encoded as it
        is synthesised: the first arrives before the rest of the text is spoken, and memory
        stays that of one piece whatever the text's length or punctuation."""
        from ..audio import encode, resample

        rate = self.piper.sample_rate
        pieces = self.piper.stream(text, speed=speed)  # checks the text before any byte is sent
        return (encode(resample(s, rate, API_SPEECH_RATE), API_SPEECH_RATE, fmt) for s in pieces)

    def _speech_sse(self, text: str, fmt: str, speed: float) -> Iterator[bytes]:
        """SSE ``speech.audio.delta`` events; piece by piece where the format concatenates."""
        from ..audio import encode

        if fmt in CONCATENATING:
            pieces = self._speech_pieces(text, fmt, speed)
        else:
            audio = encode(self._synthesize(text, speed), API_SPEECH_RATE, fmt)
            pieces = (audio[i : i + 32_768] for i in range(0, len(audio), 32_768))
        for piece in pieces:
            audio_b64 = base64.b64encode(piece).decode()
            yield sse_event({"type": "speech.audio.delta", "audio": audio_b64})
        usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}  # nothing is billed
        yield sse_event({"type": "speech.audio.done", "usage": usage})


class _TranscriptBuilder:
    """Turns the engine's segments into a Transcript, or into SSE events as they arrive."""

    def __init__(
        self, request: Any, duration: float, task: str, logprobs: bool, text_below: int
    ) -> None:
        self.request = request
        self.duration = duration
        self.task = task
        self.logprobs = logprobs
        self.text_below = text_below  # token ids below it are text, not specials/timestamps
        self.heard: str | None = None  # the language code the engine was given or detected

    def usage(self, output_tokens: int) -> Usage:
        """The API's usage shape for the model: seconds for whisper-1 (and aliases of the
        engine), tokens for the gpt-4o models. Offline nothing is billed, so the input counts
        0 tokens; the output is the number of tokens the local Whisper decoded."""
        model = self.request.params.get("model", "")
        caps = transcription_capabilities(model)
        if not caps.known or caps.timestamp_granularities:  # whisper-1, or an alias
            return Usage(type="duration", seconds=math.ceil(self.duration))
        return Usage(
            type="tokens",
            input_tokens=0,
            output_tokens=output_tokens,
            total_tokens=output_tokens,
            input_text_tokens=0,
            input_audio_tokens=0,
        )

    def build(self, segments: Any) -> Transcript:
        seg_records, words, tokens, decoded = [], [], [], 0
        for seg in segments:
            decoded += sum(1 for t in seg.tokens if t < self.text_below)
            seg_records.append(
                Segment(
                    id=seg.id,
                    start=seg.start,
                    end=seg.end,
                    text=seg.text,
                    seek=seg.seek,
                    tokens=tuple(seg.tokens),
                    temperature=seg.temperature,
                    avg_logprob=seg.avg_logprob,
                    compression_ratio=seg.compression_ratio,
                    no_speech_prob=seg.no_speech_prob,
                )
            )
            words += [
                Word(word=w[0], start=w[1], end=w[2], probability=w[3]) for w in seg.words or ()
            ]
            if self.logprobs:
                tokens += [_token(t) for t in seg.token_logprobs or ()]
        params = self.request.params
        granularities = params.get("timestamp_granularities") or ["segment"]
        # verbose_json names the language as the API does ("english", "german"): of the
        # speech for a transcription, of the output ("english") for a translation
        language = "en" if self.task == "translate" else self.heard or params.get("language")
        return Transcript(
            text="".join(s.text for s in seg_records).strip(),
            language=language_name(language or "en"),
            duration=round(self.duration, 3),
            segment_list=tuple(seg_records) if "segment" in granularities else (),
            word_list=tuple(words) if "word" in granularities else (),
            logprobs=tuple(tokens),
            usage=self.usage(decoded),
            model=params.get("model"),
            task=self.task,
            response_format=self.request.response_format or "json",
        )

    def sse(self, segments: Any) -> Iterator[bytes]:
        """``transcript.text.delta`` events token by token as each window is decoded, then
        ``transcript.text.done``: the deltas join to exactly the done text (and to the text
        of the same request unstreamed); with logprobs each delta carries its token."""
        text = ExactText()
        all_tokens: list[dict[str, Any]] = []
        decoded = 0
        for seg in segments:
            if not seg.token_logprobs:  # no per-token record: the segment's text at once
                decoded += sum(1 for t in seg.tokens if t < self.text_below)
                delta = text.add(seg.text.encode())
                if delta:
                    yield sse_event({"type": "transcript.text.delta", "delta": delta})
                continue
            for t in seg.token_logprobs:
                token = _token(t).to_dict()
                decoded += 1
                delta = text.add(bytes(token["bytes"]))
                if self.logprobs:  # every token is reported, even one adding no text yet
                    all_tokens.append(token)
                    event = {"type": "transcript.text.delta", "delta": delta, "logprobs": [token]}
                    yield sse_event(event)
                elif delta:
                    yield sse_event({"type": "transcript.text.delta", "delta": delta})
        done: dict[str, Any] = {"type": "transcript.text.done", "text": text.value}
        if self.logprobs:
            done["logprobs"] = all_tokens
        done["usage"] = self.usage(decoded).to_dict()
        yield sse_event(done)


def _readable(open_blocks: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """The blocks, with a decoder's failure (opening or midway) as a 400 naming ``file``."""
    try:
        yield from open_blocks()
    except AudioDecodeError as exc:
        raise ValidationError(
            "file", None, "a readable audio file", reason=f"the audio cannot be decoded ({exc})"
        ) from exc


def engine_label(kind: str, engine: Any) -> str:
    """``"Whisper base"``, ``"Piper en_US-joe-medium"``: the model that answers (ASCII, for
    a header)."""
    name = getattr(engine, "name", None) if kind == "Piper" else None
    path = getattr(engine, "model_path", None)
    if name is None and path is not None:
        name = Path(path).name.removesuffix(".onnx") if kind == "Piper" else model_name(path)
    label = f"{kind} {name or type(engine).__name__}"
    return label.encode("ascii", "replace").decode("ascii")


def _token(item: Any) -> TokenLogprob:
    token, logprob, raw = item
    return TokenLogprob(
        token=token,
        logprob=min(0.0, float(logprob)),
        bytes=tuple(raw) if raw is not None else tuple(token.encode()),
    )
