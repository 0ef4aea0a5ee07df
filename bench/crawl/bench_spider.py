"""The Scrapy side of the crawl benchmark: the same work as tests/plugins/bench-crawler.

Follows the fixture site's JSON listing pages (`/api/items?page=N`, `next` links), yields one item per entry
(id, title, licence, author, source URL, the entry as metadata) and has Scrapy's FilesPipeline download each
entry's image and store it under FILES_STORE; the items go to a JSON Lines feed. Politeness is off, as on the
aigc-host side. Run by bench/crawl/run.py as:

    scrapy runspider bench/crawl/bench_spider.py -a base_url=http://127.0.0.1:PORT \
        -s FILES_STORE=OUT/files -O OUT/items.jsonl:jsonlines
"""

import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"
    custom_settings = {
        "ITEM_PIPELINES": {"scrapy.pipelines.files.FilesPipeline": 1},
        # Politeness off, the same as `--delay 0 --per-host 64 --concurrency 64 --robots ignore --cache off`.
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 3,
    }

    def __init__(self, base_url="http://127.0.0.1:8080", max_pages="0", **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.max_pages = int(max_pages)
        self.pages = 0

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/api/items?page=1", callback=self.parse)

    def parse(self, response):
        self.pages += 1
        page = response.json()
        nxt = page.get("next")
        if nxt and (self.max_pages == 0 or self.pages < self.max_pages):
            yield response.follow(nxt, callback=self.parse)
        for entry in page["items"]:
            yield {
                "id": entry["id"],
                "source_key": f"bench:{entry['id']}",
                "title": entry.get("title"),
                "source_url": response.url,
                "licence": entry.get("licence"),
                "licence_url": entry.get("licence_url"),
                "author": entry.get("author"),
                "author_url": response.urljoin(entry["author_url"]) if entry.get("author_url") else None,
                "metadata": entry,
                "file_urls": [response.urljoin(entry["image"])],
            }
