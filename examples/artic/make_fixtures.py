#!/usr/bin/env python3
"""Generates the offline fixtures of the `artic` crawler: a fake but realistic Art Institute of Chicago API and IIIF
image server, recorded as a replay.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/artic/make_fixtures.py            # writes replay and expected.json
    python3 examples/artic/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds every search page of the default styles and the
  IIIF images (843 px wide, the default `image_width`) of the artworks the crawler fetches.
* `expected.json`: per style the query, first search URL, pages, hits and what happens to each artwork; per stored
  item (`artic:{id}`) its style, artist (the first line of `artist_display`) and title. The tests read it.

Shapes and field names follow the real API (research/source_apis.md section 5.4: the search envelope with
`preference`, `pagination`, `data`, `info`, `config` copied from the docs); the values are made up (SYNTH): real
artists' names, invented titles, ids and image ids. The first search URL of each style is built exactly as the
plugin builds it (see `Settings::search_url`). Later pages come from `pagination.next_url`, written in the API's
style (`page` first, commas as `%2C`), which the plugin follows verbatim; the `baroque` pages have no `next_url`,
as the docs' search example has none, so the plugin asks for `page=2` by number.

Image bytes come from the small real JPEG files in `images/` (256x144, copied from examples/sketchfab/thumbs).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SEED = 20250315
API = "https://api.artic.edu"
IIIF = "https://www.artic.edu/iiif/2"
WIDTH = 843  # the plugin's default image_width
LIMIT = 10  # the plugin's default page_size
# Keep in step with `api::FIELDS` in plugins/artic.
FIELDS = ("id,title,image_id,is_public_domain,artist_display,artist_title,date_display,date_start,date_end,"
          "style_title,style_titles,classification_title,medium_display,place_of_origin,department_title,"
          "term_titles,thumbnail")
PUBLIC_DOMAIN_FILTER = "query%5Bterm%5D%5Bis_public_domain%5D=true"

INFO = {
    "license_text": "The `description` field in this response is licensed under a Creative Commons Attribution 4.0 "
                    "Generic License (CC-By) and the Terms and Conditions of artic.edu. All other data in this "
                    "response is licensed under a Creative Commons Zero (CC0) 1.0 designation and the Terms and "
                    "Conditions of artic.edu.",
    "license_links": ["https://creativecommons.org/publicdomain/zero/1.0/", "https://www.artic.edu/terms"],
    "version": "1.13",
}
CONFIG = {"iiif_url": IIIF, "website_url": "http://www.artic.edu"}

# Special artworks, by (style, index in the style's hits). Every other hit is a public-domain work with an image.
NOT_PUBLIC_DOMAIN = {("impressionism", 3), ("baroque", 9)}   # the search's filter should leave these out; checked
NO_IMAGE = {("impressionism", 8), ("ukiyo-e", 11)}            # "image_id": null
IMAGE_404 = {("impressionism", 13)}                           # the IIIF server answers 404
SHARED = (("impressionism", 17), ("ukiyo-e", 2))              # one artwork found by both searches
NO_NEXT_URL = {"baroque"}                                     # pagination without next_url (as the docs' search)

STYLES = {
    "impressionism": {
        "query": "impressionism", "pages": [10, 10, 4], "style_title": "Impressionism",
        "classification": ("painting", "Oil on canvas"), "department": "Painting and Sculpture of Europe",
        "artists": [("Claude Monet", "French, 1840-1926", "France"),
                    ("Gustave Caillebotte", "French, 1848-1894", "France"),
                    ("Camille Pissarro", "French, 1830-1903", "France"),
                    ("Berthe Morisot", "French, 1841-1895", "France"),
                    ("Pierre-Auguste Renoir", "French, 1841-1919", "France"),
                    ("Alfred Sisley", "French, 1839-1899", "France")],
        "titles": ["Water Lilies at {p}", "Stacks of Wheat, {p}", "The Beach at {p}", "Woman at Her Toilette, {p}",
                   "On the Seine at {p}", "Cliff Walk at {p}", "Arrival of the Train, {p}"],
        "places": ["Giverny", "Argenteuil", "Pourville", "Étretat", "Bougival", "Vétheuil", "Sainte-Adresse"],
        "years": (1866, 1910), "terms": ["landscapes", "leisure", "water", "Impressionism", "women"],
    },
    "ukiyo-e": {
        "query": "ukiyo-e", "pages": [10, 6], "style_title": "Ukiyo-e",
        "classification": ("print", "Color woodblock print; oban"), "department": "Arts of Asia",
        "artists": [("Katsushika Hokusai", "Japanese, 1760-1849", "Japan"),
                    ("Utagawa Hiroshige", "Japanese, 1797-1858", "Japan"),
                    ("Kitagawa Utamaro", "Japanese, 1753 (?)-1806", "Japan"),
                    ("Torii Kiyonaga", "Japanese, 1752-1815", "Japan"),
                    ("Utagawa Kuniyoshi", "Japanese, 1797-1861", "Japan")],
        "titles": ["Under the Wave off {p}", "Evening Snow at {p}", "Sudden Shower over {p}",
                   "Courtesan of the {p} Pleasure Quarter", "The Actor as a Samurai, {p}", "Fuji from {p}"],
        "places": ["Kanagawa", "Kanbara", "Ōhashi", "Yoshiwara", "Nihonbashi", "Edo", "Ejiri"],
        "years": (1760, 1860), "terms": ["landscapes", "Edo period", "woodblock prints", "Japanese art", "Fuji"],
    },
    "baroque": {
        "query": "baroque", "pages": [10, 3], "style_title": "Baroque",
        "classification": ("painting", "Oil on canvas"), "department": "Painting and Sculpture of Europe",
        "artists": [("Rembrandt Harmensz. van Rijn", "Dutch, 1606-1669", "Holland"),
                    ("Peter Paul Rubens", "Flemish, 1577-1640", "Flanders"),
                    ("Francisco de Zurbarán", "Spanish, 1598-1664", "Spain"),
                    ("Guido Reni", "Italian, 1575-1642", "Italy"),
                    ("Jan Davidsz. de Heem", "Dutch, 1606-1684", "Holland")],
        "titles": ["Old Man with a Gold Chain, {p}", "The Crucifixion of Saint Peter, {p}", "Still Life, {p}",
                   "Saint Francis in Meditation, {p}", "The Holy Family, {p}", "Portrait of a Lady of {p}"],
        "places": ["Leiden", "Antwerp", "Seville", "Bologna", "Utrecht", "Amsterdam"],
        "years": (1600, 1690), "terms": ["Baroque", "portraits", "religious", "still life", "Christianity"],
    },
    "ink-wash": {
        "query": "ink landscape", "pages": [10, 5], "style_title": None,
        "classification": ("painting", "Hanging scroll; ink on paper"), "department": "Arts of Asia",
        "artists": [("Wang Hui", "Chinese, 1632-1717", "China"),
                    ("Shen Zhou", "Chinese, 1427-1509", "China"),
                    ("Dong Qichang", "Chinese, 1555-1636", "China"),
                    ("Kano Tan'yū", "Japanese, 1602-1674", "Japan"),
                    ("Ike no Taiga", "Japanese, 1723-1776", "Japan")],
        "titles": ["Landscape after {p}", "Mountains in Mist near {p}", "Fishing Village at {p}",
                   "Autumn Colors at {p}", "Streams and Mountains, {p}"],
        "places": ["Huang Gongwang", "Ni Zan", "Lake Tai", "Mount Hua", "the Xiao River", "Mount Fuji"],
        "years": (1450, 1780), "terms": ["landscapes", "ink", "mountains", "Chinese art", "scrolls"],
    },
}

IMAGE_FILES = sorted(p.name for p in (HERE / "images").glob("*.jpeg"))


def search_url(query: str, page: int) -> str:
    """The plugin's search URL; keep in step with `Settings::search_url` in plugins/artic."""
    return (f"{API}/api/v1/artworks/search?q={quote(query, safe='')}&{PUBLIC_DOMAIN_FILTER}"
            f"&fields={FIELDS}&limit={LIMIT}&page={page}")


