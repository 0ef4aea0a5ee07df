"""Tests that run on your machine, without the host: `python -m unittest` (needs `pip install aigc-sdk`, from
the aigc repository's sdk/python)."""

import json
import unittest

from aigc_sdk import testing

from app import {{camel}}

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


class Crawl(unittest.TestCase):
    def test_stores_every_file_of_the_index(self):
        index = [{"url": "https://example.org/a.png", "title": "A", "category": "icons", "licence": "CC0-1.0"}]
        pages = {"https://example.org/index.json": json.dumps(index).encode(), "https://example.org/a.png": PNG}
        with testing.FakeHost(http=pages) as host:
            testing.call({{camel}}, "crawl")
        [item] = host.stored.values()
        self.assertEqual((item.title, item.category, item.files[0].name), ("A", "icons", "file.png"))


if __name__ == "__main__":
    unittest.main()
