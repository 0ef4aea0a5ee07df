"""The run's configuration: ``--set KEY=VALUE`` values, else the defaults declared in ``[tool.aigc.config]``.

Besides plain values, the shapes crawler settings share: comma lists (:func:`list_of`), lists of category names
(:func:`names`), ``NAME=QUERY`` pairs (:func:`pairs`) and an http(s) base URL with its origin (:func:`http_url`).
A value that cannot be used raises :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, Tuple, TypeVar

from . import web
from ._wit import interface

_raw = interface("config")

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration value the plugin cannot use; the message names the key and the value."""


def get(key: str) -> Optional[str]:
    """The value of ``key``, or ``None`` when it has neither a value nor a default."""
    return _raw.get(key)


def get_or(key: str, default: str) -> str:
    """The value of ``key``, or ``default`` when it has none."""
    value = _raw.get(key)
    return default if value is None else value


def all() -> Dict[str, str]:  # noqa: A001  (mirrors the Rust SDK's config::all)
    """Every key that has a value."""
    return dict(_raw.get_all())


def parse_or(key: str, default: T, parse: Callable[[str], T]) -> T:
    """The value of ``key`` converted with ``parse`` (``int``, ``float``, a function), or ``default`` when it has
    none; a value ``parse`` rejects raises :class:`ConfigError` naming the key."""
    text = _raw.get(key)
    if text is None:
        return default
    try:
        return parse(text.strip())
    except (ValueError, TypeError) as e:
        raise ConfigError(f"config `{key}` = `{text}` is not valid: {e}") from None


def int_or(key: str, default: int) -> int:
    """The value of ``key`` as an integer, else ``default``."""
    return parse_or(key, default, int)


def float_or(key: str, default: float) -> float:
    """The value of ``key`` as a number, else ``default``; NaN and infinities are refused."""

    def finite(text: str) -> float:
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value

    return parse_or(key, default, finite)


def bool_or(key: str, default: bool) -> bool:
    """The value of ``key`` as a yes/no (``true``/``false``, ``yes``/``no``, ``1``/``0``, ``on``/``off``),
    else ``default``."""

    def parse(text: str) -> bool:
        lowered = text.lower()
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise ValueError("expected true or false")

    return parse_or(key, default, parse)


def split_list(text: str) -> List[str]:
    """``text`` split on commas, each part trimmed, empty parts dropped: ``"a, b,,c"`` → ``["a", "b", "c"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def list_of(key: str) -> List[str]:
    """The value of ``key`` as a comma list (see :func:`split_list`); empty when it has no value."""
    value = _raw.get(key)
    return split_list(value) if value is not None else []


_NAME = re.compile(r"^[a-z0-9_-]+$")


def is_name(text: str) -> bool:
    """True for a name of lowercase ASCII letters, digits, ``-`` and ``_`` (not empty): what category and style
    names must be."""
    return bool(_NAME.match(text))


def names(key: str) -> List[str]:
    """The comma list ``key`` as names (see :func:`is_name`); :class:`ConfigError` for an entry that is not one or
    an empty list."""
    return check_names(key, list_of(key))


def check_names(key: str, values: List[str]) -> List[str]:
    """``values`` when each is a name and there is at least one; else :class:`ConfigError` naming ``key``."""
    for bad in values:
        if not is_name(bad):
            raise ConfigError(f"config `{key}`: `{bad}` is not a name of lowercase letters, digits and dashes")
    if not values:
        raise ConfigError(f"config `{key}` is empty")
    return values


def pairs(key: str, noun: str) -> List[Tuple[str, str]]:
    """The comma list ``key`` as ``NAME=QUERY`` pairs (see :func:`parse_pairs`)."""
    return parse_pairs(key, noun, list_of(key))


def parse_pairs(key: str, noun: str, entries: List[str]) -> List[Tuple[str, str]]:
    """Reads ``entries`` as ``NAME=QUERY`` pairs (``ink-wash=ink landscape``), both sides trimmed; a bare ``NAME``
    pairs the name with itself. Names are at most 64 characters that :func:`is_name` allows, each listed once;
    queries are not empty; there is at least one pair. :class:`ConfigError` names ``key`` and calls a NAME a
    ``noun``."""
    result: List[Tuple[str, str]] = []
    for entry in entries:
        if "=" in entry:
            name, query = (part.strip() for part in entry.split("=", 1))
        else:
            name = query = entry.strip()
        if not is_name(name) or len(name) > 64:
            raise ConfigError(
                f"config `{key}`: `{name}` (in `{entry}`) is not a {noun} name of lowercase letters, digits, - and _"
            )
        if not query:
            raise ConfigError(f"config `{key}`: {noun} `{name}` has an empty query")
        if any(other == name for other, _ in result):
            raise ConfigError(f"config `{key}`: {noun} `{name}` is listed twice")
        result.append((name, query))
    if not result:
        raise ConfigError(f"config `{key}` is empty")
    return result


def http_url(key: str, default: str) -> Tuple[str, str]:
    """The value of ``key`` (else ``default``) as an http(s) URL without trailing slashes, and its origin:
    ``(base, origin)``. :class:`ConfigError` when it is not such a URL."""
    url = get_or(key, default).strip().rstrip("/")
    origin = web.origin(url)
    if origin is None:
        raise ConfigError(f"config `{key}` = `{url}` is not an http(s) URL")
    return url, origin