def next_url(query: str, page: int) -> str:
    """A page URL as the API writes it in `pagination.next_url` (PHP's http_build_query: commas as %2C)."""
    return (f"{API}/api/v1/artworks/search?page={page}&q={quote(query, safe='')}&{PUBLIC_DOMAIN_FILTER}"
            f"&fields={quote(FIELDS, safe='')}&limit={LIMIT}")


def image_url(image_id: str) -> str:
    return f"{IIIF}/{image_id}/full/{WIDTH},/0/default.jpg"


def exchange(url: str, status: int, content_type: str, body: bytes | str) -> dict:
    line = {"method": "GET", "url": url, "status": status, "headers": [["content-type", content_type]], "final_url": url}
    if isinstance(body, str):
        line["body"] = body
    else:
        line["body_base64"] = base64.b64encode(body).decode()
    return line


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.pages: list[dict] = []
        self.images: list[dict] = []
        self.used_ids: set[int] = set()
        self.image_404: set[int] = set()
        self.expected: dict = {"styles": {}, "items": {}}

    def new_id(self) -> int:
        while True:
            artwork_id = self.rng.randint(1_000, 250_000)
            if artwork_id not in self.used_ids:
                self.used_ids.add(artwork_id)
                return artwork_id

    def build(self) -> None:
        hits = {}
        for name, spec in STYLES.items():
            hits[name] = [self.hit(name, spec, (name, index)) for index in range(sum(spec["pages"]))]
        (style_a, index_a), (style_b, index_b) = SHARED
        shared = hits[style_a][index_a]
        hits[style_b][index_b] = dict(shared, _score=round(self.rng.uniform(20, 90), 5))
        for name, spec in STYLES.items():
            self.style(name, spec, hits[name], shared["id"])

    def style(self, name: str, spec: dict, hits: list[dict], shared_id: int) -> None:
        query = spec["query"]
        expected = {"query": query, "first_url": search_url(query, 1), "pages": len(spec["pages"]),
                    "hits": len(hits), "stored": [], "not_public_domain": [], "no_image": [], "image_404": [],
                    "elsewhere": []}
        total = len(hits)
        total_pages = len(spec["pages"])
        offset = 0
        for page_no, size in enumerate(spec["pages"], start=1):
            data = hits[offset:offset + size]
            pagination = {"total": total, "limit": LIMIT, "offset": offset, "total_pages": total_pages,
                          "current_page": page_no}
            if name not in NO_NEXT_URL:
                pagination["prev_url"] = next_url(query, page_no - 1) if page_no > 1 else None
                pagination["next_url"] = next_url(query, page_no + 1) if page_no < total_pages else None
            body = {"preference": None, "pagination": pagination, "data": data, "info": INFO, "config": CONFIG}
            if page_no == 1:
                url = search_url(query, 1)
            elif name in NO_NEXT_URL:
                url = search_url(query, page_no)  # the plugin asks by page number
            else:
                url = next_url(query, page_no)
            self.pages.append(exchange(url, 200, "application/json", as_json(body)))
            offset += size
            for hit in data:
                self.outcome(name, hit, shared_id, expected)
        self.expected["styles"][name] = expected

    def outcome(self, style: str, hit: dict, shared_id: int, expected: dict) -> None:
        artwork_id = hit["id"]
        if artwork_id == shared_id and f"artic:{artwork_id}" in self.expected["items"]:
            expected["elsewhere"].append(artwork_id)
        elif not hit["is_public_domain"]:
            expected["not_public_domain"].append(artwork_id)
        elif hit["image_id"] is None:
            expected["no_image"].append(artwork_id)
        elif artwork_id in self.image_404:
            self.images.append(exchange(image_url(hit["image_id"]), 404, "text/html",
                                        "<html><body><h1>404 Not Found</h1></body></html>"))
            expected["image_404"].append(artwork_id)
        else:
            data = (HERE / "images" / self.rng.choice(IMAGE_FILES)).read_bytes()
            self.images.append(exchange(image_url(hit["image_id"]), 200, "image/jpeg", data))
            expected["stored"].append(artwork_id)
            artist = hit["artist_display"].split("\n")[0] if hit["artist_display"] else hit["artist_title"]
            self.expected["items"][f"artic:{artwork_id}"] = {"style": style, "artist": artist, "title": hit["title"]}

    def hit(self, style: str, spec: dict, key: tuple) -> dict:
        r = self.rng
        artwork_id = self.new_id()
        public_domain = key not in NOT_PUBLIC_DOMAIN
        if public_domain:
            artist, bio, place = r.choice(spec["artists"])
            year = r.randint(*spec["years"])
        else:  # a twentieth-century work, still under copyright
            artist, bio, place = ("Pablo Picasso", "Spanish, 1881-1973", "France")
            year = r.randint(1920, 1950)
        title = r.choice(spec["titles"]).format(p=r.choice(spec["places"]))
        classification, medium = spec["classification"]
        if key == SHARED[0]:  # Japonisme: an Impressionist's color print, also found by "ukiyo-e"
            artist, bio, place = ("Mary Cassatt", "American, 1844-1926", "United States")
            title, classification, medium, year = "The Letter", "print", "Color drypoint and aquatint on paper", 1891
        image_id = None if key in NO_IMAGE else str(uuid.UUID(int=r.getrandbits(128), version=4))
        if key in IMAGE_404:
            self.image_404.add(artwork_id)
        end = year + r.randint(0, 4)
        terms = r.sample(spec["terms"], 3)
        return {
            "_score": round(r.uniform(20, 250), 5),
            "id": artwork_id,
            "title": title,
            "image_id": image_id,
            "is_public_domain": public_domain,
            "artist_display": f"{artist}\n{bio}",
            "artist_title": artist,
            "date_display": str(year) if end == year else f"{year}–{end % 100:02d}",
            "date_start": year,
            "date_end": end,
            "style_title": spec["style_title"],
            "style_titles": [spec["style_title"]] if spec["style_title"] else [],
            "classification_title": classification,
            "medium_display": medium,
            "place_of_origin": place,
            "department_title": spec["department"],
            "term_titles": terms,
            "thumbnail": {
                "lqip": "data:image/gif;base64,R0lGODlhBQAFAPQAAEZcaFFfdVtzbWBnfmh7enN/e3qGfH2Kg4OHkYqTlZKYmJ2jn6Wnn6asnKuxo7K0srq8vsTHwsrNzdPV0djU3+Tj4QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACH5BAAAAAAALAAAAAAFAAUAAAUV4CMSRUAIzuM8RlIYSyM0zAMRQ+kEADs=",
                "width": r.randint(1500, 9000),
                "height": r.randint(1500, 9000),
                "alt_text": f"{classification.capitalize()}: {title}.",
            } if image_id else None,
        }


def render(lines: list[dict]) -> str:
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write (default: next to this script)")
    parser.add_argument("--check", action="store_true", help="compare with the files there instead of writing")
    args = parser.parse_args()

    site = Site()
    site.build()
    files = {
        "replay": render(site.pages + site.images),
        "expected.json": json.dumps(site.expected, indent=1, ensure_ascii=False) + "\n",
    }
    stale = []
    for name, text in files.items():
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    for name, e in site.expected["styles"].items():
        print(f"{name:14} pages {e['pages']}  hits {e['hits']:3}  stored {len(e['stored']):3}  "
              f"not-pd {len(e['not_public_domain'])}  no-image {len(e['no_image'])}  "
              f"image-404 {len(e['image_404'])}  elsewhere {len(e['elsewhere'])}")
    print(f"{len(site.expected['items'])} items, {len(site.pages) + len(site.images)} exchanges")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
