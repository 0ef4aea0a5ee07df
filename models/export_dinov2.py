#!/usr/bin/env python3
"""Export DINOv2 image features to the aigc-host model format (models/README.md, task "features").

    python models/export_dinov2.py --out DIR                         # DIR/dinov2-base: the hub's facebook/dinov2-base
    python models/export_dinov2.py --out DIR --weights-dir SNAPSHOT  # the same, from a local Hugging Face snapshot
    python models/export_dinov2.py --out DIR --random-weights 0      # offline self-test: base size, random weights
    python models/export_dinov2.py --out DIR --tiny                  # DIR/dinov2-tiny: small, random, for the tests
    aigc-host models add DIR/dinov2-base --name dino                 # what plugins/image-similarity.wasm asks for

DinoScore (StarVector, starvector/metrics/compute_dino_score.py) is the cosine similarity of two images' DINOv2
features, mapped to [0, 1] as (cos + 1) / 2, where the feature is transformers' Dinov2Model(...)(pixel_values=x)
.last_hidden_state.mean(dim=1): the mean over the CLS token and the 256 patch tokens of a 224 x 224 image. model.pt
exports `encode_image`: float32 [B, 3, 224, 224] ImageNet-normalised to that float32 [B, 768] feature, not
normalised (the host takes the cosine). It is traced; the script asserts that a batch size other than the traced one
gives transformers' own features. About 350 MB (base, float32).

The checkpoint's config has image_size 518, so its position embeddings cover 37 x 37 patches and transformers
interpolates them (bicubic) to the 16 x 16 patches of a 224 input; the trace keeps that interpolation. The random and
tiny models use image_size 518 too, so that they take the same path. --tiny is hidden size 64, 2 layers, 4 heads,
MLP 128, patch 14 (under 1 MB), with --random-weights's seed (default 0).

Weights: Dinov2Model.from_pretrained("facebook/dinov2-base") (needs internet once; Apache-2.0) or --weights-dir, a
local snapshot of it. --random-weights SEED and --tiny build Dinov2Model(config) after torch.manual_seed(SEED): the
same weights in an export and in a reference run with the same options.

Reference, what the test suite compares aigc-host against (transformers' model, not traced, on the same folders and
weights):

    python models/export_dinov2.py --dino-score GENERATED_DIR REFERENCE_DIR [--tiny] [--random-weights SEED]
                                   [--weights-dir SNAPSHOT] [--check MODEL_DIR]

prints {"names": [...], "dino_score": [...], "mean": m}: (cos + 1) / 2 per pair of files with the same name in both
folders (png, jpg, jpeg, webp; sorted by name), with torch.nn.functional.cosine_similarity of the two features.
Images are prepared as the host prepares them: read with PIL, decoded as the host decodes (8-bit RGB, transparency
composited over white in float32: rgb * a + (1 - a)), [1, 3, H, W] in [0, 1], resized to 224 x 224 (bilinear,
align_corners False, no antialias), normalised with ImageNet's mean and std. --check MODEL_DIR also runs
MODEL_DIR/model.pt (torch.jit.load, sha256 from its model.json) on the same images, resized and normalised as its
model.json says, and fails unless features and scores agree within 1e-5.

This is not StarVector's preprocessing: its AutoImageProcessor (facebook/dinov2-base's BitImageProcessor) resizes the
shortest edge to 256 with bicubic and centre-crops 224, so it keeps the aspect ratio and drops the borders, where the
host squashes the whole image to 224 with bilinear. How much that moves DinoScore is unknown (not measured: no real
weights here).

Python packages: torch (same major.minor as the host's libtorch, 2.13), transformers 5.24.0, numpy, pillow
(`make metrics-venv` makes such a venv over the host's torch).
"""

import argparse
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from export_common import IMAGENET_MEAN, IMAGENET_STD, common_names, load_image, sha256

SIZE = 224
# facebook/dinov2-base's config.json: 518 px, patch 14; everything else is Dinov2Config's default (the base size).
CHECKPOINT = {"image_size": 518, "patch_size": 14}
TINY = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "mlp_ratio": 2}
TOLERANCE = 1e-5


def dinov2(weights_dir, random_seed, tiny):
    """transformers' Dinov2Model in eval mode: pretrained (hub or snapshot), or random (seeded) at base or tiny size."""
    from transformers import Dinov2Config, Dinov2Model

    if random_seed is None and not tiny:
        return Dinov2Model.from_pretrained(weights_dir or "facebook/dinov2-base", dtype=torch.float32).eval()
    torch.manual_seed(0 if random_seed is None else random_seed)
    return Dinov2Model(Dinov2Config(**CHECKPOINT, **(TINY if tiny else {}))).eval()


