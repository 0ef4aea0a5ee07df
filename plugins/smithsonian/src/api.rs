//! The parts of the Smithsonian 3D API the crawler reads (`GET /api/v1.0/content/file/search`, one row per file),
//! how rows are grouped into model packages, which file of a package is downloaded, and URL path helpers.
//!
//! A row, as the API writes it (source_apis.md §2.1):
//! `{"title": "Baluster vase", "content": {"uri": "https://3d-api.si.edu/content/document/3d_package:UUID/...glb",
//! "model_url": "3d_package:UUID", "usage": "Download3D", "quality": "Low_resolution", "file_type": "glb",
//! "model_type": "glb", "file_size": 11853428, "draco_compressed": false, "gltf_orientation_compliant": true}}`.
//! Rows are parsed leniently: each is kept as raw JSON (it becomes the item's metadata) and read through
//! [`Row::parse`], so one odd row skips one row.

use serde::Deserialize;
use serde_json::Value;

/// One page of the file search.
#[derive(Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub rows: Vec<Value>,
    /// Rows matching the search in all; missing on some answers.
    #[serde(default, rename = "rowCount")]
    pub row_count: Option<u64>,
}

impl SearchPage {
    /// Parses a page; tolerates the Open Access API's `{"response": {...}}` envelope as well.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let inner = match value.get("response") {
            Some(response) if response.get("rows").is_some() => response.clone(),
            _ => value,
        };
        if inner.get("rows").is_none() && inner.get("rowCount").is_none() {
            return Err("a JSON answer without `rows` or `rowCount` (has the API changed?)".into());
        }
        serde_json::from_value(inner).map_err(|e| format!("unexpected page shape: {e}"))
    }
}

/// The fields of one row the crawler uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub title: Option<String>,
    pub uri: String,
    /// The package's UUID (`model_url` without its `3d_package:` prefix), lowercased.
    pub package: String,
    pub usage: String,
    pub quality: String,
    pub file_type: String,
    pub file_size: Option<u64>,
    pub draco: bool,
    /// A licence the row states (`license`, `licence` or `access`, on the row or its `content`). The 3D API has no
    /// such field today; see [`stated_licence`].
    pub licence: Option<String>,
}

impl Row {
    /// The row, or none when it lacks a usable `content.uri` or `content.model_url`.
    pub fn parse(raw: &Value) -> Option<Self> {
        let content = raw.get("content")?;
        let text = |key: &str| content.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let uri = text("uri")?.to_string();
        let package = package_id(text("model_url")?)?;
        let file_type = match text("file_type") {
            Some(t) => t.to_ascii_lowercase(),
            // No file type: the extension of the URI's path.
            None => extension(&uri).unwrap_or_default(),
        };
        Some(Self {
            title: raw.get("title").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from),
            uri,
            package,
            usage: text("usage").unwrap_or("").to_string(),
            quality: text("quality").unwrap_or("").to_string(),
            file_type,
            file_size: content.get("file_size").and_then(Value::as_u64),
            draco: content.get("draco_compressed").and_then(Value::as_bool).unwrap_or(false),
            licence: stated_licence(raw),
        })
    }

    pub fn is_glb(&self) -> bool {
        self.file_type == "glb"
    }

    /// An image of the scene (`usage` Image2D, a JPEG or PNG).
    pub fn is_image(&self) -> bool {
        self.usage.eq_ignore_ascii_case("Image2D") && matches!(self.file_type.as_str(), "jpg" | "jpeg" | "png")
    }
}

/// The UUID of a package id given as `3d_package:UUID` or `UUID`, lowercased; none unless it is hex digits and
/// dashes (it becomes part of the source key and the viewer URL).
pub fn package_id(model_url: &str) -> Option<String> {
    let id = model_url.trim();
    let id = id.strip_prefix("3d_package:").unwrap_or(id);
    let valid = (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    valid.then(|| id.to_ascii_lowercase())
}

/// The public Voyager viewer page of a package: the item's source URL.
pub fn viewer_url(package: &str) -> String {
    format!("https://3d-api.si.edu/voyager/3d_package:{package}")
}

/// A licence stated on the row, if any: `license`, `licence` or `access` (a string, or an object with `access`),
/// on the row or on its `content`. The 3D API publishes no such field (the Open Access programme it belongs to
/// releases its 3D packages as CC0); this is the guard for the day a row says otherwise.
pub fn stated_licence(raw: &Value) -> Option<String> {
    let places = [Some(raw), raw.get("content")];
    for place in places.into_iter().flatten() {
        for key in ["license", "licence", "access"] {
            let value = match place.get(key) {
                Some(Value::String(text)) => Some(text.as_str()),
                Some(Value::Object(map)) => map.get("access").and_then(Value::as_str),
                _ => None,
            };
            if let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) {
                return Some(text.to_string());
            }
        }
    }
    None
}

