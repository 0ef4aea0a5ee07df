//! Fetches a user-supplied list of URLs into an aigc-host dataset, one item per URL.
//!
//! For sources with no API (Polycam, a museum's download page, a friend's mirror) the operator writes a list:
//! one `URL<TAB>category[<TAB>licence[<TAB>author[<TAB>title]]]` per line, or CSV with a header
//! `url,category,licence,author[,title]`; `#` comments and blank lines are ignored. Plugins cannot read local
//! files, so the list itself is fetched from `list_url`. Each URL is fetched and stored as `file.<ext>`, its media
//! type from the Content-Type header (else the URL's extension, else the first bytes), with the category,
//! licence and author the list gives. The manifest asks for no host: the operator grants the list's host and
//! every host it names with `--allow-host`.
//!
//! Modules: [`list`] parses the list, [`media`] names file types and licences, [`crawl`] fetches and stores.

mod crawl;
mod list;
mod media;

use aigc_sdk::{Crawler, Result};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Fetches every URL of a user-supplied list (URL, category, licence, author) into items; grant the list's hosts with --allow-host",
    "hosts": [],
    "config": {
        "list_url": {
            "default": "",
            "help": "required: http(s) URL of the list (tab-separated `URL<TAB>category[<TAB>licence[<TAB>author[<TAB>title]]]`, or CSV with a header `url,category,licence,author`); grant its host and every host it names with --allow-host"
        },
        "base_url": {
            "default": "",
            "help": "origin that a list_url given as a path (`/lists/models.tsv`) is resolved against; empty: list_url must be a full URL"
        },
        "default_licence": {
            "default": "",
            "help": "licence of entries that give none (an SPDX id such as CC0-1.0, CC-BY-4.0); empty: such items are stored with an unknown licence, and a warning"
        },
        "max_bytes": {
            "default": "67108864",
            "help": "largest file stored, in bytes; larger ones are skipped (the host's --max-body caps downloads too)"
        }
    }
});

struct UrlList;

impl Crawler for UrlList {
    fn crawl() -> Result<()> {
        crawl::run(crawl::Settings::from_config()?)
    }
}

aigc_sdk::export_crawler!(UrlList);
