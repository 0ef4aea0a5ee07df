//! Configuration: the crawl's settings, the Commons categories of each art style, and the API URLs built from them.

use crate::api;
use aigc_sdk::{Error, Result, config, web};
use std::collections::BTreeMap;

/// The `licences` default: public domain, CC0, CC BY and CC BY-SA of any version (not NC, not ND, not GFDL-only).
pub const DEFAULT_LICENCES: &str = "pd,cc0,cc-by-*,cc-by-sa-*";
/// The `extmetadata` fields asked for.
pub const EXTMETADATA: &str = "Artist|Credit|License|LicenseShortName|LicenseUrl|AttributionRequired|UsageTerms|\
                               Copyrighted|ImageDescription|DateTimeOriginal|ObjectName|Categories";
/// At most this many titles per `prop=imageinfo` request (the API's cap with `iiurlwidth`).
pub const MAX_INFO_BATCH: usize = 50;

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `{base_url}/w/api.php`.
    pub api: String,
    /// Origins image URLs may be on: `base_url`'s and `media_url`'s. Others are refused.
    pub media_origins: Vec<String>,
    pub styles: Vec<Style>,
    pub per_category: u64,
    /// `iiurlwidth`: the width of the stored images.
    pub width: u32,
    /// Files whose shorter side is below this, in pixels, are skipped.
    pub min_side: u64,
    /// Allowed licence code patterns (see [`api::licence_matches`]).
    pub licences: Vec<String>,
    /// Subcategory levels followed below each configured category.
    pub depth: u32,
    /// `cmlimit`: members per listing request.
    pub page_size: u32,
    /// `maxlag`: seconds of database replication lag at which the API asks us to wait.
    pub maxlag: u32,
}

/// One art style and the Commons categories that fill it.
pub struct Style {
    /// The style name, stored as the item's category (`impressionism`).
    pub name: String,
    /// Commons category titles, with their `Category:` prefix.
    pub categories: Vec<String>,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let (base, base_origin) = config::http_url("base_url", "https://commons.wikimedia.org")?;
        let media = config::get_or("media_url", "https://upload.wikimedia.org").trim().to_string();
        let mut media_origins = vec![base_origin];
        if !media.is_empty() {
            let origin = web::origin(&media)
                .ok_or_else(|| Error::msg(format!("config `media_url` = `{media}` is not an http(s) URL")))?;
            media_origins.push(origin);
        }
        let styles =
            config::list("categories").iter().map(|entry| Style::from_config(entry)).collect::<Result<Vec<_>>>()?;
        if styles.is_empty() {
            return Err(Error::msg("config `categories` is empty"));
        }
        let licences = config::get("licences").unwrap_or_else(|| DEFAULT_LICENCES.to_string());
        let licences: Vec<String> = config::split_list(&licences).iter().map(|l| l.to_ascii_lowercase()).collect();
        if licences.is_empty() {
            return Err(Error::msg("config `licences` is empty (use `*` for any licence)"));
        }
        let page_size = config::parse_or("page_size", 50u32)?;
        if !(1..=500).contains(&page_size) {
            return Err(Error::msg(format!("config `page_size` = {page_size}: the API takes 1 to 500")));
        }
        let width = config::parse_or("width", 1024u32)?;
        if width == 0 {
            return Err(Error::msg("config `width` must be positive"));
        }
        Ok(Self {
            api: format!("{base}/w/api.php"),
            media_origins,
            styles,
            per_category: config::parse_or("per_category", 200)?,
            width,
            min_side: config::parse_or("min_side", 512)?,
            licences,
            depth: config::parse_or("depth", 1)?,
            page_size,
            maxlag: config::parse_or("maxlag", 5)?,
        })
    }

    /// One page of the members of `category`:
    /// `{api}?action=query&format=json&formatversion=2&list=categorymembers&cmtitle=T&cmtype=TYPES&cmlimit=N&maxlag=M`
    /// followed by the `continue` values of the previous page, keys sorted. Values are percent-encoded as Python's
    /// `urllib.parse.quote(value, safe="")` does.
    pub fn members_url(&self, category: &str, subcategories: bool, cont: Option<&BTreeMap<String, String>>) -> String {
        let types = if subcategories { "file|subcat" } else { "file" };
        let mut url = format!(
            "{}?action=query&format=json&formatversion=2&list=categorymembers&cmtitle={}&cmtype={}&cmlimit={}&maxlag={}",
            self.api,
            web::encode(category),
            web::encode(types),
            self.page_size,
            self.maxlag
        );
        for (key, value) in cont.into_iter().flatten() {
            url.push_str(&format!("&{key}={}", web::encode(value)));
        }
        url
    }

    /// Image info of some files, by page id:
    /// `{api}?action=query&format=json&formatversion=2&prop=imageinfo&iiprop=url|size|mime|extmetadata&iiurlwidth=W
    /// &iiextmetadatafilter=...&iiextmetadatalanguage=en&pageids=1|2|3&maxlag=M`.
    pub fn info_url(&self, pageids: &[u64]) -> String {
        let ids: Vec<String> = pageids.iter().map(u64::to_string).collect();
        format!(
            "{}?action=query&format=json&formatversion=2&prop=imageinfo&iiprop={}&iiurlwidth={}&iiextmetadatafilter={}\
             &iiextmetadatalanguage=en&pageids={}&maxlag={}",
            self.api,
            web::encode("url|size|mime|extmetadata"),
            self.width,
            web::encode(EXTMETADATA),
            web::encode(&ids.join("|")),
            self.maxlag
        )
    }

    /// Whether a file with this licence code may be stored.
    pub fn licence_allowed(&self, code: &str) -> bool {
        self.licences.iter().any(|pattern| api::licence_matches(pattern, code))
    }

    /// Whether images may be fetched from `url` (on `base_url`'s or `media_url`'s origin).
    pub fn media_allowed(&self, url: &str) -> bool {
        web::origin(url).is_some_and(|origin| self.media_origins.contains(&origin))
    }
}

