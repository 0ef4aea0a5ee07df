"""Images/s through `aigc-host clean` with the image-quality and dedup rules, against CleanVision doing the same
checks (dark, light, blurry, low information, odd aspect ratio, exact and near duplicates) on the same files with
the same number of workers, in the same run. Prints a table.

The corpus is generated (gen_corpus.py: photo-like scenes plus blurred, dark, bright, flat, tiny, panorama images
and near-duplicates), deterministic, under bench/image/work/ (git-ignored), as is the baseline's venv: the torch
venv's Python (`make torch`) plus pinned Pillow, ImageHash and CleanVision.

    python3 bench/image/run.py                       # 3000 images, 2 jobs, 3 runs of each
    python3 bench/image/run.py --count 1000 --runs 1 --jobs 4

aigc-host's time covers the whole command: opening the dataset, compiling or loading the plugins, decoding and
measuring every image, the duplicate index, and storing a verdict per rule and item (durably). CleanVision's covers
`Imagelab(filepaths).find_issues(...)`: reading, measuring and grouping, with nothing stored. Importing the corpus
into the dataset happens once, before, and is not timed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = HERE / "work"
VENV = WORK / "venv"
TORCH_VENV = Path(os.environ.get("TORCH_VENV", Path.home() / ".cache" / "aigc-host" / "torch-2.13.0"))
PIP = ["pillow==13.0.0", "ImageHash==4.3.2", "cleanvision==0.3.6"]
HOST = ROOT / "target" / "release" / "aigc-host"
WASM = ROOT / "target" / "wasm" / "wasm32-wasip2" / "release"
RULES = [WASM / "image_quality.wasm", WASM / "dedup.wasm"]


def venv_python():
    """bench/image/work/venv: the torch venv's Python, its packages visible through a .pth file, plus PIP."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(PIP):
        return python
    base = TORCH_VENV / "bin" / "python"
    if not base.exists():
        sys.exit(f"no torch venv at {TORCH_VENV}: run `make torch` first (or set TORCH_VENV)")
    subprocess.run([str(base), "-m", "venv", str(VENV)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(python), "-c", purelib], check=True, capture_output=True, text=True).stdout.strip()
    torch_site = subprocess.run([str(base), "-c", purelib], check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "torch-venv.pth").write_text(torch_site + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PIP], check=True)
    stamp.write_text(" ".join(PIP))
    return python


def corpus(python, count):
    out = WORK / f"corpus-{count}"
    if not out.exists() or len(list(out.iterdir())) != count:
        subprocess.run([str(python), str(HERE / "gen_corpus.py"), str(out), str(count)], check=True)
    return sorted(str(p) for p in out.iterdir())


def dataset(count, paths):
    ds = WORK / f"dataset-{count}"
    if not (ds / "manifest.sqlite").exists():
        subprocess.run([str(HOST), "dataset", "import", str(ds), str(WORK / f"corpus-{count}"), "--json"],
                       check=True, capture_output=True)
    return ds


def host_run(ds, jobs):
    args = [str(HOST), "clean", str(ds), "--jobs", str(jobs), "--force", "--json"]
    for rule in RULES:
        args += ["--rule", str(rule)]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"aigc-host clean failed:\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout)


def baseline_run(python, paths, jobs):
    listing = WORK / "files.txt"
    listing.write_text("\n".join(paths) + "\n")
    done = subprocess.run([str(python), str(HERE / "cleanvision_baseline.py"), str(listing), str(jobs)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"CleanVision failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=3000, help="images in the generated corpus")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="workers on both sides")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each pipeline (the median is reported)")
    args = ap.parse_args()
    missing = [p for p in [HOST, *RULES] if not p.exists()]
    if missing:
        sys.exit(f"missing {', '.join(map(str, missing))}: run `make host plugins` first")
    python = venv_python()
    paths = corpus(python, args.count)
    ds = dataset(args.count, paths)
    host_run(ds, args.jobs)  # warm-up: compiles the plugins into wasmtime's cache, warms the page cache
    host_times, summary = [], None
    for _ in range(args.runs):
        seconds, summary = host_run(ds, args.jobs)
        host_times.append(seconds)
    base_times, base = [], None
    for _ in range(args.runs):
        base = baseline_run(python, paths, args.jobs)
        base_times.append(base["seconds"])
    host_s, base_s = statistics.median(host_times), statistics.median(base_times)
    n = args.count
    print(f"{n} generated images ({sum(os.path.getsize(p) for p in paths) / 2**20:.0f} MiB, JPEG and PNG), "
          f"{args.jobs} jobs, median of {args.runs} runs, {os.cpu_count()} CPUs")
    print(f"| {'pipeline':<52} | {'seconds':>8} | {'images/s':>8} | {'ratio':>6} |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 10}|{'-' * 8}|")
    print(f"| {'aigc-host clean: image-quality + dedup (verdicts stored)':<52} | {host_s:8.2f} | {n / host_s:8.1f} | "
          f"{base_s / host_s:5.2f}x |")
    print(f"| {'CleanVision 0.3.6 find_issues (same checks, in memory)':<52} | {base_s:8.2f} | {n / base_s:8.1f} | "
          f"{1.0:5.2f}x |")
    print(f"aigc-host dropped {summary['dropped']} of {summary['checked']}: {json.dumps(summary['by_reason'])}; "
          f"errors {summary['errors']}")
    print(f"CleanVision flagged: {json.dumps(base['issues'])}")


if __name__ == "__main__":
    main()
