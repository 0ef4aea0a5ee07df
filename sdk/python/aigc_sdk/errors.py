"""Errors the SDK raises, and how an exception becomes the error string the host reports.

Every host call that can fail raises a subclass of :class:`AigcError`; catch the narrow one you can handle
(:class:`NotFound` for a missing file, :class:`Invalid` for an image that does not decode) and let the rest
propagate. An exception that leaves your ``check``/``crawl``/``annotate``/``grade`` becomes the call's error:
its type, message and the last few frames of its traceback, so the host's report says what went wrong where.
"""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import Optional

from ._wit import Err

#: Frames of a traceback kept in an error string (the innermost ones).
TRACEBACK_FRAMES = 4
#: Longest message of an exception kept in an error string, in characters.
MESSAGE_CHARS = 1500
#: Longest error string the SDK hands to the host, in characters (the host caps it again).
ERROR_CHARS = 2500


class AigcError(Exception):
    """Base class of the errors the SDK raises for a host call that failed; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message: str = message
        """The host's explanation."""


class NotFound(AigcError):
    """The thing asked for does not exist (an item, a file, a submission path)."""


class Denied(AigcError):
    """The plugin's grants or the operator's policy forbid it."""


class Invalid(AigcError):
    """An argument is malformed (bytes that are not an image, an SVG that does not parse); the message says which."""


class LimitExceeded(AigcError):
    """A size or count limit was reached; the message names the limit."""


class HostError(AigcError):
    """Any other failure the host reports."""


_BY_CASE = {
    "Error_NotFound": NotFound,
    "Error_Denied": Denied,
    "Error_Invalid": Invalid,
    "Error_Limit": LimitExceeded,
    "Error_Other": HostError,
}


def from_wit(value: object) -> AigcError:
    """The exception for a WIT ``types.error`` value (``Error_NotFound("...")`` becomes :class:`NotFound`)."""
    cls = _BY_CASE.get(type(value).__name__, HostError)
    return cls(str(getattr(value, "value", value)))


def call(function, *args):
    """Calls a generated host function, turning its ``Err(types.error)`` into an :class:`AigcError`."""
    try:
        return function(*args)
    except Err as e:
        raise from_wit(e.value) from None


def describe(error: BaseException) -> str:
    """The error string for an exception: ``Type: message [at file:line in function › ...]``.

    The message is cut to :data:`MESSAGE_CHARS` characters, so the frames always show; the innermost
    :data:`TRACEBACK_FRAMES` frames are listed, outermost first, with file names as the plugin's author knows
    them and a run of identical frames (recursion) shown once with its count. A ``componentize_py_types.Err``
    carrying a string shows that string.
    """
    if isinstance(error, Err):
        value = error.value
        text = value if isinstance(value, str) else f"{type(value).__name__}: {getattr(value, 'value', value)}"
    else:
        try:
            message = str(error)
        except Exception:  # a __str__ that raises must not hide the error itself
            message = "<message unavailable>"
        name = type(error).__name__
        text = f"{name}: {message}" if message else name
    if len(text) > MESSAGE_CHARS:
        text = f"{text[:MESSAGE_CHARS]}… [{len(text) - MESSAGE_CHARS} characters cut]"
    where = _frames(error.__traceback__)
    if where:
        text = f"{text} [at {where}]"
    if len(text) > ERROR_CHARS:
        text = text[: ERROR_CHARS - 1] + "…"
    return text


def _frames(tb: Optional[TracebackType]) -> str:
    if tb is None:
        return ""
    groups: list = []  # [label, count], consecutive identical frames folded
    try:
        for frame, line in traceback.walk_tb(tb):
            filename = frame.f_code.co_filename
            if _is_glue(filename):
                continue
            label = f"{_short(filename)}:{line} in {frame.f_code.co_name}"
            if groups and groups[-1][0] == label:
                groups[-1][1] += 1
            else:
                groups.append([label, 1])
    except Exception:
        return ""
    return " › ".join(label if count == 1 else f"{label} (×{count})" for label, count in groups[-TRACEBACK_FRAMES:])


def _short(filename: str) -> str:
    """A frame's file as the plugin's author knows it: inside a component, componentize-py mounts each source
    folder as ``/N/``, so ``/1/app.py`` is ``app.py``; elsewhere the last two parts of the path."""
    path = filename.replace("\\", "/")
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "" and parts[1].isdigit():
        return "/".join(parts[2:])
    return "/".join(parts[-2:])


def _is_glue(filename: str) -> bool:
    """Frames of the SDK's export glue say nothing about the plugin."""
    return filename.replace("\\", "/").endswith(("aigc_sdk/_export.py", "aigc_sdk/errors.py"))