/// True when a stated licence means CC0 (`CC0`, `cc0-1.0`, `CC0 1.0 Universal`, ...).
pub fn is_cc0(licence: &str) -> bool {
    let compact: String = licence.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    compact.to_ascii_lowercase().starts_with("cc0")
}

/// How a GLB row ranks, lowest first: quality preference, usage preference, Draco compression, size.
type Rank = (usize, usize, bool, u64);

/// What the crawler accepts as a package's model file.
pub struct Choice<'a> {
    /// Accepted `usage` values, most preferred first (`Download3D`).
    pub usages: &'a [String],
    /// Accepted `quality` values, most preferred first (`Low_resolution`, `Medium`).
    pub qualities: &'a [String],
    /// Files larger than this (by the row's `file_size`) are not taken.
    pub max_bytes: u64,
}

impl Choice<'_> {
    /// The package's acceptable GLB rows, best first: by quality preference, then usage preference, then without
    /// Draco compression (not every tool loads Draco), then the smaller file. The same file listed twice (the API
    /// lists some both at the package root and under `resources/`) is kept once, by file name.
    pub fn models<'r>(&self, rows: &[&'r Row]) -> Vec<&'r Row> {
        let rank = |list: &[String], value: &str| list.iter().position(|v| v.eq_ignore_ascii_case(value));
        let mut ranked: Vec<(Rank, &Row)> = rows
            .iter()
            .filter(|row| row.is_glb() && row.file_size.is_none_or(|size| size <= self.max_bytes))
            .filter_map(|row| {
                let quality = rank(self.qualities, &row.quality)?;
                let usage = rank(self.usages, &row.usage)?;
                Some(((quality, usage, row.draco, row.file_size.unwrap_or(u64::MAX)), *row))
            })
            .collect();
        ranked.sort_by_key(|(key, _)| *key);
        let mut names = Vec::new();
        ranked
            .into_iter()
            .map(|(_, row)| row)
            .filter(|row| {
                let name = file_name(&row.uri).to_string();
                let new = !names.contains(&name);
                names.push(name);
                new
            })
            .collect()
    }
}

/// The package's scene image to store as its thumbnail: the `Thumb` one, else the smallest quality offered.
pub fn thumbnail<'r>(rows: &[&'r Row]) -> Option<&'r Row> {
    const ORDER: [&str; 5] = ["thumb", "low", "medium", "high", "full_resolution"];
    let rank = |row: &Row| ORDER.iter().position(|q| row.quality.eq_ignore_ascii_case(q)).unwrap_or(ORDER.len());
    rows.iter().filter(|row| row.is_image()).min_by_key(|row| rank(row)).copied()
}

/// The last path segment of a URL (query and fragment dropped).
pub fn file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    path.rsplit('/').next().unwrap_or("")
}

