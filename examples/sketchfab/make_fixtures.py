#!/usr/bin/env python3
"""Generates the offline Sketchfab fixtures: a fake but realistic Data API v3 site, recorded as replay files.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/sketchfab/make_fixtures.py            # writes replay, replay-with-token, expected.json
    python3 examples/sketchfab/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds every search page of the five course
  categories, the thumbnails, and the download endpoint of every model answering 401 (no token), so a
  replay without a secret takes the thumbnails-only path.
* `replay-with-token`: the same site, but the download endpoint answers 200 with signed S3 URLs, and the
  GLB files and glTF zips behind them.
* `expected.json`: what a crawl with the default configuration must store, per category (for tests).

Field names follow the real API (source_apis.md §1.4/§1.5). The first search URL of each category is built
exactly as the plugin builds it (see `first_search_url`); later pages are the `next` URLs, in the API's own style
(parameters sorted, an opaque base64 `cursor`), which the plugin follows verbatim.

Thumbnail bytes come from the small real JPEG files in `thumbs/` (made once with Pillow, committed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import random
import re
import struct
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SEED = 20240229
API = "https://api.sketchfab.com"
MEDIA = "https://media.sketchfab.com"
S3 = "https://sketchfab-prod-media.s3.amazonaws.com"
WEB = "https://sketchfab.com"
PAGE_COUNT = 24  # the `count` the plugin asks for; our pages hold fewer, as a real last page may

# Course category -> (Sketchfab category slug, search keywords, page sizes): the manifest's defaults.
CATEGORIES = {
    "animals": ("animals-pets", None, [10, 9, 6]),
    "plants": ("nature-plants", None, [9, 10, 4]),
    "antiques": ("cultural-heritage-history", "antique", [8, 8, 8, 3]),
    "game-characters": ("characters-creatures", "game character", [10, 8, 5]),
    "anime-characters": ("characters-creatures", "anime", [9, 9, 7]),
}

SKETCHFAB_CATEGORIES = {
    "animals-pets": "Animals & Pets",
    "nature-plants": "Nature & Plants",
    "cultural-heritage-history": "Cultural Heritage & History",
    "characters-creatures": "Characters & Creatures",
}

# (slug, label, uid, weight): the licences of /v3/licenses (source_apis.md §1.7).
LICENCES = [
    ("by", "CC Attribution", "322a749bcfa841b29dff1e8a1bb74b0b", 40),
    ("cc0", "CC0 Public Domain", "7c23a1ba438d4306920229c12afcb5f9", 20),
    ("by-nc", "CC Attribution-NonCommercial", "bbfe3f7dbcdd4122b966b85b9786a989", 12),
    ("by-sa", "CC Attribution-ShareAlike", "b9ddc40b93e34cdca1fc152f39b9f375", 10),
    ("by-nd", "CC Attribution-NoDerivs", "72360ff1740d419791934298b8b6d270", 6),
    ("by-nc-sa", "CC Attribution-NonCommercial-ShareAlike", "2628dbe5140a4e9592126c8df566c0b7", 6),
    ("by-nc-nd", "CC Attribution-NonCommercial-NoDerivs", "34b725081a6a4184957efaec2cb84ed3", 4),
    ("free-st", "Free Standard", "72eb2b1960364637901eacce19283624", 2),
]

NOUNS = {
    "animals": ["Red Fox", "Barn Owl", "Koi Carp", "Tabby Cat", "Hermit Crab", "Border Collie", "Gecko",
                "Hedgehog", "Sea Turtle", "Horse", "Rabbit", "Parrot", "Axolotl", "Bulldog", "Deer"],
    "plants": ["Monstera", "Fern", "Bonsai Pine", "Cactus", "Oak Tree", "Sunflower", "Birch", "Tulip",
               "Succulent", "Bamboo", "Ivy", "Lotus", "Olive Tree", "Mushroom Cluster", "Palm"],
    "antiques": ["Pocket Watch", "Oil Lamp", "Gramophone", "Amphora", "Candlestick", "Typewriter", "Compass",
                 "Teapot", "Music Box", "Sextant", "Vase", "Clock", "Chest", "Inkwell", "Telephone"],
    "game-characters": ["Knight", "Ranger", "Mage", "Orc Warrior", "Robot Scout", "Pirate", "Goblin",
                        "Paladin", "Space Marine", "Rogue", "Necromancer", "Archer", "Dwarf", "Samurai", "Ninja"],
    "anime-characters": ["Schoolgirl", "Magical Girl", "Swordsman", "Mecha Pilot", "Fox Spirit", "Idol",
                         "Catgirl", "Ninja Boy", "Shrine Maiden", "Demon Hunter", "Witch", "Chibi", "Android",
                         "Samurai Girl", "Dragon Boy"],
}
STYLES = ["Low Poly", "Stylized", "Photoscan", "Realistic", "Hand-painted", "PBR", "Cartoon", "Game-ready", ""]
TAGS = {
    "animals": ["animal", "pet", "wildlife", "mammal", "bird", "fish", "cute"],
    "plants": ["plant", "tree", "flower", "nature", "foliage", "garden", "vegetation"],
    "antiques": ["antique", "vintage", "museum", "history", "old", "photogrammetry", "heritage"],
    "game-characters": ["character", "game", "rpg", "fantasy", "lowpoly", "rigged", "gameasset"],
    "anime-characters": ["anime", "manga", "character", "girl", "toon", "vroid", "cel-shading"],
}
USERS = [("pixel-forge", "Pixel Forge", "pro"), ("mesh_mira", "Mira K.", "basic"),
         ("scanlab-museum", "ScanLab Museum", "business"), ("polyjoe", None, "basic"),
         ("atelier3d", "Atelier 3D", "plus"), ("greenthumb", "Green Thumb", "basic"),
         ("toonsmith", "Toonsmith", "pro"), ("rigger_rin", "Rin", "plus")]

# Models that exercise special paths, by (category, index in the category).
NOAI = {("animals", 4): ("noai", "noai"), ("game-characters", 11): ("NoAI", "noai"),
        ("anime-characters", 20): ("noAI", "noai-1")}  # the last one matches by name only
CREATED_WITH_AI = {("plants", 2)}
THUMBNAIL_404 = {("plants", 13)}
ONLY_SMALL_THUMBNAIL = {("animals", 7), ("antiques", 3), ("anime-characters", 15)}

THUMBS_BIG = sorted(p.name for p in (HERE / "thumbs").glob("256x144-*.jpeg"))
THUMBS_SMALL = sorted(p.name for p in (HERE / "thumbs").glob("64x36-*.jpeg"))


def first_search_url(slug: str | None, query: str | None, licences: list[str] = ()) -> str:
    """The plugin's first search URL; keep in step with `Settings::first_search_url` in plugins/sketchfab."""
    url = f"{API}/v3/search?type=models&downloadable=true&count={PAGE_COUNT}"
    if slug:
        url += "&categories=" + quote(slug, safe="")
    if query:
        url += "&q=" + quote(query, safe="")
    for licence in licences:
        url += "&licenses=" + quote(licence, safe="")
    return url


