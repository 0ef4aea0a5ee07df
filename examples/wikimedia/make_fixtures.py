#!/usr/bin/env python3
"""Generates the offline Wikimedia Commons fixtures: a fake but realistic MediaWiki Action API and upload server,
recorded as a replay file.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/wikimedia/make_fixtures.py            # writes replay and expected.json
    python3 examples/wikimedia/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds every `list=categorymembers` page of the four
  default styles' categories and subcategories, every `prop=imageinfo` request a crawl with the default
  configuration makes, and the scaled images behind the `thumburl`s (one answers 404).
* `expected.json`: per style its Commons categories, first listing URL and what a crawl with the default
  configuration stores (source key, licence, author, file name) or skips, and why.

Field names follow the real API (source_apis.md §5.2; `formatversion=2`: `query.pages` and
`query.categorymembers` are arrays, `missing: true`; `extmetadata` values are `{value, source, hidden?}` HTML
strings; `continue: {cmcontinue, continue}`). To know which image info requests a crawl makes, the script runs the
crawler's own rules over the fake site: styles in order; per style a queue of categories (subcategories of the
configured ones appended as they are listed, depth 1); per listing page, its files 50 per `pageids=` request, in
listing order (the crawler makes the requests that hold a file not stored yet; the replay holds them all, so a
resumed crawl or one with a smaller `per_category` replays too); files stored once, under the first style.

Image bytes: the small real JPEG files of `examples/sketchfab/thumbs/` and a PNG this script writes (zlib).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import struct
import sys
import zlib
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
THUMBS = HERE.parent / "sketchfab" / "thumbs"
SEED = 20240704
BASE = "https://commons.wikimedia.org"
API = f"{BASE}/w/api.php"
UPLOAD = "https://upload.wikimedia.org"
WIDTH = 1024      # the plugin's default `width`
PAGE_SIZE = 50    # the plugin's default `page_size` (cmlimit)
MAXLAG = 5
MIN_SIDE = 512    # the plugin's default `min_side`
INFO_BATCH = 50
EXTMETADATA = ("Artist|Credit|License|LicenseShortName|LicenseUrl|AttributionRequired|UsageTerms|Copyrighted|"
               "ImageDescription|DateTimeOriginal|ObjectName|Categories")
ALLOWED = ["pd", "cc0", "cc-by-*", "cc-by-sa-*"]  # the plugin's default `licences`

# Style -> (Commons category, listing page sizes, subcategory (title, its file count) or None). Page sizes count
# every member, subcategories included; a page of PAGE_SIZE members has a next page.
STYLES = {
    "impressionism": ("Category:Impressionist paintings", [50, 9],
                      ("Category:Impressionist paintings in the Musée d'Orsay", 7)),
    "ukiyo-e": ("Category:Ukiyo-e prints", [50, 14], ("Category:Ukiyo-e prints by Utagawa Hiroshige", 5)),
    "baroque": ("Category:Baroque paintings", [50, 6], None),
    "pointillism": ("Category:Pointillist paintings", [50, 11], None),
}

ARTISTS = {
    "impressionism": ["Claude Monet", "Pierre-Auguste Renoir", "Camille Pissarro", "Alfred Sisley", "Edgar Degas",
                      "Berthe Morisot", "Mary Cassatt", "Gustave Caillebotte", "Armand Guillaumin", "Frédéric Bazille"],
    "ukiyo-e": ["Katsushika Hokusai", "Utagawa Hiroshige", "Kitagawa Utamaro", "Utagawa Kuniyoshi",
                "Tōshūsai Sharaku", "Suzuki Harunobu", "Utagawa Kunisada", "Tsukioka Yoshitoshi"],
    "baroque": ["Caravaggio", "Rembrandt", "Peter Paul Rubens", "Diego Velázquez", "Johannes Vermeer",
                "Artemisia Gentileschi", "Anthony van Dyck", "Nicolas Poussin", "Frans Hals", "Guido Reni"],
    "pointillism": ["Georges Seurat", "Paul Signac", "Henri-Edmond Cross", "Théo van Rysselberghe", "Maximilien Luce",
                    "Charles Angrand", "Camille Pissarro"],
}
SUBJECTS = {
    "impressionism": ["Water Lilies", "Boulevard Montmartre", "Haystacks", "The Seine at Argenteuil",
                      "Woman with a Parasol", "Snow at Louveciennes", "The Dance Class", "Poplars", "Rouen Cathedral",
                      "The Cradle", "Garden at Giverny", "Regatta", "Harvest", "Orchard in Bloom", "The Bath",
                      "Flood at Port-Marly", "Luncheon of the Boating Party", "The Floor Scrapers"],
    "ukiyo-e": ["The Great Wave off Kanagawa", "Fine Wind, Clear Morning", "Plum Park in Kameido",
                "Sudden Shower over Shin-Ōhashi", "Beauty Looking Back", "Kabuki Actor", "Night Rain at Karasaki",
                "Mount Fuji from Hodogaya", "Evening Snow at Kanbara", "Courtesan", "Warrior on Horseback",
                "Moon over the Sumida", "Fishermen", "Cherry Blossoms at Asukayama"],
    "baroque": ["Judith Beheading Holofernes", "The Night Watch", "The Descent from the Cross", "Las Meninas",
                "Girl with a Pearl Earring", "Self-Portrait as the Allegory of Painting", "Charles I at the Hunt",
                "Et in Arcadia ego", "The Laughing Cavalier", "Saint Sebastian", "The Calling of Saint Matthew",
                "The Milkmaid", "Supper at Emmaus", "Portrait of a Man"],
    "pointillism": ["A Sunday on La Grande Jatte", "Bathers at Asnières", "The Port of Saint-Tropez",
                    "The Evening Air", "Summer Afternoon", "The Pine Tree at Saint Tropez", "Le Chahut",
                    "Sunday in Port-en-Bessin", "The Seine at Courbevoie", "Couple in the Street"],
}
# (code of `License`, LicenseShortName, LicenseUrl, AttributionRequired, weight): what paintings on Commons carry.
LICENCES = [
    ("pd", "Public domain", None, "false", 70),
    ("cc-by-sa-4.0", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0", "true", 10),
    ("cc-by-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0", "true", 6),
    ("cc0", "CC0", "http://creativecommons.org/publicdomain/zero/1.0/deed.en", "false", 6),
    ("cc-by-sa-3.0-de", "CC BY-SA 3.0 de", "https://creativecommons.org/licenses/by-sa/3.0/de/deed.en", "true", 3),
    ("cc-by-2.0", "CC BY 2.0", "https://creativecommons.org/licenses/by/2.0", "true", 3),
]
# Files with a licence the default configuration does not allow: (style, index among the style's files).
DISALLOWED = {
    ("impressionism", 5): ("gfdl", "GFDL", "https://www.gnu.org/copyleft/fdl.html", "false"),
    ("ukiyo-e", 11): ("cc-by-nc-sa-2.0", "CC BY-NC-SA 2.0", "https://creativecommons.org/licenses/by-nc-sa/2.0",
                      "true"),  # must not pass as cc-by-* or cc-by-sa-*
    ("baroque", 20): (None, None, None, None),  # no licence information at all
    ("pointillism", 7): ("cc-by-nd-4.0", "CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0", "true"),
}
TOO_SMALL = {("impressionism", 12): (400, 300), ("baroque", 3): (480, 640)}
IMAGE_404 = {("ukiyo-e", 30), ("pointillism", 40)}
NOT_IMAGE = {("baroque", 33): ("application/pdf", "pdf")}
MISSING = {("impressionism", 44)}  # deleted between the listing and the image info request
OFF_ORIGIN = {("pointillism", 22)}  # thumburl on another host: refused
PNG = {("ukiyo-e", 3), ("baroque", 9)}
TIFF = {("impressionism", 30)}
CREDIT_ONLY = {("baroque", 14)}  # no Artist: the author comes from Credit
SMALLER_THAN_WIDTH = {("ukiyo-e", 8): (800, 1100)}  # the thumburl is the original itself
# A painting filed under two styles: stored once, under the first (impressionism).
SHARED = ("pointillism", 3, "impressionism", 10)
# A file of the subcategory that is also in its parent category: stored once.
IN_PARENT_TOO = ("impressionism", 2)

JPEGS = sorted(p for p in THUMBS.glob("*.jpeg"))


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def exchange(url: str, status: int, content_type: str, body: bytes | str) -> dict:
    line = {"method": "GET", "url": url, "status": status, "headers": [["content-type", content_type]], "final_url": url}
    if isinstance(body, str):
        line["body"] = body
    else:
        line["body_base64"] = base64.b64encode(body).decode()
    return line


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def enc(value: str) -> str:
    return quote(value, safe="")


def members_url(category: str, subcategories: bool, cont: dict | None) -> str:
    """The plugin's listing URL; keep in step with `Settings::members_url` in plugins/wikimedia."""
    url = (f"{API}?action=query&format=json&formatversion=2&list=categorymembers&cmtitle={enc(category)}"
           f"&cmtype={enc('file|subcat' if subcategories else 'file')}&cmlimit={PAGE_SIZE}&maxlag={MAXLAG}")
    for key in sorted(cont or {}):
        url += f"&{key}={enc(cont[key])}"
    return url


