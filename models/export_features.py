#!/usr/bin/env python3
"""Export feature models for metrics to the aigc-host model format (models/README.md, task "features").

    python models/export_features.py --out DIR                       # pytorch-fid's FID Inception (pool3, 2048-d)
    python models/export_features.py --out DIR --weights FILE        # the same, weights from a file already here
    python models/export_features.py --out DIR --random-weights 0    # offline self-test: random weights, useless
    aigc-host models add DIR/fid-inception-v3 --name inception       # what plugins/fid.wasm asks for

The network is pytorch-fid's own (`pytorch_fid.inception.InceptionV3`, the TensorFlow FID Inception ported to
PyTorch: FID numbers comparable with the papers'), traced with its input resize and normalisation switched off,
because the host does both exactly as pytorch-fid does: bilinear resize to 299x299 (align_corners False, no
antialias) and x * 2 - 1, written as mean 0.5 and std 0.5. Without --weights, pytorch-fid downloads
pt_inception-2015-12-05-6726825d.pth from GitHub (needs internet once).

Parity with pytorch-fid's own pipeline (its image loader, its model with resize and normalisation on, its
`calculate_frechet_distance`), on the same folders, with the same weights:

    python models/export_features.py --fid GENERATED_DIR REFERENCE_DIR [--weights FILE | --random-weights 0]

prints {"fid": ...}; the suite compares it with `aigc-host evaluate plugins/fid.wasm` on the exported model.
Images are read as pytorch-fid reads them (PIL `convert("RGB")`): identical for opaque images; the host composites
transparency over white where PIL drops it.

Python packages: torch (same major.minor as the host's libtorch, 2.13), torchvision 0.28, pytorch-fid 0.3.0,
scipy, pillow (`make metrics-venv` makes such a venv over the host's torch).
"""

import argparse
import json
import os
import sys

import torch
import torch.nn as nn

from export_common import sha256

INCEPTION_SIZE = 299
POOL3 = 2048


def inception(weights, random_seed, resize_and_normalise):
    """pytorch-fid's InceptionV3 up to pool3, with its weights from the download, a file, or random (seeded)."""
    import pytorch_fid.inception as fid_inception

    built = []
    original_builder = fid_inception._inception_v3

    def recording_builder(*args, **kwargs):
        built.append(original_builder(*args, **kwargs))
        return built[-1]

    def load_weights(url, progress=True):
        if weights is not None:
            return torch.load(weights, map_location="cpu")
        if random_seed is not None:
            return random_parameters(built[-1])
        return original_loader(url, progress=progress)

    original_loader = fid_inception.load_state_dict_from_url
    if random_seed is not None:
        torch.manual_seed(random_seed)
    fid_inception._inception_v3 = recording_builder
    fid_inception.load_state_dict_from_url = load_weights
    try:
        block = fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[POOL3]
        net = fid_inception.InceptionV3(
            [block], resize_input=resize_and_normalise, normalize_input=resize_and_normalise
        )
    finally:
        fid_inception._inception_v3 = original_builder
        fid_inception.load_state_dict_from_url = original_loader
    return net.eval()


def random_parameters(net):
    """Seeded random parameters for every layer of `net`, scaled so that activations neither vanish nor explode
    through the 94 convolutions (torchvision leaves some batch-norm scales at 0 when it builds without weights, which
    makes every image's features equal): a useless network whose features still tell images apart."""
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.normal_(module.bias, 0.0, 0.1)
            module.running_mean.normal_(0.0, 0.1)
            module.running_var.uniform_(0.5, 1.5)
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.01)
            nn.init.zeros_(module.bias)
    return {k: v.clone() for k, v in net.state_dict().items()}


def cpu_graph(traced, probe):
    """The traced module frozen and rewritten for the CPU (`torch.jit.optimize_for_inference`: batch norm folded into
    the convolutions, convolution and ReLU fused, activations kept in oneDNN's blocked layout between layers), which
    runs Inception 1.25x faster on one thread. optimize_for_inference leaves its weights as oneDNN tensor constants,
    which torch.jit.save writes but torch.jit.load cannot read back ("required keyword attribute 'value' is
    undefined"), so each is turned back into an ordinary constant and a `to_mkldnn` before its use: the weights
    are then reordered on each call, about 100 MB of copying against seconds of convolution. oneDNN runs on the
    CPU only, so the host uses this file there and `model.pt` on a GPU (model.json's `weights_cpu`)."""
    frozen = torch.jit.freeze(traced, preserved_attrs=["encode_image"])
    optimized = torch.jit.optimize_for_inference(frozen, other_methods=["encode_image"])
    for method in ("encode_image", "forward"):
        graph = getattr(optimized, method).graph
        for node in list(graph.nodes()):
            if node.kind() != "prim::ConstantMKLDNNTensor":
                continue
            with graph.insert_point_guard(node):
                dense = graph.insertConstant(node.t("value").to_dense())
                convert = graph.create("aten::to_mkldnn", [dense, graph.insertConstant(None)])
                graph.insertNode(convert)
                convert.output().setType(node.output().type())
            node.output().replaceAllUsesWith(convert.output())
            node.destroy()
    want = traced.encode_image(probe)
    got = optimized.encode_image(probe)
    assert float((got - want).abs().max() / want.abs().max()) < 1e-5, "the CPU graph differs from the trace"
    return optimized


