"""Speed of the offline engine and the codec on this machine (run on demand, not a test).

    python benchmarks/bench_local.py [--repeat 3]

Prints load times, real-time factors (RTF = processing seconds / audio seconds; below 1 is
faster than real time) and ratios against a baseline measured in the same run, so figures from
a busy machine still compare. Each figure is the median of ``--repeat`` runs. The load average
is printed too: on a shared 2-core machine it moves the absolute numbers a lot.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

STORY = (
    "The weather was bright and clear on Monday morning. "
    "Our team met in the library to plan the new garden. "
    "Everyone agreed to plant tomatoes, beans and sunflowers. "
    "We will water the seeds every evening after work. "
    "By the end of summer, the garden should feed the whole street. "
    "Later that week, a small truck delivered fresh soil and wooden boxes. "
    "Two children painted colorful signs for each row of vegetables. "
    "An old neighbor shared advice about keeping birds away from the fruit. "
    "When the first green shoots appeared, we celebrated with lemonade. "
    "The mayor visited in September and asked to copy our idea in other parks."
)

COLD_LOAD = {  # name -> (the library import alone, import + engine load)
    "whisper": (
        "import faster_whisper",
        "from audiokit.local._whisper import WhisperEngine; WhisperEngine().load()",
    ),
    "piper": (
        "import piper",
        "from audiokit.local._piper import PiperEngine; PiperEngine().load()",
    ),
}


LONG_STORY_SECONDS = 53.0  # the offline-engine row's clip: STORY and its first sentences again
ENGINE_TARGET = 1.05  # engine with logprobs / bare faster-whisper
RTF_TARGET = 0.05


def long_clip(piper: object, seconds: float = LONG_STORY_SECONDS) -> object:
    """About ``seconds`` of Piper speech at 16 kHz (STORY, then its sentences again)."""
    from audiokit.audio import resample

    sentences = [s.strip() + "." for s in STORY.split(".") if s.strip()]
    audio = piper.synthesize(STORY)  # type: ignore[attr-defined]
    rate = piper.sample_rate  # type: ignore[attr-defined]
    text = STORY
    for sentence in sentences:
        if len(audio) / rate >= seconds:
            break
        text = f"{text} {sentence}"
        audio = piper.synthesize(text)  # type: ignore[attr-defined]
    return resample(audio, rate, 16_000)


BUNDLED_MODELS = ("tiny.en", "base")


def engine_vs_faster_whisper(rounds: int = 3, model_name: str = "tiny.en") -> dict[str, float]:
    """Median seconds of bare faster-whisper and of WhisperEngine (plain, with logprobs) on the
    same loaded model, greedy with the same fallback schedule, interleaved.

    Both detect the language (a multilingual model's first step), so they do the same work."""
    import numpy as np

    from audiokit.local import PiperEngine, WhisperEngine
    from audiokit.local._whisper import _BEST_OF, _FALLBACK_TEMPERATURES

    whisper = WhisperEngine(model_name).load()
    samples = np.asarray(long_clip(PiperEngine().load()), dtype=np.float32)
    model = whisper._model()

    def bare() -> None:
        segments, _ = model.transcribe(
            samples,
            beam_size=1,
            best_of=_BEST_OF,
            temperature=list(_FALLBACK_TEMPERATURES),
            vad_filter=False,
        )
        list(segments)

    cases: dict[str, Callable[[], object]] = {
        "faster-whisper": bare,
        "engine": lambda: list(whisper.transcribe(samples, beam_size=1)),
        "engine+logprobs": lambda: list(whisper.transcribe(samples, logprobs=True)),
    }
    bare()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    out = {name: statistics.median(ts) for name, ts in times.items()}
    out["audio"] = len(samples) / 16_000
    return out


def rows(quick: bool = False) -> list[tuple[str, float, float, bool]]:
    """``(what, ratio, target, passed)``: engine / bare faster-whisper for every bundled model,
    with and without logprobs, and tiny.en's RTF."""
    out = []
    for model_name in BUNDLED_MODELS:
        f = engine_vs_faster_whisper(rounds=1 if quick else 3, model_name=model_name)
        clip = f"{f['audio']:.0f} s clip"
        for what, key in (("with", "engine+logprobs"), ("without", "engine")):
            ratio = f[key] / f["faster-whisper"]
            out.append(
                (
                    f"offline transcription {what} logprobs / bare faster-whisper,"
                    f" {model_name} greedy, {clip}",
                    round(ratio, 3),
                    ENGINE_TARGET,
                    ratio <= ENGINE_TARGET,
                )
            )
        if model_name == "tiny.en":
            rtf = f["engine"] / f["audio"]
            out.append(
                (
                    f"tiny.en real-time factor (offline engine, {clip})",
                    round(rtf, 4),
                    RTF_TARGET,
                    rtf <= RTF_TARGET,
                )
            )
    return out


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_load_seconds(name: str, repeat: int) -> tuple[float, float]:
    """(import + load, library import alone), each in a fresh interpreter: nothing cached."""
    code = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def run(stmt: str) -> float:
        argv = [sys.executable, "-c", code.format(stmt=stmt)]
        out = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
        return float(out.stdout.strip().splitlines()[-1])

    import_stmt, load_stmt = COLD_LOAD[name]
    total = statistics.median(run(load_stmt) for _ in range(repeat))
    imports = statistics.median(run(import_stmt) for _ in range(repeat))
    return total, imports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--engine-only", action="store_true", help="only the engine vs faster-whisper rows"
    )
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    if args.engine_only:
        print(f"cores: {os.cpu_count()}  load average (1/5/15 min): {os.getloadavg()}")
        for what, ratio, target, passed in rows():
            print(f"{what}: {ratio} (target <= {target}) {'PASS' if passed else 'FAIL'}")
        return

    from audiokit.audio import ENCODE_FORMATS, decode, encode, resample
    from audiokit.audio._backends import _have_av
    from audiokit.audio._resample import _resample_mono
    from audiokit.local import PiperEngine, WhisperEngine

    print(f"cores: {os.cpu_count()}  load average (1/5/15 min): {os.getloadavg()}")
    print(f"median of {repeat} runs\n")

    print("== model load (fresh interpreter) ==")
    for name in COLD_LOAD:
        total, imports = cold_load_seconds(name, repeat)
        print(f"{name:8s} import+load {total:6.2f} s   (of which imports {imports:.2f} s)")

    piper, whisper = PiperEngine().load(), WhisperEngine().load()

    print("\n== text to speech (Piper en_US-joe-medium, 22.05 kHz) ==")
    audio = piper.synthesize(STORY)
    speech_s = len(audio) / piper.sample_rate
    synth = median_seconds(lambda: piper.synthesize(STORY), repeat)
    first = median_seconds(lambda: next(piper.stream(STORY)), repeat)
    print(f"{speech_s:.1f} s of speech in {synth:.2f} s: RTF {synth / speech_s:.3f}")
    print(f"first sentence ready after {first:.2f} s ({first / synth:.0%} of the whole)")

    print("\n== speech to text (Whisper tiny.en, CTranslate2 int8, greedy) ==")
    samples = resample(audio, piper.sample_rate, 16_000)
    base = median_seconds(lambda: list(whisper.transcribe(samples)), repeat)
    print(f"plain              {base:6.2f} s  RTF {base / speech_s:.3f}  (baseline)")
    for label, kwargs in [
        ("logprobs", {"logprobs": True}),
        ("word timestamps", {"word_timestamps": True}),
        ("both", {"logprobs": True, "word_timestamps": True}),
    ]:
        t = median_seconds(lambda kw=kwargs: list(whisper.transcribe(samples, **kw)), repeat)
        print(f"{label:18s} {t:6.2f} s  RTF {t / speech_s:.3f}  x{t / base:.2f} baseline")
    first_segment = median_seconds(lambda: next(whisper.transcribe(samples)), repeat)
    print(f"first segment after {first_segment:.2f} s ({first_segment / base:.0%} of the whole)")

    print("\n== codec (same speech) ==")
    use_av = _have_av()
    t_np = median_seconds(
        lambda: _resample_mono(audio, piper.sample_rate, 16_000, use_av=False), repeat
    )
    print(f"resample 22.05->16 kHz numpy  RTF {t_np / speech_s:.5f}")
    if use_av:
        t_av = median_seconds(
            lambda: _resample_mono(audio, piper.sample_rate, 16_000, use_av=True), repeat
        )
        print(
            f"resample 22.05->16 kHz PyAV   RTF {t_av / speech_s:.5f}"
            f"  numpy/PyAV x{t_np / t_av:.1f}"
        )
    for fmt in ENCODE_FORMATS:
        data = encode(audio, piper.sample_rate, fmt)
        t_enc = median_seconds(lambda f=fmt: encode(audio, piper.sample_rate, f), repeat)
        if fmt == "pcm":
            print(
                f"{fmt:5s} encode RTF {t_enc / speech_s:.5f}"
                f"  {len(data) * 8 / speech_s / 1000:6.1f} kbit/s"
            )
            continue
        t_dec = median_seconds(lambda d=data: decode(d, sample_rate=16_000), repeat)
        print(
            f"{fmt:5s} encode RTF {t_enc / speech_s:.5f}  decode->16k RTF {t_dec / speech_s:.5f}"
            f"  {len(data) * 8 / speech_s / 1000:6.1f} kbit/s"
        )


if __name__ == "__main__":
    main()
