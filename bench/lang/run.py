#!/usr/bin/env python3
"""Rust, Python and JavaScript plugins doing the same work: per-item time, first-run compile, warm start and peak
RSS, printed as a table.

The work is the course's `svg-single-object` cleaner (a host-heavy rule: the host parses, rasterizes and measures
each SVG; the plugin decides) in its three versions: `plugins/svg-single-object` (Rust),
`examples/python/svg-single-object` and `examples/js/svg-single-object`, over N small generated SVG icons.

For each plugin:
- build: `aigc-host build DIR --no-compile` (toolchains from the usual cache);
- first-run compile: `aigc-host compile` into an empty wasmtime cache (the cost a first run pays without it);
- warm start: wall time of `aigc-host clean` of a one-item dataset, compiled code in the cache (median of runs);
- per item: the clean loop's own time (`duration_ms` of `clean --json`) over N items, divided by N (median);
- peak RSS (GNU time) of the compile, of a warm one-item clean and of a warm N-item clean.
`host alone` is `aigc-host inspect` of the Rust plugin: the process start every command pays (libtorch loading).

    python3 bench/lang/run.py [--count 1000] [--runs 3] [--jobs N] [--host target/release/aigc-host]

Needs the host built (`cargo build --release -p aigc-host`), Rust's wasm32-wasip2 target, python3 with pip, node
and npm, and GNU time. Work files go to bench/lang/work/ (git-ignored).
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

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / "lang" / "work"
PLUGINS = [
    ("Rust", ROOT / "plugins" / "svg-single-object"),
    ("Python", ROOT / "examples" / "python" / "svg-single-object"),
    ("JavaScript", ROOT / "examples" / "js" / "svg-single-object"),
]


def make_svgs(folder: Path, count: int) -> None:
    """Small icons of one to three circles and bars, seeded so every run sees the same set."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        shapes = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            x, y, r = rng.randint(10, 200), rng.randint(10, 200), rng.randint(5, 40)
            colour = rng.choice(["#e33", "#3a3", "#33e", "#222"])
            if rng.random() < 0.5:
                shapes.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}"/>')
            else:
                shapes.append(f'<rect x="{x}" y="{y}" width="{2 * r}" height="{r}" fill="{colour}"/>')
        (folder / f"icon{i:05d}.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256">'
            + "".join(shapes)
            + "</svg>"
        )


def timed(cmd, env=None):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS MiB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.monotonic()
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report.name, *map(str, cmd)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.monotonic() - started
        if out.returncode != 0:
            sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr[-3000:]}")
        rss_kib = int(report.read().strip().splitlines()[-1])
    return wall, rss_kib / 1024, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--host", type=Path, default=ROOT / "target" / "release" / "aigc-host")
    args = parser.parse_args()
    host = args.host.resolve()
    if not host.exists():
        sys.exit(f"{host} is missing: cargo build --release -p aigc-host")

    WORK.mkdir(parents=True, exist_ok=True)
    svgs = WORK / f"svgs-{args.count}"
    if not svgs.exists():
        make_svgs(svgs, args.count)
    datasets = {}
    for name, source in (("many", svgs), ("one", None)):
        ds = WORK / f"ds-{name}-{args.count}"
        if not ds.exists():
            if source is None:
                source = WORK / "one-svg"
                source.mkdir(exist_ok=True)
                shutil.copy(next(svgs.iterdir()), source / "icon.svg")
            subprocess.run([host, "dataset", "import", ds, source, "-q"], check=True, stdout=subprocess.DEVNULL)
        datasets[name] = ds

    env = dict(os.environ)
    # The Rust plugin builds in the test build's wasm target folder, where its dependencies already are.
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target" / "wasm"))
    rows = []
    for lang, source in PLUGINS:
        wasm = WORK / f"{source.name}-{lang.lower()}.wasm"
        started = time.monotonic()
        subprocess.run([host, "build", source, "-o", wasm, "--no-compile", "-q"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        build_s = time.monotonic() - started
        # First-run compile: an empty wasmtime cache (toolchains stay where they are: only `build` uses them).
        cold_cache = Path(tempfile.mkdtemp(prefix="aigc-bench-cache-"))
        cold_env = dict(env, XDG_CACHE_HOME=str(cold_cache))
        compile_s, compile_rss, _ = timed([host, "compile", wasm], cold_env)
        starts, start_rss, per_item, many_rss, many_wall = [], 0.0, [], 0.0, []
        for _ in range(args.runs):
            wall, rss, _ = timed([host, "clean", datasets["one"], "--rule", wasm, "--force", "-q"], cold_env)
            starts.append(wall)
            start_rss = max(start_rss, rss)
            wall, rss, out = timed(
                [host, "clean", datasets["many"], "--rule", wasm, "--force", "--json", "-j", args.jobs], cold_env)
            summary = json.loads(out)
            if summary["checked"] != args.count:
                sys.exit(f"{lang}: checked {summary['checked']} of {args.count}")
            per_item.append(summary["duration_ms"] / args.count)
            many_wall.append(wall)
            many_rss = max(many_rss, rss)
        shutil.rmtree(cold_cache, ignore_errors=True)
        rows.append({
            "lang": lang,
            "size_mib": wasm.stat().st_size / 2**20,
            "build_s": build_s,
            "compile_s": compile_s,
            "compile_rss": compile_rss,
            "start_s": statistics.median(starts),
            "start_rss": start_rss,
            "per_item_ms": statistics.median(per_item),
            "many_wall_s": statistics.median(many_wall),
            "many_rss": many_rss,
            "kept": summary["kept"],
            "dropped": summary["dropped"],
        })
    alone = [timed([host, "inspect", WORK / f"svg-single-object-rust.wasm"])[0] for _ in range(args.runs)]

    print(f"svg-single-object over {args.count} generated SVG icons, -j {args.jobs}, {os.cpu_count()} cores; "
          f"medians of {args.runs} runs; host alone (inspect): {statistics.median(alone):.2f} s\n")
    header = ("plugin", "size", "build", "first-run compile", "compile RSS", "warm start", "start RSS",
              "per item", f"{args.count} items", "peak RSS", "kept/dropped")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    rust = rows[0]["per_item_ms"]
    for r in rows:
        ratio = f" ({r['per_item_ms'] / rust:.1f}x)" if r is not rows[0] else ""
        print(f"| {r['lang']} | {r['size_mib']:.1f} MiB | {r['build_s']:.1f} s | {r['compile_s']:.1f} s | "
              f"{r['compile_rss']:.0f} MiB | {r['start_s']:.2f} s | {r['start_rss']:.0f} MiB | "
              f"{r['per_item_ms']:.2f} ms{ratio} | {r['many_wall_s']:.2f} s | {r['many_rss']:.0f} MiB | "
              f"{r['kept']}/{r['dropped']} |")
    (WORK / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
