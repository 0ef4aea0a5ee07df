//! Small helpers every crawler needs: URL origins, query encoding, telling file types by their bytes, and HTTP
//! errors in words.

use crate::http::HttpError;

/// `scheme://host[:port]` of an http(s) URL, lowercased; none for anything odd (user info, backslashes,
/// whitespace). Crawlers compare origins to refuse `next` links that lead to another site.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    if url.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Percent-encodes a query value: letters, digits and `-._~` stay, every other byte becomes `%XX` (a space is
/// `%20`), as Python's `urllib.parse.quote(value, safe="")` does, so fixtures written in Python match.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A file's type judged by its first bytes (not by the URL or `content-type`, which a block page served with
/// status 200 gets wrong): `(extension, media type)` for the formats datasets here hold.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let head = &bytes[..bytes.len().min(64)];
    let text_start = head.iter().position(|b| !b.is_ascii_whitespace()).map(|i| &head[i..]).unwrap_or(head);
    Some(if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("jpg", "image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", "image/png")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        ("gif", "image/gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        ("webp", "image/webp")
    } else if head.starts_with(b"glTF") {
        ("glb", "model/gltf-binary")
    } else if head.starts_with(b"PK\x03\x04") {
        ("zip", "application/zip")
    } else if text_start.starts_with(b"<svg") || text_start.starts_with(b"<?xml") {
        ("svg", "image/svg+xml")
    } else {
        return None;
    })
}

impl HttpError {
    /// The error in words, for logs and messages.
    pub fn describe(&self) -> String {
        match self {
            HttpError::Denied(why) => format!("denied: {why}"),
            HttpError::InvalidUrl(why) => format!("invalid URL: {why}"),
            HttpError::Timeout => "timed out".into(),
            HttpError::TooLarge(cap) => format!("larger than the host's cap of {cap} bytes"),
            HttpError::Connect(why) => format!("cannot connect: {why}"),
            HttpError::TooManyRedirects => "too many redirects".into(),
            HttpError::NotRecorded(what) => format!("not in the replay: {what}"),
            HttpError::Other(why) => why.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_strict() {
        assert_eq!(origin("https://API.example.org/v3?x=1").as_deref(), Some("https://api.example.org"));
        assert_eq!(origin("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin("https://user@evil.org/"), None);
        assert_eq!(origin("ftp://example.org/"), None);
        assert_eq!(origin("https://a.org\\@b.org/"), None);
        assert_eq!(origin("https:///path"), None);
    }

    #[test]
    fn encodes_like_python_quote() {
        assert_eq!(encode("game character"), "game%20character");
        assert_eq!(encode("a/b&c=d"), "a%2Fb%26c%3Dd");
        assert_eq!(encode("文"), "%E6%96%87");
        assert_eq!(encode("-._~"), "-._~");
    }

    #[test]
    fn sniffs_file_types() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|s| s.0), Some("jpg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").map(|s| s.0), Some("png"));
        assert_eq!(sniff(b"glTF\x02\0\0\0").map(|s| s.0), Some("glb"));
        assert_eq!(sniff(b"  <svg xmlns=").map(|s| s.0), Some("svg"));
        assert_eq!(sniff(b"<html>blocked</html>"), None);
    }
}
