"""``change_tempo``: the duration is exactly ``1 / factor``, the pitch is kept."""

from __future__ import annotations

import numpy as np
import pytest
from _tools import require

require("av", "changing the tempo needs PyAV: it is in the local extra (pip install -e '.[local]')")

from audiokit.audio import change_tempo  # noqa: E402
from audiokit.core import ValidationError  # noqa: E402

RATE = 16_000


def _tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * RATE / samples.size)


@pytest.mark.parametrize("factor", [0.25, 0.5, 0.8, 1.25, 2.0, 4.0])
def test_the_duration_is_exactly_one_over_the_factor_at_the_same_pitch(factor: float) -> None:
    tone = _tone(440.0, 2.0)
    out = change_tempo(tone, RATE, factor)
    assert out.dtype == np.float32 and out.ndim == 1
    assert out.size == round(tone.size / factor)
    middle = out[out.size // 4 : 3 * out.size // 4]
    assert _dominant_hz(middle) == pytest.approx(440.0, abs=5.0)
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.2)


def test_factor_one_and_empty_input_come_back_unchanged() -> None:
    tone = _tone(300.0, 0.5)
    assert np.array_equal(change_tempo(tone, RATE, 1.0), tone)
    assert change_tempo(np.zeros(0, dtype=np.float32), RATE, 2.0).size == 0


@pytest.mark.parametrize("factor", [0, -1.0, float("nan"), 101.0, True])
def test_bad_factors_are_refused_naming_the_parameter(factor: float) -> None:
    with pytest.raises(ValidationError, match="factor"):
        change_tempo(_tone(300.0, 0.1), RATE, factor)
