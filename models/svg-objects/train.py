#!/usr/bin/env python3
"""Trains `svg-objects`, a small CNN that tells whether an icon shows several objects (a family, a group of
people, a scene, unrelated things side by side) or one, in the host's model folder format (task "classifier",
labels ["several", "one"]). Same network, input and export as `svg-text` (models/svg-text/train.py), whose
helpers it reuses.

Data: the tune split (Twemoji) and the train-* splits (Noto, Noto v1, EmojiOne, EmojiOne monotone, Firefox OS
emoji, Streamline) of bench/svg/build_eval.py: their `several` icons are positives (repeated 3 times), everything
else negatives, each as drawn, outlined and as a colouring page, plus those sets' face, people, hand, heart,
weather and building emoji as negatives. Synthetic pairs (one positive, one negative); families and scenes each
from one set and one look, so that they never mix artists: 50 % families (two to four real single people of the person,
person-gesture, person-role and person-fantasy subgroups: adults bigger and behind, children smaller in front or
beside, overlapping, sometimes only head and shoulders or mirrored, sometimes a heart above a couple; or two or
three faces side by side) against one of those people fitted the same way; 20 % scenes (two to five buildings in
a row, feet on one line, sometimes under a sun or moon) against one building; 30 % any two to four icons in a
row, overlapping or in a grid against one icon shrunk and moved. The threshold is chosen (best F1) on
val-emojione-v1, which is not trained on; the held-out splits (OpenMoji, Fluent) are only evaluated. Renders are
cached in bench/svg/work/svg-objects-renders.pkl (git-ignored; the same bytes give the same raster, so the
cache changes only the time).

Results (seed 20261126, 16 epochs):
- trained on Twemoji alone (25 Nov): precision and recall 1.0 on Twemoji, held out OpenMoji 0.13 / 0.15,
  Fluent 0.07 / 0.09;
- trained on Twemoji + the six train-* sets (6 Dec), at 0.5: validation (EmojiOne v1) 0.818 / 0.562, held out
  OpenMoji 0.756 / 0.564, Fluent 0.750 / 0.273; at the validation's best-F1 threshold 0.2: validation
  0.767 / 0.719, OpenMoji 0.661 / 0.709, Fluent 0.300 / 0.273;
- + person families, scenes, per-set compositions (this script, 6 Dec; 19,563 examples, 6.4 minutes on one
  core, 314 KB model.pt, 0.63 ms per 64 px icon on one thread), at 0.5: validation 0.611 / 0.344, OpenMoji
  0.700 / 0.764, Fluent 0.167 / 0.091; at the validation's best-F1 threshold 0.12: validation 0.609 / 0.875,
  OpenMoji 0.516 / 0.891, Fluent 0.261 / 0.545. Clean icons dropped at 0.5: validation 5 of 258, OpenMoji 17 of
  491 (3.5 %), Fluent 5 of 483; at 0.88 (the validation's most precise threshold, 0.889 / 0.25 there): OpenMoji
  31 of 55 caught with 8 clean dropped (1.6 %), Fluent 0 of 11 with none. The training splits score 0.97 / 1.0:
  it learns the seven artists' families, not families.
OpenMoji's families are now mostly found, but no threshold chosen on the validation split gives both the goal's
precision and recall anywhere, and Fluent's `several` (scenes: sunset, night with stars, bridge at night,
cityscapes, national park) are missed; so the weights are not committed and it should not be registered.

    PY=bench/svg/work/venv/bin/python
    $PY models/svg-objects/train.py --out DIR # about 6 minutes on one core; prints held-out precision/recall
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
REPEAT = 3  # extra copies of the real `several` icons
FAMILY, SCENE = 0.5, 0.2  # shares of the synthetic pairs that are families and scenes (the rest: any objects)


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


# People standing or posing (not cyclists and climbers): the members of a family. All are single negatives too.
PERSON_SUBGROUPS = {"person", "person-gesture", "person-role", "person-fantasy"}
FACE_SUBGROUPS = {s for s in text.EXTRA_NEGATIVE_SUBGROUPS if s.startswith("face-")} | {"cat-face", "monkey-face"}
BUILDING_SUBGROUPS = {"place-building"}
SKY_SUBGROUPS = {"sky-weather"}
HEART_SUBGROUPS = {"heart"}
CACHE = text.WORK / "svg-objects-renders.pkl"  # git-ignored; renders are deterministic, so only speed changes


class Renders:
    """text.render_svg with an on-disk cache keyed by the SVG bytes' sha256 (bench/svg/work is git-ignored)."""

    def __init__(self):
        import pickle

        self.store = pickle.loads(CACHE.read_bytes()) if CACHE.exists() else {}
        self.added = 0

    def __call__(self, svg):
        key = hashlib.sha256(svg).hexdigest()
        if key not in self.store:
            self.store[key] = text.render_svg(svg)
            self.added += 1
        return self.store[key]

    def save(self):
        import pickle

        if self.added:
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            CACHE.write_bytes(pickle.dumps(self.store, protocol=4))


