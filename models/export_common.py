"""What the export scripts in models/ share: file hashes for model.json, ImageNet's normalisation, and reading
image folders the way the host decodes images (for the reference modes that the test suite compares against).
Each script is run by path (`python models/export_x.py`), so this file is importable beside it."""

import hashlib
import os
import sys

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_image(path, size=None):
    """[1, 3, H, W] float32 in [0, 1], decoded as the host decodes (models/README.md, "Preprocessing" steps 1-4);
    with `size`, first resized to size x size with PIL's BILINEAR, which like the host's triangle filter averages
    over the shrunk area (close to the host's values, not bit for bit)."""
    import numpy as np
    import torch
    from PIL import Image

    with Image.open(path) as image:
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if alpha else "RGB")
        if size:
            image = image.resize((size, size), Image.BILINEAR)
        pixels = np.array(image)
    x = torch.from_numpy(pixels).to(torch.float32) / 255.0
    if alpha:
        rgb, a = x[:, :, :3], x[:, :, 3:]
        x = rgb * a + (1.0 - a)
    return x.permute(2, 0, 1).unsqueeze(0).contiguous()


def common_names(generated, reference):
    """The image file names in both folders, sorted: the pairs a reference mode compares. Exits when none."""

    def names(folder):
        return {n for n in os.listdir(folder) if n.lower().endswith(IMAGE_SUFFIXES)}

    common = sorted(names(generated) & names(reference))
    if not common:
        sys.exit(f"no file name is in both {generated} and {reference}")
    return common
