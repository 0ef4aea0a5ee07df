"""Tests that run on your machine, without the host: `python -m unittest` (needs `pip install aigc-sdk`, from
the aigc repository's sdk/python)."""

import unittest

from aigc_sdk import evaluation, testing

from app import {{camel}}


def scores(*ssim):
    return [evaluation.ImageScores(mse=0.0, psnr=None, ssim=s, masked_l2=0.0) for s in ssim]


class Evaluate(unittest.TestCase):
    def test_the_score_is_the_mean_ssim_of_the_pairs(self):
        with testing.FakeHost() as host:
            host.fake("evaluation", "pairs", lambda: [(0, 0), (1, 1)])
            host.fake("evaluation", "compare_images", lambda pairs, options: scores(0.5, 0.9))
            [ssim] = testing.call({{camel}}, "evaluate")
        self.assertAlmostEqual(ssim.value, 0.7)
        self.assertEqual(ssim.per_item, [0.5, 0.9])

    def test_an_unknown_window_is_named(self):
        with testing.FakeHost(config={"window": "box"}):
            with self.assertRaises(Exception) as caught:
                testing.call({{camel}}, "evaluate")
        self.assertIn("window `box`", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
