#!/usr/bin/env python3
"""Fallback server for the crawl benchmark when nginx cannot be had: serves the fixture site with HTTP/1.1
keep-alive from a thread per connection, mapping `/api/items?page=N` to `api/items/page-N.json` as the nginx
configuration does. Loopback only. Slower than nginx; run.py says which server it used.

    python3 bench/crawl/serve.py SITE_DIR PORT
"""

import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

TYPES = {".json": "application/json", ".jpg": "image/jpeg"}


def make_handler(root: Path):
    root = root.resolve()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/api/items":
                page = parse_qs(url.query).get("page", [""])[0]
                path = root / "api" / "items" / f"page-{page}.json" if re.fullmatch(r"[0-9]+", page) else None
            elif url.path.startswith("/images/") and ".." not in url.path:
                path = root / url.path.lstrip("/")
            else:
                path = None
            try:
                data = path.read_bytes() if path else None
            except OSError:
                data = None
            if data is None:
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", TYPES.get(path.suffix, "application/octet-stream"))
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog (read when the socket is bound): the default 5 drops the crawlers' 64 parallel connects.
    request_queue_size = 1024


def main() -> None:
    site, port = Path(sys.argv[1]), int(sys.argv[2])
    Server(("127.0.0.1", port), make_handler(site)).serve_forever()


if __name__ == "__main__":
    main()
