"""Confidence plots (``_plots``): the artists on the Axes carry the transcript's numbers."""

from __future__ import annotations

import io
from collections.abc import Iterator

import matplotlib
import numpy as np
import pytest

import audiokit
from audiokit import TokenLogprob, Transcript, Word

matplotlib.use("Agg")  # no display on the test machine; figures are inspected, not shown

import matplotlib.pyplot as plt
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D

WORDS = ["we", "met", "Nkechi", "and", "Siobhan", "at", "the", "Aarhus", "cafe", "today"]
LOGPROBS = [-0.01, -0.05, -1.6, -0.02, -2.3, -0.03, -0.01, -0.9, -0.2, -0.04]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def transcript(*, timed: bool = True) -> Transcript:
    pieces = tuple(
        TokenLogprob(("" if i == 0 else " ") + w, lp)
        for i, (w, lp) in enumerate(zip(WORDS, LOGPROBS, strict=True))
    )
    words = tuple(Word(w, 0.5 * i, 0.5 * i + 0.3) for i, w in enumerate(WORDS)) if timed else ()
    return Transcript(text=" ".join(WORDS), logprobs=pieces, word_list=words)


def data_line(ax: plt.Axes) -> Line2D:
    (line,) = [ln for ln in ax.lines if ln.get_label() == "word confidence"] or [
        ln for ln in ax.lines if ln.get_label() == "token confidence"
    ]
    return line


def threshold_lines(ax: plt.Axes, value: float, axis: str = "y") -> list[Line2D]:
    """Lines spanning the axes at ``value`` (what axhline/axvline draw)."""
    found = []
    for ln in ax.lines:
        xs, ys = (np.asarray(v, dtype=float) for v in ln.get_data())
        along, across = (ys, xs) if axis == "y" else (xs, ys)
        if len(along) == 2 and np.allclose(along, value) and np.allclose(across, [0, 1]):
            found.append(ln)
    return found


def test_plot_confidence_by_word_with_times() -> None:
    t = transcript()
    ax = t.plot_confidence(threshold=0.5)
    line = data_line(ax)
    expected = np.exp(LOGPROBS)
    np.testing.assert_allclose(line.get_ydata(), expected)
    np.testing.assert_allclose(line.get_xdata(), [0.5 * i + 0.15 for i in range(len(WORDS))])
    assert ax.get_xlabel() == "time (s)"
    assert len(threshold_lines(ax, 0.5)) == 1
    low = [w for w, p in zip(WORDS, expected, strict=True) if p < 0.5]
    assert low == ["Nkechi", "Siobhan", "Aarhus"]
    assert [text.get_text() for text in ax.texts] == low
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(dots.get_offsets()[:, 1], [p for p in expected if p < 0.5])
    assert ax.get_title() == "Word confidence: 3 of 10 words below 0.5"
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    assert buf.getvalue().startswith(b"\x89PNG")


def test_plot_confidence_by_token_without_times_uses_positions() -> None:
    t = transcript(timed=False)
    ax = t.plot_confidence(by="token", threshold=0.2)
    line = data_line(ax)
    np.testing.assert_allclose(line.get_ydata(), np.exp(LOGPROBS))
    np.testing.assert_allclose(line.get_xdata(), np.arange(len(WORDS)))
    assert ax.get_xlabel() == "token number"
    assert len(threshold_lines(ax, 0.2)) == 1
    assert [text.get_text() for text in ax.texts] == ["Siobhan"]  # exp(-2.3) = 0.10


def test_token_plot_spreads_a_words_tokens_over_its_time() -> None:
    pieces = (TokenLogprob("Nke", -0.1), TokenLogprob("chi", -1.0), TokenLogprob(" ok", -0.2))
    t = Transcript(
        text="Nkechi ok",
        logprobs=pieces,
        word_list=(Word("Nkechi", 1.0, 2.0), Word("ok", 2.0, 2.4)),
    )
    ax = t.plot_confidence(by="token")
    np.testing.assert_allclose(data_line(ax).get_xdata(), [1.25, 1.75, 2.2])
    assert ax.get_xlabel() == "time (s)"


def test_plot_confidence_labels_only_the_least_confident() -> None:
    from audiokit.notebook import plot_confidence

    ax = plot_confidence(transcript(), threshold=0.9, max_labels=2)
    assert sorted(text.get_text() for text in ax.texts) == ["Nkechi", "Siobhan"]
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots.get_offsets()) == 4  # every low word is marked, two are labelled


