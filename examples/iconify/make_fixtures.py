#!/usr/bin/env python3
"""Generates the offline Iconify fixtures: a fake but realistic Iconify API, recorded as a replay file.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/iconify/make_fixtures.py            # writes replay and expected.json
    python3 examples/iconify/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  It holds `/collections`, every search page of the six course categories' default queries, and every
  `/{prefix}.json?icons=...` request a crawl with the default configuration makes.
* `expected.json`: the search URLs of each query (for the plugin's unit test), and what a crawl with the default
  configuration must store: per icon its source key, category, licence, author, view box and the SHA-256 of its
  SVG file (the host stores files by that hash).

Field names follow the real API (source_apis.md §4.1; iconify/api `src/types/server/v2.ts`, `@iconify/types`).
The search follows the real server's paging: it lists at most `limit` matches, from `start` on, with
`total` = the matches found up to `limit`; `total == limit` means there are more. The crawler asks for page n with
`limit=(n+1)*64&start=n*64`.

The icon data requests of a search page are the crawler's: the page's icons of allowed sets, grouped by set in order
of first appearance, names sorted, split so that one request's names are at most 400 characters. The replay holds
every such request of every page (the crawler makes the ones holding an icon it stores), so a resumed crawl or one
with a smaller `per_category` replays too. What a default crawl stores comes from running the crawler's rules over
the fake site: categories and queries in order, icons not stored yet, stored once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SEED = 20240611
API = "https://api.iconify.design"
PAGE = 64  # the plugin's default page_size
MAX_NAMES = 400  # the plugin's MAX_NAMES
ALLOWED = {"mit", "apache-2.0", "isc", "bsd-2-clause", "bsd-3-clause", "0bsd", "unlicense", "cc0-1.0", "cc-by-3.0",
           "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "ofl-1.1"}  # the plugin's default `licences`

# prefix -> IconifyInfo (as /collections lists it) plus the IconifyJSON defaults (width/height) of the set.
SETS = {
    "mdi": {"name": "Material Design Icons", "total": 7447, "version": "7.4.47",
            "author": {"name": "Pictogrammers", "url": "https://github.com/Templarian/MaterialDesign"},
            "license": {"title": "Apache 2.0", "spdx": "Apache-2.0",
                        "url": "https://github.com/Templarian/MaterialDesign/blob/master/LICENSE"},
            "samples": ["account-check", "bell-alert-outline", "calendar-edit"], "height": 24, "displayHeight": 24,
            "category": "Material", "tags": ["Precise Shapes", "Has Padding"], "palette": False},
    "tabler": {"name": "Tabler Icons", "total": 5963, "version": "3.19.0",
               "author": {"name": "Paweł Kuna", "url": "https://github.com/tabler/tabler-icons"},
               "license": {"title": "MIT", "spdx": "MIT", "url": "https://github.com/tabler/tabler-icons/blob/master/LICENSE"},
               "samples": ["device-desktop", "photo", "bell"], "height": 24, "category": "General",
               "tags": ["Precise Shapes", "Has Padding", "Stroke"], "palette": False},
    "ph": {"name": "Phosphor", "total": 9072, "version": "2.1.1",
           "author": {"name": "Phosphor Icons", "url": "https://github.com/phosphor-icons/core"},
           "license": {"title": "MIT", "spdx": "MIT", "url": "https://github.com/phosphor-icons/core/blob/main/LICENSE"},
           "samples": ["folder-open-duotone", "clipboard-text-fill", "hourglass-simple-light"], "height": 32,
           "displayHeight": 16, "category": "General", "tags": ["Precise Shapes"], "palette": False},
    "fa6-solid": {"name": "Font Awesome Solid", "total": 1388, "version": "6.2.0",
                  "author": {"name": "Dave Gandy", "url": "https://github.com/FortAwesome/Font-Awesome"},
                  "license": {"title": "CC BY 4.0", "spdx": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                  "samples": ["location-pin", "gem", "folder"], "height": 32, "displayHeight": 16,
                  "category": "General", "palette": False},
    "twemoji": {"name": "Twitter Emoji", "total": 3668, "version": "14.0.2",
                "author": {"name": "Twitter", "url": "https://github.com/twitter/twemoji"},
                "license": {"title": "CC BY 4.0", "spdx": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                "samples": ["anguished-face", "duck", "crossed-swords"], "height": 36, "displayHeight": 18,
                "category": "Emoji", "tags": ["Colorful"], "palette": True},
    "noto": {"name": "Noto Emoji", "total": 3710, "version": "2.034",
             "author": {"name": "Google Inc", "url": "https://github.com/googlefonts/noto-emoji"},
             "license": {"title": "Apache 2.0", "spdx": "Apache-2.0",
                         "url": "https://github.com/googlefonts/noto-emoji/blob/main/svg/LICENSE"},
             "samples": ["dog", "cat", "red-apple"], "height": 32, "displayHeight": 16, "category": "Emoji",
             "palette": True},
    "openmoji": {"name": "OpenMoji", "total": 4162, "version": "15.0.0",
                 "author": {"name": "OpenMoji", "url": "https://github.com/hfg-gmuend/openmoji"},
                 "license": {"title": "CC BY-SA 4.0", "spdx": "CC-BY-SA-4.0",
                             "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
                 "samples": ["atom-symbol", "bicycle", "bow-and-arrow"], "height": 18, "category": "Emoji",
                 "palette": True},
    "game-icons": {"name": "Game Icons", "total": 4102, "version": "1.0.0",
                   "author": {"name": "GameIcons", "url": "https://github.com/game-icons/icons"},
                   "license": {"title": "CC BY 3.0", "spdx": "CC-BY-3.0",
                               "url": "https://github.com/game-icons/icons/blob/master/license.txt"},
                   "samples": ["diamond-hard", "barbed-star", "hanging-spider"], "height": 32,
                   "category": "Thematic", "palette": False},
    # Not allowed by the default `licences`: GPL, and a custom licence with no SPDX id.
    "icomoon-free": {"name": "IcoMoon Free", "total": 491, "version": "1.0.0",
                     "author": {"name": "Keyamoon", "url": "https://github.com/Keyamoon/IcoMoon-Free"},
                     "license": {"title": "GPL", "spdx": "GPL-3.0",
                                 "url": "https://www.gnu.org/licenses/gpl.html"},
                     "samples": ["home", "pacman", "cart"], "height": 16, "category": "General", "palette": False},
    "wpf": {"name": "Icons8 Windows 10 Icons", "total": 200, "version": "1.0.0",
            "author": {"name": "Icons8", "url": "https://github.com/icons8/windows-10-icons"},
            "license": {"title": "Good Boy License", "url": "https://github.com/icons8/windows-10-icons/blob/master/LICENSE.md"},
            "samples": ["add-image", "group", "shopping-bag"], "height": 26, "category": "General", "palette": False},
}
# Listed by the search answers but not by /collections (a set added since): the crawler takes its info from there.
LATE_SETS = {
    "fluent-emoji-flat": {"name": "Fluent Emoji Flat", "total": 1595, "version": "1.0.0",
                          "author": {"name": "Microsoft Corporation", "url": "https://github.com/microsoft/fluentui-emoji"},
                          "license": {"title": "MIT", "spdx": "MIT", "url": "https://github.com/microsoft/fluentui-emoji/blob/main/LICENSE"},
                          "samples": ["alarm-clock", "woman-red-hair", "anxious-face-with-sweat"], "height": 32,
                          "category": "Emoji", "palette": True},
}
ALL_SETS = SETS | LATE_SETS
# IconifyJSON defaults per set: (width, height). fa6-solid icons set their own width.
BOX = {"mdi": (24, 24), "tabler": (24, 24), "ph": (256, 256), "fa6-solid": (512, 512), "twemoji": (36, 36),
       "noto": (128, 128), "openmoji": (72, 72), "game-icons": (512, 512), "icomoon-free": (16, 16), "wpf": (26, 26),
       "fluent-emoji-flat": (32, 32)}
SET_WEIGHTS = {"mdi": 14, "tabler": 12, "ph": 12, "fa6-solid": 6, "twemoji": 7, "noto": 7, "openmoji": 5,
               "game-icons": 6, "icomoon-free": 3, "wpf": 3, "fluent-emoji-flat": 4}
VARIANTS = ["", "-outline", "-bold", "-fill", "-duotone", "-light", "-2", "-simple", "-thin", "-circle"]
COLOURS = ["#F4900C", "#FFCC4D", "#77B255", "#55ACEE", "#DD2E44", "#AA8DD8", "#66757F", "#C1694F", "#FFAC33"]

NOUNS = {
    "animal": ["cat", "dog", "bird", "fish", "horse", "rabbit", "turtle", "elephant", "owl", "fox", "cow", "pig",
               "bee", "butterfly", "snail", "whale", "dolphin", "penguin", "duck", "frog", "snake", "deer", "bear",
               "lion", "monkey", "giraffe", "zebra", "squirrel", "hedgehog", "octopus", "crab", "shark", "sheep",
               "goat", "camel", "kangaroo", "koala", "panda", "bat", "parrot"],
    "plant": ["tree", "flower", "leaf", "cactus", "sprout", "rose", "tulip", "sunflower", "palm-tree", "pine-tree",
              "clover", "bamboo", "fern", "seedling", "herb", "maple-leaf", "cherry-blossom", "lotus", "daisy", "ivy",
              "grass", "potted-plant", "bonsai", "wheat", "lily", "orchid", "hibiscus", "lavender", "succulent", "oak"],
    "food": ["pizza", "bread", "cake", "apple", "banana", "cheese", "burger", "hot-dog", "sushi", "noodles",
             "carrot", "grapes", "cherry", "strawberry", "egg", "croissant", "donut", "ice-cream", "taco", "sandwich",
             "watermelon", "lemon", "pear", "pineapple", "cookie", "pie", "rice-bowl", "dumpling", "baguette",
             "broccoli"],
    "building": ["house", "castle", "church", "factory", "skyscraper", "hospital", "school", "bank", "temple",
                 "mosque", "lighthouse", "barn", "tower", "stadium", "hotel", "office-building", "warehouse", "pagoda",
                 "windmill", "igloo", "cabin", "museum", "library", "city-hall", "shop", "garage", "fire-station",
                 "police-station", "palace", "home"],
    "clothing": ["shirt", "t-shirt", "dress", "hat", "shoe", "jacket", "coat", "scarf", "glove", "sock", "boot",
                 "sneaker", "skirt", "trousers", "hoodie", "cap", "tie", "bow-tie", "sweater", "vest", "sandal",
                 "high-heel", "kimono", "swimsuit", "belt", "raincoat", "pajamas", "top-hat", "beanie", "mitten"],
    "vehicle": ["car", "bus", "truck", "bicycle", "airplane", "ship", "train", "motorcycle", "scooter", "tractor",
                "ambulance", "taxi", "helicopter", "sailboat", "tram", "van", "rocket", "submarine", "canoe",
                "fire-truck", "police-car", "jeep", "forklift", "bulldozer", "hot-air-balloon", "skateboard", "ferry",
                "yacht", "minibus", "cable-car"],
}

# The manifest's default queries, with how many matches each has on the fake site. The first query of each
# category has more than one page (64 per page); food's first query has exactly 64 (its second page is empty),
# and its second query has two real pages; building's "factory" matches nothing.
QUERIES = {
    "animal": [("animal", 90), ("cat", 12), ("dog", 9), ("bird", 7), ("fish", 6), ("horse", 5)],
    "plant": [("plant", 70), ("tree", 10), ("flower", 8), ("leaf", 6), ("cactus", 4)],
    "food": [("food", 64), ("fruit", 75), ("bread", 5), ("cake", 6), ("pizza", 4)],
    "building": [("building", 81), ("house", 10), ("castle", 5), ("church", 4), ("factory", 0)],
    "clothing": [("shirt", 68), ("dress", 8), ("hat", 9), ("shoe", 6), ("jacket", 5)],
    "vehicle": [("car", 77), ("bus", 7), ("truck", 8), ("bicycle", 6), ("airplane", 5), ("ship", 4)],
}

# Special icons, placed in the results of (category, query) at a fixed index.
#   alias: (prefix, alias, parent, extra alias props); parents are real icons of the set.
ALIASES = [
    ("building", "house", 1, "mdi", "house", "home", {}),  # a plain alias: mdi:house -> mdi:home
    ("building", "building", 70, "mdi", "home-city-alt", "house", {}),  # an alias of an alias
    ("vehicle", "truck", 2, "fa6-solid", "truck-left", "truck", {"hFlip": True}),  # flipped, per-icon width
    ("plant", "leaf", 3, "tabler", "leaf-turned", "leaf", {"rotate": 1}),  # rotated: width and height swap
    ("vehicle", "car", 40, "ph", "car-wide", "car", {"width": 288, "left": -16}),  # an alias with its own box
]
NOT_FOUND = [("clothing", "shoe", 2, "tabler", "sneaker-old")]  # listed by search, missing from the icon data
# Icons with their own box in the icon data.
OWN_BOX = {("ph", "hedgehog"): {"left": -8, "top": -8, "width": 272, "height": 272}}
XLINK = {("noto", "fish")}  # a body using <use xlink:href>
# Ordinary icons placed where the cases above need them.
PLACED = [("animal", "animal", 20, "ph", "hedgehog"), ("animal", "fish", 0, "noto", "fish"),
          ("animal", "horse", 0, "game-icons", "horse")]
# Icons found again in a later category: stored once, under the first (animal, above).
CROSS = [("food", "food", 5, "noto", "fish"), ("vehicle", "car", 9, "game-icons", "horse")]


def icon_svg(box: dict, body: str) -> tuple[str, str]:
    """The crawler's SVG for a resolved icon (Iconify's iconToSVG): (svg text, view box text)."""
    left, top, width, height = box["left"], box["top"], box["width"], box["height"]
    transforms = []
    rotation = box["rotate"]
    if box["hFlip"]:
        if box["vFlip"]:
            rotation += 2
        else:
            transforms.append(f"translate({num(width + left)} {num(-top)})")
            transforms.append("scale(-1 1)")
            left = top = 0
    elif box["vFlip"]:
        transforms.append(f"translate({num(-left)} {num(height + top)})")
        transforms.append("scale(1 -1)")
        left = top = 0
    rotation %= 4
    if rotation == 1:
        centre = num(height / 2 + top)
        transforms.insert(0, f"rotate(90 {centre} {centre})")
    elif rotation == 2:
        transforms.insert(0, f"rotate(180 {num(width / 2 + left)} {num(height / 2 + top)})")
    elif rotation == 3:
        centre = num(width / 2 + left)
        transforms.insert(0, f"rotate(-90 {centre} {centre})")
    if rotation % 2 == 1:
        left, top = top, left
        width, height = height, width
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    xlink = ' xmlns:xlink="http://www.w3.org/1999/xlink"' if "xlink:" in body else ""
    view_box = f"{num(left)} {num(top)} {num(width)} {num(height)}"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg"{xlink} width="{num(width)}" height="{num(height)}" '
           f'viewBox="{view_box}">{body}</svg>')
    return svg, view_box


def num(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(float(value))


def exchange(url: str, status: int, content_type: str, body: str) -> dict:
    return {"method": "GET", "url": url, "status": status, "headers": [["content-type", content_type]],
            "final_url": url, "body": body}


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def search_url(query: str, page: int) -> str:
    """The plugin's search URL; keep in step with `Settings::search_url` in plugins/iconify."""
    start = page * PAGE
    limit = min(start + PAGE, 999)
    return f"{API}/search?query={quote(query, safe='')}&limit={limit}&start={start}"


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        # prefix -> name -> icon data (IconifyJSON icon or alias object)
        self.icons: dict[str, dict[str, dict]] = {p: {} for p in ALL_SETS}
        self.aliases: dict[str, dict[str, dict]] = {p: {} for p in ALL_SETS}
        self.not_found: set[tuple[str, str]] = set()
        self.results: dict[tuple[str, str], list[str]] = {}
        self.exchanges: list[dict] = []
        self.requested: set[str] = set()
        self.expected: dict = {"categories": {}, "skipped_sets": sorted(p for p, i in ALL_SETS.items()
                                                                            if i["license"].get("spdx", "").lower() not in ALLOWED)}

    # --- the fake catalogue -------------------------------------------------------------------------------------

    def body(self, prefix: str, name: str) -> str:
        r = self.rng
        w, h = BOX[prefix]
        if (prefix, name) in XLINK:
            return (f'<defs><path id="{name}-a" d="M{w // 8} {h // 2}c0-{h // 4} {w // 4}-{h // 3} {w // 2}-{h // 3}'
                    f's{w // 4} {h // 8} {w // 3} {h // 3}z"/></defs><use fill="{r.choice(COLOURS)}" '
                    f'xlink:href="#{name}-a"/>')
        a, b, c = r.randint(1, w // 4), r.randint(1, h // 4), r.randint(w // 4, w // 2)
        if ALL_SETS[prefix]["palette"]:
            return (f'<path fill="{r.choice(COLOURS)}" d="M{a} {b}h{c}v{c}H{a}z"/>'
                    f'<circle cx="{w // 2}" cy="{h // 2}" r="{max(1, w // 6)}" fill="{r.choice(COLOURS)}"/>')
        if prefix == "tabler":
            return (f'<g fill="none" stroke="currentColor" stroke-linecap="round" stroke-linejoin="round" '
                    f'stroke-width="2"><path d="M{a} {b}l{c // 2} {c // 3}"/><path d="M{w - a} {h - b}h-{c // 2}"/></g>')
        return f'<path fill="currentColor" d="M{a} {b}h{c}v{c}H{a}zm{r.randint(1, 6)} {r.randint(1, 6)}h2v2h-2z"/>'

    def add_icon(self, prefix: str, name: str) -> None:
        if name in self.icons[prefix] or name in self.aliases[prefix]:
            return
        icon = {"body": self.body(prefix, name)}
        if prefix == "fa6-solid":
            icon["width"] = self.rng.choice([384, 448, 512, 576, 640])
        icon |= OWN_BOX.get((prefix, name), {})
        self.icons[prefix][name] = icon

    def pick_prefix(self) -> str:
        prefixes = list(SET_WEIGHTS)
        return self.rng.choices(prefixes, weights=[SET_WEIGHTS[p] for p in prefixes])[0]

    def build_results(self) -> None:
        for category, queries in QUERIES.items():
            nouns = NOUNS[category]
            for q_index, (query, size) in enumerate(queries):
                results: list[str] = []
                names = set()
                # The query's own noun first when it is one (a search for "cat" finds cats).
                pool = [query] + [n for n in nouns if n != query] if query in nouns else nouns[:]
                attempts = 0
                while len(results) < size:
                    attempts += 1
                    noun = pool[0] if q_index > 0 and query in nouns else self.rng.choice(pool)
                    prefix = self.pick_prefix()
                    name = noun + self.rng.choice(VARIANTS)
                    full = f"{prefix}:{name}"
                    if full in names:
                        if attempts > 10_000:
                            raise RuntimeError("cannot fill results")
                        # Later queries search one noun: fall back on the whole category when variants run out.
                        if attempts % 5 == 0:
                            noun = self.rng.choice(pool)
                            full = f"{prefix}:{noun}{self.rng.choice(VARIANTS)}"
                            if full in names:
                                continue
                        else:
                            continue
                    names.add(full)
                    results.append(full)
                self.results[(category, query)] = results
        # Later queries repeat some icons of the first query of their category (stored once).
        for category, queries in QUERIES.items():
            first = self.results[(category, queries[0][0])]
            for query, size in queries[1:]:
                results = self.results[(category, query)]
                for i in range(min(2, size // 3)):
                    results[-1 - i] = first[self.rng.randrange(len(first))]
                self.results[(category, query)] = list(dict.fromkeys(results))
        for category, query, index, prefix, name in PLACED + CROSS:
            self.place(category, query, index, f"{prefix}:{name}")
        for category, query, index, prefix, alias, parent, props in ALIASES:
            self.place(category, query, index, f"{prefix}:{alias}")
            self.aliases[prefix][alias] = {"parent": parent} | props
        for category, query, index, prefix, name in NOT_FOUND:
            self.place(category, query, index, f"{prefix}:{name}")
            self.not_found.add((prefix, name))
        # Icon data for everything listed (the parents of aliases too).
        for results in self.results.values():
            for full in results:
                prefix, name = full.split(":")
                if name not in self.aliases[prefix] and (prefix, name) not in self.not_found:
                    self.add_icon(prefix, name)
        for prefix, aliases in self.aliases.items():
            for alias in aliases.values():
                if alias["parent"] not in aliases:
                    self.add_icon(prefix, alias["parent"])

    def place(self, category: str, query: str, index: int, full: str) -> None:
        results = self.results[(category, query)]
        if full in results:
            results.remove(full)
        results.insert(index, full)
        if len(results) > dict(QUERIES[category])[query]:
            results.pop() if results[-1] != full else results.pop(-2)

    # --- resolving icons as the crawler does ----------------------------------------------------------------------

    def resolve(self, prefix: str, name: str) -> dict:
        chain = []
        current = name
        while current in self.aliases[prefix]:
            chain.append(self.aliases[prefix][current])
            current = self.aliases[prefix][current]["parent"]
        icon = self.icons[prefix][current]
        w, h = BOX[prefix]
        props = chain + [icon]

        def pick(key, default):
            return next((p[key] for p in props if key in p), default)

        return {"body": icon["body"], "left": pick("left", 0), "top": pick("top", 0), "width": pick("width", w),
                "height": pick("height", h), "rotate": sum(p.get("rotate", 0) for p in props) % 4,
                "hFlip": sum(1 for p in props if p.get("hFlip")) % 2 == 1,
                "vFlip": sum(1 for p in props if p.get("vFlip")) % 2 == 1,
                "alias_of": current if chain else None}

    def icon_data(self, prefix: str, names: list[str]) -> dict:
        """The answer of /{prefix}.json?icons=names."""
        w, h = BOX[prefix]
        icons, aliases, missing = {}, {}, []
        for name in names:
            if (prefix, name) in self.not_found:
                missing.append(name)
                continue
            current = name
            while current in self.aliases[prefix]:
                aliases[current] = self.aliases[prefix][current]
                current = self.aliases[prefix][current]["parent"]
            icons[current] = self.icons[prefix][current]
        answer = {"prefix": prefix, "lastModified": 1719800000 + sum(map(ord, prefix)), "icons": dict(sorted(icons.items()))}
        if aliases:
            answer["aliases"] = dict(sorted(aliases.items()))
        answer |= {"width": w, "height": h}
        if missing:
            answer["not_found"] = missing
        return answer

    # --- the crawl, as the plugin makes it ------------------------------------------------------------------------

    def crawl(self) -> None:
        self.exchanges.append(exchange(f"{API}/collections", 200, "application/json", as_json(SETS)))
        stored: dict[str, str] = {}  # source key -> category
        for category, queries in QUERIES.items():
            record = {"searches": [], "stored": [], "licences": {}, "skipped_licence": 0, "alias": [],
                      "not_found": [], "elsewhere": []}
            for query, _ in queries:
                matches = self.results[(category, query)]
                urls = []
                page = 0
                while True:
                    url = search_url(query, page)
                    urls.append(url)
                    start, limit = page * PAGE, min(page * PAGE + PAGE, 999)
                    total = min(len(matches), limit)
                    icons = matches[start:total]
                    prefixes = list(dict.fromkeys(m.split(":")[0] for m in matches[:total]))
                    answer = {"icons": icons, "total": total, "limit": limit, "start": start,
                              "collections": {p: ALL_SETS[p] for p in prefixes},
                              "request": {"query": query, "limit": str(limit), "start": str(start)}}
                    self.exchanges.append(exchange(url, 200, "application/json", as_json(answer)))
                    self.page(category, query, icons, stored, record)
                    if not icons or total < limit:
                        break
                    page += 1
                record["searches"].append({"query": query, "urls": urls})
            self.expected["categories"][category] = record
            assert len(record["stored"]) < 200, "keep under the default per_category"

    def page(self, category: str, query: str, icons: list[str], stored: dict, record: dict) -> None:
        allowed = []
        for full in dict.fromkeys(icons):
            prefix, name = full.split(":")
            if ALL_SETS[prefix]["license"].get("spdx", "").lower() not in ALLOWED:
                record["skipped_licence"] += 1
                continue
            allowed.append((prefix, name))
        # Every request of the page, whether a default crawl needs it or not: a resumed page, or a crawl with
        # another per_category, asks for the ones holding the icons it stores then.
        by_set: dict[str, list[str]] = {}
        for prefix, name in allowed:
            by_set.setdefault(prefix, []).append(name)
        for prefix, names in by_set.items():
            chunk: list[str] = []
            for name in sorted(set(names)):
                chunk.append(name)
                if len(chunk) > 1 and len(",".join(chunk)) > MAX_NAMES:
                    chunk.pop()
                    self.icon_request(prefix, chunk)
                    chunk = [name]
            self.icon_request(prefix, chunk)
        for prefix, name in allowed:
            key = f"iconify:{prefix}:{name}"
            if key in stored:
                if stored[key] != category:
                    record["elsewhere"].append(key)
                continue
            if (prefix, name) in self.not_found:
                record["not_found"].append(key)
                continue
            resolved = self.resolve(prefix, name)
            svg, view_box = icon_svg(resolved, resolved["body"])
            info = ALL_SETS[prefix]
            record["stored"].append({"key": key, "licence": info["license"]["spdx"], "author": info["author"]["name"],
                                     "view_box": view_box, "sha256": hashlib.sha256(svg.encode()).hexdigest()})
            record["licences"][info["license"]["spdx"]] = record["licences"].get(info["license"]["spdx"], 0) + 1
            if resolved["alias_of"]:
                record["alias"].append(key)
            stored[key] = category

    def icon_request(self, prefix: str, names: list[str]) -> None:
        url = f"{API}/{prefix}.json?icons={','.join(names)}"
        if url in self.requested:
            return
        self.requested.add(url)
        self.exchanges.append(exchange(url, 200, "application/json", as_json(self.icon_data(prefix, names))))


def render(lines: list[dict]) -> str:
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write (default: next to this script)")
    parser.add_argument("--check", action="store_true", help="compare with the files there instead of writing")
    args = parser.parse_args()

    site = Site()
    site.build_results()
    site.crawl()
    files = {"replay": render(site.exchanges), "expected.json": json.dumps(site.expected, indent=1) + "\n"}
    stale = []
    for name, text in files.items():
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    total = 0
    for name, e in site.expected["categories"].items():
        pages = sum(len(s["urls"]) for s in e["searches"])
        total += len(e["stored"])
        print(f"{name:9} queries {len(e['searches'])}  search pages {pages:2}  stored {len(e['stored']):3}  "
              f"licence-skipped {e['skipped_licence']:2}  aliases {len(e['alias'])}  not-found {len(e['not_found'])}  "
              f"elsewhere {len(e['elsewhere'])}  licences {e['licences']}")
    print(f"{len(site.exchanges)} exchanges, {total} icons stored")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
