//! Crawls public-domain artworks from The Met Collection API into an aigc-host dataset, grouped by art style.
//!
//! For each course style (`impressionism`, `ukiyo-e`, ...) the crawler runs one Met search
//! (`/public/collection/v1/search?hasImages=true&q=QUERY`), which answers with every matching object id at once,
//! then reads the objects (`/public/collection/v1/objects/{id}`) in order. It keeps objects that are public domain
//! (`isPublicDomain`: the Met releases their images under CC0 as Open Access), of a wanted classification
//! (`Paintings` by default) and with an image, and stores one item per object: `image.jpg`, the style as the
//! category, the artist as the author, CC0-1.0 as the licence, the object's page as the source, and the object's
//! whole record (artist, dates, classification, medium, culture, period, department, tags) as metadata.
//!
//! An object found by two styles' searches is stored once, under the first style (in `styles` order) that stores
//! it. The crawl resumes where it stopped: see [`crawl`].
//!
//! Modules: [`api`] reads the API's JSON and holds URL helpers, [`settings`] the configuration, [`crawl`] the loop.

mod api;
mod crawl;
mod settings;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls public-domain artworks (image, artist, date, classification, medium, culture, period; CC0) from The Met Collection API, one category per art style",
    "hosts": ["collectionapi.metmuseum.org", "images.metmuseum.org"],
    "config": {
        "base_url": {
            "default": "https://collectionapi.metmuseum.org",
            "help": "origin of the Collection API (the paths /public/collection/v1/... are appended); image URLs come from the object records"
        },
        "styles": {
            "default": "impressionism=impressionism,ukiyo-e=ukiyo-e,baroque=baroque,ink-wash=ink landscape",
            "help": "comma-separated STYLE=QUERY: each course style (the item's category) and the Met search keywords that fill it; a bare STYLE searches for its own name. An object found by two searches is stored under the first style"
        },
        "per_style": {
            "default": "200",
            "help": "objects to store per style (objects stored by earlier runs count); stops earlier when the search runs out"
        },
        "classification": {
            "default": "Paintings",
            "help": "comma-separated Met classifications to keep (matched without case: Paintings, Prints, Drawings, ...); empty: any. Most ukiyo-e at the Met are `Prints`"
        },
        "image_size": {
            "default": "small",
            "help": "small: primaryImageSmall (web-large, about 800 px); large: primaryImage (the original file, often several MB); the other one is the fallback"
        }
    }
});

struct Met;

impl Crawler for Met {
    fn crawl() -> Result<()> {
        crawl::run(settings::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Met);
