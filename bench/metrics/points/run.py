#!/usr/bin/env python3
"""Benchmark of host/src/metrics/points.rs against the Python tools, on the same data in the same run.

    python3 bench/metrics/points/run.py [--points 100000] [--repeats 5] [--threads 2]

1. Chamfer distance between two 100k-point clouds: SciPy's `cKDTree` (build both trees, query both ways with
   `workers=THREADS`, squared-mean-sum Chamfer) against `Nearest::between` + `chamfer` with THREADS rayon threads.
   The clouds are surfaces, as in an evaluation: a = points sampled on the real model tests/fixtures/models/hand.glb
   (trimesh, seed 0), b = another draw (seed 1) with Gaussian noise of 0.005 (a "generated" model near the reference).
2. Sampling 100k points on that model: `trimesh.sample.sample_surface` against `Surface::sample` (area-weighted, the
   same algorithm; trimesh given its loaded mesh, ours given its `Surface`; loading and normalising apart).
3. Volumetric IoU of hand.glb against controller-textured.glb at resolution 128 (ours only: the Python tools papers
   use, mesh2sdf or open3d, are not in the pinned venv).

The Rust side is the ignored test `metrics::points::tests::bench_points` (no extra binary target): this script
writes the clouds as little-endian float32 files and a JSON job, then runs
`cargo test --release -p aigc-host --lib metrics::points::tests::bench_points -- --ignored --nocapture` with
`AIGC_POINTS_BENCH=<job>` and `RAYON_NUM_THREADS=THREADS`, and reads its `BENCH {...}` line.

Environment: the shared metrics venv (~/.cache/aigc-host/metrics-ref-venv: numpy 2.2, scipy 1.15) plus
trimesh 5.2.0 (pure Python over NumPy; installed without dependencies), made or completed under the same lock the
metric reference scripts take. The table gives the median of the repeats and the ratio Python / ours of the
medians and of the best times (the machine is shared, so the best time is the one least disturbed).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "tests" / "fixtures" / "models" / "hand.glb"
MINE = {"trimesh": "5.2.0"}
sys.path.insert(0, str(ROOT / "tests" / "metrics"))
import ref_venv  # noqa: E402  (the shared metrics venv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


def python_side(np, work: Path, count: int, repeats: int, threads: int) -> dict:
    import trimesh
    from scipy.spatial import cKDTree

    mesh = trimesh.load(str(MODEL), force="mesh")
    # Normalised as the renderer does (largest side 1, centred): only the scale matters for the distances.
    lo, hi = mesh.bounds
    mesh.apply_translation(-(lo + hi) / 2)
    mesh.apply_scale(1.0 / float((hi - lo).max()))
    a = trimesh.sample.sample_surface(mesh, count, seed=0)[0].astype(np.float32)
    rng = np.random.default_rng(1)
    b = (trimesh.sample.sample_surface(mesh, count, seed=1)[0] + rng.normal(0, 0.005, (count, 3))).astype(np.float32)
    a.tofile(work / "a.f32")
    b.tofile(work / "b.f32")

    chamfer_seconds, chamfer = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        tree_a, tree_b = cKDTree(a), cKDTree(b)
        d_ab = tree_b.query(a, k=1, workers=threads)[0]
        d_ba = tree_a.query(b, k=1, workers=threads)[0]
        chamfer = float(np.mean(d_ab ** 2) + np.mean(d_ba ** 2))
        chamfer_seconds.append(time.perf_counter() - start)
    sample_seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        trimesh.sample.sample_surface(mesh, count, seed=0)
        sample_seconds.append(time.perf_counter() - start)
    return {"chamfer_seconds": chamfer_seconds, "chamfer": chamfer, "sample_seconds": sample_seconds,
            "triangles": len(mesh.faces)}


def rust_side(work: Path, count: int, repeats: int, threads: int) -> dict:
    job = work / "job.json"
    job.write_text(json.dumps({"a": str(work / "a.f32"), "b": str(work / "b.f32"), "repeats": repeats,
                               "mesh": MODEL.name, "samples": count}))
    env = {**os.environ, "AIGC_POINTS_BENCH": str(job), "RAYON_NUM_THREADS": str(threads)}
    command = ["cargo", "test", "--release", "-p", "aigc-host", "--lib", "metrics::points::tests::bench_points", "--",
               "--ignored", "--nocapture", "--exact"]
    log(f"running {' '.join(command)}")
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"no BENCH line from the Rust side:\n{out}")
    return json.loads(line[len("BENCH "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import numpy as np
    import scipy
    import trimesh

    with tempfile.TemporaryDirectory(prefix="bench-points-") as tmp:
        work = Path(tmp)
        py = python_side(np, work, args.points, args.repeats, args.threads)
        rs = rust_side(work, args.points, args.repeats, args.threads)
    agreement = abs(rs["chamfer_squared_mean_sum"] - py["chamfer"]) / py["chamfer"]
    rows = [
        (f"Chamfer, 2 x {args.points:,} points (build both trees, query both ways)", "SciPy cKDTree",
         py["chamfer_seconds"], rs["chamfer_seconds"]),
        (f"sample {args.points:,} surface points ({py['triangles']:,} triangles)", "trimesh sample_surface",
         py["sample_seconds"], rs["sample_seconds"]),
    ]
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, trimesh {trimesh.__version__}; "
          f"{args.threads} threads each side (cKDTree workers={args.threads}, RAYON_NUM_THREADS={rs['threads']}); "
          f"{args.repeats} repeats (times: medians)\n")
    print("| measure | Python tool | Python (s) | ours (s) | ratio, median | ratio, best |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for measure, tool, theirs, ours in rows:
        print(f"| {measure} | {tool} | {median(theirs):.4f} | {median(ours):.4f} | "
              f"{median(theirs) / median(ours):.1f}x | {min(theirs) / min(ours):.1f}x |")
    print(f"\nraw seconds: SciPy {fmt(py['chamfer_seconds'])}, ours {fmt(rs['chamfer_seconds'])}")
    print(f"Chamfer (squared, mean, summed): SciPy {py['chamfer']:.9g}, ours {rs['chamfer_squared_mean_sum']:.9g} "
          f"(relative difference {agreement:.1e}); building our Surface (renderer normalisation) "
          f"{median(rs['surface_seconds']):.4f} s, not in the table")
    print(f"Volumetric IoU, hand.glb vs controller-textured.glb at resolution {rs['iou_resolution']} (no Python "
          f"baseline pinned): {median(rs['iou_seconds']):.4f} s, IoU {rs['iou_hand_vs_controller']:.4f}")


if __name__ == "__main__":
    ref_venv.run_inside(__file__, no_deps=MINE)
    main()
