"""Scaffolding for crawlers that fill the dataset one category at a time: the loop over categories with its
failure rule, crawl state kept as JSON between runs, counting what the dataset already holds in a category, and
progress over all categories::

    def crawl_one(category):
        state = crawl.State.cursor(category)
        cursor = state.load() or {"page": 0, "done": False}
        count = crawl.count_stored(category, "example:")
        while not cursor["done"] and count < per_category:
            try:
                page = http.fetch_json(f"{base}/{category}?page={cursor['page']}")
            except http.HttpError as e:
                raise crawl.CategoryFailed(str(e))      # this category ends, the next goes on
            count += store(page)                        # any other exception ends the run
            cursor = {"page": cursor["page"] + 1, "done": not page["next"]}
            state.save(cursor)

    crawl.run_categories("category", categories, crawl_one)
"""

from __future__ import annotations

import json
from typing import Any, Callable, Generic, List, Optional, Sequence, TypeVar

from . import collect, dataset, log

C = TypeVar("C")
T = TypeVar("T")


class CategoryFailed(Exception):
    """Raise it when the source failed for one category (a search page, a refused ``next`` link):
    :func:`run_categories` logs it and goes on with the next category."""


def run_categories(
    noun: str,
    categories: Sequence[C],
    crawl: Callable[[C], Any],
    name: Callable[[C], str] = str,
    report: Optional[Callable[[str], None]] = None,
) -> None:
    """Runs ``crawl`` on each category in order. A :class:`CategoryFailed` is logged as an error
    (``NAME: MESSAGE; the NOUN ends here``) and the next category goes on; any other exception ends the run at
    once, with ``NOUN NAME:`` before its message. The run fails only when every category failed, with an error
    listing why (``every NOUN failed: NAME: MESSAGE; ...``); no category at all is no failure.

    ``noun`` is what the crawler calls a category in messages; ``name`` gives a category's name (``str`` by
    default); ``report`` receives the log line of a failed category (:func:`aigc_sdk.log.error` by default).
    """
    report = report or log.error
    failures: List[str] = []
    for category in categories:
        label = name(category)
        try:
            crawl(category)
        except CategoryFailed as e:
            report(f"{label}: {e}; the {noun} ends here")
            failures.append(f"{label}: {e}")
        except Exception as e:
            raise RuntimeError(f"{noun} {label}: {e}") from e
    if failures and len(failures) == len(categories):
        raise RuntimeError(f"every {noun} failed: {'; '.join(failures)}")


class Progress:
    """Progress over several categories that each aim at ``target`` items: the host's bar runs from 0 to
    ``target × categories``, each category counting at most ``target``."""

    def __init__(self, target: int, categories: int) -> None:
        self.target = max(0, int(target))
        """Items each category aims at."""
        self.total = self.target * max(0, int(categories))
        """The bar's end."""
        self.finished = 0
        """Items counted in the categories already finished."""

    def done(self, count: int) -> int:
        """Units done with ``count`` items counted in the category in progress."""
        return self.finished + min(count, self.target)

    def show(self, count: int, message: str) -> None:
        """Reports ``count`` items counted so far in the category in progress, with a status line."""
        log.progress(self.done(count), self.total, message)

    def finish(self, count: int) -> None:
        """Ends the category in progress, which counted ``count`` items."""
        self.finished = self.done(count)


class State(Generic[T]):
    """A JSON value kept in the crawl state under one key, for the next run of this plugin on this dataset (at
    most 64 KiB of JSON)."""

    def __init__(self, key: str) -> None:
        self.key: str = key
        """The key the value is saved under."""

    @classmethod
    def cursor(cls, category: str) -> "State[Any]":
        """The cursor of one category: the state under ``cursor.NAME``."""
        return cls(f"cursor.{category}")

    def load(self) -> Optional[T]:
        """The saved value; ``None`` when nothing was saved or it is not JSON (a state written by another version
        of the plugin is ignored, not an error)."""
        text = collect.state(self.key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def save(self, value: T) -> None:
        """Saves ``value`` as JSON, replacing what was saved."""
        collect.set_state(self.key, json.dumps(value, separators=(",", ":")))


def count_stored(category: str, key_prefix: str) -> int:
    """How many items of ``category`` the dataset holds whose source key starts with ``key_prefix``: what this
    plugin stored there, by this run or earlier ones."""
    return sum(1 for item in dataset.items(category) if item.source_key.startswith(key_prefix))
