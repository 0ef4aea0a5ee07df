#!/usr/bin/env python3
"""Generates the offline Smithsonian 3D API fixtures: a fake but realistic file search, recorded as a replay file.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/smithsonian/make_fixtures.py            # writes replay and expected.json
    python3 examples/smithsonian/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds every search page of the default configuration
  (three categories, eleven search terms), and the GLB files and scene images the crawler downloads.
* `expected.json`: the page URLs of every search, and what a crawl with the default configuration stores
  (package, category, title, the GLB's URI and SHA-256, the thumbnail) and what it does not store, and why.

The 3D API answers one row per file (source_apis.md §2.1): `{"title", "content": {"uri", "model_url", "usage",
"quality", "file_type", "model_type", "file_size", "draco_compressed", "gltf_orientation_compliant"}}`, in an
envelope `{"rows": [...], "rowCount": N, "message": "content found"}`. Rows of one package come together, so
page boundaries (every 50 rows, the plugin's default `rows`) cut packages in two. Search URLs are built exactly
as the plugin builds them (see `search_url`).

Thumbnail bytes come from the small real JPEG files in `thumbs/` (copied from examples/sketchfab/thumbs).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import re
import struct
import sys
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SEED = 20240315
API = "https://3d-api.si.edu"
ROWS = 50  # the plugin's default `rows`

# The manifest's defaults: category -> search terms, in crawl order. Per term: the packages it finds, as
# (title, special) pairs, or ("dup", "<term>:<index>") for a package another search already found.
SPECIAL_NONE = ""

TITLES = {
    "mammal": ["Woolly mammoth", "American bison", "Harbor seal", "Eastern gray squirrel", "Giant armadillo",
               "Little brown bat", "Killer whale", "Sea otter", "Red panda", "Snowshoe hare", "Right whale skull",
               "Manatee rib", "Ground sloth", "Mastodon tooth", "Pronghorn", "Black-footed ferret", "Koala",
               "Vampire bat", "Sperm whale jaw", "Lion skull", "Beaver", "Walrus"],
    "bird": ["Passenger pigeon", "Carolina parakeet", "Great auk", "Bald eagle", "Ivory-billed woodpecker",
             "Heath hen", "California condor"],
    "fish": ["Coelacanth", "Atlantic cod", "Sockeye salmon", "Sea lamprey", "Oarfish", "Ocean sunfish",
             "Spotted gar", "Lionfish", "Paddlefish", "Goliath grouper", "Hagfish"],
    "skeleton": ["Allosaurus skeleton", "Steller's sea cow skeleton"],
    "plant": ["Ginkgo leaf fossil", "Pine cone", "Cycad", "Petrified wood", "Corn cob", "Coconut",
              "Lycopod fossil", "Seed fern fossil", "Pitcher plant", "Date palm seed"],
    "flower": ["Cattleya orchid", "Sunflower head", "Rafflesia model", "Glass flower: lily", "Magnolia"],
    "tree": [],
    "vase": ["Baluster vase", "Meiping vase", "Gourd-shaped vase", "Double-gourd vase", "Vase with peonies",
             "Amphora", "Hu wine vessel", "Lekythos", "Celadon vase", "Moon flask", "Cloisonne vase",
             "Tea-dust vase", "Art Nouveau vase", "Rookwood vase", "Portland-style vase", "Imari vase",
             "Kraak vase", "Raku vase", "Bottle vase", "Satsuma vase"],
    "bowl": ["Celadon bowl", "Jian tea bowl", "Lusterware bowl", "Punch bowl", "Mimbres bowl", "Raku tea bowl",
             "Footed bowl"],
    "ceramic": ["Glazed jar", "Stoneware ewer"],
    "sculpture": ["Bodhisattva head", "Bronze horse", "Seated Buddha", "Jade cicada"],
}

CATEGORIES = {
    "animals": ["mammal", "bird", "fish", "skeleton"],
    "plants": ["plant", "flower", "tree"],
    "antiques": ["vase", "bowl", "ceramic", "sculpture"],
}

# Packages another search already found, appended to (or inserted in) a search's results: (term, index).
DUPLICATES = {
    "skeleton": [("mammal", 0), ("mammal", 10), ("mammal", 11)],  # same category, found twice
    "ceramic": [("vase", 3), ("bowl", 1), ("vase", 8), ("bowl", 4)],
    "sculpture": [("skeleton", 1)],  # stored under animals first: not stored again under antiques
}

# (term, index) -> what is special about the package.
SPECIAL = {
    ("mammal", 4): "draco_and_plain",   # two Download3D Low_resolution GLBs: the one without Draco is taken
    ("mammal", 6): "thumbnail_404",     # stored without its scene image (a warning)
    ("mammal", 13): "web3d_only",       # only the viewer's Draco GLBs: no Download3D GLB, not stored
    ("mammal", 17): "no_image",         # no Image2D row: stored with model.glb only
    ("bird", 2): "glb_404",             # its only acceptable GLB answers 404: skipped with a warning
    ("bird", 5): "full_resolution_only",  # a Download3D GLB of a quality not accepted: not stored
    ("fish", 3): "too_big",             # file_size above max_bytes: not stored
    ("fish", 6): "off_origin",          # its GLB is on another origin: refused, not stored
    ("plant", 4): "glb_404_fallback",   # the Low_resolution GLB answers 404; the Medium one is taken
    ("vase", 9): "usage_conditions",    # a row states a non-CC0 licence: dropped (stored with licence_filter=any)
    ("vase", 14): "medium_only",        # only a Download3D Medium GLB: taken (the second quality accepted)
}

# Rows that are not files of a package, inserted after the package at (term, index).
ODD_ROWS = {
    ("fish", 1): [{"title": "Unlinked file", "content": {"uri": f"{API}/content/document/orphan/file.glb",
                                                          "usage": "Download3D", "quality": "Low_resolution",
                                                          "file_type": "glb", "model_type": "glb"}}],
    ("fish", 8): [{"title": "Broken row", "content": None}],
}

# The search whose first page boundary must cut a package that offers a Download3D Medium GLB on page 1 and its
# Low_resolution GLB on page 2: a crawler that decides packages page by page takes the Medium one.
STRADDLE_SEARCH = "mammal"


def search_url(query: str, start: int) -> str:
    """The plugin's search page URL; keep in step with `Settings::search_url` in plugins/smithsonian."""
    return f"{API}/api/v1.0/content/file/search?q={quote(query, safe='')}&start={start}&rows={ROWS}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def glb(name: str) -> bytes:
    """A minimal valid glTF 2.0 binary: one node holding a one-triangle mesh, named after the file."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    doc = {
        "asset": {"version": "2.0", "generator": "aigc-host make_fixtures.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": name}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(positions)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36, "target": 34962}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
    }
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text + struct.pack("<II", len(positions), 0x004E4942) + positions
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def exchange(url: str, status: int, content_type: str, body: bytes | str) -> dict:
    line = {"method": "GET", "url": url, "status": status, "headers": [["content-type", content_type]], "final_url": url}
    if isinstance(body, str):
        line["body"] = body
    else:
        line["body_base64"] = base64.b64encode(body).decode()
    return line


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


NOT_FOUND_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                 '<Message>The specified key does not exist.</Message></Error>')


class Package:
    """A model package: its id, title and file rows."""

    def __init__(self, rng: random.Random, title: str, special: str, unit_no: int) -> None:
        self.rng = rng
        self.title = title
        self.special = special
        self.id = self.uuid1_like()
        self.stem = f"usnm_{unit_no}-{slug(title)}"
        self.rows: list[dict] = []
        self.build()

    def uuid1_like(self) -> str:
        r = self.rng
        return (f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-11ea-{r.choice('89ab')}{r.getrandbits(12):03x}-"
                f"{r.getrandbits(48):012x}")

    @property
    def folder(self) -> str:
        return f"{API}/content/document/3d_package:{self.id}"

    def row(self, uri: str, usage: str, quality: str, file_type: str, model_type: str | None = None,
            size: int | None = None, draco: bool | None = None) -> dict:
        content = {"uri": uri, "model_url": f"3d_package:{self.id}", "usage": usage, "quality": quality,
                   "file_type": file_type}
        if model_type:
            content["model_type"] = model_type
        if size is not None:
            content["file_size"] = size
        if draco is not None:
            content["draco_compressed"] = draco
            content["gltf_orientation_compliant"] = True
        return {"title": self.title, "content": content}

    def web3d(self, quality: str) -> dict:
        faces, texture = {"Thumb": ("25k", 512), "Low": ("50k", 1024), "Medium": ("100k", 2048),
                          "High": ("150k", 4096), "AR": ("50k", 1024)}[quality]
        uri = f"{self.folder}/{self.stem}-{faces}-{texture}-{quality.lower()}.glb"
        return self.row(uri, "Web3D", quality, "glb", "glb", self.rng.randint(200_000, 9_000_000), True)

    def download_glb(self, quality: str = "Low_resolution", draco: bool = False, size: int | None = None,
                     origin: str = API) -> dict:
        suffix = {"Low_resolution": "150k-4096", "Medium": "100k-2048-medium",
                  "Full_resolution": "full_resolution"}[quality] + ("-draco" if draco else "")
        folder = self.folder.replace(API, origin, 1)
        size = size if size is not None else self.rng.randint(2_000_000, 40_000_000)
        return self.row(f"{folder}/resources/{self.stem}-{suffix}.glb", "Download3D", quality, "glb", "glb", size,
                        draco)

    def build(self) -> None:
        r, s = self.rng, self.special
        rows = []
        if r.random() < 0.5 and s != "no_image":
            rows.append(self.row(f"{self.folder}/scene-image-medium.jpg", "Image2D", "Medium", "jpg"))
        rows += [self.web3d(q) for q in sorted(r.sample(["Thumb", "Medium", "High", "AR"], r.randint(1, 3)))]
        if s == "draco_and_plain":
            rows += [self.download_glb(draco=True), self.download_glb()]
        elif s == "web3d_only":
            rows.append(self.web3d("Low"))
        elif s == "full_resolution_only":
            rows.append(self.download_glb("Full_resolution"))
        elif s == "too_big":
            rows.append(self.download_glb(size=96_000_000))
        elif s == "off_origin":
            rows.append(self.download_glb(origin="https://3d-api.si.edu.mirror-cdn.example.net"))
        elif s == "glb_404_fallback":
            rows += [self.download_glb(), self.download_glb("Medium")]
        elif s == "medium_only":
            rows.append(self.download_glb("Medium"))
        else:
            rows.append(self.download_glb())
        extras = [
            self.row(f"{self.folder}/resources/{self.stem}-full_resolution-obj.zip", "Download3D", "Full_resolution",
                     "zip", "obj", r.randint(50_000_000, 900_000_000)),
            self.row(f"{self.folder}/resources/{self.stem}-150k-4096-gltf_std.zip", "Download3D", "Low_resolution",
                     "zip", "gltf", r.randint(2_000_000, 40_000_000)),
            self.row(f"{self.folder}/resources/{self.stem}-150k-4096.usdz", "Download3D", "Low_resolution", "usdz",
                     "usdz", r.randint(2_000_000, 40_000_000)),
            self.row(f"{self.folder}/resources/{self.stem}-watertight.stl", "Download3D", "Water_tight", "stl", "stl",
                     r.randint(5_000_000, 90_000_000)),
        ]
        rows += r.sample(extras, r.randint(1, 2))
        if s != "no_image" and r.random() < 0.92:
            rows.append(self.row(f"{self.folder}/scene-image-thumb.jpg", "Image2D", "Thumb", "jpg"))
        if s == "usage_conditions":
            for row in rows:
                row["content"]["access"] = "Usage conditions apply"
        self.rows = rows

    def straddle(self, before_boundary: int) -> None:
        """Reorders (and extends) the rows so that a Download3D Medium GLB comes first and the Low_resolution GLB
        last, with at least `before_boundary` rows (>= 1) before the page boundary and one after it."""
        low = [row for row in self.rows if row["content"]["usage"] == "Download3D" and row["content"]["file_type"] == "glb"]
        others = [row for row in self.rows if row not in low]
        medium = self.download_glb("Medium")
        self.rows = [medium] + others + low
        assert len(self.rows) > before_boundary >= 1

    def choose(self, max_bytes: int = 64 << 20) -> list[dict]:
        """The GLB rows the plugin accepts, best first (keep in step with `Choice::models`)."""
        qualities, usages = ["low_resolution", "medium"], ["download3d"]
        ranked = []
        for row in self.rows:
            c = row["content"]
            if c.get("file_type") != "glb" or c.get("file_size", 0) > max_bytes:
                continue
            if c["quality"].lower() not in qualities or c["usage"].lower() not in usages:
                continue
            key = (qualities.index(c["quality"].lower()), usages.index(c["usage"].lower()),
                   bool(c.get("draco_compressed")), c.get("file_size", 2**64))
            ranked.append((key, row))
        ranked.sort(key=lambda kv: kv[0])
        return [row for _, row in ranked if row["content"]["uri"].startswith(API + "/")]

    def thumbnail_row(self) -> dict | None:
        images = [row for row in self.rows if row["content"]["usage"] == "Image2D"]
        order = ["thumb", "low", "medium", "high"]
        images.sort(key=lambda row: order.index(row["content"]["quality"].lower()))
        return images[0] if images else None


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.pages: list[dict] = []
        self.files: list[dict] = []
        self.file_urls: set[str] = set()
        self.found: dict[tuple[str, int], Package] = {}
        self.expected: dict = {"rows": ROWS, "categories": {}, "stored": {}, "not_stored": {},
                               "stored_with_licence_filter_any": {}}
        self.thumbs = sorted(p.name for p in (HERE / "thumbs").glob("*.jpeg"))
        self.unit_no = 100_000

    def build(self) -> None:
        decided: set[str] = set()
        for category, terms in CATEGORIES.items():
            searches = []
            for term in terms:
                packages = self.packages(term)
                rows = self.layout(term, packages)
                pages = [rows[i:i + ROWS] for i in range(0, len(rows), ROWS)] or [[]]
                urls = []
                for number, page in enumerate(pages):
                    url = search_url(term, number * ROWS)
                    body = {"rows": page, "rowCount": len(rows),
                            "message": "content found" if rows else "no results found"}
                    self.pages.append(exchange(url, 200, "application/json", as_json(body)))
                    urls.append(url)
                searches.append({"query": term, "pages": urls, "row_count": len(rows),
                                 "packages": len({p.id for p in packages})})
                for package in packages:
                    if package.id not in decided:
                        decided.add(package.id)
                        self.decide(category, term, package)
            self.expected["categories"][category] = {"searches": searches}

    def packages(self, term: str) -> list[Package]:
        out = []
        for index, title in enumerate(TITLES[term]):
            self.unit_no += self.rng.randint(1, 900)
            package = Package(self.rng, title, SPECIAL.get((term, index), SPECIAL_NONE), self.unit_no)
            self.found[(term, index)] = package
            out.append(package)
        for dup in DUPLICATES.get(term, []):
            out.insert(self.rng.randint(0, len(out)), self.found[dup])
        return out

    def layout(self, term: str, packages: list[Package]) -> list[dict]:
        rows: list[dict] = []
        for package in packages:
            rows += package.rows
            index = next((i for (t, i), p in self.found.items() if t == term and p is package), None)
            rows += ODD_ROWS.get((term, index), [])
        if term == STRADDLE_SEARCH:
            # The package holding the last row of page 1 is made to straddle the boundary.
            at = 0
            for package in packages:
                if at + len(package.rows) > ROWS - 1:
                    package.straddle(ROWS - at)
                    break
                at += len(package.rows)
            rows = [row for package in packages for row in package.rows]
            starts = {package.rows[0]["content"]["uri"]: package for package in packages}
            first_page = {row["content"]["uri"] for row in rows[:ROWS]}
            straddler = next(p for p in packages if p.rows[0]["content"]["uri"] in first_page
                             and p.rows[-1]["content"]["uri"] not in first_page)
            assert straddler.rows[0]["content"]["quality"] == "Medium", starts
            self.expected["straddling_package"] = straddler.id
        return rows

    def decide(self, category: str, term: str, package: Package) -> None:
        """What the plugin does with a package the first time it meets it, and the exchanges that needs."""
        s = package.special
        thumb_row = package.thumbnail_row()
        candidates = package.choose()
        if not candidates:
            self.expected["not_stored"][package.id] = {"category": category, "title": package.title, "why": s}
            return
        record = {"category": category, "query": term, "title": package.title}
        # The first GLB and the scene image are fetched together; then the next GLBs if the first failed.
        model = None
        for number, row in enumerate(candidates):
            uri = row["content"]["uri"]
            if s in ("glb_404", "glb_404_fallback") and number == 0:
                self.add_file(exchange(uri, 404, "application/xml", NOT_FOUND_XML))
                continue
            data = glb(uri.rsplit("/", 1)[1])
            self.add_file(exchange(uri, 200, "model/gltf-binary", data))
            model = (uri, data)
            break
        thumbnail = None
        if thumb_row:
            uri = thumb_row["content"]["uri"]
            if s == "thumbnail_404":
                self.add_file(exchange(uri, 404, "application/xml", NOT_FOUND_XML))
            else:
                data = (HERE / "thumbs" / self.rng.choice(self.thumbs)).read_bytes()
                self.add_file(exchange(uri, 200, "image/jpeg", data))
                thumbnail = {"name": "thumbnail.jpg", "uri": uri, "sha256": hashlib.sha256(data).hexdigest()}
        if model is None:
            self.expected["not_stored"][package.id] = {"category": category, "title": package.title, "why": s}
            return
        record |= {"model_uri": model[0], "model_sha256": hashlib.sha256(model[1]).hexdigest(),
                   "thumbnail": thumbnail, "special": s or None}
        if s == "usage_conditions":
            self.expected["not_stored"][package.id] = {"category": category, "title": package.title, "why": s}
            self.expected["stored_with_licence_filter_any"][package.id] = record | {
                "licence": "Usage conditions apply"}
        else:
            self.expected["stored"][package.id] = record

    def add_file(self, line: dict) -> None:
        if line["url"] not in self.file_urls:
            self.file_urls.add(line["url"])
            self.files.append(line)


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
        "replay": render(site.pages + site.files),
        "expected.json": json.dumps(site.expected, indent=1) + "\n",
    }
    stale = []
    for name, text in files.items():
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    e = site.expected
    for category, info in e["categories"].items():
        stored = sum(1 for r in e["stored"].values() if r["category"] == category)
        searches = ", ".join(f"{s['query']} ({len(s['pages'])} pages, {s['row_count']} rows)" for s in info["searches"])
        print(f"{category:9} stored {stored:3}  searches: {searches}")
    print(f"replay: {len(site.pages)} pages + {len(site.files)} files; stored {len(e['stored'])}, "
          f"not stored {len(e['not_stored'])}: {sorted(v['why'] for v in e['not_stored'].values())}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
