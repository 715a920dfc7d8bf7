"""Transcript comparison (``_compare``): alignment, counts and WER on known pairs, checked
against jiwer, and the hypothesis' confidence carried into the alignment."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jiwer
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import audiokit
from audiokit import TokenLogprob, Transcript
from audiokit.analysis import align_words, normalize_words


def counts(c: audiokit.Comparison) -> tuple[int, int, int, int]:
    return c.matches, c.substitutions, c.deletions, c.insertions


@pytest.mark.parametrize(
    ("hyp", "ref", "expected", "wer"),
    [
        ("The cat sat on the mat.", "the cat sat on the mat", (6, 0, 0, 0), 0.0),
        ("the cat sat on a mat", "The cat sat on the mat.", (5, 1, 0, 0), 1 / 6),
        ("a c d", "a b c d", (3, 0, 1, 0), 1 / 4),
        ("a x b", "a b", (2, 0, 0, 1), 1 / 2),
        (
            "a quick fox jumps over the lazy dog",
            "the quick brown fox jumps over the dog",
            (6, 1, 1, 1),
            3 / 8,
        ),
        ("one two three", "four five", (0, 2, 0, 1), 3 / 2),
        ("", "", (0, 0, 0, 0), 0.0),
        ("", "a b", (0, 0, 2, 0), 1.0),
        ("a b", "", (0, 0, 0, 2), math.inf),
    ],
)
def test_known_pairs(hyp: str, ref: str, expected: tuple[int, ...], wer: float) -> None:
    c = audiokit.compare(hyp, ref)
    assert counts(c) == expected
    assert c.wer == pytest.approx(wer)
    assert c.errors == sum(expected[1:])
    assert len(c.alignment) == sum(expected)
    assert c.alignment["op"].value_counts().reindex(audiokit.analysis.OPS).tolist() == [
        expected[0],
        expected[1],
        expected[3],
        expected[2],
    ]


def test_alignment_rows() -> None:
    c = audiokit.compare("a quick fox jumps over the lazy dog", "The quick brown fox jumps.")
    a = c.alignment
    assert a["op"].tolist() == [
        "substitution",
        "match",
        "deletion",
        "match",
        "match",
        "insertion",
        "insertion",
        "insertion",
        "insertion",
    ]
    assert a["ref_word"].tolist()[:5] == ["The", "quick", "brown", "fox", "jumps."]
    assert a["hyp_word"].fillna("-").tolist() == [
        *("a", "quick", "-", "fox", "jumps"),
        *("over", "the", "lazy", "dog"),
    ]
    assert a["ref_norm"].tolist()[:5] == ["the", "quick", "brown", "fox", "jumps"]
    assert a["ref_index"].tolist()[:5] == [0, 1, 2, 3, 4] and a["ref_index"][5:].isna().all()
    assert a["hyp_index"].tolist()[:2] == [0, 1] and pd.isna(a["hyp_index"][2])
    assert a["hyp_index"].tolist()[3:] == [2, 3, 4, 5, 6, 7]
    assert a["hyp_confidence"].isna().all()  # plain strings carry no confidence
    # jiwer, a reference implementation, counts the same edits on the same words (normalised
    # by hand: lower case, no punctuation)
    out = jiwer.process_words("the quick brown fox jumps", "a quick fox jumps over the lazy dog")
    assert (c.substitutions, c.deletions, c.insertions) == (
        out.substitutions,
        out.deletions,
        out.insertions,
    )
    assert (c.substitutions, c.deletions, c.insertions) == (1, 1, 4)


def test_normalisation() -> None:
    assert normalize_words(["Well-known,", "isn't", "—", "IT?", "naïve"]) == (
        ["well", "known", "isnt", "it", "naïve"],
        [0, 0, 1, 3, 4],
    )
    c = audiokit.compare("well known, isnt it", "Well-known — isn't it?")
    assert counts(c) == (4, 0, 0, 0)
    assert c.alignment["ref_index"].tolist() == [0, 0, 2, 3]
    assert c.n_reference == 4 and c.n_hypothesis == 4


words = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=30)


@given(words, words)
def test_counts_agree_with_jiwer(ref: list[str], hyp: list[str]) -> None:
    c = audiokit.compare(" ".join(hyp), " ".join(ref))
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    assert c.wer == pytest.approx(out.wer)
    assert c.errors == out.substitutions + out.deletions + out.insertions
    # every row is consistent: matches pair equal words, substitutions different ones
    a = c.alignment
    assert (a.loc[a["op"] == "match", "ref_norm"] == a.loc[a["op"] == "match", "hyp_norm"]).all()
    subs = a[a["op"] == "substitution"]
    assert (subs["ref_norm"] != subs["hyp_norm"]).all()
    assert a["ref_norm"].dropna().tolist() == ref and a["hyp_norm"].dropna().tolist() == hyp


def test_long_inputs_cut_at_anchors_stay_exact() -> None:
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(50)]
    ref = [vocab[i] for i in rng.integers(0, 50, 400)]
    hyp = list(ref)
    for k in rng.choice([i for i in range(400) if not 100 <= i < 103], 12, replace=False):
        hyp[k] = "zz"
    del hyp[100:103]
    hyp[250:250] = ["extra", "words"]
    full = align_words(ref, hyp)
    cut = align_words(ref, hyp, max_cells=2_000)  # the full table would have 160,000 cells
    errors = [sum(op != "match" for op, _, _ in x) for x in (full, cut)]
    assert errors[0] == errors[1] <= 12 + 3 + 2
    assert [i for _, i, _ in cut if i >= 0] == list(range(400))
    assert [j for _, _, j in cut if j >= 0] == list(range(len(hyp)))


def test_gap_too_large_to_tabulate_is_paired_by_position() -> None:
    ref = [f"r{i}" for i in range(60)]
    hyp = [f"h{i}" for i in range(50)]
    script = align_words(ref, hyp, max_cells=100)
    ops = [op for op, _, _ in script]
    assert ops.count("substitution") == 50 and ops.count("deletion") == 10
    full = [op for op, _, _ in align_words(ref, hyp)]
    assert sorted(full) == sorted(ops)  # as good as the optimum here


def confident_transcript() -> Transcript:
    """'the whether is nice today' with the wrong word 'whether' and 'today' uncertain."""
    pieces = [("the", -0.01), (" whether", -1.2), (" is", -0.02), (" nice", -0.05)]
    pieces += [(" today", -0.9), (" folks", -2.0)]
    return Transcript(
        text="".join(p for p, _ in pieces),
        logprobs=tuple(TokenLogprob(p, lp) for p, lp in pieces),
    )


def test_confidence_is_carried_and_summarised() -> None:
    t = confident_transcript()
    c = t.compare("The weather is nice today.")
    assert counts(c) == (4, 1, 0, 1)
    a = c.alignment
    conf = t.words["confidence"].to_numpy()
    np.testing.assert_allclose(a["hyp_confidence"], conf[a["hyp_index"].to_numpy(dtype=int)])
    by_op = c.confidence_by_op(threshold=0.5)
    assert by_op["n"].to_dict() == {"match": 4, "substitution": 1, "insertion": 1, "deletion": 0}
    assert by_op.loc["substitution", "mean_confidence"] == pytest.approx(math.exp(-1.2))
    assert by_op.loc["insertion", "mean_confidence"] == pytest.approx(math.exp(-2.0))
    matches = [math.exp(x) for x in (-0.01, -0.02, -0.05, -0.9)]
    assert by_op.loc["match", "mean_confidence"] == pytest.approx(np.mean(matches))
    assert by_op.loc["match", "median_confidence"] == pytest.approx(np.median(matches))
    assert by_op.loc["match", "below_threshold"] == 0.25  # "today", exp(-0.9) = 0.41
    assert by_op.loc["substitution", "below_threshold"] == 1.0
    assert np.isnan(by_op.loc["deletion", "mean_confidence"])

    rates = c.error_rate_by_confidence(bins=[0, 0.5, 1])
    assert rates["n"].tolist() == [3, 3]
    assert rates["errors"].tolist() == [2, 0]
    assert rates["error_rate"].tolist() == pytest.approx([2 / 3, 0.0])


def test_two_transcripts_carry_both_confidences() -> None:
    ref = confident_transcript()
    hyp = Transcript(
        text="the weather is nice",
        logprobs=tuple(TokenLogprob(w, -0.1) for w in ("the", " weather", " is", " nice")),
    )
    c = audiokit.compare(hyp, ref)
    assert counts(c) == (3, 1, 2, 0)
    a = c.alignment
    assert a["ref_confidence"].tolist()[:2] == pytest.approx([math.exp(-0.01), math.exp(-1.2)])
    assert a["hyp_confidence"].dropna().tolist() == pytest.approx([math.exp(-0.1)] * 4)


def test_diarized_labels_are_not_words(reference: Callable[[str], Any]) -> None:
    """The "Agent:" labels in a diarized transcript's text are not part of what was said."""
    t = Transcript.from_response(reference("transcription_diarized_json.json"), "diarized_json")
    said = " ".join(s.text for s in t.segment_list)
    c = audiokit.compare(t, said)
    assert counts(c) == (len(said.split()), 0, 0, 0)
    rows = c.alignment["hyp_index"].tolist()
    words = t.words["word"]
    assert [words[i] for i in rows] == said.split()
    assert "Agent:" not in words[rows].tolist() and words[0] == "Agent:"


def test_bad_arguments() -> None:
    with pytest.raises(audiokit.InvalidTypeError) as info:
        audiokit.compare("text", 42)  # type: ignore[arg-type]
    assert info.value.param == "reference"
    with pytest.raises(audiokit.ValidationError) as info:
        audiokit.compare("a", "b").error_rate_by_confidence(bins=[0.5, 0.2])
    assert info.value.param == "bins"
    with pytest.raises(audiokit.ValidationError):
        audiokit.compare("a", "b").confidence_by_op(threshold=-1)


def test_display() -> None:
    c = audiokit.compare("x <i> z", "x y z w")
    assert repr(c) == (
        "Comparison(wer=0.500, substitutions=1, deletions=1, insertions=0, n_reference=4)"
    )
    markup = c._repr_html_()
    assert "<s>y</s>→&lt;i&gt;" in markup
    assert "title='deletion'>w</s>" in markup
    assert "<i>" not in markup
