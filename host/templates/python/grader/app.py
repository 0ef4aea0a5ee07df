"""{{description}}: checks that the submission has a README at its top.

Edit `grade` and `[tool.aigc]` in pyproject.toml, then run `aigc-host build` and
`aigc-host grade {{name}}.wasm SUBMISSION.zip`. `python -m unittest` runs the tests in test_app.py.
"""

from aigc_sdk import Grader, Report, check, config, submission


class {{camel}}(Grader):
    """The host calls `grade` once per submission; `aigc_sdk.submission` reads its files (nothing else)."""

    def grade(self) -> Report:
        points = config.float_or("points.readme", 10)
        names = [e.path for e in submission.entries() if not e.is_dir]
        readme = next((n for n in names if "/" not in n and n.lower().startswith("readme")), None)
        message = f"found {readme}" if readme else "add a README (README.md) at the top of the submission"
        return Report(checks=[check("readme", readme is not None, points if readme else 0, points, message)])
