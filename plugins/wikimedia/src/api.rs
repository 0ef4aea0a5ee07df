//! The parts of the MediaWiki Action API on Wikimedia Commons the crawler reads (`list=categorymembers`,
//! `prop=imageinfo`, `formatversion=2`): JSON types with only the fields used, and helpers for the HTML strings of
//! `extmetadata` and licence codes.

use aigc_sdk::web;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Namespace of files (`File:...`).
pub const NS_FILE: i64 = 6;
/// Namespace of categories (`Category:...`).
pub const NS_CATEGORY: i64 = 14;

/// A member of `list=categorymembers` (the default `cmprop=ids|title`).
#[derive(Clone, Deserialize)]
pub struct Member {
    pub pageid: u64,
    pub ns: i64,
    pub title: String,
}

/// A page of `prop=imageinfo` (`formatversion=2`: `query.pages` is an array).
#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    pub pageid: Option<u64>,
    /// Present (`true`, or `""` with `formatversion=1`) when the page does not exist (deleted since listed).
    #[serde(default)]
    pub missing: Option<Value>,
    #[serde(default)]
    pub imageinfo: Vec<ImageInfo>,
}

/// The newest revision of a file, with `iiprop=url|size|mime|extmetadata` and `iiurlwidth`.
#[derive(Clone, Deserialize)]
pub struct ImageInfo {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub descriptionurl: Option<String>,
    #[serde(default)]
    pub descriptionshorturl: Option<String>,
    #[serde(default)]
    pub width: Option<u64>,
    #[serde(default)]
    pub height: Option<u64>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub mime: Option<String>,
    /// The file scaled to `iiurlwidth` (the original when it is not wider).
    #[serde(default)]
    pub thumburl: Option<String>,
    #[serde(default)]
    pub thumbwidth: Option<u64>,
    #[serde(default)]
    pub thumbheight: Option<u64>,
    /// Name → `{value, source, hidden?}`; values are HTML strings.
    #[serde(default)]
    pub extmetadata: BTreeMap<String, Value>,
}

impl Page {
    pub fn is_missing(&self) -> bool {
        self.missing.as_ref().is_some_and(|m| m != &Value::Bool(false))
    }
}

impl ImageInfo {
    /// The raw value (HTML) of an `extmetadata` field, trimmed; none when absent or empty.
    pub fn ext(&self, name: &str) -> Option<String> {
        let value = self.extmetadata.get(name)?.get("value")?;
        let text = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// An `extmetadata` field as plain text.
    pub fn ext_text(&self, name: &str) -> Option<String> {
        self.ext(name).map(|html| strip_html(&html)).filter(|t| !t.is_empty())
    }

    /// Every `extmetadata` field as `name → value`.
    pub fn ext_values(&self) -> BTreeMap<String, String> {
        self.extmetadata.keys().filter_map(|k| Some((k.clone(), self.ext(k)?))).collect()
    }
}

/// The licence of a file as a lowercase code, as Commons's `License` field gives it (`pd`, `cc0`, `cc-by-sa-4.0`),
/// else derived from `LicenseShortName` (`CC BY-SA 4.0` → `cc-by-sa-4.0`, `Public domain` → `pd`).
pub fn licence_code(license: Option<&str>, short_name: Option<&str>) -> Option<String> {
    if let Some(code) = license.map(|l| l.trim().to_ascii_lowercase()).filter(|l| !l.is_empty()) {
        return Some(code);
    }
    let short = short_name?.trim().to_ascii_lowercase();
    match short.as_str() {
        "" => None,
        "public domain" => Some("pd".into()),
        _ => Some(short.split_whitespace().collect::<Vec<_>>().join("-")),
    }
}

/// Whether licence `code` matches an allowed `pattern`: `*` matches any; `cc-by-*` matches `cc-by-` followed by a
/// version (`cc-by-4.0`, `cc-by-3.0-de`) but not `cc-by-nc-4.0` or `cc-by-sa-4.0`; anything else matches itself.
pub fn licence_matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => true,
        Some(stem) => code.strip_prefix(stem).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())),
        None => pattern == code,
    }
}

/// The licence as the dataset stores it: an SPDX id for Creative Commons codes (`CC-BY-SA-4.0`, `CC0-1.0`),
/// else Commons's short name (`Public domain`).
pub fn licence_name(code: &str, short_name: Option<&str>) -> String {
    if code == "cc0" || code == "cc0-1.0" {
        return "CC0-1.0".into();
    }
    if code.starts_with("cc-") && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return code.to_ascii_uppercase();
    }
    if code == "pd" {
        return short_name.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("Public domain").to_string();
    }
    short_name.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(code).to_string()
}

