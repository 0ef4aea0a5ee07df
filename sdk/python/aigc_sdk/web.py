"""Small helpers every crawler needs: URL origins, query encoding, and telling file types by their bytes.

These need no host call, so they work in unit tests as they do in a plugin::

    url = f"{base}/search?q={web.encode('game character')}"   # q=game%20character
    kind = web.sniff_only(response.body, ["jpg", "png"])        # ("png", "image/png") or None
"""

from __future__ import annotations

from typing import Iterable, Optional, Tuple


def origin(url: str) -> Optional[str]:
    """``scheme://host[:port]`` of an http(s) URL, lowercased; ``None`` for anything odd (user info, backslashes,
    white space). Compare origins to refuse ``next`` links that lead to another site."""
    if "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        return None
    if any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if at >= 0:
            end = min(end, at)
    authority = rest[:end]
    if not authority or "@" in authority:
        return None
    return f"{scheme}://{authority.lower()}"


def encode(value: str) -> str:
    """Percent-encodes a query value: letters, digits and ``-._~`` stay, every other byte becomes ``%XX``, as
    ``urllib.parse.quote(value, safe="")`` does."""
    out = []
    for b in value.encode("utf-8"):
        c = chr(b)
        if (c.isascii() and c.isalnum()) or c in "-._~":
            out.append(c)
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def sniff(data: bytes) -> Optional[Tuple[str, str]]:
    """A file's type judged by its first bytes: ``(extension, media type)`` for JPEG (``jpg``), PNG, GIF, WebP,
    GLB, zip and SVG (text starting with ``<svg``, or ``<?xml`` with ``<svg`` in its first 512 bytes); ``None``
    for anything else."""
    data = bytes(data)
    if data.startswith(b"\xff\xd8\xff"):
        return ("jpg", "image/jpeg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ("png", "image/png")
    if data.startswith(b"GIF87a") or data.startswith(b"GIF89a"):
        return ("gif", "image/gif")
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("webp", "image/webp")
    if data.startswith(b"glTF"):
        return ("glb", "model/gltf-binary")
    if data.startswith(b"PK\x03\x04"):
        return ("zip", "application/zip")
    head = data[:512].decode("utf-8", errors="replace").lstrip().lower()
    if head.startswith("<svg") or (head.startswith("<?xml") and "<svg" in head):
        return ("svg", "image/svg+xml")
    return None


def sniff_only(data: bytes, extensions: Iterable[str]) -> Optional[Tuple[str, str]]:
    """:func:`sniff`, keeping only types whose extension is in ``extensions``."""
    found = sniff(data)
    return found if found is not None and found[0] in tuple(extensions) else None