def api_style_url(slug: str | None, query: str | None, offset: int) -> str:
    """A page URL as the API writes it in `next`/`previous`: parameters sorted, an opaque cursor."""
    params = {"categories": slug, "count": str(PAGE_COUNT), "downloadable": "true", "q": query, "type": "models"}
    if offset:
        params["cursor"] = cursor(offset)
    return f"{API}/v3/search?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(params.items()) if v)


def cursor(offset: int) -> str:
    return base64.b64encode(f"p={offset}".encode()).decode()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def glb(name: str) -> bytes:
    """A minimal valid glTF 2.0 binary: one node holding a one-triangle mesh."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    doc = gltf_json(name, {"byteLength": len(positions)})
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text + struct.pack("<II", len(positions), 0x004E4942) + positions
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def gltf_zip(name: str) -> bytes:
    """A glTF archive as Sketchfab serves it: a zip of scene.gltf, scene.bin and textures/ (fixed timestamps)."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    doc = gltf_json(name, {"byteLength": len(positions), "uri": "scene.bin"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in [("scene.gltf", json.dumps(doc, indent=1).encode()), ("scene.bin", positions), ("textures/", b"")]:
            info = zipfile.ZipInfo(path, date_time=(2024, 2, 29, 12, 0, 0))
            info.external_attr = (0o40755 << 16) | 0x10 if path.endswith("/") else 0o644 << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def gltf_json(name: str, buffer: dict) -> dict:
    return {
        "asset": {"version": "2.0", "generator": "aigc-host make_fixtures.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": name}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [buffer],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36, "target": 34962}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
    }


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
        self.pages: list[dict] = []  # exchanges, in crawl order
        self.thumbnails: list[dict] = []
        self.downloads_401: list[dict] = []
        self.downloads_200: list[dict] = []
        self.expected: dict = {}

    def hex32(self) -> str:
        return "%032x" % self.rng.getrandbits(128)

    def timestamp(self, year_from: int = 2016) -> str:
        r = self.rng
        return (f"{r.randint(year_from, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
                f"T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999999):06d}")

    def build(self) -> None:
        for name, (slug, query, sizes) in CATEGORIES.items():
            self.category(name, slug, query, sizes)

    def category(self, name: str, slug: str, query: str | None, sizes: list[int]) -> None:
        expected = {"sketchfab_category": slug, "query": query, "first_url": first_search_url(slug, query),
                    "pages": len(sizes), "models": sum(sizes), "stored": [], "noai": [], "thumbnail_404": [],
                    "licences": {}}
        nouns = self.rng.sample(NOUNS[name], len(NOUNS[name]))
        index = 0
        offset = 0
        for page_no, size in enumerate(sizes):
            models = []
            for _ in range(size):
                model = self.model(name, slug, nouns[index % len(nouns)], index, expected)
                models.append(model)
                index += 1
            url = expected["first_url"] if page_no == 0 else api_style_url(slug, query, offset)
            last = page_no == len(sizes) - 1
            page = {
                "results": models,
                "next": None if last else api_style_url(slug, query, offset + size),
                "previous": None if page_no == 0 else api_style_url(slug, query, max(0, offset - sizes[page_no - 1])),
                "cursors": {"next": None if last else cursor(offset + size),
                            "previous": None if page_no == 0 else cursor(max(0, offset - sizes[page_no - 1]))},
            }
            self.pages.append(exchange(url, 200, "application/json", as_json(page)))
            offset += size
        self.expected[name] = expected

    def model(self, category: str, slug: str, noun: str, index: int, expected: dict) -> dict:
        r = self.rng
        uid = self.hex32()
        style = r.choice(STYLES)
        title = f"{style} {noun}".strip()
        key = (category, index)
        tags = [{"name": t, "slug": t, "uri": f"{API}/v3/tags/{t}"} for t in r.sample(TAGS[category], r.randint(2, 5))]
        if key in NOAI:
            tag_name, tag_slug = NOAI[key]
            tags.insert(r.randint(0, len(tags)), {"name": tag_name, "slug": tag_slug, "uri": f"{API}/v3/tags/{tag_slug}"})
        if key in CREATED_WITH_AI:
            tags.append({"name": "createdwithai", "slug": "createdwithai", "uri": f"{API}/v3/tags/createdwithai"})
        username, display, account = r.choice(USERS)
        user_uid = hashlib.md5(username.encode()).hexdigest()
        licence_slug, label, licence_uid, _ = r.choices(LICENCES, weights=[l[3] for l in LICENCES])[0]
        faces = r.randint(300, 400_000)
        thumbnails, thumb_url, thumb_file = self.thumbnails_for(uid, key)
        model = {
            "uri": f"{API}/v3/models/{uid}",
            "uid": uid,
            "name": title,
            "staffpickedAt": self.timestamp(2019) if r.random() < 0.1 else None,
            "viewCount": r.randint(10, 90_000),
            "likeCount": r.randint(0, 3_000),
            "animationCount": r.choice([0, 0, 0, 1, 3]),
            "viewerUrl": f"{WEB}/3d-models/{slugify(title)}-{uid}",
            "embedUrl": f"{WEB}/models/{uid}/embed",
            "commentCount": r.randint(0, 80),
            "isDownloadable": True,
            "publishedAt": self.timestamp(),
            "tags": tags,
            "categories": [{"uri": f"{API}/v3/categories/{hashlib.md5(slug.encode()).hexdigest()}",
                            "uid": hashlib.md5(slug.encode()).hexdigest(), "name": SKETCHFAB_CATEGORIES[slug],
                            "slug": slug}],
            "thumbnails": {"images": thumbnails},
            "user": {"uid": user_uid, "username": username, "displayName": display,
                     "profileUrl": f"{WEB}/{username}", "account": account, "uri": f"{API}/v3/users/{user_uid}"},
            "description": f"{title}, modelled for a fixture. {r.choice(['Free to use.', 'Enjoy!', 'Scanned on site.', ''])}".strip(),
            "faceCount": faces,
            "createdAt": self.timestamp(),
            "vertexCount": faces // 2 + r.randint(3, 500),
            "isAgeRestricted": False,
            "archives": {
                kind: {"textureCount": r.randint(1, 6), "size": r.randint(200_000, 60_000_000), "type": kind,
                       "textureMaxResolution": r.choice([1024, 2048, 4096]), "faceCount": faces,
                       "vertexCount": faces // 2}
                for kind in ("glb", "gltf", "usdz")
            } | {"source": {"textureCount": None, "size": r.randint(1_000_000, 90_000_000), "type": "source",
                            "textureMaxResolution": None, "faceCount": None, "vertexCount": None}},
            "license": {"uid": licence_uid, "label": label},
        }
        # The thumbnail the plugin fetches (the widest at most 1024 px wide).
        if key in THUMBNAIL_404:
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                    '<Message>The specified key does not exist.</Message></Error>')
            self.thumbnails.append(exchange(thumb_url, 404, "application/xml", body))
        else:
            self.thumbnails.append(exchange(thumb_url, 200, "image/jpeg", (HERE / "thumbs" / thumb_file).read_bytes()))
        # The download endpoint: 401 without a token, signed URLs with one.
        download = f"{API}/v3/models/{uid}/download"
        self.downloads_401.append(exchange(download, 401, "application/json",
                                           as_json({"detail": "Authentication credentials were not provided."})))
        links, archives = {}, []
        for kind, ext, data, media in [("glb", "glb", glb(title), "binary/octet-stream"),
                                       ("gltf", "zip", gltf_zip(title), "application/zip"),
                                       ("usdz", "usdz", None, None)]:
            signature = quote(base64.b64encode(r.randbytes(20)).decode(), safe="")
            url = (f"{S3}/archives/{uid}/{kind}/{self.hex32()}/{slugify(title).replace('-', '_')}.{ext}"
                   f"?AWSAccessKeyId=AKIAFIXTUREEXAMPLE&Signature={signature}&Expires=1769553560")
            links[kind] = {"url": url, "size": len(data) if data else r.randint(100_000, 9_000_000), "expires": 300}
            if data:  # the usdz archive is offered but never fetched
                archives.append(exchange(url, 200, media, data))
        self.downloads_200.append(exchange(download, 200, "application/json", as_json(links)))
        self.downloads_200 += archives

        if key in NOAI:
            expected["noai"].append(uid)
        elif key in THUMBNAIL_404:
            expected["thumbnail_404"].append(uid)
        else:
            expected["stored"].append(uid)
            expected["licences"][label] = expected["licences"].get(label, 0) + 1
        return model

    def thumbnails_for(self, uid: str, key: tuple) -> tuple[list, str, str]:
        """The model's thumbnail list (as the API lists it) and the URL and file the plugin will fetch."""
        r = self.rng
        folder = f"{MEDIA}/models/{uid}/thumbnails/{self.hex32()}"
        small = r.choice(THUMBS_SMALL)
        variants = [(64, 36, small)]
        if key not in ONLY_SMALL_THUMBNAIL:
            variants += [(256, 144, r.choice(THUMBS_BIG)), (1920, 1080, None)]  # 1920 wide: too big, never fetched
        r.shuffle(variants)
        images = []
        chosen = max((v for v in variants if v[0] <= 1024), key=lambda v: v[0])
        chosen_url = ""
        for width, height, file in variants:
            image_uid = self.hex32()
            url = f"{folder}/{image_uid}.jpeg"
            size = (HERE / "thumbs" / file).stat().st_size if file else r.randint(150_000, 400_000)
            images.append({"uid": image_uid, "size": size, "width": width, "url": url, "height": height})
            if (width, height, file) == chosen:
                chosen_url = url
        return images, chosen_url, chosen[2]


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
        "replay": render(site.pages + site.thumbnails + site.downloads_401),
        "replay-with-token": render(site.pages + site.thumbnails + site.downloads_200),
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
    for name, e in site.expected.items():
        print(f"{name:17} pages {e['pages']}  models {e['models']:3}  stored {len(e['stored']):3}  "
              f"noai {len(e['noai'])}  thumbnail-404 {len(e['thumbnail_404'])}  licences {e['licences']}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
