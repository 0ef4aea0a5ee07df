"""Reading the dataset the plugin runs over (crawlers, cleaners, annotators).

An :class:`Item` has ``id``, ``source_key``, ``category``, ``title``, ``provenance``, ``metadata`` (JSON text),
``files`` (each a :class:`FileInfo` with ``name``, ``media_type``, ``size``, ``sha256``) and ``parent``::

    for f in item.files:
        if f.media_type == "image/png":
            data = dataset.read_file(item.id, f.name)
"""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Optional

from ._wit import interface
from .errors import call

_raw = interface("dataset")

Item = _raw.Item
"""An item as stored (a dataclass generated from the WIT)."""
FileInfo = _raw.FileInfo
"""A stored file of an item: ``name``, ``media_type``, ``size``, ``sha256``."""
Provenance = _raw.Provenance
"""Where an item came from: ``source_url``, ``licence``, ``licence_url``, ``author``, ``author_url``."""

PAGE = 256
"""Items asked for per host call by :func:`items`."""


def get(id: str) -> Item:
    """The item with this id; :class:`~aigc_sdk.errors.NotFound` when there is none."""
    return call(_raw.get, id)


def read_file(id: str, name: str) -> bytes:
    """The bytes of the file ``name`` of item ``id``."""
    return bytes(call(_raw.read_file, id, name))


def seen(source_key: str) -> Optional[str]:
    """The id of the item stored under ``source_key``, if any: lets a crawler skip work it already did."""
    return _raw.seen(source_key)


def items(category: Optional[str] = None) -> Iterator[Item]:
    """Every item (of one category when given), in id order, fetched a page at a time."""
    after: Optional[str] = None
    while True:
        page: List[Item] = _raw.items(category, after, PAGE)
        if not page:
            return
        yield from page
        after = page[-1].id


def file(item: Item, name: str) -> Optional[FileInfo]:
    """The file of ``item`` named ``name``, if it has one."""
    return next((f for f in item.files if f.name == name), None)


def first_file(item: Item, *media_types: str) -> Optional[FileInfo]:
    """The first file of ``item`` whose media type is one of ``media_types`` (any file when none are given)."""
    return next((f for f in item.files if not media_types or f.media_type in media_types), None)


def metadata(item: Item) -> Any:
    """The item's metadata parsed from JSON (an empty dict when it does not parse)."""
    try:
        return json.loads(item.metadata or "{}")
    except ValueError:
        return {}
