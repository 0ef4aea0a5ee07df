"""{{description}}: stores the total size of each item's files as an annotation.

Edit `annotate` and `[tool.aigc]` in pyproject.toml (add `models = ["captioner"]` to call a model through
`aigc_sdk.model`), then run `aigc-host build` and `aigc-host annotate DATASET --with {{name}}.wasm`.
`python -m unittest` runs the tests in test_app.py.
"""

from aigc_sdk import Annotator, annotate, config


class {{camel}}(Annotator):
    """The host calls `annotate` once per item; what it stores with `annotate.put` sits beside the item."""

    def annotate(self, item) -> None:
        total = sum(f.size for f in item.files)
        annotate.put(item.id, config.get_or("key", "total-bytes"), f"{total} bytes", score=total)
