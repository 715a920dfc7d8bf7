"""Who spoke when, offline: speech regions → voice embeddings → clusters → speaker turns.

Silero VAD (bundled with faster-whisper) finds the speech; the voice encoder
(:mod:`._voice_encoder`) embeds 1.6 s windows of it every :data:`STEP_SECONDS`; agglomerative
clustering (average linkage on cosine similarity) merges windows until no two clusters are more
alike than :data:`MERGE_SIMILARITY`, so the number of speakers comes out of the audio; each
10 ms speech frame then takes the speaker of the nearest window. Known speakers (the API's
``known_speaker_names`` / ``known_speaker_references``) name the clusters whose voice is
closest to their reference clip; the others are ``A``, ``B``, ... in order of appearance.
:func:`diarization_error_rate` scores turns against reference turns (RTTM).
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ._voice_encoder import HOP, PARTIAL_FRAMES, SAMPLE_RATE, mel_spectrogram, normalize_volume

__all__ = [
    "Diarizer",
    "Turn",
    "assign_speakers",
    "diarization_error_rate",
    "read_rttm",
]

FRAME_SECONDS = HOP / SAMPLE_RATE  # 10 ms: the resolution of the turns
STEP_SECONDS = 0.4  # between the starts of two embedded windows
SMOOTH_WINDOWS = 1  # each embedding is averaged with this many neighbours either side
MAX_WINDOWS = 1500  # longer audio spaces its windows further apart (clustering is O(n²))
MERGE_SIMILARITY = 0.75  # clusters whose mean cosine similarity is above it are one speaker
MIN_SPEAKER_SECONDS = 2.0  # a cluster with less speech than this joins its closest cluster
KNOWN_SIMILARITY = 0.6  # a cluster is named after a reference voice at least this similar
VAD_THRESHOLD = 0.5  # Silero speech probability
VAD_MIN_SILENCE_MS = 300
VAD_PAD_MS = 60


@dataclass(frozen=True)
class Turn:
    """A stretch of one speaker's speech (seconds)."""

    start: float
    end: float
    speaker: str


def speech_regions(samples: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample indices of the speech in 16 kHz ``samples`` (Silero VAD)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=VAD_THRESHOLD,
        min_silence_duration_ms=VAD_MIN_SILENCE_MS,
        speech_pad_ms=VAD_PAD_MS,
    )
    return [(int(r["start"]), int(r["end"])) for r in get_speech_timestamps(samples, options)]


