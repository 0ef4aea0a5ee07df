#!/usr/bin/env python3
"""Trains `svg-objects`, a small CNN that tells whether an icon shows several objects (a family, a group of
people, a scene, unrelated things side by side) or one, in the host's model folder format (task "classifier",
labels ["several", "one"]). Same network, input and export as `svg-text` (models/svg-text/train.py), whose
helpers it reuses.

Data: the tune split (Twemoji) of bench/svg/build_eval.py: its `several` icons are positives, everything else
negatives, each plain and as line art; plus synthetic positives: two to four real single icons (objects, animals,
people) laid out side by side, in a row or overlapping the way emoji draw families; and the single icons alone,
shrunk and moved, as negatives, so that size and position alone say nothing. Held-out splits are only evaluated.

Result (25 Nov, seed 20261126, 16 epochs, about a minute on 2 cores): it learns the tune split (precision and
recall 1.0 on the Twemoji it was trained on) and does not generalise: on held-out OpenMoji precision 0.13 / recall
0.15, on Fluent 0.07 / 0.09. Its weights are therefore not committed and it should not be registered: with it,
svg-single-object would drop far more clean icons than it catches groups. Twemoji's 51 "several" icons are mostly
families in one style; a usable model needs more varied real groups and scenes than one emoji set has.

    PY=bench/svg/work/venv/bin/python
    $PY models/svg-objects/train.py --out DIR # about a minute on 2 cores; prints held-out precision/recall
    $PY models/svg-objects/train.py --check   # parity/reference.json against model.pt
"""

import argparse
import hashlib
import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "svg-text"))
import train as text  # noqa: E402

LABELS = ["several", "one"]
SEED = 20261126


