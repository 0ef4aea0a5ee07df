#!/usr/bin/env python3
"""Export LPIPS to the aigc-host model format (models/README.md, task "distance").

    python models/export_lpips.py --out DIR                          # AlexNet LPIPS, lpips's default: DIR/lpips-alex
    python models/export_lpips.py --out DIR --net vgg --starvector   # StarVector's LPIPS: DIR/lpips-vgg-starvector
    python models/export_lpips.py --out DIR --backbone-weights FILE  # the backbone from a torchvision file already here
    python models/export_lpips.py --out DIR --random-backbone 0      # offline self-test: random backbone, useless
    aigc-host models add DIR/lpips-alex --name lpips                 # what plugins/image-similarity.wasm asks for

LPIPS (Zhang et al. 2018, the `lpips` package, version 0.1 of the metric) runs both images through a frozen
ImageNet backbone from torchvision (AlexNet, VGG16 or SqueezeNet 1.1). At each of its 5 layers (7 for SqueezeNet) it
scales every position's channel vector to unit length, squares the difference between the two images, weighs the
channels with a learned 1x1 convolution (the "linear heads", shipped inside the lpips wheel as weights/v0.1/NET.pth),
averages over positions and sums over layers: 0 for equal images, larger for more different ones.

model.pt exports `distance(x, y)` (and `forward`, the same): two float32 [B, 3, H, W] batches, preprocessed by the
host, to float32 [B], lpips.LPIPS(net=NET)(x, y) per pair, i.e. lpips called with normalize=False on inputs in
[-1, 1]. model.json therefore says mean 0.5 and std 0.5 (the host's (v - 0.5) / 0.5 = 2v - 1, which is what lpips's
normalize=True does to [0, 1] images) and image_size 0: the host passes each pair at its own size, both images of a
pair the same size. The network is convolutional and ends in a spatial mean, so any size works down to the
backbone's minimum per side: 31 px for alex, 16 for vgg, 17 for squeeze (smaller inputs pool to nothing and fail).
model.pt is traced; the trace holds no batch or image size, which the script asserts at batch sizes and non-square
sizes it was not traced with. About 10 MB (alex), 59 MB (vgg), 3 MB (squeeze).

Weights: the linear heads always come from the lpips wheel. The backbone is torchvision's ImageNet weights, which
lpips downloads on first use (needs internet once): alexnet-owt-7be5be79.pth, vgg16-397923af.pth or
squeezenet1_1-b8a52dc0.pth from download.pytorch.org. --backbone-weights takes that file from disk instead;
--random-backbone SEED builds the backbone with torchvision's random init after torch.manual_seed(SEED), the same
weights in an export and in a reference run with the same seed.

--starvector: StarVector (starvector/metrics/compute_LPIPS.py) builds lpips.LPIPS(net="vgg") and calls it with
normalize=False on ToTensor() + Normalize(ImageNet mean, std) tensors, so its LPIPS sees ImageNet-normalised values
where lpips expects [-1, 1]. The model.pt is the same network; only model.json changes, to ImageNet's mean and std,
so the host passes ImageNet-normalised tensors straight in, as StarVector does. Use it with --net vgg to get
StarVector's numbers.

Reference, what the test suite compares aigc-host against (the lpips package itself, on the same folders and
weights):

    python models/export_lpips.py --lpips GENERATED_DIR REFERENCE_DIR [--net N] [--random-backbone SEED]
                                  [--size N] [--starvector] [--check MODEL_DIR]

prints {"names": [...], "lpips": [...], "mean": m}: one value per pair of files with the same name in both folders
(png, jpg, jpeg, webp; sorted by name). Images are read with PIL and decoded as the host decodes them (8-bit RGB,
transparency composited over white in float32: rgb * a + (1 - a)) to [1, 3, H, W] in [0, 1]. --size N resizes both
to N x N first (PIL's BILINEAR; the host's triangle filter is close to it, not bit for bit); without it a pair must
have one size. The host composites transparency in 8 bits (PIL's paste rounding), this in float32: up to 1/255 apart
on translucent pixels, equal on opaque images. Then
lpips.LPIPS(net=NET, version="0.1")(a, b, normalize=True), or with --starvector the ImageNet-normalised tensors and
normalize=False. --check MODEL_DIR also runs MODEL_DIR/model.pt (torch.jit.load, sha256 from its model.json) on the
same images, normalised with its model.json mean and std, and fails unless it gives the same values within 1e-5.

Python packages: torch (same major.minor as the host's libtorch, 2.13), torchvision 0.28, lpips 0.1.4, numpy,
pillow (`make metrics-venv` makes such a venv over the host's torch).
"""