/// The lowercased extension of a URL's file name, if it has one.
pub fn extension(url: &str) -> Option<String> {
    let name = file_name(url);
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(usage: &str, quality: &str, file_type: &str, uri: &str, draco: bool, size: u64) -> Row {
        Row::parse(&json!({"title": "Vase", "content": {"uri": uri, "model_url": "3d_package:d8c62634-4ebc-11ea",
            "usage": usage, "quality": quality, "file_type": file_type, "file_size": size, "draco_compressed": draco}}))
        .expect("a row")
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_rows_leniently() {
        let r = Row::parse(&json!({"title": " Baluster vase ", "extra": 1, "content": {
            "uri": "https://3d-api.si.edu/content/document/3d_package:D8C6/resources/v.glb",
            "model_url": "3d_package:D8C62634-4EBC-11EA-B77F-2E728CE88125", "usage": "Download3D",
            "quality": "Low_resolution", "file_type": "GLB", "file_size": 12, "draco_compressed": false}}))
        .expect("row");
        assert_eq!(r.package, "d8c62634-4ebc-11ea-b77f-2e728ce88125");
        assert_eq!(r.title.as_deref(), Some("Baluster vase"));
        assert!(r.is_glb());
        // No file_type: from the extension.
        let r = Row::parse(&json!({"content": {"uri": "https://x/a/scene-image-thumb.JPG",
            "model_url": "d8c62634-4ebc-11ea", "usage": "Image2D", "quality": "Thumb"}}))
        .expect("row");
        assert!(r.is_image());
        for odd in [
            json!({"title": "no content"}),
            json!({"content": null}),
            json!({"content": {"uri": "https://x/a.glb"}}),
            json!({"content": {"uri": "https://x/a.glb", "model_url": "3d_package:../../etc"}}),
            json!({"content": {"uri": "", "model_url": "3d_package:d8c62634-4ebc"}}),
            json!("a string"),
        ] {
            assert_eq!(Row::parse(&odd), None, "{odd}");
        }
    }

    #[test]
    fn prefers_quality_then_usage_then_no_draco() {
        let a = row("Web3D", "Medium", "glb", "https://x/p/a-medium.glb", true, 10);
        let b = row("Download3D", "Low_resolution", "glb", "https://x/p/resources/b-150k.glb", true, 20);
        let c = row("Download3D", "Low_resolution", "glb", "https://x/p/resources/c-150k.glb", false, 30);
        let d = row("Download3D", "Full_resolution", "zip", "https://x/p/resources/d.zip", false, 30);
        let e = row("Download3D", "Medium", "glb", "https://x/p/e.glb", false, 5);
        let f = row("Download3D", "Low_resolution", "glb", "https://x/p/c-150k.glb", false, 30); // same name as c
        let rows = [&a, &b, &c, &d, &e, &f];
        let choice = Choice {
            usages: &strings(&["Download3D"]),
            qualities: &strings(&["Low_resolution", "Medium"]),
            max_bytes: 100,
        };
        assert_eq!(choice.models(&rows), vec![&c, &b, &e]);
        let both = strings(&["Download3D", "Web3D"]);
        let medium = strings(&["Medium"]);
        let choice = Choice { usages: &both, qualities: &medium, max_bytes: 100 };
        assert_eq!(choice.models(&rows), vec![&e, &a]);
        let choice = Choice { usages: &both, qualities: &medium, max_bytes: 8 };
        assert_eq!(choice.models(&rows), vec![&e]);
    }

    #[test]
    fn picks_the_smallest_scene_image() {
        let m = row("Image2D", "Medium", "jpg", "https://x/p/scene-image-medium.jpg", false, 0);
        let t = row("Image2D", "Thumb", "jpg", "https://x/p/scene-image-thumb.jpg", false, 0);
        let g = row("Web3D", "Thumb", "glb", "https://x/p/thumb.glb", false, 0);
        assert_eq!(thumbnail(&[&m, &g, &t]), Some(&t));
        assert_eq!(thumbnail(&[&m, &g]), Some(&m));
        assert_eq!(thumbnail(&[&g]), None);
    }

    #[test]
    fn reads_stated_licences() {
        assert_eq!(stated_licence(&json!({"content": {"uri": "x"}})), None);
        assert_eq!(
            stated_licence(&json!({"content": {"access": "Usage conditions apply"}})).as_deref(),
            Some("Usage conditions apply")
        );
        assert_eq!(stated_licence(&json!({"license": {"access": "CC0"}})).as_deref(), Some("CC0"));
        assert!(is_cc0("CC0") && is_cc0("cc0-1.0") && is_cc0("CC0 1.0 Universal"));
        assert!(!is_cc0("Usage conditions apply") && !is_cc0("CC-BY-4.0"));
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(file_name("https://x/a/b.glb?t=1#f"), "b.glb");
        assert_eq!(extension("https://x/a/b.GLB?t=1").as_deref(), Some("glb"));
        assert_eq!(extension("https://x/a/b"), None);
        assert_eq!(package_id("3d_package:ABCDEF01-2345").as_deref(), Some("abcdef01-2345"));
        assert_eq!(viewer_url("abc"), "https://3d-api.si.edu/voyager/3d_package:abc");
    }
}
