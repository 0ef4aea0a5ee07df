//! Small helpers every crawler needs: URL origins, query encoding, telling file types by their bytes, and HTTP
//! answers and errors in words.
//!
//! ```ignore
//! use aigc_sdk::web;
//! let url = format!("{base}/search?q={}", web::encode("game character")); // q=game%20character
//! let page: serde_json::Value = web::fetch_json(Request::get(&url)).map_err(|why| format!("{url}: {why}"))?;
//! let image = web::success(http::get(&image_url))?; // "HTTP 404", "timed out", ...
//! let Some((ext, media_type)) = web::sniff_only(&image.body, &["jpg", "png"]) else { /* not an image */ };
//! ```

use crate::http::{self, HttpError, Request, Response};

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
/// status 200 gets wrong): `(extension, media type)` for the formats datasets here hold, none for anything else.
///
/// JPEG (`jpg`), PNG, GIF (`GIF87a`/`GIF89a`), WebP, GLB, zip, and SVG: text that starts (after white space, in
/// any case) with `<svg`, or with `<?xml` and has `<svg` within its first 512 bytes. Other XML is not an SVG.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    Some(if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("jpg", "image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", "image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        ("gif", "image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("webp", "image/webp")
    } else if bytes.starts_with(b"glTF") {
        ("glb", "model/gltf-binary")
    } else if bytes.starts_with(b"PK\x03\x04") {
        ("zip", "application/zip")
    } else if is_svg(bytes) {
        ("svg", "image/svg+xml")
    } else {
        return None;
    })
}

fn is_svg(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).trim_start().to_ascii_lowercase();
    text.starts_with("<svg") || (text.starts_with("<?xml") && text.contains("<svg"))
}

/// [`sniff`], keeping only the types whose extension is one of `extensions`: `sniff_only(bytes, &["jpg", "png"])`
/// for a crawler that stores JPEG and PNG images and refuses the rest.
pub fn sniff_only(bytes: &[u8], extensions: &[&str]) -> Option<(&'static str, &'static str)> {
    sniff(bytes).filter(|(ext, _)| extensions.contains(ext))
}

/// The response when the request got one with a 2xx status; otherwise why not, in words: `HTTP 404`, or the
/// [`HttpError`] as [`HttpError::describe`] says it. For logging a skipped file or failed page with the URL.
pub fn success(answer: Result<Response, HttpError>) -> Result<Response, String> {
    let response = answer.map_err(|error| error.describe())?;
    if !response.is_success() {
        return Err(format!("HTTP {}", response.status));
    }
    Ok(response)
}

/// Sends `request` with `accept: application/json` and parses a 2xx answer's body as `T`; errors in words, as
/// [`success`] gives them or naming the JSON problem.
pub fn fetch_json<T: serde::de::DeserializeOwned>(request: Request) -> Result<T, String> {
    let response = success(http::fetch(&request.header("accept", "application/json")))?;
    response.json().map_err(|error| error.to_string())
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
        assert_eq!(origin("https://3D-API.si.edu/api#x").as_deref(), Some("https://3d-api.si.edu"));
        for odd in [
            "https://user@evil.org/",
            "https://api.example.org@evil.org/v3",
            "https://a.org\\@b.org/",
            "https://api.example.org /x",
            "https://a b/",
            "https://a.org/\tx",
            "ftp://example.org/",
            "javascript:alert(1)",
            "//api.example.org/",
            "https:///path",
            "",
        ] {
            assert_eq!(origin(odd), None, "{odd}");
        }
        // A look-alike host and another scheme are other origins.
        assert_ne!(origin("https://api.example.org.evil.org/"), origin("https://api.example.org/"));
        assert_ne!(origin("http://api.example.org/"), origin("https://api.example.org/"));
    }

    #[test]
    fn encodes_like_python_quote() {
        assert_eq!(encode("game character"), "game%20character");
        assert_eq!(encode("a/b&c=d"), "a%2Fb%26c%3Dd");
        assert_eq!(encode("a&b=c/d~e_f.g-h"), "a%26b%3Dc%2Fd~e_f.g-h");
        assert_eq!(encode("文"), "%E6%96%87");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("Musée d'Orsay"), "Mus%C3%A9e%20d%27Orsay");
        assert_eq!(encode("-._~"), "-._~");
        assert_eq!(encode("ukiyo-e"), "ukiyo-e");
        assert_eq!(encode("[term]"), "%5Bterm%5D");
        assert_eq!(encode("a,b|c:d+e"), "a%2Cb%7Cc%3Ad%2Be");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn sniffs_file_types() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(("jpg", "image/jpeg")));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(("png", "image/png")));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some(("gif", "image/gif")));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(("webp", "image/webp")));
        assert_eq!(sniff(b"glTF\x02\0\0\0"), Some(("glb", "model/gltf-binary")));
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(("zip", "application/zip")));
        assert_eq!(sniff(b"  <svg xmlns=").map(|s| s.0), Some("svg"));
        assert_eq!(sniff(b"\n<SVG viewBox='0 0 1 1'/>").map(|s| s.0), Some("svg"));
        assert_eq!(sniff(b"<?xml version='1.0'?>\n<svg xmlns=''/>").map(|s| s.0), Some("svg"));
        assert_eq!(sniff(b"<?xml version='1.0'?>\n<COLLADA/>"), None, "XML that is not an SVG");
        assert_eq!(sniff(b"<html>blocked</html>"), None);
        assert_eq!(sniff(b"<!DOCTYPE html>"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn sniffs_only_the_types_asked_for() {
        let jpeg_or_png = ["jpg", "png"];
        assert_eq!(sniff_only(&[0xFF, 0xD8, 0xFF, 0xDB], &jpeg_or_png), Some(("jpg", "image/jpeg")));
        assert_eq!(sniff_only(b"\x89PNG\r\n\x1a\n", &jpeg_or_png), Some(("png", "image/png")));
        assert_eq!(sniff_only(b"GIF87a", &jpeg_or_png), None);
        assert_eq!(sniff_only(b"GIF87a", &["jpg", "png", "gif", "webp"]), Some(("gif", "image/gif")));
        assert_eq!(sniff_only(b"<html>", &jpeg_or_png), None);
    }

    #[test]
    fn http_errors_in_words() {
        assert_eq!(HttpError::Timeout.describe(), "timed out");
        assert_eq!(HttpError::Denied("host not granted".into()).describe(), "denied: host not granted");
        assert_eq!(HttpError::TooLarge(10).describe(), "larger than the host's cap of 10 bytes");
        assert_eq!(HttpError::NotRecorded("GET /x".into()).describe(), "not in the replay: GET /x");
        assert_eq!(HttpError::Other("odd".into()).describe(), "odd");
    }

    #[test]
    fn answers_in_words() {
        let response = |status: u16| Response {
            status,
            headers: Vec::new(),
            body: b"{}".to_vec(),
            final_url: "https://example.org/x".into(),
        };
        assert_eq!(success(Ok(response(200))).map(|r| r.status), Ok(200));
        assert_eq!(success(Ok(response(404))).map(|r| r.status), Err("HTTP 404".into()));
        assert_eq!(
            success(Err(HttpError::Connect("refused".into()))).map(|r| r.status),
            Err("cannot connect: refused".into())
        );
    }
}
