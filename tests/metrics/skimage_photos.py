#!/usr/bin/env python3
"""Real photos for the image-similarity parity test: writes scikit-image's sample photos (astronaut, coffee,
chelsea, rocket, cropped to 256×256) as reference PNGs and degraded copies (Gaussian blur σ 1.5, seeded noise,
a brightness shift) as generated PNGs with the same names, then prints scikit-image's own scores of each pair as
JSON, read back from the PNG files:

    python tests/metrics/skimage_photos.py OUT_DIR      # OUT_DIR/generated, OUT_DIR/reference; JSON on stdout

SSIM is `structural_similarity(a, b, data_range=255, channel_axis=-1, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False)` (Wang et al.'s window, what the plugin's default reports) and, for the uniform
window, skimage's defaults (`data_range=255, channel_axis=-1`); PSNR `peak_signal_noise_ratio(a, b,
data_range=255)`; MSE on [0, 1] values. Runs in `make metrics-venv` (scikit-image 0.25).
"""

import json
import os
import sys

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import data
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity


def main():
    out = sys.argv[1]
    generated, reference = os.path.join(out, "generated"), os.path.join(out, "reference")
    os.makedirs(generated, exist_ok=True)
    os.makedirs(reference, exist_ok=True)
    rng = np.random.default_rng(7)
    photos = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(), "rocket": data.rocket()}
    degrade = {
        "astronaut": lambda x: ndimage.gaussian_filter(x, sigma=(1.5, 1.5, 0)),
        "coffee": lambda x: x + rng.normal(0, 12, x.shape),
        "chelsea": lambda x: x + 25,
        "rocket": lambda x: ndimage.gaussian_filter(x, sigma=(0.8, 0.8, 0)) + rng.normal(0, 6, x.shape),
    }
    scores = {}
    for name, photo in photos.items():
        crop = photo[:256, :256].astype(np.float64)
        made = np.clip(np.rint(degrade[name](crop)), 0, 255).astype(np.uint8)
        Image.fromarray(crop.astype(np.uint8)).save(os.path.join(reference, f"{name}.png"))
        Image.fromarray(made).save(os.path.join(generated, f"{name}.png"))
        a = np.asarray(Image.open(os.path.join(generated, f"{name}.png")).convert("RGB"))
        b = np.asarray(Image.open(os.path.join(reference, f"{name}.png")).convert("RGB"))
        scores[f"{name}.png"] = {
            "ssim": structural_similarity(a, b, data_range=255, channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False),
            "ssim_uniform": structural_similarity(a, b, data_range=255, channel_axis=-1),
            "psnr": peak_signal_noise_ratio(b, a, data_range=255),
            "mse": mean_squared_error(a / 255.0, b / 255.0),
        }
    json.dump(scores, sys.stdout)


if __name__ == "__main__":
    main()
