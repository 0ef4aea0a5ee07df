#!/usr/bin/env python3
"""FID end to end: `aigc-host evaluate plugins/fid.wasm` against pytorch-fid, on the same PNG folders, with the
same network (pytorch-fid's FID Inception exported by models/export_features.py; random weights, as no weights can
be downloaded here: the work per image is the real network's), on the CPU, in the same run.

    python3 bench/metrics/fid/run.py                     # --images 500 --size 256 --runs 2
    python3 bench/metrics/fid/run.py --images 5000       # the issue's size (about 20 minutes a side on 2 CPUs)

Each side is a new process per run, timed from start to exit (decode, resize, features, statistics, FID; the
host also computes KID), with its peak RSS:
- aigc-host: `aigc-host evaluate fid.wasm --generated G --reference R --json`, `inception` registered from the
  export in a registry of its own;
- pytorch-fid: its `get_activations` (its PIL loader, batch 50, DataLoader workers = CPU count as its command
  line defaults to, its network with resize and normalisation inside) and `calculate_frechet_distance`, through
  `export_features.py --fid` with the same random weights.
Both use the torch of the torch venv (same libtorch); the Python side runs in `make metrics-venv`.
The images (seeded gradients, discs and noise, 256 px PNGs) and the export go into the git-ignored `work/`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORK = HERE / "work"
CACHE = Path.home() / ".cache" / "aigc-host"
PYTHON = Path(os.environ.get("AIGC_METRICS_PYTHON", CACHE / "metrics-venv" / "bin" / "python"))
HOST = ROOT / "target" / "release" / "aigc-host"
FID_WASM = ROOT / "target" / "wasm" / "wasm32-wasip2" / "release" / "fid.wasm"


def log(message):
    print(f"[bench-fid] {message}", file=sys.stderr, flush=True)


def write_images(folder: Path, count: int, size: int, seed: int) -> None:
    if folder.is_dir() and len(list(folder.glob("*.png"))) == count:
        return
    folder.mkdir(parents=True, exist_ok=True)
    script = f"""
import numpy as np
from PIL import Image
rng = np.random.default_rng({seed})
y, x = np.mgrid[0:{size}, 0:{size}] / {size}
for i in range({count}):
    a, b, c = rng.uniform(0, 1, 3)
    disc = ((x - a) ** 2 + (y - b) ** 2 < (0.1 + 0.3 * c) ** 2)
    img = np.stack([x * a + disc * 0.5, y * b + (1 - disc) * 0.3, (x + y) * c / 2], -1)
    img = img + rng.normal(0, 0.03 + 0.05 * {seed % 2}, img.shape)
    Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(r"{folder}/%05d.png" % i)
"""
    subprocess.run([str(PYTHON), "-c", script], check=True)


def timed(command, env=None):
    """Runs `command` under GNU time; returns (seconds, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{out.stderr[-3000:]}")
    return seconds, int(out.stderr.strip().splitlines()[-1]) / 1024, out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=500, help="images per side")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    for need, how in ((HOST, "cargo build --release -p aigc-host"), (PYTHON, "make metrics-venv"),
                      (FID_WASM, "make plugins (or the test build)")):
        if not need.exists():
            sys.exit(f"{need} is missing: {how}")
    generated, reference = WORK / f"generated-{args.images}", WORK / f"reference-{args.images}"
    log(f"writing {args.images} + {args.images} images of {args.size} px (once)")
    write_images(generated, args.images, args.size, 1)
    write_images(reference, args.images, args.size, 2)
    export, registry = WORK / "export", WORK / "registry"
    exported = export / "fid-inception-v3" / "model.json"
    script = ROOT / "models/export_features.py"
    # Exported once, and again when the export script changed since.
    if not exported.exists() or exported.stat().st_mtime < script.stat().st_mtime:
        shutil.rmtree(export, ignore_errors=True)
        shutil.rmtree(registry, ignore_errors=True)
        subprocess.run([str(PYTHON), str(script), "--out", str(export), "--random-weights", "0"], check=True)
    env = dict(os.environ, AIGC_HOST_MODELS=str(registry))
    if not (registry / "inception").exists():
        subprocess.run([str(HOST), "models", "add", str(export / "fid-inception-v3"), "--name", "inception", "-q"],
                       check=True, env=env)
    workers = os.cpu_count() or 1
    sides = {
        "aigc-host evaluate fid.wasm": [str(HOST), "evaluate", str(FID_WASM), "--generated", str(generated),
                                        "--reference", str(reference), "--json", "-q"],
        f"pytorch-fid 0.3.0 (batch 50, {workers} loader workers)":
            [str(PYTHON), str(ROOT / "models/export_features.py"), "--random-weights", "0", "--fid", str(generated),
             str(reference), "--workers", str(workers)],
    }
    results = {name: [] for name in sides}
    values = {}
    for run in range(args.runs):
        for name, command in (sides.items() if run % 2 == 0 else reversed(list(sides.items()))):
            seconds, rss, out = timed(command, env)
            results[name].append((seconds, rss))
            document = json.loads(out)
            values[name] = document["fid"] if "fid" in document else document["metrics"][0]["scores"][0]["value"]
            log(f"run {run + 1}: {name}: {seconds:.1f} s, peak RSS {rss:.0f} MiB, FID {values[name]:.6f}")
    print(f"\n{args.images} + {args.images} PNGs of {args.size} px, FID Inception (random weights), CPU, "
          f"{workers} cores; best of {args.runs} runs, whole process\n")
    print("| side | seconds | images/s | peak RSS MiB | FID |")
    print("| --- | ---: | ---: | ---: | ---: |")
    best = {}
    for name, runs in results.items():
        seconds = min(s for s, _ in runs)
        rss = max(r for _, r in runs)
        best[name] = seconds
        print(f"| {name} | {seconds:.1f} | {2 * args.images / seconds:.1f} | {rss:.0f} | {values[name]:.6f} |")
    ours, theirs = best.values()
    print(f"\naigc-host / pytorch-fid: {theirs / ours:.2f}x faster; FID relative difference "
          f"{abs(list(values.values())[0] - list(values.values())[1]) / abs(list(values.values())[1]):.1e}")


if __name__ == "__main__":
    main()
