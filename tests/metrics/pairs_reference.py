#!/usr/bin/env python3
"""Reference values for the pairwise image measures in host/src/metrics/pairs.rs.

    python3 tests/metrics/pairs_reference.py      # rewrites tests/metrics/pairs_reference.json

The JSON holds no pixels: each image is a recipe (a base of flat colour, integer-hash noise or a clamped
gradient, filled rectangles, then a seeded integer perturbation) that `render` below and the Rust test's
`render` turn into the very same 8-bit values. The expected numbers come from the tools users run:
- MSE / PSNR: `skimage.metrics.mean_squared_error` / `peak_signal_noise_ratio` on float64 arrays;
- SSIM: `skimage.metrics.structural_similarity` with the three settings the Rust options name
  (Gaussian σ=1.5 population covariance — the Wang et al. window —, skimage's default uniform 7×7 with sample
  covariance, and StarVector's `compute_SSIM.py` call, which passes uint8 arrays, `win_size=11`, `sigma=1.5`
  and no `gaussian_weights`, so a uniform 11×11 window);
- StarVector's masked L2: `starvector/metrics/compute_l2.py` `L2DistanceCalculator(masked_l2=True).l2_distance`
  transcribed line for line on torch tensors (torchvision's `ToTensor` on a uint8 HWC array is
  `permute(2, 0, 1).float().div(255)`), so torchvision is not needed;
- white compositing: PIL's `paste(img, mask=alpha)` onto a white RGB image, StarVector's `_rgba_to_rgb_white`.
Cases skimage refuses (an image smaller than the window) are stored with skimage's error message.

Environment: the shared metrics venv (~/.cache/aigc-host/metrics-ref-venv, pins numpy 2.2, scipy 1.15,
scikit-image 0.25; Pillow comes with scikit-image) made here if missing, under a file lock because the other
metric reference scripts share it; torch from the torch venv (`make torch`) through a .pth file, as
bench/models/run.py does.
"""

import base64
import json
from pathlib import Path

import ref_venv

HERE = Path(__file__).resolve().parent
OUT = HERE / "pairs_reference.json"
MINE = {"pillow": "11.3.0"}


# ------------------------------------------------------------------------------------------- the recipes


def hash32(seed: int, x: int, y: int, c: int) -> int:
    """The integer hash the Rust test repeats (u32 wrapping arithmetic)."""
    m = 0xFFFFFFFF
    v = ((x * 0x9E3779B1) ^ (y * 0x85EBCA77) ^ (c * 0xC2B2AE3D) ^ seed) & m
    v ^= v >> 15
    v = (v * 0x2C1B3C6D) & m
    v ^= v >> 12
    v = (v * 0x297A2D39) & m
    v ^= v >> 15
    return v


def render(spec: dict, width: int, height: int, channels: int):
    """uint8 H×W×C array from a recipe; every step is integer arithmetic, so Rust makes the same bytes."""
    import numpy as np
    img = np.zeros((height, width, channels), dtype=np.int64)
    base = spec["base"]
    for y in range(height):
        for x in range(width):
            for c in range(channels):
                if "flat" in base:
                    v = base["flat"][c]
                elif "noise" in base:
                    v = hash32(base["noise"], x, y, c) >> 24
                else:
                    gx, gy, gc = base["gradient"]
                    v = min(255, gx * x + gy * y + gc * c)
                img[y, x, c] = v
    for x0, y0, x1, y1, colour in spec.get("rects", []):
        img[y0:y1, x0:x1, :] = np.array(colour[:channels])
    if "perturb" in spec:
        seed, amp = spec["perturb"]["seed"], spec["perturb"]["amp"]
        for y in range(height):
            for x in range(width):
                for c in range(channels):
                    img[y, x, c] += (hash32(seed, x, y, c) % (2 * amp + 1)) - amp
        img = np.clip(img, 0, 255)
    return img.astype(np.uint8)


