"""The glue between a plugin class and the component's export (used by the entry module ``aigc-host build``
writes; not for plugin code).

componentize-py calls the methods of a class named ``WitWorld`` in the module it wraps. :func:`world` makes that
class for one plugin: it routes ``print`` and ``sys.stderr`` to the log on the first call, checks what the
plugin returned, and turns any exception into the error string (see :func:`aigc_sdk.errors.describe`).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType
from typing import Any, List, Type

# Everything a call may need is imported here, at build time: componentize-py snapshots the modules imported
# while it builds, and a module first imported during a call is not in the component.
from . import Annotator, Check, Cleaner, Crawler, Grader, Metric, Report, Verdict, log
from ._wit import Err
from .errors import describe

BASES = {"crawler": Crawler, "cleaner": Cleaner, "annotator": Annotator, "grader": Grader, "metric": Metric}
"""The base class of each kind."""


class PluginError(Exception):
    """The plugin module does not define one plugin class of its kind (raised at build time)."""


def find_plugin(module: ModuleType, kind: str) -> Type[Any]:
    """The one class defined in ``module`` that subclasses the base class of ``kind``."""
    base = BASES[kind]
    here = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and value.__module__ == module.__name__ and issubclass(value, tuple(BASES.values()))
    ]
    ours = [cls for cls in here if issubclass(cls, base)]
    file = getattr(module, "__file__", module.__name__)
    if not ours:
        others = ", ".join(f"{cls.__name__} (a {cls.KIND})" for cls in here)
        hint = f"; it defines {others}: set kind = \"{here[0].KIND}\" in [tool.aigc] or change the base class" if here else ""
        raise PluginError(
            f"{file} defines no subclass of aigc_sdk.{base.__name__}: the {kind} needs "
            f"`class MyPlugin({base.__name__}):` with {_method(kind)}{hint}"
        )
    if len(ours) > 1:
        names = ", ".join(cls.__name__ for cls in ours)
        raise PluginError(f"{file} defines several {kind} classes ({names}): keep one, the host exports one per plugin")
    return ours[0]


def _method(kind: str) -> str:
    return {
        "crawler": "a crawl(self) method",
        "cleaner": "a check(self, item) method returning keep() or drop(reason)",
        "annotator": "an annotate(self, item) method",
        "grader": "a grade(self) method returning a Report",
        "metric": "an evaluate(self) method returning a list of evaluation.score(...)",
    }[kind]


_streams_ready = False


def _route_streams() -> None:
    global _streams_ready
    if _streams_ready:
        return
    _streams_ready = True
    sys.stdout = log.LogWriter(log.Level.INFO)
    sys.stderr = log.LogWriter(log.Level.WARN)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


IMPORT_HINT = (
    " (a plugin imports every module it uses at the top of its files: the component holds only the modules "
    "imported while `aigc-host build` ran, the standard library's included)"
)
"""Added to an ImportError raised during a call."""


def _fail(error: BaseException) -> Err:
    text = describe(error)
    if isinstance(error, ImportError):
        text += IMPORT_HINT
    return Err(text)


def world(kind: str, cls: Type[Any]) -> Type[Any]:
    """The ``WitWorld`` class exporting the plugin class ``cls`` as a ``kind`` component. The plugin is made on
    the first call (not at build time, when no host is there to answer its calls) and kept for the next ones;
    an exception in its constructor is that call's error."""
    made: List[Any] = []

    def instance() -> Any:
        if not made:
            made.append(cls())
        return made[0]

    if kind == "cleaner":

        class CleanerWorld:
            def check(self, item: Any) -> Verdict:
                try:
                    _route_streams()
                    verdict = instance().check(item)
                    if not isinstance(verdict, Verdict):
                        raise TypeError(
                            f"check() returned {type(verdict).__name__}, not a Verdict: return keep() or "
                            "drop(reason) from aigc_sdk"
                        )
                    return verdict
                except BaseException as e:
                    raise _fail(e) from None
                finally:
                    _flush()

        return CleanerWorld

    if kind == "crawler":

        class CrawlerWorld:
            def crawl(self) -> None:
                try:
                    _route_streams()
                    instance().crawl()
                except BaseException as e:
                    raise _fail(e) from None
                finally:
                    _flush()

        return CrawlerWorld

    if kind == "annotator":

        class AnnotatorWorld:
            def annotate_item(self, item: Any) -> None:
                try:
                    _route_streams()
                    instance().annotate(item)
                except BaseException as e:
                    raise _fail(e) from None
                finally:
                    _flush()

        return AnnotatorWorld

    if kind == "grader":

        class GraderWorld:
            def grade(self) -> Report:
                try:
                    _route_streams()
                    report = instance().grade()
                    if isinstance(report, (list, tuple)):
                        report = Report(checks=list(report))
                    if not isinstance(report, Report) or not all(isinstance(c, Check) for c in report.checks):
                        raise TypeError(
                            f"grade() returned {type(report).__name__}, not a Report of Checks: return "
                            "Report(checks=[check(...), ...]) from aigc_sdk"
                        )
                    return report
                except BaseException as e:
                    raise _fail(e) from None
                finally:
                    _flush()

        return GraderWorld

    if kind == "metric":
        from . import evaluation

        class MetricWorld:
            def evaluate(self) -> List[Any]:
                try:
                    _route_streams()
                    scores = instance().evaluate()
                    if isinstance(scores, evaluation.Score):
                        scores = [scores]
                    if not isinstance(scores, (list, tuple)) or not all(isinstance(s, evaluation.Score) for s in scores):
                        raise TypeError(
                            f"evaluate() returned {type(scores).__name__}, not a list of Scores: return "
                            "[evaluation.score(name, value, higher_is_better=..., convention=...), ...]"
                        )
                    return list(scores)
                except BaseException as e:
                    raise _fail(e) from None
                finally:
                    _flush()

        return MetricWorld

    raise PluginError(f"unknown plugin kind `{kind}`: one of {', '.join(BASES)}")


def export(kind: str, module_name: str) -> Type[Any]:
    """Imports the plugin module, finds its plugin class and returns its ``WitWorld``."""
    module = importlib.import_module(module_name)
    cls = find_plugin(module, kind)
    return world(kind, cls)


__all__: List[str] = ["BASES", "PluginError", "export", "find_plugin", "world"]
