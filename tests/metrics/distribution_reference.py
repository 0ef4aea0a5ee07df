#!/usr/bin/env python3
"""Reference values for the distribution statistics in host/src/metrics/distribution.rs (FID and KID).

    python3 tests/metrics/distribution_reference.py      # rewrites tests/metrics/distribution_reference.json

The JSON holds no features: each feature set is a recipe (`features` below; the Rust test's `recipe_features`
repeats it) built from a counter-based SplitMix64 stream and f64 arithmetic done in one fixed order, then cast to
f32, so both languages make the very same f32 values. The expected numbers come from the tools users run:
- mean and covariance: `np.mean(act, axis=0)` and `np.cov(act, rowvar=False)` on the f32 rows held in a float64
  array, as pytorch-fid's `calculate_activation_statistics` does, stored as checksums (sums, traces, a few entries);
- FID: pytorch-fid 0.3.0 `calculate_frechet_distance` (scipy's Schur `sqrtm`, with its eps fallback) and
  torchmetrics 1.8.2 `_compute_fid` (eigenvalues of the non-symmetric product) on those mean/cov arrays;
- KID: torchmetrics 1.8.2 `poly_mmd` on stored subset indices, and the whole `KernelInceptionDistance` (an identity
  feature extractor) with `subset_size` equal to both set sizes, where the random draw does not matter. Both in
  float64 (the Rust side computes in f64) and, for the record, in float32 (what torchmetrics computes by default).

Environment: the shared metrics venv (~/.cache/aigc-host/metrics-ref-venv, pins numpy 2.2, scipy 1.15,
scikit-image 0.25) made here if missing, under a file lock because the other metric reference scripts share it;
this script adds pytorch-fid, torchmetrics and lightning-utilities with --no-deps (their imports are covered: torch
from the torch venv through a .pth file, as bench/models/run.py does; packaging comes with scikit-image).
"""

import contextlib
import io
import json
import sys
from pathlib import Path

import ref_venv

HERE = Path(__file__).resolve().parent
OUT = HERE / "distribution_reference.json"
# Installed with --no-deps: pytorch-fid's `calculate_frechet_distance` needs only numpy and scipy, torchmetrics only
# torch, packaging and lightning-utilities; their other requirements (torchvision, Pillow) would drag in a second torch.
MINE_NO_DEPS = {"pytorch-fid": "0.3.0", "torchmetrics": "1.8.2", "lightning-utilities": "0.15.2"}


