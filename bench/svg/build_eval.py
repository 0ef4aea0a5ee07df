#!/usr/bin/env python3
"""Builds the labelled SVG evaluation set for the three SVG cleaning rules from real emoji sets on npm.

Labels come from Unicode's emoji groups and subgroups as `emojibase-data` ships them, plus a short hand-checked
list (below, each entry with its reason). Every SVG gets one primary label (its folder) and the set of labels it
carries (`labels` column; 🔞 is both a prohibition sign and text):

  text         meaning carried by letters, digits or characters: keycaps, alphanumeric buttons (🆗 🆕 🅰 🈚),
               regional-indicator letters, western zodiac signs, arrows with words (🔙 🔝), © ® ™, 💯, 💤, 🚾
  prohibition  circle-with-slash and no-entry signs over an object (⛔ 🚫 🚭 🚯 🚱 🚳 🚷 📵 🔞)
  several      families, couples and groups of people, cityscapes and scenes with many objects
  clean        single animals, plants, foods, drinks, clothing, instruments, tools, vehicles, sport and household
               objects (a few members of those subgroups that show several things are left out; see EXCLUDE)

Everything else (faces, hands, flags, arrows without words, geometric symbols, ...) is not in the set: those
emoji are not clearly on one side of any rule.

Splits, so that the rules are checked on data they were not tuned on:
  tune            Twemoji (@twemoji/svg) — tune the rules and train the classifiers on this (and train-*)
  test-openmoji   OpenMoji (openmoji) — held out
  test-fluent     Microsoft Fluent Emoji, flat style (@iconify-json/fluent-emoji-flat) — held out
  train-<set>     Noto (current and v1), EmojiOne (current and monotone line art), Firefox OS emoji (fxemoji) and
                  Streamline emoji, from their Iconify packages — training data for the classifiers and for
                  tuning; never the held-out artists (no fluent-emoji*, no OpenMoji)
  val-emojione-v1 EmojiOne v1 (CC BY-SA 4.0): not trained on; the classifiers' thresholds are chosen on it

Output: bench/svg/work/eval/<split>/<label>/<hexcode>_<slug>.svg and bench/svg/work/eval/labels.csv
(file, label, labels, set, split, hexcode, subgroup, name, why). The npm packages are installed, pinned, into the
git-ignored bench/svg/work/ (npm must be on PATH); the output is the same on every run.

    python3 bench/svg/build_eval.py            # installs the packages once, rewrites work/eval/
"""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
MODULES = WORK / "node_modules"
EVAL = WORK / "eval"

# Pinned so that the set is the same for everyone.
PACKAGES = {
    "@twemoji/svg": "15.0.0",
    "openmoji": "17.0.0",
    "emojibase-data": "17.0.0",
    "@iconify-json/fluent-emoji-flat": "1.2.6",
    "@iconify-json/noto": "1.2.9",
    "@iconify-json/mdi": "1.2.3",
    # Training sets for the classifiers: other artists' emoji, never the held-out artists (OpenMoji, Fluent).
    "@iconify-json/noto-v1": "1.2.5",
    "@iconify-json/emojione": "1.2.3",
    "@iconify-json/emojione-v1": "1.2.3",
    "@iconify-json/emojione-monotone": "1.2.1",
    "@iconify-json/fxemoji": "1.2.2",
    "@iconify-json/streamline-emojis": "1.2.4",
    # Fonts for the text classifier's synthetic examples (models/svg-text/train.py): Latin and Japanese.
    "@fontsource/noto-sans-jp": "5.3.0",
    "@fontsource/noto-serif": "5.3.0",
    "@fontsource/roboto-slab": "5.3.0",
    "@fontsource/dejavu-sans": "5.3.0",
}

TEXT, PROHIBITION, SEVERAL, CLEAN = "text", "prohibition", "several", "clean"

TEXT_SUBGROUPS = {"keycap", "alphanum", "zodiac"}
CLEAN_SUBGROUPS = {
    "animal-mammal", "animal-bird", "animal-amphibian", "animal-reptile", "animal-marine", "animal-bug",
    "plant-flower", "plant-other", "food-fruit", "food-vegetable", "food-prepared", "food-asian", "food-sweet",
    "drink", "dishware", "clothing", "musical-instrument", "household", "tool", "sport",
    "transport-ground", "transport-water", "transport-air",
}
SEVERAL_SUBGROUPS = {"family"}

