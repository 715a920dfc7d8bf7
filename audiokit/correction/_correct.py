"""Fixing a transcript's spellings against a vocabulary, after transcription.

The reference's "Improving reliability" section offers two remedies for words Whisper does not
know (product names, acronyms): a prompt listing the spellings (``transcribe(vocabulary=...)``),
and post-processing the transcript with a chat model told which spellings are right.
:func:`correct` is the second, with an offline counterpart:

- ``method="chat"``: ``POST /chat/completions`` with the reference's system prompt (model
  ``gpt-4.1`` by default), through the client's HTTP layer — the same retries, error mapping and
  API key handling as every other request. The model's answer is compared with the transcript
  word by word (``difflib``); each difference is one change.
- ``method="fuzzy"``: deterministic and offline. Runs of words are compared with each term on
  letters and digits, as written and through a rough English sound key, and the best matches
  scoring at least ``threshold`` are replaced by the term (``_fuzzy`` says how, and what it
  leaves alone). ``difflib`` is in the standard library, so no dependency is added.
- ``method="auto"``: chat on the API backend, fuzzy on the offline engine (which has no chat
  model and does not pretend to have one).

Either way the changes are positioned in the original text and applied to the whole text, to
each segment and to the word list alike (a change that merges words merges their timings), so
the corrected :class:`~audiokit.Transcript` stays consistent with itself.

The pieces: ``_fuzzy`` (offline matching), ``_chat`` (the chat request and its answer),
``_changes`` (:class:`Change`, :class:`Correction`, the word diff and applying changes); this
module checks the arguments, picks the method and ties them together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core import InvalidTypeError, UnsupportedError, ValidationError
from ..results import Transcript
from ..text import vocabulary_terms
from ._changes import Change, Correction, _corrected_transcript, diff_changes
from ._chat import DEFAULT_CHAT_MODEL, chat_answer, chat_request
from ._fuzzy import DEFAULT_THRESHOLD, fuzzy_changes

if TYPE_CHECKING:
    from ..client import AsyncClient, Client

__all__ = ["acorrect", "correct"]

METHODS = ("auto", "chat", "fuzzy")


# -- entry points -------------------------------------------------------------------------------


def _prepare(
    transcript: Any, vocabulary: Any, method: Any, threshold: Any
) -> tuple[Transcript, list[str]]:
    if isinstance(transcript, str):
        transcript = Transcript(text=transcript)
    elif not isinstance(transcript, Transcript):
        raise InvalidTypeError("transcript", transcript, "a Transcript or a string")
    if vocabulary is None:
        vocabulary = transcript.params.get("vocabulary")
        if vocabulary is None:
            raise ValidationError(
                "vocabulary", None, "a list of correct spellings, e.g. ['ZyntriQix']",
                reason="none given, and the transcript was not made with vocabulary=",
            )  # fmt: skip
    terms = vocabulary_terms(vocabulary)
    if method not in METHODS:
        raise ValidationError("method", method, "'auto', 'chat' or 'fuzzy'")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise InvalidTypeError("threshold", threshold, "a number from 0 to 1")
    if not 0 < threshold <= 1:
        raise ValidationError("threshold", threshold, "a number above 0, at most 1")
    return transcript, terms


def _resolve_method(method: str, client: Any) -> str:
    if method == "fuzzy":
        return "fuzzy"
    if client.backend == "local":
        if method == "chat":
            raise UnsupportedError(
                "method", method, "'fuzzy' or 'auto' with the offline engine",
                reason="the offline engine has no chat model (set OPENAI_API_KEY for 'chat')",
            )  # fmt: skip
        return "fuzzy"
    return "chat"


def _fuzzy(transcript: Transcript, terms: list[str], threshold: float) -> Correction:
    def relocate(text: str) -> list[Change]:
        return fuzzy_changes(text, terms, threshold=threshold)

    changes = relocate(transcript.text)
    note = {"method": "fuzzy", "vocabulary": terms, "threshold": threshold}
    fixed = _corrected_transcript(transcript, changes, note, relocate)
    return Correction(fixed, transcript, tuple(changes), tuple(terms), "fuzzy")


def _from_chat(transcript: Transcript, terms: list[str], model: str, body: Any) -> Correction:
    answer = chat_answer(body)
    changes = diff_changes(transcript.text, answer)

    def relocate(text: str) -> list[Change]:
        # Segments that do not spell out the text: apply the chat's replacements by their words.
        mapping = {c.original: c.corrected for c in changes if c.original}
        found = []
        for original, corrected in mapping.items():
            for m in re.finditer(re.escape(original), text):
                found.append(Change(original, corrected, m.start(), m.end(), None, "chat"))
        found.sort(key=lambda c: c.position)
        kept, end = [], -1
        for c in found:
            if c.position >= end:
                kept.append(c)
                end = c.end
        return kept

    note = {"method": "chat", "vocabulary": terms, "model": model}
    fixed = _corrected_transcript(transcript, changes, note, relocate)
    return Correction(fixed, transcript, tuple(changes), tuple(terms), "chat", model, raw=body)


def correct(
    transcript: Transcript | str,
    vocabulary: Sequence[str] | None = None,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    client: Client | None = None,
    method: str = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> Correction:
    """Correct the spellings of ``vocabulary`` terms in a transcript.

    Parameters
    ----------
    transcript : Transcript or str
        What to correct.
    vocabulary : list of str, optional
        The right spellings. Default: the ``vocabulary=`` the transcript was made with.
    model : str
        Chat model for ``method="chat"`` (default ``gpt-4.1``, as in the reference).
    client : Client, optional
        Whose HTTP layer, key and backend to use; default the module-level client.
    method : {"auto", "chat", "fuzzy"}
        ``"chat"``: a chat model rewrites the text with the reference's system prompt (the API
        backend only). ``"fuzzy"``: offline, deterministic matching of word runs against the
        terms. ``"auto"``: chat on the API backend, fuzzy on the offline engine.
    threshold : float
        Fuzzy: minimum similarity (0-1] for a replacement (default 0.75).
    temperature, company, system_prompt
        Chat: sampling temperature (default 0); the company named in the reference's prompt
        ("You are a helpful assistant for the company …"); or a whole system prompt of your own.

    Returns
    -------
    Correction
        ``.transcript`` (corrected text, segments and words), ``.changes`` (a DataFrame:
        original, corrected, position, end, score, method), ``.original``.

    Examples
    --------
    >>> t = audiokit.transcribe("launch.wav")                            # doctest: +SKIP
    >>> fixed = audiokit.correct(t, ["ZyntriQix", "Digique Plus"])         # doctest: +SKIP
    >>> fixed.changes                                                      # doctest: +SKIP
    >>> fixed.transcript.save("launch.srt")                                # doctest: +SKIP
    """
    transcript, terms = _prepare(transcript, vocabulary, method, threshold)
    if method == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    if client is None:
        from ..client import default_client

        client = default_client()
    from ..client import AsyncClient, Client

    if isinstance(client, AsyncClient):
        raise InvalidTypeError(
            "client", client, "a Client (use `await audiokit.acorrect(...)` with an AsyncClient)"
        )
    if not isinstance(client, Client):
        raise InvalidTypeError("client", client, "an audiokit.Client")
    if _resolve_method(method, client) == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    request = chat_request(
        transcript.text, terms, model=model, temperature=temperature, company=company,
        system_prompt=system_prompt,
    )  # fmt: skip
    return _from_chat(transcript, terms, model, client.http.request(request))


async def acorrect(
    transcript: Transcript | str,
    vocabulary: Sequence[str] | None = None,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    client: AsyncClient,
    method: str = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> Correction:
    """The asyncio twin of :func:`correct`, over an :class:`~audiokit.AsyncClient`."""
    from ..client import AsyncClient

    transcript, terms = _prepare(transcript, vocabulary, method, threshold)
    if not isinstance(client, AsyncClient):
        raise InvalidTypeError("client", client, "an audiokit.AsyncClient")
    if _resolve_method(method, client) == "fuzzy":
        return _fuzzy(transcript, terms, float(threshold))
    request = chat_request(
        transcript.text, terms, model=model, temperature=temperature, company=company,
        system_prompt=system_prompt,
    )  # fmt: skip
    return _from_chat(transcript, terms, model, await client.http.request(request))
