#!/usr/bin/env python3
"""Generates the offline fixtures of the `met` crawler: a fake but realistic Met Collection API, recorded as a replay.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/met/make_fixtures.py            # writes replay and expected.json
    python3 examples/met/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds the search of each default style, one search
  that finds nothing (`q=xyzzy`, `"objectIDs": null`), every object record the crawler asks for, and the images
  behind them in both sizes (`primaryImageSmall` = `web-large`, `primaryImage` = `original`), those of the
  public-domain prints and drawings (left out by the default `classification=Paintings`) included.
* `expected.json`: per style the query, search URL, id list and what happens to each id; per stored item
  (`met:{objectID}`) its style, artist and title. The tests read it.

Field names and shapes follow the real API (research/source_apis.md section 5.3, the object record copied from
the docs); the values are made up (SYNTH): real artists' names, invented titles, ids and image file names.
The search URL of each style is built exactly as the plugin builds it (see `Settings::search_url`).

Image bytes come from the small real JPEG files in `images/` (256x144, copied from examples/sketchfab/thumbs).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import base64
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SEED = 20250314
API = "https://collectionapi.metmuseum.org"
IMAGES = "https://images.metmuseum.org"
WEB = "https://www.metmuseum.org"

# Special objects, by (style, index in the style's id list). Every other object is a public-domain painting with
# an image, stored by a default run.
NOT_PUBLIC_DOMAIN = {("impressionism", 2), ("ukiyo-e", 6), ("baroque", 4)}
NO_IMAGE = {("impressionism", 5), ("ink-wash", 8)}                      # public domain, but no image at all
OTHER_CLASSIFICATION = {("impressionism", 7): "Drawings",               # filtered by classification=Paintings
                        ("ukiyo-e", 1): "Prints", ("ukiyo-e", 4): "Prints", ("ukiyo-e", 8): "Prints"}
OBJECT_404 = {("impressionism", 9)}                                      # listed by the search, record gone
IMAGE_404 = {("impressionism", 11)}                                      # the image URL answers 404
SMALL_MISSING = {("baroque", 7)}                                         # only primaryImage: the fallback
ANONYMOUS = {("ink-wash", 5)}                                            # artistDisplayName "": no author
SHARED = (("ukiyo-e", 10), ("ink-wash", 0))                              # one object found by both searches

# Style -> (search keywords, number of ids the search returns, department, image folder, culture/period pairs,
# object names, media, artists, title words). The styles and queries are the manifest's defaults.
STYLES = {
    "impressionism": {
        "query": "impressionism", "ids": 14, "department": "European Paintings", "folder": "ep",
        "culture": [("", "")], "object_name": ["Painting"], "medium": ["Oil on canvas", "Oil on wood", "Pastel on paper"],
        "artists": [
            ("Claude Monet", "French, Paris 1840–1926 Giverny", "French", "1840", "1926", ""),
            ("Edgar Degas", "French, Paris 1834–1917 Paris", "French", "1834", "1917", ""),
            ("Camille Pissarro", "French, Charlotte Amalie, Saint Thomas 1830–1903 Paris", "French", "1830", "1903", ""),
            ("Alfred Sisley", "British, Paris 1839–1899 Moret-sur-Loing", "British", "1839", "1899", ""),
            ("Berthe Morisot", "French, Bourges 1841–1895 Paris", "French", "1841", "1895", "Female"),
            ("Auguste Renoir", "French, Limoges 1841–1919 Cagnes-sur-Mer", "French", "1841", "1919", ""),
            ("Mary Cassatt", "American, Pittsburgh, Pennsylvania 1844–1926 Le Mesnil-Théribus, Oise", "American", "1844", "1926", "Female"),
        ],
        "titles": ["The Seine at {p}", "Garden at {p}", "Haystacks, {p}", "Rue at {p}", "Poplars near {p}",
                   "Bridge at {p}", "Boulevard at {p}", "Dancers, {p}", "The Harbor at {p}", "Snow at {p}"],
        "places": ["Argenteuil", "Vétheuil", "Giverny", "Louveciennes", "Pontoise", "Rouen", "Étretat", "Moret"],
        "years": (1865, 1905),
    },
    "ukiyo-e": {
        "query": "ukiyo-e", "ids": 13, "department": "Asian Art", "folder": "as",
        "culture": [("Japan", "Edo period (1615–1868)")], "object_name": ["Hanging scroll", "Print"],
        "medium": ["Hanging scroll; ink and color on silk", "Hanging scroll; ink and color on paper"],
        "artists": [
            ("Katsushika Hokusai", "Japanese, Tokyo (Edo) 1760–1849 Tokyo (Edo)", "Japanese", "1760", "1849", ""),
            ("Utagawa Hiroshige", "Japanese, Tokyo (Edo) 1797–1858 Tokyo (Edo)", "Japanese", "1797", "1858", ""),
            ("Kitagawa Utamaro", "Japanese, ca. 1754–1806", "Japanese", "1754", "1806", ""),
            ("Suzuki Harunobu", "Japanese, 1725–1770", "Japanese", "1725", "1770", ""),
            ("Katsukawa Shunshō", "Japanese, 1726–1792", "Japanese", "1726", "1792", ""),
            ("Torii Kiyonaga", "Japanese, 1752–1815", "Japanese", "1752", "1815", ""),
        ],
        "titles": ["Courtesan Under a Cherry Tree at {p}", "Beauty Reading a Letter, {p}", "Actor in a Role at {p}",
                   "Moon over {p}", "Evening Rain at {p}", "Women Viewing Maple Leaves at {p}", "Snow at {p}"],
        "places": ["Yoshiwara", "Ryōgoku", "Asakusa", "Shinagawa", "Ueno", "Sumida River", "Kameido"],
        "years": (1740, 1850),
    },
    "baroque": {
        "query": "baroque", "ids": 10, "department": "European Paintings", "folder": "ep",
        "culture": [("", "")], "object_name": ["Painting"], "medium": ["Oil on canvas", "Oil on wood", "Oil on copper"],
        "artists": [
            ("Rembrandt (Rembrandt van Rijn)", "Dutch, Leiden 1606–1669 Amsterdam", "Dutch", "1606", "1669", ""),
            ("Johannes Vermeer", "Dutch, Delft 1632–1675 Delft", "Dutch", "1632", "1675", ""),
            ("Peter Paul Rubens", "Flemish, Siegen 1577–1640 Antwerp", "Flemish", "1577", "1640", ""),
            ("Frans Hals", "Dutch, Antwerp 1582/83–1666 Haarlem", "Dutch", "1582", "1666", ""),
            ("Artemisia Gentileschi", "Italian, Rome 1593–1654 or later Naples", "Italian", "1593", "1654", "Female"),
            ("Nicolas Poussin", "French, Les Andelys 1594–1665 Rome", "French", "1594", "1665", ""),
            ("Diego Velázquez", "Spanish, Seville 1599–1660 Madrid", "Spanish", "1599", "1660", ""),
        ],
        "titles": ["Portrait of a Man from {p}", "The Adoration at {p}", "Still Life with a Roemer, {p}",
                   "A Young Woman at a Window, {p}", "Allegory of {p}", "The Triumph of {p}", "Landscape near {p}"],
        "places": ["Haarlem", "Delft", "Antwerp", "Rome", "Naples", "Seville", "Leiden", "Amsterdam"],
        "years": (1600, 1690),
    },
    "ink-wash": {
        "query": "ink landscape", "ids": 11, "department": "Asian Art", "folder": "as",
        "culture": [("China", "Ming dynasty (1368–1644)"), ("China", "Qing dynasty (1644–1911)"),
                    ("Japan", "Muromachi period (1392–1573)")],
        "object_name": ["Hanging scroll", "Handscroll", "Album leaf"],
        "medium": ["Hanging scroll; ink on paper", "Handscroll; ink on paper", "Album leaf; ink and pale color on silk"],
        "artists": [
            ("Shen Zhou", "Chinese, 1427–1509", "Chinese", "1427", "1509", ""),
            ("Wen Zhengming", "Chinese, 1470–1559", "Chinese", "1470", "1559", ""),
            ("Dong Qichang", "Chinese, 1555–1636", "Chinese", "1555", "1636", ""),
            ("Wang Hui", "Chinese, 1632–1717", "Chinese", "1632", "1717", ""),
            ("Sesshū Tōyō", "Japanese, 1420–1506", "Japanese", "1420", "1506", ""),
        ],
        "titles": ["Autumn Mountains at {p}", "Dwelling in the {p} Hills", "Fishermen on the {p} River",
                   "Pines and Waterfall at {p}", "Landscape after {p}", "Clearing after Snow at {p}"],
        "places": ["Mount Lu", "Wu", "Fuchun", "Xiao and Xiang", "Lake Tai", "Huang", "Hangzhou"],
        "years": (1450, 1710),
    },
}
EMPTY_QUERY = "xyzzy"  # a search that finds nothing: "objectIDs": null

TAG_TERMS = ["Landscapes", "Women", "Men", "Boats", "Rivers", "Trees", "Mountains", "Flowers", "Portraits",
             "Bridges", "Snow", "Birds", "Houses", "Cityscapes", "Actors", "Moon"]

IMAGE_FILES = sorted(p.name for p in (HERE / "images").glob("*.jpeg"))


def search_url(query: str) -> str:
    """The plugin's search URL; keep in step with `Settings::search_url` in plugins/met."""
    return f"{API}/public/collection/v1/search?hasImages=true&q=" + quote(query, safe="")


