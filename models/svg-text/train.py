#!/usr/bin/env python3
"""Trains `svg-text`, a small CNN that tells whether an icon carries its meaning in text (letters, digits, CJK
characters, zodiac signs), and writes it in the host's model folder format (models/README.md, task "classifier").

Data (all from npm packages, installed by bench/svg/build_eval.py into the git-ignored bench/svg/work/):
- real icons of the evaluation set's *tune* split (Twemoji) and *train-** splits (Noto and Noto v1, EmojiOne and
  EmojiOne monotone, Firefox OS emoji, Streamline emoji) with their labels, plus those sets' icons of subgroups that
  hold no text (faces, hands, people, weather, buildings) as extra negatives; each as drawn, outlined in black and
  as a colouring page (white fills, black outlines), the looks of line-art sets;
- synthetic positives: glyphs, numbers and short words (Latin from Noto Serif, Roboto Slab, DejaVu Sans and Noto
  Sans JP; kanji and kana from Noto Sans JP) drawn on icon-like plates (circles, rounded squares, keycaps) or bare,
  in random colours, sometimes beside a real icon;
- synthetic negatives: the same plates holding non-text shapes (polygons, stars, discs, bars) or a shrunken real icon;
- 30 % of the synthetic examples as line art: a white or pale plate outlined in black, black thin or hollow glyphs
  (or black curves and shapes).
The validation split (val-emojione-v1, EmojiOne v1) is not trained on: the decision threshold (best F1) is chosen on
it and written to metrics.json. The held-out splits (OpenMoji, Fluent) are never trained or tuned on; the script
reports precision and recall on them.

Input: the icon rasterized at 64 px (what the plugin asks `svg.rasterize` for), preprocessed as the host does it
(alpha over white, bilinear to image_size, mean/std). Output: logits for ["text", "no-text"] from `classify`.

    PY=bench/svg/work/venv/bin/python     # made by bench/svg/run.py --setup (torch venv + resvg-py, pillow)
    $PY models/svg-text/train.py          # about eight minutes on one core; rewrites model.pt, model.json, parity/
    $PY models/svg-text/train.py --check  # recompute parity/reference.json from the committed files and compare

Seeded: the same inputs and torch version give the same weights.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "models"))
sys.path.insert(0, str(ROOT / "bench" / "svg"))
import make_tiny_models as tiny  # noqa: E402  (the host's preprocessing and the reproducible TorchScript writer)

WORK = ROOT / "bench" / "svg" / "work"
EVAL = WORK / "eval"
FONTS = WORK / "node_modules" / "@fontsource"
SIZE = 64
LABELS = ["text", "no-text"]
MEAN, STD = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]
SEED = 20261125
# A training-family split left out of training: the decision threshold is chosen on it (never on a test split).
VALIDATION = "val-emojione-v1"
REPEAT = 1  # extra copies of the real text icons
LINE_ART = 0.3  # share of synthetic examples drawn as line art
OUTLINE = [0.014, 0.022, 0.033]  # line-art outline widths, shares of the viewBox (0.5, 0.8, 1.2 on Twemoji's 36)
# Twemoji subgroups without text, used as extra negatives (not part of the evaluation set).
EXTRA_NEGATIVE_SUBGROUPS = {
    "face-smiling", "face-affection", "face-tongue", "face-hand", "face-neutral-skeptical", "face-sleepy",
    "face-unwell", "face-hat", "face-glasses", "face-concerned", "face-negative", "face-costume", "cat-face",
    "monkey-face", "heart", "hand-fingers-open", "hand-fingers-partial", "hand-single-finger", "hand-fingers-closed",
    "hands", "body-parts", "person", "person-gesture", "person-role", "person-fantasy", "person-activity",
    "person-sport", "sky-weather", "place-building", "place-geographic",
}
WORDS = ["OK", "NEW", "FREE", "COOL", "SOS", "UP!", "NG", "ID", "TOP", "END", "ON!", "SOON", "BACK", "VS", "ATM",
         "WC", "ABC", "abc", "123", "100", "Zzz", "TM", "CL", "AB", "A", "B", "O", "P", "M", "i", "#", "*", "10",
         "SALE", "HOT", "BIG", "YES", "NO", "STOP", "TAXI", "BAR", "GO", "HI", "LOL", "$", "%", "&", "@", "?!",
         "XL", "VIP", "ZIP", "PDF", "JS", "MAX", "2x", "18", "24", "50%", "Ab", "Qz"]
KANJI = "無有月申空満合禁割営可得指祝秘字一人日本中大水火木金土山川田口目耳手足上下左右円年時分今新古高安多少電車天気雨花"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのアイウエオカキクケコサシスセソタチツテト"


def rng_choice(rng, seq):
    return seq[rng.randrange(len(seq))]


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def render_svg(svg_bytes, size=SIZE):
    """RGBA uint8 [size, size, 4] of an SVG fitted into a square, as the host's `svg.rasterize` does (resvg)."""
    import resvg_py
    from PIL import Image

    png = resvg_py.svg_to_bytes(svg_string=svg_bytes.decode("utf-8", "replace"), width=size, height=size,
                                skip_system_fonts=True)
    image = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    if image.size != (size, size):  # not square: fit, keep the aspect, centre
        canvas = Image.new("RGBA", (size, size))
        image.thumbnail((size, size))
        canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
        image = canvas
    return np.asarray(image, dtype=np.uint8)


