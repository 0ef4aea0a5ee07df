"""Adding items to the dataset (crawlers), and crawl state for resuming.

::

    from aigc_sdk import collect
    result = collect.put(collect.new_item("example:42", "https://example.org/42",
                                          files=[collect.NewFile("image.png", "image/png", data)]))
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Union

from ._wit import Err, interface
from .errors import AigcError, call, from_wit

_raw = interface("collect")
_dataset = interface("dataset")

NewFile = _raw.NewFile
"""A file to store with a new item: ``NewFile(name, media_type, data)``."""
NewItem = _raw.NewItem
"""An item to store (see :func:`new_item` for one with defaults)."""
PutResult = _raw.PutResult
"""What a put did: ``id`` and ``created`` (False when the source key was already stored)."""
Provenance = _dataset.Provenance
"""Where an item came from: ``source_url``, ``licence``, ``licence_url``, ``author``, ``author_url``."""


def new_item(
    source_key: str,
    source_url: str,
    *,
    files: Sequence[NewFile] = (),
    category: Optional[str] = None,
    title: Optional[str] = None,
    metadata: Union[str, Dict[str, Any], None] = None,
    licence: Optional[str] = None,
    licence_url: Optional[str] = None,
    author: Optional[str] = None,
    author_url: Optional[str] = None,
    parent: Optional[str] = None,
) -> NewItem:
    """A :data:`NewItem` with keyword arguments; ``metadata`` may be a dict (written as JSON) or JSON text."""
    if metadata is None:
        metadata = "{}"
    elif not isinstance(metadata, str):
        metadata = json.dumps(metadata, separators=(",", ":"))
    return NewItem(
        source_key=source_key,
        category=category,
        title=title,
        provenance=Provenance(
            source_url=source_url, licence=licence, licence_url=licence_url, author=author, author_url=author_url
        ),
        metadata=metadata,
        files=list(files),
        parent=parent,
    )


def put(item: NewItem) -> PutResult:
    """Stores ``item`` durably; a second put with the same source key stores nothing (``created`` is False)."""
    return call(_raw.put, item)


def put_many(items: Sequence[NewItem]) -> List[Union[PutResult, AigcError]]:
    """Stores many items at once (one disk round trip), with one outcome per item in order: a :data:`PutResult`,
    or the :class:`~aigc_sdk.errors.AigcError` that item met (returned, not raised). Prefer it to a put per item
    when a page of a crawl is ready."""
    out: List[Union[PutResult, AigcError]] = []
    for result in _raw.put_many(list(items)):
        out.append(from_wit(result.value) if isinstance(result, Err) else result.value)
    return out


def state(key: str) -> Optional[str]:
    """The value this plugin saved under ``key`` in this dataset."""
    return _raw.state_get(key)


def set_state(key: str, value: str) -> None:
    """Saves a small value (64 KiB at most) for the next run of this plugin on this dataset."""
    call(_raw.state_set, key, value)
