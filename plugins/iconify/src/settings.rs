//! Configuration: the crawl's settings, the search queries of each course category, and the URLs built from them.

use crate::api;
use aigc_sdk::{Error, Result, config, web};

/// The `licences` default: permissive and attribution licences (see the README for why these).
pub const DEFAULT_LICENCES: &str = "MIT,Apache-2.0,ISC,BSD-2-Clause,BSD-3-Clause,0BSD,Unlicense,CC0-1.0,CC-BY-3.0,CC-BY-4.0,CC-BY-SA-3.0,CC-BY-SA-4.0,OFL-1.1";

/// The API never returns more than this many matches for one query (`limit` is capped at 999).
pub const MAX_LIMIT: u64 = 999;
/// The smallest `limit` the API accepts (a smaller one is raised to it).
pub const MIN_LIMIT: u64 = 32;

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `base_url` without a trailing slash.
    pub base: String,
    pub categories: Vec<Category>,
    pub per_category: u64,
    /// Matches asked for per search request.
    pub page_size: u64,
    /// Icon set prefixes allowed (a name ending in `-` allows every prefix starting with it); empty: any.
    pub prefixes: Vec<String>,
    /// SPDX ids allowed, lowercased; none: any licence, even an unknown one (`licences=*`).
    pub licences: Option<Vec<String>>,
}

/// One course category and the searches that fill it.
pub struct Category {
    /// The course's name, stored as the item's category (`animal`).
    pub name: String,
    /// Search queries, from `query.NAME`, searched in order.
    pub queries: Vec<String>,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let (base, _) = config::http_url("base_url", "https://api.iconify.design")?;
        let categories =
            config::names("categories")?.iter().map(|name| Category::from_config(name)).collect::<Result<Vec<_>>>()?;
        let page_size = config::parse_or("page_size", 64u64)?;
        if !(MIN_LIMIT..=MAX_LIMIT).contains(&page_size) {
            return Err(Error::msg(format!(
                "config `page_size` = {page_size}: the API takes {MIN_LIMIT} to {MAX_LIMIT}"
            )));
        }
        let prefixes = config::list("prefixes");
        if let Some(bad) = prefixes.iter().find(|p| !api::is_valid_name(p.trim_end_matches('-'))) {
            return Err(Error::msg(format!("config `prefixes`: `{bad}` is not an icon set prefix")));
        }
        let licences = config::get("licences").unwrap_or_else(|| DEFAULT_LICENCES.to_string());
        let licences: Vec<String> = config::split_list(&licences).iter().map(|l| l.to_ascii_lowercase()).collect();
        let licences = if licences.iter().any(|l| l == "*") { None } else { Some(licences) };
        if licences.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::msg("config `licences` is empty (use `*` for any licence)"));
        }
        Ok(Self {
            base,
            categories,
            per_category: config::parse_or("per_category", 200)?,
            page_size,
            prefixes,
            licences,
        })
    }

    /// `GET` this once for every icon set's licence and author.
    pub fn collections_url(&self) -> String {
        format!("{}/collections", self.base)
    }

    /// Page `page` (from 0) of the search for `query`: `{base}/search?query=Q&limit=L&start=S[&prefixes=a,b]`.
    /// The API returns at most `limit` matches counted from the first, and the ones from `start` on; so page `n`
    /// asks for `limit = (n + 1) * page_size` (at most 999) and `start = n * page_size`. None past the API's cap.
    /// Values are percent-encoded as Python's `urllib.parse.quote(value, safe="")` does.
    pub fn search_url(&self, query: &str, page: u64) -> Option<String> {
        let start = page.checked_mul(self.page_size)?;
        if start >= MAX_LIMIT {
            return None;
        }
        let limit = (start + self.page_size).min(MAX_LIMIT);
        let mut url = format!("{}/search?query={}&limit={limit}&start={start}", self.base, web::encode(query));
        if !self.prefixes.is_empty() {
            let prefixes: Vec<String> = self.prefixes.iter().map(|p| web::encode(p)).collect();
            url.push_str(&format!("&prefixes={}", prefixes.join(",")));
        }
        Some(url)
    }

    /// `{base}/{prefix}.json?icons=a,b,c`: the data of some icons of one set (names sorted, as Iconify asks).
    pub fn icons_url(&self, prefix: &str, names: &[&str]) -> String {
        format!("{}/{prefix}.json?icons={}", self.base, names.join(","))
    }

    /// Whether icons of set `prefix` may be crawled, by the `prefixes` setting.
    pub fn prefix_allowed(&self, prefix: &str) -> bool {
        self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| if p.ends_with('-') { prefix.starts_with(p.as_str()) } else { p == prefix })
    }

    /// Whether an icon set with this SPDX id (none: unknown) may be crawled, by the `licences` setting.
    pub fn licence_allowed(&self, spdx: Option<&str>) -> bool {
        match (&self.licences, spdx) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(allowed), Some(id)) => allowed.iter().any(|a| a.eq_ignore_ascii_case(id.trim())),
        }
    }
}

