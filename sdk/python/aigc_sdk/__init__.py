"""Write plugins for aigc-host in Python.

A plugin is a WebAssembly component the host runs in a sandbox. Write one class in ``app.py`` that subclasses
:class:`Crawler`, :class:`Cleaner`, :class:`Annotator`, :class:`Grader` or :class:`Metric`, declare the plugin in
``pyproject.toml`` under ``[tool.aigc]``, and build it with ``aigc-host build``::

    from aigc_sdk import Cleaner, Verdict, drop, keep, svg

    class NoText(Cleaner):
        def check(self, item) -> Verdict:
            for f in item.files:
                if svg.is_svg(f.media_type, f.name) and svg.analyze_file(item.id, f.name).facts.texts:
                    return drop("has-text")
            return keep()

The host's interfaces are modules of this package: :mod:`~aigc_sdk.log`, :mod:`~aigc_sdk.config`,
:mod:`~aigc_sdk.dataset`, :mod:`~aigc_sdk.collect`, :mod:`~aigc_sdk.http`, :mod:`~aigc_sdk.annotate`,
:mod:`~aigc_sdk.model`, :mod:`~aigc_sdk.image`, :mod:`~aigc_sdk.svg`, :mod:`~aigc_sdk.mesh`,
:mod:`~aigc_sdk.submission`, :mod:`~aigc_sdk.evaluation`; :mod:`~aigc_sdk.crawl` and :mod:`~aigc_sdk.web` help crawlers, and
:mod:`~aigc_sdk.testing` runs a plugin's methods on your machine against fakes. A plugin may import only the
interfaces its kind is given (a crawler has no ``svg``; a grader has no ``dataset``).

An exception that leaves your method becomes the call's error, with its type, message and last frames; ``print``
writes to the run's log.
"""

from __future__ import annotations

from typing import Any, List, Optional

from ._wit import IN_COMPONENT, interface
from .errors import AigcError, Denied, HostError, Invalid, LimitExceeded, NotFound

_types = interface("types")

WIT_PACKAGE = "aigc:plugin@0.1.1"
"""The WIT package this SDK speaks; the host checks it against the versions it runs."""

Verdict = _types.Verdict
"""A cleaner's judgement: ``Verdict(keep, reason, score)``; see :func:`keep` and :func:`drop`."""
Check = _types.Check
"""One check a grader made: ``Check(name, passed, points, max_points, message)``; see :func:`check`."""
Report = _types.Report
"""A grader's result: ``Report(checks)``; the score is the sum of the checks' points."""
try:
    Item = interface("dataset").Item
    """An item of the dataset (see :mod:`aigc_sdk.dataset`)."""
except ImportError:  # a grader's world has no dataset
    Item = Any  # type: ignore[misc,assignment]


def keep(reason: str = "ok", score: Optional[float] = None) -> Verdict:
    """A verdict keeping the item, with a reason that groups well in a summary and an optional measurement."""
    return Verdict(keep=True, reason=reason, score=None if score is None else float(score))


def drop(reason: str, score: Optional[float] = None) -> Verdict:
    """A verdict dropping the item from what is exported (it is never deleted), with a short reason
    (``too-small``, ``has-text``) and an optional measurement."""
    return Verdict(keep=False, reason=reason, score=None if score is None else float(score))


def check(name: str, passed: bool, points: float, max_points: float, message: str = "") -> Check:
    """One grader check: a short stable ``name``, whether it ``passed``, ``points`` earned of ``max_points``, and
    a ``message`` for the student."""
    return Check(name=name, passed=bool(passed), points=float(points), max_points=float(max_points), message=message)


class Crawler:
    """A plugin that collects items from a source into the dataset (world ``crawler``). Subclass it and write
    :meth:`crawl`; the host makes one instance per run."""

    KIND = "crawler"
    """The world this base class exports."""

    def crawl(self) -> None:
        """Crawls until done, storing items with :mod:`aigc_sdk.collect`. Items already put stay stored when it
        raises."""
        raise NotImplementedError(f"{type(self).__name__} must define crawl(self)")


class Cleaner:
    """A plugin that judges items one at a time (world ``cleaner``). Subclass it and write :meth:`check`; one
    instance judges many items, so it may keep what it computed once (a parsed config) on ``self``."""

    KIND = "cleaner"
    """The world this base class exports."""

    def check(self, item: Item) -> Verdict:
        """The verdict on one item (:func:`keep` or :func:`drop`); an exception leaves the item unjudged and is
        reported."""
        raise NotImplementedError(f"{type(self).__name__} must define check(self, item)")


class Annotator:
    """A plugin that describes items one at a time, storing annotations such as captions (world ``annotator``).
    Subclass it and write :meth:`annotate`."""

    KIND = "annotator"
    """The world this base class exports."""

    def annotate(self, item: Item) -> None:
        """Annotates one item through :func:`aigc_sdk.annotate.put`."""
        raise NotImplementedError(f"{type(self).__name__} must define annotate(self, item)")


class Grader:
    """A plugin that grades one submission at a time (world ``grader``). Subclass it and write :meth:`grade`."""

    KIND = "grader"
    """The world this base class exports."""

    def grade(self) -> Report:
        """The checks made on the submission the host exposes through :mod:`aigc_sdk.submission`."""
        raise NotImplementedError(f"{type(self).__name__} must define grade(self)")


class Metric:
    """A plugin that scores a set of generated samples against references (world ``metric``). Subclass it and
    write :meth:`evaluate`; :mod:`aigc_sdk.evaluation` names the samples and computes features, statistics and
    comparisons in the host."""

    KIND = "metric"
    """The world this base class exports."""

    def evaluate(self) -> List[Any]:
        """The metric's named scores: a list of :class:`aigc_sdk.evaluation.Score`, made with
        :func:`aigc_sdk.evaluation.score`."""
        raise NotImplementedError(f"{type(self).__name__} must define evaluate(self)")


__all__ = [
    "AigcError",
    "Annotator",
    "Check",
    "Cleaner",
    "Crawler",
    "Denied",
    "Grader",
    "HostError",
    "IN_COMPONENT",
    "Invalid",
    "Item",
    "LimitExceeded",
    "Metric",
    "NotFound",
    "Report",
    "Verdict",
    "WIT_PACKAGE",
    "check",
    "drop",
    "keep",
]
