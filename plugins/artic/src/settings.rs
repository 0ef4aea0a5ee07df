//! Configuration: the crawl's settings, and for each course style the AIC search that fills it.

use crate::api;
use aigc_sdk::{Error, Result, config, web};

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `base_url` without a trailing slash.
    pub base: String,
    /// `scheme://host[:port]` of `base`: `next_url` links must stay on it.
    pub origin: String,
    /// `iiif_url` without a trailing slash; none to take `config.iiif_url` from the API's answers.
    pub iiif: Option<String>,
    pub styles: Vec<Style>,
    pub per_style: u64,
    pub page_size: u32,
    pub image_width: u32,
    /// The `AIC-User-Agent` header sent with every request.
    pub user_agent: String,
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
        let (base, origin) = config::http_url("base_url", "https://api.artic.edu")?;
        let iiif =
            config::get("iiif_url").map(|v| v.trim().trim_end_matches('/').to_string()).filter(|v| !v.is_empty());
        if let Some(iiif) = iiif.as_ref().filter(|iiif| web::origin(iiif).is_none()) {
            return Err(Error::msg(format!("config `iiif_url` = `{iiif}` is not an http(s) URL")));
        }
        let page_size: u32 = config::parse_or("page_size", 10)?;
        if !(1..=100).contains(&page_size) {
            return Err(Error::msg(format!("config `page_size` = {page_size}: the API allows 1 to 100")));
        }
        let image_width: u32 = config::parse_or("image_width", 843)?;
        if !(16..=4096).contains(&image_width) {
            return Err(Error::msg(format!("config `image_width` = {image_width}: expected 16 to 4096 pixels")));
        }
        let contact = config::get_or("contact", "");
        let contact = contact.trim();
        if contact.chars().any(char::is_control) || contact.len() > 200 {
            return Err(Error::msg("config `contact` must be one line of at most 200 characters"));
        }
        let agent = concat!("aigc-host-artic/", env!("CARGO_PKG_VERSION"));
        let user_agent = if contact.is_empty() { agent.to_string() } else { format!("{agent} ({contact})") };
        Ok(Self {
            base,
            origin,
            iiif,
            styles: parse_styles(&config::list("styles"))?,
            per_style: config::parse_or("per_style", 200)?,
            page_size,
            image_width,
            user_agent,
        })
    }

    /// Search page `page` (from 1) of `style`, its parameters always in this order (the fixtures depend on it):
    /// `{base}/api/v1/artworks/search?q=QUERY&query%5Bterm%5D%5Bis_public_domain%5D=true&fields=FIELDS&limit=N&page=P`,
    /// the query percent-encoded with [`web::encode`] (a space is `%20`), [`api::FIELDS`] as they are.
    pub fn search_url(&self, style: &Style, page: u64) -> String {
        format!(
            "{}/api/v1/artworks/search?q={}&query%5Bterm%5D%5Bis_public_domain%5D=true&fields={}&limit={}&page={page}",
            self.base,
            web::encode(&style.query),
            api::FIELDS,
            self.page_size
        )
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
        let styles = parse_styles(&list("impressionism,ink-wash=ink landscape")).unwrap();
        assert_eq!(styles[1], Style { name: "ink-wash".into(), query: "ink landscape".into() });
        for bad in ["", "Baroque", "a=", "a,a"] {
            assert!(parse_styles(&list(bad)).is_err(), "{bad}");
        }
    }

    /// The fixtures' first search URL of each style (written by examples/artic/make_fixtures.py) must be the URL
    /// this plugin builds, or the offline replay does not match.
    #[test]
    fn search_urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/artic/expected.json")).expect("expected.json");
        let settings = Settings {
            base: "https://api.artic.edu".into(),
            origin: "https://api.artic.edu".into(),
            iiif: None,
            styles: Vec::new(),
            per_style: 200,
            page_size: 10,
            image_width: 843,
            user_agent: String::new(),
        };
        let styles = expected["styles"].as_object().expect("styles");
        assert!(styles.len() >= 4);
        for (name, fixture) in styles {
            let style = Style { name: name.clone(), query: fixture["query"].as_str().expect("query").into() };
            assert_eq!(Some(settings.search_url(&style, 1).as_str()), fixture["first_url"].as_str(), "{name}");
        }
    }
}
