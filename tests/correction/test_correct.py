"""Correcting a transcript's spellings against a vocabulary.

- On real audio, offline: the local engine speaks a sentence with an invented product name,
  Whisper tiny.en misspells it, and the fuzzy correction restores the exact spelling in the
  text, the segments and the word list.
- The fuzzy matcher on known misspellings (taken from tiny.en's output on Piper speech) and on
  text it must leave alone.
- The chat path's wire format (the reference's system prompt, the model, the transcript as the
  user message) and its handling of answers, through a recording transport; retries and
  errors are the client's own HTTP layer.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from conftest import Recorder

import audiokit
from audiokit.correction import (
    CHANGE_COLUMNS,
    chat_system_prompt,
    diff_changes,
    fuzzy_changes,
)
from audiokit.records import Segment, Word
from audiokit.results import Transcript

KEY = "sk-test-correct-0000"
BASE = "http://api.test/v1"
TERMS = [
    "ZyntriQix",
    "Digique Plus",
    "CynapseFive",
    "VortiQore V8",
    "EchoNix Array",
    "OrbitalLink Seven",
    "DigiFractal Matrix",
    "PULSE",
    "RAPT",
    "B.R.I.C.K.",
    "Q.U.A.R.T.Z.",
    "F.L.I.N.T.",
]
# The reference's system prompt ("Improving reliability" → "Post-processing with GPT-4").
REFERENCE_SYSTEM_PROMPT = """
You are a helpful assistant for the company ZyntriQix. Your task is to correct
any spelling discrepancies in the transcribed text. Make sure that the names of
the following products are spelled correctly: ZyntriQix, Digique Plus,
CynapseFive, VortiQore V8, EchoNix Array, OrbitalLink Seven, DigiFractal
Matrix, PULSE, RAPT, B.R.I.C.K., Q.U.A.R.T.Z., F.L.I.N.T. Only add necessary
punctuation such as periods, commas, and capitalization, and use only the
context provided.
"""
PLANTED = "Zorblax"
SENTENCE = f"Yesterday the {PLANTED} team shipped the new release."


def chat_reply(content: str, **choice: object) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4.1-2025-04-14",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content, "refusal": None},
                **choice,
            }
        ],
        "usage": {"prompt_tokens": 90, "completion_tokens": 20, "total_tokens": 110},
    }


@pytest.fixture
def client(recorder: Recorder) -> audiokit.Client:
    return audiokit.Client(api_key=KEY, base_url=BASE, transport=recorder.transport)


def whole_word(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


# -- real audio, offline -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def misspelled() -> Transcript:
    local = audiokit.Client(backend="local")
    speech = local.speak(SENTENCE, response_format="wav")
    return local.transcribe(
        speech,
        model="whisper-1",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )


def test_offline_correction_restores_a_planted_name_in_real_speech(misspelled: Transcript) -> None:
    assert PLANTED not in misspelled.text, f"tiny.en spelled it right: {misspelled.text!r}"
    fixed = audiokit.correct(misspelled, [PLANTED], client=audiokit.Client(backend="local"))
    assert fixed.method == "fuzzy"  # the offline engine has no chat model
    assert whole_word(PLANTED, fixed.text), fixed.text
    (change,) = fixed.change_list
    assert change.corrected == PLANTED
    assert misspelled.text[change.position : change.end] == change.original
    assert change.original not in fixed.text
    # the rest of the sentence is untouched
    assert (
        fixed.text == misspelled.text[: change.position] + PLANTED + misspelled.text[change.end :]
    )
    # segments and words carry the same correction
    assert "".join(s.text for s in fixed.transcript.segment_list).strip() == fixed.text
    words = [w.word.strip() for w in fixed.transcript.word_list]
    assert PLANTED in words
    assert len(words) == len(fixed.text.split())
    new = fixed.transcript.word_list[words.index(PLANTED)]
    old = [
        w for w in misspelled.word_list if w.start is not None and new.start <= w.start < new.end
    ]
    assert new.start == old[0].start and new.end == old[-1].end
    assert fixed.transcript.params["correction"]["method"] == "fuzzy"
    assert fixed.original is misspelled


def test_offline_correction_of_the_srt_keeps_times(misspelled: Transcript) -> None:
    fixed = audiokit.correct(misspelled, [PLANTED], method="fuzzy").transcript
    srt = fixed.to_srt()
    assert PLANTED in srt
    assert [s.start for s in fixed.segment_list] == [s.start for s in misspelled.segment_list]


def test_chat_is_refused_offline(misspelled: Transcript) -> None:
    with pytest.raises(audiokit.UnsupportedError, match="no chat model"):
        audiokit.correct(
            misspelled, [PLANTED], method="chat", client=audiokit.Client(backend="local")
        )


# -- the fuzzy matcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        # misspellings tiny.en produced for Piper speech of invented names
        (
            "Yesterday the Zor Black's team shipped.",
            ["Zorblax"],
            "Yesterday the Zorblax team shipped.",
        ),
        ("Yesterday the Zordlax team shipped.", ["Zorblax"], "Yesterday the Zorblax team shipped."),
        (
            "The Quandrick's dashboard shows every sensor.",
            ["Quandrex"],
            "The Quandrex dashboard shows every sensor.",
        ),
        (
            "Yesterday the Kwon-Drik's team shipped.",
            ["Quandrex"],
            "Yesterday the Quandrex team shipped.",
        ),
        ("I ordered two flobberting units.", ["Flobbertine"], "I ordered two Flobbertine units."),
        (
            "Yesterday the Flobber Team Team shipped.",
            ["Flobbertine"],
            "Yesterday the Flobbertine Team shipped.",
        ),
        (
            "Yesterday the Glaxitron team shipped.",
            ["Glaxotrin"],
            "Yesterday the Glaxotrin team shipped.",
        ),
        # case, spacing and punctuation of known terms
        (
            "We sell the Echo Nix array and digique plus.",
            TERMS,
            "We sell the EchoNix Array and Digique Plus.",
        ),
        ("Then brick. And rapt!", TERMS, "Then B.R.I.C.K. And RAPT!"),
        ("It runs on the Zintricks engine.", TERMS, "It runs on the ZyntriQix engine."),
    ],
)
def test_fuzzy_fixes_known_misspellings(text: str, terms: list[str], expected: str) -> None:
    assert audiokit.correct(text, terms, method="fuzzy").text == expected


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("We use the EchoNix and nothing else.", ["EchoNix Array"]),  # a partial mention
        ("Write a prompt for the transcription.", ["Prompter", "Transcripto"]),  # real words
        ("For more details, see the guide.", ["VortiQore"]),
        ("The pulses were fast.", ["PULSE"]),  # short terms only fix the same word
        ("Zor. Black's team shipped.", ["Zorblax"]),  # not across a sentence end
        ("Yesterday the team shipped the new release.", [PLANTED, "Quandrex", "Flobbertine"]),
    ],
)
def test_fuzzy_leaves_other_words_alone(text: str, terms: list[str]) -> None:
    fixed = audiokit.correct(text, terms, method="fuzzy")
    assert fixed.text == text and fixed.change_list == ()


def test_fuzzy_is_idempotent_and_deterministic() -> None:
    text = "The Quandrick's and the Zor Black's teams met the Glaxitron people."
    terms = ["Quandrex", "Zorblax", "Glaxotrin"]
    once = audiokit.correct(text, terms, method="fuzzy")
    assert once.text == "The Quandrex and the Zorblax teams met the Glaxotrin people."
    assert audiokit.correct(once.text, terms, method="fuzzy").change_list == ()
    assert fuzzy_changes(text, terms) == fuzzy_changes(text, terms)


def test_the_threshold_decides() -> None:
    """A near miss is replaced at every threshold up to its reported score, and above it never."""
    text = "Yesterday the Kwon-Drik's team shipped."
    (change,) = audiokit.correct(text, ["Quandrex"], method="fuzzy", threshold=0.5).change_list
    assert (change.original, change.corrected) == ("Kwon-Drik's", "Quandrex")
    assert 0.5 <= change.score < 1  # similar, not the same spelling
    thresholds = [t / 20 for t in range(10, 21)]  # 0.5, 0.55, ... 1.0
    decided = {
        t: bool(audiokit.correct(text, ["Quandrex"], method="fuzzy", threshold=t).change_list)
        for t in thresholds
        if abs(t - change.score) > 0.001  # the score is reported to three decimals
    }
    assert decided == {t: t < change.score for t in decided}
    assert True in decided.values() and False in decided.values()


def test_changes_frame() -> None:
    fixed = audiokit.correct(
        "The Zor Black's and Quandrick's teams.", ["Zorblax", "Quandrex"], method="fuzzy"
    )
    frame = fixed.changes
    assert list(frame.columns) == CHANGE_COLUMNS
    assert frame[["original", "corrected", "position", "end"]].values.tolist() == [
        ["Zor Black's", "Zorblax", 4, 15],
        ["Quandrick's", "Quandrex", 20, 31],
    ]
    assert (frame["method"] == "fuzzy").all() and frame["score"].between(0.75, 1).all()
    assert str(frame["position"].dtype) == "int64"
    html = fixed._repr_html_()
    assert "<del" in html and "Zor Black&#x27;s" in html and "<b>Zorblax</b>" in html
    assert "2 changes" in repr(fixed)


def test_segments_and_words_follow_a_change_across_a_segment_boundary() -> None:
    t = Transcript(
        text="Yesterday the Zor Black's team shipped. Then more.",
        segment_list=(
            Segment(0, 0.0, 1.0, " Yesterday the Zor"),
            Segment(1, 1.0, 2.0, " Black's team shipped."),
            Segment(2, 2.0, 3.0, " Then more."),
        ),
        word_list=tuple(
            Word(w, float(i), i + 1.0, probability=0.9)
            for i, w in enumerate(
                ["Yesterday", "the", "Zor", "Black's", "team", "shipped.", "Then", "more."]
            )
        ),
        logprobs=(audiokit.TokenLogprob("Yesterday", -0.1),),
        params={"model": "whisper-1"},
    )
    fixed = audiokit.correct(t, ["Zorblax"], method="fuzzy").transcript
    assert fixed.text == "Yesterday the Zorblax team shipped. Then more."
    assert [s.text for s in fixed.segment_list] == [
        " Yesterday the Zorblax",
        " team shipped.",
        " Then more.",
    ]
    assert [s.start for s in fixed.segment_list] == [0.0, 1.0, 2.0]
    merged = fixed.word_list[2]
    assert (merged.word, merged.start, merged.end, merged.probability) == (
        "Zorblax",
        2.0,
        4.0,
        None,
    )
    assert [w.word for w in fixed.word_list] == [
        "Yesterday",
        "the",
        "Zorblax",
        "team",
        "shipped.",
        "Then",
        "more.",
    ]
    assert fixed.word_list[0].probability == 0.9  # untouched words keep theirs
    assert fixed.logprobs == ()  # token log-probabilities described the old words
    assert fixed.params["model"] == "whisper-1"
    assert fixed.params["correction"] == {
        "method": "fuzzy",
        "vocabulary": ["Zorblax"],
        "threshold": 0.75,
    }


def test_segments_that_do_not_spell_the_text_are_corrected_one_by_one() -> None:
    t = Transcript(
        text="the Zor Black's team", segment_list=(Segment(0, 0, 1, "THE ZOR BLACK'S TEAM"),)
    )
    fixed = audiokit.correct(t, ["Zorblax"], method="fuzzy").transcript
    assert fixed.text == "the Zorblax team"
    assert fixed.segment_list[0].text == "THE Zorblax TEAM"


def test_vocabulary_defaults_to_the_one_the_transcript_was_made_with() -> None:
    t = Transcript(text="The Quandrick's dashboard.", params={"vocabulary": ["Quandrex"]})
    assert audiokit.correct(t, method="fuzzy").text == "The Quandrex dashboard."
    with pytest.raises(audiokit.ValidationError, match="vocabulary"):
        audiokit.correct("no vocabulary here", method="fuzzy")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"method": "gpt"}, "method"),
        ({"threshold": 0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "high"}, "threshold"),
        ({"client": "not a client", "method": "chat"}, "client"),
    ],
)
def test_bad_arguments_raise(kwargs: dict, param: str) -> None:
    with pytest.raises(audiokit.ValidationError) as info:
        audiokit.correct("text", ["Term"], **kwargs)
    assert info.value.param == param
    with pytest.raises(audiokit.InvalidTypeError, match="transcript"):
        audiokit.correct(42, ["Term"], method="fuzzy")  # type: ignore[arg-type]


# -- the chat path -------------------------------------------------------------------------------


def test_the_system_prompt_is_the_references() -> None:
    expected = " ".join(REFERENCE_SYSTEM_PROMPT.split())
    assert chat_system_prompt(TERMS, company="ZyntriQix") == expected
    assert chat_system_prompt(["Quandrex"]).startswith("You are a helpful assistant. Your task")


def test_chat_request_wire_format(client: audiokit.Client, recorder: Recorder) -> None:
    transcript = "We launched the Zintricks and the digique plus today"
    recorder.reply = lambda r: httpx.Response(
        200, json=chat_reply("We launched the ZyntriQix and the Digique Plus today.")
    )
    fixed = audiokit.correct(transcript, TERMS, client=client, company="ZyntriQix")
    (request,) = recorder.requests
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/chat/completions")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "model": "gpt-4.1",
        "temperature": 0.0,
        "messages": [
            {"role": "system", "content": " ".join(REFERENCE_SYSTEM_PROMPT.split())},
            {"role": "user", "content": transcript},
        ],
    }
    assert fixed.method == "chat" and fixed.model == "gpt-4.1"
    assert fixed.text == "We launched the ZyntriQix and the Digique Plus today."
    assert [(c.original, c.corrected) for c in fixed.change_list] == [
        ("Zintricks", "ZyntriQix"),
        ("digique plus today", "Digique Plus today."),
    ]
    assert fixed.changes["score"].isna().all() and (fixed.changes["method"] == "chat").all()
    assert fixed.raw["usage"]["total_tokens"] == 110


def test_chat_options_model_temperature_prompt(client: audiokit.Client, recorder: Recorder) -> None:
    recorder.reply = lambda r: httpx.Response(200, json=chat_reply("ok"))
    audiokit.correct(
        "ok",
        ["Term"],
        client=client,
        model="gpt-4o-mini",
        temperature=0.3,
        system_prompt="Fix the spelling of Term.",
    )
    body = json.loads(recorder.requests[0].content)
    assert (body["model"], body["temperature"]) == ("gpt-4o-mini", 0.3)
    assert body["messages"][0] == {"role": "system", "content": "Fix the spelling of Term."}


def test_chat_corrections_reach_segments_and_words(
    client: audiokit.Client, recorder: Recorder
) -> None:
    t = Transcript(
        text="the zor black's team shipped it",
        segment_list=(Segment(0, 0, 1, " the zor black's"), Segment(1, 1, 2, " team shipped it")),
        word_list=tuple(
            Word(w, float(i), i + 1.0)
            for i, w in enumerate(["the", "zor", "black's", "team", "shipped", "it"])
        ),
    )
    recorder.reply = lambda r: httpx.Response(200, json=chat_reply("The Zorblax team shipped it."))
    fixed = audiokit.correct(t, ["Zorblax"], client=client).transcript
    assert fixed.text == "The Zorblax team shipped it."
    assert [s.text for s in fixed.segment_list] == [" The Zorblax", " team shipped it."]
    assert [(w.word, w.start, w.end) for w in fixed.word_list] == [
        ("The", 0.0, 1.0),
        ("Zorblax", 1.0, 3.0),
        ("team", 3.0, 4.0),
        ("shipped", 4.0, 5.0),
        ("it.", 5.0, 6.0),
    ]


def test_chat_goes_through_the_clients_retries(recorder: Recorder) -> None:
    answers = iter(
        [
            httpx.Response(
                500,
                json={"error": {"message": "boom", "type": "server_error"}},
                headers={"retry-after": "0"},
            ),
            httpx.Response(200, json=chat_reply("The Zorblax team.")),
        ]
    )
    recorder.reply = lambda r: next(answers)
    client = audiokit.Client(
        api_key=KEY, base_url=BASE, transport=recorder.transport, max_retries=1
    )
    assert audiokit.correct("The Zor Black's team.", ["Zorblax"], client=client).text == (
        "The Zorblax team."
    )
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (
            httpx.Response(
                401,
                json={
                    "error": {
                        "message": "Incorrect API key",
                        "type": "x",
                        "code": "invalid_api_key",
                    }
                },
            ),
            audiokit.AuthenticationError,
            "Incorrect API key",
        ),
        (
            httpx.Response(
                200,
                json=chat_reply(
                    "", message={"role": "assistant", "content": None, "refusal": "I can't help"}
                ),
            ),
            audiokit.APIResponseError,
            "refused: I can't help",
        ),
        (
            httpx.Response(200, json=chat_reply("The Zorb", finish_reason="length")),
            audiokit.APIResponseError,
            "cut off",
        ),
        (httpx.Response(200, json={"choices": []}), audiokit.APIResponseError, "not a chat"),
    ],
)
def test_chat_failures_raise_typed_errors(
    client: audiokit.Client, recorder: Recorder, reply: httpx.Response, error: type, words: str
) -> None:
    recorder.reply = lambda r: reply
    with pytest.raises(error, match=words):
        audiokit.correct("The Zor Black's team.", ["Zorblax"], client=client, method="chat")


def test_fuzzy_never_sends_anything(client: audiokit.Client, recorder: Recorder) -> None:
    audiokit.correct("The Zor Black's team.", ["Zorblax"], client=client, method="fuzzy")
    assert recorder.requests == []


def test_word_diff_positions_every_change_in_the_original() -> None:
    original = "the quandricks team shipped"
    changes = diff_changes(original, "The Quandrex team shipped it.")
    assert [(c.original, c.corrected, c.position, c.end) for c in changes] == [
        ("the", "The", 0, 3),  # case only: a change of its own
        ("quandricks", "Quandrex", 4, 14),
        ("", " it.", 27, 27),  # an insertion at the end
    ]
    assert diff_changes("digique plus today", "Digique Plus today.")[0].original == (
        "digique plus today"  # neighbouring case-only changes are one
    )
    assert [c.corrected for c in diff_changes("", "Hello")] == ["Hello"]


async def test_acorrect_over_an_async_client() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json=chat_reply("The Zorblax team."))

    async with audiokit.AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler)
    ) as client:
        fixed = await audiokit.acorrect("The Zor Black's team.", ["Zorblax"], client=client)
        with pytest.raises(audiokit.InvalidTypeError, match="acorrect"):
            audiokit.correct("x", ["Zorblax"], client=client)  # type: ignore[arg-type]
    assert fixed.text == "The Zorblax team." and fixed.method == "chat"
    assert json.loads(seen[0].content)["messages"][1]["content"] == "The Zor Black's team."
    local = audiokit.AsyncClient(backend="local")
    offline = await audiokit.acorrect("The Zor Black's team.", ["Zorblax"], client=local)
    assert offline.method == "fuzzy" and offline.text == "The Zorblax team."
