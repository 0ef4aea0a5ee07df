#!/usr/bin/env python3
"""Trains `svg-objects`, a small CNN that tells whether an icon shows several objects (a family, a group of
people, a scene, unrelated things side by side) or one, in the host's model folder format (task "classifier",
labels ["several", "one"]). Same network, input and export as `svg-text` (models/svg-text/train.py), whose
helpers it reuses.

Data: the tune split (Twemoji) and the train-* splits (Noto, Noto v1, EmojiOne, EmojiOne monotone, Firefox OS
emoji, Streamline) of bench/svg/build_eval.py: their `several` icons are positives, everything else negatives, each
as drawn, outlined and as a colouring page, plus those sets' face, people, hand, weather and building emoji as
negatives; plus synthetic positives: two to four real single icons (objects, animals, people) laid out side by
side, in a row or overlapping the way emoji draw families; and the single icons alone, shrunk and moved, as
negatives, so that size and position alone say nothing. The threshold is chosen (best F1) on val-emojione-v1, which
is not trained on; the held-out splits (OpenMoji, Fluent) are only evaluated.

Results (seed 20261126, 16 epochs, about eight minutes on one core):
- trained on Twemoji alone (25 Nov): precision and recall 1.0 on Twemoji, held out OpenMoji 0.13 / 0.15,
  Fluent 0.07 / 0.09;
- trained on Twemoji + the six train-* sets (6 Dec), at 0.5: validation (EmojiOne v1) 0.818 / 0.562, held out
  OpenMoji 0.756 / 0.564, Fluent 0.750 / 0.273; at the validation's best-F1 threshold 0.2: validation
  0.767 / 0.719, OpenMoji 0.661 / 0.709, Fluent 0.300 / 0.273.
Far better, still short of the goal (precision 0.9, recall 0.85), so the weights are not committed and it should
not be registered: with it, svg-single-object would drop about one clean icon for every two or three groups it
catches. The `several` label is mostly families and couples (about 220 training icons), a few scenes.

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
        if not text.is_training(row):
            continue
        svg = (text.EVAL / row["file"]).read_bytes()
        for variant in text.line_art_variants(rng, svg):
            x.append(text.render_svg(variant))
            y.append(0 if is_several(row) else 1)
            if not is_several(row):
                singles.append(x[-1])
    for _, _, svg in text.extra_negatives():
        for variant in text.line_art_variants(rng, svg):
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
    torch.set_num_threads(1)
    random.seed(SEED)
    np.random.seed(SEED)
    text.SEED = SEED
    rows = text.eval_rows()
    x, y = build(rows, args.synthetic)
    model = text.train(x, y, args.epochs)
    probabilities = text.split_probabilities(model, rows)
    print("at 0.5:")
    report = text.evaluate(probabilities, 0.5, is_several)
    threshold = text.choose_threshold(*probabilities[text.VALIDATION], is_several)
    print(f"at {threshold} (best F1 on {text.VALIDATION}):")
    chosen = text.evaluate(probabilities, threshold, is_several)
    folder.mkdir(parents=True, exist_ok=True)
    text.tiny.save_torchscript_reproducibly(torch.jit.script(model), folder / "model.pt")
    meta = {
        "name": "svg-objects", "task": "classifier", "format": 1, "image_size": text.SIZE, "mean": text.MEAN,
        "std": text.STD, "labels": LABELS, "weights": "model.pt",
        "sha256": {"model.pt": hashlib.sha256((folder / "model.pt").read_bytes()).hexdigest()},
        "source": "models/svg-objects/train.py: small CNN trained on emoji of Twemoji 15.0.0, Noto Emoji (current "
                  "and v1), EmojiOne (colour and monotone), Firefox OS emoji and Streamline emoji (tune and train-* "
                  "splits of bench/svg/build_eval.py) and compositions of them",
        "licence": "CC-BY-4.0 (trained on Twemoji, EmojiOne and Streamline graphics, CC-BY 4.0, and Noto Emoji and "
                   "Firefox OS emoji, Apache-2.0)",
    }
    text.tiny.write_json(folder / "model.json", meta)
    reloaded = torch.jit.load(str(folder / "model.pt"))
    text.tiny.write_json(folder / "parity" / "reference.json", text.write_parity(folder, reloaded))
    text.tiny.write_json(folder / "metrics.json", {"threshold": 0.5, "splits": report, "chosen_threshold": threshold,
                                                   "chosen_on": text.VALIDATION, "at_chosen_threshold": chosen})
    print(f"wrote {folder}/model.pt, model.json, parity/, metrics.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
