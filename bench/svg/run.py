#!/usr/bin/env python3
"""SVG cleaning throughput: `aigc-host clean` with the three SVG rules (svg-no-text with the svg-text classifier,
svg-no-prohibition, svg-single-object; shape statistics at 256 px) against the Python baseline (baseline.py:
CairoSVG + NumPy/SciPy + the same decisions, torch for the classifier), on the same corpus of real SVGs, in the
same run, each with 2 workers.

The corpus (default 6,000 SVGs) is drawn evenly and deterministically from all of Twemoji, OpenMoji and the
Material Design Icons (Iconify) as npm ships them (build_eval.py installs the pinned packages into the git-ignored
bench/svg/work/). The baseline's environment is a venv in bench/svg/work/venv built on the host's torch venv
(`make torch`) plus pinned pip packages: CairoSVG 2.9.1 with the machine's libcairo (Debian: libcairo2), SciPy,
Pillow, resvg-py (for models/svg-text/train.py).

    make build && python3 bench/svg/run.py                     # prints the table; --count N, --runs N, --jobs N
    python3 bench/svg/run.py --setup                           # only make the venv and the corpus

Timed: `aigc-host clean` end to end (process start, plugin instantiation, model load, SQLite verdicts) on a
freshly imported dataset (the import is not timed); the baseline from its pool's start to its last verdict
(the model load included, file reads included, nothing stored). `agreement` is the share of SVGs on which both
reach the same keep/drop decision per rule: resvg and cairo rasterize slightly differently, so it is not 1.
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
ROOT = HERE.parents[1]
WORK = HERE / "work"
VENV = WORK / "venv"
TORCH_VENV = Path(os.environ.get("TORCH_VENV", Path.home() / ".cache" / "aigc-host" / "torch-2.13.0"))
PIP = ["resvg-py==0.5.0", "cairosvg==2.9.1", "pillow==13.0.0", "scipy==1.17.1"]
RULES = ["svg-no-text", "svg-no-prohibition", "svg-single-object"]
sys.path.insert(0, str(HERE))


def venv_python():
    """bench/svg/work/venv: the torch venv's Python, its packages visible through a .pth file, plus PIP."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(PIP):
        return python
    base = TORCH_VENV / "bin" / "python"
    if not base.exists():
        sys.exit(f"no torch venv at {TORCH_VENV}: run `make torch` first (or set TORCH_VENV)")
    subprocess.run([str(base), "-m", "venv", str(VENV)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    torch_site = subprocess.run([str(base), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "torch-venv.pth").write_text(torch_site + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PIP], check=True)
    probe = subprocess.run([str(python), "-c", "import cairosvg, scipy, torch, resvg_py"], capture_output=True, text=True)
    if probe.returncode != 0:
        sys.exit("the baseline venv cannot import cairosvg/scipy/torch (CairoSVG needs libcairo2: "
                 f"apt-get install libcairo2):\n{probe.stderr[-2000:]}")
    stamp.write_text(" ".join(PIP))
    return python


def corpus(count):
    """`count` real SVGs, evenly from Twemoji, OpenMoji and MDI, written under work/corpus; their paths."""
    import build_eval

    build_eval.install()
    out = WORK / "corpus"
    sets = {}
    modules = build_eval.MODULES
    sets["twemoji"] = sorted((modules / "@twemoji" / "svg").glob("*.svg"))
    sets["openmoji"] = sorted((modules / "openmoji" / "color" / "svg").glob("*.svg"))
    mdi = json.loads((modules / "@iconify-json" / "mdi" / "icons.json").read_text())
    sets["mdi"] = sorted(mdi["icons"])
    per_set = count // len(sets)
    if out.exists():
        shutil.rmtree(out)
    paths = []
    for k, (name, items) in enumerate(sets.items()):
        want = per_set + (count - per_set * len(sets) if k == 0 else 0)
        if want > len(items):
            sys.exit(f"{name} has only {len(items)} SVGs; ask for --count {len(items) * len(sets)} or fewer")
        step = len(items) / want
        picked = [items[int(i * step)] for i in range(want)]
        (out / name).mkdir(parents=True)
        for item in picked:
            if name == "mdi":
                target, data = out / name / f"{item}.svg", build_eval.iconify_svg(mdi, item)
            else:
                target, data = out / name / item.name, item.read_bytes()
            target.write_bytes(data)
            paths.append(target)
    return paths


def host(args, env, capture=True):
    out = subprocess.run([str(a) for a in args], capture_output=capture, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout


def time_host(binary, plugins, env, jobs):
    ds = WORK / "ds" / "bench"
    if ds.exists():
        shutil.rmtree(ds)
    host([binary, "dataset", "import", ds, WORK / "corpus", "--json"], env)
    cmd = [binary, "clean", ds, "--jobs", jobs, "--device", "cpu", "--json"]
    for rule in RULES:
        cmd += ["--rule", Path(plugins) / f"{rule}.wasm"]
    start = time.perf_counter()
    summary = json.loads(host(cmd, env))
    seconds = time.perf_counter() - start
    listing = json.loads(host([binary, "dataset", "ls", ds, "--json"], env))
    verdicts = {}
    for item in listing["items"]:
        key = f"{item.get('category')}/{item.get('title')}"
        verdicts[key] = {v["rule"]: not v["keep"] for v in item.get("verdicts", [])}
    return seconds, summary, verdicts


def time_baseline(python, paths, jobs, env):
    listing = WORK / "corpus-list.txt"
    listing.write_text("\n".join(str(p) for p in paths) + "\n")
    out = subprocess.run([str(python), str(HERE / "baseline.py"), "--bench", str(listing), str(jobs)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"baseline failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout)
    verdicts = {}
    for path, v in result["verdicts"].items():
        p = Path(path)
        verdicts[f"{p.parent.name}/{p.name}"] = {r: not v[r][0] for r in RULES} if "error" not in v else {}
    return result["seconds"], result, verdicts


def agreement(a, b):
    out = {}
    for rule in RULES:
        both = [k for k in a if rule in a[k] and rule in b.get(k, {})]
        same = sum(1 for k in both if a[k][rule] == b[k][rule])
        out[rule] = (same / len(both)) if both else None
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=6000, help="SVGs in the corpus (at least 5,000 for the issue)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1, help="timed runs of each; the best is reported")
    ap.add_argument("--host", default=str(ROOT / "target" / "release" / "aigc-host"))
    ap.add_argument("--plugins", default=str(ROOT / "plugins"))
    ap.add_argument("--setup", action="store_true", help="only make the venv and the corpus")
    ap.add_argument("--threads", default="1", help="OMP_NUM_THREADS/MKL_NUM_THREADS for both pipelines; "
                    "'default' leaves libtorch's own choice (see README: spinning OpenMP threads on a loaded machine)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--before", default=None, help="an older aigc-host binary, timed in the same runs (alternating "
                    "with --host) for a before/after row")
    args = ap.parse_args()

    python = venv_python()
    paths = corpus(args.count)
    if args.setup:
        print(f"venv {VENV.relative_to(ROOT)}, corpus of {len(paths)} SVGs in {(WORK / 'corpus').relative_to(ROOT)}")
        return
    missing = [r for r in RULES if not (Path(args.plugins) / f"{r}.wasm").exists()]
    if missing or not Path(args.host).exists():
        sys.exit(f"build first (`make build`): missing {missing or args.host}")
    # A registry of its own with exactly the models the baseline runs (eval.py's work/models may hold more, e.g.
    # an svg-objects experiment, which would give the host work the baseline does not do).
    registry = WORK / "bench-models"
    if registry.exists():
        shutil.rmtree(registry)
    env = dict(os.environ, AIGC_HOST_MODELS=str(registry))
    if args.threads != "default":
        env.update(OMP_NUM_THREADS=args.threads, MKL_NUM_THREADS=args.threads)
    host([args.host, "models", "add", ROOT / "models" / "svg-text"], env)

    host_runs, base_runs, before_runs = [], [], []
    for _ in range(args.runs):
        if args.before:
            before_runs.append(time_host(args.before, args.plugins, env, args.jobs))
        host_runs.append(time_host(args.host, args.plugins, env, args.jobs))
        base_runs.append(time_baseline(python, paths, args.jobs, env))
    h_seconds, h_summary, h_verdicts = min(host_runs, key=lambda r: r[0])
    b_seconds, b_result, b_verdicts = min(base_runs, key=lambda r: r[0])
    n = len(paths)
    agree = agreement(h_verdicts, b_verdicts)
    results = {
        "svgs": n, "jobs": args.jobs, "runs": args.runs, "threads": args.threads,
        "aigc_host": {"seconds": round(h_seconds, 2), "svgs_per_s": round(n / h_seconds, 1),
                      "checked": h_summary.get("checked"), "errors": h_summary.get("errors"),
                      "by_reason": h_summary.get("by_reason")},
        "python": {"seconds": round(b_seconds, 2), "svgs_per_s": round(n / b_seconds, 1), "errors": b_result["errors"]},
        "ratio": round(b_seconds / h_seconds, 2),
        "aigc_host_before": None if not before_runs else {
            "seconds": round(min(r[0] for r in before_runs), 2),
            "svgs_per_s": round(n / min(r[0] for r in before_runs), 1),
            "same_verdicts": sum(1 for k, v in min(before_runs, key=lambda r: r[0])[2].items() if h_verdicts.get(k) == v),
        },
        "agreement": {k: (None if v is None else round(v, 3)) for k, v in agree.items()},
    }
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{n} real SVGs (Twemoji, OpenMoji, MDI), three rules at 256 px + the svg-text classifier at 64 px, "
          f"{args.jobs} workers, OMP threads {args.threads}, best of {args.runs}, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"| {'pipeline':<44} | {'seconds':>8} | {'SVGs/s':>8} | {'ratio':>6} |")
    print(f"| {'-' * 44} | {'-' * 8}:| {'-' * 8}:| {'-' * 6}:|")
    print(f"| {'aigc-host clean (3 wasm rules, resvg, libtorch)':<44} | {h_seconds:>8.2f} | {n / h_seconds:>8.1f} | "
          f"{results['ratio']:>5.1f}x |")
    if before_runs:
        before = results["aigc_host_before"]["seconds"]
        print(f"| {'aigc-host clean, --before binary':<44} | {before:>8.2f} | {n / before:>8.1f} | "
              f"{b_seconds / before:>5.1f}x |")
    print(f"| {'Python (CairoSVG, NumPy/SciPy, torch)':<44} | {b_seconds:>8.2f} | {n / b_seconds:>8.1f} | "
          f"{1.0:>5.1f}x |")
    if before_runs:
        print(f"before and after give the same verdicts on {results['aigc_host_before']['same_verdicts']} of "
              f"{len(h_verdicts)} items")
    print(f"host errors {results['aigc_host']['errors']}, baseline errors {results['python']['errors']}; "
          f"agreement on keep/drop: " + ", ".join(f"{k} {v}" for k, v in results["agreement"].items()))
    (WORK / "bench-results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
