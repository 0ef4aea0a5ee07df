"""Fetches a user-supplied list of URLs into the dataset, one item per URL: the core of plugins/url-list in
Python (tab-separated lists; the Rust plugin also reads CSV with a header). Items get the same source keys
(`url:URL`), categories, licences (as SPDX ids), authors, titles, file names and media types as the Rust
plugin's; the files are fetched concurrently with `http.fetch_all`."""

from aigc_sdk import Crawler, collect, config, dataset, http, log, web

GENERIC = {"application/octet-stream", "binary/octet-stream", "application/binary", "application/unknown",
           "application/x-download"}
TYPES = [("model/gltf-binary", "glb"), ("model/gltf+json", "gltf"), ("model/obj", "obj"), ("model/stl", "stl"),
         ("model/ply", "ply"), ("model/vnd.usdz+zip", "usdz"), ("model/vnd.collada+xml", "dae"),
         ("model/x.splat", "splat"), ("image/png", "png"), ("image/jpeg", "jpg"), ("image/jpeg", "jpeg"),
         ("image/svg+xml", "svg"), ("image/webp", "webp"), ("image/gif", "gif"), ("image/avif", "avif"),
         ("image/tiff", "tif"), ("image/tiff", "tiff"), ("application/zip", "zip"), ("application/json", "json"),
         ("text/plain", "txt"), ("video/mp4", "mp4"), ("audio/mpeg", "mp3"), ("application/pdf", "pdf"),
         ("text/html", "html")]
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-zip-compressed": "application/zip",
           "model/stl+binary": "model/stl", "application/sla": "model/stl", "application/x-tgif": "model/obj",
           "model/usd": "model/vnd.usdz+zip"}
CC_TERMS = ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")


def extension(url: str):
    """The lowercase extension of the URL's last path segment, if it looks like one."""
    path = url.split("?")[0].split("#")[0]
    after_host = path.split("://", 1)[1] if "://" in path else path
    if "/" not in after_host:
        return None
    name = after_host.split("/", 1)[1].rsplit("/", 1)[-1]
    if "." not in name:
        return None
    ext = name.rsplit(".", 1)[1]
    return ext.lower() if ext and len(ext) <= 8 and ext.isascii() and ext.isalnum() else None


def kind(content_type, url: str, body: bytes):
    """(media type, extension): from Content-Type, else the URL's extension, else the first bytes."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared and declared not in GENERIC:
        declared = ALIASES.get(declared, declared)
        ext = next((e for t, e in TYPES if t == declared), None) or extension(url) or "bin"
        return declared, ext
    ext = extension(url)
    if ext:
        found = next((t for t, e in TYPES if e == ext), None)
        if found:
            return found, ext
    sniffed = web.sniff(body)
    return (sniffed[1], sniffed[0]) if sniffed else ("application/octet-stream", "bin")


def licence(text: str):
    """(SPDX id, licence URL) of a licence as people write it (`cc by 4.0`, `CC0`)."""
    text = text.strip()
    compact = "".join("-" if c in " _" else c for c in text.lower())
    if compact in ("cc0", "cc0-1.0", "cc-zero", "cc0-1.0-universal"):
        return "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
    if compact in ("public-domain", "pdm", "pdm-1.0", "public-domain-mark"):
        return "PDM-1.0", "https://creativecommons.org/publicdomain/mark/1.0/"
    if compact.startswith("cc-"):
        rest = compact[3:]
        terms, version = rest.rsplit("-", 1) if "-" in rest and "." in rest.rsplit("-", 1)[1] else (rest, "4.0")
        if terms in CC_TERMS and version in ("1.0", "2.0", "2.5", "3.0", "4.0"):
            return f"CC-{terms.upper()}-{version}", f"https://creativecommons.org/licenses/{terms}/{version}/"
    return text, None


def parse(text: str):
    """Entries (line, url, category, licence, author, title) of a tab-separated list, and warnings."""
    entries, problems = [], []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")] + [""] * 5
        url, category, lic, author, title = fields[:5]
        if web.origin(url) is None:
            problems.append(f"list line {number}: `{url}` is not an http(s) URL; skipped")
        elif not category:
            problems.append(f"list line {number}: no category; skipped")
        else:
            entries.append((number, url, category, lic or None, author or None, title or None))
    return entries, problems


class UrlList(Crawler):
    """One item per listed URL."""

    def crawl(self) -> None:
        list_url = config.get_or("list_url", "").strip()
        if web.origin(list_url) is None:
            raise ValueError(f"config `list_url` = `{list_url}` is required and must be an http(s) URL")
        default_licence = config.get_or("default_licence", "").strip() or None
        max_bytes = config.int_or("max_bytes", 64 << 20)
        try:
            text = http.success(http.fetch(list_url)).body.decode("utf-8")
        except http.HttpError as e:
            raise RuntimeError(f"fetching the list {list_url}: {e.reason}") from None
        entries, problems = parse(text)
        for problem in problems:
            log.warn(problem)
        first_line, todo = {}, []
        for entry in entries:
            number, url = entry[0], entry[1]
            if url in first_line:
                log.info(f"list line {number}: {url} is listed already on line {first_line[url]}; skipped")
                continue
            first_line[url] = number
            if dataset.seen(f"url:{url}") is None:
                todo.append(entry)
        stored = failed = 0
        for (number, url, category, lic, author, title), answer in zip(todo, http.fetch_all([e[1] for e in todo])):
            why = None
            if isinstance(answer, http.HttpError):
                why = answer.reason
            elif not answer.ok:
                why = f"HTTP {answer.status}"
            elif not answer.body:
                why = "an empty answer"
            elif len(answer.body) > max_bytes:
                why = f"{len(answer.body)} bytes, more than max_bytes ({max_bytes})"
            if why is None:
                media_type, ext = kind(answer.header("content-type"), url, answer.body)
                if media_type in ("text/html", "application/xhtml+xml"):
                    why = f"a web page ({media_type}), not a file: list the URL of the file itself"
            if why is not None:
                log.warn(f"list line {number}: skipping {url}: {why}")
                failed += 1
                continue
            given = lic or default_licence
            licence_id, licence_url = licence(given) if given else (None, None)
            item = collect.new_item(
                f"url:{url}",
                url,
                category=category,
                title=title,
                licence=licence_id,
                licence_url=licence_url,
                author=author,
                metadata={"list_url": list_url, "line": number, "url": url, "final_url": answer.final_url},
                files=[collect.NewFile(f"file.{ext}", media_type, answer.body)],
            )
            stored += collect.put(item).created
        log.info(f"{list_url}: {stored} new items, {len(entries) - len(todo)} already stored or repeated, {failed} failed")
        if entries and stored == 0 and len(todo) == failed and failed > 0:
            raise RuntimeError(f"none of the {len(todo)} entries of {list_url} could be fetched (see the warnings)")