import argparse
import importlib.metadata
import json
import os
import sys
import warnings

import torch
import torch.nn as nn

from export_common import IMAGENET_MEAN, IMAGENET_STD, common_names, load_image, sha256

NETS = ("alex", "vgg", "squeeze")
HALF = [0.5, 0.5, 0.5]
TOLERANCE = 1e-5


def lpips_model(net, random_seed, backbone_weights):
    """lpips.LPIPS(net=net, version="0.1") in eval mode: the real v0.1 linear heads, and the backbone from
    torchvision's download, from a file, or random (seeded)."""
    import lpips

    offline = random_seed is not None or backbone_weights is not None
    if random_seed is not None:
        torch.manual_seed(random_seed)
    with warnings.catch_warnings():
        # lpips 0.1.4 asks torchvision for `pretrained=`, which torchvision deprecates but still honours.
        warnings.filterwarnings("ignore", category=UserWarning, module="torchvision")
        # verbose=False: lpips otherwise prints to stdout, where the reference prints its JSON.
        model = lpips.LPIPS(net=net, version="0.1", pnet_rand=offline, verbose=False)
    if backbone_weights is not None:
        state = torch.load(backbone_weights, map_location="cpu", weights_only=True)
        # lpips's slices hold torchvision's `features` layers under their original indices: the trunk's
        # slice2.3.weight is the file's features.3.weight.
        trunk = {key: state["features." + key.split(".", 1)[1]] for key in model.net.state_dict()}
        model.net.load_state_dict(trunk)
    return model.eval()


def torchvision_weights_url(net):
    """The ImageNet weights file lpips's backbone asks torchvision for (`pretrained=True`)."""
    import torchvision.models as tvm

    weights = {"alex": tvm.AlexNet_Weights, "vgg": tvm.VGG16_Weights, "squeeze": tvm.SqueezeNet1_1_Weights}[net]
    return weights.IMAGENET1K_V1.url


