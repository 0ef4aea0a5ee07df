"""{{description}}: keeps an item when its first file is at least `min_bytes` long.

Edit `judge` (the rule) and `[tool.aigc]` in pyproject.toml, then run `aigc-host build` and
`aigc-host clean DATASET --rule {{name}}.wasm`. `python -m unittest` runs the tests in test_app.py.
"""

from aigc_sdk import Cleaner, Verdict, config, drop, keep


def judge(size: int, min_bytes: int) -> Verdict:
    """The rule itself: a plain function, so it is easy to test. `keep(reason, score)` keeps the item,
    `drop(reason, score)` drops it from what is exported; reasons group items in the run's summary."""
    if size >= min_bytes:
        return keep("big-enough", size)
    return drop("too-small", size)


class {{camel}}(Cleaner):
    """The host calls `check` once per item. An exception leaves the item unjudged and is reported with its
    traceback; `print` goes to the run's log (`aigc-host clean -v` shows it)."""

    def check(self, item) -> Verdict:
        min_bytes = config.int_or("min_bytes", 1024)  # `--set min_bytes=...`, else the default above
        if not item.files:
            return drop("no-files")
        return judge(item.files[0].size, min_bytes)
