"""Unit tests of the SDK's Python side, run on the machine (no host): `python -m unittest discover sdk/python/tests`.
The suite runs them too (tests/all/python_plugins.rs)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aigc_sdk import (  # noqa: E402
    Cleaner,
    Crawler,
    Grader,
    Metric,
    NotFound,
    Report,
    check,
    collect,
    config,
    crawl,
    dataset,
    drop,
    evaluation,
    http,
    keep,
    log,
    submission,
    testing,
    web,
)
from aigc_sdk._export import PluginError, find_plugin  # noqa: E402
from aigc_sdk._wit import Err  # noqa: E402
from aigc_sdk.errors import describe  # noqa: E402


class Errors(unittest.TestCase):
    def test_an_exception_names_its_type_message_and_frames(self):
        def inner():
            raise ValueError("bad size")

        try:
            inner()
        except ValueError as e:
            text = describe(e)
        self.assertTrue(text.startswith("ValueError: bad size [at "), text)
        self.assertIn("test_sdk.py:", text)
        self.assertIn("in inner", text)

    def test_recursion_is_folded_and_long_messages_are_cut(self):
        def down(n):
            return down(n + 1)

        try:
            down(0)
        except RecursionError as e:
            text = describe(e)
        self.assertRegex(text, r"in down \(×\d+\)\]$")
        try:
            raise RuntimeError("x" * 100_000)
        except RuntimeError as e:
            text = describe(e)
        self.assertLess(len(text), 2600)
        self.assertIn("characters cut", text)
        self.assertIn("[at ", text)

    def test_host_errors_become_exceptions(self):
        with testing.FakeHost():
            with self.assertRaises(NotFound) as raised:
                dataset.get("nope")
        self.assertEqual(raised.exception.message, "no item `nope`")


class Config(unittest.TestCase):
    def test_typed_getters_name_the_key(self):
        with testing.FakeHost(config={"n": "12", "x": "0.5", "b": "yes", "bad": "ten", "l": "a, b,,c"}):
            self.assertEqual(config.int_or("n", 1), 12)
            self.assertEqual(config.int_or("missing", 7), 7)
            self.assertEqual(config.float_or("x", 0.0), 0.5)
            self.assertTrue(config.bool_or("b", False))
            self.assertEqual(config.list_of("l"), ["a", "b", "c"])
            with self.assertRaisesRegex(config.ConfigError, "config `bad` = `ten` is not valid"):
                config.int_or("bad", 1)

    def test_pairs_and_names_as_in_the_rust_sdk(self):
        pairs = config.parse_pairs("styles", "style", config.split_list("impressionism, ink-wash = ink landscape"))
        self.assertEqual(pairs, [("impressionism", "impressionism"), ("ink-wash", "ink landscape")])
        for bad in ["", "Impressionism", "a=", "a,a"]:
            with self.assertRaises(config.ConfigError):
                config.parse_pairs("styles", "style", config.split_list(bad))
        with self.assertRaisesRegex(config.ConfigError, "`Plants` is not a name"):
            config.check_names("categories", ["animals", "Plants"])

    def test_http_urls(self):
        with testing.FakeHost(config={"base": " https://API.example.org/v1// "}):
            self.assertEqual(config.http_url("base", ""), ("https://API.example.org/v1", "https://api.example.org"))
            with self.assertRaises(config.ConfigError):
                config.http_url("other", "ftp://x/")


class Web(unittest.TestCase):
    def test_origins_encoding_and_sniffing(self):
        self.assertEqual(web.origin("https://API.example.org/v3?x=1"), "https://api.example.org")
        for odd in ["https://user@evil.org/", "https://a b/", "ftp://example.org/", "//x/", ""]:
            self.assertIsNone(web.origin(odd), odd)
        self.assertEqual(web.encode("game character/ü"), "game%20character%2F%C3%BC")
        self.assertEqual(web.sniff(b"\x89PNG\r\n\x1a\n...."), ("png", "image/png"))
        self.assertEqual(web.sniff(b"  <?xml version='1.0'?><svg/>"), ("svg", "image/svg+xml"))
        self.assertIsNone(web.sniff_only(b"GIF89a", ["png"]))


class Http(unittest.TestCase):
    def test_fetch_all_returns_responses_and_errors_in_order(self):
        def answer(url, request):
            return (200, b'{"a": 1}') if url.endswith("/ok") else (500, b"")

        with testing.FakeHost(http=answer):
            ok, failed = http.fetch_all(["https://x.org/ok", http.Request.get("https://x.org/bad")])
            self.assertEqual(ok.json(), {"a": 1})
            self.assertEqual(failed.status, 500)
            with self.assertRaisesRegex(http.HttpError, "HTTP 500") as raised:
                http.success(failed)
            self.assertEqual(raised.exception.kind, "status")
            self.assertEqual(http.fetch_json("https://x.org/ok"), {"a": 1})


class Crawl(unittest.TestCase):
    def test_a_failed_category_goes_on_and_all_failed_is_an_error(self):
        logged = []

        def one(name):
            if name == "a":
                raise crawl.CategoryFailed("HTTP 500")

        crawl.run_categories("category", ["a", "b"], one, report=logged.append)
        self.assertEqual(logged, ["a: HTTP 500; the category ends here"])
        with self.assertRaisesRegex(RuntimeError, "every style failed: a: HTTP 500; b: HTTP 500"):
            crawl.run_categories("style", ["a", "b"], lambda n: one("a"), report=logged.append)
        with self.assertRaisesRegex(RuntimeError, "^style b: disk full"):
            crawl.run_categories("style", ["b"], lambda n: (_ for _ in ()).throw(OSError("disk full")))

    def test_state_is_json_and_unreadable_state_is_none(self):
        with testing.FakeHost() as host:
            state = crawl.State.cursor("ukiyo-e")
            self.assertIsNone(state.load())
            state.save({"page": 3})
            self.assertEqual(json.loads(host.state["cursor.ukiyo-e"]), {"page": 3})
            host.state["cursor.ukiyo-e"] = "not json"
            self.assertIsNone(state.load())

    def test_progress_counts_each_category_up_to_its_target(self):
        progress = crawl.Progress(10, 3)
        self.assertEqual((progress.done(4), progress.total), (4, 30))
        progress.finish(12)
        self.assertEqual(progress.done(3), 13)


class Glue(unittest.TestCase):
    def test_print_goes_to_the_log_and_errors_to_the_error_string(self):
        class Rule(Cleaner):
            def check(self, item):
                print("looking at", item.id)
                if item.id == "bad":
                    raise KeyError("size")
                return drop("too-small", 3)

        with testing.FakeHost() as host:
            verdict = testing.call(Rule, "check", host.add_item("a"))
            with self.assertRaises(Err) as raised:
                testing.call(Rule, "check", host.add_item("bad"))
        self.assertEqual((verdict.keep, verdict.reason, verdict.score), (False, "too-small", 3.0))
        self.assertEqual(host.logged("info"), ["looking at a", "looking at bad"])
        self.assertTrue(raised.exception.value.startswith("KeyError: 'size' [at tests/test_sdk.py:"), raised.exception.value)

    def test_a_wrong_return_value_is_named(self):
        class Rule(Cleaner):
            def check(self, item):
                return True

        with testing.FakeHost() as host:
            with self.assertRaises(Err) as raised:
                testing.call(Rule, "check", host.add_item("a"))
        self.assertIn("check() returned bool, not a Verdict", raised.exception.value)

    def test_graders_read_the_submission(self):
        class Readme(Grader):
            def grade(self):
                names = [e.path for e in submission.entries()]
                return Report(checks=[check("readme", "README.md" in names, 1, 1, submission.name())])

        with testing.FakeHost(submission={"README.md": b"hi", "src/a.py": b""}, submission_name="12_1.zip"):
            [c] = testing.call(Readme, "grade").checks
        self.assertEqual((c.passed, c.points, c.message), (True, 1.0, "12_1.zip"))

    def test_metrics_see_samples_and_pairs_and_report_scores(self):
        class Ssim(Metric):
            def evaluate(self):
                pairs = evaluation.pairs()
                ssim = [s.ssim for s in evaluation.compare_images(pairs)]
                media = [s.media for s in evaluation.samples(evaluation.Side.GENERATED)]
                return [
                    evaluation.score("ssim", evaluation.mean(ssim), higher_is_better=True, convention="test",
                                     per_item=ssim, interval=evaluation.bootstrap_interval(ssim, seed=3)),
                    evaluation.score("meshes", media.count(evaluation.Media.MESH), higher_is_better=True,
                                     convention="count"),
                ]

        samples = {"generated": ["b.png", "a.png", "m.glb"], "reference": ["a.png", "b.png", "c.png"]}
        with testing.FakeHost(samples=samples) as host:
            asked = []
            host.fake("evaluation", "compare_images", lambda pairs, options: asked.append((pairs, options)) or [
                evaluation.ImageScores(0.0, None, v, 0.0) for v in (0.25, 0.75)
            ])
            ssim, meshes = testing.call(Ssim, "evaluate")
        # Equal names pair up, in generated order.
        self.assertEqual(asked[0][0], [(0, 1), (1, 0)])
        self.assertEqual(asked[0][1].ssim_window, evaluation.SsimWindow.GAUSSIAN)
        self.assertEqual((ssim.value, ssim.per_item, ssim.higher_is_better), (0.5, [0.25, 0.75], True))
        low, high = ssim.interval
        self.assertTrue(0.25 <= low <= 0.5 <= high <= 0.75)
        self.assertEqual(evaluation.bootstrap_interval([0.25, 0.75], seed=3), ssim.interval)
        self.assertEqual(meshes.value, 1.0)

    def test_bootstrap_intervals_are_the_rust_sdks(self):
        # sdk/src/evaluation.rs asserts the same numbers: a metric ported between the languages keeps its interval.
        self.assertEqual(evaluation.bootstrap_interval([0.1, 0.4, 0.35, 0.8, 0.05], 200, 42), (0.12, 0.5599999999999999))

    def test_a_metric_returning_no_scores_list_is_explained(self):
        class Bad(Metric):
            def evaluate(self):
                return 0.5

        class Host(Metric):
            def evaluate(self):
                return [evaluation.score("fid", evaluation.frechet_distance(None, None), higher_is_better=False,
                                         convention="")]

        with testing.FakeHost():
            with self.assertRaises(Exception) as raised:
                testing.call(Bad, "evaluate")
            self.assertIn("evaluate() returned float, not a list of Scores", raised.exception.value)
            with self.assertRaises(Exception) as raised:
                testing.call(Host, "evaluate")
            self.assertIn("evaluation.frechet_distance runs in the host", raised.exception.value)

    def test_crawlers_put_items(self):
        class One(Crawler):
            def crawl(self):
                result = collect.put(collect.new_item("k:1", "https://x.org/1", metadata={"a": 1}))
                log.info(f"created {result.created}")

        with testing.FakeHost() as host:
            testing.call(One, "crawl")
        self.assertEqual(json.loads(host.stored["k:1"].metadata), {"a": 1})
        self.assertEqual(host.logged(), ["created True"])

    def test_the_plugin_class_is_found_or_its_absence_explained(self):
        import types

        module = types.ModuleType("app")
        exec("from aigc_sdk import Cleaner, Grader\nclass A(Grader):\n    pass\n", module.__dict__)
        with self.assertRaisesRegex(PluginError, r"defines no subclass of aigc_sdk.Cleaner.*A \(a grader\)"):
            find_plugin(module, "cleaner")
        self.assertEqual(find_plugin(module, "grader").__name__, "A")
        self.assertTrue(keep().keep)


if __name__ == "__main__":
    unittest.main()
