"""Reading the API's request bodies: multipart forms, routes with ``{param}``s, typed fields.

``LocalApp`` (``_app``) hands a route's raw bytes here and gets plain values back, or an
:class:`HTTPProblem` carrying the error response (415 for a body that is not a form, 413 for a
file past 25 MB). The field checks themselves are the client's (``audiokit.wire``).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Mapping
from typing import Any

from ..core import MAX_UPLOAD_BYTES, AudiokitError, ValidationError
from ._response import LocalResponse

__all__: list[str] = []

# The API's forms have about thirty fields at most (granularities, speakers, chunking keys): a
# body with more parts is refused before the multipart parser, whose cost grows with the count
# (150k empty parts cost over a minute of CPU), ever sees it.
MAX_FORM_PARTS = 100
MAX_JSON_DEPTH = 32  # the speech body is flat; 32 levels of nesting is already absurd
MAX_NUMBER_DIGITS = 100  # a digit string longer than this is no number a parameter takes
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


class HTTPProblem(AudiokitError):
    """Raised inside a route to answer with an error response."""

    def __init__(self, response: LocalResponse) -> None:
        self.response = response


# -- request parsing ------------------------------------------------------------------------------


def _route_template(path: str, routes: Mapping[tuple[str, str], Any]) -> str:
    """The registered ``{param}`` template ``path`` matches (``/a/{id}`` for ``/a/x``), else
    ``path`` itself."""
    parts = path.split("/")
    for _, template in routes:
        pattern = template.split("/")
        if (
            "{" in template
            and len(pattern) == len(parts)
            and all(
                t == p or (t.startswith("{") and p) for t, p in zip(pattern, parts, strict=True)
            )
        ):
            return template
    return path


def _parse_form(
    headers: Mapping[str, str], body: bytes
) -> tuple[dict[str, Any], bytes, str | None]:
    """Multipart fields (``x[]`` and ``x[key]`` regrouped into lists/dicts), the file bytes and
    the file's name (when the part gave one)."""
    ctype = headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise HTTPProblem(
            LocalResponse.error(
                415,
                "expected multipart/form-data with a 'file' part",
                code="unsupported_media_type",
            )
        )
    if len(body) > MAX_UPLOAD_BYTES + 1024 * 1024:  # the file plus generous room for fields
        raise HTTPProblem(
            LocalResponse.error(
                413, "the upload is over the 25 MB limit", param="file", code="file_too_large"
            )
        )
    boundary = _BOUNDARY.search(ctype)
    if boundary is not None:
        parts = body.count(b"--" + boundary.group(1).strip().encode("latin-1", "replace"))
        if parts - 1 > MAX_FORM_PARTS:  # the closing delimiter counts once more
            raise HTTPProblem(
                LocalResponse.error(
                    413,
                    f"the form has {parts - 1} parts; at most {MAX_FORM_PARTS} are allowed",
                    code="too_many_fields",
                )
            )
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    file: bytes | None = None
    filename: str | None = None
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            file, filename = payload, part.get_filename()
            continue
        value = payload.decode("utf-8", "replace")
        _check_one_shape(fields, name, value)
        if name.endswith("[]"):
            fields.setdefault(name[:-2], []).append(value)
        elif "[" in name and name.endswith("]"):
            outer, inner = name[:-1].split("[", 1)
            target = fields.setdefault(outer, {})
            if isinstance(target, dict):
                target[inner] = _number_or_text(value)
        else:
            fields[name] = value
    if file is None:
        raise ValidationError(
            "file", None, "an audio file in a multipart 'file' part", reason="no file was uploaded"
        )
    if len(file) > MAX_UPLOAD_BYTES:
        raise HTTPProblem(
            LocalResponse.error(
                413,
                f"the file is {len(file) / 2**20:.1f} MB; the limit is 25 MB",
                param="file",
                code="file_too_large",
            )
        )
    for key in (
        "include",
        "timestamp_granularities",
        "known_speaker_names",
        "known_speaker_references",
        "languages",
        "keywords",
    ):
        if isinstance(fields.get(key), str):
            fields[key] = [fields[key]]
    return fields, file, filename


def _check_one_shape(fields: Mapping[str, Any], name: str, value: str) -> None:
    """Refuse ``x`` next to ``x[]`` or ``x[key]``: one parameter, two shapes."""
    base = name[:-2] if name.endswith("[]") else name.split("[", 1)[0]
    if base not in fields:
        return
    earlier = fields[base]
    plain, shaped = base == name, isinstance(earlier, (list, dict))
    if plain == shaped or (name.endswith("[]") and isinstance(earlier, dict)):
        # what was sent, field by field, as the form wrote it
        if isinstance(earlier, list):
            sent = [f"{base}[]={v}" for v in earlier]
        elif isinstance(earlier, dict):
            sent = [f"{base}[{k}]={v}" for k, v in earlier.items()]
        else:
            sent = [f"{base}={earlier}"]
        sent.append(f"{name}={value}")
        raise ValidationError(
            base,
            sent,
            f"either '{base}' or '{base}[]' fields, not both",
            reason=f"the form sends '{base}' in two shapes",
        )


class _HugeNumber(int):
    """A number with too many digits to convert: a parameter check then refuses it by name."""

    def __new__(cls, digits: str) -> _HugeNumber:
        value = super().__new__(cls, 0)
        value.digits = len(digits)
        return value

    def __repr__(self) -> str:
        return f"<a number with {self.digits} digits>"


def _parse_number(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        return _HugeNumber(text)
    return int(text)


def _parse_json_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body, or an :class:`HTTPProblem` (400) saying what is wrong."""

    def problem(message: str) -> HTTPProblem:
        return HTTPProblem(LocalResponse.error(400, message, code="invalid_json"))

    try:
        text = (body or b"null").decode("utf-8")
    except UnicodeDecodeError:
        raise problem("the request body is not UTF-8 text") from None
    depth = _max_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise problem(f"the request body nests JSON more than {MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(text, parse_int=_parse_number)
    except (ValueError, RecursionError):
        raise problem("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise problem("the request body must be a JSON object")
    return data


def _max_depth(text: str) -> int:
    """How deep ``[``/``{`` nest in ``text`` (outside strings), counted up to the limit + 1."""
    depth = deepest = 0
    for match in _BRACKET_OR_STRING.finditer(text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        else:
            depth -= 1
    return deepest


def _named(file: bytes, filename: str | None) -> Any:
    """The upload under its own name, so that an error names the file (never its content)."""
    if not filename:
        return file
    from ..audio import AudioFile, sniff_format

    return AudioFile(filename, file, sniff_format(file) or "unknown")


def _number_or_text(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _required(fields: Mapping[str, Any], name: str) -> Any:
    if name not in fields or fields[name] in (None, ""):
        raise ValidationError(name, None, f"a value for '{name}'", reason=f"'{name}' is required")
    return fields[name]


def _float(fields: Mapping[str, Any], name: str) -> float | None:
    if name not in fields:
        return None
    try:
        return float(fields[name])
    except ValueError:
        raise ValidationError(name, fields[name], "a number") from None


def _bool(fields: Mapping[str, Any], name: str) -> bool:
    value = str(fields.get(name, "false")).lower()
    if value not in ("true", "false", "1", "0"):
        raise ValidationError(name, fields.get(name), "true or false")
    return value in ("true", "1")