class Pool3(nn.Module):
    """`encode_image`: preprocessed [B, 3, 299, 299] in [-1, 1] to pool3 features [B, 2048]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def encode_image(self, x):
        return self.net(x)[0].flatten(1)

    def forward(self, x):
        return self.encode_image(x)


def export_inception(out, weights, random_seed):
    net = inception(weights, random_seed, resize_and_normalise=False)
    module = Pool3(net).eval()
    example = torch.rand(2, 3, INCEPTION_SIZE, INCEPTION_SIZE) * 2 - 1
    with torch.no_grad():
        traced = torch.jit.trace_module(module, {"encode_image": example, "forward": example})
        # A batch size other than the traced one gives the same rows: the trace holds no batch size.
        probe = torch.rand(3, 3, INCEPTION_SIZE, INCEPTION_SIZE) * 2 - 1
        eager, scripted = module.encode_image(probe), traced.encode_image(probe)
        assert eager.shape == (3, POOL3) and float((eager - scripted).abs().max()) < 1e-4, "trace differs"
    folder = os.path.join(out, "fid-inception-v3")
    os.makedirs(folder, exist_ok=True)
    pt = os.path.join(folder, "model.pt")
    torch.jit.save(traced, pt)
    pt_cpu = os.path.join(folder, "model-cpu.pt")
    with torch.no_grad():
        torch.jit.save(cpu_graph(traced, probe), pt_cpu)
        reloaded = torch.jit.load(pt_cpu)
        assert float((reloaded.encode_image(probe) - eager).abs().max()) < 1e-4, "model-cpu.pt does not reload"
    if random_seed is not None:
        source = f"pytorch-fid 0.3.0 InceptionV3 (FID variant) with random weights (seed {random_seed}): a self-test"
        licence = "Apache-2.0 (pytorch-fid's code; random weights)"
    else:
        source = "pytorch-fid 0.3.0 InceptionV3 (FID variant), pt_inception-2015-12-05-6726825d.pth, up to pool3"
        licence = "Apache-2.0 (pytorch-fid); weights converted from TensorFlow's FID Inception (Apache-2.0)"
    meta = {
        "name": "fid-inception-v3",
        "task": "features",
        "format": 1,
        "image_size": INCEPTION_SIZE,
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
        "licence": licence,
        "embed_dim": POOL3,
        "source": source,
        "weights": "model.pt",
        "weights_cpu": "model-cpu.pt",
        "sha256": {"model.pt": sha256(pt), "model-cpu.pt": sha256(pt_cpu)},
    }
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {folder} (model.pt {os.path.getsize(pt) / 1e6:.1f} MB)", file=sys.stderr)


def pytorch_fid_distance(generated, reference, weights, random_seed, workers=0):
    """FID as pytorch-fid computes it on two folders: its loader, its network (resize and normalise inside), its
    statistics and Fréchet distance."""
    from pytorch_fid.fid_score import calculate_frechet_distance, get_activations
    import numpy as np

    net = inception(weights, random_seed, resize_and_normalise=True)

    def files(folder):
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".png", ".jpg", ".jpeg")))
        return [os.path.join(folder, n) for n in names]

    stats = []
    for folder in (generated, reference):
        paths = files(folder)
        activations = get_activations(paths, net, batch_size=min(50, len(paths)), dims=POOL3, device="cpu",
                                      num_workers=workers)
        stats.append((np.mean(activations, axis=0), np.cov(activations, rowvar=False)))
    (m1, s1), (m2, s2) = stats
    return float(calculate_frechet_distance(m1, s1, m2, s2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write DIR/fid-inception-v3/")
    ap.add_argument("--weights", help="the FID Inception weights file (pt_inception-2015-12-05-6726825d.pth)")
    ap.add_argument("--random-weights", type=int, metavar="SEED", help="random weights: an offline self-test")
    ap.add_argument("--fid", nargs=2, metavar=("GENERATED", "REFERENCE"), help="print pytorch-fid's FID of two folders")
    ap.add_argument("--workers", type=int, default=0, help="--fid: DataLoader workers (pytorch-fid's CLI: CPU count)")
    args = ap.parse_args()
    if args.weights and args.random_weights is not None:
        ap.error("give --weights or --random-weights, not both")
    if not args.out and not args.fid:
        ap.error("give --out DIR (export) or --fid GENERATED REFERENCE (pytorch-fid's number)")
    torch.set_grad_enabled(False)
    if args.out:
        export_inception(args.out, args.weights, args.random_weights)
    if args.fid:
        fid = pytorch_fid_distance(*args.fid, args.weights, args.random_weights, args.workers)
        print(json.dumps({"fid": fid}))


if __name__ == "__main__":
    main()
