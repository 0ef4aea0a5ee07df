"""Messages and progress for the person running the plugin.

Inside a plugin, ``print`` writes to this log too (at info; ``sys.stderr`` at warn), line by line. The host caps
how much a plugin may log; ``aigc-host -v`` shows debug messages.
"""

from __future__ import annotations

import io
from typing import Optional

from ._wit import interface

_raw = interface("log")

Level = _raw.Level
"""Log levels: ``Level.TRACE``, ``DEBUG``, ``INFO``, ``WARN``, ``ERROR``."""


def log(level: "_raw.Level", message: str) -> None:
    """Writes ``message`` at ``level`` to the run's log, tagged with the plugin's name."""
    _raw.log(level, str(message))


def trace(message: str) -> None:
    """Writes a trace message (shown with ``-vv``)."""
    _raw.log(_raw.Level.TRACE, str(message))


def debug(message: str) -> None:
    """Writes a debug message (shown with ``-v``)."""
    _raw.log(_raw.Level.DEBUG, str(message))


def info(message: str) -> None:
    """Writes an informational message."""
    _raw.log(_raw.Level.INFO, str(message))


def warn(message: str) -> None:
    """Writes a warning: something was skipped or looks wrong, and the run goes on."""
    _raw.log(_raw.Level.WARN, str(message))


def error(message: str) -> None:
    """Writes an error message; the run goes on unless the plugin raises."""
    _raw.log(_raw.Level.ERROR, str(message))


def progress(done: int, total: Optional[int], message: str = "") -> None:
    """Reports progress: ``done`` of ``total`` units (``None`` when unknown), with a short status line."""
    _raw.progress(max(0, int(done)), None if total is None else max(0, int(total)), str(message))


class LogWriter(io.TextIOBase):
    """A text stream that writes each complete line to the log at one level: what ``sys.stdout`` and
    ``sys.stderr`` become inside a plugin, so ``print`` reaches the run's log.

    A line longer than :attr:`MAX_LINE` characters is written in pieces rather than held.
    """

    MAX_LINE = 4096
    """Characters held before a partial line is written out anyway."""

    def __init__(self, level: "_raw.Level") -> None:
        super().__init__()
        self._level = level
        self._pending = ""

    def writable(self) -> bool:
        """Always true."""
        return True

    def write(self, text: str) -> int:
        """Buffers ``text`` and logs every complete line of it; returns its length."""
        text = str(text)
        self._pending += text
        while True:
            cut = self._pending.find("\n")
            if cut < 0:
                break
            line, self._pending = self._pending[:cut], self._pending[cut + 1 :]
            _raw.log(self._level, line)
        while len(self._pending) > self.MAX_LINE:
            _raw.log(self._level, self._pending[: self.MAX_LINE])
            self._pending = self._pending[self.MAX_LINE :]
        return len(text)

    def flush(self) -> None:
        """Logs a partial line, if any."""
        if self._pending:
            line, self._pending = self._pending, ""
            _raw.log(self._level, line)