WHITE = {"flat": [255, 255, 255]}
LOGO = [[4, 5, 30, 20, [200, 30, 40]], [20, 14, 52, 40, [20, 90, 200]], [8, 30, 16, 44, [0, 0, 0]]]
LOGO_MOVED = [[6, 5, 32, 21, [190, 40, 40]], [20, 16, 50, 40, [20, 90, 210]], [40, 2, 60, 9, [250, 200, 0]]]

# Each case: a and b (recipes), size, channels, the data range the arrays are given in ("unit": values/255 with
# data_range 1, "byte": float values 0..255 with data_range 255, "uint8": uint8 arrays, range from the dtype).
CASES = [
    {"name": "logo rgb unit", "width": 64, "height": 48, "channels": 3, "range": "unit",
     "a": {"base": WHITE, "rects": LOGO}, "b": {"base": WHITE, "rects": LOGO_MOVED, "perturb": {"seed": 3, "amp": 6}}},
    {"name": "noise gray byte odd size", "width": 37, "height": 23, "channels": 1, "range": "byte",
     "a": {"base": {"noise": 11}, "rects": [[3, 4, 20, 15, [180]]]},
     "b": {"base": {"noise": 11}, "rects": [[5, 4, 22, 17, [160]]], "perturb": {"seed": 12, "amp": 40}}},
    {"name": "gradient rgb byte", "width": 41, "height": 50, "channels": 3, "range": "byte",
     "a": {"base": {"gradient": [5, 3, 40]}}, "b": {"base": {"gradient": [5, 3, 40]}, "perturb": {"seed": 5, "amp": 20}}},
    {"name": "starvector uint8 rgb", "width": 50, "height": 41, "channels": 3, "range": "uint8",
     "a": {"base": WHITE, "rects": LOGO}, "b": {"base": {"noise": 9}, "rects": LOGO_MOVED}},
    {"name": "mostly white svg raster", "width": 96, "height": 96, "channels": 3, "range": "unit",
     "a": {"base": WHITE, "rects": [[40, 40, 50, 47, [0, 0, 0]]]},
     "b": {"base": WHITE, "rects": [[41, 40, 51, 48, [10, 10, 10]]]}},
    {"name": "exactly one window", "width": 11, "height": 11, "channels": 3, "range": "unit",
     "a": {"base": {"noise": 21}}, "b": {"base": {"noise": 21}, "perturb": {"seed": 22, "amp": 30}}},
    {"name": "seven wide", "width": 7, "height": 40, "channels": 3, "range": "unit",
     "a": {"base": {"gradient": [30, 4, 1]}}, "b": {"base": {"gradient": [30, 4, 1]}, "perturb": {"seed": 8, "amp": 9}}},
    {"name": "identical", "width": 33, "height": 33, "channels": 3, "range": "unit",
     "a": {"base": {"noise": 4}, "rects": LOGO}, "b": {"base": {"noise": 4}, "rects": LOGO}},
]

SSIM_SETTINGS = {
    "gaussian": dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False),
    "uniform7": dict(),  # skimage's defaults: uniform 7×7, sample covariance
    "starvector": dict(win_size=11, sigma=1.5),  # compute_SSIM.py: no gaussian_weights, so sigma is unused
}


def arrays(case: dict, img):
    import numpy as np
    if case["range"] == "unit":
        return img.astype(np.float64) / 255.0, 1.0
    if case["range"] == "byte":
        return img.astype(np.float64), 255.0
    return img, None  # uint8: skimage takes the range from the dtype


def ssim_entry(a, b, data_range, setting: dict):
    from skimage.metrics import structural_similarity
    channels = a.shape[2]
    try:
        per_channel = [float(structural_similarity(a[..., c], b[..., c], data_range=data_range, **setting))
                       for c in range(channels)]
        whole = float(structural_similarity(a, b, data_range=data_range, channel_axis=-1, **setting))
        return {"mean": whole, "per_channel": per_channel}
    except ValueError as error:
        return {"error": str(error)}