def test_plot_confidence_draws_on_a_given_axes() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    ax = transcript().plot_confidence(ax=right)
    assert ax is right and ax.figure is fig
    assert not left.lines


def test_histogram_counts_and_colours() -> None:
    t = transcript()
    ax = t.plot_confidence_histogram(bins=10, threshold=0.5)
    patches = ax.patches
    assert len(patches) == 10
    heights = [p.get_height() for p in patches]
    expected, _ = np.histogram(np.exp(LOGPROBS), bins=np.linspace(0, 1, 11))
    assert heights == expected.tolist()
    low_colour = patches[0].get_facecolor()
    assert all(p.get_facecolor() == low_colour for p in patches[:5])
    assert all(p.get_facecolor() != low_colour for p in patches[5:])
    assert len(threshold_lines(ax, 0.5, axis="x")) == 1
    assert ax.get_title() == "10 words, 3 (30%) below 0.5"
    assert ax.get_yscale() == "linear"


def test_histogram_goes_logarithmic_when_values_pile_up_near_one() -> None:
    logprobs = [-0.001] * 200 + [-1.5, -2.5]
    t = Transcript(
        text=" ".join(["w"] * len(logprobs)),
        logprobs=tuple(TokenLogprob(" w" if i else "w", lp) for i, lp in enumerate(logprobs)),
    )
    ax = t.plot_confidence_histogram(by="token")
    assert ax.get_yscale() == "log"
    assert sum(p.get_height() for p in ax.patches) == 202
    assert ax.get_xlabel() == "token confidence (probability)"


def test_plots_need_confidence_and_valid_arguments() -> None:
    plain = Transcript(text="no logprobs here")
    with pytest.raises(audiokit.ValidationError, match="logprobs"):
        plain.plot_confidence()
    with pytest.raises(audiokit.ValidationError, match="logprobs"):
        plain.plot_confidence_histogram()
    with pytest.raises(audiokit.ValidationError) as info:
        transcript().plot_confidence(by="letter")
    assert info.value.param == "by"
    with pytest.raises(audiokit.ValidationError) as info:
        transcript().plot_confidence_histogram(bins=0)
    assert info.value.param == "bins"
    assert not plt.get_fignums()  # nothing was drawn before the checks failed


def test_word_probability_is_enough_to_plot() -> None:
    """Local-engine style words with probabilities and no token logprobs."""
    words = tuple(
        Word(w, i * 0.4, i * 0.4 + 0.3, probability=p)
        for i, (w, p) in enumerate([("one", 0.95), ("two", 0.3), ("three", 0.8)])
    )
    t = Transcript(text="one two three", word_list=words)
    ax = t.plot_confidence()
    np.testing.assert_allclose(data_line(ax).get_ydata(), [0.95, 0.3, 0.8])
    assert [text.get_text() for text in ax.texts] == ["two"]
    np.testing.assert_allclose(data_line(ax).get_xdata(), [0.15, 0.55, 0.95])
    assert ax.get_xlabel() == "time (s)"


def one_minute_transcript() -> Transcript:
    """150 words over 60 s, a third of them unsure, in runs of neighbours (the hard case)."""
    rng = np.random.default_rng(7)
    vocabulary = ["niggarding.", "The", "Siobhan", "Aarhus", "quarterly", "a", "Nkechi", "of"]
    words, pieces = [], []
    for i in range(150):
        word = vocabulary[i % len(vocabulary)]
        unsure = i % 3 != 0 or i % 7 == 0
        logprob = float(rng.uniform(-3.0, -0.8)) if unsure else -0.02
        pieces.append(TokenLogprob(("" if i == 0 else " ") + word, logprob))
        words.append(Word(word, 0.4 * i, 0.4 * i + 0.35))
    return Transcript(
        text=" ".join(w.word for w in words), logprobs=tuple(pieces), word_list=tuple(words)
    )


def test_labels_of_a_one_minute_transcript_never_overlap() -> None:
    t = one_minute_transcript()
    ax = t.plot_confidence(threshold=0.5)
    figure = ax.figure
    figure.savefig(io.BytesIO(), format="png")  # a real render: the layout is final
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in ax.texts]
    assert len(boxes) >= 8  # readable labels, not all of them dropped
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not any(box.overlaps(legend) for box in boxes)
    inside = ax.get_window_extent(renderer)
    assert all(inside.contains(b.x0, b.y0) and inside.contains(b.x1, b.y1) for b in boxes)
    # the least confident word is always among the labels kept
    least = min(t.logprobs, key=lambda p: p.logprob).token.strip()
    assert least in [text.get_text() for text in ax.texts]
