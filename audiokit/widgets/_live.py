"""Live captions: the browser's microphone → a live transcription session in the kernel.

The front end (``static/live.js``) captures the microphone with an AudioWorklet (a
ScriptProcessor where there is none) as pcm16 at 24 kHz when the browser can, else at its own
rate, and sends ~100 ms chunks to the kernel as anywidget custom messages with binary buffers
(``{"type": "start", "sample_rate": …}``, ``{"type": "audio"}`` + buffer, ``{"type": "stop"}``).
The kernel pushes them into an :class:`audiokit.AudioFeed` read by :func:`audiokit.live`, whose
events update the synced traits: ``captions`` (finished utterances, with token confidences),
``partial`` (the utterance being heard or transcribed) and ``status``. The API key stays in the
kernel; the browser talks only to the widget's comm.

The session's events are read on a thread of the widget's own (a live session lasts minutes; it
must not hold the worker the other widgets share). Stop ends the audio; the session finishes its
last transcriptions and ``w.transcript`` is the :class:`audiokit.Transcript`.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import traitlets

from ..core import SPEECH_SAMPLE_RATE, defaults
from ..live import AudioFeed, live
from ..wire import TRANSCRIPTION_MODELS, capabilities
from ._base import STATIC, ClientWidget, one_line

__all__ = ["LiveCaptionsWidget", "live_captions"]

STATUSES = ("idle", "listening", "finishing", "done", "error")
NOISE_REDUCTION = ("", "near_field", "far_field")
SECONDS_TICK = 1.0  # how often the audio clock is sent to the front end


def _bands() -> list[list[Any]]:
    try:
        from ..notebook import BANDS
    except ImportError:  # the highlighting module is optional for display
        return [[0.9, None], [0.7, "#fff0a0"], [0.5, "#ffc985"], [0.0, "#ff9a9a"]]
    return [[lowest, color] for lowest, color, _ in BANDS]


class LiveCaptionsWidget(ClientWidget):
    """Live captions of the browser's microphone, coloured by confidence.

    Start listens (the browser asks for the microphone); each utterance appears while it is
    transcribed and stays, its words tinted by the model's confidence. Stop ends the audio;
    ``w.transcript`` is then the whole :class:`audiokit.Transcript` (one segment per
    utterance). Python can drive it too: ``w.start(sample_rate)``, ``w.push(samples)``,
    ``w.stop()``; ``w.job`` is the Future of the transcript.

    Parameters
    ----------
    client : audiokit.Client, optional
        The client to use; by default ``audiokit.Client()`` (offline without an API key).
    **kwargs
        Initial trait values: ``model``, ``language``, ``logprobs``, ``silence_duration_ms``,
        ``noise_reduction``.

    Examples
    --------
    >>> w = audiokit.widgets.live_captions(language="en")     # doctest: +SKIP
    >>> w                                                     # doctest: +SKIP
    >>> w.transcript.to_srt()                  # after Stop   # doctest: +SKIP
    """

    _esm = STATIC / "live.js"
    _css = (STATIC / "widgets.css").read_text(encoding="utf-8") + (STATIC / "live.css").read_text(
        encoding="utf-8"
    )

    model = traitlets.Unicode("").tag(sync=True)
    model_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    language = traitlets.Unicode("", help="ISO-639-1 code or name; empty: detect.").tag(sync=True)
    logprobs = traitlets.Bool(True, help="Colour captions by confidence.").tag(sync=True)
    silence_duration_ms = traitlets.Int(500, help="Pause that ends an utterance (ms).").tag(
        sync=True
    )
    noise_reduction = traitlets.Unicode("", help="'', 'near_field' or 'far_field'.").tag(sync=True)
    status = traitlets.Unicode("idle", help=f"One of {', '.join(STATUSES)}.").tag(sync=True)
    captions = traitlets.List(
        help="Finished utterances: text, start, end, confidence, tokens."
    ).tag(sync=True)
    partial = traitlets.Unicode("", help="The utterance being heard or transcribed.").tag(sync=True)
    seconds = traitlets.Float(0.0, help="Seconds of audio received.").tag(sync=True)
    bands = traitlets.List(help="Confidence colour bands: [lowest, colour].").tag(sync=True)
    html = traitlets.Unicode("", help="The final transcript's rich display.").tag(sync=True)
    transcript = traitlets.Any(None, allow_none=True, help="The audiokit.Transcript (after Stop).")

    def __init__(self, *, client: Any = None, **kwargs: Any) -> None:

        kwargs.setdefault("model", defaults.transcription_model)
        kwargs.setdefault("model_options", list(TRANSCRIPTION_MODELS))
        kwargs.setdefault("bands", _bands())
        super().__init__(client=client, **kwargs)
        self._feed: Any = None
        self._received = 0.0
        self.session: Any = None  #: the running audiokit.LiveSession
        self.on_msg(self._on_message)

    # -- the Python API (the front end goes through the same methods) -------------------------

    def start(self, sample_rate: int = SPEECH_SAMPLE_RATE) -> Future[Any]:
        """Open a live session fed by :meth:`push`; returns the Future of the Transcript."""

        with self._lock:
            if self.status in ("listening", "finishing"):
                raise RuntimeError("the live captions are already running; stop() them first")
            future: Future[Any] = Future()
            try:
                feed = AudioFeed(sample_rate)
                caps = capabilities(self.model)
                session = live(
                    feed,
                    client=self.client,
                    model=self.model,
                    language=self.language or None,
                    logprobs=bool(self.logprobs and getattr(caps, "logprobs", False)),
                    turn_detection={"silence_duration_ms": self.silence_duration_ms},
                    noise_reduction=self.noise_reduction or None,
                )
            except Exception as exc:
                self._update(status="error", error=one_line(exc))
                future.set_exception(exc)
                self.job = future
                return future
            self._feed, self.session, self.job = feed, session, future
            self._received = 0.0
            self._update(
                status="listening",
                error="",
                captions=[],
                partial="",
                seconds=0.0,
                html="",
                transcript=None,
            )
        threading.Thread(
            target=self._follow, args=(session, future), name="audiokit-live-captions", daemon=True
        ).start()
        return future

    def push(self, audio: Any) -> None:
        """Add audio (numpy samples or pcm16 bytes at the ``start`` rate)."""
        feed = self._feed
        if feed is None or feed.closed:
            raise RuntimeError("the live captions are not listening; start() them first")
        feed.push(audio)
        count = len(audio) // 2 if isinstance(audio, (bytes, bytearray, memoryview)) else len(audio)
        self._received += count / feed.sample_rate
        if self._received - self.seconds >= SECONDS_TICK:  # a message a second, not per chunk
            self._update(seconds=round(self._received, 1))

    def stop(self) -> None:
        """End the audio; the last utterances are still transcribed."""
        with self._lock:
            feed = self._feed
            if feed is not None and not feed.closed:
                feed.close()
                if self.status == "listening":
                    self._update(status="finishing")

    def run(self) -> Future[Any]:
        """Start listening (what the Start button does, without the browser's microphone)."""
        return self.start()

    def close(self) -> None:
        self.stop()
        session = self.session
        if session is not None:
            session.close()
        super().close()

    # -- the front end's messages --------------------------------------------------------------

    def _on_message(self, _: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "start":
                self.start(int(content.get("sample_rate") or SPEECH_SAMPLE_RATE))
            elif kind == "audio":
                if self.status == "listening":
                    for buffer in buffers:
                        self.push(bytes(buffer))
            elif kind == "stop":
                self.stop()
            elif kind == "error":  # the browser could not open the microphone
                self._update(error=str(content.get("message", "")), status="error")
                self.stop()
        except Exception as exc:  # shown, not raised into the comm machinery
            self._update(error=one_line(exc))

    # -- following the session ------------------------------------------------------------------

    def _follow(self, session: Any, future: Future[Any]) -> None:
        try:
            for event in session:
                if event.type.startswith(("conversation.item", "input_audio_buffer")):
                    self._show(session, captions=event.type.endswith((".completed", ".failed")))
            transcript = session.transcript
        except Exception as exc:
            partial = getattr(exc, "partial", None)
            self._show(session, captions=True)
            self._update(
                status="error",
                error=one_line(exc),
                partial="",
                transcript=partial,
                html=partial._repr_html_() if partial is not None else "",
            )
            future.set_exception(exc)
            return
        finally:
            if self._feed is not None:
                self._feed.close()
        self._update(
            status="done", partial="", transcript=transcript, html=transcript._repr_html_()
        )
        future.set_result(transcript)

    def _show(self, session: Any, *, captions: bool) -> None:
        utterances = session.utterances
        changes: dict[str, Any] = {
            "partial": " ".join(u.text.strip() or "…" for u in utterances if not u.done)
        }
        if captions:
            changes["captions"] = [_caption(u) for u in utterances if u.status == "completed"]
        self._update(**changes)


def _caption(u: Any) -> dict[str, Any]:
    import math

    return {
        "item_id": u.item_id,
        "text": u.text.strip(),
        "start": u.start,
        "end": u.end,
        "confidence": u.confidence,
        "tokens": [[lp.token, math.exp(lp.logprob)] for lp in u.logprobs],
    }


def live_captions(*, client: Any = None, **options: Any) -> LiveCaptionsWidget:
    """Return a :class:`LiveCaptionsWidget`: live captions of the browser's microphone.

    Examples
    --------
    >>> import audiokit.widgets
    >>> audiokit.widgets.live_captions(language="en")  # doctest: +SKIP
    """
    return LiveCaptionsWidget(client=client, **options)
