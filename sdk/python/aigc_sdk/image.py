"""Raster images (PNG, JPEG, WebP, GIF's first frame) decoded and measured by the host (cleaners, annotators,
graders). Ask for an item's file by name, so its bytes never enter the plugin::

    facts = image.measure_file(item.id, "image.png")
    if min(facts.width, facts.height) < 200: ...

Errors: :class:`~aigc_sdk.errors.Invalid` for bytes that do not decode, :class:`~aigc_sdk.errors.LimitExceeded`
for an image over the host's limits, :class:`~aigc_sdk.errors.NotFound` for a missing item or file.
"""

from __future__ import annotations

from typing import List, Optional

from ._wit import interface
from .errors import call

_raw = interface("image")

Facts = _raw.Facts
"""What the host measured of one image (format, size, brightness, contrast, sharpness, pHash...)."""
SimilarImage = _raw.SimilarImage
"""One image of a near-duplicate group (see :func:`similar`)."""
PNG = _raw.Encoding_Png()
"""PNG output for :func:`resize`."""
WEBP = _raw.Encoding_Webp()
"""Lossless WebP output for :func:`resize`."""


def jpeg(quality: int = 85) -> "_raw.Encoding":
    """JPEG output at ``quality`` (1 to 100) for :func:`resize`."""
    return _raw.Encoding_Jpeg(max(1, min(100, int(quality))))


def measure_file(item_id: str, name: str) -> Facts:
    """The facts of the file ``name`` of item ``item_id``, measured in the host."""
    return call(_raw.measure_file, item_id, name)


def measure(data: bytes) -> Facts:
    """The facts of encoded image bytes."""
    return call(_raw.measure, bytes(data))


def resize(data: bytes, max_width: int, max_height: int, encoding: Optional["_raw.Encoding"] = None) -> bytes:
    """The image scaled to fit inside ``max_width`` x ``max_height`` (aspect kept, never enlarged), encoded as
    ``encoding`` (:data:`PNG` by default)."""
    return bytes(call(_raw.resize, bytes(data), max_width, max_height, encoding or PNG))


def similar(item_id: str, name: str, max_distance: int) -> List[SimilarImage]:
    """The group of dataset images that duplicate or nearly duplicate this file (identical bytes, or pHashes at
    most ``max_distance`` bits apart, directly or through others), the file itself included."""
    return list(call(_raw.similar, item_id, name, max_distance))


def distance(a: int, b: int) -> int:
    """Bits in which two perceptual hashes differ."""
    return bin(a ^ b).count("1")


def is_raster(media_type: str) -> bool:
    """Whether the host decodes files of this media type."""
    return media_type in ("image/png", "image/jpeg", "image/webp", "image/gif")


def is_comparable(media_type: str) -> bool:
    """Whether :func:`similar` can compare files of this media type (rasters, and SVGs through their rendering)."""
    return is_raster(media_type) or media_type == "image/svg+xml"