def starvector_masked_l2(a_u8, b_u8) -> float:
    """compute_l2.py's l2_distance with masked_l2=True, on what ToTensor makes of a uint8 HWC array."""
    import torch
    import torch.nn.functional as F
    image1_tensor = torch.from_numpy(a_u8).permute(2, 0, 1).float().div(255)
    image2_tensor = torch.from_numpy(b_u8).permute(2, 0, 1).float().div(255)
    mask1 = (image1_tensor != 1).any(dim=0).float()
    mask2 = (image2_tensor != 1).any(dim=0).float()
    combined_mask = mask1 * mask2
    image1_tensor = image1_tensor * combined_mask.unsqueeze(0)
    image2_tensor = image2_tensor * combined_mask.unsqueeze(0)
    return F.mse_loss(image1_tensor, image2_tensor).item()


def starvector_l2(a_u8, b_u8) -> float:
    import torch
    import torch.nn.functional as F
    return F.mse_loss(torch.from_numpy(a_u8).permute(2, 0, 1).float().div(255),
                      torch.from_numpy(b_u8).permute(2, 0, 1).float().div(255)).item()


def psnr_entry(a, b, data_range):
    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio
    with np.errstate(divide="ignore"):
        value = float(peak_signal_noise_ratio(a, b, data_range=data_range if data_range is not None else 255))
    return value if np.isfinite(value) else "inf"  # JSON has no infinity


def checksum(img) -> int:
    """Σ v·(i mod 251 + 1) over the HWC bytes in order, i the flat index."""
    import numpy as np
    flat = img.reshape(-1).astype(np.int64)
    return int((flat * (np.arange(flat.size) % 251 + 1)).sum())


def white_compositing_case() -> dict:
    """An RGBA image with every kind of alpha, and what StarVector's `_rgba_to_rgb_white` (PIL paste) makes of it."""
    import numpy as np
    from PIL import Image
    width, height = 16, 9
    rgba = np.array([[[hash32(31, x, y, c) >> 24 for c in range(4)] for x in range(width)] for y in range(height)],
                    dtype=np.uint8)
    rgba[0, :, 3] = 0
    rgba[1, :, 3] = 255
    image = Image.fromarray(rgba)  # an H×W×4 uint8 array is RGBA
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.split()[3])
    return {"width": width, "height": height, "seed": 31, "opaque_row": 1, "clear_row": 0,
            "rgb_base64": base64.b64encode(np.asarray(background).tobytes()).decode()}


def main() -> None:
    import numpy as np
    import PIL
    import scipy
    import skimage
    import torch
    from skimage.metrics import mean_squared_error

    cases = []
    for case in CASES:
        w, h, ch = case["width"], case["height"], case["channels"]
        a_u8, b_u8 = render(case["a"], w, h, ch), render(case["b"], w, h, ch)
        a, data_range = arrays(case, a_u8)
        b, _ = arrays(case, b_u8)
        entry = dict(case)
        entry["data_range"] = data_range if data_range is not None else 255.0
        entry["mse"] = float(mean_squared_error(a, b))
        entry["psnr"] = psnr_entry(a, b, data_range)
        entry["ssim"] = {name: ssim_entry(a, b, data_range, setting) for name, setting in SSIM_SETTINGS.items()}
        if ch == 3:
            entry["starvector_l2"] = starvector_l2(a_u8, b_u8)
            entry["starvector_masked_l2"] = starvector_masked_l2(a_u8, b_u8)
        # Checksums of the rendered bytes, so a recipe drift in Rust shows as such and not as a metric mismatch.
        entry["a_checksum"], entry["b_checksum"] = checksum(a_u8), checksum(b_u8)
        cases.append(entry)

    document = {
        "generated_by": "tests/metrics/pairs_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-image": skimage.__version__,
                     "pillow": PIL.__version__, "torch": torch.__version__},
        "ssim_settings": {name: {k: v for k, v in s.items()} for name, s in SSIM_SETTINGS.items()},
        "cases": cases,
        "white_compositing": white_compositing_case(),
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    ref_venv.run_inside(__file__, extra=MINE)
    main()
