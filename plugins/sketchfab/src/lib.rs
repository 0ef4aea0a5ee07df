//! Crawls downloadable 3D models from the Sketchfab Data API v3 into an aigc-host dataset.
//!
//! For each course category (`animals`, `plants`, ...) the crawler searches Sketchfab with that category's
//! Sketchfab category slug and keywords, follows the `next` links page by page, and stores one item per model:
//! its thumbnail, and its GLB (or glTF zip) when the operator granted the `sketchfab` secret. Models tagged
//! NoAI are dropped. The crawl resumes where it stopped: the page to fetch next is saved in the crawl state after
//! each page, and models already stored are skipped.
//!
//! Modules: [`api`] holds the JSON types and URL helpers, [`category`] the per-category configuration, [`crawl`]
//! the crawl loop.

mod api;
mod category;
mod crawl;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls downloadable 3D models (thumbnail, GLB when a token is granted, licence, author) from the Sketchfab Data API v3",
    "hosts": ["api.sketchfab.com", "media.sketchfab.com", "sketchfab-prod-media.s3.amazonaws.com"],
    "secrets": {
        "sketchfab": { "hosts": ["api.sketchfab.com"], "header": "Authorization", "prefix": "Token " }
    },
    "config": {
        "base_url": {
            "default": "https://api.sketchfab.com",
            "help": "origin of the Data API; `next` links to any other origin are refused"
        },
        "categories": {
            "default": "animals,plants,antiques,game-characters,anime-characters",
            "help": "comma-separated course categories to crawl; each uses categories.NAME and query.NAME"
        },
        "per_category": {
            "default": "500",
            "help": "models to store per category (models stored by earlier runs count); stops earlier when the search runs out"
        },
        "download": {
            "default": "auto",
            "help": "auto: download archives while the download endpoint accepts the `sketchfab` secret (the first 401/403 turns them off for the run); off: thumbnails only"
        },
        "archive_format": {
            "default": "glb",
            "help": "glb (stored as model.glb) or gltf (a zip, stored as model.zip); the other one is the fallback"
        },
        "licenses": {
            "default": "",
            "help": "comma-separated Sketchfab licence slugs to search for (by, by-sa, by-nd, by-nc, by-nc-sa, by-nc-nd, cc0, ...); empty: any"
        },
        "categories.animals": { "default": "animals-pets", "help": "Sketchfab category slug searched for `animals` (empty: none)" },
        "query.animals": { "default": "", "help": "search keywords for `animals` (empty: none)" },
        "categories.plants": { "default": "nature-plants", "help": "Sketchfab category slug searched for `plants` (empty: none)" },
        "query.plants": { "default": "", "help": "search keywords for `plants` (empty: none)" },
        "categories.antiques": { "default": "cultural-heritage-history", "help": "Sketchfab category slug searched for `antiques` (empty: none)" },
        "query.antiques": { "default": "antique", "help": "search keywords for `antiques` (empty: none)" },
        "categories.game-characters": { "default": "characters-creatures", "help": "Sketchfab category slug searched for `game-characters` (empty: none)" },
        "query.game-characters": { "default": "game character", "help": "search keywords for `game-characters` (empty: none)" },
        "categories.anime-characters": { "default": "characters-creatures", "help": "Sketchfab category slug searched for `anime-characters` (empty: none)" },
        "query.anime-characters": { "default": "anime", "help": "search keywords for `anime-characters` (empty: none)" }
    }
});

struct Sketchfab;

impl Crawler for Sketchfab {
    fn crawl() -> Result<()> {
        crawl::run(crawl::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Sketchfab);
