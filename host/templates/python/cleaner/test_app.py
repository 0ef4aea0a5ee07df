"""Tests that run on your machine, without the host: `python -m unittest` (needs `pip install aigc-sdk`, from
the aigc repository's sdk/python). The plugin itself runs in the host: `aigc-host build` then `aigc-host clean`."""

import unittest

from aigc_sdk import testing

from app import {{camel}}, judge


class Rule(unittest.TestCase):
    def test_keeps_big_files_and_drops_small_ones(self):
        self.assertTrue(judge(2048, 1024).keep)
        self.assertEqual(judge(10, 1024).reason, "too-small")

    def test_check_reads_the_config(self):
        with testing.FakeHost(config={"min_bytes": "100"}) as host:
            item = host.add_item("a", files={"a.txt": ("text/plain", b"x" * 50)})
            verdict = testing.call({{camel}}, "check", item)
        self.assertEqual((verdict.keep, verdict.reason, verdict.score), (False, "too-small", 50.0))


if __name__ == "__main__":
    unittest.main()
