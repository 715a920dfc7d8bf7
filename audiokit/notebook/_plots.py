"""Confidence plots with matplotlib: along the transcript, and as a histogram.

matplotlib is imported inside the functions. Without an ``ax`` a new figure comes from
``plt.subplots`` (so notebooks show it as usual); every function returns the Axes it drew on,
``ax.figure`` being its figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..analysis import check_threshold, confidence_units, floats
from ..results import provides

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..results import Transcript

__all__ = ["plot_confidence", "plot_confidence_histogram"]

_OK_COLOR = "#4C72B0"  # confident: muted blue
_LOW_COLOR = "#C44E52"  # below the threshold: muted red
_MAX_LABELS = 25  # more labels than this turn into clutter; the least confident ones win


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


@provides("plot_confidence")
def plot_confidence(
    transcript: Transcript,
    by: str = "word",
    threshold: float = 0.5,
    ax: Axes | None = None,
    *,
    max_labels: int = _MAX_LABELS,
) -> Axes:
    """Confidence of each word (or token) along the transcript; see
    :meth:`Transcript.plot_confidence`."""
    threshold = check_threshold(threshold)
    frame = confidence_units(transcript, by)
    conf = frame["confidence"].to_numpy(dtype=float)
    labels = frame["label"].astype(object).to_numpy()
    start, end = floats(frame, "start"), floats(frame, "end")
    has_conf = ~np.isnan(conf)
    # the views leave out time columns no row has: then nothing is timed
    word_timed = np.zeros(len(frame), dtype=bool)
    if "time_source" in frame:
        word_timed = (frame["time_source"] == "word").to_numpy(dtype=bool)
    timed = bool(has_conf.any() and word_timed[has_conf].all())
    if timed:
        x = (start + end) / 2
        xlabel = "time (s)"
        if by == "token":  # tokens of one word share its times: spread them across it
            word = frame["word_index"].fillna(-1).to_numpy(dtype=np.int64)
            rank = frame.groupby(word).cumcount().to_numpy()
            count = frame.groupby(word)["token"].transform("size").to_numpy()
            x = np.where(word >= 0, start + (end - start) * (rank + 0.5) / count, x)
    else:
        x = np.arange(len(frame), dtype=float)
        xlabel = f"{by} number"

    ax = _axes(ax, (10, 3.2))
    ax.plot(
        x[has_conf],
        conf[has_conf],
        color=_OK_COLOR,
        linewidth=1,
        marker="o",
        markersize=3,
        label=f"{by} confidence",
    )
    ax.axhline(
        threshold, color=_LOW_COLOR, linestyle="--", linewidth=1, label=f"threshold {threshold:g}"
    )
    with np.errstate(invalid="ignore"):
        low = conf < threshold
    if low.any():
        ax.scatter(x[low], conf[low], color=_LOW_COLOR, s=22, zorder=3, label="below threshold")
    ax.set_ylim(-0.2 if low.any() else -0.03, 1.08)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("confidence (probability)")
    n_low, n = int(low.sum()), int(has_conf.sum())
    ax.set_title(f"{by.capitalize()} confidence: {n_low} of {n} {by}s below {threshold:g}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    if low.any():
        shown = np.flatnonzero(low)
        shown = shown[np.argsort(conf[shown], kind="stable")][: max(0, max_labels)]
        _label_points(ax, [(str(labels[i]).strip(), x[i], conf[i]) for i in shown])
    return ax


# Where a label may sit, in points from its dot: below first (away from the threshold line),
# then above, then further away. A label that fits none of these is left out.
_LABEL_OFFSETS_PT = ((0, -7), (0, 7), (0, -17), (0, 17), (0, -27), (0, 27))
_LABEL_GAP_PX = 2.0  # kept between two labels, so that a final re-layout cannot make them touch


def _label_points(ax: Axes, points: list[tuple[str, float, float]]) -> None:
    """Annotate ``(text, x, y)`` points, most important first, without two labels overlapping.

    Each label tries the offsets in turn and takes the first where its box meets no label already
    placed (nor the legend) and stays inside the Axes (outside, it would hit the tick labels);
    labels that find no place are removed. At most ``len(points) * len(_LABEL_OFFSETS_PT)``
    boxes are measured. ``ax.texts`` keeps the survivors in the order of ``x``.
    """
    labels = {
        i: ax.annotate(
            text,
            (x, y),
            xytext=_LABEL_OFFSETS_PT[0],
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=8,
            color=_LOW_COLOR,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        )
        for i, (text, x, y) in sorted(enumerate(points), key=lambda item: item[1][1])
    }
    figure = ax.figure
    figure.draw_without_rendering()  # settle the layout, so that the boxes measured are final
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = ax.get_window_extent(renderer)
    legend = ax.get_legend()
    placed = [legend.get_window_extent(renderer)] if legend is not None else []
    for i in range(len(points)):
        label = labels[i]
        for offset in _LABEL_OFFSETS_PT:
            label.set_position(offset)
            box = label.get_window_extent(renderer).padded(_LABEL_GAP_PX)
            fits = inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)
            if fits and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
        else:
            label.remove()


@provides("plot_confidence_histogram")
def plot_confidence_histogram(
    transcript: Transcript,
    ax: Axes | None = None,
    *,
    by: str = "word",
    threshold: float = 0.5,
    bins: int = 20,
    log: bool | None = None,
) -> Axes:
    """Distribution of word (or token) confidence; see
    :meth:`Transcript.plot_confidence_histogram`."""
    from ..core import ValidationError

    threshold = check_threshold(threshold)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValidationError("bins", bins, "a positive integer")
    frame = confidence_units(transcript, by)
    conf = frame["confidence"].to_numpy(dtype=float)
    conf = conf[~np.isnan(conf)]
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts, _ = np.histogram(conf, bins=edges)
    if log is None:  # most figures pile up near 1: a log scale keeps the low bins visible
        nonzero = counts[counts > 0]
        log = bool(len(nonzero) and nonzero.max() > 50 * nonzero.min())

    ax = _axes(ax, (6, 3.2))
    _, _, patches = ax.hist(conf, bins=edges, color=_OK_COLOR, edgecolor="white", log=log)
    for left, patch in zip(edges[:-1], patches, strict=True):
        if left < threshold:
            patch.set_facecolor(_LOW_COLOR)
    ax.axvline(
        threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:g}"
    )
    n_low = int((conf < threshold).sum())
    share = n_low / len(conf) if len(conf) else 0.0
    ax.set_title(f"{len(conf)} {by}s, {n_low} ({share:.0%}) below {threshold:g}")
    ax.set_xlabel(f"{by} confidence (probability)")
    ax.set_ylabel(f"{by}s" + (" (log scale)" if log else ""))
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    return ax
