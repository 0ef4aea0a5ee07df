"""{{description}}: the mean SSIM of each generated image against its reference, with a 95 % interval.

Edit `evaluate` and `[tool.aigc]` in pyproject.toml, then run `aigc-host build` and
`aigc-host evaluate {{name}}.wasm --generated OUT/ --reference GT/`. `python -m unittest` runs the tests in
test_app.py. The host decodes the images and computes SSIM; the plugin chooses what to report.
"""

from aigc_sdk import Metric, config, evaluation
from aigc_sdk.evaluation import SsimWindow

WINDOWS = {"gaussian": SsimWindow.GAUSSIAN, "uniform": SsimWindow.UNIFORM, "starvector": SsimWindow.STARVECTOR}


class {{camel}}(Metric):
    """The host calls `evaluate` once; `aigc_sdk.evaluation` names the samples and measures them."""

    def evaluate(self):
        name = (config.get("window") or "gaussian").strip()
        if name not in WINDOWS:
            raise ValueError(f"window `{name}`: use one of {', '.join(WINDOWS)}")
        pairs = evaluation.pairs()
        if not pairs:
            raise ValueError("no pairs: name each generated image as its reference, or give --pairs")
        ssim = [s.ssim for s in evaluation.compare_images(pairs, WINDOWS[name])]
        return [
            evaluation.score(
                "ssim",
                evaluation.mean(ssim),
                higher_is_better=True,
                convention=f"mean SSIM over pairs, {name} window, RGB in [0, 1] (alpha over white)",
                per_item=ssim,
                interval=evaluation.bootstrap_interval(ssim),
            )
        ]
