//! Configuration: the crawl's settings, and for each course style the Met search that fills it.

use crate::api::{self, ImageSize};
use aigc_sdk::{Error, Result, config};

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `base_url` without a trailing slash.
    pub base: String,
    pub styles: Vec<Style>,
    pub per_style: u64,
    /// Classifications to keep, lowercase; empty keeps any.
    pub classifications: Vec<String>,
    pub image_size: ImageSize,
}

/// One course style (the item's category) and the search behind it.
#[derive(Debug, PartialEq, Eq)]
pub struct Style {
    /// The course's style name (`ukiyo-e`), stored as the item's category.
    pub name: String,
    /// The search keywords (`q=`).
    pub query: String,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let base =
            config::get_or("base_url", "https://collectionapi.metmuseum.org").trim().trim_end_matches('/').to_string();
        if api::origin(&base).is_none() {
            return Err(Error::msg(format!("config `base_url` = `{base}` is not an http(s) URL")));
        }
        let styles = parse_styles(&config::list("styles"))?;
        let image_size = match config::get_or("image_size", "small").trim() {
            "small" => ImageSize::Small,
            "large" => ImageSize::Large,
            other => return Err(Error::msg(format!("config `image_size` = `{other}`: expected small or large"))),
        };
        Ok(Self {
            base,
            styles,
            per_style: config::parse_or("per_style", 200)?,
            classifications: config::list("classification").iter().map(|c| c.to_lowercase()).collect(),
            image_size,
        })
    }

    /// The search of `style`, its parameters always in this order (the fixtures depend on it):
    /// `{base}/public/collection/v1/search?hasImages=true&q=QUERY`, the query percent-encoded with
    /// [`api::encode`] (a space is `%20`).
    pub fn search_url(&self, style: &Style) -> String {
        format!("{}/public/collection/v1/search?hasImages=true&q={}", self.base, api::encode(&style.query))
    }

    /// `GET` this for the record of object `id`.
    pub fn object_url(&self, id: u64) -> String {
        format!("{}/public/collection/v1/objects/{id}", self.base)
    }
}

/// Reads `styles`: comma-separated `NAME=QUERY` entries (`ink-wash=ink landscape`); a bare `NAME` searches for the
/// name itself. Names are lowercase letters, digits, `-` and `_`, each at most once.
pub fn parse_styles(entries: &[String]) -> Result<Vec<Style>> {
    let mut styles: Vec<Style> = Vec::new();
    for entry in entries {
        let (name, query) = match entry.split_once('=') {
            Some((name, query)) => (name.trim(), query.trim()),
            None => (entry.trim(), entry.trim()),
        };
        if !is_slug(name) {
            return Err(Error::msg(format!(
                "config `styles`: `{name}` (in `{entry}`) is not a style name of lowercase letters, digits, - and _"
            )));
        }
        if query.is_empty() {
            return Err(Error::msg(format!("config `styles`: style `{name}` has an empty query")));
        }
        if styles.iter().any(|style| style.name == name) {
            return Err(Error::msg(format!("config `styles`: style `{name}` is listed twice")));
        }
        styles.push(Style { name: name.to_string(), query: query.to_string() });
    }
    if styles.is_empty() {
        return Err(Error::msg("config `styles` is empty"));
    }
    Ok(styles)
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Vec<String> {
        text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    #[test]
    fn parses_styles() {
        let styles = parse_styles(&list("impressionism, ink-wash = ink landscape,ukiyo-e=ukiyo-e")).unwrap();
        let names: Vec<(&str, &str)> = styles.iter().map(|s| (s.name.as_str(), s.query.as_str())).collect();
        assert_eq!(names, [("impressionism", "impressionism"), ("ink-wash", "ink landscape"), ("ukiyo-e", "ukiyo-e")]);
        for bad in ["", "Impressionism", "a b=c", "a=", "a=x,a=y", "../x=y"] {
            assert!(parse_styles(&list(bad)).is_err(), "{bad}");
        }
    }

    /// The fixtures' search URL of each style (written by examples/met/make_fixtures.py) must be the URL this
    /// plugin builds, or the offline replay does not match.
    #[test]
    fn search_urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/met/expected.json")).expect("expected.json");
        let settings = Settings {
            base: "https://collectionapi.metmuseum.org".into(),
            styles: Vec::new(),
            per_style: 200,
            classifications: vec!["paintings".into()],
            image_size: ImageSize::Small,
        };
        let styles = expected["styles"].as_object().expect("styles");
        assert!(styles.len() >= 4);
        for (name, fixture) in styles {
            let style = Style { name: name.clone(), query: fixture["query"].as_str().expect("query").into() };
            assert_eq!(Some(settings.search_url(&style).as_str()), fixture["search_url"].as_str(), "{name}");
        }
    }
}