class MeanTokens(nn.Module):
    """`encode_image`: ImageNet-normalised [B, 3, 224, 224] to the mean of DINOv2's output tokens [B, hidden]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def encode_image(self, x):
        return self.model(pixel_values=x).last_hidden_state.mean(dim=1)


def export(out, weights_dir, random_seed, tiny):
    import transformers

    model = dinov2(weights_dir, random_seed, tiny)
    module = MeanTokens(model).eval()
    with warnings.catch_warnings():
        # transformers turns two shapes into Python booleans while tracing (the channel count check, and SDPA's
        # is_causal, False for DINOv2 whatever the length): constant for every input the host passes.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        traced = torch.jit.trace_module(module, {"encode_image": torch.randn(2, 3, SIZE, SIZE)})
    # A batch size other than the traced one gives transformers' own features: the trace holds no batch size.
    probe = torch.randn(3, 3, SIZE, SIZE)
    eager, exported = module.encode_image(probe), traced.encode_image(probe)
    hidden = model.config.hidden_size
    assert exported.shape == (3, hidden) and float((eager - exported).abs().max()) < TOLERANCE, "trace differs"
    name = "dinov2-tiny" if tiny else "dinov2-base"
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    pt = os.path.join(folder, "model.pt")
    torch.jit.save(traced, pt)
    seed = 0 if random_seed is None else random_seed
    if tiny:
        config = ", ".join(f"{key} {value}" for key, value in TINY.items())
        source = f"transformers {transformers.__version__} Dinov2Model, tiny ({config}), random weights (seed {seed})"
        licence = "Apache-2.0 (transformers' code; random weights)"
    elif random_seed is not None:
        source = f"transformers {transformers.__version__} Dinov2Model, base config, random weights (seed {seed})"
        licence = "Apache-2.0 (transformers' code; random weights)"
    else:
        # A hub cache snapshot folder is named after the commit it holds.
        snapshot = f" (snapshot {os.path.basename(os.path.normpath(weights_dir))})" if weights_dir else ""
        source = f"facebook/dinov2-base{snapshot} via transformers {transformers.__version__} Dinov2Model"
        licence = "Apache-2.0 (facebook/dinov2-base weights; transformers' code)"
    meta = {
        "name": name,
        "task": "features",
        "format": 1,
        "image_size": SIZE,
        "mean": IMAGENET_MEAN,
        "std": IMAGENET_STD,
        "licence": licence,
        "embed_dim": hidden,
        "source": source + ", last_hidden_state.mean(dim=1) (StarVector's DinoScore feature)",
        "weights": "model.pt",
        "sha256": {"model.pt": sha256(pt)},
    }
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {folder} (model.pt {os.path.getsize(pt) / 1e6:.1f} MB)", file=sys.stderr)


def prepare(x, size, mean, std):
    """The host's steps 5-6: bilinear resize to size x size (no antialias), then per-channel normalisation."""
    x = F.interpolate(x, size=[size, size], mode="bilinear", align_corners=False, antialias=False)
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def image_pairs(generated, reference):
    """(names, [(a, b)]): the files with the same name in both folders as [1, 3, H, W] images in [0, 1]."""
    common = common_names(generated, reference)
    return common, [(load_image(os.path.join(generated, n)), load_image(os.path.join(reference, n))) for n in common]


def dino_scores(features, pairs):
    """[(cos + 1) / 2] per pair and the features, with `features` mapping a prepared batch to [B, hidden]."""
    scores, rows = [], []
    for a, b in pairs:
        fa, fb = features(a), features(b)
        scores.append(float((F.cosine_similarity(fa, fb, dim=1) + 1) / 2))
        rows += [fa, fb]
    return scores, torch.cat(rows)


def check(folder, pairs, expected_scores, expected_features):
    """Exits unless folder's model.pt, fed as its model.json says, gives the expected features and scores."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    pt = os.path.join(folder, meta["weights"])
    if meta["task"] != "features" or sha256(pt) != meta["sha256"][meta["weights"]]:
        sys.exit(f"{folder}: not a features model, or its sha256 does not match")
    module = torch.jit.load(pt, map_location="cpu")
    scores, features = dino_scores(
        lambda x: module.encode_image(prepare(x, meta["image_size"], meta["mean"], meta["std"])), pairs)
    score_diff = max(abs(s - e) for s, e in zip(scores, expected_scores))
    feature_diff = float((features - expected_features).abs().max())
    print(f"{folder}: model.pt gives transformers' features to {feature_diff:.1e} and scores to {score_diff:.1e} "
          f"over {len(pairs)} pairs", file=sys.stderr)
    if max(score_diff, feature_diff) > TOLERANCE:
        sys.exit(f"{folder}: model.pt differs from transformers by more than {TOLERANCE}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write DIR/dinov2-base/ (DIR/dinov2-tiny/ with --tiny)")
    ap.add_argument("--weights-dir", metavar="SNAPSHOT", help="a local Hugging Face snapshot of facebook/dinov2-base")
    ap.add_argument("--random-weights", type=int, metavar="SEED", help="random weights: an offline self-test")
    ap.add_argument("--tiny", action="store_true", help="a tiny random DINOv2 (seed: --random-weights, default 0)")
    ap.add_argument("--dino-score", nargs=2, metavar=("GENERATED", "REFERENCE"),
                    help="print transformers' DinoScore of two folders")
    ap.add_argument("--check", metavar="MODEL_DIR", help="--dino-score: fail unless MODEL_DIR/model.pt agrees")
    args = ap.parse_args()
    if args.weights_dir and (args.random_weights is not None or args.tiny):
        ap.error("give --weights-dir or random weights (--random-weights, --tiny), not both")
    if not args.out and not args.dino_score:
        ap.error("give --out DIR (export) or --dino-score GENERATED REFERENCE (transformers' DinoScore)")
    if args.check and not args.dino_score:
        ap.error("--check goes with --dino-score")
    torch.set_grad_enabled(False)
    if args.out:
        export(args.out, args.weights_dir, args.random_weights, args.tiny)
    if args.dino_score:
        names, pairs = image_pairs(*args.dino_score)
        model = dinov2(args.weights_dir, args.random_weights, args.tiny)
        scores, features = dino_scores(
            lambda x: model(pixel_values=prepare(x, SIZE, IMAGENET_MEAN, IMAGENET_STD)).last_hidden_state.mean(dim=1),
            pairs)
        if args.check:
            check(args.check, pairs, scores, features)
        print(json.dumps({"names": names, "dino_score": scores, "mean": sum(scores) / len(scores)}))


if __name__ == "__main__":
    main()
