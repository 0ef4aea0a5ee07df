#!/usr/bin/env python3
"""Writes the model benchmark's inputs (bench/models/README.md); nothing here is committed.

    PY=~/.cache/aigc-host/torch-2.13.0/bin/python
    $PY bench/models/make_bench_data.py --out /tmp/x [--images 512] [--depth 6]

- <out>/bench-clip/: a CLIP-shaped model folder in the registry format (models/README.md, format 1): model.json,
  model.pt (TorchScript, `encode_image` and `encode_text`) and tokenizer.json (a copy of tiny-clip's).
  The image tower is ViT-Ti/16-like, at 224 px: a 16-px patch embedding (196 patches + a class token, width 192),
  `--depth` pre-norm transformer blocks (3 heads, MLP 768) and a projection to D = 256. Random weights, seed 4321:
  it is there to cost what a real image tower costs per image (about 0.21 GFLOP per block and image),
  not to mean anything. The text tower is tiny-clip's kind (mean of token embeddings, then a linear layer).
- <out>/bench-clip-traced/, <out>/bench-clip-null/: diagnostic variants (see VARIANTS): the same model printing
  each call's batch size to stdout, and one whose `encode_image` skips the tower.
- <out>/images/: `--images` deterministic 256x256 8-bit RGB PNGs (zlib + struct only), varied content (gradients,
  discs, stripes, noise), every row with PNG filter 1 (Sub) so that a decoder has real unfiltering to do.

Same arguments, same bytes: PYTHONHASHSEED is pinned and the TorchScript archive is rewritten as
models/make_tiny_models.py does.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import struct
import sys
import zlib
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
from make_tiny_models import save_torchscript_reproducibly  # noqa: E402

IMAGE_SIZE = 224
PATCH = 16
WIDTH = 192
HEADS = 3
MLP = 768
EMBED_DIM = 256
CONTEXT_LENGTH = 16
VOCAB = 64  # tiny-clip's tokenizer
PAD_ID = 0
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
IMG_SIDE = 256
# Model folders written: bench-clip, and two diagnostic variants with the same weights.
VARIANTS = {
    "": "",
    "traced": "; prints `bench-batch <rows>` to stdout on every encode_image call (batch sizes)",
    "null": "; encode_image skips the tower (mean colour, linear): what everything but the model costs",
}


class Block(nn.Module):
    def __init__(self, width: int, heads: int, mlp: int):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        qkv = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        x = x + self.out(a.transpose(1, 2).reshape(b, n, c))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class BenchClip(nn.Module):
    trace_batches: torch.jit.Final[bool]
    null_tower: torch.jit.Final[bool]

    def __init__(self, depth: int, trace_batches: bool = False, null_tower: bool = False):
        super().__init__()
        self.pad_id = PAD_ID
        self.trace_batches = trace_batches
        self.null_tower = null_tower
        grid = IMAGE_SIZE // PATCH
        self.patch = nn.Conv2d(3, WIDTH, PATCH, stride=PATCH)
        self.cls = nn.Parameter(torch.randn(1, 1, WIDTH) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, grid * grid + 1, WIDTH) * 0.02)
        self.blocks = nn.ModuleList([Block(WIDTH, HEADS, MLP) for _ in range(depth)])
        self.ln = nn.LayerNorm(WIDTH)
        self.image_proj = nn.Linear(WIDTH, EMBED_DIM, bias=False)
        self.null_proj = nn.Linear(3, EMBED_DIM)
        self.token_embedding = nn.Embedding(VOCAB, EMBED_DIM)
        self.text_proj = nn.Linear(EMBED_DIM, EMBED_DIM)

    @torch.jit.export
    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        if self.trace_batches:
            print("bench-batch", images.size(0))
        if self.null_tower:
            return self.null_proj(images.mean(dim=(2, 3)))
        x = self.patch(images).flatten(2).transpose(1, 2)  # [B, 196, W]
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.image_proj(self.ln(x[:, 0]))

    @torch.jit.export
    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != self.pad_id).to(torch.float32).unsqueeze(-1)
        summed = (self.token_embedding(tokens) * mask).sum(dim=1)
        return self.text_proj(summed / mask.sum(dim=1).clamp(min=1.0))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode_image(images)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_model(folder: Path, depth: int, variant: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(4321)
    module = BenchClip(depth, trace_batches=variant == "traced", null_tower=variant == "null").eval()
    with torch.no_grad():
        scripted = torch.jit.script(module)
        save_torchscript_reproducibly(scripted, folder / "model.pt")
        loaded = torch.jit.load(str(folder / "model.pt"))
        x = torch.randn(2, 3, IMAGE_SIZE, IMAGE_SIZE)
        assert torch.allclose(loaded.encode_image(x), module.encode_image(x), atol=1e-4)
        assert loaded.encode_image(x).shape == (2, EMBED_DIM)
    shutil.copyfile(ROOT / "models" / "tiny" / "tiny-clip" / "tokenizer.json", folder / "tokenizer.json")
    meta = {
        "name": folder.name,
        "task": "clip",
        "format": 1,
        "image_size": IMAGE_SIZE,
        "mean": CLIP_MEAN,
        "std": CLIP_STD,
        "pad_id": PAD_ID,
        "licence": "MIT OR Apache-2.0 (random weights generated by bench/models/make_bench_data.py)",
        "embed_dim": EMBED_DIM,
        "logit_scale": 100.0,
        "context_length": CONTEXT_LENGTH,
        "source": f"bench/models/make_bench_data.py: ViT-Ti/16-like image tower, depth {depth}, random weights "
                  f"(seed 4321); a benchmark model, not for quality{VARIANTS[variant]}",
        "tokenizer": "tokenizer.json",
        "weights": "model.pt",
        "sha256": {"model.pt": sha256(folder / "model.pt"), "tokenizer.json": sha256(folder / "tokenizer.json")},
    }
    with open(folder / "model.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def png_bytes(rgb: bytes, width: int, height: int) -> bytes:
    """8-bit RGB PNG, filter 1 (Sub) on every row, zlib level 6."""
    rows = torch.frombuffer(bytearray(rgb), dtype=torch.uint8).view(height, width * 3)
    sub = rows.clone()
    sub[:, 3:] = rows[:, 3:] - rows[:, :-3]  # uint8 arithmetic wraps modulo 256, as the filter wants
    raw = torch.cat([torch.ones(height, 1, dtype=torch.uint8), sub], dim=1).numpy().tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def image_pixels(index: int) -> bytes:
    """A deterministic 256x256 RGB picture: a gradient background, a few discs and stripes, some noise."""
    rng = random.Random(index)
    s = IMG_SIDE
    g = torch.Generator().manual_seed(index)
    yy, xx = torch.meshgrid(torch.arange(s, dtype=torch.float32), torch.arange(s, dtype=torch.float32),
                            indexing="ij")
    c0 = torch.tensor([rng.randrange(256) for _ in range(3)], dtype=torch.float32)
    c1 = torch.tensor([rng.randrange(256) for _ in range(3)], dtype=torch.float32)
    angle = torch.tensor(rng.random() * 6.283)
    t = ((xx * torch.cos(angle) + yy * torch.sin(angle)) / (s * 1.42) + 0.5).clamp(0, 1)
    img = c0.view(3, 1, 1) * (1 - t) + c1.view(3, 1, 1) * t
    for _ in range(rng.randrange(1, 5)):
        cx, cy, r = rng.randrange(s), rng.randrange(s), rng.randrange(10, 80)
        colour = torch.tensor([rng.randrange(256) for _ in range(3)], dtype=torch.float32).view(3, 1, 1)
        inside = ((xx - cx) ** 2 + (yy - cy) ** 2) <= r * r
        img = torch.where(inside, colour, img)
    if rng.random() < 0.5:
        period = rng.randrange(4, 24)
        stripes = ((xx + yy * rng.choice([0, 1])) // period) % 2 == 0
        img = torch.where(stripes, img * 0.7, img)
    img = img + torch.randn(3, s, s, generator=g) * rng.choice([2.0, 6.0, 12.0])
    return img.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy().tobytes()


def write_images(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"img{i:05d}.png").write_bytes(png_bytes(image_pixels(i), IMG_SIDE, IMG_SIDE))


def main() -> None:
    # TorchScript writes module constants in set order, which follows Python's string hashing: pin it.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--images", type=int, default=512)
    ap.add_argument("--depth", type=int, default=6, help="transformer blocks in the image tower")
    args = ap.parse_args()
    for variant in VARIANTS:
        write_model(args.out / ("bench-clip" + (f"-{variant}" if variant else "")), args.depth, variant)
    write_images(args.out / "images", args.images)
    print(f"wrote {args.out / 'bench-clip'} and {args.images} images under {args.out / 'images'}")


if __name__ == "__main__":
    main()
