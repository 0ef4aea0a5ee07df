#!/usr/bin/env python3
"""The direct-torch side of the model benchmark (bench/models/README.md): the same model.pt driven from Python.

    $BENCH_PY bench/models/torch_direct.py --model DIR --images DIR [--batch-sizes 1,8,32,64] [--modes e2e,model]

Prints one JSON document on stdout: for every mode and batch size, the seconds one pass over all the images took
(after a warm-up of a few batches at that size, not timed), the process CPU seconds it used, and images/s.
With --serve (how run.py drives it), it loads everything once and then measures one `MODE BATCH` per stdin line.

Modes:
- `e2e`: end to end, what the host does per image: read the file, decode the PNG (torchvision.io.decode_png,
  libpng), the preprocessing of models/README.md per image (to float, alpha over white when there is alpha, CHW,
  bilinear resize without antialias, normalise), stack `batch` images, `encode_image`, L2-normalise. One thread
  of Python; torch's intra-op threads at their default.
- `model`: model only: the same preprocessed tensors, made before timing, fed to `encode_image` in batches.
- `prep`: decode and preprocess only (no model): what end to end costs on top of the model.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

try:
    from torchvision.io import ImageReadMode, decode_png
except ImportError:  # pragma: no cover - run.py installs it
    sys.exit("torch_direct.py needs torchvision (run.py sets up a venv with it)")


def preprocess(data: bytes, size: int, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """models/README.md "Preprocessing": float32 [1, 3, S, S]."""
    chw = decode_png(torch.frombuffer(bytearray(data), dtype=torch.uint8), mode=ImageReadMode.UNCHANGED)
    if chw.shape[0] in (1, 2):  # grey (+ alpha): grey to RGB
        chw = torch.cat([chw[:1].expand(3, -1, -1), chw[1:]], dim=0)
    x = chw.permute(1, 2, 0).to(torch.float32) / 255.0  # HWC, as the spec writes it
    if x.shape[2] == 4:
        rgb, a = x[:, :, :3], x[:, :, 3:4]
        x = rgb * a + (1.0 - a)
    x = x.permute(2, 0, 1).unsqueeze(0).contiguous()
    x = F.interpolate(x, size=[size, size], mode="bilinear", align_corners=False, antialias=False)
    return (x - mean) / std


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, type=Path, help="a model folder (model.json, model.pt)")
    ap.add_argument("--images", required=True, type=Path, help="a folder of PNGs")
    ap.add_argument("--batch-sizes", default="1,8,32,64")
    ap.add_argument("--modes", default="e2e,model")
    ap.add_argument("--warmup-batches", type=int, default=3)
    ap.add_argument("--serve", action="store_true", help="measure what stdin asks for, a `MODE BATCH` per line")
    ap.add_argument("--first-components", action="store_true",
                    help="do not measure: print {file name: first component of its L2-normalised embedding}")
    args = ap.parse_args()

    torch.set_grad_enabled(False)
    spec = json.loads((args.model / "model.json").read_text())
    size = int(spec["image_size"])
    mean = torch.tensor(spec["mean"], dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(spec["std"], dtype=torch.float32).view(1, 3, 1, 1)
    module = torch.jit.load(str(args.model / spec["weights"]), map_location="cpu")
    files = sorted(p for p in args.images.iterdir() if p.suffix == ".png")
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    modes = args.modes.split(",")

    def e2e(paths):
        x = torch.cat([preprocess(p.read_bytes(), size, mean, std) for p in paths])
        return F.normalize(module.encode_image(x), dim=-1)

    def prep(paths):
        return torch.cat([preprocess(p.read_bytes(), size, mean, std) for p in paths])

    if args.first_components:  # for run.py's parity check against what the host computes
        embeddings = e2e(files)
        print(json.dumps({p.name: float(e[0]) for p, e in zip(files, embeddings)}))
        return

    tensors = None
    if "model" in modes or args.serve:
        tensors = torch.cat([preprocess(p.read_bytes(), size, mean, std) for p in files])

    def model_only(lo, hi):
        return F.normalize(module.encode_image(tensors[lo:hi]), dim=-1)

    runners = {
        "e2e": lambda lo, hi: e2e(files[lo:hi]),
        "prep": lambda lo, hi: prep(files[lo:hi]),
        "model": model_only,
    }

    def measure(mode: str, batch: int) -> dict:
        run = runners[mode]
        chunks = [(i, min(i + batch, len(files))) for i in range(0, len(files), batch)]
        for lo, hi in chunks[: args.warmup_batches]:
            run(lo, hi)
        cpu, started = time.process_time(), time.perf_counter()
        for lo, hi in chunks:
            run(lo, hi)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"mode": mode, "batch": batch, "images": len(files), "seconds": seconds, "cpu_seconds": cpu,
                "images_per_s": len(files) / seconds}

    about = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    if args.serve:
        # One request per line on stdin, `MODE BATCH`; one JSON line back per request. The first line out is `about`.
        print(json.dumps(about), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            mode, batch = line.split()
            print(json.dumps(measure(mode, int(batch))), flush=True)
        return
    results = []
    for mode in modes:
        for batch in sizes:
            results.append(measure(mode, batch))
            print(f"[torch-direct] {mode} batch {batch}: {results[-1]['images_per_s']:.1f} images/s", file=sys.stderr)
    print(json.dumps({**about, "results": results}))


if __name__ == "__main__":
    main()