# Hand-checked additions: hexcode (emojibase form) -> (labels, reason).
HAND = {
    "1F519": ({TEXT}, "BACK written under an arrow"),
    "1F51A": ({TEXT}, "END written under an arrow"),
    "1F51B": ({TEXT}, "ON! written under an arrow"),
    "1F51C": ({TEXT}, "SOON written under an arrow"),
    "1F51D": ({TEXT}, "TOP written over an arrow"),
    "00A9": ({TEXT}, "the letter C in a circle"),
    "00AE": ({TEXT}, "the letter R in a circle"),
    "2122": ({TEXT}, "the letters TM"),
    "1F4AF": ({TEXT}, "the digits 100"),
    "1F4A4": ({TEXT}, "the letters Zzz"),
    "1F6BE": ({TEXT}, "the letters WC"),
    "26D4": ({PROHIBITION}, "no-entry sign"),
    "1F6AB": ({PROHIBITION}, "prohibited: circle with a slash"),
    "1F6B3": ({PROHIBITION}, "no bicycles"),
    "1F6AD": ({PROHIBITION}, "no smoking"),
    "1F6AF": ({PROHIBITION}, "no littering"),
    "1F6B1": ({PROHIBITION}, "non-potable water"),
    "1F6B7": ({PROHIBITION}, "no pedestrians"),
    "1F4F5": ({PROHIBITION}, "no mobile phones"),
    "1F51E": ({PROHIBITION, TEXT}, "no one under eighteen: a slashed circle over the digits 18"),
    "1F465": ({SEVERAL}, "two busts"),
    "1F46A": ({SEVERAL}, "family"),
    "1FAC2": ({SEVERAL}, "two people hugging"),
    "1F9D1-200D-1F9D1-200D-1F9D2": ({SEVERAL}, "family: adult, adult, child"),
    "1F9D1-200D-1F9D1-200D-1F9D2-200D-1F9D2": ({SEVERAL}, "family: adult, adult, child, child"),
    "1F9D1-200D-1F9D2": ({SEVERAL}, "family: adult, child"),
    "1F9D1-200D-1F9D2-200D-1F9D2": ({SEVERAL}, "family: adult, child, child"),
    "1F46F": ({SEVERAL}, "people with bunny ears: two people"),
    "1F93C": ({SEVERAL}, "people wrestling: two people"),
    "1F38E": ({SEVERAL}, "Japanese dolls: two dolls"),
    "1F3D8": ({SEVERAL}, "houses: several buildings"),
    "1F303": ({SEVERAL}, "night with stars: a city skyline"),
    "1F3D9": ({SEVERAL}, "cityscape: many buildings"),
    "1F306": ({SEVERAL}, "cityscape at dusk"),
    "1F307": ({SEVERAL}, "sunset over buildings"),
    "1F309": ({SEVERAL}, "bridge at night over a city"),
    "1F391": ({SEVERAL}, "moon viewing ceremony: moon, grass and dumplings"),
    "1F3DE": ({SEVERAL}, "national park: a landscape"),
}

# Members of the clean subgroups that are not one plain object; left out of the set altogether.
EXCLUDE = {
    "1F43E": "paw prints: several prints of one animal",
    "1F37B": "clinking beer mugs: two of the same object",
    "1F942": "clinking glasses: two of the same object",
    "2692": "hammer and pick: two tools",
    "1F6E0": "hammer and wrench: two tools",
    "2694": "crossed swords: two of the same object",
    "1F3B3": "bowling: a ball and pins",
    "1F6E3": "motorway: a scene",
    "1F6E4": "railway track: a scene",
    "1F68F": "bus stop: a sign",
    "1F687": "metro: often drawn with an M sign",
    "1F3B1": "pool 8 ball: the digit 8",
}


def run(cmd, **kw):
    print("+", " ".join(map(str, cmd)), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def install():
    """npm install the pinned packages into work/ (once; a stamp file names what was installed)."""
    stamp = WORK / ".packages.json"
    want = json.dumps(PACKAGES, sort_keys=True)
    if stamp.exists() and stamp.read_text() == want and MODULES.exists():
        return
    if shutil.which("npm") is None:
        sys.exit("npm is needed to fetch the icon sets (apt-get install npm)")
    WORK.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(WORK), *specs])
    stamp.write_text(want)


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("’", "").replace("'", "")).strip("-")


def labels_for(entry, subgroup):
    """The labels of one emojibase entry and why, or None when it is not in the set."""
    hexcode = entry["hexcode"]
    if hexcode in EXCLUDE:
        return None
    if hexcode in HAND:
        labels, why = HAND[hexcode]
        return labels, why
    if entry["label"].startswith("regional indicator"):
        return {TEXT}, "regional indicator letter"
    if subgroup in TEXT_SUBGROUPS:
        return {TEXT}, f"subgroup {subgroup}"
    if subgroup in SEVERAL_SUBGROUPS:
        return {SEVERAL}, f"subgroup {subgroup}"
    if subgroup in CLEAN_SUBGROUPS:
        return {CLEAN}, f"subgroup {subgroup}"
    return None


def primary(labels):
    for label in (PROHIBITION, TEXT, SEVERAL, CLEAN):
        if label in labels:
            return label
    raise ValueError(labels)


def hex_variants(hexcode):
    """File-name spellings an emoji set may use for a code point sequence."""
    parts = hexcode.split("-")
    stripped = [p for p in parts if p != "FE0F"]
    out = []
    for seq in (parts, stripped, stripped + ["FE0F"] if len(stripped) == 1 else stripped):
        for case in (str.upper, str.lower):
            name = "-".join(case(p) for p in seq)
            if name not in out:
                out.append(name)
    # Twemoji drops leading zeros: emojibase's 00A9 is a9.svg, 0023-FE0F-20E3 is 23-20e3.svg.
    out.append("-".join((p.lstrip("0") or "0").lower() for p in stripped))
    return out


