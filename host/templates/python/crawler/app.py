"""{{description}}: fetches a JSON index (a list of {"url", "title", "category", "licence"}) and stores each file
it names as an item.

Edit `crawl` and `[tool.aigc]` in pyproject.toml (the hosts it may reach), then run `aigc-host build` and
`aigc-host run {{name}}.wasm --dataset DATASET`. `python -m unittest` runs the tests in test_app.py.
"""

from aigc_sdk import Crawler, collect, config, dataset, http, log, web


class {{camel}}(Crawler):
    """The host calls `crawl` once per run. Items put before an exception stay stored, and a second run skips
    what the first stored (`dataset.seen`)."""

    def crawl(self) -> None:
        index_url = config.get_or("index_url", "https://example.org/index.json")
        entries = http.fetch_json(index_url)
        todo = [e for e in entries if dataset.seen(f"{{name}}:{e['url']}") is None]
        # fetch_all sends the requests concurrently; each result is a Response or the HttpError it met.
        for entry, answer in zip(todo, http.fetch_all([e["url"] for e in todo])):
            try:
                body = http.success(answer).body
            except http.HttpError as e:
                log.warn(f"skipping {entry['url']}: {e}")
                continue
            ext, media_type = web.sniff(body) or ("bin", "application/octet-stream")
            collect.put(
                collect.new_item(
                    f"{{name}}:{entry['url']}",
                    entry["url"],
                    files=[collect.NewFile(f"file.{ext}", media_type, body)],
                    category=entry.get("category"),
                    title=entry.get("title"),
                    licence=entry.get("licence"),
                )
            )
        log.info(f"{len(todo)} new entries of {len(entries)}")
