#!/usr/bin/env python3
"""SSIM / MSE / PSNR over many 512×512 RGB photo pairs: the host's kernels (host/src/metrics/pairs.rs) against
scikit-image, on the same PNG files, in the same run, each side on 2 cores.

    python3 bench/metrics/pairs/run.py                   # prints the Markdown table; --pairs N, --jobs N
    python3 bench/metrics/pairs/run.py --setup           # only write the images and the pair list

Data (written once into the git-ignored bench/metrics/pairs/work/, seeded): 100 references cut from the photos
scikit-image ships (astronaut, coffee, chelsea, rocket, immunohistochemistry, hubble_deep_field, retina: scaled
so the short side is 512–768 px, a random 512×512 crop, a random mirror), each with a "generated" version
(Gaussian blur, Gaussian noise, a brightness shift, a shift of a few pixels), as PNGs; the pair list repeats the
100 pairs to the count asked (default 1,000).

Timed, per side, from the first pair handed out to the last result (process start, imports and pool start-up not
counted), each pair decoded from its two PNG files and scored:
- ours: `cargo test --release -p aigc-host --lib metrics::pairs::tests::bench_pairs -- --ignored` (the ignored
  test reads the pair list from PAIRS_BENCH_LIST, decodes with the host's decoder into planes, scores with
  `score_loaded_pairs` in a rayon pool of PAIRS_BENCH_THREADS threads and prints its timings as JSON);
- skimage: a multiprocessing pool of the same size; each task decodes both files with PIL (`np.asarray(Image.open
  (p).convert("RGB"))`) and calls `structural_similarity(a, b, data_range=255, channel_axis=-1, gaussian_weights
  =True, sigma=1.5, use_sample_covariance=False)` (and, in its own row, skimage's default uniform 7×7 window),
  or `mean_squared_error` + `peak_signal_noise_ratio(data_range=255)`.
uint8 arrays with range 255 and the host's [0, 1] planes with range 1 give the same SSIM; the table's "Δ mean"
column is the difference of the two sides' mean scores (MSE compared on the [0, 1] scale).

The Python side runs in the metrics reference venv (tests/metrics/pairs_reference.py makes it: numpy 2.2,
scipy 1.15, scikit-image 0.25, Pillow 11.3).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORK = HERE / "work"
IMAGES = WORK / "images"
SOURCES = ["astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field", "retina"]
REFERENCES = 100
SIDE = 512
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def in_venv() -> None:
    """Re-runs this script in the metrics reference venv (made by the parity script) unless already there."""
    sys.path.insert(0, str(ROOT / "tests" / "metrics"))
    import pairs_reference
    import ref_venv
    ref_venv.run_inside(__file__, extra=pairs_reference.MINE, env=SINGLE_THREAD)


# ------------------------------------------------------------------------------------------------ the data


def make_images() -> None:
    """The 100 reference / generated PNG pairs, deterministic for the seeds."""
    import numpy as np
    import skimage.data
    from PIL import Image, ImageFilter

    IMAGES.mkdir(parents=True, exist_ok=True)
    photos = [Image.fromarray(getattr(skimage.data, name)()).convert("RGB") for name in SOURCES]
    for k in range(REFERENCES):
        ref_path, gen_path = IMAGES / f"ref-{k:03d}.png", IMAGES / f"gen-{k:03d}.png"
        if ref_path.exists() and gen_path.exists():
            continue
        rng = np.random.default_rng(1000 + k)
        photo = photos[k % len(photos)]
        short = rng.uniform(SIDE, 1.5 * SIDE)
        factor = short / min(photo.size)
        scaled = photo.resize((max(SIDE, round(photo.width * factor)), max(SIDE, round(photo.height * factor))),
                              Image.Resampling.BICUBIC)
        left = int(rng.integers(0, scaled.width - SIDE + 1))
        top = int(rng.integers(0, scaled.height - SIDE + 1))
        reference = scaled.crop((left, top, left + SIDE, top + SIDE))
        if rng.random() < 0.5:
            reference = reference.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        generated = reference.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.0, 1.5))))
        pixels = np.asarray(generated, dtype=np.float64)
        pixels = np.roll(pixels, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), axis=(0, 1))
        pixels += rng.normal(0.0, rng.uniform(2.0, 12.0), pixels.shape) + rng.uniform(-10.0, 10.0)
        generated = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))
        reference.save(ref_path)
        generated.save(gen_path)


def pair_list(count: int) -> Path:
    path = WORK / f"pairs-{count}.tsv"
    lines = [f"{IMAGES / f'ref-{i % REFERENCES:03d}.png'}\t{IMAGES / f'gen-{i % REFERENCES:03d}.png'}"
             for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------------------------------------- the two sides


def _decode(path: str):
    import numpy as np
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"))


def _py_decode(pair):
    _decode(pair[0]), _decode(pair[1])
    return (0.0,)


def _py_ssim_gaussian(pair):
    from skimage.metrics import structural_similarity
    a, b = _decode(pair[0]), _decode(pair[1])
    return (float(structural_similarity(a, b, data_range=255, channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False)),)


def _py_ssim_uniform7(pair):
    from skimage.metrics import structural_similarity
    a, b = _decode(pair[0]), _decode(pair[1])
    return (float(structural_similarity(a, b, data_range=255, channel_axis=-1)),)


def _py_mse_psnr(pair):
    from skimage.metrics import mean_squared_error, peak_signal_noise_ratio
    a, b = _decode(pair[0]), _decode(pair[1])
    # On the [0, 1] scale the host's planes use: MSE / 255², PSNR unchanged.
    return (float(mean_squared_error(a, b)) / 255.0**2, float(peak_signal_noise_ratio(a, b, data_range=255)))


def _warm(_):
    import skimage.metrics  # noqa: F401  (import cost stays out of the timing)
    from PIL import Image  # noqa: F401
    return 0


def python_side(pairs: list, jobs: int) -> dict:
    from multiprocessing import get_context
    results = {}
    with get_context("fork").Pool(jobs) as pool:
        pool.map(_warm, range(jobs * 4))
        for name, task in [("decode", _py_decode), ("ssim_gaussian", _py_ssim_gaussian),
                           ("ssim_uniform7", _py_ssim_uniform7), ("mse_psnr", _py_mse_psnr)]:
            log(f"skimage: {name} over {len(pairs)} pairs on {jobs} processes")
            started = time.perf_counter()
            scores = pool.map(task, pairs, chunksize=4)
            results[name] = {"seconds": time.perf_counter() - started,
                             "sums": [sum(s[i] for s in scores) for i in range(len(scores[0]))]}
    return results


def rust_side(pair_file: Path, jobs: int, manifest: Path) -> dict:
    log(f"host: building and running the bench entry point ({manifest})")
    env = {**os.environ, "PAIRS_BENCH_LIST": str(pair_file), "PAIRS_BENCH_THREADS": str(jobs)}
    command = ["cargo", "test", "--release", "--manifest-path", str(manifest), "--lib",
               "metrics::pairs::tests::bench_pairs", "--", "--ignored", "--exact", "--nocapture"]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    line = next(line for line in out.splitlines() if line.startswith("{"))
    return json.loads(line)


# ----------------------------------------------------------------------------------------------- the table


def table(ours: dict, theirs: dict, count: int, jobs: int) -> str:
    rows = [
        ("decode only", ours["decode_seconds"], theirs["decode"]["seconds"], None),
        ("SSIM, Gaussian σ=1.5 (Wang et al.)", ours["ssim_gaussian_seconds"], theirs["ssim_gaussian"]["seconds"],
         (ours["ssim_gaussian_sum"] - theirs["ssim_gaussian"]["sums"][0]) / count),
        ("SSIM, skimage default (uniform 7×7)", ours["ssim_uniform7_seconds"], theirs["ssim_uniform7"]["seconds"],
         (ours["ssim_uniform7_sum"] - theirs["ssim_uniform7"]["sums"][0]) / count),
        ("MSE + PSNR", ours["mse_psnr_seconds"], theirs["mse_psnr"]["seconds"],
         (ours["mse_sum"] - theirs["mse_psnr"]["sums"][0]) / count),
    ]
    lines = [f"{count} pairs of 512×512 RGB PNGs, decode + measure, {jobs} workers per side",
             "", "| measure (decode included) | ours pairs/s | skimage pairs/s | ratio | Δ mean score |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, our_s, their_s, delta in rows:
        delta_text = "" if delta is None else f"{delta:.1e}"
        lines.append(f"| {name} | {count / our_s:.1f} | {count / their_s:.1f} | {their_s / our_s:.1f}x | {delta_text} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="threads (ours) and processes (skimage)")
    parser.add_argument("--setup", action="store_true", help="only write the images and the pair list")
    parser.add_argument("--manifest", type=Path, default=ROOT / "host" / "Cargo.toml",
                        help="the crate whose bench_pairs test is run (default: the host)")
    args = parser.parse_args()
    in_venv()
    log(f"writing the images into {IMAGES} (once)")
    make_images()
    pair_file = pair_list(args.pairs)
    if args.setup:
        return
    ours = rust_side(pair_file, args.jobs, args.manifest)
    lines = pair_file.read_text().splitlines()
    theirs = python_side([tuple(line.split("\t")) for line in lines], args.jobs)
    (WORK / "results.json").write_text(json.dumps({"ours": ours, "skimage": theirs}, indent=1))
    print(table(ours, theirs, args.pairs, args.jobs))


if __name__ == "__main__":
    main()
