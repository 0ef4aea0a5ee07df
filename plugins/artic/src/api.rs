//! The parts of the Art Institute of Chicago API the crawler reads (search pages, artwork hits, the IIIF image URL).
//!
//! Hits are read field by field from their raw JSON: fields the API leaves `null` or changes type must not lose an
//! artwork. The raw hit is kept whole as the item's metadata.

use serde_json::Value;

/// CC0 1.0: the AIC publishes images of public-domain works (`is_public_domain`) for any use, and its data under
/// CC0 (the `info.license_text` of every answer).
pub const CC0: &str = "CC0-1.0";
pub const CC0_URL: &str = "https://creativecommons.org/publicdomain/zero/1.0/";

/// The IIIF Image API server, when neither the configuration nor the answer names one.
pub const DEFAULT_IIIF: &str = "https://www.artic.edu/iiif/2";

/// The fields asked for with `fields=`: what the crawl needs and what groups art by style. The order is part of the
/// search URL (the fixtures depend on it).
pub const FIELDS: &str = "id,title,image_id,is_public_domain,artist_display,artist_title,date_display,date_start,\
                          date_end,style_title,style_titles,classification_title,medium_display,place_of_origin,\
                          department_title,term_titles,thumbnail";

/// One page of `GET /api/v1/artworks/search`.
pub struct Page {
    /// The hits, raw: each is read on its own, so one odd hit skips one artwork.
    pub data: Vec<Value>,
    /// `pagination.next_url`, when given.
    pub next_url: Option<String>,
    /// `pagination.current_page` and `pagination.total_pages`, when given.
    pub current_page: Option<u64>,
    pub total_pages: Option<u64>,
    /// `config.iiif_url`, when given.
    pub iiif_url: Option<String>,
}

impl Page {
    /// Reads a search answer; none when it is not one (no `data` list).
    pub fn parse(answer: &Value) -> Option<Self> {
        let data = answer.get("data")?.as_array()?.clone();
        let pagination = answer.get("pagination");
        let number = |key: &str| pagination.and_then(|p| p.get(key)).and_then(Value::as_u64);
        let text = |value: Option<&Value>| {
            value.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
        };
        Some(Self {
            data,
            next_url: text(pagination.and_then(|p| p.get("next_url"))),
            current_page: number("current_page"),
            total_pages: number("total_pages"),
            iiif_url: text(answer.get("config").and_then(|c| c.get("iiif_url"))),
        })
    }

    /// True when `pagination` says more pages follow this one.
    pub fn has_more(&self) -> bool {
        matches!((self.current_page, self.total_pages), (Some(current), Some(total)) if current < total)
    }
}

/// An artwork hit of a search page, read from its raw JSON.
pub struct Artwork<'a> {
    raw: &'a Value,
}

impl<'a> Artwork<'a> {
    /// The hit as an artwork, or none when it is not a JSON object.
    pub fn new(raw: &'a Value) -> Option<Self> {
        raw.as_object().map(|_| Self { raw })
    }

    /// A text field, trimmed; none when missing, not a string or empty.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.raw.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }

    /// `id`, when it is a positive number.
    pub fn id(&self) -> Option<u64> {
        self.raw.get("id").and_then(Value::as_u64).filter(|id| *id > 0)
    }

    /// `is_public_domain` is exactly `true`.
    pub fn is_public_domain(&self) -> bool {
        self.raw.get("is_public_domain") == Some(&Value::Bool(true))
    }

    /// `image_id` when it looks like one (a UUID: hex digits and dashes); anything else could steer the image URL.
    pub fn image_id(&self) -> Option<&'a str> {
        self.text("image_id").filter(|id| is_image_id(id))
    }

    /// The artist for attribution: the first line of `artist_display` (`Claude Monet` of
    /// `Claude Monet\nFrench, 1840-1926`), else `artist_title`.
    pub fn artist(&self) -> Option<&'a str> {
        self.text("artist_display")
            .and_then(|display| display.lines().map(str::trim).find(|line| !line.is_empty()))
            .or_else(|| self.text("artist_title"))
    }
}

fn is_image_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// The IIIF URL of an image `width` pixels wide: `{iiif}/{image_id}/full/{width},/0/default.jpg`.
pub fn image_url(iiif: &str, image_id: &str, width: u32) -> String {
    format!("{iiif}/{image_id}/full/{width},/0/default.jpg")
}

/// The artwork's page on artic.edu.
pub fn page_url(id: u64) -> String {
    format!("https://www.artic.edu/artworks/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_search_pages() {
        let page = Page::parse(&json!({
            "pagination": {"total": 307, "limit": 10, "offset": 0, "total_pages": 31, "current_page": 1,
                           "next_url": "https://api.artic.edu/api/v1/artworks/search?page=2"},
            "data": [{"id": 16568}],
            "config": {"iiif_url": "https://www.artic.edu/iiif/2", "website_url": "http://www.artic.edu"}
        }))
        .unwrap();
        assert_eq!(page.data.len(), 1);
        assert_eq!(page.next_url.as_deref(), Some("https://api.artic.edu/api/v1/artworks/search?page=2"));
        assert_eq!(page.iiif_url.as_deref(), Some("https://www.artic.edu/iiif/2"));
        assert!(page.has_more());
        let last =
            Page::parse(&json!({"pagination": {"total_pages": 2, "current_page": 2, "next_url": null}, "data": []}))
                .unwrap();
        assert!(!last.has_more() && last.next_url.is_none() && last.iiif_url.is_none());
        assert!(Page::parse(&json!({"detail": "Not found"})).is_none());
        assert!(Page::parse(&json!({"data": {"id": 1}})).is_none());
    }

    #[test]
    fn reads_artworks_leniently() {
        let raw = json!({"id": 27992, "is_public_domain": true, "image_id": "2d484387-2509-5e8e-2c43-22f9981972eb",
                         "artist_display": "Georges Seurat\nFrench, 1859–1891", "title": null});
        let artwork = Artwork::new(&raw).unwrap();
        assert_eq!(artwork.id(), Some(27992));
        assert!(artwork.is_public_domain());
        assert_eq!(artwork.artist(), Some("Georges Seurat"));
        assert_eq!(artwork.text("title"), None);
        assert_eq!(
            image_url(DEFAULT_IIIF, artwork.image_id().unwrap(), 843),
            "https://www.artic.edu/iiif/2/2d484387-2509-5e8e-2c43-22f9981972eb/full/843,/0/default.jpg"
        );
        let raw = json!({"id": "1", "is_public_domain": "true", "image_id": "../../x", "artist_title": "Hokusai"});
        let artwork = Artwork::new(&raw).unwrap();
        assert_eq!(artwork.id(), None);
        assert!(!artwork.is_public_domain());
        assert_eq!(artwork.image_id(), None);
        assert_eq!(artwork.artist(), Some("Hokusai"));
        assert!(Artwork::new(&json!(null)).is_none());
    }
}
