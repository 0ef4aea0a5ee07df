//! Crawls art images by style from Wikimedia Commons categories into an aigc-host dataset.
//!
//! For each art style (`impressionism`, `ukiyo-e`, ...) the crawler lists the files of the style's Commons
//! categories (and their subcategories down to `depth`) with `list=categorymembers`, page by page, asks
//! `prop=imageinfo` about up to 50 new files at a time, and stores one item per file whose licence is allowed and
//! whose image is large enough: the image scaled to `width` pixels, the licence, the artist and the file's page on
//! Commons. The crawl resumes where it stopped: the categories still to list and the page to fetch next are saved
//! in the crawl state after each page, and files already stored are skipped before their image info is fetched.
//!
//! Modules: [`api`] holds the JSON types and helpers (HTML, licences, image types, URLs), [`settings`] the
//! configuration and API URLs, [`crawl`] the crawl loop.

mod api;
mod crawl;
mod settings;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Crawls art images by style (image scaled to `width`, licence, artist, Commons page) from Wikimedia Commons categories",
    "hosts": ["commons.wikimedia.org", "upload.wikimedia.org"],
    "config": {
        "base_url": {
            "default": "https://commons.wikimedia.org",
            "help": "origin of the MediaWiki API (`{base_url}/w/api.php`); image URLs are accepted on this origin and media_url's"
        },
        "media_url": {
            "default": "https://upload.wikimedia.org",
            "help": "origin the image files are served from; image URLs on any origin other than this and base_url's are refused"
        },
        "categories": {
            "default": "impressionism,ukiyo-e,baroque,pointillism",
            "help": "comma-separated art styles (stored as the item's category): NAME uses commons.NAME; NAME=Commons category|Other category for a style not declared here"
        },
        "per_category": {
            "default": "200",
            "help": "files to store per style (files stored by earlier runs count); stops earlier when its categories run out"
        },
        "width": { "default": "1024", "help": "width in pixels of the stored images (the API's iiurlwidth; smaller originals are stored as they are)" },
        "min_side": { "default": "512", "help": "files whose original is smaller than this on its shorter side, in pixels, are skipped" },
        "licences": {
            "default": "pd,cc0,cc-by-*,cc-by-sa-*",
            "help": "comma-separated licence codes allowed (Commons's `License` field: pd, cc0, cc-by-4.0, gfdl, ...); `cc-by-*` means cc-by- and a version (not cc-by-nc-*); `*`: any"
        },
        "depth": { "default": "1", "help": "levels of subcategories followed below each configured category (0: the category's own files only)" },
        "page_size": { "default": "50", "help": "category members per listing request (cmlimit, 1 to 500)" },
        "maxlag": { "default": "5", "help": "the API's maxlag: when the database lags more than this many seconds the API asks us to wait, and we do" },
        "commons.impressionism": { "default": "Impressionist paintings", "help": "Commons categories (|-separated) of the style `impressionism`" },
        "commons.post-impressionism": { "default": "Post-Impressionist paintings", "help": "Commons categories of `post-impressionism`" },
        "commons.ukiyo-e": { "default": "Ukiyo-e prints", "help": "Commons categories of `ukiyo-e`" },
        "commons.baroque": { "default": "Baroque paintings", "help": "Commons categories of `baroque`" },
        "commons.romanticism": { "default": "Romantic paintings", "help": "Commons categories of `romanticism`" },
        "commons.pointillism": { "default": "Pointillist paintings", "help": "Commons categories of `pointillism`" },
        "commons.expressionism": { "default": "Expressionist paintings", "help": "Commons categories of `expressionism`" },
        "commons.art-nouveau": { "default": "Art Nouveau posters", "help": "Commons categories of `art-nouveau`" },
        "commons.chinese-painting": { "default": "Chinese paintings", "help": "Commons categories of `chinese-painting`" }
    }
});

struct Wikimedia;

impl Crawler for Wikimedia {
    fn crawl() -> Result<()> {
        crawl::run(settings::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(Wikimedia);
