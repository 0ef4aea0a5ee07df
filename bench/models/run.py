#!/usr/bin/env python3
"""Model benchmark: image embedding through a plugin (aigc-host, many instances, dynamic batching) against the same
TorchScript model driven directly from Python torch, on the same images, in the same run. Prints Markdown tables
(median images/s over the rounds, CPU ms per image, ratios to direct torch end to end at its best batch size);
the goal is at least 0.9x of direct torch on CPU, judged end to end (PNG files in, embeddings out).

    python3 bench/models/run.py [--images 256] [--runs 3] [--jobs 1,4,8,16,32,64] [--batch-sizes 1,8,32,64]
                                [--settings default,passive,omp1] [--alt-jobs 16] [--depth 6] [--diagnose]
                                [--work DIR | --keep]

What it does, idempotently:
- checks target/release/aigc-host exists (it never builds the host: `make host`), builds the plugin
  tests/plugins/bench-embed (`cargo build --release --target wasm32-wasip2 -p bench-embed --target-dir target/wasm
  --config profile.release.debug=false`);
- needs the torch venv that `make torch` creates (TORCH_VENV, default ~/.cache/aigc-host/torch-2.13.0), and
  makes a second venv once (BENCH_MODELS_VENV, default ~/.cache/aigc-host/bench-models-venv) for the Python side:
  torchvision 0.28 (for libpng's decode_png) and Pillow (torchvision imports it) installed with --no-deps, torch
  taken from the torch venv through a .pth file, so that both sides run the very same libtorch files;
- writes the bench model and the images into a temp folder (make_bench_data.py: a ViT-Ti/16-like CLIP at 224 px
  and 256x256 PNGs), registers the model as `clip` (and two diagnostic copies) in a registry of its own
  (AIGC_HOST_MODELS=<tmp>/registry) and imports the images as a dataset (`aigc-host dataset import`);
- starts torch_direct.py once per thread setting (--serve: model and pre-decoded tensors loaded once), then per
  round runs every setup once, in an order shuffled per round (fixed seeds), so that the machine's load drifts
  over both sides alike:
  - `aigc-host annotate <ds> --with bench_embed.wasm --jobs J --device cpu --json`, a new process per run, for each
    J with default threads, and --alt-jobs with each other thread setting (annotations are not stored, so every
    run does the same work);
  - direct torch end to end (read, decode, preprocess, encode_image) for each batch size and thread setting;
  - direct torch model only (pre-decoded tensors) for each batch size and thread setting but `default` (where
    OpenMP's spinning, see below, swamps what it would show);
  one host run and one torch pass before the first round are not counted;
- aigc-host's images/s is items / the run's `duration_ms` (the annotate loop; the model is loaded before it and
  instances are made lazily inside it), like torch's timed pass (model loaded; a few warm-up batches at that size
  just before). The whole process's wall time (start, wasm compile from cache, model load) is printed beside it;
- CPU ms per image: for aigc-host, the process's user+sys (wait4) less that of an annotate run over an empty dataset
  (start-up and model load); for torch, process_time() over the timed pass;
- with --diagnose, also: the batch sizes the host's model worker formed at each J (a copy of the model that prints
  its batch size), and what everything but the model costs: the host with a copy of the model that skips the
  tower, and torch's read+decode+preprocess alone;
- removes the temp folder (unless --keep or --work).

Thread settings (environment of both sides; torch.get_num_threads() is printed):
- `default`: nothing set: libtorch's intra-op threads = CPUs (OpenMP), libgomp's default waits (spin ~300k rounds,
  or 100 when the process's OpenMP threads outnumber the CPUs);
- `passive`: OMP_WAIT_POLICY=PASSIVE: OpenMP threads sleep at once instead of spinning;
- `omp1`: OMP_NUM_THREADS=1 and MKL_NUM_THREADS=1: one intra-op thread.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HOST = ROOT / "target" / "release" / "aigc-host"
BEFORE: Path | None = None  # --before
BEFORE_PLUGIN: Path | None = None  # --before-plugin
WASM_TARGET_DIR = ROOT / "target" / "wasm"
WASM = WASM_TARGET_DIR / "wasm32-wasip2" / "release" / "bench_embed.wasm"
TORCH_VENV = Path(os.environ.get("TORCH_VENV", Path.home() / ".cache" / "aigc-host" / "torch-2.13.0"))
VENV = Path(os.environ.get("BENCH_MODELS_VENV", Path.home() / ".cache" / "aigc-host" / "bench-models-venv"))
TORCHVISION = "torchvision==0.28.*"  # the release that goes with torch 2.13
OMP_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
SETTINGS = {
    "default": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "omp1": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
}
SETTING_LABELS = {"default": "default", "passive": "OMP_WAIT_POLICY=PASSIVE", "omp1": "OMP_NUM_THREADS=1"}


def log(message: str) -> None:
    print(f"[bench-models] {message}", file=sys.stderr, flush=True)


def die(message: str) -> None:
    print(f"bench-models: {message}", file=sys.stderr)
    sys.exit(1)


def env_for(setting: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in OMP_VARS and k != "RUST_LOG"}
    env.update(SETTINGS[setting])
    env.update(extra)
    return env


# ---------------------------------------------------------------------------------------------- setup


def build_plugin() -> None:
    if not HOST.exists():
        die(f"{HOST} is missing: build the host first (`make host`); this benchmark does not build it")
    log("building tests/plugins/bench-embed for wasm32-wasip2")
    command = [
        os.environ.get("CARGO", "cargo"), "build", "--release", "--target", "wasm32-wasip2", "-p", "bench-embed",
        "--target-dir", str(WASM_TARGET_DIR), "--config", "profile.release.debug=false", "--quiet",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("CARGO_TARGET_DIR", "RUSTFLAGS", "CARGO_BUILD_TARGET")}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    if not WASM.exists():
        die(f"expected {WASM} after the build")


def torch_python() -> Path:
    python = TORCH_VENV / "bin" / "python"
    if not python.exists():
        die(f"{python} is missing: make the torch venv first (`make torch`), or set TORCH_VENV")
    return python


def ensure_venv(base_python: Path) -> Path:
    """The Python side's venv: the torch venv's torch (a .pth file) plus torchvision and Pillow (--no-deps)."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".bench-models-installed"
    if stamp.exists() and python.exists():
        return python
    log(f"making {VENV}: torchvision and Pillow over the torch of {TORCH_VENV}")
    subprocess.run([str(base_python), "-m", "venv", "--clear", str(VENV)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    torch_site = subprocess.run(
        [str(base_python), "-c", "import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))"],
        check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "torch-venv.pth").write_text(torch_site + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    TORCHVISION, "pillow"], check=True)
    subprocess.run([str(python), "-c", "import torch, torchvision.io"], check=True)
    stamp.touch()
    return python


def prepare(work: Path, images: int, depth: int) -> None:
    log(f"writing the bench model (depth {depth}) and {images} images into {work}")
    subprocess.run([str(torch_python()), str(HERE / "make_bench_data.py"), "--out", str(work), "--images",
                    str(images), "--depth", str(depth)], check=True, stdout=subprocess.DEVNULL)
    env = env_for("default", AIGC_HOST_MODELS=str(work / "registry"))
    for variant in ("", "-traced", "-null"):
        subprocess.run([str(HOST), "models", "add", str(work / f"bench-clip{variant}"), "--name", f"clip{variant}",
                        "-q"], check=True, env=env)
    subprocess.run([str(HOST), "dataset", "import", str(work / "ds"), str(work / "images"), "-q"], check=True,
                   env=env)
    # An empty dataset: an annotate run over it costs what start-up and model load cost.
    (work / "no-images").mkdir(exist_ok=True)
    subprocess.run([str(HOST), "dataset", "import", str(work / "empty"), str(work / "no-images"), "-q"], check=True,
                   env=env)


# ---------------------------------------------------------------------------------------------- the two sides


def host_run(work: Path, jobs: int, setting: str = "default", model: str = "clip", dataset: str = "ds",
             binary: Path | None = None, plugin: Path | None = None) -> dict:
    """One `aigc-host annotate` process; images/s from its duration_ms, CPU and peak RSS from wait4."""
    command = [str(binary or HOST), "annotate", str(work / dataset), "--with", str(plugin or WASM), "--jobs", str(jobs),
               "--device", "cpu", "--json", "-q"]
    if model != "clip":
        command += ["--model", f"clip={model}"]
    out_path = work / "host-out.txt"
    started = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE,
                                env=env_for(setting, AIGC_HOST_MODELS=str(work / "registry")))
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    text = out_path.read_text()
    # The traced model prints `bench-batch N` lines on the same stdout as the JSON summary.
    batches = [int(line.split()[1]) for line in text.splitlines() if line.startswith("bench-batch ")]
    start = text.find("{\n")
    if proc.returncode != 0 or start < 0:
        die(f"aigc-host annotate failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    summary, _ = json.JSONDecoder().raw_decode(text[start:])
    items = summary["annotated"]
    if dataset == "ds" and (summary["errors"] or summary["failures"] or items == 0):
        die(f"aigc-host annotated {items} items with errors: {summary['failures'][:3]}")
    seconds = summary["duration_ms"] / 1000
    return {"images": items, "seconds": seconds, "images_per_s": items / seconds if seconds else 0.0, "wall": wall,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "batches": batches, "peak_rss_mib": usage.ru_maxrss / 1024}


class TorchDirect:
    """torch_direct.py --serve in one thread setting: measures one `MODE BATCH` per request."""

    def __init__(self, python: Path, work: Path, setting: str):
        self.proc = subprocess.Popen(
            [str(python), str(HERE / "torch_direct.py"), "--serve", "--model", str(work / "bench-clip"), "--images",
             str(work / "images")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env_for(setting))
        line = self.proc.stdout.readline()
        if not line:
            die("torch_direct.py did not start")
        self.about = json.loads(line)

    def measure(self, mode: str, batch: int) -> dict:
        self.proc.stdin.write(f"{mode} {batch}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            die("torch_direct.py stopped")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


class Setup(NamedTuple):
    side: str  # host, host-before (--before's binary), host-null (model skips the tower), e2e, model, prep
    n: int  # --jobs for the host, batch size for torch
    setting: str = "default"

    def label(self) -> str:
        return {
            "host": "aigc-host, bench-embed plugin, --jobs {n}",
            "host-before": "aigc-host before, bench-embed plugin, --jobs {n}",
            "host-null": "aigc-host, model that skips the tower, --jobs {n}",
            "e2e": "direct torch, end to end, batch {n}",
            "model": "direct torch, model only, batch {n}",
            "prep": "direct torch, read+decode+preprocess only, batch {n}",
        }[self.side].format(n=self.n)


def run_rounds(setups: list[Setup], runs: int, seed: int, work: Path, python: Path, what: str) -> dict:
    torch_sides = {s.setting: None for s in setups if s.side in ("e2e", "model", "prep")}
    for setting in torch_sides:
        torch_sides[setting] = TorchDirect(python, work, setting)
        about = torch_sides[setting].about
        log(f"torch {about['torch']} ({SETTING_LABELS[setting]}): {about['threads']} intra-op threads, "
            f"{about['interop_threads']} inter-op")
    results: dict[Setup, list[dict]] = {s: [] for s in setups}
    for round_no in range(runs):
        order = list(setups)
        random.Random(seed + round_no).shuffle(order)
        for s in order:
            if s.side.startswith("host"):
                model = {"host": "clip", "host-before": "clip", "host-null": "clip-null"}[s.side]
                before = s.side == "host-before"
                r = host_run(work, s.n, s.setting, model=model, binary=BEFORE if before else HOST,
                             plugin=BEFORE_PLUGIN if before else None)
            else:
                r = torch_sides[s.setting].measure(s.side, s.n)
            results[s].append(r)
            log(f"{what} round {round_no + 1}/{runs}: {s.label()} [{s.setting}]: {r['images_per_s']:.1f} images/s")
    abouts = {k: v.about for k, v in torch_sides.items()}
    for side in torch_sides.values():
        side.close()
    return results, abouts


# ---------------------------------------------------------------------------------------------- report


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rate(results: list[dict]) -> float:
    return median([r["images_per_s"] for r in results])


def table(setups: list[Setup], results: dict, startup_cpu: dict, refs: dict[str, float], ref_any: float,
          runs: int) -> str:
    lines = [
        f"| setup | threads | images/s (median of {runs}) | min–max | CPU ms/image | peak RSS MiB "
        "| vs torch e2e best, same threads | vs torch e2e best, any threads |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in setups:
        rs = results[s]
        rates = [r["images_per_s"] for r in rs]
        cpu0 = startup_cpu.get(s.setting, 0.0) if s.side.startswith("host") else 0.0
        cpu = [(r["cpu_seconds"] - cpu0) * 1000 / r["images"] for r in rs]
        same = f"{median(rates) / refs[s.setting]:.2f}x" if s.setting in refs else "–"
        rss = f"{median([r['peak_rss_mib'] for r in rs]):.0f}" if s.side.startswith("host") else "–"
        lines.append(f"| {s.label()} | {SETTING_LABELS[s.setting]} | {median(rates):.1f} | "
                     f"{min(rates):.1f}–{max(rates):.1f} | {median(cpu):.1f} | {rss} | {same} | "
                     f"{median(rates) / ref_any:.2f}x |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3, help="rounds; each setup runs once per round")
    ap.add_argument("--jobs", default="1,4,8,16,32,64", help="aigc-host --jobs values (default threads)")
    ap.add_argument("--alt-jobs", type=int, default=16, help="aigc-host --jobs in the other thread settings")
    ap.add_argument("--batch-sizes", default="1,8,32,64", help="direct torch batch sizes")
    ap.add_argument("--settings", default="default,passive,omp1", help="thread settings (see above)")
    ap.add_argument("--depth", type=int, default=6, help="transformer blocks in the bench model's image tower")
    ap.add_argument("--diagnose", action="store_true", help="also batch sizes and what all but the model costs")
    ap.add_argument("--work", type=Path, default=None, help="use (and keep) this folder instead of a temp one")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--host", type=Path, default=None,
                    help="the aigc-host binary to measure (default: target/release/aigc-host)")
    ap.add_argument("--before-plugin", type=Path, default=None,
                    help="the bench-embed plugin the --before binary runs (one built against the WIT it speaks)")
    ap.add_argument("--before", type=Path, default=None,
                    help="an older aigc-host binary, run at the same --jobs in the same rounds (a before/after table)")
    args = ap.parse_args()
    global BEFORE, BEFORE_PLUGIN, HOST
    BEFORE_PLUGIN = args.before_plugin
    if args.host is not None:
        if not args.host.is_file():
            die(f"--host: {args.host} is not a file")
        HOST = args.host.resolve()
    if args.before is not None:
        if not args.before.is_file():
            die(f"--before: {args.before} is not a file")
        BEFORE = args.before.resolve()
    jobs = [int(j) for j in args.jobs.split(",")]
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    settings = args.settings.split(",")
    if "default" not in settings or any(s not in SETTINGS for s in settings):
        die(f"--settings: a comma list of {', '.join(SETTINGS)}, with default")

    build_plugin()
    python = ensure_venv(torch_python())
    work = args.work or Path(tempfile.mkdtemp(prefix="aigc-bench-models-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if not (work / "ds").exists():
            prepare(work, args.images, args.depth)
        print(report(args, work, python, jobs, sizes, settings), flush=True)
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            log(f"kept {work}")


def check_parity(work: Path, python: Path, count: int = 8) -> float:
    """Both sides compute the same embeddings: the plugin stores the first component of each normalised embedding
    (`--set store=true`) for `count` images; torch_direct.py computes them from the files. Returns the max abs diff."""
    folder = work / "parity-images"
    if not (work / "parity").exists():
        folder.mkdir(exist_ok=True)
        for path in sorted((work / "images").glob("*.png"))[:count]:
            shutil.copyfile(path, folder / path.name)
        subprocess.run([str(HOST), "dataset", "import", str(work / "parity"), str(folder), "-q"], check=True,
                       env=env_for("default", AIGC_HOST_MODELS=str(work / "registry")))
    env = env_for("default", AIGC_HOST_MODELS=str(work / "registry"))
    subprocess.run([str(HOST), "annotate", str(work / "parity"), "--with", str(WASM), "--jobs", "4", "--device", "cpu",
                    "--set", "store=true", "-q"], check=True, env=env)
    listing = json.loads(subprocess.run([str(HOST), "dataset", "ls", str(work / "parity"), "--json"], check=True,
                                        env=env, capture_output=True, text=True).stdout)
    host = {}
    for item in listing["items"]:
        shown = json.loads(subprocess.run([str(HOST), "dataset", "show", str(work / "parity"), item["id"], "--json"],
                                          check=True, env=env, capture_output=True, text=True).stdout)
        [note] = [a for a in shown["annotations"] if a["key"] == "embed_dim"]
        host[item["files"][0]] = note["score"]
    direct = json.loads(subprocess.run(
        [str(python), str(HERE / "torch_direct.py"), "--first-components", "--model", str(work / "bench-clip"),
         "--images", str(folder)], check=True, capture_output=True, text=True, env=env_for("default")).stdout)
    if sorted(host) != sorted(direct):
        die(f"parity check: the host annotated {sorted(host)}, torch embedded {sorted(direct)}")
    return max(abs(host[name] - direct[name]) for name in direct)


def report(args, work: Path, python: Path, jobs: list[int], sizes: list[int], settings: list[str]) -> str:
    images = len(list((work / "images").glob("*.png")))
    parity = check_parity(work, python)
    log(f"parity: the plugin's embeddings match direct torch's within {parity:.1e} (first components, 8 images)")
    if parity > 1e-4:
        die(f"the two sides do not compute the same embeddings (max abs diff {parity:.2e} > 1e-4)")
    startup_cpu = {s: median([host_run(work, 1, s, dataset="empty")["cpu_seconds"] for _ in range(3)])
                   for s in settings}
    log("aigc-host start-up CPU s (empty dataset, model load): "
        + ", ".join(f"{s} {v:.2f}" for s, v in startup_cpu.items()))
    log("warm-up (not counted)")
    host_run(work, max(jobs))

    host = [Setup("host", j) for j in jobs] + [Setup("host", args.alt_jobs, s) for s in settings if s != "default"]
    before = [Setup("host-before", j) for j in jobs] if BEFORE is not None else []
    e2e = [Setup("e2e", b, s) for s in settings for b in sizes]
    model = [Setup("model", b, s) for s in settings if s != "default" or len(settings) == 1 for b in sizes]
    setups = host + before + e2e + model
    results, abouts = run_rounds(setups, args.runs, 0, work, python, "main")

    def best(group: list[Setup]) -> Setup:
        return max(group, key=lambda s: rate(results[s]))

    best_e2e = {s: best([x for x in e2e if x.setting == s]) for s in settings}
    refs = {s: rate(results[x]) for s, x in best_e2e.items()}
    e2e_any = best(e2e)
    ref_any = rate(results[e2e_any])
    host_default = best([x for x in host if x.setting == "default"])
    host_any = best(host)

    def verdict(h: Setup, t: Setup, goal: float = 1.0) -> str:
        ratio = rate(results[h]) / rate(results[t])
        paired = [a["images_per_s"] / b["images_per_s"] for a, b in zip(results[h], results[t])]
        side = "aigc-host before" if h.side == "host-before" else "aigc-host"
        mode = "model only" if t.side == "model" else "end to end"
        return (f"{side} --jobs {h.n} [{SETTING_LABELS[h.setting]}] {rate(results[h]):.1f} images/s vs direct "
                f"torch {mode} batch {t.n} [{SETTING_LABELS[t.setting]}] {rate(results[t]):.1f} images/s = "
                f"**{ratio:.2f}x** ({'meets' if ratio >= goal else 'misses'} {goal:g}x; per round "
                f"{min(paired):.2f}–{max(paired):.2f}x)")

    about = abouts["default"]
    walls = ", ".join(f"--jobs {s.n} {median([r['wall'] for r in results[s]]):.2f} s" for s in host
                      if s.setting == "default")
    out = [
        f"## Image embedding, aigc-host vs direct torch: {images} PNGs 256x256 -> 224 px, ViT-Ti/16-like "
        f"(depth {args.depth}), CPU",
        "",
        f"torch {about['torch']}, {os.cpu_count()} CPUs, default intra-op threads {about['threads']} "
        f"(the same libtorch on both sides); {args.runs} rounds, setups shuffled per round. "
        "End to end = PNG bytes read, decoded (host: `image` crate; torch: torchvision decode_png), preprocessed as "
        f"models/README.md says, encode_image, L2-normalised; both sides give the same embeddings (max abs diff "
        f"{parity:.1e} on 8 images).",
        "",
        table(setups, results, startup_cpu, refs, ref_any, args.runs),
        "",
        "- Goal as set (default threads on both sides): " + verdict(host_default, best_e2e["default"]) + ".",
    ]
    if before:
        out.append("- Before, the same way: " + verdict(best(before), best_e2e["default"]) + ".")
    for s in settings:
        if s != "default":
            out.append(f"- Same threads, {SETTING_LABELS[s]}: "
                       + verdict(Setup("host", args.alt_jobs, s), best_e2e[s]) + ".")
    out += [
        "- Strictest (each side at its best setup of all): " + verdict(host_any, e2e_any) + ".",
        "- End to end against torch's model alone (no read, decode or preprocessing), at its best batch size in "
        "any setting: " + verdict(host_any, best(model), 0.9) + ".",
        "",
        f"aigc-host images/s is over the annotate loop (duration_ms); whole-process wall, median: {walls}. "
        "aigc-host CPU ms/image excludes start-up ("
        + ", ".join(f"{SETTING_LABELS[s]} {v:.2f} CPU s" for s, v in startup_cpu.items())
        + ": an annotate run over an empty dataset).",
    ]
    if args.diagnose:
        out += ["", diagnose(args, work, python, jobs, settings, startup_cpu)]
    return "\n".join(out)


def diagnose(args, work: Path, python: Path, jobs: list[int], settings: list[str], startup_cpu: dict) -> str:
    log("diagnostics: batch sizes")
    out = ["### Diagnostics", "",
           "Batch sizes the host's model worker formed (a copy of the model that prints each batch; one run each, "
           "default threads):", "",
           "| --jobs | batches | rows per batch: mean | median | max | images/s |",
           "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for j in jobs:
        r = host_run(work, j, model="clip-traced")
        b = r["batches"] or [0]
        out.append(f"| {j} | {len(r['batches'])} | {statistics.mean(b):.1f} | {median(b):.0f} | {max(b)} | "
                   f"{r['images_per_s']:.1f} |")
    log("diagnostics: what all but the model costs")
    setups = []
    for s in settings:
        setups += [Setup("host-null", args.alt_jobs, s), Setup("host-null", 1, s), Setup("prep", 1, s)]
    results, _ = run_rounds(setups, args.runs, 100, work, python, "diagnostics")
    out += ["", "What everything but the model costs: the host with a copy of the model whose encode_image skips the "
            "tower (mean colour, linear: decode, preprocess, wasm, host calls, batching), and torch's "
            "read+decode+preprocess alone:", "",
            "| setup | threads | images/s (median) | min–max | CPU ms/image |", "| --- | --- | ---: | ---: | ---: |"]
    for s in setups:
        rs = results[s]
        rates = [r["images_per_s"] for r in rs]
        cpu0 = startup_cpu.get(s.setting, 0.0) if s.side.startswith("host") else 0.0
        cpu = [(r["cpu_seconds"] - cpu0) * 1000 / r["images"] for r in rs]
        out.append(f"| {s.label()} | {SETTING_LABELS[s.setting]} | {median(rates):.1f} | {min(rates):.1f}–"
                   f"{max(rates):.1f} | {median(cpu):.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
