"""What a metric evaluates, and the measures the host computes over it (world ``metric``). Samples stay in the
host: a plugin names them by side and index, asks for features, statistics and comparisons, and returns
:class:`Score` values with the convention it used::

    from aigc_sdk import Metric, evaluation
    from aigc_sdk.evaluation import Side

    class Fid(Metric):
        def evaluate(self):
            generated = evaluation.image_features("inception", Side.GENERATED)
            reference = evaluation.image_features("inception", Side.REFERENCE)
            fid = evaluation.frechet_distance(generated, reference)
            return [evaluation.score("fid", fid, higher_is_better=False,
                                     convention="Inception pool3, 2048-d; covariance with n - 1")]

Errors: :class:`~aigc_sdk.errors.NotFound` for a model the manifest does not name or an index past the end,
:class:`~aigc_sdk.errors.Invalid` for a sample the measure cannot read (an image compared as a mesh, images of
different sizes without ``size``), :class:`~aigc_sdk.errors.LimitExceeded` when the run's host work is spent.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from ._wit import interface
from .errors import call

_raw = interface("evaluation")

Side = _raw.Side
"""Which set: ``Side.GENERATED`` (what the model under evaluation made) or ``Side.REFERENCE``."""
Media = _raw.Media
"""What a sample is: ``Media.IMAGE``, ``Media.SVG`` (rasterized on white by the host) or ``Media.MESH``."""
Sample = _raw.Sample
"""One sample: ``name`` (its path inside its folder), ``media`` and ``prompt`` (or None)."""
Features = _raw.Features
"""Feature vectors held by the host, one row per sample or text: ``rows()``, ``dim()``, ``row(i)``."""
KernelOptions = _raw.KernelOptions
"""``KernelOptions(subsets, subset_size, degree, gamma, coef, seed)``; see :func:`kid_options`."""
KernelResult = _raw.KernelResult
"""``mean``, ``std`` (over subsets) and ``per_subset``."""
SsimWindow = _raw.SsimWindow
"""``SsimWindow.GAUSSIAN`` (Wang et al.), ``UNIFORM`` (scikit-image's default 7x7) or ``STARVECTOR`` (11x11)."""
ImageOptions = _raw.ImageOptions
"""``ImageOptions(ssim_window, size)``: ``size`` resizes both images of a pair to a square first, None keeps them."""
ImageScores = _raw.ImageScores
"""One image pair's ``mse``, ``psnr`` (None when identical), ``ssim`` and ``masked_l2``, on RGB in [0, 1]."""
MeshOptions = _raw.MeshOptions
"""``MeshOptions(points, tau, seed, iou_resolution)``; ``iou_resolution`` 0 skips the IoU."""
MeshScores = _raw.MeshScores
"""One mesh pair's ``generated_to_reference``, ``reference_to_generated``, ``chamfer``, ``precision``, ``recall``,
``fscore`` and ``iou`` (None when not asked for)."""
Score = _raw.Score
"""One named result: ``Score(name, value, per_item, interval, higher_is_better, convention)``; see :func:`score`."""


def samples(side: Side) -> List[Sample]:
    """The samples of ``side``, in the order every index refers to."""
    return list(_raw.samples(side))


def pairs() -> List[Tuple[int, int]]:
    """The (generated index, reference index) pairs: the pair file's, or else equal names on both sides."""
    return [tuple(p) for p in _raw.pairs()]


def image_features(model: str, side: Side) -> Features:
    """The features of every image (or rasterized SVG) of ``side`` through the model ``[tool.aigc] models``
    names ``model``: a ``clip`` model's normalised image embeddings or a ``features`` model's raw output."""
    return call(_raw.image_features, model, side)


def text_features(model: str, texts: Sequence[str]) -> Features:
    """A ``clip`` model's normalised text embeddings, one row per text."""
    return call(_raw.text_features, model, list(texts))


def frechet_distance(a: Features, b: Features) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (f64, covariance with n - 1): FID on
    Inception pool3 features."""
    return call(_raw.frechet_distance, a, b)


def kid_options(
    subsets: int = 100, subset_size: int = 1000, degree: int = 3, gamma: Optional[float] = None, coef: float = 1.0,
    seed: int = 0,
) -> KernelOptions:
    """Kernel-distance options, torchmetrics' defaults unless given (gamma None is 1 / dim)."""
    return KernelOptions(subsets, subset_size, degree, gamma, float(coef), seed)


def kernel_distance(a: Features, b: Features, options: Optional[KernelOptions] = None) -> KernelResult:
    """The unbiased squared MMD with a polynomial kernel over random subsets: KID on Inception features."""
    return call(_raw.kernel_distance, a, b, options or kid_options())


def cosine(a: Features, b: Features, pairs: Sequence[Tuple[int, int]]) -> List[float]:
    """The cosine similarity of rows ``a[i]`` and ``b[j]`` for each pair ``(i, j)``."""
    return call(_raw.cosine, a, b, [(int(i), int(j)) for i, j in pairs])


def compare_images(
    pairs: Sequence[Tuple[int, int]], window: SsimWindow = SsimWindow.GAUSSIAN, size: Optional[int] = None
) -> List[ImageScores]:
    """MSE, PSNR, SSIM and masked L2 of ``generated[i]`` against ``reference[j]`` for each pair."""
    return call(_raw.compare_images, [(int(i), int(j)) for i, j in pairs], ImageOptions(window, size))


def image_distance(model: str, pairs: Sequence[Tuple[int, int]], size: Optional[int] = None) -> List[float]:
    """A learned distance (LPIPS) of ``generated[i]`` against ``reference[j]`` for each pair, through the
    ``distance`` model ``[tool.aigc] models`` names ``model``; ``size`` resizes both images to a square first."""
    return call(_raw.image_distance, model, [(int(i), int(j)) for i, j in pairs], size)


def compare_meshes(
    pairs: Sequence[Tuple[int, int]], points: int = 10_000, tau: float = 0.05, seed: int = 0, iou_resolution: int = 64
) -> List[MeshScores]:
    """Chamfer distance, F-score at ``tau`` and volumetric IoU of ``generated[i]`` against ``reference[j]`` for
    each pair, both models centred and scaled to largest extent 1."""
    options = MeshOptions(points, float(tau), seed, iou_resolution)
    return call(_raw.compare_meshes, [(int(i), int(j)) for i, j in pairs], options)


def score(
    name: str,
    value: float,
    *,
    higher_is_better: bool,
    convention: str,
    per_item: Sequence[float] = (),
    interval: Optional[Tuple[float, float]] = None,
) -> Score:
    """A :class:`Score`: a short stable ``name`` (``"ssim"``), its ``value``, which way is better, and the
    ``convention`` that makes it unambiguous (model, scale, colour handling, what was averaged)."""
    low_high = None if interval is None else (float(interval[0]), float(interval[1]))
    return Score(name, float(value), [float(v) for v in per_item], low_high, bool(higher_is_better), convention)


def mean(values: Sequence[float]) -> float:
    """The mean of ``values`` (0 for none)."""
    return sum(values) / len(values) if values else 0.0


def bootstrap_interval(values: Sequence[float], resamples: int = 1000, seed: int = 0) -> Optional[Tuple[float, float]]:
    """A 95 % bootstrap confidence interval of the mean, seeded so the same values give the same interval; None
    for fewer than two values. The resamples are drawn exactly as the Rust SDK's ``bootstrap_interval`` draws them
    (SplitMix64, index = draw mod n, means summed in order), so a metric ported between the two languages reports
    the same interval for the same seed."""
    if len(values) < 2 or resamples < 20:
        return None
    mask = (1 << 64) - 1
    state = seed & mask

    def draw() -> int:
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    n = len(values)
    means = []
    for _ in range(resamples):
        total = 0.0
        for _ in range(n):
            total += values[draw() % n]
        means.append(total / n)
    means.sort()

    def at(q: float) -> float:
        # Rust's f64::round: halves away from zero (Python's round() rounds them to even).
        return means[min(math.floor(q * (resamples - 1) + 0.5), resamples - 1)]

    return (at(0.025), at(0.975))