def outlined(svg_bytes, width):
    """The icon redrawn as line art: every shape gets a black outline (what line-art sets such as OpenMoji look
    like), so that the classifier learns letters rather than "Twemoji's flat style". `width` is a share of the
    viewBox's longer side (sets draw in 36, 64, 72 or 128 units), so the outline looks the same in every set."""
    text = svg_bytes.decode("utf-8", "replace")
    at = text.find("<svg")
    if at < 0:
        return svg_bytes
    box = re.search(r'viewBox="([^"]+)"', text[at:at + 2000])
    side = 36.0
    if box:
        try:
            side = max(float(v) for v in box.group(1).replace(",", " ").split()[2:4])
        except ValueError:
            pass
    width = round(width * side, 3)
    attrs = f' stroke="#000" stroke-width="{width}" stroke-linejoin="round"'
    return (text[:at + 4] + attrs + text[at + 4:]).encode()


def colouring_page(svg_bytes, width):
    """The icon as a colouring page: every shape filled white and outlined in black (a style sheet overrides the
    fills), the black-line-on-white look of line-art sets, for letters (hollow) and objects alike."""
    text = outlined(svg_bytes, width).decode("utf-8", "replace")
    at = text.find("<svg")
    end = text.find(">", at)
    if at < 0 or end < 0:
        return svg_bytes
    stroke = re.search(r'stroke-width="([^"]+)"', text[at:end]).group(1)
    style = f"<style>*{{fill:#fff !important;stroke:#000;stroke-width:{stroke};stroke-linejoin:round}}</style>"
    return (text[:end + 1] + style + text[end + 1:]).encode()


def line_art_variants(rng, svg):
    """The icon as drawn, outlined in black, and as a colouring page."""
    return (svg, outlined(svg, rng_choice(rng, OUTLINE)), colouring_page(svg, rng_choice(rng, OUTLINE)))


def to_tensor(rgba):
    """The host's preprocessing of an RGBA raster (make_tiny_models.preprocess): float32 [3, S, S]."""
    h, w, _ = rgba.shape
    return tiny.preprocess(rgba.tobytes(), w, h, 4, SIZE, MEAN, STD)


def fonts():
    latin, cjk = [], []
    for pattern in ["noto-serif/files/noto-serif-latin-{w}-normal.woff",
                    "roboto-slab/files/roboto-slab-latin-{w}-normal.woff",
                    "dejavu-sans/files/dejavu-sans-latin-{w}-normal.woff",
                    "noto-sans-jp/files/noto-sans-jp-latin-{w}-normal.woff"]:
        for weight in (400, 700, 900):
            path = FONTS / pattern.format(w=weight)
            if path.exists():
                latin.append(str(path))
    for weight in (400, 700, 900):
        path = FONTS / f"noto-sans-jp/files/noto-sans-jp-japanese-{weight}-normal.woff"
        if path.exists():
            cjk.append(str(path))
    if not latin or not cjk:
        sys.exit(f"fonts missing under {FONTS}: run python3 bench/svg/build_eval.py first")
    return latin, cjk


def random_colour(rng, avoid=None):
    while True:
        c = tuple(rng.randrange(256) for _ in range(3))
        if avoid is None or sum(abs(a - b) for a, b in zip(c, avoid)) > 220:
            return c


