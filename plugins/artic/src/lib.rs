//! Crawls public-domain artworks from the Art Institute of Chicago (AIC) API and its IIIF image server into an
//! aigc-host dataset, grouped by art style.
//!
//! For each course style (`impressionism`, `ukiyo-e`, ...) the crawler pages through an AIC search limited to public
//! domain works (`/api/v1/artworks/search?q=QUERY&query[term][is_public_domain]=true&fields=...`), following
//! `pagination.next_url`, and stores one item per public-domain artwork with an image: `image.jpg` from IIIF
//! (`{iiif_url}/{image_id}/full/{image_width},/0/default.jpg`), the style as the category, the artist as the author,
//! CC0-1.0 as the licence, `https://www.artic.edu/artworks/{id}` as the source, and the hit's fields (artist, dates,
//! style, classification, medium, place of origin) as metadata. Every request carries the `AIC-User-Agent` header
//! the AIC asks for.
//!
//! An artwork found by two styles' searches is stored once, under the first style (in `styles` order) that stores
//! it. The crawl resumes where it stopped: see [`crawl`].
//!
//! Modules: [`api`] reads the API's JSON and holds URL helpers, [`settings`] the configuration, [`crawl`] the loop.

mod api;
mod crawl;
mod settings;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls public-domain artworks (IIIF image, artist, date, style, classification, medium, place of origin; CC0) from the Art Institute of Chicago API, one category per art style",
    "hosts": ["api.artic.edu", "www.artic.edu"],
    "config": {
        "base_url": {
            "default": "https://api.artic.edu",
            "help": "origin of the API (the paths /api/v1/... are appended); `next_url` links to any other origin are refused"
        },
        "iiif_url": {
            "default": "",
            "help": "IIIF Image API base that images are fetched from ({iiif_url}/{image_id}/full/{width},/0/default.jpg); empty: the `config.iiif_url` of the API's answers (https://www.artic.edu/iiif/2)"
        },
        "styles": {
            "default": "impressionism=impressionism,ukiyo-e=ukiyo-e,baroque=baroque,ink-wash=ink landscape",
            "help": "comma-separated STYLE=QUERY: each course style (the item's category) and the search keywords that fill it; a bare STYLE searches for its own name. An artwork found by two searches is stored under the first style"
        },
        "per_style": {
            "default": "200",
            "help": "artworks to store per style (artworks stored by earlier runs count); stops earlier when the search runs out (the AIC search goes about 1000 results deep)"
        },
        "image_width": {
            "default": "843",
            "help": "width of the IIIF image in pixels (843 is the AIC's recommended size; up to 1686 is allowed for public-domain works)"
        },
        "page_size": {
            "default": "10",
            "help": "search hits per page (`limit`, 1 to 100)"
        },
        "contact": {
            "default": "",
            "help": "your e-mail or URL, sent in the AIC-User-Agent header (`aigc-host-artic/VERSION (CONTACT)`) as the AIC asks of API users"
        }
    }
});

struct Artic;

impl Crawler for Artic {
    fn crawl() -> Result<()> {
        crawl::run(settings::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Artic);