def cluster(embeddings: np.ndarray, threshold: float = MERGE_SIMILARITY) -> np.ndarray:
    """Cluster index of each unit vector: average-linkage agglomeration on cosine similarity,
    merging while the two closest clusters' mean similarity is at least ``threshold``."""
    n = len(embeddings)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    sim = (embeddings @ embeddings.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    labels = np.arange(n)
    while alive.sum() > 1:
        flat = int(np.argmax(sim))
        i, j = divmod(flat, n)
        if sim[i, j] < threshold:
            break
        # Lance-Williams update for average linkage: the merged row is the size-weighted mean
        merged = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sim[i], sim[:, i] = merged, merged
        sim[i, i] = -np.inf
        sim[j], sim[:, j] = -np.inf, -np.inf
        sizes[i] += sizes[j]
        alive[j] = False
        labels[labels == j] = i
    _, labels = np.unique(labels, return_inverse=True)
    return labels


class Diarizer:
    """Speaker turns of 16 kHz audio.

    Parameters
    ----------
    encoder
        A :class:`~._voice_encoder.VoiceEncoder` (default: the bundled one, loaded on first use).
    threshold
        Cosine similarity above which two clusters of windows are one speaker.
    """

    def __init__(self, encoder: object = None, *, threshold: float = MERGE_SIMILARITY) -> None:
        self._encoder = encoder
        self.threshold = threshold

    @property
    def encoder(self) -> object:
        if self._encoder is None:
            from ._voice_encoder import VoiceEncoder

            self._encoder = VoiceEncoder()
        return self._encoder

    def embed_reference(self, samples: np.ndarray) -> np.ndarray:
        """The voice of a reference clip (its speech only, when the VAD finds any)."""
        x = normalize_volume(samples)
        regions = speech_regions(x)
        speech = np.concatenate([x[a:b] for a, b in regions]) if regions else x
        return self.encoder.embed_utterance(speech)  # type: ignore[attr-defined]

    def __call__(
        self,
        samples: np.ndarray,
        *,
        known: Sequence[tuple[str, np.ndarray]] = (),
    ) -> list[Turn]:
        """Speaker turns of ``samples``; ``known`` pairs a name with a reference embedding
        (:meth:`embed_reference`)."""
        x = normalize_volume(np.asarray(samples, np.float32))
        regions = speech_regions(x)
        if not regions:
            return []
        mel = mel_spectrogram(x)
        total_frames = len(mel)
        speech_frames = sum(b - a for a, b in regions) / HOP
        step = max(round(STEP_SECONDS / FRAME_SECONDS), int(np.ceil(speech_frames / MAX_WINDOWS)))
        starts, spans = _windows(regions, step, total_frames)
        embeddings = self.encoder.embed_windows(mel, starts)  # type: ignore[attr-defined]
        embeddings = _smooth(embeddings, [r for r, _, _ in spans])
        labels = cluster(embeddings, self.threshold)
        labels = _absorb_small(embeddings, labels, spans)
        names = _name_clusters(embeddings, labels, known)
        return _turns(regions, spans, labels, names)


def _windows(
    regions: Sequence[tuple[int, int]], step: int, total_frames: int
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Window start frames, and per window (region index, first frame, last frame) of the
    speech it stands for (the frames nearest its centre)."""
    starts: list[int] = []
    spans: list[tuple[int, int, int]] = []
    for r, (a, b) in enumerate(regions):
        fa, fb = a // HOP, max(a // HOP + 1, b // HOP)
        if fb - fa <= PARTIAL_FRAMES:  # short: one window centred on it
            centre = (fa + fb) // 2
            starts.append(max(0, min(centre - PARTIAL_FRAMES // 2, total_frames - PARTIAL_FRAMES)))
            spans.append((r, fa, fb))
            continue
        first = list(range(fa, fb - PARTIAL_FRAMES + 1, step))
        if first[-1] != fb - PARTIAL_FRAMES:
            first.append(fb - PARTIAL_FRAMES)
        centres = [s + PARTIAL_FRAMES // 2 for s in first]
        bounds = [fa] + [(c1 + c2) // 2 for c1, c2 in itertools.pairwise(centres)] + [fb]
        for s, lo, hi in zip(first, bounds, bounds[1:], strict=False):
            starts.append(s)
            spans.append((r, lo, hi))
    return starts, spans


def _smooth(embeddings: np.ndarray, regions: Sequence[int]) -> np.ndarray:
    """Each window's embedding averaged with its neighbours in the same speech region: a 1.6 s
    window's voice is noisy, and a speaker talks for longer than one window."""
    out = np.empty_like(embeddings)
    regions = np.asarray(regions)
    for i in range(len(embeddings)):
        lo, hi = max(0, i - SMOOTH_WINDOWS), i + SMOOTH_WINDOWS + 1
        same = regions[lo:hi] == regions[i]
        out[i] = _unit(embeddings[lo:hi][same].mean(axis=0))
    return out


def _absorb_small(
    embeddings: np.ndarray, labels: np.ndarray, spans: Sequence[tuple[int, int, int]]
) -> np.ndarray:
    """Clusters with under :data:`MIN_SPEAKER_SECONDS` of speech join the closest large one."""
    seconds = np.zeros(labels.max() + 1)
    for label, (_, lo, hi) in zip(labels, spans, strict=True):
        seconds[label] += (hi - lo) * FRAME_SECONDS
    large = np.flatnonzero(seconds >= MIN_SPEAKER_SECONDS)
    if len(large) == 0 or len(large) == len(seconds):
        return labels
    centroids = np.stack([_unit(embeddings[labels == k].mean(axis=0)) for k in large])
    out = labels.copy()
    for k in np.flatnonzero(seconds < MIN_SPEAKER_SECONDS):
        members = labels == k
        out[members] = large[np.argmax(centroids @ _unit(embeddings[members].mean(axis=0)))]
    _, out = np.unique(out, return_inverse=True)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _name_clusters(
    embeddings: np.ndarray, labels: np.ndarray, known: Sequence[tuple[str, np.ndarray]]
) -> dict[int, str]:
    """Each cluster's name: a known speaker's (best pairs first, each name once, when similar
    enough), else a letter in order of first appearance."""
    order = list(dict.fromkeys(labels.tolist()))
    names: dict[int, str] = {}
    if known:
        centroids = {k: _unit(embeddings[labels == k].mean(axis=0)) for k in order}
        pairs = sorted(
            ((float(centroids[k] @ ref), k, name) for k in order for name, ref in known),
            reverse=True,
        )
        used: set[str] = set()
        for sim, k, name in pairs:
            if sim >= KNOWN_SIMILARITY and k not in names and name not in used:
                names[k] = name
                used.add(name)
    letters = iter(_letters())
    for k in order:
        if k not in names:
            names[k] = next(letters)
    return names


def _letters() -> Iterable[str]:
    """A, B, ..., Z, AA, AB, ..."""
    for size in itertools.count(1):
        for combo in itertools.product(string.ascii_uppercase, repeat=size):
            yield "".join(combo)


def _turns(
    regions: Sequence[tuple[int, int]],
    spans: Sequence[tuple[int, int, int]],
    labels: np.ndarray,
    names: dict[int, str],
) -> list[Turn]:
    turns: list[Turn] = []
    for (r, lo, hi), label in zip(spans, labels, strict=True):
        a, b = regions[r]
        start = max(lo * HOP, a) / SAMPLE_RATE
        end = min(hi * HOP, b) / SAMPLE_RATE if hi * HOP < b else b / SAMPLE_RATE
        speaker = names[int(label)]
        if turns and turns[-1].speaker == speaker and start - turns[-1].end < 1e-6:
            turns[-1] = Turn(turns[-1].start, end, speaker)
        elif end > start:
            turns.append(Turn(start, end, speaker))
    return turns


def assign_speakers(
    turns: Sequence[Turn], spans: Iterable[tuple[float, float]]
) -> list[str | None]:
    """The speaker of each (start, end) span: the turn overlapping it most, else the nearest."""
    out: list[str | None] = []
    for start, end in spans:
        best, best_key = None, (-np.inf, -np.inf)
        for t in turns:
            overlap = min(end, t.end) - max(start, t.start)
            distance = -max(t.start - end, start - t.end, 0.0)
            key = (overlap, 0.0) if overlap > 0 else (0.0, distance - 1e9)
            if key > best_key:
                best, best_key = t.speaker, key
        out.append(best)
    return out


def read_rttm(text: str) -> list[Turn]:
    """The ``SPEAKER`` lines of an RTTM file as turns."""
    turns = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0] == "SPEAKER":
            start, duration = float(fields[3]), float(fields[4])
            turns.append(Turn(start, start + duration, fields[7]))
    return turns


def diarization_error_rate(
    reference: Sequence[Turn], hypothesis: Sequence[Turn], *, collar: float = 0.0
) -> dict[str, float]:
    """NIST diarization error rate on a 10 ms grid: (missed + false alarm + confusion) / total
    reference speech, with the speaker mapping that maximises agreement; overlapped speech
    counts once per speaker. ``collar`` seconds either side of every reference boundary are
    not scored."""
    end = max([t.end for t in reference] + [t.end for t in hypothesis] + [0.0])
    n = int(np.ceil(end / FRAME_SECONDS)) + 1
    ref_names = sorted({t.speaker for t in reference})
    hyp_names = sorted({t.speaker for t in hypothesis})
    ref = _activity(reference, ref_names, n)
    hyp = _activity(hypothesis, hyp_names, n)
    scored = np.ones(n, dtype=bool)
    if collar > 0:
        for t in reference:
            for edge in (t.start, t.end):
                lo = max(0, round((edge - collar) / FRAME_SECONDS))
                scored[lo : round((edge + collar) / FRAME_SECONDS)] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    agreement = ref.astype(np.int64) @ hyp.T.astype(np.int64)  # frames both speak, per pair
    mapped = _best_mapping_total(agreement)
    total = float(n_ref.sum())
    missed = float(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = float(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = float(np.minimum(n_ref, n_hyp).sum()) - mapped
    der = (missed + false_alarm + confusion) / total if total else 0.0
    return {
        "der": der,
        "missed": missed / total if total else 0.0,
        "false_alarm": false_alarm / total if total else 0.0,
        "confusion": confusion / total if total else 0.0,
        "speech_seconds": total * FRAME_SECONDS,
    }


def _activity(turns: Sequence[Turn], names: Sequence[str], n: int) -> np.ndarray:
    out = np.zeros((len(names), n), dtype=bool)
    index = {name: i for i, name in enumerate(names)}
    for t in turns:
        lo, hi = round(t.start / FRAME_SECONDS), round(t.end / FRAME_SECONDS)
        out[index[t.speaker], lo:hi] = True
    return out


def _best_mapping_total(agreement: np.ndarray) -> float:
    """The most frames a one-to-one speaker mapping can agree on (exhaustive for the small
    speaker counts of a recording, greedy past 8)."""
    r, h = agreement.shape
    if r == 0 or h == 0:
        return 0.0
    if r > h:
        agreement, (r, h) = agreement.T, (h, r)
    if h <= 8:
        rows = np.arange(r)
        return float(
            max(agreement[rows, list(p)].sum() for p in itertools.permutations(range(h), r))
        )
    total, a = 0.0, agreement.astype(float).copy()
    for _ in range(r):
        i, j = divmod(int(np.argmax(a)), h)
        total += a[i, j]
        a[i, :], a[:, j] = -1, -1
    return total
