//! Crawls SVG icons by course category from the Iconify API into an aigc-host dataset.
//!
//! For each course category (`animal`, `plant`, ...) the crawler runs that category's search queries against
//! `/search`, page by page, keeps the icons of sets whose licence is allowed (from `/collections`, fetched once),
//! fetches their data in one `/{prefix}.json?icons=a,b,c` request per set and batch, and stores one item per icon:
//! a standalone `icon.svg` built as Iconify renders it, with the set's licence and author. The crawl resumes where
//! it stopped: the query and page to fetch next are saved in the crawl state after each page, and icons already
//! stored are skipped before their data is fetched.
//!
//! Modules: [`api`] holds the JSON types and URL helpers, [`settings`] the configuration, [`svg`] the icon data to
//! SVG conversion, [`crawl`] the crawl loop.

mod api;
mod crawl;
mod settings;
mod svg;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls SVG icons by category (one standalone icon.svg per icon, with the icon set's licence and author) from the Iconify API",
    "hosts": ["api.iconify.design"],
    "config": {
        "base_url": {
            "default": "https://api.iconify.design",
            "help": "origin of the Iconify API (or a mirror / self-hosted instance); every request goes there"
        },
        "categories": {
            "default": "animal,plant,food,building,clothing,vehicle",
            "help": "comma-separated course categories to crawl; each uses query.NAME (an undeclared NAME is searched as itself)"
        },
        "per_category": {
            "default": "200",
            "help": "icons to store per category (icons stored by earlier runs count); stops earlier when every query runs out"
        },
        "page_size": {
            "default": "64",
            "help": "matches asked for per search request (32 to 999; the API lists at most 999 matches per query)"
        },
        "prefixes": {
            "default": "",
            "help": "comma-separated icon set prefixes to search (a name ending in `-` takes every prefix starting with it, e.g. `fa6-`); empty: any set"
        },
        "licences": {
            "default": "MIT,Apache-2.0,ISC,BSD-2-Clause,BSD-3-Clause,0BSD,Unlicense,CC0-1.0,CC-BY-3.0,CC-BY-4.0,CC-BY-SA-3.0,CC-BY-SA-4.0,OFL-1.1",
            "help": "comma-separated SPDX ids of the icon set licences allowed (sets with another or no SPDX id are skipped); `*`: any licence"
        },
        "query.animal": { "default": "animal,cat,dog,bird,fish,horse", "help": "comma-separated search queries for `animal` (words in one query must all match)" },
        "query.plant": { "default": "plant,tree,flower,leaf,cactus", "help": "comma-separated search queries for `plant`" },
        "query.food": { "default": "food,fruit,bread,cake,pizza", "help": "comma-separated search queries for `food`" },
        "query.building": { "default": "building,house,castle,church,factory", "help": "comma-separated search queries for `building`" },
        "query.clothing": { "default": "shirt,dress,hat,shoe,jacket", "help": "comma-separated search queries for `clothing`" },
        "query.vehicle": { "default": "car,bus,truck,bicycle,airplane,ship", "help": "comma-separated search queries for `vehicle`" }
    }
});

struct Iconify;

impl Crawler for Iconify {
    fn crawl() -> Result<()> {
        crawl::run(settings::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Iconify);
