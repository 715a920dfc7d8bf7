"""Online correction: the reference's post-processing with a chat model.

:func:`chat_request` builds ``POST /chat/completions`` with the reference's system prompt
(:func:`chat_system_prompt`) and the transcript as the user message; ``_correct`` sends it through
the client's HTTP layer (the same retries, error mapping and API key handling as every other
request), and :func:`chat_answer` takes the corrected text out of the response, for
``_changes.diff_changes`` to compare with the transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core import APIResponseError, InvalidTypeError, ValidationError
from ..text import vocabulary_prompt
from ..wire import APIRequest

__all__ = ["chat_system_prompt"]

DEFAULT_CHAT_MODEL = "gpt-4.1"  # the reference's post-processing model

CHAT_PROMPT = (
    "You are a helpful assistant{company}. Your task is to correct any spelling discrepancies "
    "in the transcribed text. Make sure that the names of the following products are spelled "
    "correctly: {terms} Only add necessary punctuation such as periods, commas, and "
    "capitalization, and use only the context provided."
)


def chat_system_prompt(vocabulary: Sequence[str], company: str | None = None) -> str:
    """The reference's post-processing system prompt for ``vocabulary``.

    Examples
    --------
    >>> chat_system_prompt(["ZyntriQix", "F.L.I.N.T."], company="ZyntriQix")[:60]
    'You are a helpful assistant for the company ZyntriQix. Your '
    """
    if company is not None and (not isinstance(company, str) or not company.strip()):
        raise ValidationError("company", company, "a company name, or None")
    where = f" for the company {company.strip()}" if company else ""
    return CHAT_PROMPT.format(company=where, terms=vocabulary_prompt(vocabulary))


def chat_request(
    text: str,
    vocabulary: Sequence[str],
    *,
    model: str,
    temperature: float = 0.0,
    company: str | None = None,
    system_prompt: str | None = None,
) -> APIRequest:
    """``POST /chat/completions``: the system prompt, then the transcript as the user message."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidTypeError("model", model, "a chat model name such as 'gpt-4.1'")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise InvalidTypeError("temperature", temperature, "a number from 0 to 2")
    if not 0 <= temperature <= 2:
        raise ValidationError("temperature", temperature, "a number from 0 to 2")
    if system_prompt is None:
        system_prompt = chat_system_prompt(vocabulary, company)
    elif not isinstance(system_prompt, str) or not system_prompt.strip():
        raise ValidationError("system_prompt", system_prompt, "a non-empty string, or None")
    body = {
        "model": model,
        "temperature": temperature,
        "messages": [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": text},
        ],
    }
    return APIRequest("POST", "/chat/completions", json=body, params={"model": model})


def chat_answer(body: Any) -> str:
    """The assistant's text from a chat completion; refusals and cut-off answers raise."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
    except (TypeError, KeyError, IndexError) as exc:
        raise APIResponseError(f"not a chat completion: {str(body)[:200]!r}") from exc
    if message.get("refusal"):
        raise APIResponseError(f"the model refused: {message['refusal']}")
    if choice.get("finish_reason") == "length":
        raise APIResponseError(
            "the model's answer was cut off (finish_reason=length): the transcript is too long "
            "for one request; correct it in parts"
        )
    content = message.get("content")
    if not isinstance(content, str):
        raise APIResponseError(f"the chat completion has no text content: {str(message)[:200]!r}")
    return content.strip()
