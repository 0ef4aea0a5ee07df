#!/usr/bin/env python3
"""Generates the offline fixtures of the url-list crawler: two hand-written lists and every URL they name.

Python 3.11 standard library only. Deterministic: the same script writes byte-identical files.

    python3 examples/url-list/make_fixtures.py            # writes replay and expected.json
    python3 examples/url-list/make_fixtures.py --check    # fails when the files on disk differ from a fresh run

Files written next to this script:

* `replay`: one HTTP exchange per line, as the host's `--replay` reads it:
  {"method":"GET","url":...,"status":200,"headers":[[name,value],...],"final_url":...,"body":"text"}
  (binary bodies use "body_base64" instead of "body"). It holds the two lists and every URL they name:
  - `https://lists.example.org/course/3d-models.tsv`: the tab-separated format, with Polycam storage URLs of
    public captures (source_apis.md §3: Polycam has no public API), a capture *page* (HTML, skipped), a museum
    mirror, a 404, a duplicate line, and two unusable lines;
  - `https://lists.example.org/course/images.csv`: the CSV format with a header, quoted fields, images and an
    SVG, one URL also on the first list, one entry without a licence.
* `expected.json`: per list, its URL, the hosts to grant, the items a run stores (URL, category, licence, author,
  title, file name, media type, SHA-256) and the lines it skips, and why.

Media types are served the way real servers do: S3-style `binary/octet-stream` for Polycam's GLBs (the plugin
goes by the extension), `application/octet-stream` on an extension-less URL (it goes by the bytes), no
Content-Type at all for one SVG. Image bytes: a PNG made here with zlib, and small real JPEGs copied from
examples/sketchfab/thumbs into `thumbs/`.
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

HERE = Path(__file__).resolve().parent
SEED = 20240401
LISTS = "https://lists.example.org"
POLYCAM_STORAGE = "https://storage.polycam.io"
POLYCAM = "https://poly.cam"
MIRROR = "https://models.example.org"
COMMONS = "https://upload.wikimedia.org"

CC = "https://creativecommons.org/licenses"


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


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid RGB PNG: a gradient from black to `rgb`, left to right."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(
        b"\x00" + bytes(c * x // (width - 1) for x in range(width) for c in rgb) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# A 1x1 GIF (GIF89a, one white pixel).
GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><title>Fox</title>'
       '<path d="M3 3l4 6h10l4-6-2 10-7 8-7-8z" fill="#e8730c"/>'
       '<circle cx="9" cy="12" r="1"/><circle cx="15" cy="12" r="1"/></svg>\n')

CAPTURE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Stone lantern - 3D capture by kyoto_scans | Polycam</title>
<meta property="og:image" content="{storage}/captures/{uuid}/thumbnail.jpg">
</head><body><div id="__next">Loading capture…</div></body></html>
"""

NOT_FOUND = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n"


def exchange(url: str, status: int, content_type: str | None, body: bytes | str) -> dict:
    headers = [["content-type", content_type]] if content_type else []
    line = {"method": "GET", "url": url, "status": status, "headers": headers, "final_url": url}
    if isinstance(body, str):
        line["body"] = body
    else:
        line["body_base64"] = base64.b64encode(body).decode()
    return line


def licence(text: str) -> tuple[str | None, str | None]:
    """The plugin's licence normalisation for the spellings the fixtures use (`media::licence`)."""
    known = {
        "cc-by-4.0": ("CC-BY-4.0", f"{CC}/by/4.0/"), "cc by 4.0": ("CC-BY-4.0", f"{CC}/by/4.0/"),
        "cc-by-sa-4.0": ("CC-BY-SA-4.0", f"{CC}/by-sa/4.0/"), "cc-by-nc-4.0": ("CC-BY-NC-4.0", f"{CC}/by-nc/4.0/"),
        "cc0": ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        "cc0-1.0": ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        "public domain": ("PDM-1.0", "https://creativecommons.org/publicdomain/mark/1.0/"),
    }
    if not text:
        return None, None
    return known[text.lower()]


