#!/usr/bin/env python3
"""Reference values for the Chamfer distance and F-score in host/src/metrics/points.rs.

    python3 tests/metrics/points_reference.py      # rewrites tests/metrics/points_reference.json

The JSON holds no point arrays: each point set is a recipe (a shape, a seed, a count, a scale and an offset) that
`points` below and the Rust test's `recipe_points` turn into the very same float32 values. Both draw from splitmix64
and keep 24 bits per coordinate (`(z >> 40) / 2**24`, exact in float32), then apply float32 operations in the same
order; the JSON also stores each set's first points, so a recipe that drifted apart fails loudly.

Shapes:
- `cube`: uniform in [0, 1)³, times scale, plus offset;
- `sphere`: a uniform cube draw centred (u - 0.5) and divided by its length ((x² + y²) + z², square root), times
  scale, plus offset (not uniform on the sphere, which does not matter here);
- `lattice`: each coordinate floor(4u) / 4: many exact duplicates (more than a k-d tree bucket holds) and ties.

The expected numbers come from `scipy.spatial.cKDTree(b).query(a)` (float64 distances from the float32 arrays), the
tool the issue names and the one SyncDreamer's `eval_mesh.py` family of scripts uses; every convention is then
reduced with NumPy (squared or not, mean or sum per direction, directions summed or averaged), and F-score is
`(d < tau).mean()` per direction with F = 2PR / (P + R). Sum-reduced conventions over sets of different sizes are
stored as null: the Rust side refuses them (the totals are not comparable).

Environment: the shared metrics venv (~/.cache/aigc-host/metrics-ref-venv, pins numpy 2.2, scipy 1.15,
scikit-image 0.25) made here if missing, under the file lock the other metric reference scripts take.
"""

import json
import sys
from pathlib import Path

import ref_venv

HERE = Path(__file__).resolve().parent
OUT = HERE / "points_reference.json"
MASK64 = (1 << 64) - 1
# F-score thresholds: 0.05 is a common τ in the normalised frame; 0.02 a stricter one.
TAUS = [0.02, 0.05]
# A distance this close to τ would make `d < tau` depend on the last bit; the script refuses such data.
TAU_MARGIN = 1e-9

CASES = [
    # name, set a, set b: (shape, seed, count, scale, offset)
    ("cubes_shifted", ("cube", 1, 1500, 1.0, [0.0, 0.0, 0.0]), ("cube", 2, 1200, 1.0, [0.1, 0.0, 0.0])),
    ("spheres_nested", ("sphere", 3, 2000, 0.5, [0.0, 0.0, 0.0]), ("sphere", 4, 2000, 0.55, [0.0, 0.01, 0.0])),
    ("lattice_duplicates", ("lattice", 5, 900, 1.0, [0.0, 0.0, 0.0]), ("cube", 6, 900, 1.0, [0.0, 0.0, 0.0])),
    ("few_points", ("cube", 7, 3, 0.2, [0.5, 0.5, 0.5]), ("sphere", 8, 40, 1.0, [0.0, 0.0, 0.0])),
]


# ------------------------------------------------------------------------------------------- the recipes


class SplitMix64:
    """splitmix64, as the Rust test's `SplitMix64` (u64 wrapping arithmetic)."""

    def __init__(self, seed: int):
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def unit(self, np):
        """A float32 in [0, 1) with 24 random bits: exact, so both sides start from the same number."""
        return np.float32(self.next() >> 40) / np.float32(1 << 24)


def points(np, shape: str, seed: int, count: int, scale: float, offset: list[float]):
    rng = SplitMix64(seed)
    f = np.float32
    scale, offset = f(scale), [f(o) for o in offset]
    out = np.empty((count, 3), dtype=np.float32)
    for i in range(count):
        u = [rng.unit(np) for _ in range(3)]
        if shape == "cube":
            p = u
        elif shape == "sphere":
            c = [x - f(0.5) for x in u]
            length = np.sqrt((c[0] * c[0] + c[1] * c[1]) + c[2] * c[2])
            p = [x / length for x in c]
        elif shape == "lattice":
            p = [np.floor(x * f(4.0)) * f(0.25) for x in u]
        else:
            raise ValueError(shape)
        out[i] = [p[k] * scale + offset[k] for k in range(3)]
    return out


# ------------------------------------------------------------------------------------------- the reference


def reference_case(np, cKDTree, name, spec_a, spec_b):
    a, b = points(np, *spec_a), points(np, *spec_b)
    # float64 distances from the float32 arrays (cKDTree converts), one thread so nothing depends on the machine.
    d_ab = cKDTree(b).query(a, k=1, workers=1)[0]
    d_ba = cKDTree(a).query(b, k=1, workers=1)[0]
    for tau in TAUS:
        closest = min(np.abs(d_ab - tau).min(), np.abs(d_ba - tau).min())
        if closest < TAU_MARGIN:
            sys.exit(f"{name}: a distance is within {closest:.3g} of tau={tau}; change the case")
    chamfer = {}
    for distance in ("squared", "euclidean"):
        terms_ab = d_ab ** 2 if distance == "squared" else d_ab
        terms_ba = d_ba ** 2 if distance == "squared" else d_ba
        for reduce in ("mean", "sum"):
            for combine in ("sum", "average"):
                key = f"{distance}_{reduce}_{combine}"
                if reduce == "sum" and len(a) != len(b):
                    chamfer[key] = None
                    continue
                ab = float(terms_ab.mean() if reduce == "mean" else terms_ab.sum())
                ba = float(terms_ba.mean() if reduce == "mean" else terms_ba.sum())
                total = ab + ba if combine == "sum" else (ab + ba) / 2
                chamfer[key] = {"a_to_b": ab, "b_to_a": ba, "total": total}
    fscores = []
    for tau in TAUS:
        precision = float((d_ab < tau).mean())
        recall = float((d_ba < tau).mean())
        f = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        fscores.append({"tau": tau, "precision": precision, "recall": recall, "f": f})
    recipe = lambda spec: dict(zip(("shape", "seed", "count", "scale", "offset"), spec))  # noqa: E731
    return {
        "name": name,
        "a": {**recipe(spec_a), "first_points": a[:4].astype(float).tolist()},
        "b": {**recipe(spec_b), "first_points": b[:4].astype(float).tolist()},
        "a_to_b_squared_head": (d_ab[:8] ** 2).tolist(),
        "b_to_a_squared_head": (d_ba[:8] ** 2).tolist(),
        "chamfer": chamfer,
        "fscore": fscores,
    }


def main() -> None:
    import numpy as np
    import scipy
    from scipy.spatial import cKDTree

    cases = [reference_case(np, cKDTree, *case) for case in CASES]
    document = {
        "generator": "tests/metrics/points_reference.py",
        "packages": {"numpy": np.__version__, "scipy": scipy.__version__},
        "recipe": "splitmix64; unit = float32(z >> 40) / 2**24; see the script's docstring for the shapes",
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    ref_venv.run_inside(__file__)
    main()
