//! Configuration: the crawl's settings, and for each course style the Met search that fills it.

use crate::api::ImageSize;
use aigc_sdk::{Error, Result, config, web};

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
        let (base, _) = config::http_url("base_url", "https://collectionapi.metmuseum.org")?;
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
    /// [`web::encode`] (a space is `%20`).
    pub fn search_url(&self, style: &Style) -> String {
        format!("{}/public/collection/v1/search?hasImages=true&q={}", self.base, web::encode(&style.query))
    }

    /// `GET` this for the record of object `id`.
    pub fn object_url(&self, id: u64) -> String {
        format!("{}/public/collection/v1/objects/{id}", self.base)
    }
}

/// Reads `styles`: comma-separated `NAME=QUERY` entries (`ink-wash=ink landscape`); a bare `NAME` searches for the
/// name itself. Names are lowercase letters, digits, `-` and `_`, each at most once (see [`config::parse_pairs`]).
pub fn parse_styles(entries: &[String]) -> Result<Vec<Style>> {
    let pairs = config::parse_pairs("styles", "style", entries)?;
    Ok(pairs.into_iter().map(|(name, query)| Style { name, query }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    use aigc_sdk::config::split_list as list;

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