class Site:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.exchanges: list[dict] = []
        self.urls: set[str] = set()
        self.expected: dict = {"lists": {}}
        self.thumbs = sorted(p.name for p in (HERE / "thumbs").glob("*.jpeg"))

    def uuid(self) -> str:
        r = self.rng
        return (f"{r.getrandbits(32):08X}-{r.getrandbits(16):04X}-4{r.getrandbits(12):03X}-"
                f"{r.choice('89AB')}{r.getrandbits(12):03X}-{r.getrandbits(48):012X}")

    def serve(self, url: str, status: int, content_type: str | None, body: bytes | str) -> bytes | str:
        if url not in self.urls:
            self.urls.add(url)
            self.exchanges.append(exchange(url, status, content_type, body))
        return body

    def jpeg(self) -> bytes:
        return (HERE / "thumbs" / self.rng.choice(self.thumbs)).read_bytes()

    def build(self) -> None:
        u1, u2, u3, u4, u5 = (self.uuid() for _ in range(5))
        t = 1709251200000
        # (fields of the line, what the server answers: (status, content type, body), what the plugin does)
        teapot = f"{MIRROR}/antiques/teapot.glb"
        tsv = [
            "# 3D models for the course, collected by hand from Polycam and a museum mirror.",
            "# URL<TAB>category<TAB>licence<TAB>author[<TAB>title]",
            "# Polycam has no public API: these are the storage URLs of public captures (source_apis.md §3).",
            "",
            ([f"{POLYCAM_STORAGE}/captures/{u1}/raw.glb?t={t}", "animals", "CC-BY-4.0", "Mika Tanaka"],
             (200, "binary/octet-stream", glb(f"{u1}/raw.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{POLYCAM_STORAGE}/captures/{u2}/raw.glb?t={t + 86_400_000}", "plants", "cc by 4.0", "GreenScan Lab"],
             (200, "binary/octet-stream", glb(f"{u2}/raw.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{POLYCAM_STORAGE}/captures/{u3}/raw.glb", "antiques", "", ""],
             (200, "binary/octet-stream", glb(f"{u3}/raw.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{POLYCAM}/capture/{u4}", "antiques", "CC-BY-4.0", "kyoto_scans"],
             (200, "text/html; charset=utf-8", CAPTURE_PAGE.format(storage=POLYCAM_STORAGE, uuid=u4)),
             "a web page"),
            "",
            "# A museum's mirror",
            ([teapot, "Antiques", "CC0", "Museum of Examples"],
             (200, "model/gltf-binary", glb("teapot.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{MIRROR}/antiques/missing-vase.glb", "antiques", "CC0", "Museum of Examples"],
             (404, "text/html", NOT_FOUND), "HTTP 404"),
            ([f"{MIRROR}/download?id=42", "game-characters", "CC-BY-SA-4.0", "Pixel Forge"],
             (200, "application/octet-stream", glb("knight.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{MIRROR}/anime/chibi-fox.glb", "anime-characters", "CC-BY-NC-4.0", "Toonsmith", "Chibi fox"],
             (200, "model/gltf-binary", glb("chibi-fox.glb")), ("file.glb", "model/gltf-binary")),
            ([f"{POLYCAM_STORAGE}/captures/{u1}/raw.glb?t={t}", "plants", "CC-BY-4.0", "Mika Tanaka"],
             None, "listed already"),
            ([f"ftp://models.example.org/old/statue.glb", "antiques", "CC0", ""], None, "not an http(s) URL"),
            ([f"{MIRROR}/antiques/lamp.glb"], None, "no category"),
            ([f"{POLYCAM_STORAGE}/captures/{u5}/thumbnail.jpg?t={t}", "animals", "CC-BY-4.0", "Mika Tanaka"],
             (200, "image/jpeg", self.jpeg()), ("file.jpg", "image/jpeg")),
        ]
        self.list("tsv", f"{LISTS}/course/3d-models.tsv", "text/tab-separated-values; charset=utf-8", tsv,
                  lambda fields: "\t".join(fields))
        csv = [
            "url,category,licence,author",
            ([f"{COMMONS}/wikipedia/commons/a/a1/Red_fox_icon.png", "icons", "CC-BY-SA-4.0", "Doe, Jane"],
             (200, "image/png", png(16, 16, (232, 115, 12))), ("file.png", "image/png")),
            ([f"{MIRROR}/svg/fox.svg", "icons", "CC0-1.0", "Fox Works"],
             (200, None, SVG), ("file.svg", "image/svg+xml")),
            ([f"{COMMONS}/wikipedia/commons/b/b2/Ginkgo_leaf.jpg", "plants", "Public domain", ""],
             (200, "image/jpeg", self.jpeg()), ("file.jpg", "image/jpeg")),
            ([teapot, "antiques", "CC0", "Museum of Examples"], None, ("file.glb", "model/gltf-binary")),
            ([f"{MIRROR}/photos/vase.gif", "antiques", "", "Museum of Examples"],
             (200, "image/gif", GIF), ("file.gif", "image/gif")),
        ]
        self.list("csv", f"{LISTS}/course/images.csv", "text/csv; charset=utf-8", csv,
                  lambda fields: ",".join(f'"{f}"' if "," in f else f for f in fields))

    def list(self, name: str, url: str, content_type: str, lines: list, join) -> None:
        text_lines, stored, skipped = [], [], []
        hosts = {url.split("/")[2]}
        seen_here = set()
        for number, line in enumerate(lines, start=1):
            if isinstance(line, str):
                text_lines.append(line)
                continue
            fields, answer, outcome = line
            text_lines.append(join(fields))
            entry_url = fields[0]
            if answer is not None:
                status, kind, body = answer
                self.serve(entry_url, status, kind, body)
            if entry_url.startswith("http"):
                hosts.add(entry_url.split("/")[2])
            if isinstance(outcome, str):
                skipped.append({"line": number, "url": entry_url, "why": outcome})
                continue
            if entry_url in seen_here:
                raise AssertionError(f"{entry_url} listed twice but expected stored")
            seen_here.add(entry_url)
            file_name, media_type = outcome
            body = next(e for e in self.exchanges if e["url"] == entry_url)
            data = base64.b64decode(body["body_base64"]) if "body_base64" in body else body["body"].encode()
            licence_id, licence_url = licence(fields[2] if len(fields) > 2 else "")
            stored.append({
                "line": number, "url": entry_url, "category": fields[1].lower(),
                "licence": licence_id, "licence_url": licence_url,
                "author": (fields[3] if len(fields) > 3 else "") or None,
                "title": fields[4] if len(fields) > 4 else None,
                "file": file_name, "media_type": media_type, "sha256": hashlib.sha256(data).hexdigest(),
            })
        self.serve(url, 200, content_type, "\n".join(text_lines) + "\n")
        self.expected["lists"][name] = {"url": url, "hosts": sorted(hosts), "stored": stored, "skipped": skipped}


def render(lines: list[dict]) -> str:
    return "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write (default: next to this script)")
    parser.add_argument("--check", action="store_true", help="compare with the files there instead of writing")
    args = parser.parse_args()

    site = Site()
    site.build()
    # The lists first, then the files, in list order.
    lists = [e for e in site.exchanges if e["url"].startswith(LISTS)]
    files = [e for e in site.exchanges if not e["url"].startswith(LISTS)]
    out = {
        "replay": render(lists + files),
        "expected.json": json.dumps(site.expected, indent=1, ensure_ascii=False) + "\n",
    }
    stale = []
    for name, text in out.items():
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    for name, info in site.expected["lists"].items():
        print(f"{name}: {info['url']}  stored {len(info['stored'])}  skipped {len(info['skipped'])}  "
              f"hosts {' '.join(info['hosts'])}")
    print(f"replay: {len(site.exchanges)} exchanges")
    if stale:
        print(f"out of date: {', '.join(stale)} (run make_fixtures.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
