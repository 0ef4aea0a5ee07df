"""SVG analysis done by the host: facts about the document (elements, ``<text>`` and fonts, colours, bounds),
rasters, and statistics of the rendered shape (connected parts and regions of uniform colour, with holes). Ask for
an item's file by name, so the SVG's bytes never enter the plugin, and one call returns everything::

    a = svg.analyze_file(item.id, "icon.svg")
    if a.facts.texts: ...                         # has <text>
    parts = a.stats.component_count
    png = svg.rasterize_file(item.id, "icon.svg", 224, svg.WHITE)   # a PNG for a model

Errors: :class:`~aigc_sdk.errors.Invalid` for a malformed SVG, :class:`~aigc_sdk.errors.LimitExceeded` for one
over the host's caps, :class:`~aigc_sdk.errors.NotFound` for a missing item or file.
"""

from __future__ import annotations

from typing import Optional

from ._wit import interface
from .errors import call

_raw = interface("svg")

Rgba = _raw.Rgba
"""An sRGB colour with straight alpha: ``Rgba(r, g, b, a)``."""
Rect = _raw.Rect
"""A rectangle: ``x``, ``y``, ``width``, ``height``."""
Facts = _raw.Facts
"""What the document says, before rendering."""
ShapeStats = _raw.ShapeStats
"""Statistics of the rendered shape at one size."""
Shape = _raw.Shape
"""A connected set of pixels in the raster."""
Analysis = _raw.Analysis
"""Facts and statistics together: ``facts`` and ``stats``."""
Options = _raw.AnalysisOptions
"""What to compute: ``Options(size, max_shapes, min_area)``; see :func:`options`."""

WHITE = _raw.Rgba(255, 255, 255, 255)
"""Opaque white, the usual background for a model's input."""


def options(size: int = 256, max_shapes: int = 32, min_area: int = 4) -> Options:
    """Analysis options; the defaults match the Rust SDK's (256 px, 32 shapes per list, specks under 4 px
    ignored)."""
    return _raw.AnalysisOptions(size=size, max_shapes=max_shapes, min_area=min_area)


def rasterize(data: bytes, size: int, background: Optional[Rgba] = None) -> bytes:
    """A PNG of the SVG fitted into a ``size`` x ``size`` square (aspect kept, centred), transparent or on
    ``background``."""
    return bytes(call(_raw.rasterize, bytes(data), size, background))


def rasterize_file(item_id: str, name: str, size: int, background: Optional[Rgba] = None) -> bytes:
    """:func:`rasterize` on file ``name`` of item ``item_id``, read by the host."""
    return bytes(call(_raw.rasterize_file, item_id, name, size, background))


def describe(data: bytes) -> Facts:
    """What the document says, without rendering."""
    return call(_raw.describe, bytes(data))


def analyze(data: bytes, opts: Optional[Options] = None) -> Analysis:
    """Facts and shape statistics of SVG bytes (:func:`options` by default)."""
    return call(_raw.analyze, bytes(data), opts or options())


def analyze_file(item_id: str, name: str, opts: Optional[Options] = None) -> Analysis:
    """:func:`analyze` on file ``name`` of item ``item_id``, read by the host."""
    return call(_raw.analyze_file, item_id, name, opts or options())


def is_svg(media_type: str, name: str) -> bool:
    """Whether a file looks like an SVG, by media type or name."""
    return media_type == "image/svg+xml" or name.lower().endswith(".svg")