def draw_plate(draw, rng, box, colour, line_art=False):
    """An icon-like plate: circle, rounded square, keycap, square or diamond, sometimes outlined (always in
    black for line art)."""
    x0, y0, x1, y1 = box
    kind = rng.randrange(6)
    # Line-art icon sets outline every shape in black; others use a colour or no outline.
    outline = rng_choice(rng, [(0, 0, 0), random_colour(rng)]) if rng.random() < 0.5 else None
    if line_art:
        outline = (0, 0, 0)
    width = rng.randrange(4, 14)
    if kind == 0:
        draw.ellipse(box, fill=colour, outline=outline, width=width)
    elif kind == 1:
        draw.rounded_rectangle(box, radius=rng.randrange(10, 50), fill=colour, outline=outline, width=width)
    elif kind == 2:  # keycap: a lighter inner square
        draw.rounded_rectangle(box, radius=24, fill=colour)
        inset = (x1 - x0) // 9
        lighter = tuple(min(255, v + 60) for v in colour)
        draw.rounded_rectangle((x0 + inset, y0 + inset, x1 - inset, y1 - inset), radius=16, fill=lighter)
    elif kind == 3:
        draw.rectangle(box, fill=colour, outline=outline, width=width)
    elif kind == 4:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=colour)
    # kind 5: no plate


def draw_text(draw, rng, box, text, font_path, colour, hollow=None):
    """`text` in `colour`, fitted into `box`; `hollow` (a fill colour): the glyphs drawn as a black outline
    around that fill, the way line-art icon sets draw letters."""
    from PIL import ImageFont

    x0, y0, x1, y1 = box
    target = (x1 - x0) * rng.uniform(0.45, 0.85)
    size = 120
    font = ImageFont.truetype(font_path, size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    scale = target / max(right - left, bottom - top, 1)
    font = ImageFont.truetype(font_path, max(10, int(size * scale)))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    cx = (x0 + x1) / 2 + rng.uniform(-0.08, 0.08) * (x1 - x0)
    cy = (y0 + y1) / 2 + rng.uniform(-0.08, 0.08) * (y1 - y0)
    stroke = rng.randrange(0, 5) if rng.random() < 0.3 else 0
    if hollow is not None:
        draw.text((cx - (left + right) / 2, cy - (top + bottom) / 2), text, font=font, fill=hollow,
                  stroke_width=rng.randrange(3, 7), stroke_fill=(0, 0, 0))
        return
    draw.text((cx - (left + right) / 2, cy - (top + bottom) / 2), text, font=font, fill=colour,
              stroke_width=stroke, stroke_fill=random_colour(rng))


def draw_shape(draw, rng, box, colour):
    """A non-text mark: a polygon, star, disc, ring, bars or a cross."""
    import math

    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * rng.uniform(0.2, 0.38)
    kind = rng.randrange(6)
    if kind == 0:
        n = rng.randrange(3, 8)
        phase = rng.uniform(0, math.pi)
        draw.polygon([(cx + r * math.cos(phase + 2 * math.pi * i / n), cy + r * math.sin(phase + 2 * math.pi * i / n))
                      for i in range(n)], fill=colour)
    elif kind == 1:
        pts = []
        for i in range(10):
            rr = r if i % 2 == 0 else r * 0.45
            a = -math.pi / 2 + math.pi * i / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        draw.polygon(pts, fill=colour)
    elif kind == 2:
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif kind == 3:
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=max(3, int(r / 4)))
    elif kind == 4:
        for i in range(rng.randrange(2, 5)):
            h = r * rng.uniform(0.5, 1.8)
            bx = cx - r + i * r * 0.6
            draw.rectangle((bx, cy + r - h, bx + r * 0.4, cy + r), fill=colour)
    else:
        w = max(4, int(r / 3))
        draw.line((cx - r, cy - r, cx + r, cy + r), fill=colour, width=w)
        draw.line((cx - r, cy + r, cx + r, cy - r), fill=colour, width=w)