def object_url(object_id: int) -> str:
    return f"{API}/public/collection/v1/objects/{object_id}"


def exchange(url: str, status: int, content_type: str, body: bytes | str) -> dict:
    line = {"method": "GET", "url": url, "status": status, "headers": [["content-type", content_type]], "final_url": url}
    if isinstance(body, str):
        line["body"] = body
    else:
        line["body_base64"] = base64.b64encode(body).decode()
    return line


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.searches: list[dict] = []
        self.records: list[dict] = []
        self.images: list[dict] = []
        self.image_urls: set[str] = set()
        self.used_ids: set[int] = set()
        self.expected: dict = {"styles": {}, "empty": {}, "items": {}}

    def new_id(self) -> int:
        while True:
            object_id = self.rng.randint(10_000, 899_999)
            if object_id not in self.used_ids:
                self.used_ids.add(object_id)
                return object_id

    def build(self) -> None:
        ids = {name: [self.new_id() for _ in range(spec["ids"])] for name, spec in STYLES.items()}
        (style_a, index_a), (style_b, index_b) = SHARED
        ids[style_b][index_b] = ids[style_a][index_a]
        shared_id = ids[style_a][index_a]
        for name, spec in STYLES.items():
            expected = {"query": spec["query"], "search_url": search_url(spec["query"]), "ids": ids[name],
                        "stored": [], "not_public_domain": [], "classification": [], "no_image": [],
                        "object_404": [], "image_404": [], "small_image_missing": [], "elsewhere": []}
            body = {"total": len(ids[name]), "objectIDs": ids[name]}
            self.searches.append(exchange(expected["search_url"], 200, "application/json", as_json(body)))
            for index, object_id in enumerate(ids[name]):
                key = (name, index)
                if object_id == shared_id and key != SHARED[0]:
                    expected["elsewhere"].append(object_id)  # stored under the first style; not fetched again
                    continue
                self.object(name, spec, key, object_id, expected)
            self.expected["styles"][name] = expected
        url = search_url(EMPTY_QUERY)
        self.searches.append(exchange(url, 200, "application/json", as_json({"total": 0, "objectIDs": None})))
        self.expected["empty"] = {"query": EMPTY_QUERY, "search_url": url}

    def object(self, style: str, spec: dict, key: tuple, object_id: int, expected: dict) -> None:
        r = self.rng
        if key in OBJECT_404:
            self.records.append(exchange(object_url(object_id), 404, "application/json",
                                         as_json({"message": "ObjectID not found"})))
            expected["object_404"].append(object_id)
            return
        public_domain = key not in NOT_PUBLIC_DOMAIN
        classification = OTHER_CLASSIFICATION.get(key, "Paintings")
        culture, period = r.choice(spec["culture"])
        if public_domain:
            name, bio, nationality, begin, end, gender = r.choice(spec["artists"])
        else:  # a twentieth-century work, still under copyright
            name, bio, nationality, begin, end, gender = (
                ("Pierre Bonnard", "French, Fontenay-aux-Roses 1867–1947 Le Cannet", "French", "1867", "1947", "")
                if style in ("impressionism", "baroque") else
                ("Kawase Hasui", "Japanese, 1883–1957", "Japanese", "1883", "1957", ""))
        if key in ANONYMOUS:
            name, bio, nationality, begin, end, gender = "", "", "", "", "", ""
        year = r.randint(*spec["years"]) if public_domain else r.randint(1915, 1945)
        title = r.choice(spec["titles"]).format(p=r.choice(spec["places"]))
        object_name = "Print" if classification == "Prints" else (
            "Drawing" if classification == "Drawings" else r.choice(spec["object_name"]))
        medium = ("Polychrome woodblock print; ink and color on paper" if classification == "Prints" else
                  "Pastel and charcoal on paper" if classification == "Drawings" else r.choice(spec["medium"]))
        folder = "dp" if classification in ("Prints", "Drawings") else spec["folder"]
        department = "Drawings and Prints" if classification == "Drawings" else spec["department"]
        file = f"DP{r.randint(100_000, 899_999)}"
        has_image = public_domain and key not in NO_IMAGE
        small = f"{IMAGES}/CRDImages/{folder}/web-large/{file}.jpg" if has_image and key not in SMALL_MISSING else ""
        large = f"{IMAGES}/CRDImages/{folder}/original/{file}.jpg" if has_image else ""
        additional = ([f"{IMAGES}/CRDImages/{folder}/original/{file}_{n}.jpg" for n in range(1, r.randint(1, 3))]
                      if has_image else [])
        ulan = f"http://vocab.getty.edu/page/ulan/500{r.randint(0, 999_999):06d}" if name else ""
        wikidata = f"https://www.wikidata.org/wiki/Q{r.randint(1000, 9_999_999)}" if name else ""
        tags = [{"term": t, "AAT_URL": f"http://vocab.getty.edu/page/aat/300{r.randint(0, 999_999):06d}",
                 "Wikidata_URL": f"https://www.wikidata.org/wiki/Q{r.randint(1000, 999_999)}"}
                for t in r.sample(TAG_TERMS, r.randint(1, 3))] if r.random() < 0.85 else None
        record = {
            "objectID": object_id,
            "isHighlight": r.random() < 0.1,
            "accessionNumber": f"{r.randint(1880, 2020)}.{r.randint(1, 400)}.{r.randint(1, 60)}",
            "accessionYear": str(r.randint(1880, 2020)),
            "isPublicDomain": public_domain,
            "primaryImage": large,
            "primaryImageSmall": small,
            "additionalImages": additional,
            "constituents": [{"constituentID": r.randint(1000, 300_000), "role": "Artist", "name": name,
                              "constituentULAN_URL": ulan, "constituentWikidata_URL": wikidata,
                              "gender": gender}] if name else None,
            "department": department,
            "objectName": object_name,
            "title": title,
            "culture": culture,
            "period": period,
            "dynasty": "",
            "reign": "",
            "portfolio": "",
            "artistRole": "Artist" if name else "",
            "artistPrefix": "",
            "artistDisplayName": name,
            "artistDisplayBio": bio,
            "artistSuffix": "",
            "artistAlphaSort": name,
            "artistNationality": nationality,
            "artistBeginDate": begin,
            "artistEndDate": end,
            "artistGender": gender,
            "artistWikidata_URL": wikidata,
            "artistULAN_URL": ulan,
            "objectDate": r.choice([str(year), f"ca. {year}", f"{year}–{year + r.randint(1, 6)}"]),
            "objectBeginDate": year,
            "objectEndDate": year + r.randint(0, 6),
            "medium": medium,
            "dimensions": f"{r.randint(10, 60)} x {r.randint(10, 80)} in. ({r.randint(25, 150)} x {r.randint(25, 200)} cm)",
            "measurements": None,
            "creditLine": r.choice(["Bequest of Mrs. H. O. Havemeyer, 1929", "Rogers Fund, 1919",
                                    "The Howard Mansfield Collection, Purchase, Rogers Fund, 1936",
                                    "Gift of Mary Griggs Burke, 2015", "Purchase, Joseph Pulitzer Bequest, 1917"]),
            "geographyType": "",
            "city": "",
            "state": "",
            "county": "",
            "country": "",
            "region": "",
            "subregion": "",
            "locale": "",
            "locus": "",
            "excavation": "",
            "river": "",
            "classification": classification,
            "rightsAndReproduction": "" if public_domain else f"© {name} estate / Artists Rights Society (ARS), New York",
            "linkResource": "",
            "metadataDate": f"202{r.randint(0, 4)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T04:{r.randint(10, 59)}:{r.randint(10, 59)}.{r.randint(100, 999)}Z",
            "repository": "Metropolitan Museum of Art, New York, NY",
            "objectURL": f"{WEB}/art/collection/search/{object_id}",
            "tags": tags,
            "objectWikidata_URL": "",
            "isTimelineWork": False,
            "GalleryNumber": str(r.randint(600, 830)) if r.random() < 0.4 else "",
        }
        self.records.append(exchange(object_url(object_id), 200, "application/json", as_json(record)))

        if not public_domain:
            expected["not_public_domain"].append(object_id)
        elif classification != "Paintings":
            # Stored only with another `classification` setting (`--set classification=` keeps any): its images
            # are in the replay too.
            for url in (small, large):
                self.image(url, 200, "image/jpeg", (HERE / "images" / r.choice(IMAGE_FILES)).read_bytes())
            expected["classification"].append(object_id)
        elif not has_image:
            expected["no_image"].append(object_id)
        elif key in IMAGE_404:
            for url in (small, large):
                self.image(url, 404, "text/html", "<html><head><title>404 Not Found</title></head>"
                                                  "<body><h1>Not Found</h1></body></html>")
            expected["image_404"].append(object_id)
        else:
            for url in (small, large):
                if url:
                    self.image(url, 200, "image/jpeg", (HERE / "images" / r.choice(IMAGE_FILES)).read_bytes())
            if key in SMALL_MISSING:
                expected["small_image_missing"].append(object_id)
            expected["stored"].append(object_id)
            self.expected["items"][f"met:{object_id}"] = {"style": style, "artist": name or None, "title": title}

    def image(self, url: str, status: int, content_type: str, body: bytes | str) -> None:
        if url not in self.image_urls:
            self.image_urls.add(url)
            self.images.append(exchange(url, status, content_type, body))


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
        "replay": render(site.searches + site.records + site.images),
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
    exchanges = len(site.searches) + len(site.records) + len(site.images)
    for name, e in site.expected["styles"].items():
        print(f"{name:14} ids {len(e['ids']):3}  stored {len(e['stored']):3}  not-pd {len(e['not_public_domain'])}  "
              f"classification {len(e['classification'])}  no-image {len(e['no_image'])}  "
              f"object-404 {len(e['object_404'])}  image-404 {len(e['image_404'])}  elsewhere {len(e['elsewhere'])}")
    print(f"{len(site.expected['items'])} items, {exchanges} exchanges")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
