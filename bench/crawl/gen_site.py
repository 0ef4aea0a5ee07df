#!/usr/bin/env python3
"""Writes the crawl benchmark's fixture site: static files a plain web server can serve.

    api/items/page-N.json     the listing page served as /api/items?page=N (PER_PAGE entries and a `next` link)
    images/SSS/item-NNNNNN.jpg one small JPEG per item (2-6 KB), every one different

Each image is one of the JPEGs under examples/sketchfab/thumbs with a COM (comment) segment inserted after the
start-of-image marker, holding the item's id and deterministic pseudo-random filler: still a valid JPEG, unique
bytes (the dataset store is content-addressed, so identical images would be stored once and flatter aigc-host).

Deterministic: the same arguments give the same bytes. Python standard library only.

    python3 bench/crawl/gen_site.py OUT_DIR [--items 10000] [--per-page 100]
"""

import argparse
import json
import random
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THUMBS = ROOT / "examples" / "sketchfab" / "thumbs"
LICENCES = [
    ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("CC-BY-NC-4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
]
WORDS = "red blue small large old new wooden stone bronze glass chair lamp vase fox owl tree boat house".split()


def jpeg_with_comment(base: bytes, comment: bytes) -> bytes:
    """`base` with a COM segment holding `comment` right after SOI."""
    assert base[:2] == b"\xff\xd8", "not a JPEG"
    assert len(comment) <= 65533
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + base[2:]


def generate(out: Path, items: int, per_page: int) -> dict:
    bases = [p.read_bytes() for p in sorted(THUMBS.glob("*.jpeg"))]
    if not bases:
        sys.exit(f"no JPEGs under {THUMBS}")
    rng = random.Random(20240601)
    pages = (items + per_page - 1) // per_page
    (out / "api" / "items").mkdir(parents=True, exist_ok=True)
    image_bytes = 0
    for page in range(1, pages + 1):
        entries = []
        for n in range((page - 1) * per_page + 1, min(page * per_page, items) + 1):
            item_id = f"item-{n:06d}"
            rel = f"images/{n // 1000:03d}/{item_id}.jpg"
            filler = rng.randbytes(rng.randint(1500, 4500))
            data = jpeg_with_comment(bases[n % len(bases)], item_id.encode() + b"\0" + filler)
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            image_bytes += len(data)
            licence, licence_url = LICENCES[n % len(LICENCES)]
            author = f"author-{n % 997:03d}"
            entries.append({
                "id": item_id,
                "title": f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]} #{n}",
                "licence": licence,
                "licence_url": licence_url,
                "author": author,
                "author_url": f"/authors/{author}",
                "image": "/" + rel,
                "bytes": len(data),
                "tags": [WORDS[(n * k) % len(WORDS)] for k in (3, 5, 11)],
                "created": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T12:00:00Z",
            })
        listing = {
            "page": page,
            "pages": pages,
            "total": items,
            "next": f"/api/items?page={page + 1}" if page < pages else None,
            "items": entries,
        }
        (out / "api" / "items" / f"page-{page}.json").write_text(json.dumps(listing, indent=1))
    summary = {"items": items, "per_page": per_page, "pages": pages, "image_bytes": image_bytes}
    (out / "site.json").write_text(json.dumps(summary))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    if not 1 <= args.per_page <= 250:
        sys.exit("--per-page must be 1..250 (the crawler fetches a page's images in one fetch-all of at most 256)")
    print(json.dumps(generate(args.out, args.items, args.per_page)))


if __name__ == "__main__":
    main()