/// `true`/`false` values of `extmetadata` (`"true"`, `"False"`).
pub fn flag(text: Option<&str>) -> Option<bool> {
    match text?.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Plain text of an HTML fragment: tags dropped (block tags become spaces), entities decoded, white space
/// collapsed.
pub fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "br" | "p" | "div" | "li" | "ul" | "ol" | "tr" | "td" | "th" | "table" | "dd" | "dt")
        {
            text.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    decode_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the HTML entities MediaWiki writes: `&amp; &lt; &gt; &quot; &#39; &apos; &nbsp;` and numeric ones.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let number = entity.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first link of an HTML fragment as an absolute https URL (`//host/x` and `/wiki/x` completed); none when
/// there is no http(s) link.
pub fn first_link(html: &str) -> Option<String> {
    let start = html.find("href=\"")? + 6;
    let end = html[start..].find('"')? + start;
    let href = decode_entities(&html[start..end]);
    let url = if let Some(rest) = href.strip_prefix("//") {
        format!("https://{rest}")
    } else if href.starts_with('/') {
        format!("https://commons.wikimedia.org{href}")
    } else {
        href
    };
    web::origin(&url).map(|_| url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_html_of_artist_fields() {
        let artist = "<bdi><a href=\"https://en.wikipedia.org/wiki/en:Alfred_Brehm\" class=\"extiw\" \
                      title=\"w:en:Alfred Brehm\">Alfred Brehm</a>\n</bdi>";
        assert_eq!(strip_html(artist), "Alfred Brehm");
        assert_eq!(first_link(artist).as_deref(), Some("https://en.wikipedia.org/wiki/en:Alfred_Brehm"));
        let user = "<span class=\"fn value\"><a href=\"//commons.wikimedia.org/wiki/User:Foo&amp;Bar\">Foo &amp; \
                    Bar</a></span>";
        assert_eq!(strip_html(user), "Foo & Bar");
        assert_eq!(first_link(user).as_deref(), Some("https://commons.wikimedia.org/wiki/User:Foo&Bar"));
        assert_eq!(
            first_link("<a href=\"/wiki/User:X\">X</a>").as_deref(),
            Some("https://commons.wikimedia.org/wiki/User:X")
        );
        assert_eq!(first_link("<a href=\"javascript:alert(1)\">X</a>"), None);
        assert_eq!(
            strip_html("Line one<br>line&#160;two &#x4E2D; &bogus; a<b>b</b>"),
            "Line one line two 中 &bogus; ab"
        );
        assert_eq!(strip_html("unclosed <span"), "unclosed");
    }

    #[test]
    fn licence_codes_and_patterns() {
        assert_eq!(licence_code(Some("CC-BY-SA-4.0"), None).as_deref(), Some("cc-by-sa-4.0"));
        assert_eq!(licence_code(None, Some("CC BY-SA 4.0")).as_deref(), Some("cc-by-sa-4.0"));
        assert_eq!(licence_code(Some(" "), Some("Public domain")).as_deref(), Some("pd"));
        assert_eq!(licence_code(None, None), None);
        assert!(licence_matches("cc-by-*", "cc-by-4.0") && licence_matches("cc-by-*", "cc-by-3.0-de"));
        assert!(!licence_matches("cc-by-*", "cc-by-nc-4.0") && !licence_matches("cc-by-*", "cc-by-sa-4.0"));
        assert!(!licence_matches("cc-by-sa-*", "cc-by-nc-sa-2.0") && licence_matches("cc-by-sa-*", "cc-by-sa-2.5"));
        assert!(licence_matches("pd", "pd") && !licence_matches("pd", "pdm") && licence_matches("*", "gfdl"));
        assert_eq!(licence_name("cc-by-sa-3.0-de", None), "CC-BY-SA-3.0-DE");
        assert_eq!(licence_name("cc0", Some("CC0")), "CC0-1.0");
        assert_eq!(licence_name("pd", Some("Public domain")), "Public domain");
        assert_eq!(licence_name("gfdl", Some("GFDL")), "GFDL");
    }

    #[test]
    fn reads_pages_leniently() {
        let pages: Vec<Page> = serde_json::from_str(
            r#"[{"pageid":1,"ns":6,"title":"File:A.jpg","imagerepository":"local","imageinfo":[{"width":10,
                "extmetadata":{"Artist":{"value":" <b>Me</b> ","source":"commons-desc-page"},"N":{"value":3},
                "Odd":{"value":{"x":1}}}}]},{"pageid":2,"missing":true},{"title":"File:B.jpg","missing":""}]"#,
        )
        .expect("pages");
        assert!(!pages[0].is_missing() && pages[1].is_missing() && pages[2].is_missing());
        let info = &pages[0].imageinfo[0];
        assert_eq!(info.ext("Artist").as_deref(), Some("<b>Me</b>"));
        assert_eq!(info.ext_text("Artist").as_deref(), Some("Me"));
        assert_eq!(info.ext("N").as_deref(), Some("3"));
        assert_eq!(info.ext("Odd"), None);
        assert_eq!(flag(Some("False")), Some(false));
    }
}
