"""Annotations: captions, scores and other facts stored beside items (cleaners and annotators)."""

from __future__ import annotations

from typing import List, Optional

from ._wit import interface
from .errors import call

_raw = interface("annotate")

Annotation = _raw.Annotation
"""An annotation as stored: ``key``, ``value``, ``score``, ``plugin``."""


def put(item_id: str, key: str, value: str, score: Optional[float] = None) -> None:
    """Stores ``value`` (and an optional score) under ``key`` for the item, replacing this plugin's earlier value."""
    call(_raw.put, item_id, key, value, None if score is None else float(score))


def get(item_id: str, key: str) -> List[Annotation]:
    """Every annotation of the item under ``key``, from any plugin."""
    return list(_raw.get(item_id, key))
