//! What a fetched file is (media type and file extension, from the Content-Type header, else the URL's extension,
//! else the first bytes), licence names, and the host of a URL.

use aigc_sdk::web;

/// Media types that say nothing about the content: the extension or the bytes decide instead.
const GENERIC: [&str; 5] = [
    "application/octet-stream",
    "binary/octet-stream",
    "application/binary",
    "application/unknown",
    "application/x-download",
];

/// (media type, extension) pairs, the first pair of a type giving its extension.
const TYPES: [(&str, &str); 24] = [
    ("model/gltf-binary", "glb"),
    ("model/gltf+json", "gltf"),
    ("model/obj", "obj"),
    ("model/stl", "stl"),
    ("model/ply", "ply"),
    ("model/vnd.usdz+zip", "usdz"),
    ("model/vnd.collada+xml", "dae"),
    ("model/x.splat", "splat"),
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/jpeg", "jpeg"),
    ("image/svg+xml", "svg"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/avif", "avif"),
    ("image/tiff", "tif"),
    ("image/tiff", "tiff"),
    ("application/zip", "zip"),
    ("application/json", "json"),
    ("text/plain", "txt"),
    ("video/mp4", "mp4"),
    ("audio/mpeg", "mp3"),
    ("application/pdf", "pdf"),
    ("text/html", "html"),
];

/// Other spellings servers use for the types above.
const ALIASES: [(&str, &str); 7] = [
    ("image/jpg", "image/jpeg"),
    ("image/pjpeg", "image/jpeg"),
    ("application/x-zip-compressed", "application/zip"),
    ("model/stl+binary", "model/stl"),
    ("application/sla", "model/stl"),
    ("application/x-tgif", "model/obj"),
    ("model/usd", "model/vnd.usdz+zip"),
];

/// The media type and file extension of a fetched file.
pub fn kind(content_type: Option<&str>, url: &str, body: &[u8]) -> (String, String) {
    let declared = content_type
        .map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty() && !GENERIC.contains(&value.as_str()))
        .map(|value| ALIASES.iter().find(|(alias, _)| *alias == value).map_or(value, |(_, real)| real.to_string()));
    if let Some(media_type) = declared {
        let ext = TYPES
            .iter()
            .find(|(t, _)| *t == media_type)
            .map(|(_, ext)| ext.to_string())
            .or_else(|| extension(url))
            .unwrap_or_else(|| "bin".to_string());
        return (media_type, ext);
    }
    if let Some(ext) = extension(url)
        && let Some((media_type, _)) = TYPES.iter().find(|(_, e)| *e == ext)
    {
        return (media_type.to_string(), ext);
    }
    match web::sniff(body) {
        Some((ext, media_type)) => (media_type.to_string(), ext.to_string()),
        None => ("application/octet-stream".to_string(), "bin".to_string()),
    }
}

/// True for a web page (the list should name the file, not the page showing it).
pub fn is_web_page(media_type: &str) -> bool {
    media_type == "text/html" || media_type == "application/xhtml+xml"
}

/// The lowercased extension of a URL's file name (query and fragment dropped), if it has a plausible one.
pub fn extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let after_host = path.split_once("://").map_or(path, |(_, rest)| rest);
    let name = after_host.split_once('/').map(|(_, p)| p)?.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// A licence as written in the list, as an SPDX id with its URL where it is a Creative Commons licence or a
