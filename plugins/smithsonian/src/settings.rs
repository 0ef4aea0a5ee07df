//! Configuration: the crawl's settings, and for each course category the Smithsonian searches that fill it.

use aigc_sdk::{Error, Result, config, web};

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `base_url` without a trailing slash.
    pub base: String,
    /// `scheme://host[:port]` of `base`: model and image URIs must be on it.
    pub origin: String,
    pub categories: Vec<Category>,
    /// Smithsonian models per category to hold in the dataset; 0 for no limit.
    pub per_category: u64,
    /// Rows per search page (`rows=`).
    pub rows: u64,
    /// Accepted `usage` values, most preferred first.
    pub usages: Vec<String>,
    /// Accepted GLB `quality` values, most preferred first.
    pub qualities: Vec<String>,
    pub max_bytes: u64,
    /// Store each package's scene image; when off, the search asks the API for GLB rows only.
    pub thumbnails: bool,
    pub licence_filter: LicenceFilter,
}

/// Which packages `licence_filter` lets through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LicenceFilter {
    /// Only CC0: rows without a stated licence (all of them today) count as CC0, see [`crate::api::stated_licence`].
    Cc0,
    /// Every package; a stated licence is recorded as stated.
    Any,
}

/// One course category and the searches behind it.
pub struct Category {
    /// The course's name, stored as the item's category (`animals`).
    pub name: String,
    /// Full-text search terms (`q=`), searched one after another, from `query.NAME`.
    pub queries: Vec<String>,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let (base, origin) = config::http_url("base_url", "https://3d-api.si.edu")?;
        let categories =
            config::names("categories")?.iter().map(|name| Category::from_config(name)).collect::<Result<Vec<_>>>()?;
        let rows = config::parse_or("rows", 50u64)?;
        if !(1..=1000).contains(&rows) {
            return Err(Error::msg(format!("config `rows` = `{rows}`: expected 1 to 1000")));
        }
        let nonempty = |key: &str| {
            let list = config::list(key);
            if list.is_empty() { Err(Error::msg(format!("config `{key}` is empty"))) } else { Ok(list) }
        };
        let thumbnails = match config::get_or("thumbnails", "on").trim() {
            "on" | "true" | "yes" => true,
            "off" | "false" | "no" => false,
            other => return Err(Error::msg(format!("config `thumbnails` = `{other}`: expected on or off"))),
        };
        let licence_filter = match config::get_or("licence_filter", "cc0").trim().to_ascii_lowercase().as_str() {
            "cc0" => LicenceFilter::Cc0,
            "any" => LicenceFilter::Any,
            other => return Err(Error::msg(format!("config `licence_filter` = `{other}`: expected cc0 or any"))),
        };
        Ok(Self {
            base,
            origin,
            categories,
            per_category: config::parse_or("per_category", 500)?,
            rows,
            usages: nonempty("usage")?,
            qualities: nonempty("quality")?,
            max_bytes: config::parse_or("max_bytes", 64 << 20)?,
            thumbnails,
            licence_filter,
        })
    }

    /// One search page, its parameters always in this order (fixtures depend on it):
    /// `{base}/api/v1.0/content/file/search?q=QUERY&start=START&rows=ROWS[&file_type=glb]`, the query
    /// percent-encoded with [`web::encode`] (a space is `%20`). `file_type=glb` is sent only with `thumbnails=off`:
    /// it would drop the scene images' rows. The quality is never sent (clients disagree on the parameter's name,
    /// `quality` or `file_quality`, and some report that the API ignores it): rows are filtered here instead.
    pub fn search_url(&self, query: &str, start: u64) -> String {
        let mut url = format!(
            "{}/api/v1.0/content/file/search?q={}&start={start}&rows={}",
            self.base,
            web::encode(query),
            self.rows
        );
        if !self.thumbnails {
            url.push_str("&file_type=glb");
        }
        url
    }

    /// True when `url` is on the `base_url` origin.
    pub fn on_origin(&self, url: &str) -> bool {
        web::origin(url).as_deref() == Some(self.origin.as_str())
    }
}

impl Category {
    /// Reads `query.NAME` of a category `name` ([`config::names`] checked it). A category the manifest does not
    /// declare is searched with its name as the query (`fossils` → `fossils`, `sea-shells` → `sea shells`); a
    /// declared one with no terms is an error that says what the collection holds.
    fn from_config(name: &str) -> Result<Self> {
        let key = format!("query.{name}");
        let queries = match config::get(&key) {
            None => vec![name.replace(['-', '_'], " ")],
            Some(_) => config::list(&key),
        };
        if queries.is_empty() {
            return Err(Error::msg(format!(
                "config `{key}` is empty: the Smithsonian 3D collection (museum specimens and objects) has \
                 nothing for `{name}` by default; set `--set {key}=TERM,TERM` to search anyway, or leave `{name}` \
                 out of `categories`"
            )));
        }
        Ok(Self { name: name.to_string(), queries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(thumbnails: bool) -> Settings {
        Settings {
            base: "https://3d-api.si.edu".into(),
            origin: "https://3d-api.si.edu".into(),
            categories: Vec::new(),
            per_category: 500,
            rows: 50,
            usages: vec!["Download3D".into()],
            qualities: vec!["Low_resolution".into(), "Medium".into()],
            max_bytes: 64 << 20,
            thumbnails,
            licence_filter: LicenceFilter::Cc0,
        }
    }

    /// The fixtures' page URLs (written by examples/smithsonian/make_fixtures.py) must be the URLs this plugin
    /// builds, or the offline replay does not match.
    #[test]
    fn search_urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/smithsonian/expected.json")).expect("expected.json");
        let categories = expected["categories"].as_object().expect("categories");
        assert!(categories.len() >= 3);
        let s = settings(true);
        for (name, fixture) in categories {
            for search in fixture["searches"].as_array().expect("searches") {
                let query = search["query"].as_str().expect("query");
                for (page, url) in search["pages"].as_array().expect("pages").iter().enumerate() {
                    let start = page as u64 * s.rows;
                    assert_eq!(Some(s.search_url(query, start).as_str()), url.as_str(), "{name} {query}");
                }
            }
        }
        assert_eq!(
            settings(false).search_url("baluster vase", 100),
            "https://3d-api.si.edu/api/v1.0/content/file/search?q=baluster%20vase&start=100&rows=50&file_type=glb"
        );
    }

    #[test]
    fn origin_checks() {
        let s = settings(true);
        assert!(s.on_origin("https://3d-api.si.edu/content/document/3d_package:x/a.glb"));
        assert!(!s.on_origin("https://3d-api.si.edu.evil.org/a.glb"));
        assert!(!s.on_origin("http://3d-api.si.edu/a.glb"));
    }
}
