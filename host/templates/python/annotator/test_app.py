"""Tests that run on your machine, without the host: `python -m unittest` (needs `pip install aigc-sdk`, from
the aigc repository's sdk/python)."""

import unittest

from aigc_sdk import testing

from app import {{camel}}


class Annotate(unittest.TestCase):
    def test_stores_the_total_size(self):
        with testing.FakeHost() as host:
            item = host.add_item("a", files={"a.txt": ("text/plain", b"abc"), "b.txt": ("text/plain", b"de")})
            testing.call({{camel}}, "annotate", item)
        self.assertEqual(host.annotations[("a", "total-bytes")], ("5 bytes", 5.0))


if __name__ == "__main__":
    unittest.main()
