"""Writes a deterministic corpus of generated images for bench/image/run.py: mostly "photo-like" scenes (smooth
gradient, random shapes, sensor-like noise), JPEG or PNG at common sizes, plus the cases the rules look for:
blurred, dark, bright, flat, tiny and panorama images, and near-duplicates (an earlier image resized to half and
re-encoded as JPEG). No exact byte copies: `dataset import` stores identical files once.

    bench/image/work/venv/bin/python bench/image/gen_corpus.py OUT_DIR COUNT
"""

import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZES = [(640, 480), (800, 600), (1024, 768), (512, 512), (480, 640), (1280, 720)]


def scene(rng, size):
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([rng.uniform(40, 200) + rng.uniform(-60, 60) * (x / w) + rng.uniform(-60, 60) * (y / h)
                     for _ in range(3)], axis=-1)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(4, 14)):
        x0, y0 = rng.uniform(-0.2, 1.0) * w, rng.uniform(-0.2, 1.0) * h
        x1, y1 = x0 + rng.uniform(0.05, 0.5) * w, y0 + rng.uniform(0.05, 0.5) * h
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
    noise = np.random.default_rng(rng.randint(0, 2**32 - 1)).normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


def main():
    out, count = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261125)
    written = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.10 and written:
            source = Image.open(rng.choice(written)).convert("RGB")
            image, kind = source.resize((source.width // 2, source.height // 2), Image.LANCZOS), "near-dup"
        else:
            image = scene(rng, rng.choice(SIZES))
            kind = "scene"
            if roll < 0.18:
                image, kind = image.filter(ImageFilter.GaussianBlur(6)), "blurred"
            elif roll < 0.23:
                image, kind = image.point(lambda v: v // 5), "dark"
            elif roll < 0.26:
                image, kind = image.point(lambda v: 235 + v // 13), "bright"
            elif roll < 0.28:
                image, kind = Image.new("RGB", image.size, tuple(rng.randint(0, 255) for _ in range(3))), "flat"
            elif roll < 0.31:
                image, kind = image.resize((120, 90)), "tiny"
            elif roll < 0.33:
                image, kind = scene(rng, (1500, 400)), "panorama"
        jpeg = kind == "near-dup" or rng.random() < 0.7
        path = out / f"{i:05d}-{kind}.{'jpg' if jpeg else 'png'}"
        image.save(path, quality=75 if kind == "near-dup" else 90) if jpeg else image.save(path)
        if kind == "scene":
            written.append(path)
    print(f"wrote {count} images to {out}")


if __name__ == "__main__":
    main()
