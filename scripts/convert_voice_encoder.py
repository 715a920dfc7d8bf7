"""Convert Resemblyzer's pretrained voice encoder to the ``.npz`` the offline engine ships.

The offline engine's speaker embeddings (``audiokit/local/_voice_encoder.py``) run Resemblyzer's
encoder (Apache-2.0, https://github.com/resemble-ai/Resemblyzer) in numpy. Its weights come in
the Resemblyzer wheel as ``resemblyzer/pretrained.pt``, a torch *legacy* pickle; this script
reads it with a restricted unpickler (no torch needed, nothing but tensors and an OrderedDict is
constructed) and writes ``audiokit/local/data/voice_encoder.npz`` as float16::

    pip download Resemblyzer==0.1.4 --no-deps -d /tmp/resemblyzer
    python scripts/convert_voice_encoder.py /tmp/resemblyzer/Resemblyzer-0.1.4-py3-none-any.whl

The arrays keep torch's names (``lstm.weight_ih_l0`` ... ``linear.bias``) and layouts (the
LSTM's four gates stacked input, forget, cell, output along the first axis).
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch's legacy (pre-zip) serialisation format
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}
OUT = Path(__file__).resolve().parents[1] / "audiokit" / "local" / "data" / "voice_encoder.npz"
EXPECTED = {  # name: shape, as Resemblyzer's VoiceEncoder defines them
    **{f"lstm.weight_ih_l{i}": (1024, 40 if i == 0 else 256) for i in range(3)},
    **{f"lstm.weight_hh_l{i}": (1024, 256) for i in range(3)},
    **{f"lstm.bias_ih_l{i}": (1024,) for i in range(3)},
    **{f"lstm.bias_hh_l{i}": (1024,) for i in range(3)},
    "linear.weight": (256, 256),
    "linear.bias": (256,),
}


class _Storage:
    def __init__(self, dtype: type, numel: int) -> None:
        self.dtype, self.numel, self.data = np.dtype(dtype), numel, None


def _rebuild_tensor(storage: _Storage, offset: int, size: tuple, stride: tuple, *_: Any) -> Any:
    return ("tensor", storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Builds only what a state dict holds; anything else in the pickle is refused."""

    def __init__(self, file: io.BufferedIOBase, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid: Any) -> _Storage:
        kind, dtype, key, _location, numel, *_ = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(dtype, int(numel))
        return self.storages[key]


def load_legacy_checkpoint(raw: bytes) -> dict[str, Any]:
    """The object a legacy ``torch.save`` wrote, with tensors as numpy arrays."""
    f = io.BytesIO(raw)
    if pickle.load(f) != LEGACY_MAGIC:
        raise ValueError("not a torch legacy checkpoint")
    pickle.load(f)  # protocol version
    pickle.load(f)  # sys info (little-endian, type sizes)
    storages: dict[str, _Storage] = {}
    result = _Unpickler(f, storages).load()
    for key in pickle.load(f):  # storage data follows in this order: int64 count, then data
        storage = storages[key]
        count = int(np.frombuffer(f.read(8), "<i8")[0])
        storage.data = np.frombuffer(f.read(count * storage.dtype.itemsize), storage.dtype)
    return _resolve(result)


def _resolve(obj: Any) -> Any:
    if isinstance(obj, tuple) and obj and obj[0] == "tensor":
        _, storage, offset, size, stride = obj
        item = storage.dtype.itemsize
        return np.lib.stride_tricks.as_strided(
            storage.data[offset:], shape=size, strides=[s * item for s in stride]
        ).copy()
    if isinstance(obj, dict):
        return type(obj)((k, _resolve(v)) for k, v in obj.items())
    return obj


def convert(wheel: Path, out: Path = OUT) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read("resemblyzer/pretrained.pt")
    state = load_legacy_checkpoint(raw)["model_state"]
    arrays = {name: np.asarray(state[name], np.float32) for name in EXPECTED}
    for name, shape in EXPECTED.items():
        if arrays[name].shape != shape:
            raise ValueError(f"{name} has shape {arrays[name].shape}, expected {shape}")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **{k: v.astype(np.float16) for k, v in arrays.items()})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="Resemblyzer-0.1.4-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    out = convert(args.wheel, args.out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