def draw_scribble(draw, rng, box):
    """Line-art detail that is not writing: a few smooth black or dark curves and blobs, as drawn objects have."""
    import math

    x0, y0, x1, y1 = box
    for _ in range(rng.randrange(1, 4)):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        r = (x1 - x0) * rng.uniform(0.1, 0.35)
        start, sweep = rng.uniform(0, 360), rng.uniform(60, 300)
        ink = (0, 0, 0) if rng.random() < 0.6 else random_colour(rng)
        width = rng.randrange(4, 12)
        if rng.random() < 0.5:
            draw.arc((cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), start, start + sweep, fill=ink, width=width)
        else:
            fill = random_colour(rng)
            pts = [(cx + r * rng.uniform(0.5, 1.0) * math.cos(2 * math.pi * i / 7),
                    cy + r * rng.uniform(0.5, 1.0) * math.sin(2 * math.pi * i / 7)) for i in range(7)]
            draw.polygon(pts, fill=fill, outline=ink, width=width)


def synthetic(rng, positive, latin, cjk, icons):
    """One synthetic 64 px RGBA example, drawn at 256 px and reduced with a box filter (like anti-aliasing)."""
    from PIL import Image, ImageDraw

    big = 256
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = rng.randrange(4, 40)
    box = (margin, margin, big - margin, big - margin)
    # Line art: a white or pale plate outlined in black, black thin or hollow glyphs (or black line shapes).
    line_art = rng.random() < LINE_ART
    plate = random_colour(rng)
    if line_art:
        plate = (255, 255, 255) if rng.random() < 0.6 else tuple(rng.randrange(170, 256) for _ in range(3))
    draw_plate(draw, rng, box, plate, line_art)
    roll = rng.random()
    ink = (255, 255, 255) if roll < 0.35 else (0, 0, 0) if roll < 0.55 else random_colour(rng, avoid=plate)
    if line_art:
        ink = (0, 0, 0)
    if rng.random() < 0.25 and icons:
        # A real (text-free) icon, shrunk into one part of the plate; text or a shape goes in the rest.
        icon = Image.fromarray(rng_choice(rng, icons)).resize((big // 2, big // 2), Image.BILINEAR)
        image.alpha_composite(icon, (rng.randrange(0, big // 2), rng.randrange(0, big // 8)))
        box = (margin, big // 2, big - margin, big - margin)
    if positive:
        roll = rng.random()
        if roll < 0.35:
            text, font = rng_choice(rng, WORDS), rng_choice(rng, latin)
        elif roll < 0.55:
            text, font = rng_choice(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijkmnpqrstuvwxyz"), rng_choice(rng, latin)
        elif roll < 0.85:
            text, font = rng_choice(rng, KANJI), rng_choice(rng, cjk)
        else:
            text = "".join(rng_choice(rng, KANJI + KANA) for _ in range(rng.randrange(2, 4)))
            font = rng_choice(rng, cjk)
        if line_art and rng.random() < 0.6:  # thin weights
            font = rng_choice(rng, [f for f in latin + cjk if "-400-" in f and (f in cjk) == (font in cjk)] or [font])
        hollow = plate if line_art and rng.random() < 0.35 else None
        draw_text(draw, rng, box, text, font, ink, hollow)
    elif line_art:
        if rng.random() < 0.6:
            draw_scribble(draw, rng, box)
        for _ in range(rng.randrange(0, 3)):
            draw_shape(draw, rng, box, (0, 0, 0))
    elif rng.random() < 0.4:
        draw_scribble(draw, rng, box)
    else:
        for _ in range(rng.randrange(1, 3)):
            draw_shape(draw, rng, box, random_colour(rng, avoid=plate))
    return np.asarray(image.resize((SIZE, SIZE), Image.BOX), dtype=np.uint8)


# ----------------------------------------------------------------------------------------------------------------
# Data


def eval_rows():
    path = EVAL / "labels.csv"
    if not path.exists():
        sys.exit(f"{path} is missing: run python3 bench/svg/build_eval.py first")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def extra_negatives(sets=None):
    """Icons of text-free subgroups that are not in the evaluation set, from Twemoji and the training sets
    (build_eval.TRAIN_SETS; never a held-out set): (set, hexcode, svg)."""
    import build_eval

    modules = build_eval.MODULES
    data = json.loads((modules / "emojibase-data" / "en" / "data.json").read_text())
    subgroups = json.loads((modules / "emojibase-data" / "meta" / "groups.json").read_text())["subgroups"]
    sources = {"twemoji": build_eval.twemoji_source()}
    for name in build_eval.TRAIN_SETS if sets is None else sets:
        sources[name] = build_eval.iconify_source(name)
    out = []
    for name, get in sources.items():
        for entry in data:
            subgroup = subgroups.get(str(entry.get("subgroup")), "")
            # Not the evaluation set's own emoji (👯 🤼 🏘 🏙 are `several`): those keep their labels.
            if subgroup in EXTRA_NEGATIVE_SUBGROUPS and build_eval.labels_for(entry, subgroup) is None:
                svg = get(entry)
                if svg is not None:
                    out.append((name, entry["hexcode"], svg))
    return out


def is_training(row):
    """The rows a classifier learns from: the tune split (Twemoji) and the train-* splits, except VALIDATION."""
    return (row["split"] == "tune" or row["split"].startswith("train-")) and row["split"] != VALIDATION


def is_text(row):
    return "text" in row["labels"].split(";")


def build_data(rows, n_pos, n_neg):
    rng = random.Random(SEED)
    latin, cjk = fonts()
    real_x, real_y = [], []
    for row in rows:
        if is_training(row):
            svg = (EVAL / row["file"]).read_bytes()
            for variant in line_art_variants(rng, svg):
                real_x.append(render_svg(variant))
                real_y.append(0 if is_text(row) else 1)  # index into LABELS
    extra = []
    held = {r["set"] for r in rows if r["split"] == VALIDATION}
    for _, _, svg in (e for e in extra_negatives() if e[0] not in held):
        extra += [render_svg(v) for v in line_art_variants(rng, svg)]
    text_free = [x for x, y in zip(real_x, real_y) if y == 1] + extra
    synth_x, synth_y = [], []
    for i in range(n_pos + n_neg):
        positive = i < n_pos
        synth_x.append(synthetic(rng, positive, latin, cjk, text_free))
        synth_y.append(0 if positive else 1)
    # Blank and near-blank rasters say "no text": an SVG that draws nothing the host can render (an empty group,
    # only raster images) must not look like writing.
    blank = [np.zeros((SIZE, SIZE, 4), dtype=np.uint8) for _ in range(40)]
    for k in range(40):
        speck = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
        cx, cy, r = rng.randrange(8, 56), rng.randrange(8, 56), rng.randrange(1, 6)
        speck[max(0, cy - r):cy + r, max(0, cx - r):cx + r] = (*random_colour(rng), 255)
        blank.append(speck)
    x = real_x + extra + synth_x + blank
    y = real_y + [1] * len(extra) + synth_y + [1] * len(blank)
    # Real text icons are few: repeat them so that they weigh as much as a few hundred synthetic ones.
    pos_real = [i for i, v in enumerate(real_y) if v == 0]
    x += [real_x[i] for i in pos_real] * REPEAT
    y += [0] * (len(pos_real) * REPEAT)
    print(f"training examples: {len(real_x)} real icons of tune and train-* (not {VALIDATION}), plain, outlined and "
          f"as colouring pages ({len(pos_real)} with text), {len(extra)} extra text-free icons, plain and outlined, "
          f"{n_pos} + {n_neg} synthetic; {len(x)} with repeats")
    return torch.stack([to_tensor(a) for a in x]), torch.tensor(y)


# ----------------------------------------------------------------------------------------------------------------
# Model


class TextNet(nn.Module):
    """Four 3x3 conv layers (three strided) with ReLU, mean- and max-pooled, then a linear layer to the labels."""

    def __init__(self, labels: int):
        super().__init__()
        self.c1 = nn.Conv2d(3, 24, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(24, 48, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(48, 64, 3, stride=2, padding=1)
        self.c4 = nn.Conv2d(64, 64, 3, stride=1, padding=1)
        self.head = nn.Linear(128, labels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.c1(x))
        x = F.relu(self.c2(x))
        x = F.relu(self.c3(x))
        x = F.relu(self.c4(x))
        return self.head(torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1))

    @torch.jit.export
    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """float32 [B, 3, 64, 64], preprocessed -> logits [B, len(labels)]."""
        return self.forward(x)


def augment(x, generator):
    """Random shifts of up to 4 px (the white background is -1 after normalisation, so pad with it)."""
    padded = F.pad(x, (4, 4, 4, 4), value=(1.0 - MEAN[0]) / STD[0])
    dx, dy = torch.randint(0, 9, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + SIZE, dx:dx + SIZE]


def train(x, y, epochs):
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = TextNet(len(LABELS))
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 63) // 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total, correct, loss_sum = 0, 0, 0.0
        model.train()
        for start in range(0, len(x), 64):
            idx = order[start:start + 64]
            xb, yb = augment(x[idx], generator), y[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            total += len(idx)
        print(f"epoch {epoch + 1:2d}: loss {loss_sum / total:.4f}, accuracy {correct / total:.3f}")
    return model.eval()


# ----------------------------------------------------------------------------------------------------------------
# Evaluation, export, parity


def p_text(model, rgba_list):
    with torch.no_grad():
        x = torch.stack([to_tensor(a) for a in rgba_list])
        return torch.softmax(model.classify(x), dim=1)[:, 0].tolist()


def split_probabilities(model, rows):
    """{split: (rows, P(labels[0]) per row)} for every split of the set."""
    out = {}
    for split in sorted({r["split"] for r in rows}):
        part = [r for r in rows if r["split"] == split]
        out[split] = (part, p_text(model, [render_svg((EVAL / r["file"]).read_bytes()) for r in part]))
    return out


def counts(part, probs, positive, threshold):
    tp = sum(1 for r, p in zip(part, probs) if p >= threshold and positive(r))
    fp = sum(1 for r, p in zip(part, probs) if p >= threshold and not positive(r))
    fn = sum(1 for r, p in zip(part, probs) if p < threshold and positive(r))
    return tp, fp, fn


def choose_threshold(part, probs, positive):
    """The threshold with the best F1 on `part` (the validation split), ties to the higher threshold."""
    best = (-1.0, 0.5)
    for k in range(5, 100):
        th = k / 100
        tp, fp, fn = counts(part, probs, positive, th)
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 >= best[0]:
            best = (f1, th)
    return best[1]


def evaluate(probabilities, threshold=0.5, positive=None):
    """Precision and recall of P >= threshold on the label, per split; the worst mistakes."""
    positive = positive or is_text
    report = {}
    for split, (part, probs) in probabilities.items():
        tp, fp, fn = counts(part, probs, positive, threshold)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        worst_fp = sorted(((p, r["file"]) for r, p in zip(part, probs) if not positive(r)), reverse=True)[:5]
        worst_fn = sorted((p, r["file"]) for r, p in zip(part, probs) if positive(r))[:5]
        role = ("validation (threshold chosen here)" if split == VALIDATION else "held out" if split.startswith("test")
                else "trained on")
        report[split] = {"n": len(part), "role": role, "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                         "precision": round(precision, 3), "recall": round(recall, 3),
                         "top_false_positives": [f"{f} ({p:.2f})" for p, f in worst_fp if p >= threshold],
                         "top_false_negatives": [f"{f} ({p:.2f})" for p, f in worst_fn if p < threshold]}
        print(f"{split:<24} n={len(part):4d} pos={tp + fn:3d}  precision {precision:.3f}  recall {recall:.3f}  "
              f"({role})")
    return report


PARITY = [  # Twemoji (CC-BY 4.0) icons of the tune split, rendered at 64 px: two with text, two without.
    ("keycap_1.png", "tune/text/0031-fe0f-20e3_keycap-1.svg"),
    ("free_button.png", "tune/text/1f193_free-button.svg"),
    ("dog_face.png", "tune/clean/1f436_dog-face.svg"),
    ("family.png", "tune/several/1f46a_family.svg"),
]


def write_parity(folder, scripted):
    """Committed PNGs and Python's probabilities for them: tests/all/svg_text_model.rs checks the host agrees."""
    out = folder / "parity"
    out.mkdir(exist_ok=True)
    entries = []
    for name, source in PARITY:
        rgba = render_svg((EVAL / source).read_bytes())
        png = tiny.png_bytes(rgba.tobytes(), SIZE, SIZE, 4)
        (out / name).write_bytes(png)
        # The source SVG too, so that a test can run the svg-no-text rule itself on it (Twemoji, CC-BY 4.0).
        (out / name.replace(".png", ".svg")).write_bytes((EVAL / source).read_bytes())
        entries.append({"file": f"parity/{name}", "source": f"Twemoji 15.0.0, {Path(source).name}"})
    return compute_reference(folder, scripted, entries)


def compute_reference(folder, scripted, entries):
    rows = []
    for entry in entries:
        pixels, w, h, ch = tiny.png_decode((folder / entry["file"]).read_bytes())
        x = tiny.preprocess(pixels, w, h, ch, SIZE, MEAN, STD).unsqueeze(0)
        with torch.no_grad():
            logits = scripted.classify(x)[0]
        probs = torch.softmax(logits, dim=0)
        # The logit gap too: probabilities near 0 or 1 would hide a difference the gap shows.
        rows.append({**entry, "probabilities": {label: float(p) for label, p in zip(LABELS, probs.tolist())},
                     "logit_gap": float(logits[0] - logits[1])})
    return {"labels": LABELS, "tolerance": 1e-4, "gap_tolerance": 1e-3, "images": rows}


def check(folder):
    """Recompute parity/reference.json from the committed PNGs and model.pt."""
    reference = json.loads((folder / "parity" / "reference.json").read_text())
    meta = json.loads((folder / "model.json").read_text())
    for file, want in meta["sha256"].items():
        got = hashlib.sha256((folder / file).read_bytes()).hexdigest()
        assert got == want, f"{file}: sha256 {got}, model.json says {want}"
    scripted = torch.jit.load(str(folder / "model.pt"))
    again = compute_reference(folder, scripted, [{k: v for k, v in e.items() if k != "probabilities"}
                                                 for e in reference["images"]])
    worst = max(abs(a["probabilities"][k] - b["probabilities"][k])
                for a, b in zip(again["images"], reference["images"]) for k in LABELS)
    gap = max(abs(a["logit_gap"] - b["logit_gap"]) for a, b in zip(again["images"], reference["images"]))
    print(f"parity/reference.json: max difference {worst:.2e} (tolerance {reference['tolerance']}), "
          f"logit gap {gap:.2e} (tolerance {reference['gap_tolerance']})")
    return 0 if worst <= reference["tolerance"] and gap <= reference["gap_tolerance"] else 1


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":  # TorchScript writes constants in set order
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--synthetic", type=int, default=1000, help="synthetic examples of each class")
    ap.add_argument("--check", action="store_true", help="only recompute parity/reference.json and compare")
    args = ap.parse_args()
    folder = Path(args.out)
    if args.check:
        return check(folder)
    torch.set_num_threads(1)  # per-item CPU work beside other jobs; also keeps the sums' order fixed
    random.seed(SEED)
    np.random.seed(SEED)
    rows = eval_rows()
    x, y = build_data(rows, args.synthetic, args.synthetic)
    model = train(x, y, args.epochs)
    probabilities = split_probabilities(model, rows)
    print("at 0.5:")
    report = evaluate(probabilities)
    threshold = choose_threshold(*probabilities[VALIDATION], is_text)
    print(f"at {threshold} (best F1 on {VALIDATION}):")
    chosen = evaluate(probabilities, threshold)
    folder.mkdir(parents=True, exist_ok=True)
    scripted = torch.jit.script(model)
    tiny.save_torchscript_reproducibly(scripted, folder / "model.pt")
    meta = {
        "name": "svg-text", "task": "classifier", "format": 1, "image_size": SIZE, "mean": MEAN, "std": STD,
        "labels": LABELS, "weights": "model.pt",
        "sha256": {"model.pt": hashlib.sha256((folder / "model.pt").read_bytes()).hexdigest()},
        "source": "models/svg-text/train.py: small CNN trained on emoji of Twemoji 15.0.0 (tune split of "
                  "bench/svg/build_eval.py), Noto Emoji (current and v1), EmojiOne (colour and monotone), Firefox OS "
                  "emoji and Streamline emoji (train-* splits; Iconify packages), as drawn, outlined and as "
                  "colouring pages, and glyphs from Noto Sans JP, Noto Serif, Roboto Slab and DejaVu Sans",
        "licence": "CC-BY-4.0 (trained on Twemoji, EmojiOne and Streamline graphics, CC-BY 4.0, and Noto Emoji and "
                   "Firefox OS emoji, Apache-2.0; fonts under the SIL Open Font License)",
    }
    tiny.write_json(folder / "model.json", meta)
    reloaded = torch.jit.load(str(folder / "model.pt"))
    tiny.write_json(folder / "parity" / "reference.json", write_parity(folder, reloaded))
    tiny.write_json(folder / "metrics.json", {"threshold": 0.5, "splits": report, "chosen_threshold": threshold,
                                              "chosen_on": VALIDATION, "at_chosen_threshold": chosen})
    print(f"wrote {folder}/model.pt ({(folder / 'model.pt').stat().st_size // 1024} KiB), model.json, parity/, "
          f"metrics.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