def twemoji_source():
    folder = MODULES / "@twemoji" / "svg"

    def get(entry):
        for name in hex_variants(entry["hexcode"]):
            path = folder / f"{name}.svg"
            if path.exists():
                return path.read_bytes()
        return None

    return get


def openmoji_source():
    folder = MODULES / "openmoji" / "color" / "svg"

    def get(entry):
        for name in hex_variants(entry["hexcode"]):
            path = folder / f"{name}.svg"
            if path.exists():
                return path.read_bytes()
        return None

    return get


def iconify_svg(data, name):
    """A standalone SVG for one icon of an Iconify JSON set (aliases without transforms followed)."""
    icons, aliases = data["icons"], data.get("aliases", {})
    seen = 0
    while name not in icons and name in aliases and seen < 8:
        alias = aliases[name]
        if set(alias) - {"parent"}:
            return None  # a transformed alias (flipped, rotated): not the drawing the set ships as that emoji
        name, seen = alias["parent"], seen + 1
    icon = icons.get(name)
    if icon is None:
        return None
    left, top = icon.get("left", data.get("left", 0)), icon.get("top", data.get("top", 0))
    width, height = icon.get("width", data.get("width", 16)), icon.get("height", data.get("height", 16))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="{left} {top} {width} {height}">{icon["body"]}</svg>'
    ).encode()


def iconify_source(package):
    data = json.loads((MODULES / "@iconify-json" / package / "icons.json").read_text())

    def get(entry):
        names = [slug(entry["label"])]
        if entry["label"].startswith("keycap: "):
            key = entry["label"][len("keycap: "):]
            names += [f"keycap-{ {'#': 'hashtag', '*': 'asterisk'}.get(key, key)}".replace(" ", "")]
        for name in names:
            svg = iconify_svg(data, name)
            if svg is not None:
                return svg
        return None

    return get


SPLITS = [
    ("tune", "twemoji", twemoji_source),
    ("test-openmoji", "openmoji", openmoji_source),
    ("test-fluent", "fluent-emoji-flat", lambda: iconify_source("fluent-emoji-flat")),
]
# Training splits: the same labels drawn by more artists (Iconify's copies of Noto, EmojiOne, Firefox OS emoji,
# Streamline). The classifiers train on these and on `tune`. EmojiOne v1 (CC BY-SA 4.0, so not trained on) is
# the validation split the classifiers' thresholds are chosen on. The test splits stay held out.
TRAIN_SETS = ["noto", "noto-v1", "emojione", "emojione-monotone", "fxemoji", "streamline-emojis"]
VALIDATION_SETS = ["emojione-v1"]
SPLITS += [(f"train-{name}", name, (lambda name=name: iconify_source(name))) for name in TRAIN_SETS]
SPLITS += [(f"val-{name}", name, (lambda name=name: iconify_source(name))) for name in VALIDATION_SETS]


def main():
    install()
    data = json.loads((MODULES / "emojibase-data" / "en" / "data.json").read_text())
    subgroups = json.loads((MODULES / "emojibase-data" / "meta" / "groups.json").read_text())["subgroups"]
    if EVAL.exists():
        shutil.rmtree(EVAL)
    rows, missing = [], {}
    for split, set_name, source in SPLITS:
        get = source()
        for entry in data:
            subgroup = subgroups.get(str(entry.get("subgroup")), "")
            judged = labels_for(entry, subgroup)
            if judged is None:
                continue
            labels, why = judged
            svg = get(entry)
            if svg is None:
                missing.setdefault(split, []).append(entry["hexcode"])
                continue
            label = primary(labels)
            rel = Path(split) / label / f"{entry['hexcode'].lower()}_{slug(entry['label'])[:60]}.svg"
            (EVAL / rel).parent.mkdir(parents=True, exist_ok=True)
            (EVAL / rel).write_bytes(svg)
            rows.append({
                "file": rel.as_posix(), "label": label, "labels": ";".join(sorted(labels)), "set": set_name,
                "split": split, "hexcode": entry["hexcode"], "subgroup": subgroup, "name": entry["label"],
                "why": why,
            })
    with open(EVAL / "labels.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{'split':<24} {'text':>5} {'prohib':>6} {'several':>7} {'clean':>6} {'missing':>7}")
    for split, _, _ in SPLITS:
        count = lambda lab: sum(1 for r in rows if r["split"] == split and lab in r["labels"].split(";"))
        print(f"{split:<24} {count(TEXT):>5} {count(PROHIBITION):>6} {count(SEVERAL):>7} {count(CLEAN):>6} "
              f"{len(missing.get(split, [])):>7}")
    print(f"wrote {len(rows)} SVGs and {EVAL / 'labels.csv'}")


if __name__ == "__main__":
    main()
