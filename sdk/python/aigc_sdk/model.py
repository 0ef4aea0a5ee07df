"""Models the host runs (CLIP-like encoders, captioners), batched across plugin instances. Name the models in
``[tool.aigc] models``; the host lends no others. Images cross as encoded bytes (PNG, JPEG, WebP, GIF)::

    png = svg.rasterize_file(item.id, "icon.svg", 224, svg.WHITE)
    [caption] = model.caption("captioner", [png])
"""

from __future__ import annotations

from typing import List, Sequence

from ._wit import interface
from .errors import call

_raw = interface("model")


def embed_images(model: str, images: Sequence[bytes]) -> List[List[float]]:
    """One L2-normalised embedding per image."""
    return call(_raw.embed_images, model, [bytes(i) for i in images])


def embed_texts(model: str, texts: Sequence[str]) -> List[List[float]]:
    """One L2-normalised embedding per text."""
    return call(_raw.embed_texts, model, list(texts))


def similarity(model: str, image: bytes, texts: Sequence[str]) -> List[float]:
    """Cosine similarity of the image to each text, in [-1, 1]."""
    return call(_raw.similarity, model, bytes(image), list(texts))


def classify(model: str, image: bytes, labels: Sequence[str]) -> List[float]:
    """A probability per label: zero-shot classification."""
    return call(_raw.classify, model, bytes(image), list(labels))


def caption(model: str, images: Sequence[bytes]) -> List[str]:
    """A caption per image."""
    return call(_raw.caption, model, [bytes(i) for i in images])
