//! Crawls CC0 3D models (GLB files) from the Smithsonian 3D API into an aigc-host dataset.
//!
//! For each course category the crawler runs that category's full-text searches on
//! `GET /api/v1.0/content/file/search` (one row per file), pages with `start`/`rows` until `rowCount`, groups the
//! rows by model package (`content.model_url`), and stores each package once: its best downloadable GLB
//! (`usage` Download3D, `file_type` glb, the preferred `quality`, filtered here because the API may ignore
//! filters) as `model.glb`, plus its scene image as the thumbnail when the rows list one. The 3D API has no
//! per-row licence: its packages are Smithsonian Open Access, released as CC0, so items are recorded as
//! `CC0-1.0` (see README). The crawl resumes where it stopped.
//!
//! Modules: [`api`] holds the row types, package grouping helpers and URL helpers, [`settings`] the
//! configuration, [`crawl`] the crawl loop.

mod api;
mod crawl;
mod settings;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls CC0 3D models (GLB + scene image, licence, attribution, viewer URL) from the Smithsonian 3D API, one item per model package",
    "hosts": ["3d-api.si.edu"],
    "config": {
        "base_url": {
            "default": "https://3d-api.si.edu",
            "help": "origin of the 3D API; model and image URIs on any other origin are refused"
        },
        "categories": {
            "default": "animals,plants,antiques",
            "help": "comma-separated course categories to crawl, each searched with query.NAME; the collection serves animals, plants and antiques (game-characters and anime-characters have no default terms)"
        },
        "query.animals": { "default": "mammal,bird,fish,skeleton", "help": "comma-separated search terms (q=) for `animals`, searched in turn" },
        "query.plants": { "default": "plant,flower,tree", "help": "comma-separated search terms (q=) for `plants`, searched in turn" },
        "query.antiques": { "default": "vase,bowl,ceramic,sculpture", "help": "comma-separated search terms (q=) for `antiques`, searched in turn" },
        "query.game-characters": { "default": "", "help": "search terms for `game-characters`; empty: the collection holds none (listing the category is then an error)" },
        "query.anime-characters": { "default": "", "help": "search terms for `anime-characters`; empty: the collection holds none (listing the category is then an error)" },
        "per_category": {
            "default": "500",
            "help": "Smithsonian models per category to hold in the dataset (earlier runs count); 0: no limit"
        },
        "rows": { "default": "50", "help": "rows (files) per search page, 1 to 1000" },
        "usage": {
            "default": "Download3D",
            "help": "accepted row usages, most preferred first (Download3D: the downloadable files; Web3D: the viewer's Draco-compressed GLBs)"
        },
        "quality": {
            "default": "Low_resolution,Medium",
            "help": "accepted GLB qualities, most preferred first (Thumb, Low, Medium, High, AR, Low_resolution, Full_resolution, ...); GLBs of other qualities are not taken"
        },
        "max_bytes": { "default": "67108864", "help": "largest GLB taken, in bytes (by the row's file_size, and checked after download)" },
        "thumbnails": {
            "default": "on",
            "help": "on: store each package's scene image (Image2D row) as thumbnail.jpg; off: GLB only, and the search asks for file_type=glb (fewer pages)"
        },
        "licence_filter": {
            "default": "cc0",
            "help": "cc0: only CC0 packages (rows state no licence: Smithsonian Open Access 3D counts as CC0-1.0; a row stating another licence is dropped); any: keep those too, with the licence they state"
        }
    }
});

struct Smithsonian;

impl Crawler for Smithsonian {
    fn crawl() -> Result<()> {
        crawl::run(settings::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Smithsonian);
