"""The submission a grader is grading: its files, read-only. Paths are ``/``-separated and relative."""

from __future__ import annotations

from typing import List

from ._wit import interface
from .errors import call

_raw = interface("submission")

Entry = _raw.Entry
"""A file or folder: ``path``, ``size``, ``is_dir``."""


def name() -> str:
    """The submission's name (its file or folder name)."""
    return _raw.name()


def entries() -> List[Entry]:
    """Every file and folder in the submission."""
    return list(_raw.entries())


def stat(path: str) -> Entry:
    """The entry at ``path``; :class:`~aigc_sdk.errors.NotFound` when there is none."""
    return call(_raw.stat, path)


def read(path: str) -> bytes:
    """The bytes of the file at ``path`` (the host caps how large a file it hands over)."""
    return bytes(call(_raw.read, path))


def read_range(path: str, offset: int, length: int) -> bytes:
    """Up to ``length`` bytes of the file at ``path`` from ``offset``: enough to check a header."""
    return bytes(call(_raw.read_range, path, offset, length))