class Distance(nn.Module):
    """`distance`: two preprocessed [B, 3, H, W] batches to LPIPS [B]; what lpips gets is what the host passes."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def distance(self, x, y):
        return self.model(x, y).flatten()

    def forward(self, x, y):
        return self.distance(x, y)


def export(out, net, random_seed, backbone_weights, starvector):
    model = lpips_model(net, random_seed, backbone_weights)
    module = Distance(model).eval()
    x, y = torch.rand(2, 2, 3, 64, 64) * 2 - 1
    traced = torch.jit.trace_module(module, {"distance": (x, y), "forward": (x, y)})
    # Batch sizes and non-square sizes other than the traced ones give lpips's own values: the trace holds neither.
    for batch, height, width in ((3, 64, 48), (1, 96, 128)):
        a, b = torch.rand(2, batch, 3, height, width) * 2 - 1
        eager, exported = model(a, b).flatten(), traced.distance(a, b)
        assert exported.shape == (batch,) and exported.dtype == torch.float32, f"trace gives {exported.shape}"
        assert float((eager - exported).abs().max()) < TOLERANCE, f"trace differs at {batch}x{height}x{width}"
    name = f"lpips-{net}" + ("-starvector" if starvector else "")
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    pt = os.path.join(folder, "model.pt")
    torch.jit.save(traced, pt)
    version = importlib.metadata.version("lpips")
    if random_seed is not None:
        backbone = f"a random {net} backbone (seed {random_seed}): a self-test"
        licence = "BSD-2-Clause (lpips's code and v0.1 linear heads); random backbone"
    else:
        backbone = f"the {net} backbone from {os.path.basename(backbone_weights or torchvision_weights_url(net))}"
        licence = ("BSD-2-Clause (lpips's code and v0.1 linear heads); backbone: torchvision's ImageNet weights "
                   "(torchvision is BSD-3-Clause and gives the weights no licence of their own; they may carry "
                   "ImageNet's terms)")
    quirk = "; StarVector's use: ImageNet-normalised inputs" if starvector else ""
    meta = {
        "name": name,
        "task": "distance",
        "format": 1,
        "image_size": 0,
        "mean": IMAGENET_MEAN if starvector else HALF,
        "std": IMAGENET_STD if starvector else HALF,
        "licence": licence,
        "source": f"lpips {version} LPIPS v0.1 (linear heads from the wheel) with {backbone}{quirk}",
        "weights": "model.pt",
        "sha256": {"model.pt": sha256(pt)},
    }
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {folder} (model.pt {os.path.getsize(pt) / 1e6:.1f} MB)", file=sys.stderr)


def normalise(x, mean, std):
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def image_pairs(generated, reference, size):
    """(names, [(a, b)]): the files with the same name in both folders as [1, 3, H, W] images in [0, 1]."""
    common = common_names(generated, reference)
    pairs = []
    for name in common:
        a, b = load_image(os.path.join(generated, name), size), load_image(os.path.join(reference, name), size)
        if a.shape != b.shape:
            sys.exit(f"{name}: {a.shape[3]}x{a.shape[2]} against {b.shape[3]}x{b.shape[2]}; give --size N")
        pairs.append((a, b))
    return common, pairs


def reference_lpips(pairs, net, random_seed, backbone_weights, starvector):
    """lpips's own values per pair: [0, 1] images with normalize=True, or StarVector's ImageNet-normalised ones."""
    model = lpips_model(net, random_seed, backbone_weights)
    if starvector:
        return [float(model(normalise(a, IMAGENET_MEAN, IMAGENET_STD), normalise(b, IMAGENET_MEAN, IMAGENET_STD)))
                for a, b in pairs]
    return [float(model(a, b, normalize=True)) for a, b in pairs]


def check(folder, pairs, expected):
    """Exits unless folder's model.pt, fed as its model.json says, gives the expected values."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    pt = os.path.join(folder, meta["weights"])
    if meta["task"] != "distance" or sha256(pt) != meta["sha256"][meta["weights"]]:
        sys.exit(f"{folder}: not a distance model, or its sha256 does not match")
    module = torch.jit.load(pt, map_location="cpu")
    got = [float(module.distance(normalise(a, meta["mean"], meta["std"]), normalise(b, meta["mean"], meta["std"])))
           for a, b in pairs]
    diff = max(abs(g - e) for g, e in zip(got, expected))
    print(f"{folder}: model.pt gives lpips's values to {diff:.1e} over {len(pairs)} pairs", file=sys.stderr)
    if diff > TOLERANCE:
        sys.exit(f"{folder}: model.pt differs from lpips by {diff:.1e} (more than {TOLERANCE})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write DIR/lpips-NET[-starvector]/")
    ap.add_argument("--net", choices=NETS, default="alex", help="the backbone (default alex, lpips's default)")
    ap.add_argument("--backbone-weights", metavar="FILE", help="torchvision's backbone weights file, already here")
    ap.add_argument("--random-backbone", type=int, metavar="SEED", help="random backbone: an offline self-test")
    ap.add_argument("--starvector", action="store_true", help="ImageNet-normalised inputs, as StarVector feeds lpips")
    ap.add_argument("--lpips", nargs=2, metavar=("GENERATED", "REFERENCE"), help="print lpips's values of two folders")
    ap.add_argument("--size", type=int, metavar="N", help="--lpips: resize both images of a pair to N x N first")
    ap.add_argument("--check", metavar="MODEL_DIR", help="--lpips: fail unless MODEL_DIR/model.pt agrees")
    args = ap.parse_args()
    if args.backbone_weights and args.random_backbone is not None:
        ap.error("give --backbone-weights or --random-backbone, not both")
    if not args.out and not args.lpips:
        ap.error("give --out DIR (export) or --lpips GENERATED REFERENCE (lpips's values)")
    if (args.size or args.check) and not args.lpips:
        ap.error("--size and --check go with --lpips")
    torch.set_grad_enabled(False)
    if args.out:
        export(args.out, args.net, args.random_backbone, args.backbone_weights, args.starvector)
    if args.lpips:
        names, pairs = image_pairs(*args.lpips, args.size)
        values = reference_lpips(pairs, args.net, args.random_backbone, args.backbone_weights, args.starvector)
        if args.check:
            check(args.check, pairs, values)
        print(json.dumps({"names": names, "lpips": values, "mean": sum(values) / len(values)}))


if __name__ == "__main__":
    main()