impl Style {
    /// Reads one entry of `categories`: `NAME` (its Commons categories from `commons.NAME`) or
    /// `NAME=Category A|Category B` (for a style the manifest does not declare).
    fn from_config(entry: &str) -> Result<Self> {
        let (name, categories) = match entry.split_once('=') {
            Some((name, categories)) => (name.trim(), Some(categories.to_string())),
            None => (entry.trim(), config::get(&format!("commons.{}", entry.trim()))),
        };
        if !config::is_name(name) {
            return Err(Error::msg(format!(
                "config `categories`: `{name}` is not a style name of lowercase letters, digits and dashes"
            )));
        }
        let Some(categories) = categories else {
            return Err(Error::msg(format!(
                "config `categories`: style `{name}` has no Commons categories; write `{name}=Commons category`"
            )));
        };
        let categories: Vec<String> = categories
            .split('|')
            .map(|c| c.trim().trim_start_matches("Category:").trim().replace('_', " "))
            .filter(|c| !c.is_empty())
            .map(|c| format!("Category:{c}"))
            .collect();
        if categories.is_empty() {
            return Err(Error::msg(format!("style `{name}` has no Commons categories")));
        }
        Ok(Self { name: name.to_string(), categories })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            api: "https://commons.wikimedia.org/w/api.php".into(),
            media_origins: vec!["https://commons.wikimedia.org".into(), "https://upload.wikimedia.org".into()],
            styles: Vec::new(),
            per_category: 200,
            width: 1024,
            min_side: 512,
            licences: DEFAULT_LICENCES.split(',').map(String::from).collect(),
            depth: 1,
            page_size: 50,
            maxlag: 5,
        }
    }

    /// The fixtures' first listing URL of each style and one image info URL (written by
    /// examples/wikimedia/make_fixtures.py) must be the URLs this plugin builds, or the offline replay does not match.
    #[test]
    fn urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/wikimedia/expected.json")).expect("expected.json");
        let s = settings();
        let styles = expected["styles"].as_object().expect("styles");
        assert_eq!(styles.len(), 4);
        for (name, fixture) in styles {
            let category = fixture["categories"][0].as_str().expect("a category");
            assert_eq!(Some(s.members_url(category, true, None).as_str()), fixture["first_url"].as_str(), "{name}");
        }
        let sample = &expected["sample_info_request"];
        let ids: Vec<u64> = sample["pageids"].as_array().expect("ids").iter().filter_map(|v| v.as_u64()).collect();
        assert_eq!(Some(s.info_url(&ids).as_str()), sample["url"].as_str());
        let cont =
            BTreeMap::from([("continue".to_string(), "-||".to_string()), ("cmcontinue".into(), "file|4d4f|1".into())]);
        assert!(s.members_url("Category:X y", false, Some(&cont)).ends_with(
            "cmtitle=Category%3AX%20y&cmtype=file&cmlimit=50&maxlag=5&cmcontinue=file%7C4d4f%7C1&continue=-%7C%7C"
        ));
    }

    #[test]
    fn default_licences_keep_free_ones_only() {
        let s = settings();
        for ok in ["pd", "cc0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-2.5-it", "cc-by-2.0"] {
            assert!(s.licence_allowed(ok), "{ok}");
        }
        for no in ["gfdl", "cc-by-nc-2.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "fair use", "arr", ""] {
            assert!(!s.licence_allowed(no), "{no}");
        }
    }

    #[test]
    fn media_must_be_on_known_origins() {
        let s = settings();
        assert!(s.media_allowed("https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/X.jpg/1024px-X.jpg"));
        assert!(!s.media_allowed("https://upload.wikimedia.org.evil.org/x.jpg"));
        assert!(!s.media_allowed("http://upload.wikimedia.org/x.jpg"));
        assert!(!s.media_allowed("https://evil.example.org/x.jpg"));
    }
}
