//! A crawler for the crawl benchmark (`bench/crawl/`): walks the fixture site's JSON listing pages
//! (`/api/items?page=N`, each with a `next` link) and stores one item per entry, with its image as the item's file.
//!
//! Per page: parse the listing, fetch every entry's image and the next listing page in one `fetch-all` (so the
//! next page is already there when the images are), then put the items one by one (each put is atomic and durable).
//! The manifest asks for no hosts: the operator grants the loopback server with `--allow-host 127.0.0.1:PORT`.

use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::dataset::Provenance;
use aigc_sdk::http::{self, Request, Response};
use aigc_sdk::{Crawler, Error, Result, config, log};
use serde::Deserialize;
use serde_json::Value;

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Benchmark: crawls the bench/crawl fixture site (JSON listing pages + one image per item)",
    "config": {
        "base_url": { "default": "http://127.0.0.1:8080", "help": "origin of the fixture site" },
        "max_pages": { "default": "0", "help": "listing pages to crawl at most (0: all)" }
    }
});

/// One listing page.
#[derive(Deserialize)]
struct Page {
    items: Vec<Value>,
    /// The next listing page, relative to the origin; none on the last page.
    next: Option<String>,
}

/// The fields of an entry the crawler uses; the whole entry is kept as the item's metadata.
#[derive(Deserialize)]
struct Entry {
    id: String,
    title: Option<String>,
    licence: Option<String>,
    licence_url: Option<String>,
    author: Option<String>,
    author_url: Option<String>,
    /// Relative to the origin.
    image: String,
}

/// Listing pages followed at most, whatever the `next` links say (a site whose links loop ends here).
const MAX_PAGES: u64 = 100_000;

struct BenchCrawler;

impl Crawler for BenchCrawler {
    fn crawl() -> Result<()> {
        let base = config::get_or("base_url", "http://127.0.0.1:8080").trim_end_matches('/').to_string();
        let max_pages: u64 = config::parse_or("max_pages", 0)?;
        let absolute = |path: &str| absolute(&base, path);

        let first = absolute("/api/items?page=1");
        let mut listing = http::get(&first).map_err(|e| Error::msg(format!("{first}: {e:?}")))?;
        let mut url = first;
        let (mut pages, mut stored, mut failed) = (0u64, 0u64, 0u64);
        loop {
            pages += 1;
            let page: Page = listing.error_for_status()?.json()?;
            let entries: Vec<(Entry, &Value)> = page
                .items
                .iter()
                .filter_map(|raw| serde_json::from_value::<Entry>(raw.clone()).ok().map(|entry| (entry, raw)))
                .collect();
            let limit = if max_pages == 0 { MAX_PAGES } else { max_pages.min(MAX_PAGES) };
            let next = page.next.filter(|n| !n.is_empty()).filter(|_| pages < limit);

            // The images of this page and the next listing page, all at once.
            let mut requests: Vec<Request> = entries.iter().map(|(e, _)| Request::get(absolute(&e.image))).collect();
            if let Some(next) = &next {
                requests.push(Request::get(absolute(next)));
            }
            let mut responses = http::fetch_all(&requests).into_iter();

            // One durable put for the whole page: the disk syncs are shared.
            let mut batch = Vec::with_capacity(entries.len());
            for (entry, raw) in &entries {
                let image = match responses.next() {
                    Some(Ok(response)) if response.is_success() && !response.body.is_empty() => response,
                    other => {
                        let why = match other {
                            Some(Ok(response)) => format!("HTTP {}, {} bytes", response.status, response.body.len()),
                            Some(Err(error)) => format!("{error:?}"),
                            None => "no answer".into(),
                        };
                        log::warn(&format!("skipping {}: image {}: {why}", entry.id, entry.image));
                        failed += 1;
                        continue;
                    }
                };
                batch.push(new_item(&base, &url, entry, raw, image));
            }
            for outcome in collect::put_many(&batch) {
                outcome?;
                stored += 1;
            }
            log::progress(stored, None, &format!("page {pages}: {stored} items"));

            let Some(next) = next else { break };
            url = absolute(&next);
            listing = match responses.next() {
                Some(Ok(response)) => response,
                Some(Err(error)) => return Err(Error::msg(format!("listing {url}: {error:?}"))),
                None => return Err(Error::msg(format!("listing {url}: no answer"))),
            };
        }
        log::info(&format!("{pages} pages, {stored} items stored, {failed} skipped"));
        Ok(())
    }
}

/// `path` (`/x/y`) on the origin `base`; absolute URLs as they are.
fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") { path.to_string() } else { format!("{base}{path}") }
}

fn new_item(base: &str, page_url: &str, entry: &Entry, raw: &Value, image: Response) -> NewItem {
    let media_type = image.header("content-type").unwrap_or("image/jpeg").to_string();
    let extension = entry.image.rsplit('.').next().filter(|e| e.len() <= 4).unwrap_or("bin");
    NewItem {
        source_key: format!("bench:{}", entry.id),
        category: None,
        title: entry.title.clone(),
        provenance: Provenance {
            source_url: page_url.to_string(),
            licence: entry.licence.clone(),
            licence_url: entry.licence_url.clone(),
            author: entry.author.clone(),
            author_url: entry.author_url.as_deref().map(|url| absolute(base, url)),
        },
        metadata: raw.to_string(),
        files: vec![NewFile::new(format!("image.{extension}"), media_type, image.body)],
        parent: None,
    }
}

aigc_sdk::export_crawler!(BenchCrawler);
