"""Tests that run on your machine, without the host: `python -m unittest` (needs `pip install aigc-sdk`, from
the aigc repository's sdk/python)."""

import unittest

from aigc_sdk import testing

from app import {{camel}}


class Grade(unittest.TestCase):
    def test_a_readme_earns_the_points(self):
        with testing.FakeHost(submission={"README.md": b"# hi", "src/a.py": b""}):
            [readme] = testing.call({{camel}}, "grade").checks
        self.assertEqual((readme.passed, readme.points), (True, 10.0))

    def test_no_readme_is_named(self):
        with testing.FakeHost(submission={"src/a.py": b""}):
            [readme] = testing.call({{camel}}, "grade").checks
        self.assertFalse(readme.passed)
        self.assertIn("add a README", readme.message)


if __name__ == "__main__":
    unittest.main()