def extra_singles():
    """(set, subgroup, svg) of the subgroups text.extra_negatives uses (faces, people, hands, hearts, weather,
    buildings) from Twemoji and the training sets, never the validation or a held-out set."""
    import json

    import build_eval

    modules = build_eval.MODULES
    data = json.loads((modules / "emojibase-data" / "en" / "data.json").read_text())
    subgroups = json.loads((modules / "emojibase-data" / "meta" / "groups.json").read_text())["subgroups"]
    sources = {"twemoji": build_eval.twemoji_source()}
    for name in build_eval.TRAIN_SETS:
        sources[name] = build_eval.iconify_source(name)
    out = []
    for name, get in sources.items():
        for entry in data:
            subgroup = subgroups.get(str(entry.get("subgroup")), "")
            if subgroup in text.EXTRA_NEGATIVE_SUBGROUPS and build_eval.labels_for(entry, subgroup) is None:
                svg = get(entry)
                if svg is not None:
                    out.append((name, subgroup, svg))
    return out


def to_image(rgba):
    from PIL import Image

    return Image.fromarray(rgba)


def trim(image):
    box = image.getchannel("A").getbbox()
    return image.crop(box) if box else image


def fit(canvas, rng, size=text.SIZE):
    """The drawn part of `canvas`, fitted into a square (aspect kept, centred, a small margin) at `size` px."""
    from PIL import Image

    art = trim(canvas)
    side = 256
    margin = rng.uniform(0.0, 0.1)
    scale = side * (1 - margin) / max(art.width, art.height, 1)
    w, h = max(1, int(art.width * scale)), max(1, int(art.height * scale))
    out = Image.new("RGBA", (side, side))
    out.alpha_composite(art.resize((w, h), Image.BILINEAR), ((side - w) // 2, (side - h) // 2))
    return np.asarray(out.resize((size, size), Image.BOX), dtype=np.uint8)


def person_part(rng, rgba, bust):
    """A person icon, trimmed to its drawing, sometimes mirrored, sometimes only head and shoulders."""
    from PIL import ImageOps

    image = trim(to_image(rgba))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    if bust:
        image = bust_of(rng, image)
    return image


def bust_of(rng, image):
    """Head and shoulders of a full figure (one taller than wide); a head-and-shoulders icon stays as it is."""
    if image.height > 1.3 * image.width:
        return image.crop((0, 0, image.width, max(1, int(image.height * rng.uniform(0.6, 0.8)))))
    return image


def family(rng, people, faces, hearts):
    """Two to four people the way emoji draw families and couples: adults bigger and behind, children smaller in
    front, overlapping, heads in a row; or faces side by side (a kiss, people with bunny ears); sometimes a heart
    between them (couple with heart)."""
    from PIL import Image

    canvas = Image.new("RGBA", (1024, 1024))
    roll = rng.random()
    if roll < 0.2 and faces:  # faces or heads side by side, overlapping
        count = rng.randrange(2, 4)
        side = 300
        step = side * rng.uniform(0.55, 0.95)
        for i in range(count):
            part = trim(to_image(rng_icon(rng, faces)))
            if i % 2 == 1 and rng.random() < 0.7:
                from PIL import ImageOps
                part = ImageOps.mirror(part)
            s = side * rng.uniform(0.85, 1.0)
            k = s / max(part.size)
            part = part.resize((max(1, int(part.width * k)), max(1, int(part.height * k))), Image.BILINEAR)
            canvas.alpha_composite(part, (int(100 + i * step), int(300 + rng.uniform(-30, 30))))
        return fit(canvas, rng)
    bust = rng.random() < 0.4
    adults = rng.randrange(1, 3)
    children = rng.randrange(0 if adults == 2 else 1, 3)
    count = adults + children
    style = rng.random()
    adult_h = 420
    step = adult_h * rng.uniform(0.35, 0.65)
    x = 100
    placed = []
    for i in range(adults):
        part = person_part(rng, rng_icon(rng, people), bust)
        scale = adult_h * rng.uniform(0.9, 1.05) / part.height
        part = part.resize((max(1, int(part.width * scale)), max(1, int(part.height * scale))), Image.BILINEAR)
        canvas.alpha_composite(part, (int(x), 150))
        placed.append((x, part))
        x += step if style < 0.7 else part.width * rng.uniform(0.85, 1.05)
    child_h = adult_h * rng.uniform(0.5, 0.75)
    cx = 100 + (step if adults == 2 else 0) * rng.uniform(0.0, 1.0) - child_h * 0.3
    base = 150 + adult_h * (1.0 if not bust else rng.uniform(0.9, 1.15))
    for j in range(children):
        part = person_part(rng, rng_icon(rng, people), bust)
        scale = child_h * rng.uniform(0.9, 1.05) / part.height
        part = part.resize((max(1, int(part.width * scale)), max(1, int(part.height * scale))), Image.BILINEAR)
        if style < 0.5:  # in front, lower
            top = int(base - part.height * rng.uniform(0.6, 1.0))
            canvas.alpha_composite(part, (int(cx + j * child_h * 0.55), top))
        else:  # beside the adults, feet on the same line
            canvas.alpha_composite(part, (int(x + j * part.width * 0.8), int(150 + adult_h - part.height)))
    if hearts and count == 2 and rng.random() < 0.3:
        part = trim(to_image(rng_icon(rng, hearts)))
        s = 120
        part = part.resize((s, max(1, int(part.height * s / max(part.width, 1)))), Image.BILINEAR)
        canvas.alpha_composite(part, (int(100 + step * 0.9), 60))
    return fit(canvas, rng)


def scene(rng, buildings, sky):
    """Two to five buildings in a row, overlapping, feet on one line, sometimes under a sun, moon or cloud:
    houses, a cityscape."""
    from PIL import Image

    canvas = Image.new("RGBA", (1024, 1024))
    count = rng.randrange(2, 6)
    x = 50
    base = 900
    for _ in range(count):
        part = trim(to_image(rng_icon(rng, buildings)))
        h = rng.uniform(220, 450)
        part = part.resize((max(1, int(part.width * h / part.height)), int(h)), Image.BILINEAR)
        canvas.alpha_composite(part, (int(x), int(base - h)))
        x += part.width * rng.uniform(0.5, 0.95)
    if sky and rng.random() < 0.5:
        part = trim(to_image(rng_icon(rng, sky)))
        part = part.resize((160, max(1, int(part.height * 160 / max(part.width, 1)))), Image.BILINEAR)
        canvas.alpha_composite(part, (int(rng.uniform(50, max(60, x - 160))), 300))
    return fit(canvas, rng)


def lone(rng, icons):
    """One icon trimmed and fitted as a drawing fills an emoji's square, sometimes mirrored: the negative twin of
    `family` and `scene` (a single person or building fitted the same way)."""
    from PIL import Image, ImageOps

    canvas = Image.new("RGBA", (1024, 1024))
    part = trim(to_image(rng_icon(rng, icons)))
    if rng.random() < 0.5:
        part = ImageOps.mirror(part)
    if rng.random() < 0.2:
        part = bust_of(rng, part)
    canvas.alpha_composite(part, (100, 100))
    return fit(canvas, rng)


def build(rows, n_synthetic):
    rng = random.Random(SEED)
    render = Renders()
    x, y = [], []
    # Pools of single icons by kind, per set and look (as drawn, outlined, colouring page), so that a composition
    # never mixes artists or looks.
    pools = {}
    singles = []
    for row in rows:
        if not text.is_training(row):
            continue
        svg = (text.EVAL / row["file"]).read_bytes()
        for look, variant in enumerate(text.line_art_variants(rng, svg)):
            x.append(render(variant))
            y.append(0 if is_several(row) else 1)
            if not is_several(row):
                singles.append(x[-1])
                pools.setdefault(("object", row["set"], look), []).append(x[-1])
    for name, subgroup, svg in extra_singles():
        kind = ("person" if subgroup in PERSON_SUBGROUPS else "face" if subgroup in FACE_SUBGROUPS
                else "building" if subgroup in BUILDING_SUBGROUPS else "sky" if subgroup in SKY_SUBGROUPS
                else "heart" if subgroup in HEART_SUBGROUPS else "other")
        for look, variant in enumerate(text.line_art_variants(rng, svg)):
            raster = render(variant)
            x.append(raster)
            y.append(1)
            singles.append(raster)
            pools.setdefault((kind, name, look), []).append(raster)
    render.save()
    real_positive = [i for i, v in enumerate(y) if v == 0]
    x += [x[i] for i in real_positive] * REPEAT
    y += [0] * (REPEAT * len(real_positive))
    keys = sorted({(s, look) for kind, s, look in pools if kind == "person"})
    scene_keys = sorted({(s, look) for kind, s, look in pools
                         if kind == "building" and len(pools[(kind, s, look)]) >= 4})
    counts = {"family": 0, "scene": 0, "objects": 0}
    for i in range(n_synthetic):
        roll = rng.random()
        if roll < FAMILY:
            s, look = keys[rng.randrange(len(keys))]
            people = pools[("person", s, look)]
            x.append(family(rng, people, pools.get(("face", s, look), []), pools.get(("heart", s, look), [])))
            x.append(lone(rng, people))
            counts["family"] += 1
        elif roll < FAMILY + SCENE and scene_keys:
            s, look = scene_keys[rng.randrange(len(scene_keys))]
            buildings = pools[("building", s, look)]
            x.append(scene(rng, buildings, pools.get(("sky", s, look), [])))
            x.append(lone(rng, buildings))
            counts["scene"] += 1
        else:
            group = singles
            x.append(compose(rng, group, rng.randrange(2, 5), overlap=rng.random() < 0.5))
            x.append(single(rng, singles))
            counts["objects"] += 1
        y += [0, 1]
    print(f"training examples: {len(x)} ({sum(1 for v in y if v == 0)} several; synthetic pairs {counts})")
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