impl Category {
    /// Reads `query.NAME` (comma-separated queries) of a category `name` ([`config::names`] checked it). A category
    /// the manifest does not declare is searched with its name (`hot-air-balloon` → `hot air balloon`).
    fn from_config(name: &str) -> Result<Self> {
        let queries = match config::get(&format!("query.{name}")) {
            None => vec![name.replace(['-', '_'], " ")],
            Some(_) => config::list(&format!("query.{name}")),
        };
        if queries.is_empty() {
            return Err(Error::msg(format!("config `query.{name}` is empty")));
        }
        Ok(Self { name: name.to_string(), queries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(prefixes: &[&str], licences: Option<&[&str]>) -> Settings {
        Settings {
            base: "https://api.iconify.design".into(),
            categories: Vec::new(),
            per_category: 200,
            page_size: 64,
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            licences: licences.map(|l| l.iter().map(|s| s.to_ascii_lowercase()).collect()),
        }
    }

    /// The fixtures' first search URL of each query (written by examples/iconify/make_fixtures.py) must be the URL
    /// this plugin builds, or the offline replay does not match.
    #[test]
    fn search_urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/iconify/expected.json")).expect("expected.json");
        let s = settings(&[], None);
        let categories = expected["categories"].as_object().expect("categories");
        assert_eq!(categories.len(), 6);
        for (name, fixture) in categories {
            for search in fixture["searches"].as_array().expect("searches") {
                let query = search["query"].as_str().expect("query");
                for (page, url) in search["urls"].as_array().expect("urls").iter().enumerate() {
                    assert_eq!(s.search_url(query, page as u64).as_deref(), url.as_str(), "{name} {query} {page}");
                }
            }
        }
    }

    #[test]
    fn pages_grow_the_limit_up_to_the_cap() {
        let s = settings(&["mdi", "fa6-"], None);
        assert_eq!(
            s.search_url("hot air", 0).as_deref(),
            Some("https://api.iconify.design/search?query=hot%20air&limit=64&start=0&prefixes=mdi,fa6-")
        );
        assert!(s.search_url("x", 2).expect("page 2").contains("limit=192&start=128"));
        assert!(s.search_url("x", 15).expect("page 15").contains("limit=999&start=960"));
        assert_eq!(s.search_url("x", 16), None);
    }

    #[test]
    fn filters_prefixes_and_licences() {
        let s = settings(&["mdi", "fa6-"], Some(&["MIT", "CC-BY-4.0"]));
        assert!(s.prefix_allowed("mdi") && s.prefix_allowed("fa6-solid"));
        assert!(!s.prefix_allowed("mdi-light") && !s.prefix_allowed("tabler"));
        assert!(s.licence_allowed(Some("mit")) && s.licence_allowed(Some("CC-BY-4.0")));
        assert!(!s.licence_allowed(Some("GPL-3.0")) && !s.licence_allowed(None));
        let any = settings(&[], None);
        assert!(any.prefix_allowed("tabler") && any.licence_allowed(None));
    }
}