# ------------------------------------------------------------------------------------------- the recipe

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def uniforms(seed: int, count: int):
    """SplitMix64 by counter: value k is mix(seed + (k + 1)·GOLDEN), its top 53 bits scaled into [0, 1)."""
    import numpy as np

    with np.errstate(over="ignore"):
        z = np.uint64(seed & MASK64) + (np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def features(recipe: dict):
    """rows×dim f32 features: per element a sum of four uniforms (roughly Gaussian), scaled per column, plus a
    per-row factor loaded per column (so columns correlate), plus a per-column shift. Every step is one IEEE f64
    operation in a fixed order, so the Rust test rebuilds the same f32 values bit for bit."""
    import numpy as np

    rows, dim, seed = recipe["rows"], recipe["dim"], recipe["seed"]
    u = uniforms(seed, rows * dim * 4).reshape(rows, dim, 4)
    noise = ((u[:, :, 0] + u[:, :, 1]) + u[:, :, 2]) + u[:, :, 3]
    noise = noise - 2.0
    factor = uniforms(seed ^ 0x5DEECE66D, rows) - 0.5
    j = np.arange(dim, dtype=np.float64)
    scale = (0.5 + np.mod(j, 7.0) / 7.0) * recipe["scale"]
    loading = (np.mod(j, 5.0) - 2.0) / 4.0
    shift = np.mod(j, 3.0) / 3.0 + recipe["shift"]
    values = (noise * scale + factor[:, None] * loading) + shift
    return values.astype(np.float32)


# ------------------------------------------------------------------------------------------- the expectations


def stats_checksums(x) -> dict:
    """What pytorch-fid computes, as checksums the JSON can hold."""
    import numpy as np

    mu, sigma = fid_statistics(x)
    dim = sigma.shape[0]
    picks = [(0, 0), (0, 1), (1, 0), (2, 5), (dim // 2, dim // 3), (dim - 1, dim - 1), (dim - 1, 0), (7, dim - 3)]
    return {
        "mean_head": [float(v) for v in mu[:8]],
        "mean_sum": float(mu.sum()),
        "mean_sum_squares": float((mu * mu).sum()),
        "cov_trace": float(np.trace(sigma)),
        "cov_sum": float(sigma.sum()),
        "cov_sum_squares": float((sigma * sigma).sum()),
        "cov_row_sums_head": [float(v) for v in sigma.sum(axis=1)[:8]],
        "cov_entries": [[i, j, float(sigma[i, j])] for i, j in picks],
    }


def pytorch_fid_function(name: str):
    """A function of the installed pytorch_fid/fid_score.py, compiled from its own source: importing the module would
    import torchvision and Pillow (for its image loader), which the statistics do not use."""
    import ast
    import importlib.util

    import numpy as np
    from scipy import linalg

    path = Path(importlib.util.find_spec("pytorch_fid").submodule_search_locations[0], "fid_score.py")
    tree = ast.parse(path.read_text(), filename=str(path))
    [node] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    namespace = {"np": np, "linalg": linalg}  # the module's own `import numpy as np`, `from scipy import linalg`
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)
    return namespace[name]


def fid_statistics(x):
    """pytorch-fid's `calculate_activation_statistics`: its activations array is float64 (`np.empty((n, dims))`)
    holding the model's float32 outputs, then `np.mean(act, axis=0)` and `np.cov(act, rowvar=False)`."""
    import numpy as np

    act = x.astype(np.float64)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def frechet_references(x, y) -> dict:
    import numpy as np
    import torch
    from torchmetrics.image.fid import _compute_fid

    calculate_frechet_distance = pytorch_fid_function("calculate_frechet_distance")

    mu1, sigma1 = fid_statistics(x)
    mu2, sigma2 = fid_statistics(y)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        pytorch_fid = float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(torch.float64)  # noqa: E731
    torchmetrics_fid = float(_compute_fid(t(mu1), t(sigma1), t(mu2), t(sigma2)))
    return {
        "pytorch_fid": pytorch_fid,
        # True when scipy's sqrtm gave non-finite values and pytorch-fid added eps=1e-6 to both diagonals.
        "pytorch_fid_eps_fallback": "singular product" in printed.getvalue(),
        "torchmetrics_fid": torchmetrics_fid,
        "rank_x": int(np.linalg.matrix_rank(sigma1)),
        "rank_y": int(np.linalg.matrix_rank(sigma2)),
    }


def poly_mmd_case(x, y, name: str, rows_x: list[int], rows_y: list[int], kernel: dict) -> dict:
    import torch
    from torchmetrics.image.kid import poly_mmd

    def value(dtype) -> float:
        fx = torch.from_numpy(x[rows_x]).to(dtype)
        fy = torch.from_numpy(y[rows_y]).to(dtype)
        # torchmetrics' argument order: poly_mmd(f_real, f_fake); the Rust side is (generated, reference) and the
        # estimator is symmetric in its two sets.
        return float(poly_mmd(fy, fx, kernel["degree"], kernel["gamma"], kernel["coef"]))

    return {"name": name, "rows_generated": rows_x, "rows_reference": rows_y, "kernel": kernel,
            "expected_f64": value(torch.float64), "expected_f32": value(torch.float32)}


def kid_whole_set_case(x, y, subsets: int) -> dict:
    import torch
    from torchmetrics.image.kid import KernelInceptionDistance

    assert x.shape[0] == y.shape[0], "whole-set KID needs sets of one size"

    def run(dtype) -> tuple[float, float]:
        kid = KernelInceptionDistance(feature=torch.nn.Identity(), subsets=subsets, subset_size=x.shape[0])
        kid.update(torch.from_numpy(y).to(dtype), real=True)
        kid.update(torch.from_numpy(x).to(dtype), real=False)
        mean, std = kid.compute()
        return float(mean), float(std)

    mean64, std64 = run(torch.float64)
    mean32, std32 = run(torch.float32)
    return {"subsets": subsets, "subset_size": int(x.shape[0]), "mean_f64": mean64, "std_f64": std64,
            "mean_f32": mean32, "std_f32": std32}


def recipe(rows: int, dim: int, seed: int, scale: float = 1.0, shift: float = 0.0) -> dict:
    return {"rows": rows, "dim": dim, "seed": seed, "scale": scale, "shift": shift}


# Each case: a generated and a reference set. "well": full-rank 64-d covariances; "rank_deficient": 40 and 50 rows
# of 64-d, so both covariances are singular (rank 39 and 49) and so is their product; "inception_dim": the 2048-d
# width of Inception pool3 features with 160 and 150 rows (singular too, as for any small evaluation set).
CASES = {
    "well": (recipe(300, 64, 11), recipe(260, 64, 12, scale=1.2, shift=0.1)),
    "rank_deficient": (recipe(40, 64, 21), recipe(50, 64, 22, scale=0.9, shift=-0.05)),
    "inception_dim": (recipe(160, 2048, 31), recipe(150, 2048, 32, scale=1.1, shift=0.02)),
}


def main() -> None:
    import numpy as np
    import pytorch_fid
    import scipy
    import torch
    import torchmetrics

    cases = []
    for name, (gen_recipe, ref_recipe) in CASES.items():
        x, y = features(gen_recipe), features(ref_recipe)
        case = {"name": name, "generated": gen_recipe, "reference": ref_recipe,
                "generated_stats": stats_checksums(x), "reference_stats": stats_checksums(y),
                **frechet_references(x, y)}
        cases.append(case)
        print(f"{name}: FID pytorch-fid {case['pytorch_fid']:.10g}, torchmetrics {case['torchmetrics_fid']:.10g}",
              file=sys.stderr)

    rng = np.random.default_rng(2024)
    well_x, well_y = features(CASES["well"][0]), features(CASES["well"][1])
    subset_x = sorted(int(i) for i in rng.choice(well_x.shape[0], 100, replace=False))
    subset_y = sorted(int(i) for i in rng.choice(well_y.shape[0], 100, replace=False))
    wide_x, wide_y = features(CASES["inception_dim"][0]), features(CASES["inception_dim"][1])
    wide_rows = list(range(0, 150, 3))
    poly = [
        poly_mmd_case(well_x, well_y, "well_default_kernel", subset_x, subset_y,
                      {"degree": 3, "gamma": 1.0 / 64, "coef": 1.0}),
        poly_mmd_case(well_x, well_y, "well_other_kernel", subset_x, subset_y,
                      {"degree": 2, "gamma": 0.01, "coef": 0.5}),
        poly_mmd_case(wide_x, wide_y, "inception_dim_default_kernel", wide_rows, wide_rows,
                      {"degree": 3, "gamma": 1.0 / 2048, "coef": 1.0}),
    ]
    rank_x, rank_y = features(CASES["rank_deficient"][0]), features(CASES["rank_deficient"][1])
    whole = [
        {"case": "rank_deficient", "generated_rows": 40, "reference_rows": 40,
         **kid_whole_set_case(rank_x, rank_y[:40], subsets=3)},
        {"case": "inception_dim", "generated_rows": 150, "reference_rows": 150,
         **kid_whole_set_case(wide_x[:150], wide_y, subsets=2)},
    ]

    document = {
        "about": "Made by tests/metrics/distribution_reference.py; read by host/src/metrics/distribution.rs tests. "
                 "Feature sets are recipes (see the script's `features`).",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__,
                     "pytorch_fid": pytorch_fid.__version__, "torchmetrics": torchmetrics.__version__},
        "cases": cases,
        "poly_mmd": poly,
        "kid_whole_set": whole,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    ref_venv.run_inside(__file__, no_deps=MINE_NO_DEPS)
    main()
