"""The audiokit exception tree.

Every error audiokit raises derives from :class:`AudiokitError`::

    AudiokitError
    ├── ValidationError (ValueError)        caller mistake, raised before any request is sent
    │   ├── InvalidTypeError (TypeError)    wrong type of argument
    │   ├── AudioError                      audio that is empty, unreadable, silent or too large
    │   └── UnsupportedError                a feature the chosen model or backend cannot do
    ├── ParseError (ValueError)             text that is not valid srt / vtt / json / SSE
    ├── AudioDecodeError (ValueError)       bytes no decoder can read (Speech.to_numpy, decode)
    ├── BatchInterrupted                    recorded for the files a stopped batch did not reach
    └── APIError                            something went wrong talking to the server
        ├── APIStatusError                  the server answered with an error status
        │   ├── BadRequestError                 400
        │   ├── AuthenticationError             401
        │   ├── PermissionDeniedError           403
        │   ├── NotFoundError                   404
        │   ├── ConflictError                   409
        │   ├── RequestTooLargeError            413
        │   ├── UnsupportedMediaTypeError       415
        │   ├── UnprocessableEntityError        422
        │   ├── RateLimitError                  429
        │   └── InternalServerError             5xx
        ├── APIConnectionError              no usable answer (network, reset, proxy page)
        │   └── APITimeoutError
        ├── APIResponseError                an answer that cannot be understood (bad JSON)
        └── StreamError                     a stream broke early; keeps the partial result
            └── LiveSessionError            a live (Realtime) session failed or dropped

Errors from httpx are translated once, at the transport boundary (``audiokit/wire/_http.py``);
errors from soundfile and PyAV once, in the decoders (``audiokit/audio``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AudioDecodeError",
    "AudioError",
    "AudiokitError",
    "AuthenticationError",
    "BadRequestError",
    "BatchInterrupted",
    "ConflictError",
    "InternalServerError",
    "InvalidTypeError",
    "LiveSessionError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "StreamError",
    "UnprocessableEntityError",
    "UnsupportedError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "status_error_class",
]


class AudiokitError(Exception):
    """Base class of every error raised by audiokit."""

    def __reduce__(self) -> Any:
        # Keyword-only constructor arguments would break the default pickling (and so
        # multiprocessing, joblib, ipyparallel): rebuild from the attributes instead.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type[AudiokitError], args: tuple, state: dict[str, Any]) -> AudiokitError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ValidationError(AudiokitError, ValueError):
    """A parameter is not acceptable; raised before anything is sent.

    Attributes
    ----------
    param : str
        The parameter at fault, e.g. ``"response_format"``.
    value : Any
        The value that was given.
    allowed : str
        What would have been accepted, in words.
    """

    def __init__(self, param: str, value: Any, allowed: str, *, reason: str | None = None) -> None:
        self.param = param
        self.value = value
        self.allowed = allowed
        self.reason = reason
        shown = _short_repr(value)
        head = f"{param}={shown}: {reason}" if reason else f"{param}={shown} is not allowed"
        super().__init__(f"{head}; allowed: {allowed}" if allowed else head)


class InvalidTypeError(ValidationError, TypeError):
    """An argument has the wrong type."""


class AudioError(ValidationError):
    """Audio input that cannot be used: empty, unreadable, silent or too large."""


class UnsupportedError(ValidationError):
    """The model or backend cannot do what was asked (e.g. diarization offline)."""


class ParseError(AudiokitError, ValueError):
    """Text that is not valid in the format it claims (srt, vtt, transcript json, SSE)."""


class AudioDecodeError(AudiokitError, ValueError):
    """The bytes are not audio that soundfile or PyAV can decode."""


class BatchInterrupted(AudiokitError):
    """Recorded for the sources a batch did not get to before it was stopped."""

    def __init__(self, message: str = "interrupted before this source finished") -> None:
        super().__init__(message)


class APIError(AudiokitError):
    """Something went wrong talking to the server.

    Attributes
    ----------
    message : str
        The server's message (or a description of the failure).
    request_id : str | None
        The ``x-request-id`` header of the failed response, when there was one.
    """

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        self.message = message
        self.request_id = request_id
        super().__init__(message)


class APIStatusError(APIError):
    """The server answered with an error status code.

    Attributes
    ----------
    status_code, type, code, param, message, request_id, body
        Everything the server said: the HTTP status, OpenAI's error ``type``/``code``/``param``,
        its message, the request id and the decoded body (dict, or text when it was not JSON).
    in_process : bool
        True when the offline engine answered in-process (``backend="local"``): no HTTP
        happened, so the message reads like a client-side :class:`ValidationError`
        (``language='fr' is not allowed; allowed: en``), without ``HTTP 400:`` and the
        ``(type=…, code=…, param=…)`` details, which stay on the attributes.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        in_process: bool = False,
    ) -> None:
        self.in_process = in_process
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.body = body
        super().__init__(message, request_id=request_id)

    def __str__(self) -> str:
        if self.in_process:
            return self.message
        details = ", ".join(
            f"{name}={value}"
            for name, value in (("type", self.type), ("code", self.code), ("param", self.param))
            if value
        )
        suffix = f" ({details})" if details else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        return f"HTTP {self.status_code}: {self.message}{suffix}{rid}"


class BadRequestError(APIStatusError):
    """400: the server rejected a parameter."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model or endpoint."""


class NotFoundError(APIStatusError):
    """404: unknown route, model or object."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the state of the resource."""


class RequestTooLargeError(APIStatusError):
    """413: the upload is over the server's limit."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the server could not read the uploaded audio."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well formed but not processable."""


class RateLimitError(APIStatusError):
    """429: too many requests, or the quota is exhausted."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class APIConnectionError(APIError):
    """No usable answer: the connection failed, was reset, or a proxy answered instead."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIResponseError(APIError):
    """The server's answer could not be understood (malformed JSON, unexpected content type)."""


class StreamError(APIError):
    """A streamed response ended before its done event.

    Attributes
    ----------
    partial : object
        What was received before the break: a :class:`~audiokit.Transcript` for transcription
        streams, a :class:`~audiokit.Speech` for speech streams.
    """

    def __init__(self, message: str, *, partial: Any = None, request_id: str | None = None):
        self.partial = partial
        super().__init__(message, request_id=request_id)


class LiveSessionError(StreamError):
    """A live transcription session (Realtime API) failed, or its connection dropped.

    Raised for a server ``error`` event (e.g. session settings the server refused), a WebSocket
    that closed before the session finished, or a server that stopped answering.

    Attributes
    ----------
    partial : Transcript
        The utterances transcribed before the failure, in order.
    type, code, param : str | None
        The server's error ``type`` / ``code`` / ``param`` (for an ``error`` event).
    event_id : str | None
        The id of the client event that caused the error, when the server said.
    close_code : int | None
        The WebSocket close code, when the connection closed (1006: dropped without a close).
    """

    def __init__(
        self,
        message: str,
        *,
        partial: Any = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        event_id: str | None = None,
        close_code: int | None = None,
    ) -> None:
        self.type = type
        self.code = code
        self.param = param
        self.event_id = event_id
        self.close_code = close_code
        super().__init__(message, partial=partial)


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}…{text[-15:]} ({len(text)} chars)"