def info_url(pageids: list[int]) -> str:
    """The plugin's image info URL; keep in step with `Settings::info_url` in plugins/wikimedia."""
    return (f"{API}?action=query&format=json&formatversion=2&prop=imageinfo&iiprop={enc('url|size|mime|extmetadata')}"
            f"&iiurlwidth={WIDTH}&iiextmetadatafilter={enc(EXTMETADATA)}&iiextmetadatalanguage=en"
            f"&pageids={enc('|'.join(map(str, pageids)))}&maxlag={MAXLAG}")


def licence_allowed(code: str | None) -> bool:
    if not code:
        return False
    for pattern in ALLOWED:
        if pattern.endswith("*"):
            stem = pattern[:-1]
            if code.startswith(stem) and code[len(stem):][:1].isdigit():
                return True
        elif pattern == code:
            return True
    return False


def licence_name(code: str, short: str | None) -> str:
    if code in ("cc0", "cc0-1.0"):
        return "CC0-1.0"
    if code.startswith("cc-"):
        return code.upper()
    return short or code


def meta(value: str, source: str = "commons-desc-page", hidden: bool = False) -> dict:
    out = {"value": value, "source": source}
    if hidden:
        out["hidden"] = ""
    return out


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.used_ids: set[int] = set()
        self.used_names: set[str] = set()
        self.files: dict[int, dict] = {}  # pageid -> file record
        # category title -> list of listing pages (each a list of members)
        self.listings: dict[str, list[list[dict]]] = {}
        self.exchanges: list[dict] = []
        self.requested: set[str] = set()
        self.downloads: list[dict] = []
        self.expected: dict = {"styles": {}}

    def pageid(self) -> int:
        while True:
            n = self.rng.randint(1_000_000, 160_000_000)
            if n not in self.used_ids:
                self.used_ids.add(n)
                return n

    def new_file(self, style: str, index: int) -> dict:
        r = self.rng
        key = (style, index)
        while True:
            artist = r.choice(ARTISTS[style])
            subject = r.choice(SUBJECTS[style])
            year = r.randint(1600, 1660) if style == "baroque" else r.randint(1760, 1860) if style == "ukiyo-e" \
                else r.randint(1868, 1910)
            suffix = r.choice(["", " - Google Art Project", f" - WGA{r.randint(1000, 25999)}", " (cropped)",
                               f" {r.randint(2, 9)}"])
            ext = "jpg"
            if key in PNG:
                ext = "png"
            if key in TIFF:
                ext = "tif"
            if key in NOT_IMAGE:
                ext = NOT_IMAGE[key][1]
            name = f"{artist} - {subject} ({year}){suffix}.{ext}"
            if name not in self.used_names:
                self.used_names.add(name)
                break
        mime = {"jpg": "image/jpeg", "png": "image/png", "tif": "image/tiff"}.get(ext) or NOT_IMAGE[key][0]
        width, height = r.randint(1200, 6000), r.randint(900, 5000)
        if key in TOO_SMALL:
            width, height = TOO_SMALL[key]
        if key in SMALLER_THAN_WIDTH:
            width, height = SMALLER_THAN_WIDTH[key]
        code, short, url, attribution = r.choices(LICENCES, weights=[l[4] for l in LICENCES])[0][:4]
        if key in DISALLOWED:
            code, short, url, attribution = DISALLOWED[key]
        return {"pageid": self.pageid(), "title": f"File:{name}", "name": name, "artist": artist, "subject": subject,
                "year": year, "mime": mime, "width": width, "height": height, "size": r.randint(200_000, 40_000_000),
                "licence": (code, short, url, attribution), "key": key, "style": style,
                "user": r.choice(["Dcoetzee", "Paris 16", "Rlbberlin", "Coldcreation", "Kotofeif", "Mefusbren69"])}

    # --- the fake site ------------------------------------------------------------------------------------------

    def build(self) -> None:
        for style, (category, sizes, sub) in STYLES.items():
            total = sum(sizes) - (1 if sub else 0)
            files = [self.new_file(style, i) for i in range(total)]
            for f in files:
                self.files[f["pageid"]] = f
            members = [{"pageid": f["pageid"], "ns": 6, "title": f["title"]} for f in files]
            if sub:
                sub_title, sub_count = sub
                sub_member = {"pageid": self.pageid(), "ns": 14, "title": sub_title}
                members.insert(0, sub_member)  # subcategories sort before files
                sub_files = [self.new_file(style, 1000 + i) for i in range(sub_count)]
                for f in sub_files:
                    self.files[f["pageid"]] = f
                sub_members = [{"pageid": f["pageid"], "ns": 6, "title": f["title"]} for f in sub_files]
                if style == IN_PARENT_TOO[0]:
                    # A file of the parent category is in the subcategory as well.
                    parent_file = files[IN_PARENT_TOO[1]]
                    sub_members.insert(2, {"pageid": parent_file["pageid"], "ns": 6, "title": parent_file["title"]})
                self.listings[sub_title] = [sub_members]
            pages, start = [], 0
            for size in sizes:
                pages.append(members[start:start + size])
                start += size
            self.listings[category] = pages
        # The shared painting: the pointillism listing names impressionism's file.
        style, index, other_style, other_index = SHARED
        other = [m for m in self.listings[STYLES[other_style][0]][0] if m["ns"] == 6][other_index]
        target_pages = self.listings[STYLES[style][0]]
        flat = [m for page in target_pages for m in page]
        files_only = [m for m in flat if m["ns"] == 6]
        replaced = files_only[index]
        for page in target_pages:
            for i, m in enumerate(page):
                if m is replaced:
                    page[i] = dict(other)
        del self.files[replaced["pageid"]]

    def cmcontinue(self, member: dict) -> str:
        sortkey = member["title"].split(":", 1)[1].upper().encode()[:12].hex()
        return f"file|{sortkey}|{member['pageid']}"

    def listing_answer(self, category: str, page_no: int) -> dict:
        pages = self.listings[category]
        answer: dict = {"batchcomplete": True}
        if page_no + 1 < len(pages):
            answer["continue"] = {"cmcontinue": self.cmcontinue(pages[page_no + 1][0]), "continue": "-||"}
        answer["query"] = {"categorymembers": pages[page_no]}
        return answer

    def imageinfo(self, f: dict) -> dict:
        code, short, licence_url, attribution = f["licence"]
        key = f["key"]
        under = f["name"].replace(" ", "_")
        digest = hashlib.md5(under.encode()).hexdigest()
        path = f"{digest[0]}/{digest[:2]}/{quote(under, safe='()_-.,!')}"
        url = f"{UPLOAD}/wikipedia/commons/{path}"
        if f["width"] <= WIDTH:
            thumb, tw, th = url, f["width"], f["height"]
        else:
            tw, th = WIDTH, round(f["height"] * WIDTH / f["width"])
            name = quote(under, safe="()_-.,!")
            if f["mime"] == "image/tiff":
                thumb = f"{UPLOAD}/wikipedia/commons/thumb/{path}/lossy-page1-{WIDTH}px-{name}.jpg"
            elif f["mime"] == "application/pdf":
                thumb = f"{UPLOAD}/wikipedia/commons/thumb/{path}/page1-{WIDTH}px-{name}.jpg"
            else:
                thumb = f"{UPLOAD}/wikipedia/commons/thumb/{path}/{WIDTH}px-{name}"
        if key in OFF_ORIGIN:
            thumb = f"https://evil.example.org/thumb/{WIDTH}px-{quote(under, safe='()_-.,!')}"
        artist_url = "https://en.wikipedia.org/wiki/en:" + quote(f["artist"].replace(" ", "_"), safe="()_-.,!:")
        ext = {}
        if f["mime"].startswith("image/"):
            ext["DateTimeOriginal"] = meta(str(f["year"]))
            ext["ObjectName"] = meta(f["subject"])
            ext["ImageDescription"] = meta(
                f'<div class="description en" lang="en"><span class="language en"><b>English: </b></span>'
                f'{f["subject"]} by {f["artist"]}, {f["year"]}.</div>')
        if key not in CREDIT_ONLY:
            artist = f["artist"].replace("&", "&amp;")
            ext["Artist"] = meta(f'<bdi><a href="{artist_url}" class="extiw" title="w:en:{f["artist"]}">{artist}'
                                 f'</a>\n</bdi>')
        ext["Credit"] = meta('<a rel="nofollow" class="external free" href="https://www.google.com/culturalinstitute">'
                             'Google Cultural Institute</a>' if key not in CREDIT_ONLY else
                             f'Photograph by <a href="//commons.wikimedia.org/wiki/User:{f["user"]}" '
                             f'title="User:{f["user"]}">{f["user"]}</a> &amp; museum staff')
        if code:
            ext["License"] = meta(code, "commons-templates", hidden=True)
            ext["LicenseShortName"] = meta(short, hidden=True)
            if licence_url:
                ext["LicenseUrl"] = meta(licence_url, hidden=True)
            ext["AttributionRequired"] = meta(attribution, hidden=True)
            ext["UsageTerms"] = meta("Public domain" if code == "pd" else f"Creative Commons {short}", hidden=True)
            ext["Copyrighted"] = meta("False" if code in ("pd", "cc0") else "True", hidden=True)
        ext["Categories"] = meta(
            "|".join(sorted({f"{f['year']} paintings" if f["style"] != "ukiyo-e" else f"{f['year']} prints",
                             STYLES[f["style"]][0].split(":", 1)[1], f"Paintings by {f['artist']}"})), "commons-categories",
            hidden=True)
        return {"size": f["size"], "width": f["width"], "height": f["height"], "thumburl": thumb,
                "thumbwidth": tw, "thumbheight": th, "url": url,
                "descriptionurl": f"{BASE}/wiki/{quote(f['title'].replace(' ', '_'), safe='()_-.,!:')}",
                "descriptionshorturl": f"{BASE}/w/index.php?curid={f['pageid']}", "extmetadata": ext,
                "mime": f["mime"]}

    def image_body(self, f: dict) -> tuple[bytes, str, str]:
        if f["mime"] == "image/png":
            rgb = tuple(self.rng.randint(0, 255) for _ in range(3))
            return png_bytes(32, 24, rgb), "image/png", "png"
        return JPEGS[f["pageid"] % len(JPEGS)].read_bytes(), "image/jpeg", "jpg"

    # --- the crawl, as the plugin makes it ------------------------------------------------------------------------

    def crawl(self) -> None:
        stored: dict[int, str] = {}
        for style, (category, _, _) in STYLES.items():
            record = {"categories": [category], "first_url": members_url(category, True, None), "listing_pages": 0,
                      "stored": [], "licences": {}, "skipped": {"licence": [], "too_small": [], "not_image": [],
                                                                 "missing": [], "image_404": [], "off_origin": []},
                      "elsewhere": []}
            queue, queued = [(category, 0)], [category]
            while queue:
                title, depth = queue[0]
                subcats = depth < 1
                pages = self.listings[title]
                cont = None
                for page_no in range(len(pages)):
                    url = members_url(title, subcats, cont)
                    answer = self.listing_answer(title, page_no)
                    self.exchanges.append(exchange(url, 200, "application/json; charset=utf-8", as_json(answer)))
                    record["listing_pages"] += 1
                    for m in pages[page_no]:
                        if m["ns"] == 14 and subcats and m["title"] not in queued:
                            queued.append(m["title"])
                            queue.append((m["title"], depth + 1))
                            record["categories"].append(m["title"])
                    files = list({m["pageid"]: m for m in pages[page_no] if m["ns"] == 6}.values())
                    for i in range(0, len(files), INFO_BATCH):
                        self.info_batch(style, title, files[i:i + INFO_BATCH], stored, record)
                    cont = answer.get("continue")
                queue.pop(0)
            assert len(record["stored"]) < 200, "keep under the default per_category"
            self.expected["styles"][style] = record

    def info_batch(self, style: str, category: str, members: list[dict], stored: dict, record: dict) -> None:
        ids = [m["pageid"] for m in members]
        fresh = []
        for pageid in ids:
            if pageid in stored:
                if stored[pageid] != style:
                    record["elsewhere"].append(f"wikimedia:{pageid}")
            else:
                fresh.append(pageid)
        # The request is recorded even when a default crawl does not make it (every file stored already): a
        # resumed page, or a crawl with another per_category, makes it.
        url = info_url(ids)
        if "sample_info_request" not in self.expected:
            self.expected["sample_info_request"] = {"pageids": ids, "url": url}
        pages = []
        for pageid in sorted(ids):  # the API answers in its own order
            f = self.files[pageid]
            if f["key"] in MISSING:
                pages.append({"pageid": pageid, "ns": 6, "title": f["title"], "missing": True})
                continue
            pages.append({"pageid": pageid, "ns": 6, "title": f["title"], "imagerepository": "local",
                          "imageinfo": [self.imageinfo(f)]})
        answer = {"batchcomplete": True, "query": {"pages": pages}}
        if url not in self.requested:
            self.requested.add(url)
            self.exchanges.append(exchange(url, 200, "application/json; charset=utf-8", as_json(answer)))
        for pageid in fresh:
            f = self.files[pageid]
            key, source_key = f["key"], f"wikimedia:{pageid}"
            code, short = f["licence"][0], f["licence"][1]
            if key in MISSING:
                record["skipped"]["missing"].append(source_key)
                continue
            if not f["mime"].startswith("image/"):
                record["skipped"]["not_image"].append(source_key)
                continue
            if not licence_allowed(code):
                record["skipped"]["licence"].append(source_key)
                continue
            if min(f["width"], f["height"]) < MIN_SIDE:
                record["skipped"]["too_small"].append(source_key)
                continue
            info = self.imageinfo(f)
            if key in OFF_ORIGIN:
                record["skipped"]["off_origin"].append(source_key)
                continue
            if key in IMAGE_404:
                self.downloads.append(exchange(info["thumburl"], 404, "text/html; charset=utf-8",
                                               "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found"
                                               "</h1><p>The resource could not be found.</p></body></html>\n"))
                record["skipped"]["image_404"].append(source_key)
                continue
            body, content_type, ext = self.image_body(f)
            self.downloads.append(exchange(info["thumburl"], 200, content_type, body))
            author = f["artist"] if key not in CREDIT_ONLY else f"Photograph by {f['user']} & museum staff"
            licence = licence_name(code, short)
            record["stored"].append({"key": source_key, "licence": licence, "author": author, "file": f"image.{ext}",
                                     "title": f["subject"], "commons_category": category})
            record["licences"][licence] = record["licences"].get(licence, 0) + 1
            stored[pageid] = style


def render(lines: list[dict]) -> str:
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write (default: next to this script)")
    parser.add_argument("--check", action="store_true", help="compare with the files there instead of writing")
    args = parser.parse_args()

    site = Site()
    site.build()
    site.crawl()
    files = {"replay": render(site.exchanges + site.downloads),
             "expected.json": json.dumps(site.expected, indent=1, ensure_ascii=False) + "\n"}
    stale = []
    for name, text in files.items():
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    total = 0
    for name, e in site.expected["styles"].items():
        total += len(e["stored"])
        skipped = {k: len(v) for k, v in e["skipped"].items() if v}
        print(f"{name:13} categories {len(e['categories'])}  listing pages {e['listing_pages']}  "
              f"stored {len(e['stored']):3}  skipped {skipped}  elsewhere {len(e['elsewhere'])}  licences {e['licences']}")
    print(f"{len(site.exchanges) + len(site.downloads)} exchanges, {total} files stored")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