def compose(rng, icons, count, overlap):
    """`count` icons side by side (or overlapping) on a transparent 64 px canvas."""
    from PIL import Image

    big = 256
    canvas = Image.new("RGBA", (big, big))
    picks = [rng_icon(rng, icons) for _ in range(count)]
    if overlap or count == 2 or rng.random() < 0.5:  # a row
        side = int(big / (count - (0.35 if overlap else 0.0) * (count - 1)))
        side = min(side, int(big * 0.7))
        step = side * (0.65 if overlap else 1.0)
        width = step * (count - 1) + side
        x0 = (big - width) / 2
        for i, icon in enumerate(picks):
            s = int(side * rng.uniform(0.75, 1.0))
            canvas.alpha_composite(Image.fromarray(icon).resize((s, s), Image.BILINEAR),
                                   (int(x0 + i * step), int((big - s) / 2 + rng.uniform(-0.1, 0.1) * s)))
    else:  # a 2 x 2 grid
        side = big // 2
        for i, icon in enumerate(picks):
            s = int(side * rng.uniform(0.75, 0.95))
            canvas.alpha_composite(Image.fromarray(icon).resize((s, s), Image.BILINEAR),
                                   ((i % 2) * side + (side - s) // 2, (i // 2) * side + (side - s) // 2))
    return np.asarray(canvas.resize((text.SIZE, text.SIZE), Image.BOX), dtype=np.uint8)


def single(rng, icons):
    """One icon, shrunk and moved a little: a negative that is as small as a composed icon's parts."""
    from PIL import Image

    big = 256
    canvas = Image.new("RGBA", (big, big))
    s = int(big * rng.uniform(0.5, 1.0))
    x, y = rng.randrange(0, big - s + 1), rng.randrange(0, big - s + 1)
    canvas.alpha_composite(Image.fromarray(rng_icon(rng, icons)).resize((s, s), Image.BILINEAR), (x, y))
    return np.asarray(canvas.resize((text.SIZE, text.SIZE), Image.BOX), dtype=np.uint8)


def rng_icon(rng, icons):
    return icons[rng.randrange(len(icons))]


def is_several(row):
    return "several" in row["labels"].split(";")


def build(rows, n_synthetic):
    rng = random.Random(SEED)
    x, y, singles, people = [], [], [], []
    for row in rows:
        if row["split"] != "tune":
            continue
        svg = (text.EVAL / row["file"]).read_bytes()
        for variant in (svg, text.outlined(svg, rng.choice([0.5, 0.8, 1.2]))):
            x.append(text.render_svg(variant))
            y.append(0 if is_several(row) else 1)
            if not is_several(row):
                singles.append(x[-1])
    for hexcode, svg in text.extra_negatives():
        for variant in (svg, text.outlined(svg, rng.choice([0.5, 0.8, 1.2]))):
            raster = text.render_svg(variant)
            x.append(raster)
            y.append(1)
            singles.append(raster)
            people.append(raster)
    real_positive = [i for i, v in enumerate(y) if v == 0]
    x += [x[i] for i in real_positive] * 3
    y += [0] * (3 * len(real_positive))
    for i in range(n_synthetic):
        group = people if rng.random() < 0.5 else singles
        x.append(compose(rng, group, rng.randrange(2, 5), overlap=rng.random() < 0.5))
        y.append(0)
        x.append(single(rng, singles))
        y.append(1)
    print(f"training examples: {len(x)} ({sum(1 for v in y if v == 0)} several)")
    return torch.stack([text.to_tensor(a) for a in x]), torch.tensor(y)


def evaluate(model, rows, threshold=0.5):
    report = {}
    for split in sorted({r["split"] for r in rows}):
        part = [r for r in rows if r["split"] == split]
        probs = text.p_text(model, [text.render_svg((text.EVAL / r["file"]).read_bytes()) for r in part])
        tp = sum(1 for r, p in zip(part, probs) if p >= threshold and is_several(r))
        fp = sum(1 for r, p in zip(part, probs) if p >= threshold and not is_several(r))
        fn = sum(1 for r, p in zip(part, probs) if p < threshold and is_several(r))
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        curve = {}
        for th in (0.5, 0.7, 0.9):
            t_p = sum(1 for r, p in zip(part, probs) if p >= th and is_several(r))
            f_p = sum(1 for r, p in zip(part, probs) if p >= th and not is_several(r))
            curve[str(th)] = {"precision": round(t_p / max(t_p + f_p, 1), 3), "recall": round(t_p / max(tp + fn, 1), 3)}
        report[split] = {"n": len(part), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                         "precision": round(precision, 3), "recall": round(recall, 3), "thresholds": curve}
        print(f"{split:<15} several={tp + fn:3d} precision {precision:.3f} recall {recall:.3f}  {curve}")
    return report


PARITY = [
    ("family.png", "tune/several/1f46a_family.svg"),
    ("cityscape.png", "tune/several/1f3d9_cityscape.svg"),
    ("dog_face.png", "tune/clean/1f436_dog-face.svg"),
    ("keycap_1.png", "tune/text/0031-fe0f-20e3_keycap-1.svg"),
]


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--synthetic", type=int, default=1200, help="synthetic examples of each class")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    folder = Path(args.out)
    text.LABELS = LABELS
    text.PARITY = PARITY
    if args.check:
        return text.check(folder)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    random.seed(SEED)
    np.random.seed(SEED)
    text.SEED = SEED
    rows = text.eval_rows()
    x, y = build(rows, args.synthetic)
    model = text.train(x, y, args.epochs)
    report = evaluate(model, rows)
    folder.mkdir(parents=True, exist_ok=True)
    text.tiny.save_torchscript_reproducibly(torch.jit.script(model), folder / "model.pt")
    meta = {
        "name": "svg-objects", "task": "classifier", "format": 1, "image_size": text.SIZE, "mean": text.MEAN,
        "std": text.STD, "labels": LABELS, "weights": "model.pt",
        "sha256": {"model.pt": hashlib.sha256((folder / "model.pt").read_bytes()).hexdigest()},
        "source": "models/svg-objects/train.py: small CNN trained on Twemoji 15.0.0 icons (tune split of "
                  "bench/svg/build_eval.py) and compositions of them",
        "licence": "CC-BY-4.0 (trained on Twemoji graphics, CC-BY 4.0)",
    }
    text.tiny.write_json(folder / "model.json", meta)
    reloaded = torch.jit.load(str(folder / "model.pt"))
    text.tiny.write_json(folder / "parity" / "reference.json", text.write_parity(folder, reloaded))
    text.tiny.write_json(folder / "metrics.json", {"threshold": 0.5, "splits": report})
    print(f"wrote {folder}/model.pt, model.json, parity/, metrics.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