/// public-domain mark this knows (`cc-by-4.0`, `CC BY 4.0`, `cc0` → `CC0-1.0`); anything else as written.
pub fn licence(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    let compact: String =
        text.to_ascii_lowercase().chars().map(|c| if c == ' ' || c == '_' { '-' } else { c }).collect();
    let known: Option<(&str, &str)> = match compact.as_str() {
        "cc0" | "cc0-1.0" | "cc-zero" | "cc0-1.0-universal" => {
            Some(("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"))
        }
        "public-domain" | "pdm" | "pdm-1.0" | "public-domain-mark" => {
            Some(("PDM-1.0", "https://creativecommons.org/publicdomain/mark/1.0/"))
        }
        _ => None,
    };
    if let Some((id, url)) = known {
        return (id.to_string(), Some(url.to_string()));
    }
    // cc-by[-sa|-nc|-nd|-nc-sa|-nc-nd][-VERSION]
    if let Some(rest) = compact.strip_prefix("cc-") {
        let (terms, version) = match rest.rsplit_once('-') {
            Some((terms, version)) if version.contains('.') => (terms, version),
            _ => (rest, "4.0"),
        };
        let valid_terms = ["by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd"];
        if valid_terms.contains(&terms) && ["1.0", "2.0", "2.5", "3.0", "4.0"].contains(&version) {
            let id = format!("CC-{}-{version}", terms.to_ascii_uppercase());
            return (id, Some(format!("https://creativecommons.org/licenses/{terms}/{version}/")));
        }
    }
    (text.to_string(), None)
}

/// `host[:port]` of an http(s) URL, as `--allow-host` takes it.
pub fn host(url: &str) -> Option<String> {
    web::origin(url).and_then(|origin| origin.split_once("://").map(|(_, host)| host.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_header_then_extension_then_bytes() {
        let k = |ct: Option<&str>, url: &str, body: &[u8]| kind(ct, url, body);
        assert_eq!(k(Some("image/png; charset=binary"), "https://a/x", b""), ("image/png".into(), "png".into()));
        assert_eq!(k(Some("IMAGE/JPG"), "https://a/x", b""), ("image/jpeg".into(), "jpg".into()));
        assert_eq!(
            k(Some("binary/octet-stream"), "https://a/c/raw.glb?t=1", b""),
            ("model/gltf-binary".into(), "glb".into())
        );
        assert_eq!(k(None, "https://a/fox.SVG", b""), ("image/svg+xml".into(), "svg".into()));
        assert_eq!(
            k(Some("application/octet-stream"), "https://a/get?id=4", b"glTF\x02"),
            ("model/gltf-binary".into(), "glb".into())
        );
        assert_eq!(
            k(None, "https://a/get", b"<?xml version='1.0'?>\n<svg xmlns=''/>"),
            ("image/svg+xml".into(), "svg".into())
        );
        assert_eq!(k(None, "https://a.org", b"??"), ("application/octet-stream".into(), "bin".into()));
        assert_eq!(k(Some("model/x-odd"), "https://a/x.odd", b""), ("model/x-odd".into(), "odd".into()));
        assert_eq!(
            k(Some("text/html; charset=utf-8"), "https://a/capture/1", b""),
            ("text/html".into(), "html".into())
        );
    }

    #[test]
    fn extensions_come_from_the_path_only() {
        assert_eq!(extension("https://a.org/x/y.GLB?t=1#z").as_deref(), Some("glb"));
        assert_eq!(extension("https://a.org"), None);
        assert_eq!(extension("https://a.org/"), None);
        assert_eq!(extension("https://a.org/v1.2/"), None);
        assert_eq!(extension("https://a.org/x?file=y.glb"), None);
    }

    #[test]
    fn licences_become_spdx_ids() {
        assert_eq!(licence("cc0").0, "CC0-1.0");
        assert_eq!(
            licence("CC BY 4.0"),
            ("CC-BY-4.0".into(), Some("https://creativecommons.org/licenses/by/4.0/".into()))
        );
        assert_eq!(licence("cc-by-sa").0, "CC-BY-SA-4.0");
        assert_eq!(licence("CC-BY-NC-ND-3.0").0, "CC-BY-NC-ND-3.0");
        assert_eq!(licence("Public domain").0, "PDM-1.0");
        assert_eq!(licence("MIT"), ("MIT".into(), None));
        assert_eq!(licence("cc-by-xx-4.0"), ("cc-by-xx-4.0".into(), None));
    }

    #[test]
    fn hosts_for_allow_host() {
        assert_eq!(host("https://Lists.Example.org/a.tsv").as_deref(), Some("lists.example.org"));
        assert_eq!(host("http://127.0.0.1:8080/a").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(host("https://u@evil.org/"), None);
    }
}
